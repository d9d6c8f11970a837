// The attempt rules of the second factor: failures are counted per account, across challenges and
// re-authentications; the 3rd and 4th failure wait five minutes, the 5th locks the account until an
// admin unlocks it, and ends its sessions. lib/two-factor/attempt.ts runs an attempt under these rules.
import { sql, type SQL } from "drizzle-orm";
import type { Queryable } from "@/db/client";
import { asNumber, query, timestamptz, withParts } from "@/db/sql";
import { auditPart } from "../audit";
import { MINUTE, addMs, now } from "../clock";
import type { RequestContext } from "../request";

export const WAIT_AFTER_FAILURES = [3, 4];
export const LOCK_AFTER_FAILURES = 5;
export const WAIT_MS = 5 * MINUTE;

/** An admin to tell of a lock ("An account was locked", lib/notices.ts). */
export type AdminToTell = { name: string; email: string };

export type FailureResult =
  { kind: "invalid"; failures: number } | { kind: "wait"; retryAt: Date; failures: number } | { kind: "locked"; justLocked: boolean };

/**
 * A column (`admins_to_tell`) for the statement that locks `userId`: every other active admin, to be
 * told of the lock, so that telling them costs no statement of its own.
 */
export function adminsToTellColumn(userId: string): SQL {
  return sql`coalesce((select json_agg(json_build_object('name', a.name, 'email', a.email) order by a.created_at, a.id)
    from users a where a.role = 'admin' and a.status = 'active' and a.id <> ${userId}), '[]'::json) as admins_to_tell`;
}

/** The admins to tell of a lock, from the columns an attempt that locked returned (none otherwise). */
export function adminsToTell(returned: Record<string, unknown>): AdminToTell[] {
  return (returned.admins_to_tell as AdminToTell[] | undefined) ?? [];
}

/**
 * The statement parts that book a failed code under the user's row lock (`booked` returns the row):
 * the next count, the wait or lock it earns, and the audit rows; and the answer it gives.
 */
export function failureParts(
  userId: string,
  booked: { failures: number; method: string; replayed: boolean },
  context: RequestContext,
  at: Date,
): { parts: Record<string, SQL | null>; result: FailureResult } {
  const failures = booked.failures + 1;
  const locks = failures >= LOCK_AFTER_FAILURES;
  const retryAt = WAIT_AFTER_FAILURES.includes(failures) ? addMs(at, WAIT_MS) : null;
  const parts = {
    booked: sql`update users set failed_code_attempts = ${failures}, code_retry_after = ${retryAt ? timestamptz(retryAt) : null},
        status = ${locks ? "locked" : "active"}, locked_at = ${locks ? timestamptz(at) : null},
        session_version = session_version + ${locks ? 1 : 0}
      where id = ${userId} and status = 'active' and failed_code_attempts = ${booked.failures} returning id`,
    // The lock ends every session: an unlock later must not bring back one a guesser may be holding.
    sessions_ended: locks
      ? sql`update user_sessions set revoked_at = ${timestamptz(at)}
          where user_id = ${userId} and revoked_at is null and exists (select 1 from booked)`
      : null,
    replayed: booked.replayed
      ? auditPart({ type: "two_factor.code_replayed", subjectId: userId, context, details: { method: "app" } }, { at })
      : null,
    failed: auditPart(
      { type: "two_factor.code_failed", subjectId: userId, context, details: { failures, method: booked.method } },
      { at, onlyIf: "booked" },
    ),
    locked: locks
      ? auditPart(
          { type: "user.locked", subjectId: userId, context, details: { reason: "too_many_code_failures" } },
          { at, onlyIf: "booked" },
        )
      : null,
  };
  const result: FailureResult = locks
    ? { kind: "locked", justLocked: true }
    : retryAt
      ? { kind: "wait", retryAt, failures }
      : { kind: "invalid", failures };
  return { parts, result };
}

/** An admin ends a lock: the account is active again and its failure count starts over, audited in the same statement. */
export async function unlockAccount(db: Queryable, userId: string, adminId: string | null, context: RequestContext): Promise<boolean> {
  const at = now();
  const [row] = await query<{ unlocked: number | string }>(
    db,
    sql`${withParts({
      unlocked: sql`update users set status = 'active', locked_at = null, failed_code_attempts = 0, code_retry_after = null
        where id = ${userId} and status <> 'disabled' returning id`,
      event: auditPart({ type: "user.unlocked", actorId: adminId, subjectId: userId, context }, { at, onlyIf: "unlocked" }),
    })} select count(*) as unlocked from unlocked`,
  );
  return asNumber(row.unlocked) === 1;
}

/** When the account may next try a code (null: now), or whether it is locked, from its row. */
export function attemptState(user: { status: string; codeRetryAfter: Date | null }, at: Date): { locked: boolean; retryAt: Date | null } {
  if (user.status !== "active") return { locked: true, retryAt: null };
  return { locked: false, retryAt: user.codeRetryAfter && user.codeRetryAfter > at ? user.codeRetryAfter : null };
}
