// Recent re-authentication: sensitive changes need the password or a current code within 10 minutes.
// The viewer (lib/auth/viewer.ts) reads whether this session is inside the window.
import { eq, sql, type SQL } from "drizzle-orm";
import type { Queryable } from "@/db/client";
import { timestamptz } from "@/db/sql";
import { userSessions } from "@/db/schema";
import { MINUTE, now } from "../clock";

export const REAUTH_WINDOW_MS = 10 * MINUTE;

/** A statement part that opens this session's window (while the session is live), returning `id`. */
export function openReauthWindow(sessionId: string, at: Date): SQL {
  return sql`update user_sessions set reauthenticated_at = ${timestamptz(at)} where id = ${sessionId} and revoked_at is null returning id`;
}

export async function markReauthenticated(db: Queryable, sessionId: string): Promise<void> {
  await db.execute(openReauthWindow(sessionId, now()));
}

/** Closes this session's window at once: the next sensitive change asks "Confirm it's you" again. */
export async function forgetReauthentication(db: Queryable, sessionId: string): Promise<void> {
  await db.update(userSessions).set({ reauthenticatedAt: null }).where(eq(userSessions.id, sessionId));
}
