// Sign-in challenges: the 10 minutes between a right password and a right second factor. Written,
// completed and cancelled by statement parts of the sign-in flow (lib/auth/sign-in-flow.ts), each
// guarded by the one rule of a live challenge.
import { sql, type SQL } from "drizzle-orm";
import { timestamptz } from "@/db/sql";
import { MINUTE, addMs } from "../clock";

export const CHALLENGE_LIFETIME_MS = 10 * MINUTE;

/** The challenge is this user's, not completed, not cancelled and not expired at `at` (columns of `alias`, if given). */
export function liveChallenge(challengeId: string, userId: string, at: Date, alias?: string): SQL {
  const c = alias ? sql`${sql.identifier(alias)}.` : sql``;
  return sql`${c}id = ${challengeId} and ${c}user_id = ${userId} and ${c}completed_at is null and ${c}cancelled_at is null
    and ${c}expires_at > ${timestamptz(at)}`;
}

/**
 * A statement part: a new challenge for the user (unless the part named `unless` returned a row),
 * returning `id`. `firstFactorPasskeyId`: the passkey that stood for the password, which cannot answer it.
 */
export function createChallenge(userId: string, at: Date, unless?: string, firstFactorPasskeyId: string | null = null): SQL {
  const condition = unless ? sql` where not exists (select 1 from ${sql.identifier(unless)})` : sql``;
  return sql`insert into sign_in_challenges (user_id, created_at, expires_at, first_factor_passkey_id)
    select ${userId}::uuid, ${timestamptz(at)}, ${timestamptz(addMs(at, CHALLENGE_LIFETIME_MS))}, ${firstFactorPasskeyId}::uuid${condition} returning id`;
}

/** A statement part: completes the challenge while it is live (for exactly one caller), returning `id`. */
export function completeChallenge(challengeId: string, userId: string, method: string, at: Date): SQL {
  return sql`update sign_in_challenges set completed_at = ${timestamptz(at)}, method = ${method}
    where ${liveChallenge(challengeId, userId, at)} returning id`;
}

/** A statement part: cancels the challenge while it is live, returning `id`. */
export function cancelChallenge(challengeId: string, userId: string, at: Date): SQL {
  return sql`update sign_in_challenges set cancelled_at = ${timestamptz(at)} where ${liveChallenge(challengeId, userId, at)} returning id`;
}
