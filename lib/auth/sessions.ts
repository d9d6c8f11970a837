// Server-side session records behind the Auth.js JWT: sign-out and "end other sessions" really end them.
import { and, eq, gt, isNull, ne } from "drizzle-orm";
import type { Queryable } from "@/db/client";
import { userSessions, users, type User } from "@/db/schema";
import { addMs, now } from "../clock";
import type { RequestContext } from "../request";

export const SESSION_LIFETIME_MS = 12 * 60 * 60 * 1000;

export async function createUserSession(db: Queryable, userId: string, context: RequestContext) {
  const at = now();
  const [row] = await db
    .insert(userSessions)
    .values({
      userId,
      createdAt: at,
      lastSeenAt: at,
      reauthenticatedAt: at,
      expiresAt: addMs(at, SESSION_LIFETIME_MS),
      ip: context.ip,
      userAgent: context.userAgent,
    })
    .returning({ id: userSessions.id });
  return row.id;
}

export type ActiveSession = { sessionId: string; user: User };

/**
 * The user behind a session, only while the session is live, the user active and the
 * session version unchanged since sign-in.
 */
export async function findActiveSession(
  db: Queryable,
  sessionId: string,
  userId: string,
  sessionVersion: number,
): Promise<ActiveSession | null> {
  const [row] = await db
    .select({ user: users })
    .from(userSessions)
    .innerJoin(users, eq(users.id, userSessions.userId))
    .where(
      and(
        eq(userSessions.id, sessionId),
        eq(userSessions.userId, userId),
        isNull(userSessions.revokedAt),
        gt(userSessions.expiresAt, now()),
        eq(users.status, "active"),
        eq(users.sessionVersion, sessionVersion),
      ),
    )
    .limit(1);
  return row ? { sessionId, user: row.user } : null;
}

export async function revokeSession(db: Queryable, sessionId: string): Promise<void> {
  await db
    .update(userSessions)
    .set({ revokedAt: now() })
    .where(and(eq(userSessions.id, sessionId), isNull(userSessions.revokedAt)));
}

/** Revokes every live session of the user except `keepSessionId`. */
export async function revokeOtherSessions(db: Queryable, userId: string, keepSessionId: string): Promise<void> {
  await db
    .update(userSessions)
    .set({ revokedAt: now() })
    .where(and(eq(userSessions.userId, userId), isNull(userSessions.revokedAt), ne(userSessions.id, keepSessionId)));
}
