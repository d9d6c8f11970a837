// A browser without JavaScript for the benchmarks: a cookie jar, redirects left to the caller, and the
// HTML forms Next.js renders for server actions (their hidden $ACTION_ inputs work without scripts).

export type Page = { url: URL; status: number; location: string | null; body: string };
export type HtmlForm = { action: string; fields: [string, string][] };

const ENTITIES: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'", nbsp: "\u00a0" };

function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#[0-9]+|[a-z]+);/gi, (whole, name: string) => {
    if (name[0] === "#")
      return String.fromCodePoint(name[1] === "x" || name[1] === "X" ? parseInt(name.slice(2), 16) : parseInt(name.slice(1), 10));
    return ENTITIES[name.toLowerCase()] ?? whole;
  });
}

function attributes(tag: string): Map<string, string> {
  const found = new Map<string, string>();
  for (const match of tag.matchAll(/([^\s=<>/"']+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+)))?/g)) {
    found.set(match[1].toLowerCase(), decodeEntities(match[2] ?? match[3] ?? match[4] ?? ""));
  }
  return found;
}

/** Every form of the page with the values a browser would submit from its inputs. */
export function parseForms(html: string): HtmlForm[] {
  const forms: HtmlForm[] = [];
  for (const match of html.matchAll(/<form\b([^>]*)>([\s\S]*?)<\/form>/gi)) {
    const form = attributes(match[1]);
    const fields: [string, string][] = [];
    for (const input of match[2].matchAll(/<input\b([^>]*)>/gi)) {
      const attrs = attributes(input[1]);
      const name = attrs.get("name");
      const type = attrs.get("type") ?? "text";
      if (!name || attrs.has("disabled") || ((type === "checkbox" || type === "radio") && !attrs.has("checked"))) continue;
      fields.push([name, attrs.get("value") ?? ""]);
    }
    forms.push({ action: form.get("action") ?? "", fields });
  }
  return forms;
}

/** The form that has an input named `field`, or null. */
export function formWith(html: string, field: string): HtmlForm | null {
  return parseForms(html).find((form) => form.fields.some(([name]) => name === field)) ?? null;
}

/** One simulated browser: its own cookies and, for the server's per-address limits, its own address. */
export class Browser {
  private readonly cookies = new Map<string, string>();

  constructor(
    private readonly origin: string,
    private readonly forwardedFor: string,
    private readonly timeoutMs = 15_000,
  ) {}

  // The server marks its cookies Secure with the __Host- prefix; a browser keeps them for
  // http://127.0.0.1 too, so this jar ignores the attributes except for deletion.
  private remember(response: Response): void {
    for (const header of response.headers.getSetCookie()) {
      const [pair, ...attrs] = header.split(";");
      const equals = pair.indexOf("=");
      if (equals < 0) continue;
      const name = pair.slice(0, equals).trim();
      const value = pair.slice(equals + 1).trim();
      const expired = attrs.some((attr) => {
        const [key, raw = ""] = attr.split("=");
        const k = key.trim().toLowerCase();
        return (k === "max-age" && Number(raw) <= 0) || (k === "expires" && Date.parse(raw) <= Date.now());
      });
      if (expired || value === "") this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }

  has(cookie: string): boolean {
    return this.cookies.has(cookie);
  }

  cookieNames(): string[] {
    return [...this.cookies.keys()];
  }

  /** One request, redirects not followed. */
  async request(method: "GET" | "POST", path: string, body?: FormData): Promise<Page> {
    const url = new URL(path, this.origin);
    const headers: Record<string, string> = {
      "user-agent": "tessera-bench",
      "x-forwarded-for": this.forwardedFor,
      accept: "text/html",
    };
    if (this.cookies.size > 0) headers.cookie = [...this.cookies].map(([name, value]) => `${name}=${value}`).join("; ");
    // Server actions refuse a POST whose Origin is not the app's own, as a browser sends it.
    if (method === "POST") headers.origin = this.origin;
    const response = await fetch(url, { method, headers, body, redirect: "manual", signal: AbortSignal.timeout(this.timeoutMs) });
    this.remember(response);
    return { url, status: response.status, location: response.headers.get("location"), body: await response.text() };
  }

  /** Submits `form` of `page` as multipart/form-data with `values` filled in; the redirect is not followed. */
  async submit(page: Page, form: HtmlForm, values: Record<string, string>): Promise<Page> {
    const data = new FormData();
    const filled = new Set<string>();
    for (const [name, value] of form.fields) {
      const own = Object.hasOwn(values, name);
      data.append(name, own ? values[name] : value);
      if (own) filled.add(name);
    }
    for (const [name, value] of Object.entries(values)) if (!filled.has(name)) data.append(name, value);
    const target = new URL(form.action || page.url.pathname + page.url.search, page.url);
    return this.request("POST", target.pathname + target.search, data);
  }
}
