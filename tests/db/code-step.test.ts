// The code step as production runs it (a challenge, "Don't ask again" on, the policy share-locked)
// under concurrency: guesses spread over many pending sign-ins still meet the attempt rules, and one
// challenge gives one session and one trusted browser however many right codes arrive at once.
import { beforeEach, describe, expect, it } from "vitest";
import { eq } from "drizzle-orm";
import { getDb } from "@/db/client";
import { auditEvents, backupCodes, settings, trustedBrowsers, userSessions, users, type User } from "@/db/schema";
import { codeStep } from "@/lib/auth/sign-in-flow";
import { addMs, advanceClock, freezeClock, now } from "@/lib/clock";
import { beginAppSetup, confirmAppSetup } from "@/lib/two-factor/app-method";
import { generateBackupCodes } from "@/lib/two-factor/backup-codes";
import { resetTwoFactorByAdmin } from "@/lib/two-factor/methods";
import { totpCodeAt } from "@/lib/two-factor/totp";
import { createTestUser, resetDatabase } from "../support/db";
import { challengeFor } from "../support/sign-in";

const context = { ip: "198.51.100.7", userAgent: "vitest" };
const STEP_MS = 30_000;

async function enrolled(): Promise<{ user: User; secret: string }> {
  const db = await getDb();
  const user = await createTestUser();
  const { secret } = await beginAppSetup(db, user);
  expect(await confirmAppSetup(db, user.id, totpCodeAt(secret, now()), context)).toMatchObject({ ok: true });
  advanceClock(STEP_MS);
  return { user, secret };
}

/** Neither the current code nor its neighbours, which the one-step skew would accept. */
function wrongCode(secret: string): string {
  const near = [-STEP_MS, 0, STEP_MS].map((ms) => totpCodeAt(secret, addMs(now(), ms)));
  return ["000000", "111111", "222222", "333333"].find((code) => !near.includes(code))!;
}

describe("the code step under concurrency", () => {
  beforeEach(async () => {
    await resetDatabase();
    freezeClock(new Date("2030-03-01T08:00:05Z"));
    await (await getDb()).update(settings).set({ twoFactorMode: "skip_allowed", skipDays: 30 }).where(eq(settings.id, 1));
  });

  it("20 wrong codes at once on 20 pending sign-ins: three are looked at, the rest wait", async () => {
    const db = await getDb();
    const { user, secret } = await enrolled();
    const claims = [];
    for (let i = 0; i < 20; i++) claims.push(await challengeFor(user, context));
    const code = wrongCode(secret);
    const results = await Promise.all(claims.map((claim) => codeStep(db, claim, { kind: "code", code, remember: true }, context)));
    expect(results.filter((result) => result.kind === "invalid")).toHaveLength(2);
    expect(results.filter((result) => result.kind === "wait")).toHaveLength(18);
    const [row] = await db.select({ failures: users.failedCodeAttempts }).from(users).where(eq(users.id, user.id));
    expect(row.failures).toBe(3);
    const failed = await db.select().from(auditEvents).where(eq(auditEvents.type, "two_factor.code_failed"));
    expect(failed).toHaveLength(3);
    for (const event of failed) expect(JSON.stringify(event)).not.toContain(code);
    expect(await db.select().from(userSessions)).toHaveLength(0);
    expect(await db.select().from(trustedBrowsers)).toHaveLength(0);
  });

  it("ten different right backup codes at once on one pending sign-in: one session, one trusted browser, one code spent", async () => {
    const db = await getDb();
    const { user } = await enrolled();
    const codes = await generateBackupCodes(db, user.id, context);
    const claim = await challengeFor(user, context);
    const results = await Promise.all(codes.map((code) => codeStep(db, claim, { kind: "backup", code, remember: true }, context)));
    expect(results.filter((result) => result.kind === "signed_in")).toHaveLength(1);
    expect(results.filter((result) => result.kind === "expired")).toHaveLength(9);
    expect(await db.select().from(userSessions)).toHaveLength(1);
    expect(await db.select().from(trustedBrowsers)).toHaveLength(1);
    const spent = (await db.select().from(backupCodes).where(eq(backupCodes.userId, user.id))).filter((row) => row.usedAt !== null);
    expect(spent).toHaveLength(1);
    expect(await db.select().from(auditEvents).where(eq(auditEvents.type, "trusted_browser.added"))).toHaveLength(1);
  });

  it("the same right app code 20 times at once on one pending sign-in: one session, the step spent once", async () => {
    const db = await getDb();
    const { user, secret } = await enrolled();
    const claim = await challengeFor(user, context);
    const code = totpCodeAt(secret, now());
    const results = await Promise.all(
      Array.from({ length: 20 }, () => codeStep(db, claim, { kind: "code", code, remember: false }, context)),
    );
    expect(results.filter((result) => result.kind === "signed_in")).toHaveLength(1);
    expect(results.filter((result) => result.kind === "expired")).toHaveLength(19);
    expect(await db.select().from(userSessions)).toHaveLength(1);
    // The challenge was already complete for the others: nothing was counted.
    const [row] = await db.select({ failures: users.failedCodeAttempts }).from(users).where(eq(users.id, user.id));
    expect(row.failures).toBe(0);
  });

  it("an admin's 2FA reset while right codes arrive: both take the user's row first, so neither deadlocks", async () => {
    const db = await getDb();
    const admin = await createTestUser({ role: "admin" });
    for (let round = 0; round < 5; round++) {
      const { user, secret } = await enrolled();
      const claims = [await challengeFor(user, context), await challengeFor(user, context)];
      const code = totpCodeAt(secret, now());
      const settled = await Promise.allSettled([
        ...claims.map((claim) => codeStep(db, claim, { kind: "code", code, remember: false }, context)),
        resetTwoFactorByAdmin(db, { userId: user.id, adminId: admin.id, context }),
      ]);
      expect(settled.filter((outcome) => outcome.status === "rejected")).toEqual([]);
      // Whichever came first, no session of the user outlives the reset: a code after it finds no method.
      const sessions = await db.select().from(userSessions).where(eq(userSessions.userId, user.id));
      expect(sessions.every((session) => session.revokedAt !== null)).toBe(true);
    }
  });
});
