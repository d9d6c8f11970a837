import { beforeEach, describe, expect, it } from "vitest";
import { eq } from "drizzle-orm";
import { getDb } from "@/db/client";
import { auditEvents, twoFactorMethods, users, type User } from "@/db/schema";
import { cancelSignIn } from "@/lib/auth/sign-in-flow";
import { MINUTE, addMs, advanceClock, freezeClock, now } from "@/lib/clock";
import { beginAppSetup, confirmAppSetup } from "@/lib/two-factor/app-method";
import { generateBackupCodes } from "@/lib/two-factor/backup-codes";
import { unlockAccount } from "@/lib/two-factor/lockout";
import { verifySignInCode } from "../support/rules";
import { totpCodeAt } from "@/lib/two-factor/totp";
import { codeAttemptState, createTestUser, resetDatabase } from "../support/db";
import { challengeFor } from "../support/sign-in";

const context = { ip: "198.51.100.4", userAgent: "vitest" };
const STEP_MS = 30_000;
// Five seconds into a 30-second step, so moving by whole minutes never lands on a step boundary.
const START = new Date("2030-03-01T08:00:05Z");

const rightCode = (secret: string) => totpCodeAt(secret, now());
const wrongCode = (secret: string) => {
  // Neither the current code nor its neighbours, which the one-step skew would accept.
  const near = [-STEP_MS, 0, STEP_MS].map((ms) => totpCodeAt(secret, addMs(now(), ms)));
  return ["000000", "111111", "222222", "333333"].find((code) => !near.includes(code))!;
};

/** A user with the authenticator app on; the clock moves one step on so the confirming code is spent. */
async function userWithApp(): Promise<{ user: User; secret: string }> {
  const db = await getDb();
  const user = await createTestUser();
  const { secret } = await beginAppSetup(db, user);
  expect(await confirmAppSetup(db, user.id, rightCode(secret), context)).toMatchObject({ ok: true });
  advanceClock(STEP_MS);
  return { user, secret };
}

async function userRow(userId: string) {
  const db = await getDb();
  const [row] = await db.select().from(users).where(eq(users.id, userId));
  return row;
}

async function submit(userId: string, code: string) {
  return verifySignInCode(await getDb(), userId, { kind: "code", code }, context);
}

/** Books `count` wrong codes through the lockout, moving past every wait on the way. */
async function failTimes(userId: string, secret: string, count: number) {
  for (let i = 0; i < count; i++) {
    const state = await codeAttemptState(userId);
    if (state.retryAt) advanceClock(state.retryAt.getTime() - now().getTime());
    expect((await submit(userId, wrongCode(secret))).kind).not.toBe("ok");
  }
}

async function events(type: string) {
  return (await getDb()).select().from(auditEvents).where(eq(auditEvents.type, type));
}

describe("second-factor attempts and the account lock", () => {
  beforeEach(async () => {
    await resetDatabase();
    freezeClock(START);
  });

  it("says the 1st and 2nd wrong code are invalid and makes the 3rd wait five minutes", async () => {
    const { user, secret } = await userWithApp();
    expect(await submit(user.id, wrongCode(secret))).toEqual({ kind: "invalid", failures: 1 });
    expect(await submit(user.id, wrongCode(secret))).toEqual({ kind: "invalid", failures: 2 });
    const third = await submit(user.id, wrongCode(secret));
    expect(third).toEqual({ kind: "wait", retryAt: addMs(now(), 5 * MINUTE), failures: 3 });
    expect(await userRow(user.id)).toMatchObject({ failedCodeAttempts: 3, codeRetryAfter: addMs(now(), 5 * MINUTE), status: "active" });
  });

  it("refuses a right code during the wait and changes nothing", async () => {
    const { user, secret } = await userWithApp();
    await failTimes(user.id, secret, 3);
    const retryAt = addMs(now(), 5 * MINUTE);
    const [before] = await (await getDb()).select().from(twoFactorMethods).where(eq(twoFactorMethods.userId, user.id));

    advanceClock(5 * MINUTE - 1_000);
    expect(await submit(user.id, rightCode(secret))).toEqual({ kind: "wait", retryAt, failures: 3 });
    expect(await userRow(user.id)).toMatchObject({ failedCodeAttempts: 3, codeRetryAfter: retryAt });
    // The code was not even looked at: its time step is still unspent.
    const [after] = await (await getDb()).select().from(twoFactorMethods).where(eq(twoFactorMethods.userId, user.id));
    expect(after.lastUsedStep).toBe(before.lastUsedStep);
    expect(await codeAttemptState(user.id)).toEqual({ locked: false, retryAt });
  });

  it("accepts a right code in the 6th minute and starts the count over", async () => {
    const { user, secret } = await userWithApp();
    await failTimes(user.id, secret, 3);
    advanceClock(5 * MINUTE + 30_000);
    expect(await submit(user.id, rightCode(secret))).toEqual({ kind: "ok", method: "app" });
    expect(await userRow(user.id)).toMatchObject({ failedCodeAttempts: 0, codeRetryAfter: null });
    expect(await codeAttemptState(user.id)).toEqual({ locked: false, retryAt: null });
  });

  it("makes the 4th failure wait again and locks the account on the 5th", async () => {
    const { user, secret } = await userWithApp();
    await failTimes(user.id, secret, 3);

    advanceClock(5 * MINUTE);
    const fourth = await submit(user.id, wrongCode(secret));
    expect(fourth).toEqual({ kind: "wait", retryAt: addMs(now(), 5 * MINUTE), failures: 4 });

    advanceClock(5 * MINUTE);
    expect(await submit(user.id, wrongCode(secret))).toEqual({ kind: "locked", justLocked: true });
    expect(await userRow(user.id)).toMatchObject({ status: "locked", lockedAt: now(), failedCodeAttempts: 5, codeRetryAfter: null });

    const events = await (await getDb()).select().from(auditEvents).where(eq(auditEvents.type, "user.locked"));
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ subjectId: user.id, ip: context.ip, userAgent: context.userAgent, at: now() });
  });

  it("refuses a right code on a locked account, at any later time, without looking at it", async () => {
    const { user, secret } = await userWithApp();
    await failTimes(user.id, secret, 5);
    advanceClock(24 * 60 * MINUTE);
    const [before] = await (await getDb()).select().from(twoFactorMethods).where(eq(twoFactorMethods.userId, user.id));
    expect(await submit(user.id, rightCode(secret))).toEqual({ kind: "locked", justLocked: false });
    // Not looked at: its time step is still unspent, and no failure was booked.
    const [after] = await (await getDb()).select().from(twoFactorMethods).where(eq(twoFactorMethods.userId, user.id));
    expect(after.lastUsedStep).toBe(before.lastUsedStep);
    expect(await events("two_factor.code_failed")).toHaveLength(5);
    expect(await codeAttemptState(user.id)).toEqual({ locked: true, retryAt: null });
  });

  it("lets an admin unlock the account with a zero count, after which a right code works", async () => {
    const db = await getDb();
    const admin = await createTestUser({ role: "admin" });
    const { user, secret } = await userWithApp();
    await failTimes(user.id, secret, 5);

    expect(await unlockAccount(db, user.id, admin.id, context)).toBe(true);
    expect(await userRow(user.id)).toMatchObject({ status: "active", lockedAt: null, failedCodeAttempts: 0, codeRetryAfter: null });
    const [event] = await db.select().from(auditEvents).where(eq(auditEvents.type, "user.unlocked"));
    expect(event).toMatchObject({ actorId: admin.id, subjectId: user.id });

    advanceClock(STEP_MS);
    expect(await submit(user.id, rightCode(secret))).toEqual({ kind: "ok", method: "app" });
  });

  it("does not unlock a disabled account", async () => {
    const db = await getDb();
    const user = await createTestUser();
    await db.update(users).set({ status: "disabled" }).where(eq(users.id, user.id));
    expect(await unlockAccount(db, user.id, null, context)).toBe(false);
    expect((await userRow(user.id)).status).toBe("disabled");
  });

  it("counts failures per account across challenges, apart from other accounts", async () => {
    const db = await getDb();
    const { user, secret } = await userWithApp();
    const other = await userWithApp();

    const first = await challengeFor(user, context);
    await submit(user.id, wrongCode(secret));
    await submit(user.id, wrongCode(secret));
    await cancelSignIn(db, first, context);

    // A fresh sign-in does not wipe the slate.
    await challengeFor(user, context);
    expect((await submit(user.id, wrongCode(secret))).kind).toBe("wait");
    expect(await submit(other.user.id, wrongCode(other.secret))).toMatchObject({ kind: "invalid", failures: 1 });
  });

  it("starts the count over after a success", async () => {
    const { user, secret } = await userWithApp();
    await submit(user.id, wrongCode(secret));
    await submit(user.id, wrongCode(secret));
    expect((await submit(user.id, rightCode(secret))).kind).toBe("ok");
    advanceClock(STEP_MS);
    expect(await submit(user.id, wrongCode(secret))).toMatchObject({ kind: "invalid", failures: 1 });
    expect(await submit(user.id, wrongCode(secret))).toMatchObject({ kind: "invalid", failures: 2 });
  });

  it("evaluates exactly three of 20 concurrent wrong codes", async () => {
    const { user, secret } = await userWithApp();
    const results = await Promise.all(Array.from({ length: 20 }, () => submit(user.id, wrongCode(secret))));
    // Each code looked at books a failure; the rest were refused by the wait without a look.
    expect(await events("two_factor.code_failed")).toHaveLength(3);
    expect(results.filter((r) => r.kind === "invalid")).toHaveLength(2);
    expect(results.filter((r) => r.kind === "wait")).toHaveLength(18);
    expect((await userRow(user.id)).failedCodeAttempts).toBe(3);
  });

  it("evaluates exactly one of 20 concurrent wrong codes after four failures, and locks once", async () => {
    const { user, secret } = await userWithApp();
    await failTimes(user.id, secret, 4);
    advanceClock(5 * MINUTE);
    const results = await Promise.all(Array.from({ length: 20 }, () => submit(user.id, wrongCode(secret))));
    expect(await events("two_factor.code_failed")).toHaveLength(5);
    expect(results.filter((r) => r.kind === "locked" && r.justLocked)).toHaveLength(1);
    expect(results.every((r) => r.kind === "locked")).toBe(true);
    expect((await userRow(user.id)).failedCodeAttempts).toBe(5);
    expect(await events("user.locked")).toHaveLength(1);
  });

  it("accepts 20 concurrent submissions of the same right app code exactly once", async () => {
    const { user, secret } = await userWithApp();
    const code = rightCode(secret);
    const results = await Promise.all(Array.from({ length: 20 }, () => submit(user.id, code)));
    expect(results.filter((r) => r.kind === "ok")).toHaveLength(1);
    // The replays are refused and logged.
    const replays = await (await getDb()).select().from(auditEvents).where(eq(auditEvents.type, "two_factor.code_replayed"));
    expect(replays.length).toBeGreaterThan(0);
  });

  it("rolls back when checking the code throws: nothing is counted", async () => {
    const db = await getDb();
    const { user, secret } = await userWithApp();
    // A secret that cannot be decrypted (a changed ENCRYPTION_KEY reads the same).
    await db.update(twoFactorMethods).set({ secretEncrypted: "v1.AAAA.AAAA.AAAA" }).where(eq(twoFactorMethods.userId, user.id));
    await expect(submit(user.id, wrongCode(secret))).rejects.toThrow();
    expect((await userRow(user.id)).failedCodeAttempts).toBe(0);
    expect(await events("two_factor.code_failed")).toHaveLength(0);
  });

  it("never writes the code into the audit log", async () => {
    const db = await getDb();
    const { user, secret } = await userWithApp();
    await generateBackupCodes(db, user.id, context);
    const sixDigits = wrongCode(secret);
    await submit(user.id, sixDigits);
    await verifySignInCode(db, user.id, { kind: "backup", code: "Zq7Kx-P4mW2" }, context);

    const failures = await db.select().from(auditEvents).where(eq(auditEvents.type, "two_factor.code_failed"));
    expect(failures).toHaveLength(2);
    for (const row of await db.select().from(auditEvents)) {
      const text = JSON.stringify(row).toLowerCase();
      expect(text).not.toContain(sixDigits);
      expect(text).not.toContain("zq7kx");
      expect(text).not.toContain("p4mw2");
    }
  });
});
