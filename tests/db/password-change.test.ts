import { beforeEach, describe, expect, it } from "vitest";
import { eq } from "drizzle-orm";
import { getDb } from "@/db/client";
import { auditEvents, settings, trustedBrowsers, users } from "@/db/schema";
import { changePassword } from "@/lib/auth/password-change";
import { reauthenticateWithPassword } from "@/lib/auth/reauthenticate";
import { createUserSession, findActiveSession } from "@/lib/auth/sessions";
import { ACCOUNT_LIMIT, verifyPasswordStep } from "@/lib/auth/sign-in";
import { MINUTE, advanceClock, freezeClock, now } from "@/lib/clock";
import { createChallenge, findLiveChallenge } from "@/lib/two-factor/challenge";
import { getPolicy } from "@/lib/two-factor/policy";
import { honourTrustedBrowser, trustBrowser } from "@/lib/two-factor/trusted-browsers";
import { TEST_PASSWORD, createTestUser, resetDatabase } from "../support/db";

const context = { ip: "198.51.100.9", userAgent: "vitest" };
const T0 = new Date("2030-04-01T12:00:00.000Z");
const NEW_PASSWORD = "a brand new passphrase 2030";

async function userRow(userId: string) {
  const db = await getDb();
  const [row] = await db.select().from(users).where(eq(users.id, userId));
  return row;
}

async function skipAllowedPolicy() {
  const db = await getDb();
  await db.update(settings).set({ twoFactorMode: "skip_allowed", skipDays: 30 });
  return getPolicy(db);
}

describe("changing the password", () => {
  beforeEach(async () => {
    await resetDatabase();
    freezeClock(T0);
  });

  it("the new password signs in and the old one no longer does", async () => {
    const db = await getDb();
    const user = await createTestUser({ username: "changer" });
    expect(await changePassword(db, user.id, TEST_PASSWORD, NEW_PASSWORD, context)).toEqual({ ok: true });
    expect((await verifyPasswordStep(db, { account: "changer", password: NEW_PASSWORD }, context)).kind).toBe("ok");
    expect((await verifyPasswordStep(db, { account: "changer", password: TEST_PASSWORD }, context)).kind).toBe("invalid");
    const stored = await userRow(user.id);
    expect(stored.passwordHash).toMatch(/^\$argon2id\$/);
    expect(stored.passwordHash).not.toContain(NEW_PASSWORD);
  });

  it("raises the session version, stamps the change with the app clock and ends every trusted browser", async () => {
    const db = await getDb();
    const user = await createTestUser();
    const policy = await skipAllowedPolicy();
    const sessionId = await createUserSession(db, user.id, context);
    const browser = await trustBrowser(db, user.id, 30, context);
    advanceClock(5 * MINUTE);

    await changePassword(db, user.id, TEST_PASSWORD, NEW_PASSWORD, context);

    const stored = await userRow(user.id);
    expect(stored.sessionVersion).toBe(user.sessionVersion + 1);
    expect(stored.passwordChangedAt).toEqual(now());
    expect(await findActiveSession(db, sessionId, user.id, user.sessionVersion)).toBeNull();
    const [row] = await db.select().from(trustedBrowsers).where(eq(trustedBrowsers.id, browser.id));
    expect(row.revokedAt).toEqual(now());
    expect(await honourTrustedBrowser(db, browser.id, user.id, policy)).toBe(false);
  });

  it("a sign-in waiting for its code must start over", async () => {
    const db = await getDb();
    const user = await createTestUser();
    const challenge = await createChallenge(db, user.id);
    await changePassword(db, user.id, TEST_PASSWORD, NEW_PASSWORD, context);
    expect(await findLiveChallenge(db, challenge.id, user.id)).toBeNull();
  });

  it("is audited without either password", async () => {
    const db = await getDb();
    const user = await createTestUser();
    await changePassword(db, user.id, TEST_PASSWORD, NEW_PASSWORD, context);
    const events = await db.select().from(auditEvents);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      type: "password.changed",
      actorId: user.id,
      subjectId: user.id,
      ip: context.ip,
      userAgent: "vitest",
    });
    expect(JSON.stringify(events)).not.toContain(NEW_PASSWORD);
    expect(JSON.stringify(events)).not.toContain(TEST_PASSWORD);
  });

  it("a wrong current password changes nothing", async () => {
    const db = await getDb();
    const user = await createTestUser({ username: "keeper" });
    const policy = await skipAllowedPolicy();
    const browser = await trustBrowser(db, user.id, 30, context);
    const challenge = await createChallenge(db, user.id);
    const before = await userRow(user.id);
    advanceClock(MINUTE);

    expect(await changePassword(db, user.id, "not my password at all", NEW_PASSWORD, context)).toEqual({
      ok: false,
      reason: "wrong_password",
    });

    expect(await userRow(user.id)).toEqual(before);
    expect(await honourTrustedBrowser(db, browser.id, user.id, policy)).toBe(true);
    expect(await findLiveChallenge(db, challenge.id, user.id)).not.toBeNull();
    expect((await verifyPasswordStep(db, { account: "keeper", password: TEST_PASSWORD }, context)).kind).toBe("ok");
    const types = (await db.select({ type: auditEvents.type }).from(auditEvents)).map((event) => event.type);
    expect(types).toContain("password.change_failed");
    expect(types).not.toContain("password.changed");
  });

  it("refuses the same password again and a new one shorter than 12 characters, changing nothing", async () => {
    const db = await getDb();
    const user = await createTestUser();
    const before = await userRow(user.id);
    expect(await changePassword(db, user.id, TEST_PASSWORD, TEST_PASSWORD, context)).toEqual({ ok: false, reason: "same_password" });
    expect(await changePassword(db, user.id, TEST_PASSWORD, "short-11chr", context)).toEqual({ ok: false, reason: "bad_length" });
    expect(await userRow(user.id)).toEqual(before);
  });

  it("is throttled like sign-in, in one budget with re-authentication, even for the right password", async () => {
    const db = await getDb();
    const user = await createTestUser();
    const current = { userId: user.id, sessionId: await createUserSession(db, user.id, context) };
    await Promise.all(Array.from({ length: ACCOUNT_LIMIT.max }, () => reauthenticateWithPassword(db, current, "guessing", context)));
    const refused = await changePassword(db, user.id, TEST_PASSWORD, NEW_PASSWORD, context);
    expect(refused).toMatchObject({ ok: false, reason: "throttled" });
    expect((await userRow(user.id)).sessionVersion).toBe(user.sessionVersion);
    advanceClock(ACCOUNT_LIMIT.windowMs);
    expect(await changePassword(db, user.id, TEST_PASSWORD, NEW_PASSWORD, context)).toEqual({ ok: true });
  });

  it("two changes at once with the old password: exactly one wins", async () => {
    const db = await getDb();
    const user = await createTestUser({ username: "racer" });
    const results = await Promise.all([
      changePassword(db, user.id, TEST_PASSWORD, `${NEW_PASSWORD} one`, context),
      changePassword(db, user.id, TEST_PASSWORD, `${NEW_PASSWORD} two`, context),
    ]);
    expect(results.filter((result) => result.ok)).toHaveLength(1);
    expect((await userRow(user.id)).sessionVersion).toBe(user.sessionVersion + 1);
  });
});
