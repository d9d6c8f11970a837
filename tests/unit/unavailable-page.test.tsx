// The 503 page of the console (issue 13, item 11): middleware.ts serves /unavailable with HTTP 503 and
// tells every page its own address; the page says so in one sentence and links back, to this site only.
import { encode } from "next-auth/jwt";
import { NextRequest } from "next/server";
import { renderToStaticMarkup } from "react-dom/server";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import UnavailablePage from "@/app/unavailable/page";
import { CONSOLE_PAGE_UNAVAILABLE, PAGE_PATH_HEADER, unavailablePageFor } from "@/lib/unavailable-page";

type Middleware = (request: NextRequest) => Promise<Response>;
let middleware: Middleware;
let sessionCookieName: string;

beforeAll(async () => {
  // Cookie names and the CSP are fixed when the modules load, as in a build.
  vi.stubEnv("NODE_ENV", "production");
  vi.resetModules();
  middleware = (await import("@/middleware")).default;
  sessionCookieName = (await import("@/lib/auth/cookie-names")).SESSION_COOKIE;
});

afterAll(() => vi.unstubAllEnvs());

const ORIGIN = "http://localhost:3000";

async function signedIn(path: string, headers: Record<string, string> = {}): Promise<NextRequest> {
  const token = { uid: "8d0e6b52-7a41-4f3c-b2e9-1c5a6f4d7e80", sid: "3f1c2a4e-0b7d-4e8a-9c61-5d2f7a9b1e03", sv: 1, role: "admin" };
  const value = await encode({ token, secret: process.env.AUTH_SECRET!, salt: sessionCookieName, maxAge: 600 });
  return new NextRequest(new URL(path, ORIGIN), { headers: { cookie: `${sessionCookieName}=${value}`, ...headers } });
}

/** The request header a page will read, as middleware.ts passes it on. */
const passedHeader = (response: Response, name: string) => response.headers.get(`x-middleware-request-${name}`);

describe("the middleware and the 503 page", () => {
  it("serves /unavailable with HTTP 503 and the page's Content-Security-Policy, without a sign-in", async () => {
    const response = await middleware(new NextRequest(new URL("/unavailable?from=%2Fprofile%2Fsecurity", ORIGIN)));
    expect(response.status).toBe(503);
    expect(response.headers.get("x-middleware-next")).toBe("1");
    expect(response.headers.get("location")).toBeNull();
    const csp = response.headers.get("content-security-policy") ?? "";
    const nonce = /'nonce-([^']+)'/.exec(csp)?.[1];
    expect(nonce).toBeTruthy();
    // The nonce the page's scripts get is the one the policy names.
    expect(passedHeader(response, "x-nonce")).toBe(nonce);
  });

  it("tells every page it passes on its own path and query, over anything the client sent", async () => {
    const response = await middleware(await signedIn("/settings/people/agents?status=off", { [PAGE_PATH_HEADER]: "//evil.example" }));
    expect(response.status).toBe(200);
    expect(passedHeader(response, PAGE_PATH_HEADER)).toBe("/settings/people/agents?status=off");
  });
});

describe("unavailablePageFor", () => {
  it("leads back to the page asked for, with its query", () => {
    expect(unavailablePageFor("/settings/security/audit-log?type=sign_in.failed")).toBe(
      "/unavailable?from=%2Fsettings%2Fsecurity%2Faudit-log%3Ftype%3Dsign_in.failed",
    );
    expect(unavailablePageFor("/")).toBe("/unavailable?from=%2F");
  });

  it.each([null, "", "//evil.example", "https://evil.example/", "/\\evil.example", "/a/..//evil.example"])(
    "leads to the console's home for %j",
    (page) => {
      expect(unavailablePageFor(page)).toBe("/unavailable?from=%2F");
    },
  );
});

describe("the 503 page", () => {
  async function render(from: string | string[] | undefined): Promise<string> {
    return renderToStaticMarkup(await UnavailablePage({ searchParams: Promise.resolve({ from }) }));
  }

  it("says so in one sentence, with a Try again link back to the page asked for", async () => {
    const html = await render("/profile/security");
    expect(CONSOLE_PAGE_UNAVAILABLE).toMatch(/^[^.]+\.$/);
    expect(html).toContain(`<h1 class="text-xl font-semibold tracking-tight text-balance">${CONSOLE_PAGE_UNAVAILABLE}</h1>`);
    expect(html).toMatch(/<a href="\/profile\/security"[^>]*>Try again<\/a>/);
  });

  it.each([undefined, ["/a", "/b"], "https://evil.example/", "//evil.example", "javascript:alert(1)"])(
    "links to the console's home for from=%j",
    async (from) => {
      expect(await render(from)).toMatch(/<a href="\/"[^>]*>Try again<\/a>/);
    },
  );
});
