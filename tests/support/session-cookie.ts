// A signed-in browser for tests that call server actions and route handlers directly: the Auth.js
// session cookie a sign-in leaves, in the jar of next-headers.ts, which hands it over as Next.js does.
// The viewer is then found the real way.
import { encode } from "next-auth/jwt";
import type { User } from "@/db/schema";
import { SESSION_MAX_AGE_S } from "@/lib/auth/auth.config";
import { SESSION_COOKIE as AUTH_SESSION_COOKIE } from "@/lib/auth/cookie-names";
import { authSecret } from "@/lib/env";
import { headers as clientHeaders, cookies as jarCookies, jar } from "./next-headers";

/** The name auth.config.ts gives Auth.js (without the __Host- prefix: tests do not run as production). */
export const SESSION_COOKIE = AUTH_SESSION_COOKIE;

/** Puts in the jar the session cookie Auth.js issues when the ticket of `sessionId` is redeemed. */
export async function holdSessionCookie(user: Pick<User, "id" | "role" | "sessionVersion">, sessionId: string): Promise<void> {
  const token = { uid: user.id, sid: sessionId, sv: user.sessionVersion, role: user.role };
  jar.set(SESSION_COOKIE, await encode({ token, secret: authSecret(), salt: SESSION_COOKIE, maxAge: SESSION_MAX_AGE_S }));
}

/**
 * The module for `vi.mock("next/headers", ...)`: the jar and client of next-headers.ts, plus any
 * `extraHeaders` the client sends.
 */
export function nextHeadersWithJar(extraHeaders: Record<string, string> = {}) {
  return {
    cookies: jarCookies,
    headers: async () => {
      const sent = new Headers(await clientHeaders());
      for (const [name, value] of Object.entries(extraHeaders)) sent.set(name, value);
      return sent;
    },
  };
}
