// Second-factor attempts: counted per account across challenges; 3rd and 4th failure wait five
// minutes, the 5th locks the account. Attempts of one user run one at a time (row lock), so
// parallel guesses can never earn more tries than the rules give.
import { and, eq, ne, sql } from "drizzle-orm";
import type { Database, Transaction } from "@/db/client";
import { users } from "@/db/schema";
import { recordEvent } from "../audit";
import { MINUTE, addMs, now } from "../clock";
import type { RequestContext } from "../request";

export const WAIT_AFTER_FAILURES = [3, 4];
export const LOCK_AFTER_FAILURES = 5;
export const WAIT_MS = 5 * MINUTE;

export type AttemptResult =
  | { kind: "ok" }
  | { kind: "invalid"; failures: number }
  | { kind: "wait"; retryAt: Date; failures: number }
  | { kind: "locked"; justLocked: boolean };

/**
 * Runs `verify` (which consumes the code inside the same transaction) only when the account may
 * try a code now, and books the outcome.
 */
export async function attemptSecondFactor(
  db: Database,
  userId: string,
  context: RequestContext,
  verify: (tx: Transaction) => Promise<{ ok: boolean; method?: string }>,
): Promise<AttemptResult> {
  return db.transaction(async (tx) => {
    const [user] = await tx
      .select({ status: users.status, failures: users.failedCodeAttempts, retryAfter: users.codeRetryAfter })
      .from(users)
      .where(eq(users.id, userId))
      .for("update");
    // Read after the lock: a request that queued behind others must not judge the wait by the time it arrived.
    const at = now();
    if (!user || user.status !== "active") return { kind: "locked", justLocked: false } as const;
    if (user.retryAfter && user.retryAfter > at) {
      return { kind: "wait", retryAt: user.retryAfter, failures: user.failures } as const;
    }

    const outcome = await verify(tx);
    if (outcome.ok) {
      await tx.update(users).set({ failedCodeAttempts: 0, codeRetryAfter: null }).where(eq(users.id, userId));
      return { kind: "ok" } as const;
    }

    const waitUntil = addMs(at, WAIT_MS);
    const [booked] = await tx
      .update(users)
      .set({
        failedCodeAttempts: sql`${users.failedCodeAttempts} + 1`,
        codeRetryAfter: sql`case when ${users.failedCodeAttempts} + 1 in (${sql.raw(WAIT_AFTER_FAILURES.join(", "))}) then ${waitUntil.toISOString()}::timestamptz else null end`,
        status: sql`case when ${users.failedCodeAttempts} + 1 >= ${LOCK_AFTER_FAILURES} then 'locked' else ${users.status} end`,
        lockedAt: sql`case when ${users.failedCodeAttempts} + 1 >= ${LOCK_AFTER_FAILURES} then ${at.toISOString()}::timestamptz else ${users.lockedAt} end`,
      })
      .where(eq(users.id, userId))
      .returning({ failures: users.failedCodeAttempts, status: users.status, retryAfter: users.codeRetryAfter });

    await recordEvent(tx, {
      type: "two_factor.code_failed",
      subjectId: userId,
      context,
      details: { failures: booked.failures, method: outcome.method ?? null },
    });
    if (booked.status === "locked") {
      await recordEvent(tx, { type: "user.locked", subjectId: userId, context, details: { reason: "too_many_code_failures" } });
      return { kind: "locked", justLocked: true } as const;
    }
    if (booked.retryAfter) return { kind: "wait", retryAt: booked.retryAfter, failures: booked.failures } as const;
    return { kind: "invalid", failures: booked.failures } as const;
  });
}

/** When the account may next try a code (null: now), or "locked". */
export async function codeAttemptState(db: Database, userId: string): Promise<{ locked: boolean; retryAt: Date | null }> {
  const [user] = await db.select({ status: users.status, retryAfter: users.codeRetryAfter }).from(users).where(eq(users.id, userId));
  if (!user || user.status !== "active") return { locked: true, retryAt: null };
  return { locked: false, retryAt: user.retryAfter && user.retryAfter > now() ? user.retryAfter : null };
}

/** An admin ends a lock: the account is active again and its failure count starts over. */
export async function unlockAccount(db: Database, userId: string, adminId: string | null, context: RequestContext): Promise<boolean> {
  return db.transaction(async (tx) => {
    const [row] = await tx
      .update(users)
      .set({ status: "active", lockedAt: null, failedCodeAttempts: 0, codeRetryAfter: null })
      .where(and(eq(users.id, userId), ne(users.status, "disabled")))
      .returning({ id: users.id });
    if (!row) return false;
    await recordEvent(tx, { type: "user.unlocked", actorId: adminId, subjectId: userId, context });
    return true;
  });
}
