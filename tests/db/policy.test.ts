import { beforeEach, describe, expect, it } from "vitest";
import { and, eq, isNull } from "drizzle-orm";
import { getDb } from "@/db/client";
import { auditEvents, trustedBrowsers, twoFactorMethods, type MethodKind, type User } from "@/db/schema";
import { DAY, MINUTE, addMs, advanceClock, freezeClock, now } from "@/lib/clock";
import { updatePolicy, type PolicyInput } from "@/lib/two-factor/policy";
import { getPolicy } from "../support/rules";
import { honourTrustedBrowser, trustBrowser } from "../support/rules";
import { createTestUser, createUserSession, resetDatabase } from "../support/db";
import { viewerOf } from "../support/sign-in";

const context = { ip: "198.51.100.20", userAgent: "vitest policy" };
const T0 = new Date("2030-03-01T08:00:00.000Z");
const SKIP_30: PolicyInput = { mode: "skip_allowed", skipDays: 30, requireEnrollment: false, allowEmailMethod: true };

async function liveTrust() {
  const db = await getDb();
  return db.select().from(trustedBrowsers).where(isNull(trustedBrowsers.revokedAt));
}

async function policyEvents() {
  const db = await getDb();
  return db.select().from(auditEvents).where(eq(auditEvents.type, "policy.updated")).orderBy(auditEvents.id);
}

describe("saving the 2FA policy", () => {
  beforeEach(async () => {
    await resetDatabase();
    freezeClock(T0);
  });

  it("saves every option and records who saved it and when", async () => {
    const db = await getDb();
    const admin = await createTestUser({ role: "admin" });
    for (const skipDays of [14, 30, 60, 90]) {
      const result = await updatePolicy(
        db,
        { mode: "skip_allowed", skipDays, requireEnrollment: true, allowEmailMethod: false },
        admin.id,
        context,
      );
      expect(result.ok).toBe(true);
      expect(await getPolicy(db)).toMatchObject({
        twoFactorMode: "skip_allowed",
        skipDays,
        requireEnrollment: true,
        allowEmailMethod: false,
        updatedBy: admin.id,
        updatedAt: T0,
      });
    }
    await updatePolicy(db, { mode: "every_login", skipDays: 90, requireEnrollment: false, allowEmailMethod: true }, admin.id, context);
    expect(await getPolicy(db)).toMatchObject({
      twoFactorMode: "every_login",
      skipDays: 90,
      requireEnrollment: false,
      allowEmailMethod: true,
    });
  });

  it('takes the form\'s own values: digit strings and checkboxes sent as "on" or left out', async () => {
    const db = await getDb();
    const admin = await createTestUser({ role: "admin" });
    const result = await updatePolicy(db, { mode: "skip_allowed", skipDays: "60", requireEnrollment: "on" }, admin.id, context);
    expect(result.ok).toBe(true);
    expect(await getPolicy(db)).toMatchObject({
      twoFactorMode: "skip_allowed",
      skipDays: 60,
      requireEnrollment: true,
      allowEmailMethod: false,
    });
  });

  it("keeps the number of days when none is sent", async () => {
    const db = await getDb();
    const admin = await createTestUser({ role: "admin" });
    await updatePolicy(db, { ...SKIP_30, skipDays: 90 }, admin.id, context);
    await updatePolicy(db, { mode: "every_login", allowEmailMethod: true }, admin.id, context);
    expect(await getPolicy(db)).toMatchObject({ twoFactorMode: "every_login", skipDays: 90 });
  });

  it.each([
    ["15 days", { ...SKIP_30, skipDays: 15 }, "skipDays"],
    ["0 days", { ...SKIP_30, skipDays: "0" }, "skipDays"],
    ["days that are not a number", { ...SKIP_30, skipDays: "30 days" }, "skipDays"],
    ["a fraction of a day", { ...SKIP_30, skipDays: 30.5 }, "skipDays"],
    ["an unknown mode", { ...SKIP_30, mode: "never" }, "mode"],
    ["no mode", { skipDays: 30 }, "mode"],
    ["a checkbox that is neither on nor off", { ...SKIP_30, requireEnrollment: "yes" }, "requireEnrollment"],
  ])("refuses %s and changes nothing", async (_name, input, field) => {
    const db = await getDb();
    const admin = await createTestUser({ role: "admin" });
    const before = await getPolicy(db);
    advanceClock(MINUTE);
    const result = await updatePolicy(db, input, admin.id, context);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(Object.keys(result.fieldErrors)).toContain(field);
    expect(await getPolicy(db)).toEqual(before);
    expect(await policyEvents()).toHaveLength(0);
  });

  it("refuses input that is not an object at all", async () => {
    const db = await getDb();
    const admin = await createTestUser({ role: "admin" });
    for (const junk of [null, "every_login", 42, []]) {
      expect((await updatePolicy(db, junk, admin.id, context)).ok).toBe(false);
    }
    expect(await policyEvents()).toHaveLength(0);
  });

  it("audits each change with the admin, the address and the values before and after", async () => {
    const db = await getDb();
    const admin = await createTestUser({ role: "admin" });
    await updatePolicy(db, { mode: "skip_allowed", skipDays: 60, requireEnrollment: true, allowEmailMethod: false }, admin.id, context);
    const [event] = await policyEvents();
    expect(event).toMatchObject({
      actorId: admin.id,
      subjectId: null,
      ip: context.ip,
      userAgent: context.userAgent,
      at: T0,
      details: {
        before: { twoFactorMode: "every_login", skipDays: 30, requireEnrollment: false, allowEmailMethod: true },
        after: { twoFactorMode: "skip_allowed", skipDays: 60, requireEnrollment: true, allowEmailMethod: false },
        trustedBrowsersRevoked: 0,
      },
    });
  });

  it("switching to every login revokes every live trusted browser of every user, at once", async () => {
    const db = await getDb();
    const admin = await createTestUser({ role: "admin" });
    const maria = await createTestUser();
    const kenji = await createTestUser();
    await updatePolicy(db, SKIP_30, admin.id, context);
    const first = await trustBrowser(db, maria.id, 30, context);
    await trustBrowser(db, maria.id, 30, context);
    await trustBrowser(db, kenji.id, 30, context);
    expect(await liveTrust()).toHaveLength(3);

    advanceClock(MINUTE);
    const result = await updatePolicy(db, { ...SKIP_30, mode: "every_login" }, admin.id, context);
    expect(result).toMatchObject({ ok: true, trustedBrowsersRevoked: 3 });
    expect(await liveTrust()).toHaveLength(0);
    const [row] = await db.select().from(trustedBrowsers).where(eq(trustedBrowsers.id, first.id));
    expect(row.revokedAt).toEqual(addMs(T0, MINUTE));
    const events = await policyEvents();
    expect(events[1].details).toMatchObject({ trustedBrowsersRevoked: 3 });

    // Allowing skips again does not bring old trust back.
    await updatePolicy(db, SKIP_30, admin.id, context);
    expect(await honourTrustedBrowser(db, first.id, maria.id, await getPolicy(db))).toBe(false);
  });

  it("staying on skip allowed keeps trusted browsers, and fewer days shorten them at once", async () => {
    const db = await getDb();
    const admin = await createTestUser({ role: "admin" });
    const maria = await createTestUser();
    await updatePolicy(db, { ...SKIP_30, skipDays: 90 }, admin.id, context);
    const browser = await trustBrowser(db, maria.id, 90, context);
    advanceClock(20 * DAY);
    expect(await honourTrustedBrowser(db, browser.id, maria.id, await getPolicy(db))).toBe(true);

    const result = await updatePolicy(db, { ...SKIP_30, skipDays: 14 }, admin.id, context);
    expect(result).toMatchObject({ ok: true, trustedBrowsersRevoked: 0 });
    expect(await liveTrust()).toHaveLength(1);
    expect(await honourTrustedBrowser(db, browser.id, maria.id, await getPolicy(db))).toBe(false);
  });

  it("two admins saving at once both land, one after the other, each audited against the true before", async () => {
    const db = await getDb();
    const first = await createTestUser({ role: "admin" });
    const second = await createTestUser({ role: "admin" });
    await Promise.all([
      updatePolicy(db, { ...SKIP_30, skipDays: 60 }, first.id, context),
      updatePolicy(db, { ...SKIP_30, skipDays: 90 }, second.id, context),
    ]);
    const events = await policyEvents();
    expect(events).toHaveLength(2);
    const [a, b] = events.map((event) => event.details as { before: { skipDays: number }; after: { skipDays: number } });
    expect(b.before.skipDays).toBe(a.after.skipDays);
    expect((await getPolicy(db)).skipDays).toBe(b.after.skipDays);
  });
});

describe("whether a user must set up an allowed method", () => {
  beforeEach(async () => {
    await resetDatabase();
    freezeClock(T0);
  });

  async function userWith(methods: MethodKind[]) {
    const db = await getDb();
    const user = await createTestUser();
    for (const kind of methods)
      await db.insert(twoFactorMethods).values({ userId: user.id, kind, enabledAt: now(), secretEncrypted: "sealed" });
    return user;
  }

  /** Whether the console sends the user to set up a method first, as a request with their session finds it. */
  async function enrollmentRequired(user: User) {
    const viewer = await viewerOf(await createUserSession(user.id, context), user);
    if (!viewer) throw new Error("expected a live session");
    return viewer.mustEnroll;
  }

  async function setPolicy(requireEnrollment: boolean, allowEmailMethod: boolean) {
    const db = await getDb();
    const admin = await createTestUser({ role: "admin" });
    await updatePolicy(db, { mode: "every_login", requireEnrollment, allowEmailMethod }, admin.id, context);
  }

  it("nobody must enrol under the default policy", async () => {
    expect(await enrollmentRequired(await userWith([]))).toBe(false);
    expect(await enrollmentRequired(await userWith(["email"]))).toBe(false);
  });

  it("when everyone must have 2FA, a user without a method must enrol and one with a method need not", async () => {
    await setPolicy(true, true);
    expect(await enrollmentRequired(await userWith([]))).toBe(true);
    expect(await enrollmentRequired(await userWith(["email"]))).toBe(false);
    expect(await enrollmentRequired(await userWith(["app"]))).toBe(false);
  });

  it("with email not allowed, a user whose only method is email must set up the app", async () => {
    await setPolicy(false, false);
    expect(await enrollmentRequired(await userWith(["email"]))).toBe(true);
    expect(await enrollmentRequired(await userWith(["app", "email"]))).toBe(false);
    expect(await enrollmentRequired(await userWith(["app"]))).toBe(false);
    expect(await enrollmentRequired(await userWith([]))).toBe(false);
  });

  it("a method still being set up does not count", async () => {
    const db = await getDb();
    await setPolicy(true, true);
    const user = await createTestUser();
    await db.insert(twoFactorMethods).values({ userId: user.id, kind: "app", pendingSecretEncrypted: "sealed" });
    expect(await enrollmentRequired(user)).toBe(true);
    await db
      .update(twoFactorMethods)
      .set({ enabledAt: now() })
      .where(and(eq(twoFactorMethods.userId, user.id), eq(twoFactorMethods.kind, "app")));
    expect(await enrollmentRequired(user)).toBe(false);
  });
});
