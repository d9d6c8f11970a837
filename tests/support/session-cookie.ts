// A signed-in browser for tests that call server actions and route handlers directly: the Auth.js
// session cookie a sign-in leaves, in the jar of next-headers.ts, and next/headers handing that jar
// over as Next.js does (every cookie, and the Cookie header). The viewer is then found the real way.
import { encode } from "next-auth/jwt";
import type { User } from "@/db/schema";
import { SESSION_MAX_AGE_S } from "@/lib/auth/auth.config";
import { authSecret } from "@/lib/env";
import { headers as clientHeaders, cookies as jarCookies, jar } from "./next-headers";

// Auth.js's cookie name without Secure cookies (tests do not run as production).
export const SESSION_COOKIE = "authjs.session-token";

/** Puts in the jar the session cookie Auth.js issues when the ticket of `sessionId` is redeemed. */
export async function holdSessionCookie(user: Pick<User, "id" | "role" | "sessionVersion">, sessionId: string): Promise<void> {
  const token = { uid: user.id, sid: sessionId, sv: user.sessionVersion, role: user.role };
  jar.set(SESSION_COOKIE, await encode({ token, secret: authSecret(), salt: SESSION_COOKIE, maxAge: SESSION_MAX_AGE_S }));
}

function cookieHeader(): string {
  return [...jar].map(([name, value]) => `${name}=${encodeURIComponent(value)}`).join("; ");
}

/**
 * The module for `vi.mock("next/headers", ...)`: the jar and client of next-headers.ts, with the
 * jar's cookies listed and sent in the Cookie header, plus any `extraHeaders` the client sends.
 */
export function nextHeadersWithJar(extraHeaders: Record<string, string> = {}) {
  return {
    cookies: async () => ({
      ...(await jarCookies()),
      getAll: () => [...jar].map(([name, value]) => ({ name, value })),
      toString: cookieHeader,
    }),
    headers: async () => {
      const sent = new Headers(await clientHeaders());
      if (jar.size > 0) sent.set("cookie", cookieHeader());
      for (const [name, value] of Object.entries(extraHeaders)) sent.set(name, value);
      return sent;
    },
  };
}
