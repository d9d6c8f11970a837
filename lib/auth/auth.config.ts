// Edge-safe Auth.js configuration shared by middleware.ts and the server (no database, no Node APIs).
import type { NextAuthConfig } from "next-auth";
import type { Role } from "@/db/schema";

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
  // Secure, __Secure- prefixed session cookies in production whatever the request's protocol.
  useSecureCookies: process.env.NODE_ENV === "production",
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
