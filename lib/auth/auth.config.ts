// Edge-safe Auth.js configuration shared by middleware.ts and the server (no database, no Node APIs).
import type { NextAuthConfig } from "next-auth";
import type { Role } from "@/db/schema";
import { CALLBACK_URL_COOKIE, CSRF_COOKIE, SESSION_COOKIE, secureCookies } from "./cookie-names";

declare module "next-auth" {
  interface User {
    role?: Role;
    sessionId?: string;
    sessionVersion?: number;
  }
  interface Session {
    userId: string;
    sessionId: string;
    sessionVersion: number;
    role: Role;
  }
}

declare module "@auth/core/jwt" {
  interface JWT {
    uid?: string;
    sid?: string;
    sv?: number;
    role?: Role;
  }
}

export const SESSION_MAX_AGE_S = 12 * 60 * 60;

export const authConfig = {
  // Behind Vercel or a proxy the host comes from X-Forwarded-Host; pin it with AUTH_URL elsewhere.
  trustHost: true,
  session: { strategy: "jwt", maxAge: SESSION_MAX_AGE_S },
  // Secure cookies in production whatever the request's protocol, and named __Host- rather than
  // Auth.js's __Secure- (cookie-names.ts); the options (HttpOnly, SameSite=Lax, Path=/, Secure in
  // production, no Domain) stay Auth.js's own. Only these three are ever set: Tessera has no OAuth or
  // WebAuthn provider, whose state, nonce, PKCE and challenge cookies Auth.js would name otherwise.
  useSecureCookies: secureCookies,
  cookies: {
    sessionToken: { name: SESSION_COOKIE },
    callbackUrl: { name: CALLBACK_URL_COOKIE },
    csrfToken: { name: CSRF_COOKIE },
  },
  pages: { signIn: "/login", error: "/login" },
  providers: [],
  callbacks: {
    jwt({ token, user }) {
      if (user?.id && user.sessionId && user.role && user.sessionVersion !== undefined) {
        token.uid = user.id;
        token.sid = user.sessionId;
        token.sv = user.sessionVersion;
        token.role = user.role;
      }
      return token;
    },
    session({ session, token }) {
      return {
        ...session,
        userId: token.uid ?? "",
        sessionId: token.sid ?? "",
        sessionVersion: token.sv ?? 0,
        role: token.role ?? "agent",
      };
    },
  },
} satisfies NextAuthConfig;
