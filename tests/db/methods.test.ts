import { beforeEach, describe, expect, it } from "vitest";
import { and, eq, isNull } from "drizzle-orm";
import { getDb } from "@/db/client";
import {
  adminBackupCodes,
  auditEvents,
  backupCodes,
  emailCodes,
  trustedBrowsers,
  twoFactorMethods,
  userSessions,
  users,
} from "@/db/schema";
import { DAY, MINUTE, addMs, advanceClock, freezeClock, now } from "@/lib/clock";
import { issueAdminBackupCode } from "@/lib/two-factor/admin-codes";
import { generateBackupCodes } from "@/lib/two-factor/backup-codes";
import { issueEmailCode } from "@/lib/two-factor/email-codes";
import { beginEmailSetup, confirmEmailSetup } from "@/lib/two-factor/email-method";
import { hasTwoFactor, listEnabledMethods, resetTwoFactorByAdmin, turnOffMethod } from "@/lib/two-factor/methods";
import { ownSecurity } from "@/lib/two-factor/own-security";
import { judgeCode } from "../support/judge-code";
import { createTestUser, createUserSession, resetDatabase } from "../support/db";

const context = { ip: "192.0.2.10", userAgent: "vitest" };
const T0 = new Date("2030-01-01T09:00:00.000Z");

async function enableEmail(userId: string) {
  const db = await getDb();
  const begun = await beginEmailSetup(db, userId);
  if (!begun.ok) throw new Error(`setup code refused: ${begun.reason}`);
  const confirmed = await confirmEmailSetup(db, userId, begun.code, context);
  if (!confirmed.ok) throw new Error("setup code not accepted");
  return confirmed;
}

// The app method is another module's; a verified row is all these rules look at.
async function enableApp(userId: string) {
  const db = await getDb();
  await db.insert(twoFactorMethods).values({ userId, kind: "app", enabledAt: now(), secretEncrypted: "sealed" });
}

async function trustBrowser(userId: string) {
  const db = await getDb();
  await db.insert(trustedBrowsers).values({ userId, createdAt: now(), expiresAt: addMs(now(), 30 * DAY) });
}

/** How many backup codes the user has, as Profile > Security counts them. */
async function backupCodeCount(userId: string) {
  return (await ownSecurity(await getDb(), userId)).backupCodes.total;
}

async function sessionVersion(userId: string) {
  const db = await getDb();
  const [row] = await db.select({ v: users.sessionVersion }).from(users).where(eq(users.id, userId));
  return row.v;
}

async function liveBrowsers(userId: string) {
  const db = await getDb();
  return db
    .select()
    .from(trustedBrowsers)
    .where(and(eq(trustedBrowsers.userId, userId), isNull(trustedBrowsers.revokedAt)));
}

describe("email method setup", () => {
  beforeEach(async () => {
    await resetDatabase();
    freezeClock(T0);
  });

  it("a right setup code turns email on as the first method", async () => {
    const db = await getDb();
    const user = await createTestUser();
    expect(await hasTwoFactor(db, user.id)).toBe(false);
    expect(await enableEmail(user.id)).toEqual({ ok: true, firstMethod: true, wasReset: false });
    expect(await listEnabledMethods(db, user.id)).toEqual(["email"]);
    const [event] = await db.select().from(auditEvents);
    expect(event).toMatchObject({ type: "two_factor.method_enabled", actorId: user.id, subjectId: user.id, details: { method: "email" } });
  });

  it("a wrong or sign-in code changes nothing", async () => {
    const db = await getDb();
    const user = await createTestUser();
    const signIn = await issueEmailCode(db, user.id, "sign_in");
    if (!signIn.ok) throw new Error("expected a code");
    expect(await confirmEmailSetup(db, user.id, signIn.code, context)).toEqual({ ok: false, reason: "invalid" });
    expect(await confirmEmailSetup(db, user.id, "000000", context)).toEqual({ ok: false, reason: "invalid" });
    expect(await hasTwoFactor(db, user.id)).toBe(false);
    expect(await sessionVersion(user.id)).toBe(user.sessionVersion);
  });

  it("a setup code turns the method on once", async () => {
    const db = await getDb();
    const user = await createTestUser();
    const begun = await beginEmailSetup(db, user.id);
    if (!begun.ok) throw new Error("expected a code");
    expect((await confirmEmailSetup(db, user.id, begun.code, context)).ok).toBe(true);
    expect(await confirmEmailSetup(db, user.id, begun.code, context)).toEqual({ ok: false, reason: "invalid" });
  });

  it("a reset keeps the original enabled date and says it was a reset", async () => {
    const db = await getDb();
    const user = await createTestUser();
    await enableApp(user.id);
    expect(await enableEmail(user.id)).toEqual({ ok: true, firstMethod: false, wasReset: false });
    advanceClock(5 * MINUTE);
    expect(await enableEmail(user.id)).toEqual({ ok: true, firstMethod: false, wasReset: true });
    const [row] = await db
      .select()
      .from(twoFactorMethods)
      .where(and(eq(twoFactorMethods.userId, user.id), eq(twoFactorMethods.kind, "email")));
    expect(row.enabledAt).toEqual(T0);
    expect(row.updatedAt).toEqual(addMs(T0, 5 * MINUTE));
    const types = (await db.select().from(auditEvents).orderBy(auditEvents.id)).map((e) => e.type);
    expect(types).toEqual(["two_factor.method_enabled", "two_factor.method_reset"]);
  });

  it("turning email on ends other sessions and trusted browsers", async () => {
    const user = await createTestUser();
    await trustBrowser(user.id);
    await enableEmail(user.id);
    expect(await sessionVersion(user.id)).toBe(user.sessionVersion + 1);
    expect(await liveBrowsers(user.id)).toHaveLength(0);
  });
});

describe("turning methods off", () => {
  beforeEach(async () => {
    await resetDatabase();
    freezeClock(T0);
  });

  it("turning off the last method removes the backup codes and revokes trusted browsers", async () => {
    const db = await getDb();
    const user = await createTestUser();
    await enableEmail(user.id);
    await generateBackupCodes(db, user.id, context);
    await trustBrowser(user.id);
    expect(await turnOffMethod(db, user.id, "email", context)).toEqual({ ok: true, lastMethod: true });
    expect(await hasTwoFactor(db, user.id)).toBe(false);
    expect(await backupCodeCount(user.id)).toBe(0);
    expect(await liveBrowsers(user.id)).toHaveLength(0);
  });

  it("turning off one of two methods keeps the backup codes but ends trusted browsers", async () => {
    const db = await getDb();
    const user = await createTestUser();
    await enableEmail(user.id);
    await enableApp(user.id);
    await generateBackupCodes(db, user.id, context);
    await trustBrowser(user.id);
    expect(await turnOffMethod(db, user.id, "app", context)).toEqual({ ok: true, lastMethod: false });
    expect(await listEnabledMethods(db, user.id)).toEqual(["email"]);
    expect(await backupCodeCount(user.id)).toBe(10);
    expect(await liveBrowsers(user.id)).toHaveLength(0);
  });

  it("turning a method off raises the session version and is audited with the actor", async () => {
    const db = await getDb();
    const admin = await createTestUser({ role: "admin" });
    const user = await createTestUser();
    await enableEmail(user.id);
    const before = await sessionVersion(user.id);
    await turnOffMethod(db, user.id, "email", context, admin.id);
    expect(await sessionVersion(user.id)).toBe(before + 1);
    const [event] = await db.select().from(auditEvents).where(eq(auditEvents.type, "two_factor.method_disabled"));
    expect(event).toMatchObject({ actorId: admin.id, subjectId: user.id, details: { method: "email", lastMethod: true } });
  });

  it("a method that is not on cannot be turned off, and nothing changes", async () => {
    const db = await getDb();
    const user = await createTestUser();
    await enableEmail(user.id);
    const before = await sessionVersion(user.id);
    expect(await turnOffMethod(db, user.id, "app", context)).toEqual({ ok: false, reason: "not_enabled" });
    expect(await sessionVersion(user.id)).toBe(before);
    expect(await listEnabledMethods(db, user.id)).toEqual(["email"]);
  });

  it("both methods turned off at once: the second waits for the first and is the last", async () => {
    const db = await getDb();
    const user = await createTestUser();
    await enableEmail(user.id);
    await enableApp(user.id);
    await generateBackupCodes(db, user.id, context);
    let firstDone!: () => void;
    let release!: () => void;
    const firstIsDone = new Promise<void>((resolve) => (firstDone = resolve));
    const released = new Promise<void>((resolve) => (release = resolve));
    // The first turn-off stays uncommitted while the second one starts.
    const first = db.transaction(async (tx) => {
      const result = await turnOffMethod(tx, user.id, "email", context);
      firstDone();
      await released;
      return result;
    });
    await firstIsDone;
    const second = turnOffMethod(db, user.id, "app", context);
    await new Promise((resolve) => setTimeout(resolve, 200));
    release();
    expect(await first).toEqual({ ok: true, lastMethod: false });
    expect(await second).toEqual({ ok: true, lastMethod: true });
    expect(await backupCodeCount(user.id)).toBe(0);
  });
});

describe("admin reset of two-factor authentication", () => {
  beforeEach(async () => {
    await resetDatabase();
    freezeClock(T0);
  });

  it("clears methods, codes and trusted browsers, and ends every session", async () => {
    const db = await getDb();
    const admin = await createTestUser({ role: "admin" });
    const user = await createTestUser();
    await enableEmail(user.id);
    await enableApp(user.id);
    await generateBackupCodes(db, user.id, context);
    await trustBrowser(user.id);
    await createUserSession(user.id, context);
    await createUserSession(user.id, context);
    const adminCode = await issueAdminBackupCode(db, { userId: user.id, issuedBy: admin.id, context });
    advanceClock(MINUTE);
    const emailCode = await issueEmailCode(db, user.id, "sign_in");
    if (!emailCode.ok) throw new Error("expected a code");
    await db
      .update(users)
      .set({ failedCodeAttempts: 3, codeRetryAfter: addMs(now(), 5 * MINUTE) })
      .where(eq(users.id, user.id));
    const before = await sessionVersion(user.id);

    await resetTwoFactorByAdmin(db, { userId: user.id, adminId: admin.id, context });

    expect(await db.select().from(twoFactorMethods).where(eq(twoFactorMethods.userId, user.id))).toHaveLength(0);
    expect(await db.select().from(backupCodes).where(eq(backupCodes.userId, user.id))).toHaveLength(0);
    expect(
      await db
        .select()
        .from(adminBackupCodes)
        .where(and(eq(adminBackupCodes.userId, user.id), isNull(adminBackupCodes.usedAt))),
    ).toHaveLength(0);
    expect(
      await db
        .select()
        .from(emailCodes)
        .where(and(eq(emailCodes.userId, user.id), isNull(emailCodes.usedAt))),
    ).toHaveLength(0);
    expect(await liveBrowsers(user.id)).toHaveLength(0);
    expect(
      await db
        .select()
        .from(userSessions)
        .where(and(eq(userSessions.userId, user.id), isNull(userSessions.revokedAt))),
    ).toHaveLength(0);

    const [after] = await db.select().from(users).where(eq(users.id, user.id));
    expect(after).toMatchObject({ sessionVersion: before + 1, failedCodeAttempts: 0, codeRetryAfter: null });
    const [event] = await db.select().from(auditEvents).where(eq(auditEvents.type, "two_factor.reset_by_admin"));
    expect(event).toMatchObject({ actorId: admin.id, subjectId: user.id, details: { methods: ["app", "email"] } });

    // Neither code signs in, even once email is on again.
    await db.insert(twoFactorMethods).values({ userId: user.id, kind: "email", enabledAt: now() });
    expect(await judgeCode(user.id, { kind: "backup", code: adminCode.code }, context)).toBe("invalid");
    expect(await judgeCode(user.id, { kind: "code", code: emailCode.code }, context)).toBe("invalid");
  });

  it("leaves other users untouched", async () => {
    const db = await getDb();
    const admin = await createTestUser({ role: "admin" });
    const user = await createTestUser();
    const bystander = await createTestUser();
    await enableEmail(bystander.id);
    await createUserSession(bystander.id, context);
    await resetTwoFactorByAdmin(db, { userId: user.id, adminId: admin.id, context });
    expect(await hasTwoFactor(db, bystander.id)).toBe(true);
    expect(
      await db
        .select()
        .from(userSessions)
        .where(and(eq(userSessions.userId, bystander.id), isNull(userSessions.revokedAt))),
    ).toHaveLength(1);
  });
});
