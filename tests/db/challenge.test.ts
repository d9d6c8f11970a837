// Sign-in challenges through the sign-in flow that writes, completes and cancels them: ten minutes,
// one user, one completion, and an ended challenge spends and counts nothing.
import { beforeEach, describe, expect, it } from "vitest";
import { eq } from "drizzle-orm";
import { getDb } from "@/db/client";
import { auditEvents, backupCodes, signInChallenges, userSessions, type User } from "@/db/schema";
import { cancelSignIn, codeStep, loadChallenge, type ChallengeClaim } from "@/lib/auth/sign-in-flow";
import { MINUTE, addMs, advanceClock, freezeClock, now } from "@/lib/clock";
import { beginAppSetup, confirmAppSetup } from "@/lib/two-factor/app-method";
import { generateBackupCodes } from "@/lib/two-factor/backup-codes";
import { totpCodeAt } from "@/lib/two-factor/totp";
import { createTestUser, resetDatabase } from "../support/db";
import { challengeFor } from "../support/sign-in";

// Five seconds into a 30-second step, so moving by whole minutes never lands on a step boundary.
const START = new Date("2030-03-01T08:00:05Z");
const context = { ip: "198.51.100.7", userAgent: "vitest" };

/** A user with the app on (the confirming step spent) and their ten backup codes. */
async function enrolled(): Promise<{ user: User; secret: string; codes: string[] }> {
  const db = await getDb();
  const user = await createTestUser();
  const { secret } = await beginAppSetup(db, user);
  expect(await confirmAppSetup(db, user.id, totpCodeAt(secret, now()), context)).toMatchObject({ ok: true });
  const codes = await generateBackupCodes(db, user.id, context);
  advanceClock(30_000);
  return { user, secret, codes };
}

async function answer(claim: ChallengeClaim, code: string, kind: "code" | "backup" = "code") {
  return codeStep(await getDb(), claim, { kind, code, remember: false }, context);
}

async function challengeRow(id: string) {
  const [row] = await (await getDb()).select().from(signInChallenges).where(eq(signInChallenges.id, id));
  return row;
}

describe("sign-in challenges", () => {
  beforeEach(async () => {
    await resetDatabase();
    freezeClock(START);
  });

  it("lives ten minutes from creation", async () => {
    const { user } = await enrolled();
    const claim = await challengeFor(user, context);
    expect(await challengeRow(claim.challengeId)).toMatchObject({
      userId: user.id,
      createdAt: now(),
      expiresAt: addMs(now(), 10 * MINUTE),
      completedAt: null,
      cancelledAt: null,
    });
  });

  it("can still be completed at 9:59", async () => {
    const { user, secret } = await enrolled();
    const claim = await challengeFor(user, context);
    advanceClock(10 * MINUTE - 1_000);
    expect(await loadChallenge(await getDb(), claim)).not.toBeNull();
    expect(await answer(claim, totpCodeAt(secret, now()))).toMatchObject({ kind: "signed_in" });
    expect(await challengeRow(claim.challengeId)).toMatchObject({ completedAt: now(), method: "app" });
  });

  it("is refused at 10:00, and a right code for it spends and counts nothing", async () => {
    const db = await getDb();
    const { user, codes } = await enrolled();
    const claim = await challengeFor(user, context);
    advanceClock(10 * MINUTE);
    expect(await loadChallenge(db, claim)).toBeNull();
    expect(await answer(claim, codes[0], "backup")).toEqual({ kind: "expired" });
    expect(await answer(claim, "000000")).toEqual({ kind: "expired" });
    const unused = await db.select().from(backupCodes).where(eq(backupCodes.userId, user.id));
    expect(unused.filter((row) => row.usedAt === null)).toHaveLength(10);
    expect(await db.select().from(auditEvents).where(eq(auditEvents.type, "two_factor.code_failed"))).toHaveLength(0);
    expect(await db.select().from(userSessions)).toHaveLength(0);
  });

  it("completes once, even under 20 concurrent completions with different right codes", async () => {
    const db = await getDb();
    const { user, secret, codes } = await enrolled();
    const claim = await challengeFor(user, context);
    const answers = [
      ...codes.map((code) => answer(claim, code, "backup")),
      ...Array.from({ length: 10 }, () => answer(claim, totpCodeAt(secret, now()))),
    ];
    const results = await Promise.all(answers);
    expect(results.filter((result) => result.kind === "signed_in")).toHaveLength(1);
    expect(results.filter((result) => result.kind === "expired")).toHaveLength(19);
    // One session, and the codes of the refused answers are still unused.
    expect(await db.select().from(userSessions).where(eq(userSessions.userId, user.id))).toHaveLength(1);
    const rows = await db.select().from(backupCodes).where(eq(backupCodes.userId, user.id));
    expect(rows.filter((row) => row.usedAt !== null).length).toBeLessThanOrEqual(1);
    expect(await loadChallenge(db, claim)).toBeNull();
  });

  it("cannot be completed after it was cancelled", async () => {
    const db = await getDb();
    const { user, secret } = await enrolled();
    const claim = await challengeFor(user, context);
    await cancelSignIn(db, claim, context);
    expect(await loadChallenge(db, claim)).toBeNull();
    expect(await answer(claim, totpCodeAt(secret, now()))).toEqual({ kind: "expired" });
    const [event] = await db.select().from(auditEvents).where(eq(auditEvents.type, "sign_in.cancelled"));
    expect(event).toMatchObject({ subjectId: user.id, ip: context.ip });
  });

  it("cannot be cancelled after it was completed", async () => {
    const db = await getDb();
    const { user, secret } = await enrolled();
    const claim = await challengeFor(user, context);
    expect(await answer(claim, totpCodeAt(secret, now()))).toMatchObject({ kind: "signed_in" });
    await cancelSignIn(db, claim, context);
    expect((await challengeRow(claim.challengeId)).cancelledAt).toBeNull();
    expect(await db.select().from(auditEvents).where(eq(auditEvents.type, "sign_in.cancelled"))).toHaveLength(0);
  });

  it("belongs to its user: another user's id neither finds, completes nor cancels it", async () => {
    const db = await getDb();
    const owner = await enrolled();
    const other = await enrolled();
    const claim = await challengeFor(owner.user, context);
    const forged = { challengeId: claim.challengeId, userId: other.user.id };
    expect(await loadChallenge(db, forged)).toBeNull();
    expect(await answer(forged, totpCodeAt(other.secret, now()))).toEqual({ kind: "expired" });
    await cancelSignIn(db, forged, context);
    expect(await loadChallenge(db, claim)).not.toBeNull();
  });

  it("gives each sign-in a challenge of its own", async () => {
    const db = await getDb();
    const { user, secret } = await enrolled();
    const first = await challengeFor(user, context);
    const second = await challengeFor(user, context);
    expect(first.challengeId).not.toBe(second.challengeId);
    expect(await answer(first, totpCodeAt(secret, now()))).toMatchObject({ kind: "signed_in" });
    expect(await loadChallenge(db, second)).not.toBeNull();
  });
});
