import { beforeEach, describe, expect, it } from "vitest";
import { and, eq, isNull } from "drizzle-orm";
import { getDb } from "@/db/client";
import { adminBackupCodes, auditEvents, backupCodes, trustedBrowsers, twoFactorMethods, userSessions, users, type User } from "@/db/schema";
import { adminOverview } from "@/lib/admin-stats";
import { MINUTE, addMs, advanceClock, freezeClock, now } from "@/lib/clock";
import { searchPeople } from "@/lib/people-query";
import { issueAdminBackupCode } from "@/lib/two-factor/admin-codes";
import { generateBackupCodes } from "@/lib/two-factor/backup-codes";
import { unlockAccount } from "@/lib/two-factor/lockout";
import { verifySignInCode } from "../support/rules";
import { listEnabledMethods, resetTwoFactorByAdmin } from "@/lib/two-factor/methods";
import { trustBrowser } from "../support/rules";
import { codeAttemptState, createTestUser, createUserSession, resetDatabase } from "../support/db";
import { viewerOf } from "../support/sign-in";

const context = { ip: "203.0.113.50", userAgent: "vitest admin" };
const T0 = new Date("2030-04-01T10:00:05.000Z");
// Well formed, so it is checked and counted, and no code of the batch or an admin's.
const WRONG_CODE = "wrong-guess";

async function enableMethod(userId: string, kind: "app" | "email") {
  const db = await getDb();
  await db.insert(twoFactorMethods).values({ userId, kind, enabledAt: now(), secretEncrypted: kind === "app" ? "sealed" : null });
}

/** An admin and an agent who has the app on but lost the phone. */
async function rescueCase() {
  const db = await getDb();
  const admin = await createTestUser({ role: "admin" });
  const agent = await createTestUser();
  await enableMethod(agent.id, "app");
  const signInWith = (code: string) => verifySignInCode(db, agent.id, { kind: "backup", code }, context);
  const issue = () => issueAdminBackupCode(db, { userId: agent.id, issuedBy: admin.id, context });
  return { db, admin, agent, signInWith, issue };
}

async function userRow(userId: string): Promise<User> {
  const db = await getDb();
  const [row] = await db.select().from(users).where(eq(users.id, userId));
  return row;
}

async function eventsOfType(type: string) {
  const db = await getDb();
  return db.select().from(auditEvents).where(eq(auditEvents.type, type)).orderBy(auditEvents.id);
}

async function wrongCode(userId: string) {
  return verifySignInCode(await getDb(), userId, { kind: "backup", code: WRONG_CODE }, context);
}

/** Books five wrong codes, moving the clock past each five-minute wait. */
async function lockOut(userId: string) {
  for (let i = 0; i < 5; i++) {
    const state = await codeAttemptState(userId);
    if (state.retryAt) advanceClock(state.retryAt.getTime() - now().getTime());
    expect((await wrongCode(userId)).kind).not.toBe("ok");
  }
}

describe("Get Backup Code: an admin rescues an agent who lost their device", () => {
  beforeEach(async () => {
    await resetDatabase();
    freezeClock(T0);
  });

  it("the agent signs in with the code once; the same code is refused the next time", async () => {
    const { issue, signInWith } = await rescueCase();
    const { code } = await issue();
    expect(await signInWith(code)).toMatchObject({ kind: "ok", method: "admin_backup_code" });
    expect(await signInWith(code)).toMatchObject({ kind: "invalid" });
  });

  it("the code works until 30 minutes have passed, and not at 30 minutes", async () => {
    const { issue, signInWith } = await rescueCase();
    const early = await issue();
    advanceClock(30 * MINUTE - 1000);
    expect(await signInWith(early.code)).toMatchObject({ kind: "ok" });

    const late = await issue();
    expect(late.expiresAt).toEqual(addMs(now(), 30 * MINUTE));
    advanceClock(30 * MINUTE);
    expect(await signInWith(late.code)).toMatchObject({ kind: "invalid" });
  });

  it("20 concurrent sign-ins with one code succeed exactly once", async () => {
    const { db, agent, issue, signInWith } = await rescueCase();
    const { code } = await issue();
    const results = await Promise.all(Array.from({ length: 20 }, () => signInWith(code)));
    expect(results.filter((result) => result.kind === "ok")).toHaveLength(1);
    const rows = await db.select().from(adminBackupCodes).where(eq(adminBackupCodes.userId, agent.id));
    expect(rows).toHaveLength(1);
    expect(rows[0].usedAt).not.toBeNull();
    expect(await eventsOfType("admin_backup_code.used")).toHaveLength(1);
  });

  it("a new code ends the previous one", async () => {
    const { issue, signInWith } = await rescueCase();
    const first = await issue();
    const second = await issue();
    expect(await signInWith(first.code)).toMatchObject({ kind: "invalid" });
    expect(await signInWith(second.code)).toMatchObject({ kind: "ok" });
  });

  it("the code is stored hashed and audited with the admin, the agent and the address, never in clear", async () => {
    const { db, admin, agent, issue, signInWith } = await rescueCase();
    const { code, expiresAt } = await issue();
    const [row] = await db.select().from(adminBackupCodes).where(eq(adminBackupCodes.userId, agent.id));
    expect(row.issuedBy).toBe(admin.id);
    expect(row.codeHash).not.toContain(code.replace("-", ""));
    const [event] = await eventsOfType("admin_backup_code.issued");
    expect(event).toMatchObject({ actorId: admin.id, subjectId: agent.id, ip: context.ip, userAgent: context.userAgent, at: T0 });
    expect(event.details).toEqual({ expiresAt: expiresAt.toISOString() });
    expect(JSON.stringify(event)).not.toContain(code.replace("-", ""));

    await signInWith(code);
    const [used] = await eventsOfType("admin_backup_code.used");
    expect(used).toMatchObject({ actorId: agent.id, subjectId: agent.id, ip: context.ip, details: { issuedBy: admin.id } });
    expect(JSON.stringify(used)).not.toContain(code.replace("-", ""));
  });
});

describe("Unlock", () => {
  beforeEach(async () => {
    await resetDatabase();
    freezeClock(T0);
  });

  it("ends the lock and starts the failure count over, so the agent gets all five tries again", async () => {
    const { db, admin, agent } = await rescueCase();
    await lockOut(agent.id);
    expect(await userRow(agent.id)).toMatchObject({ status: "locked", failedCodeAttempts: 5 });
    expect((await userRow(agent.id)).lockedAt).not.toBeNull();

    expect(await unlockAccount(db, agent.id, admin.id, context)).toBe(true);
    expect(await userRow(agent.id)).toMatchObject({ status: "active", failedCodeAttempts: 0, lockedAt: null, codeRetryAfter: null });
    expect(await codeAttemptState(agent.id)).toEqual({ locked: false, retryAt: null });
    // Two fresh failures are plain failures again, not a wait or a lock.
    expect(await wrongCode(agent.id)).toEqual({ kind: "invalid", failures: 1 });
    expect(await wrongCode(agent.id)).toEqual({ kind: "invalid", failures: 2 });
  });

  it("a locked agent cannot use an admin code until unlocked", async () => {
    const { db, admin, agent, issue, signInWith } = await rescueCase();
    await lockOut(agent.id);
    const { code } = await issue();
    expect(await signInWith(code)).toMatchObject({ kind: "locked" });
    await unlockAccount(db, agent.id, admin.id, context);
    expect(await signInWith(code)).toMatchObject({ kind: "ok" });
  });

  it("is audited with the admin, and with no actor when run from the command line", async () => {
    const { db, admin, agent } = await rescueCase();
    await lockOut(agent.id);
    await unlockAccount(db, agent.id, admin.id, context);
    await unlockAccount(db, admin.id, null, { ip: null, userAgent: "npm run admin:unlock" });
    const events = await eventsOfType("user.unlocked");
    expect(events).toHaveLength(2);
    expect(events[0]).toMatchObject({ actorId: admin.id, subjectId: agent.id, ip: context.ip });
    expect(events[1]).toMatchObject({ actorId: null, subjectId: admin.id, userAgent: "npm run admin:unlock" });
  });

  it("does not turn a disabled account back on", async () => {
    const { db, admin, agent } = await rescueCase();
    await db.update(users).set({ status: "disabled" }).where(eq(users.id, agent.id));
    expect(await unlockAccount(db, agent.id, admin.id, context)).toBe(false);
    expect((await userRow(agent.id)).status).toBe("disabled");
    expect(await eventsOfType("user.unlocked")).toHaveLength(0);
  });
});

describe("Reset 2FA", () => {
  beforeEach(async () => {
    await resetDatabase();
    freezeClock(T0);
  });

  it("removes the methods, backup codes, live admin code and trusted browsers, and ends every session", async () => {
    const { db, admin, agent, issue, signInWith } = await rescueCase();
    await enableMethod(agent.id, "email");
    const [personal] = await generateBackupCodes(db, agent.id, context);
    const { code } = await issue();
    await trustBrowser(db, agent.id, 30, context);
    const version = (await userRow(agent.id)).sessionVersion;
    const sessionId = await createUserSession(agent.id, context);
    expect(await viewerOf(sessionId, { id: agent.id, sessionVersion: version })).not.toBeNull();

    await resetTwoFactorByAdmin(db, { userId: agent.id, adminId: admin.id, context });

    expect(await listEnabledMethods(db, agent.id)).toEqual([]);
    expect(await db.select().from(backupCodes).where(eq(backupCodes.userId, agent.id))).toHaveLength(0);
    expect(
      await db
        .select()
        .from(trustedBrowsers)
        .where(and(eq(trustedBrowsers.userId, agent.id), isNull(trustedBrowsers.revokedAt))),
    ).toHaveLength(0);
    expect(
      await db
        .select()
        .from(userSessions)
        .where(and(eq(userSessions.userId, agent.id), isNull(userSessions.revokedAt))),
    ).toHaveLength(0);
    const after = await userRow(agent.id);
    expect(after.sessionVersion).toBe(version + 1);
    expect(await viewerOf(sessionId, { id: agent.id, sessionVersion: version })).toBeNull();
    expect(await viewerOf(sessionId, after)).toBeNull();
    expect(await signInWith(code)).toMatchObject({ kind: "invalid" });
    expect(await signInWith(personal)).toMatchObject({ kind: "invalid" });
  });

  it("is audited with the admin, the agent and the methods removed", async () => {
    const { db, admin, agent } = await rescueCase();
    await enableMethod(agent.id, "email");
    await resetTwoFactorByAdmin(db, { userId: agent.id, adminId: admin.id, context });
    const [event] = await eventsOfType("two_factor.reset_by_admin");
    expect(event).toMatchObject({
      actorId: admin.id,
      subjectId: agent.id,
      ip: context.ip,
      userAgent: context.userAgent,
      details: { methods: ["app", "email"] },
    });
  });

  it("leaves other people's 2FA alone", async () => {
    const { db, admin, agent } = await rescueCase();
    const other = await createTestUser();
    await enableMethod(other.id, "app");
    await resetTwoFactorByAdmin(db, { userId: agent.id, adminId: admin.id, context });
    expect(await listEnabledMethods(db, other.id)).toEqual(["app"]);
  });
});

describe("the people search on the Agents page", () => {
  beforeEach(async () => {
    await resetDatabase();
    freezeClock(T0);
  });

  async function people() {
    const db = await getDb();
    const maria = await createTestUser({ name: "Maria Lopez", username: "maria", email: "maria@example.com" });
    const kenji = await createTestUser({ name: "Kenji Sato", username: "kenji", email: "kenji@tessera.test" });
    const amara = await createTestUser({ name: "Amara 100% Okafor", username: "amara", email: "amara@example.com" });
    await enableMethod(maria.id, "app");
    await enableMethod(maria.id, "email");
    await db.insert(twoFactorMethods).values({ userId: kenji.id, kind: "app", pendingSecretEncrypted: "sealed" });
    await db.update(users).set({ status: "locked" }).where(eq(users.id, amara.id));
    return { db, maria, kenji, amara };
  }

  const names = (rows: { name: string }[]) => rows.map((row) => row.name);

  it("finds people by part of the name or email, in any case", async () => {
    const { db } = await people();
    expect(names(await searchPeople(db, { q: "LOPEZ" }))).toEqual(["Maria Lopez"]);
    expect(names(await searchPeople(db, { q: "@example.com" }))).toEqual(["Amara 100% Okafor", "Maria Lopez"]);
    expect(names(await searchPeople(db, { q: "tessera.test" }))).toEqual(["Kenji Sato"]);
    expect(names(await searchPeople(db, {}))).toEqual(["Amara 100% Okafor", "Kenji Sato", "Maria Lopez"]);
  });

  it("treats % and _ as letters, not wildcards", async () => {
    const { db } = await people();
    expect(names(await searchPeople(db, { q: "100%" }))).toEqual(["Amara 100% Okafor"]);
    expect(await searchPeople(db, { q: "%" })).toHaveLength(1);
    expect(await searchPeople(db, { q: "_" })).toHaveLength(0);
  });

  it("filters by 2FA status: on, off (a method being set up is off) and locked", async () => {
    const { db, maria } = await people();
    const on = await searchPeople(db, { status: "on" });
    expect(names(on)).toEqual(["Maria Lopez"]);
    expect(on[0]).toMatchObject({ id: maria.id, methods: ["app", "email"] });
    expect(names(await searchPeople(db, { status: "off" }))).toEqual(["Amara 100% Okafor", "Kenji Sato"]);
    expect(names(await searchPeople(db, { status: "locked" }))).toEqual(["Amara 100% Okafor"]);
    expect(names(await searchPeople(db, { status: "off", q: "kenji" }))).toEqual(["Kenji Sato"]);
  });

  it("counts 2FA adoption by method, and the locked accounts", async () => {
    const { db, kenji } = await people();
    await enableMethod((await createTestUser()).id, "email");
    expect((await adminOverview(db)).adoption).toEqual({
      people: 4,
      withTwoFactor: 2,
      withApp: 1,
      withEmail: 2,
      withPasskey: 0,
      locked: 1,
    });
    await db.update(users).set({ status: "disabled" }).where(eq(users.id, kenji.id));
    expect((await adminOverview(db)).adoption.people).toBe(3);
  });
});
