// The edge middleware as Next.js calls it, with a production build's settings: the session cookie it
// reads is the __Host- one Auth.js writes, a body Next.js would answer with a 500 is refused first with
// a 413 or 400, and with no proxy trusted the client's X-Forwarded-For is not passed on.
import { encode } from "next-auth/jwt";
import { NextRequest } from "next/server";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type * as CookieNames from "@/lib/auth/cookie-names";

type Middleware = (request: NextRequest) => Promise<Response>;
let middleware: Middleware;
let names: typeof CookieNames;

beforeAll(async () => {
  // Cookie names and the CSP are fixed when the modules load, as in a build.
  vi.stubEnv("NODE_ENV", "production");
  vi.resetModules();
  middleware = (await import("@/middleware")).default;
  names = await import("@/lib/auth/cookie-names");
});

afterAll(() => vi.unstubAllEnvs());

const ORIGIN = "http://localhost:3000";
const ACTION = { "next-action": "7f".repeat(21) };
const ACTION_TEXT = { ...ACTION, "content-type": "text/plain;charset=UTF-8" };

function post(path: string, body: BodyInit, headers: Record<string, string> = {}): NextRequest {
  // duplex: what Node's fetch asks of a request with a body; Next's RequestInit type does not know it.
  const init = { method: "POST", body, headers: { origin: ORIGIN, ...headers }, duplex: "half" };
  return new NextRequest(new URL(path, ORIGIN), init as ConstructorParameters<typeof NextRequest>[1]);
}

/** What middleware answers when it lets the request through to the page. */
function passedOn(response: Response): boolean {
  return response.headers.get("x-middleware-next") === "1";
}

async function sessionCookie(name: string): Promise<string> {
  const token = { uid: "8d0e6b52-7a41-4f3c-b2e9-1c5a6f4d7e80", sid: "3f1c2a4e-0b7d-4e8a-9c61-5d2f7a9b1e03", sv: 1, role: "agent" };
  return `${name}=${await encode({ token, secret: process.env.AUTH_SECRET!, salt: name, maxAge: 600 })}`;
}

describe("the middleware in production", () => {
  it("opens the console for the __Host- session cookie Auth.js writes, and for nothing under the old __Secure- name", async () => {
    expect(names.SESSION_COOKIE).toBe("__Host-authjs.session-token");
    const withHost = await middleware(
      new NextRequest(new URL("/profile/security", ORIGIN), { headers: { cookie: await sessionCookie(names.SESSION_COOKIE) } }),
    );
    expect(passedOn(withHost)).toBe(true);
    const withSecure = await middleware(
      new NextRequest(new URL("/profile/security", ORIGIN), { headers: { cookie: await sessionCookie("__Secure-authjs.session-token") } }),
    );
    expect(withSecure.status).toBe(307);
    expect(withSecure.headers.get("location")).toContain("/login");
  });

  it("names every cookie of ours __Host-", async () => {
    const { authConfig } = await import("@/lib/auth/auth.config");
    const cookies = [
      ...Object.values(authConfig.cookies).map((cookie) => cookie.name),
      names.CHALLENGE_COOKIE,
      names.TRUSTED_BROWSER_COOKIE,
    ];
    expect(cookies).toHaveLength(5);
    for (const name of cookies) expect(name).toMatch(/^__Host-/);
    expect(authConfig.useSecureCookies).toBe(true);
  });

  it("sends the pages a style policy without 'unsafe-inline'", async () => {
    const csp = (await middleware(new NextRequest(new URL("/login", ORIGIN)))).headers.get("content-security-policy") ?? "";
    expect(csp).toMatch(/(^|; )style-src 'self'(;|$)/);
    expect(csp).toMatch(/script-src 'self' 'nonce-[^']+' 'strict-dynamic'(;|$)/);
  });

  it("answers a POST declared over 64 KB with 413 before Next.js reads it", async () => {
    const response = await middleware(
      post("/login", "x", { "content-length": String(64 * 1024 + 1), "content-type": "multipart/form-data; boundary=b" }),
    );
    expect(response.status).toBe(413);
  });

  it("answers a server-action body that turns out over 64 KB with 413, whatever length it declared", async () => {
    const form = new FormData();
    form.append("0", JSON.stringify(["$K1"]));
    form.append("1_password", "p".repeat(64 * 1024));
    expect((await middleware(post("/login", form, ACTION))).status).toBe(413);
    expect((await middleware(post("/login", JSON.stringify(["p".repeat(64 * 1024)]), ACTION_TEXT))).status).toBe(413);
  });

  it("answers a server-action body its client could not have sent with 400", async () => {
    const noRoot = new FormData();
    noRoot.append("account", "a");
    const multipart = (type: string) => ({ ...ACTION, "content-type": type });
    const cases: [string, BodyInit, Record<string, string>][] = [
      [
        "multipart cut short",
        '--zzz\r\nContent-Disposition: form-data; name="0"\r\n\r\n[]',
        multipart("multipart/form-data; boundary=zzz"),
      ],
      ["multipart without a boundary", "abc", multipart("multipart/form-data")],
      ["a form without its arguments", noRoot, ACTION],
      ["text that is not JSON", "garbage{{", ACTION_TEXT],
      // JSON, but not an argument list Next.js can apply.
      ["a string", '"hello"', ACTION_TEXT],
      ["null", "null", ACTION_TEXT],
      ["1,001 arguments", JSON.stringify(Array.from({ length: 1001 }, () => 0)), ACTION_TEXT],
      ["url-encoded", "account=a&password=b", multipart("application/x-www-form-urlencoded")],
      ["a form without JavaScript, cut short", "--x\r\ngarbage", { "content-type": "multipart/form-data; boundary=zzz" }],
    ];
    for (const [name, body, headers] of cases) expect((await middleware(post("/login", body, headers))).status, name).toBe(400);
  });

  it("passes on what the forms and the action client send", async () => {
    const form = new FormData();
    form.append("0", JSON.stringify(["$K1"]));
    form.append("1_account", "a");
    form.append("1_password", "p".repeat(60 * 1024));
    expect(passedOn(await middleware(post("/login", form, ACTION)))).toBe(true);
    expect(passedOn(await middleware(post("/login", '["$K1"]', ACTION_TEXT)))).toBe(true);
    const noScript = new FormData();
    noScript.append("$ACTION_REF_1", "");
    noScript.append("account", "a");
    expect(passedOn(await middleware(post("/login", noScript)))).toBe(true);
  });

  it("refuses an action marked as forwarded, so no action runs on a hop from 127.0.0.1", async () => {
    // Next.js forwards an action POSTed to a page without it over HTTP to itself; that hop's address is the loopback.
    for (const path of ["/login", "/dev/outbox", "/settings/people/agents"]) {
      const response = await middleware(post(path, '["$K1"]', { ...ACTION_TEXT, "x-action-forwarded": "1" }));
      expect(response.status, path).toBe(400);
      expect(passedOn(response)).toBe(false);
    }
  });

  it("with no proxy trusted, does not pass on the X-Forwarded-For the client sent", async () => {
    vi.stubEnv("TRUSTED_PROXY_HOPS", "0");
    const response = await middleware(new NextRequest(new URL("/login", ORIGIN), { headers: { "x-forwarded-for": "203.0.113.66" } }));
    expect(passedOn(response)).toBe(true);
    // Next.js rebuilds the request's headers from this list: what is not in it is removed.
    expect(response.headers.get("x-middleware-override-headers")?.split(",")).not.toContain("x-forwarded-for");
    vi.stubEnv("TRUSTED_PROXY_HOPS", "1");
    const proxied = await middleware(new NextRequest(new URL("/login", ORIGIN), { headers: { "x-forwarded-for": "203.0.113.66" } }));
    expect(proxied.headers.get("x-middleware-request-x-forwarded-for")).toBe("203.0.113.66");
  });
});
