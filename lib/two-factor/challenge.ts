// Sign-in challenges: the 10 minutes between a right password and a right second factor.
import { and, eq, gt, isNull } from "drizzle-orm";
import type { Queryable } from "@/db/client";
import { signInChallenges } from "@/db/schema";
import { MINUTE, addMs, now } from "../clock";

export const CHALLENGE_LIFETIME_MS = 10 * MINUTE;

export async function createChallenge(db: Queryable, userId: string) {
  const createdAt = now();
  const [row] = await db
    .insert(signInChallenges)
    .values({ userId, createdAt, expiresAt: addMs(createdAt, CHALLENGE_LIFETIME_MS) })
    .returning({ id: signInChallenges.id, expiresAt: signInChallenges.expiresAt });
  return row;
}

function live(challengeId: string, userId: string) {
  return and(
    eq(signInChallenges.id, challengeId),
    eq(signInChallenges.userId, userId),
    isNull(signInChallenges.completedAt),
    isNull(signInChallenges.cancelledAt),
    gt(signInChallenges.expiresAt, now()),
  );
}

/** The challenge while it is live: this user's, not completed, not cancelled, not expired. */
export async function findLiveChallenge(db: Queryable, challengeId: string, userId: string) {
  const [row] = await db.select().from(signInChallenges).where(live(challengeId, userId)).limit(1);
  return row ?? null;
}

/** Completes the challenge in one statement: true for exactly one caller, while it is live. */
export async function completeChallenge(db: Queryable, challengeId: string, userId: string, method: string): Promise<boolean> {
  const rows = await db
    .update(signInChallenges)
    .set({ completedAt: now(), method })
    .where(live(challengeId, userId))
    .returning({ id: signInChallenges.id });
  return rows.length === 1;
}

export async function cancelChallenge(db: Queryable, challengeId: string, userId: string): Promise<void> {
  await db.update(signInChallenges).set({ cancelledAt: now() }).where(live(challengeId, userId));
}
