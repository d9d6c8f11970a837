// One full sign-in as a browser without JavaScript does it: login page, password, verify page, code, console.
import { Browser, formWith, type Page } from "./http-client";

export const STEPS = ["login page", "password", "verify page", "code", "console"] as const;
export type Step = (typeof STEPS)[number];

export type SignInAccount = { username: string; password: string; address: string };
/** Gives the code to type, computed when the code step is reached; it may book the time step it uses. */
export type CodeSource = () => string;
/** Told about every response (and every request that got none, with status 0) and how long it took. */
export type Observer = (step: Step, status: number, body: string, ms: number) => void;

export type SignInResult = {
  ok: boolean;
  startedAt: number;
  finishedAt: number;
  failedStep?: Step;
  error?: string;
  /** The code step failed and yet left the browser a session cookie: a half sign-in. */
  halfSignIn: boolean;
  /** Signed in, but the console failed to render: this browser can try the console again later. */
  signedInBrowser?: Browser;
  /** The browser of a completed sign-in, still signed in. */
  browser?: Browser;
};

class StepFailure extends Error {}

/** The page's alert, or else its heading, as plain text: enough to tell which page came back. */
function pageSummary(body: string): string | null {
  const match = /role="alert"[^>]*>([\s\S]*?)<\/div>/.exec(body) ?? /<h1[^>]*>([\s\S]*?)<\/h1>/.exec(body);
  return match
    ? match[1]
        .replace(/<[^>]+>/g, "")
        .trim()
        .slice(0, 80)
    : null;
}

function describe(page: Page, expected: string): string {
  if (page.status >= 300 && page.status < 400) return `redirect ${page.status} to ${page.location ?? "nowhere"} instead of ${expected}`;
  const summary = pageSummary(page.body);
  const shown = `HTTP ${page.status}${summary ? ` "${summary}"` : ""}`;
  return page.status >= 500 ? shown : `${shown} instead of ${expected}`;
}

function networkReason(error: unknown): string {
  if (error instanceof StepFailure) return error.message;
  const name = (error as { name?: string })?.name;
  if (name === "TimeoutError" || name === "AbortError") return "timeout";
  const cause = (error as { cause?: { code?: string } })?.cause;
  return `network ${cause?.code ?? (error instanceof Error ? error.message : String(error))}`;
}

const hasSessionCookie = (browser: Browser) => browser.cookieNames().some((name) => name.endsWith("authjs.session-token"));

export async function signInOnce(origin: string, account: SignInAccount, code: CodeSource, observe: Observer): Promise<SignInResult> {
  const browser = new Browser(origin, account.address);
  const startedAt = Date.now();
  // An object, so the catch below sees the step the closure reached.
  const at: { step: Step } = { step: "login page" };

  // Runs one step, times it and reports its response; `check` throws StepFailure when the page is wrong.
  const run = async (name: Step, send: () => Promise<Page>, check: (page: Page) => void): Promise<Page> => {
    at.step = name;
    const began = performance.now();
    let page: Page;
    try {
      page = await send();
    } catch (error) {
      observe(name, 0, "", performance.now() - began);
      throw error;
    }
    observe(name, page.status, page.body, performance.now() - began);
    check(page);
    return page;
  };
  const expect = (ok: boolean, page: Page, expected: string) => {
    if (!ok) throw new StepFailure(describe(page, expected));
  };

  try {
    const login = await run(
      "login page",
      () => browser.request("GET", "/login"),
      (page) => expect(page.status === 200 && formWith(page.body, "password") !== null, page, "the sign-in form"),
    );
    const passwordForm = formWith(login.body, "password")!;
    await run(
      "password",
      () => browser.submit(login, passwordForm, { account: account.username, password: account.password }),
      (page) =>
        expect(
          page.status === 303 && page.location === "/login/verify" && browser.has("__Host-tessera-challenge"),
          page,
          "303 to /login/verify with a challenge cookie",
        ),
    );
    const verify = await run(
      "verify page",
      () => browser.request("GET", "/login/verify"),
      (page) => expect(page.status === 200 && formWith(page.body, "kind") !== null, page, "the code form"),
    );
    const codeForm = formWith(verify.body, "kind")!;
    const done = await run(
      "code",
      () => browser.submit(verify, codeForm, { kind: "code", code: code() }),
      (page) =>
        expect(
          page.status === 303 && page.location !== null && new URL(page.location, origin).pathname === "/" && hasSessionCookie(browser),
          page,
          "303 to / with a session cookie",
        ),
    );
    await run(
      "console",
      () => browser.request("GET", new URL(done.location!, origin).pathname),
      (page) => expect(page.status === 200 && /<h1[^>]*>(Agent Panel|Admin console)<\/h1>/.test(page.body), page, "the console heading"),
    );
    return { ok: true, startedAt, finishedAt: Date.now(), halfSignIn: false, browser };
  } catch (error) {
    return {
      ok: false,
      startedAt,
      finishedAt: Date.now(),
      failedStep: at.step,
      error: `${at.step}: ${networkReason(error)}`,
      halfSignIn: at.step !== "console" && hasSessionCookie(browser),
      signedInBrowser: at.step === "console" ? browser : undefined,
    };
  }
}
