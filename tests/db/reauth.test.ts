import { beforeEach, describe, expect, it } from "vitest";
import { eq } from "drizzle-orm";
import { getDb } from "@/db/client";
import { auditEvents, userSessions, users } from "@/db/schema";
import { FREE_FAILURES, delayAfter } from "@/lib/auth/password-limits";
import { REAUTH_WINDOW_MS } from "@/lib/auth/reauth";
import { reauthenticateWithCode, reauthenticateWithPassword } from "@/lib/auth/reauthenticate";
import { revokeSession } from "@/lib/auth/sessions";
import { MINUTE, advanceClock, freezeClock, now } from "@/lib/clock";
import { beginAppSetup, confirmAppSetup } from "@/lib/two-factor/app-method";
import { generateBackupCodes } from "@/lib/two-factor/backup-codes";
import { issueEmailCode } from "@/lib/two-factor/email-codes";
import { beginEmailSetup, confirmEmailSetup } from "@/lib/two-factor/email-method";
import { totpCodeAt } from "@/lib/two-factor/totp";
import { TEST_PASSWORD, createTestUser, createUserSession, resetDatabase } from "../support/db";

const context = { ip: "198.51.100.4", userAgent: "vitest" };
// The start of a 30-second step, so "the next step" is exactly 30 s away.
const T0 = new Date("2030-03-01T08:00:00.000Z");

async function signedIn() {
  const db = await getDb();
  const user = await createTestUser();
  const sessionId = await createUserSession(user.id, context);
  return { db, user, current: { userId: user.id, sessionId } };
}

/** The session's re-authentication window, read from its row as the viewer reads it. */
async function isRecentlyReauthenticated(sessionId: string): Promise<boolean> {
  const [row] = await (await getDb()).select().from(userSessions).where(eq(userSessions.id, sessionId));
  return row.revokedAt === null && row.reauthenticatedAt !== null && row.reauthenticatedAt.getTime() > now().getTime() - REAUTH_WINDOW_MS;
}

async function openedWith(sessionId: string) {
  const [row] = await (await getDb()).select().from(userSessions).where(eq(userSessions.id, sessionId));
  return row.reauthenticatedWith;
}

async function enableApp(user: { id: string; email: string }): Promise<string> {
  const db = await getDb();
  const { secret } = await beginAppSetup(db, user);
  const confirmed = await confirmAppSetup(db, user.id, totpCodeAt(secret, now()), context);
  if (!confirmed.ok) throw new Error("app setup refused");
  return secret;
}

async function failures(userId: string) {
  const db = await getDb();
  const [row] = await db.select({ failures: users.failedCodeAttempts, status: users.status }).from(users).where(eq(users.id, userId));
  return row;
}

describe("re-authentication window", () => {
  beforeEach(async () => {
    await resetDatabase();
    freezeClock(T0);
  });

  it("signing in opens the window, which closes 10 minutes later", async () => {
    const { current } = await signedIn();
    expect(await isRecentlyReauthenticated(current.sessionId)).toBe(true);
    advanceClock(REAUTH_WINDOW_MS - 1000);
    expect(await isRecentlyReauthenticated(current.sessionId)).toBe(true);
    advanceClock(1000);
    expect(await isRecentlyReauthenticated(current.sessionId)).toBe(false);
  });

  it("the right password opens the window again, for this session only", async () => {
    const { db, user, current } = await signedIn();
    const otherSession = await createUserSession(user.id, context);
    advanceClock(11 * MINUTE);
    expect(await reauthenticateWithPassword(db, current, TEST_PASSWORD, context)).toEqual({ kind: "ok" });
    expect(await isRecentlyReauthenticated(current.sessionId)).toBe(true);
    expect(await isRecentlyReauthenticated(otherSession)).toBe(false);
    advanceClock(REAUTH_WINDOW_MS);
    expect(await isRecentlyReauthenticated(current.sessionId)).toBe(false);
  });

  it("a wrong password opens nothing and is audited without the password", async () => {
    const { db, current } = await signedIn();
    advanceClock(11 * MINUTE);
    expect(await reauthenticateWithPassword(db, current, "my-guess-is-wrong", context)).toEqual({ kind: "invalid" });
    expect(await isRecentlyReauthenticated(current.sessionId)).toBe(false);
    const events = await db.select().from(auditEvents);
    expect(events.map((event) => event.type)).toEqual(["reauth.failed"]);
    expect(events[0]).toMatchObject({
      subjectId: current.userId,
      ip: context.ip,
      details: { method: "password", reason: "wrong_password" },
    });
    expect(JSON.stringify(events)).not.toContain("my-guess-is-wrong");
  });

  it("password guesses are held back like sign-in's: past the free ones even the right one waits", async () => {
    const { db, current } = await signedIn();
    advanceClock(11 * MINUTE);
    const guesses = await Promise.all(Array.from({ length: 15 }, () => reauthenticateWithPassword(db, current, "a wrong guess", context)));
    expect(guesses.filter((result) => result.kind === "invalid")).toHaveLength(FREE_FAILURES + 1);
    expect((await reauthenticateWithPassword(db, current, TEST_PASSWORD, context)).kind).toBe("throttled");
    expect(await isRecentlyReauthenticated(current.sessionId)).toBe(false);
    advanceClock(delayAfter(FREE_FAILURES + 1));
    expect(await reauthenticateWithPassword(db, current, TEST_PASSWORD, context)).toEqual({ kind: "ok" });
  });

  it("records what opened the window: the password, or the second factor", async () => {
    const { db, user, current } = await signedIn();
    advanceClock(11 * MINUTE);
    await reauthenticateWithPassword(db, current, TEST_PASSWORD, context);
    expect(await openedWith(current.sessionId)).toBe("password");
    const secret = await enableApp(user);
    advanceClock(11 * MINUTE);
    expect(await reauthenticateWithCode(db, current, { kind: "code", code: totpCodeAt(secret, now()) }, context)).toEqual({ kind: "ok" });
    expect(await openedWith(current.sessionId)).toBe("second_factor");
  });

  it("a backup code opens the window as a second factor, and is used up", async () => {
    const { db, user, current } = await signedIn();
    await enableApp(user);
    const [code] = await generateBackupCodes(db, user.id, context);
    advanceClock(11 * MINUTE);
    expect(await reauthenticateWithCode(db, current, { kind: "backup", code: code.toUpperCase() }, context)).toEqual({ kind: "ok" });
    expect(await openedWith(current.sessionId)).toBe("second_factor");
    advanceClock(11 * MINUTE);
    expect(await reauthenticateWithCode(db, current, { kind: "backup", code }, context)).toEqual({ kind: "invalid" });
  });

  it("a current authenticator code opens the window, and the same code cannot be used again", async () => {
    const { db, user, current } = await signedIn();
    const secret = await enableApp(user);
    advanceClock(11 * MINUTE);
    const code = totpCodeAt(secret, now());
    expect(await reauthenticateWithCode(db, current, { kind: "code", code: code }, context)).toEqual({ kind: "ok" });
    expect(await isRecentlyReauthenticated(current.sessionId)).toBe(true);
    expect(await reauthenticateWithCode(db, current, { kind: "code", code: code }, context)).toEqual({ kind: "invalid" });
    expect(await failures(user.id)).toEqual({ failures: 1, status: "active" });
    const events = await db.select({ type: auditEvents.type }).from(auditEvents);
    expect(events.map((event) => event.type)).toEqual(expect.arrayContaining(["reauth.succeeded", "two_factor.code_replayed"]));
  });

  it("an emailed sign-in code opens the window", async () => {
    const { db, user, current } = await signedIn();
    const setup = await beginEmailSetup(db, user.id);
    if (!setup.ok) throw new Error("setup code refused");
    await confirmEmailSetup(db, user.id, setup.code, context);
    advanceClock(11 * MINUTE);
    const issued = await issueEmailCode(db, user.id, "sign_in");
    if (!issued.ok) throw new Error("sign-in code refused");
    expect(await reauthenticateWithCode(db, current, { kind: "code", code: issued.code }, context)).toEqual({ kind: "ok" });
    expect(await isRecentlyReauthenticated(current.sessionId)).toBe(true);
  });

  it("wrong codes count toward the sign-in wait and lock", async () => {
    const { db, user, current } = await signedIn();
    const secret = await enableApp(user);
    advanceClock(11 * MINUTE);
    const wrong = String((Number(totpCodeAt(secret, now())) + 500_000) % 1_000_000).padStart(6, "0");
    expect(await reauthenticateWithCode(db, current, { kind: "code", code: wrong }, context)).toEqual({ kind: "invalid" });
    expect(await reauthenticateWithCode(db, current, { kind: "code", code: wrong }, context)).toEqual({ kind: "invalid" });
    expect((await reauthenticateWithCode(db, current, { kind: "code", code: wrong }, context)).kind).toBe("wait");
    expect(await failures(user.id)).toEqual({ failures: 3, status: "active" });
    // During the wait even the right code is refused.
    expect((await reauthenticateWithCode(db, current, { kind: "code", code: totpCodeAt(secret, now()) }, context)).kind).toBe("wait");
    expect(await isRecentlyReauthenticated(current.sessionId)).toBe(false);
  });

  it("without a method a code is refused without counting a failure", async () => {
    const { db, user, current } = await signedIn();
    advanceClock(11 * MINUTE);
    expect(await reauthenticateWithCode(db, current, { kind: "code", code: "123456" }, context)).toEqual({ kind: "invalid" });
    expect(await failures(user.id)).toEqual({ failures: 0, status: "active" });
  });

  it("a revoked session cannot be re-authenticated", async () => {
    const { db, current } = await signedIn();
    advanceClock(11 * MINUTE);
    await revokeSession(db, current.sessionId);
    await reauthenticateWithPassword(db, current, TEST_PASSWORD, context);
    expect(await isRecentlyReauthenticated(current.sessionId)).toBe(false);
  });
});
