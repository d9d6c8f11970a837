import { beforeEach, describe, expect, it } from "vitest";
import { eq } from "drizzle-orm";
import { getDb } from "@/db/client";
import { auditEvents, passwordDelays, settings, trustedBrowsers, twoFactorMethods, users, type User } from "@/db/schema";
import { changePassword } from "@/lib/auth/password-change";
import { FREE_FAILURES, delayAfter } from "@/lib/auth/password-limits";
import { reauthenticateWithPassword } from "@/lib/auth/reauthenticate";
import { codeStep, loadChallenge, passwordStep } from "@/lib/auth/sign-in-flow";
import { MINUTE, advanceClock, freezeClock, now } from "@/lib/clock";
import { getPolicy } from "../support/rules";
import { honourTrustedBrowser, trustBrowser } from "../support/rules";
import { TEST_PASSWORD, createTestUser, createUserSession, resetDatabase } from "../support/db";
import { challengeFor, viewerOf } from "../support/sign-in";

const context = { ip: "198.51.100.9", userAgent: "vitest" };
const T0 = new Date("2030-04-01T12:00:00.000Z");
const NEW_PASSWORD = "a brand new passphrase 2030";

async function userRow(userId: string) {
  const db = await getDb();
  const [row] = await db.select().from(users).where(eq(users.id, userId));
  return row;
}

/** What the sign-in page's password step answers (no trusted browser). */
async function signIn(account: string, password: string) {
  return (await passwordStep(await getDb(), { account, password }, context, null)).kind;
}

/** A sign-in waiting at the code step: the user has the app on and gave the right password. */
async function pendingSignIn(user: User) {
  const db = await getDb();
  await db.insert(twoFactorMethods).values({ userId: user.id, kind: "app", enabledAt: now(), secretEncrypted: "sealed" });
  return challengeFor(user, context);
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
    expect(await signIn("changer", NEW_PASSWORD)).toBe("signed_in");
    expect(await signIn("changer", TEST_PASSWORD)).toBe("invalid");
    const stored = await userRow(user.id);
    expect(stored.passwordHash).toMatch(/^\$argon2id\$/);
    expect(stored.passwordHash).not.toContain(NEW_PASSWORD);
  });

  it("raises the session version, stamps the change with the app clock and ends every trusted browser", async () => {
    const db = await getDb();
    const user = await createTestUser();
    const policy = await skipAllowedPolicy();
    const sessionId = await createUserSession(user.id, context);
    const browser = await trustBrowser(db, user.id, 30, context);
    advanceClock(5 * MINUTE);
    expect(await viewerOf(sessionId, user)).not.toBeNull();

    await changePassword(db, user.id, TEST_PASSWORD, NEW_PASSWORD, context);

    const stored = await userRow(user.id);
    expect(stored.sessionVersion).toBe(user.sessionVersion + 1);
    expect(stored.passwordChangedAt).toEqual(now());
    expect(await viewerOf(sessionId, user)).toBeNull();
    const [row] = await db.select().from(trustedBrowsers).where(eq(trustedBrowsers.id, browser.id));
    expect(row.revokedAt).toEqual(now());
    expect(await honourTrustedBrowser(db, browser.id, user.id, policy)).toBe(false);
  });

  it("a sign-in waiting for its code must start over", async () => {
    const db = await getDb();
    const user = await createTestUser();
    const challenge = await pendingSignIn(user);
    expect(await loadChallenge(db, challenge)).not.toBeNull();
    await changePassword(db, user.id, TEST_PASSWORD, NEW_PASSWORD, context);
    expect(await loadChallenge(db, challenge)).toBeNull();
    expect(await codeStep(db, challenge, { kind: "code", code: "123456", remember: false }, context)).toEqual({ kind: "expired" });
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
    const challenge = await pendingSignIn(user);
    const before = await userRow(user.id);
    advanceClock(MINUTE);

    expect(await changePassword(db, user.id, "not my password at all", NEW_PASSWORD, context)).toEqual({
      ok: false,
      reason: "wrong_password",
    });

    expect(await userRow(user.id)).toEqual(before);
    expect(await honourTrustedBrowser(db, browser.id, user.id, policy)).toBe(true);
    expect(await loadChallenge(db, challenge)).not.toBeNull();
    expect(await signIn("keeper", TEST_PASSWORD)).toBe("challenge");
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
    const current = { userId: user.id, sessionId: await createUserSession(user.id, context) };
    await Promise.all(Array.from({ length: 10 }, () => reauthenticateWithPassword(db, current, "guessing", context)));
    const refused = await changePassword(db, user.id, TEST_PASSWORD, NEW_PASSWORD, context);
    expect(refused).toMatchObject({ ok: false, reason: "throttled" });
    expect((await userRow(user.id)).sessionVersion).toBe(user.sessionVersion);
    advanceClock(delayAfter(FREE_FAILURES + 1));
    expect(await changePassword(db, user.id, TEST_PASSWORD, NEW_PASSWORD, context)).toEqual({ ok: true });
  });

  it("forgives the try of a change that succeeds: the account's delays are cleared", async () => {
    const db = await getDb();
    const user = await createTestUser();
    const current = { userId: user.id, sessionId: await createUserSession(user.id, context) };
    for (let i = 0; i < FREE_FAILURES; i++) await reauthenticateWithPassword(db, current, "a typo", context);
    expect(await changePassword(db, user.id, TEST_PASSWORD, NEW_PASSWORD, context)).toEqual({ ok: true });
    expect(await db.select().from(passwordDelays)).toEqual([]);
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
