// Recent re-authentication ("step-up"): sensitive changes need the session to have proved itself within
// 10 minutes, with the second factor when the user has one. The window records what opened it; the
// viewer (lib/auth/viewer.ts) reads whether this session is inside it, and with what.
import { eq, sql, type SQL } from "drizzle-orm";
import type { Queryable } from "@/db/client";
import { timestamptz } from "@/db/sql";
import { userSessions, type StepUpFactor } from "@/db/schema";
import { MINUTE } from "../clock";

export const REAUTH_WINDOW_MS = 10 * MINUTE;

/** A statement part that opens this session's window, proved `by` (while the session is live), returning `id`. */
export function openReauthWindow(sessionId: string, at: Date, by: StepUpFactor): SQL {
  return sql`update user_sessions set reauthenticated_at = ${timestamptz(at)}, reauthenticated_with = ${by}
    where id = ${sessionId} and revoked_at is null returning id`;
}

/** The step-up a window gives, judged at `at`: none once it is over 10 minutes old; a window of unknown origin counts as the password's. */
export function stepUpOf(window: { at: Date | null; by: StepUpFactor | null }, at: Date): StepUpFactor | null {
  if (!window.at || window.at.getTime() <= at.getTime() - REAUTH_WINDOW_MS) return null;
  return window.by ?? "password";
}

/** Closes this session's window at once: the next sensitive change asks "Confirm it's you" again. */
export async function forgetReauthentication(db: Queryable, sessionId: string): Promise<void> {
  await db.update(userSessions).set({ reauthenticatedAt: null }).where(eq(userSessions.id, sessionId));
}
