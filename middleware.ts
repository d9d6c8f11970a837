// The first gate (edge runtime): route rules and the Content-Security-Policy nonce. Every page and
// action authorizes again against the database, so a skipped middleware opens nothing.
import NextAuth from "next-auth";
import { NextResponse, type NextRequest } from "next/server";
import { authConfig } from "@/lib/auth/auth.config";
import { CHALLENGE_COOKIE } from "@/lib/auth/cookie-names";

const { auth } = NextAuth(authConfig);

function contentSecurityPolicy(nonce: string, https: boolean): string {
  const dev = process.env.NODE_ENV === "development";
  return [
    "default-src 'self'",
    `script-src 'self' 'nonce-${nonce}' 'strict-dynamic'${dev ? " 'unsafe-eval'" : ""}`,
    "style-src 'self' 'unsafe-inline'",
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

function isPublic(pathname: string): boolean {
  return pathname === "/login" || pathname.startsWith("/api/auth/") || pathname === "/dev/outbox";
}

export default auth((request) => {
  const { pathname, search } = request.nextUrl;
  const nonce = btoa(crypto.randomUUID());
  const csp = contentSecurityPolicy(nonce, request.nextUrl.protocol === "https:");
  const signedIn = Boolean(request.auth?.userId);

  const pass = () => {
    const headers = new Headers(request.headers);
    headers.set("x-nonce", nonce);
    headers.set("content-security-policy", csp);
    const response = NextResponse.next({ request: { headers } });
    response.headers.set("content-security-policy", csp);
    return response;
  };

  if (isPublic(pathname)) return pass();

  if (pathname === "/login/verify") {
    return request.cookies.has(CHALLENGE_COOKIE) ? pass() : NextResponse.redirect(new URL("/login", request.url));
  }

  if (!signedIn) {
    if (request.method !== "GET" && request.method !== "HEAD") {
      return NextResponse.json({ error: "Sign in first." }, { status: 401 });
    }
    const login = new URL("/login", request.url);
    if (pathname !== "/") login.searchParams.set("callbackUrl", pathname + search);
    return NextResponse.redirect(login);
  }

  if ((pathname === "/settings" || pathname.startsWith("/settings/")) && request.auth?.role !== "admin") {
    if (request.method !== "GET" && request.method !== "HEAD") {
      return NextResponse.json({ error: "Admins only." }, { status: 403 });
    }
    return NextResponse.rewrite(new URL("/forbidden", request.url), { status: 403 });
  }

  return pass();
}) as (request: NextRequest) => Promise<Response>;

export const config = {
  matcher: ["/((?!_next/static|_next/image|favicon.ico|favicon.svg|robots.txt).*)"],
};
