// The server's Auth.js instance: a Credentials provider that only accepts our one-time sign-in tickets.
import NextAuth from "next-auth";
import Credentials from "next-auth/providers/credentials";
import { z } from "zod";
import { and, eq, isNull } from "drizzle-orm";
import { getDb } from "@/db/client";
import { userSessions, users } from "@/db/schema";
import { authConfig } from "./auth.config";
import { createUserSession, revokeSession } from "./sessions";
import { recordSignInSuccess } from "./sign-in";
import { redeemSignInTicket } from "./tickets";

const ticketInput = z.object({ ticket: z.string().min(20).max(100) });

export const { handlers, auth, signIn, signOut, unstable_update } = NextAuth({
  ...authConfig,
  providers: [
    Credentials({
      id: "ticket",
      name: "Sign-in ticket",
      credentials: { ticket: {} },
      async authorize(raw) {
        const parsed = ticketInput.safeParse(raw);
        if (!parsed.success) return null;
        const db = await getDb();
        // Ticket, session row and audit event stand or fall together.
        return db.transaction(async (tx) => {
          const redeemed = await redeemSignInTicket(tx, parsed.data.ticket);
          if (!redeemed) return null;
          const [user] = await tx.select().from(users).where(eq(users.id, redeemed.userId));
          if (!user || user.status !== "active") return null;
          const context = { ip: redeemed.ip, userAgent: redeemed.userAgent };
          const sessionId = await createUserSession(tx, user.id, context);
          await recordSignInSuccess(tx, user.id, context, { sessionId });
          return { id: user.id, name: user.name, email: user.email, role: user.role, sessionId, sessionVersion: user.sessionVersion };
        });
      },
    }),
  ],
  callbacks: {
    ...authConfig.callbacks,
    async jwt(params) {
      const token = authConfig.callbacks.jwt(params);
      // An update (after a change that raised the session version) re-reads the version, and only
      // for a session that is still live: a revoked session cannot be revived by asking.
      if (params.trigger === "update" && token.sid && token.uid) {
        const db = await getDb();
        const [row] = await db
          .select({ sessionVersion: users.sessionVersion, role: users.role })
          .from(userSessions)
          .innerJoin(users, eq(users.id, userSessions.userId))
          .where(and(eq(userSessions.id, token.sid), eq(userSessions.userId, token.uid), isNull(userSessions.revokedAt)));
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
