// The server's Auth.js instance: a Credentials provider that only accepts our one-time sign-in tickets.
import NextAuth from "next-auth";
import Credentials from "next-auth/providers/credentials";
import { z } from "zod";
import { eq } from "drizzle-orm";
import { getDb } from "@/db/client";
import { userSessions, users } from "@/db/schema";
import { now } from "../clock";
import { noticeNewSignIn } from "../notices";
import { thisBrowserId } from "./flow-cookies";
import { authConfig } from "./auth.config";
import { activateSession, liveSession, revokeSession } from "./sessions";

const ticketInput = z.object({ ticket: z.string().min(20).max(100) });

export const { handlers, auth, signIn, signOut, unstable_update } = NextAuth({
  ...authConfig,
  providers: [
    Credentials({
      id: "ticket",
      name: "Sign-in ticket",
      credentials: { ticket: {} },
      // One statement: the pending session the ticket names becomes active, with its audit event, and
      // this browser is noted as one of the person's; a browser new to them brings "New sign-in to Tessera".
      async authorize(raw) {
        const parsed = ticketInput.safeParse(raw);
        if (!parsed.success) return null;
        const session = await activateSession(await getDb(), parsed.data.ticket, await thisBrowserId());
        if (!session) return null;
        if (session.newBrowser) await noticeNewSignIn(session);
        const { userId, name, email, role, sessionId, sessionVersion } = session;
        return { id: userId, name, email, role, sessionId, sessionVersion };
      },
    }),
  ],
  callbacks: {
    ...authConfig.callbacks,
    async jwt(params) {
      const token = authConfig.callbacks.jwt(params);
      // An update (keepOnlyThisSession, after a change that raised the session version and ended the
      // other sessions) re-reads the version, and only for a session that is still live: active,
      // not revoked, not expired, its user active. Browsers cannot ask for one (app/api/auth).
      if (params.trigger === "update" && token.sid && token.uid) {
        const db = await getDb();
        const [row] = await db
          .select({ sessionVersion: users.sessionVersion, role: users.role })
          .from(userSessions)
          .innerJoin(users, eq(users.id, userSessions.userId))
          .where(liveSession(token.sid, token.uid, now()));
        if (row) {
          token.sv = row.sessionVersion;
          token.role = row.role;
        }
      }
      return token;
    },
  },
  events: {
    async signOut(message) {
      const sid = "token" in message ? message.token?.sid : undefined;
      if (sid) await revokeSession(await getDb(), sid);
    },
  },
});
