// Re-authentication of a signed-in user before a sensitive change: the password or a current code
// opens this session's 10-minute window (lib/auth/reauth.ts), under the same limits as sign-in.
import { sql } from "drizzle-orm";
import type { Database, Queryable } from "@/db/client";
import { query, withParts } from "@/db/sql";
import { auditPart } from "../audit";
import { now } from "../clock";
import { countHits, countedHits, readHits, refusedUntil, sweepNowAndThen, type Counter } from "../rate-limit";
import type { RequestContext } from "../request";
import { attemptSecondFactor } from "../two-factor/attempt";
import { verifyPassword } from "./password";
import { openReauthWindow } from "./reauth";
import { ACCOUNT_LIMIT, ADDRESS_LIMIT } from "./password-limits";

export type GuessAllowance = { allowed: true } | { allowed: false; retryAt: Date };

/**
 * The counters of a password guess by a signed-in user: per user, and per address in the bucket
 * sign-in uses, so a stolen session cannot try more passwords than the sign-in page allows.
 */
function guessCounters(userId: string, context: RequestContext): Counter[] {
  const counters: Counter[] = [{ key: `password:user:${userId}`, limit: ACCOUNT_LIMIT }];
  if (context.ip) counters.push({ key: `password:ip:${context.ip}`, limit: ADDRESS_LIMIT });
  return counters;
}

/**
 * Counts one password guess of a signed-in user and reads their password hash, in one statement.
 * Every guess counts, right or wrong: a signed-in user has no reason to guess.
 */
export async function countPasswordGuess(
  db: Queryable,
  userId: string,
  context: RequestContext,
): Promise<GuessAllowance & { passwordHash: string | null }> {
  const counters = guessCounters(userId, context);
  const at = now();
  const [row] = await query<{ hits: Record<string, number | string>; password_hash: string | null }>(
    db,
    sql`${withParts({ hits: countHits(counters, at), sweep: sweepNowAndThen(at) })}
      select ${countedHits} as hits, (select password_hash from users where id = ${userId}) as password_hash`,
  );
  const retryAt = refusedUntil(readHits(counters, row.hits, at));
  return retryAt ? { allowed: false, retryAt, passwordHash: row.password_hash } : { allowed: true, passwordHash: row.password_hash };
}

export type ReauthResult =
  | { kind: "ok" }
  | { kind: "invalid" }
  | { kind: "throttled"; retryAt: Date }
  | { kind: "wait"; retryAt: Date }
  | { kind: "locked"; justLocked: boolean };

type CurrentSession = { userId: string; sessionId: string };

export async function reauthenticateWithPassword(
  db: Queryable,
  current: CurrentSession,
  password: string,
  context: RequestContext,
): Promise<ReauthResult> {
  const { userId, sessionId } = current;
  const guess = await countPasswordGuess(db, userId, context);
  const at = now();
  const failed = (reason: string) =>
    auditPart({ type: "reauth.failed", actorId: userId, subjectId: userId, context, details: { method: "password", reason } }, { at });
  if (!guess.allowed) {
    await db.execute(failed("throttled"));
    return { kind: "throttled", retryAt: guess.retryAt };
  }
  if (!(await verifyPassword(guess.passwordHash, password))) {
    await db.execute(failed("wrong_password"));
    return { kind: "invalid" };
  }
  await db.execute(
    sql`${withParts({
      reopened: openReauthWindow(sessionId, at),
      event: auditPart({ type: "reauth.succeeded", actorId: userId, subjectId: userId, context, details: { method: "password" } }, { at }),
    })} select 1`,
  );
  return { kind: "ok" };
}

/**
 * A 6-digit code from the app or the email goes through the sign-in attempt rules, so a wrong one
 * counts toward the same wait and lock as at sign-in, and a right one is spent; the window opens in
 * the statement that spends it.
 */
export async function reauthenticateWithCode(
  db: Database,
  current: CurrentSession,
  code: string,
  context: RequestContext,
): Promise<ReauthResult> {
  const { userId, sessionId } = current;
  const result = await attemptSecondFactor(db, {
    userId,
    input: { kind: "code", code },
    context,
    onSuccess: (method, at) => ({
      parts: {
        reopened: openReauthWindow(sessionId, at),
        event: auditPart({ type: "reauth.succeeded", actorId: userId, subjectId: userId, context, details: { method } }, { at }),
      },
    }),
  });
  switch (result.kind) {
    case "ok":
      return { kind: "ok" };
    case "invalid":
    case "expired":
      return { kind: "invalid" };
    case "wait":
      return { kind: "wait", retryAt: result.retryAt };
    case "locked":
      return { kind: "locked", justLocked: result.justLocked };
  }
}
