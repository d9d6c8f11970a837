// The first gate (edge runtime): route rules and the Content-Security-Policy nonce. Every page and
// action authorizes again against the database, so a skipped middleware opens nothing. It costs what
// it decides: the session token is decrypted only for the console, where it says who may pass, and a
// trusted-browser cookie is opened only on the sign-in page, where it is about to be used.
import { getToken, type JWT } from "next-auth/jwt";
import { NextResponse, type NextRequest } from "next/server";
import { CHALLENGE_COOKIE, SESSION_COOKIE, TRUSTED_BROWSER_COOKIE, secureCookies } from "@/lib/auth/cookie-names";
import { unseal } from "@/lib/auth/sealed-cookies";
import { withoutClientForwardedFor } from "@/lib/request";
import { PAGE_PATH_HEADER, UNAVAILABLE_PATH } from "@/lib/unavailable-page";

function contentSecurityPolicy(nonce: string, https: boolean): string {
  const dev = process.env.NODE_ENV === "development";
  return [
    "default-src 'self'",
    `script-src 'self' 'nonce-${nonce}' 'strict-dynamic'${dev ? " 'unsafe-eval'" : ""}`,
    // No 'unsafe-inline': the pages have no style attribute or inline <style> (tests/e2e/csp.spec.ts);
    // development keeps it for Next.js's error overlay, which injects its styles.
    `style-src 'self'${dev ? " 'unsafe-inline'" : ""}`,
    "img-src 'self' data: blob:",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
    ...(https ? ["upgrade-insecure-requests"] : []),
  ].join("; ");
}

/** Pages and routes anyone may ask for: each answers for itself (the scheduler's routes check its CRON_SECRET). */
function isPublic(pathname: string): boolean {
  return pathname === "/login" || pathname.startsWith("/api/auth/") || pathname.startsWith("/api/cron/") || pathname === "/dev/outbox";
}

const TRUSTED_TTL_S = 90 * 24 * 60 * 60;

/** A trusted-browser cookie that can never be honoured: forged, tampered with or expired. */
async function isStaleTrustCookie(value: string | undefined): Promise<boolean> {
  if (!value) return false;
  const data = await unseal("trusted-browser", value, TRUSTED_TTL_S);
  return !data || typeof data.expiresAt !== "number" || data.expiresAt <= Date.now();
}

/**
 * The session token, read and never written. Auth.js's own middleware wrapper re-issues the session
 * cookie on every request it passes: a request still in flight when the user signs out would set the
 * cookie again after the sign-out cleared it. The session row's fixed lifetime (12 hours) is what
 * ends a session, so there is nothing to slide here.
 */
async function sessionToken(request: NextRequest): Promise<JWT | null> {
  const secret = process.env.AUTH_SECRET;
  const cookie = request.headers.get("cookie");
  // No session cookie, nothing to decrypt.
  if (!secret || !cookie?.includes(SESSION_COOKIE)) return null;
  try {
    // The cookie only: getToken would also take an `Authorization: Bearer` header, which no browser of ours sends.
    // Its name is ours (cookie-names.ts), and Auth.js salts the token with it.
    return await getToken({ req: { headers: { cookie } }, secret, cookieName: SESSION_COOKIE, salt: SESSION_COOKIE });
  } catch {
    return null;
  }
}

/** The server-action limit, `experimental.serverActions.bodySizeLimit` in next.config.ts: the forms send a few fields. */
const ACTION_BODY_LIMIT_BYTES = 64 * 1024;

function refusal(status: 400 | 413): Response {
  const text = status === 413 ? "The request is too large." : "The request could not be read.";
  return new Response(text, { status, headers: { "content-type": "text/plain; charset=utf-8" } });
}

// Next.js refuses an action with more arguments than this (SERVER_ACTION_ARGS_LIMIT), with a 500.
const MAX_ACTION_ARGUMENTS = 1000;

/** Whether `text` is the first row of an action's arguments as its client writes it: a JSON array. */
function isArgumentList(text: string): boolean {
  try {
    const row: unknown = JSON.parse(text);
    return Array.isArray(row) && row.length <= MAX_ACTION_ARGUMENTS;
  } catch {
    return false;
  }
}

/**
 * Whether a server action could read `body`: a form without JavaScript is multipart; the action client
 * sends multipart with its arguments' first row in the field "0", or that row alone as text.
 */
async function readableAction(body: ArrayBuffer, type: string, fetchAction: boolean): Promise<boolean> {
  if (!type.startsWith("multipart/form-data")) return isArgumentList(new TextDecoder().decode(body));
  try {
    const form = await new Request("http://body.invalid/", { method: "POST", headers: { "content-type": type }, body }).formData();
    const root = form.get("0");
    return !fetchAction || (typeof root === "string" && isArgumentList(root));
  } catch {
    return false;
  }
}

/**
 * A 413 or 400 for a POST body that Next.js would answer with a 500 (it does so for every body it
 * cannot read): over the limit, or, for a server action, not what its client sends. The body is read
 * from a copy, which Next.js buffers for the middleware anyway; the action still parses the original.
 */
async function refuseUnreadableBody(request: NextRequest): Promise<Response | null> {
  if (request.method !== "POST") return null;
  if (Number(request.headers.get("content-length")) > ACTION_BODY_LIMIT_BYTES) return refusal(413);
  const type = request.headers.get("content-type") ?? "";
  const fetchAction = request.headers.has("next-action");
  if (!fetchAction && !type.startsWith("multipart/form-data")) return null;
  // A body sent in chunks declares no length.
  const body = await request.clone().arrayBuffer();
  if (body.byteLength > ACTION_BODY_LIMIT_BYTES) return refusal(413);
  return (await readableAction(body, type, fetchAction)) ? null : refusal(400);
}

export default async function middleware(request: NextRequest): Promise<Response> {
  // Next.js forwards an action POSTed to a page that does not hold it to the page that does, over
  // HTTP to itself, marked x-action-forwarded: that second hop would come from 127.0.0.1, an address
  // a client could borrow (for the audit log and the per-address limit). Our pages post their own
  // actions, so no forwarding is ever needed; a client sending the mark itself is refused too.
  if (request.headers.has("x-action-forwarded")) return refusal(400);
  const refused = await refuseUnreadableBody(request);
  if (refused) return refused;
  const { pathname, search } = request.nextUrl;
  const nonce = btoa(crypto.randomUUID());
  const csp = contentSecurityPolicy(nonce, request.nextUrl.protocol === "https:");
  const pass = (status = 200) => {
    const headers = new Headers(request.headers);
    withoutClientForwardedFor(headers);
    headers.set("x-nonce", nonce);
    headers.set("content-security-policy", csp);
    // The page's own address, for "Try again" on the 503 page (lib/unavailable.ts): ours, never the client's.
    headers.set(PAGE_PATH_HEADER, pathname + search);
    // A status set here stays on the page Next.js renders, unless the render ends in an error of its own.
    const response = NextResponse.next({ request: { headers }, status });
    response.headers.set("content-security-policy", csp);
    return response;
  };

  // The page that says the console cannot reach its database: a static page, which the App Router
  // cannot give a status of its own, so it gets its 503 here. No session needed: it shows nothing else.
  if (pathname === UNAVAILABLE_PATH) return pass(503);

  if (pathname === "/login") {
    const response = pass();
    if (await isStaleTrustCookie(request.cookies.get(TRUSTED_BROWSER_COOKIE)?.value)) {
      response.cookies.set(TRUSTED_BROWSER_COOKIE, "", { maxAge: 0, path: "/", httpOnly: true, secure: secureCookies, sameSite: "lax" });
    }
    return response;
  }
  if (isPublic(pathname)) return pass();

  if (pathname === "/login/verify") {
    return request.cookies.has(CHALLENGE_COOKIE) ? pass() : NextResponse.redirect(new URL("/login", request.url));
  }

  const token = await sessionToken(request);
  if (!token?.uid) {
    if (request.method !== "GET" && request.method !== "HEAD") {
      return NextResponse.json({ error: "Sign in first." }, { status: 401 });
    }
    const login = new URL("/login", request.url);
    if (pathname !== "/") login.searchParams.set("callbackUrl", pathname + search);
    return NextResponse.redirect(login);
  }

  if ((pathname === "/settings" || pathname.startsWith("/settings/")) && token.role !== "admin") {
    if (request.method !== "GET" && request.method !== "HEAD") {
      return NextResponse.json({ error: "Admins only." }, { status: 403 });
    }
    return NextResponse.rewrite(new URL("/forbidden", request.url), { status: 403 });
  }

  return pass();
}

export const config = {
  // Static files, the icons and the health check need no gate and no policy.
  matcher: ["/((?!_next/static|_next/image|favicon.ico|favicon.svg|icon\\.svg$|robots.txt|api/health$).*)"],
};
