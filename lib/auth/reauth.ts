// Recent re-authentication: sensitive changes need the password or a current code within 10 minutes.
import { and, eq, gt, isNull } from "drizzle-orm";
import type { Queryable } from "@/db/client";
import { userSessions } from "@/db/schema";
import { MINUTE, now } from "../clock";

export const REAUTH_WINDOW_MS = 10 * MINUTE;

export async function isRecentlyReauthenticated(db: Queryable, sessionId: string): Promise<boolean> {
  const rows = await db
    .select({ id: userSessions.id })
    .from(userSessions)
    .where(
      and(
        eq(userSessions.id, sessionId),
        isNull(userSessions.revokedAt),
        gt(userSessions.reauthenticatedAt, new Date(now().getTime() - REAUTH_WINDOW_MS)),
      ),
    );
  return rows.length === 1;
}

export async function markReauthenticated(db: Queryable, sessionId: string): Promise<void> {
  await db
    .update(userSessions)
    .set({ reauthenticatedAt: now() })
    .where(and(eq(userSessions.id, sessionId), isNull(userSessions.revokedAt)));
}

/** Closes this session's window at once: the next sensitive change asks "Confirm it's you" again. */
export async function forgetReauthentication(db: Queryable, sessionId: string): Promise<void> {
  await db.update(userSessions).set({ reauthenticatedAt: null }).where(eq(userSessions.id, sessionId));
}
