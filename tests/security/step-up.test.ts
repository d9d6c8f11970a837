// Findings 1 and 2 of the adversarial review (SECURITY.md 15, 16): a stolen session cookie plus the
// password (a real-time phishing proxy gets both) must not reach what the second factor guards, and a
// hijacked admin session whose confirmation is stale must not hand accounts over. Each call is the
// server action itself, called directly as an attacker would, with the session cookie in the jar.
import { count, eq } from "drizzle-orm";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { getDb } from "@/db/client";
import { adminBackupCodes, auditEvents, backupCodes, outboxMessages, settings, twoFactorMethods, users, type User } from "@/db/schema";
import {
  confirmAppMethod,
  emailReauthCode,
  generateNewBackupCodes,
  reauthenticate,
  startAppSetup,
  viewOwnBackupCodes,
} from "@/app/(console)/profile/security/actions";
import { addAgent, issueBackupCode, resetTwoFactor, unlockPerson } from "@/app/(console)/settings/people/agents/actions";
import { savePolicy } from "@/app/(console)/settings/security/2fa-policy/actions";
import { NEEDS_OWN_SECOND_FACTOR, NEEDS_REAUTH } from "@/lib/action";
import { REAUTH_WINDOW_MS } from "@/lib/auth/reauth";
import { advanceClock, freezeClock, now } from "@/lib/clock";
import { beginAppSetup, confirmAppSetup } from "@/lib/two-factor/app-method";
import { generateBackupCodes } from "@/lib/two-factor/backup-codes";
import { beginEmailSetup, confirmEmailSetup } from "@/lib/two-factor/email-method";
import { totpCodeAt } from "@/lib/two-factor/totp";
import { TEST_PASSWORD, createTestUser, createUserSession, resetDatabase } from "../support/db";
import { holdSessionCookie } from "../support/session-cookie";
import { jar } from "../support/next-headers";
import { form } from "../support/form";

vi.mock("next/headers", async () => (await import("../support/session-cookie")).nextHeadersWithJar());
vi.mock("next/cache", () => ({ revalidatePath: () => {} }));
vi.hoisted(() => {
  process.env.__NEXT_EXPERIMENTAL_AUTH_INTERRUPTS = "true";
});

const context = { ip: "203.0.113.9", userAgent: "vitest" };

async function withApp(user: User): Promise<{ user: User; secret: string }> {
  const db = await getDb();
  const { secret } = await beginAppSetup(db, user);
  expect(await confirmAppSetup(db, user.id, totpCodeAt(secret, now()), context)).toMatchObject({ ok: true });
  const [fresh] = await db.select().from(users).where(eq(users.id, user.id));
  return { user: fresh, secret };
}

/** Signs `user` in on the jar's browser; the session's window then goes stale. */
async function staleSession(user: User, provedBy?: "password" | "second_factor"): Promise<string> {
  const sessionId = await createUserSession(user.id, context, provedBy);
  await holdSessionCookie(user, sessionId);
  advanceClock(REAUTH_WINDOW_MS + 1000);
  return sessionId;
}

async function counts() {
  const db = await getDb();
  const [people] = await db.select({ n: count() }).from(users);
  const [codes] = await db.select({ n: count() }).from(backupCodes);
  const [adminCodes] = await db.select({ n: count() }).from(adminBackupCodes);
  const [methods] = await db.select({ n: count() }).from(twoFactorMethods);
  const [locked] = await db.select({ n: count() }).from(users).where(eq(users.status, "locked"));
  const [policy] = await db.select({ mode: settings.twoFactorMode }).from(settings);
  return { people: people.n, codes: codes.n, adminCodes: adminCodes.n, methods: methods.n, locked: locked.n, policy: policy.mode };
}

beforeEach(async () => {
  await resetDatabase();
  jar.clear();
  freezeClock(new Date("2030-05-01T09:00:05Z"));
});

describe("finding 1: the password alone does not confirm an account that has a second factor", () => {
  it("a stolen session with the password cannot confirm, so it cannot mint backup codes", async () => {
    const { user } = await withApp(await createTestUser());
    await staleSession(user);
    const before = await counts();
    const answer = await reauthenticate(form({ method: "password", password: TEST_PASSWORD }));
    expect(answer).toMatchObject({ ok: false });
    expect(await generateNewBackupCodes()).toEqual(NEEDS_REAUTH);
    expect(await counts()).toEqual(before);
  });

  it("the backup codes are shown again only after a step-up with the second factor, and each view is emailed", async () => {
    const db = await getDb();
    const { user, secret } = await withApp(await createTestUser());
    const codes = await generateBackupCodes(db, user.id, context);
    const [fresh] = await db.select().from(users).where(eq(users.id, user.id));
    await holdSessionCookie(fresh, await createUserSession(user.id, context, "password"));
    // A session the password alone opened (a phished password and a stolen cookie) sees nothing.
    expect(await viewOwnBackupCodes()).toEqual(NEEDS_REAUTH);
    expect(await reauthenticate(form({ method: "password", password: TEST_PASSWORD }))).toMatchObject({ ok: false });
    expect(await viewOwnBackupCodes()).toEqual(NEEDS_REAUTH);
    // The next step's code: the one that confirmed the app is spent.
    advanceClock(30_000);
    expect(await reauthenticate(form({ method: "code", code: totpCodeAt(secret, now()) }))).toEqual({ ok: true });
    const shown = await viewOwnBackupCodes();
    expect(shown).toMatchObject({ ok: true, kind: "codes" });
    if (!shown.ok || !("codes" in shown)) throw new Error("no codes");
    expect(shown.codes.map((entry) => entry.code)).toEqual(codes);
    const [mail] = await db.select().from(outboxMessages).where(eq(outboxMessages.subject, "Your backup codes were viewed"));
    expect(mail?.to).toBe(user.email);
    expect(mail.text).not.toContain(shown.codes[0].code);
  });

  it("a window the password opened (a sign-in that skipped the code) does not count once a method is on", async () => {
    const { user } = await withApp(await createTestUser());
    await holdSessionCookie(user, await createUserSession(user.id, context, "password"));
    expect(await generateNewBackupCodes()).toEqual(NEEDS_REAUTH);
  });

  it("a current code confirms, and then the same call goes through", async () => {
    const { user, secret } = await withApp(await createTestUser());
    await staleSession(user);
    expect(await reauthenticate(form({ method: "code", code: totpCodeAt(secret, now()) }))).toEqual({ ok: true });
    expect(await generateNewBackupCodes()).toMatchObject({ ok: true, backupCodes: expect.any(Array) });
  });

  it("a backup code confirms and is used up", async () => {
    const { user } = await withApp(await createTestUser());
    await holdSessionCookie(user, await createUserSession(user.id, context));
    const minted = await generateNewBackupCodes();
    if (!minted.ok || !("backupCodes" in minted)) throw new Error("no codes");
    advanceClock(REAUTH_WINDOW_MS + 1000);
    const code = minted.backupCodes[0];
    expect(await reauthenticate(form({ method: "backup", code }))).toEqual({ ok: true });
    advanceClock(REAUTH_WINDOW_MS + 1000);
    expect(await reauthenticate(form({ method: "backup", code }))).toMatchObject({ ok: false, error: "Invalid backup code." });
  });

  it("setting up the first method needs a recent step-up, and the code that confirms it counts as the second factor's", async () => {
    const user = await createTestUser();
    await staleSession(user, "password");
    expect(await startAppSetup()).toEqual(NEEDS_REAUTH);
    expect(await reauthenticate(form({ method: "password", password: TEST_PASSWORD }))).toEqual({ ok: true });
    const started = await startAppSetup();
    if (!started.ok || !("secret" in started)) throw new Error("setup refused");
    expect(await confirmAppMethod(form({ code: totpCodeAt(started.secret, now()) }))).toMatchObject({ ok: true });
    // The session version went up; the jar holds the refreshed cookie, and the window is the second factor's.
    expect(await generateNewBackupCodes()).toMatchObject({ ok: true });
  });

  it("offers no emailed code the policy would refuse: a code that cannot be right must not count toward the lock", async () => {
    const db = await getDb();
    const { user } = await withApp(await createTestUser());
    const setup = await beginEmailSetup(db, user.id);
    if (!setup.ok) throw new Error("setup code refused");
    await confirmEmailSetup(db, user.id, setup.code, context);
    await db.update(settings).set({ allowEmailMethod: false });
    const [fresh] = await db.select().from(users).where(eq(users.id, user.id));
    await staleSession(fresh);
    const [before] = await db.select({ n: count() }).from(outboxMessages);
    expect(await emailReauthCode()).toMatchObject({ ok: false, error: "Email authentication is not on." });
    const [after] = await db.select({ n: count() }).from(outboxMessages);
    expect(after.n).toBe(before.n);
  });

  it("the password still confirms an account with no method", async () => {
    const user = await createTestUser();
    await staleSession(user);
    expect(await reauthenticate(form({ method: "password", password: TEST_PASSWORD }))).toEqual({ ok: true });
  });
});

describe("finding 2: admin rescues need the admin's own second factor, confirmed within 10 minutes", () => {
  let admin: User;
  let agent: User;
  let secret: string;

  beforeEach(async () => {
    ({ user: admin, secret } = await withApp(await createTestUser({ role: "admin" })));
    ({ user: agent } = await withApp(await createTestUser()));
    await (await getDb()).update(users).set({ status: "locked" }).where(eq(users.id, agent.id));
  });

  const rescues = () =>
    [
      [
        "a new admin",
        () =>
          addAgent(
            form({ name: "Mallory", email: "mallory@example.com", username: "mallory", password: "mallory-password-1", role: "admin" }),
          ),
      ],
      ["a one-time code", () => issueBackupCode(form({ userId: agent.id }))],
      ["an unlock", () => unlockPerson(form({ userId: agent.id }))],
      ["a 2FA reset", () => resetTwoFactor(form({ userId: agent.id }))],
      ["the policy", () => savePolicy(form({ mode: "skip_allowed", skipDays: "90", allowEmailMethod: "on" }))],
    ] as const;

  it("a hijacked admin session with a stale confirmation is asked again for each, and nothing changes", async () => {
    await staleSession(admin);
    const before = await counts();
    for (const [, rescue] of rescues()) expect(await rescue()).toEqual(NEEDS_REAUTH);
    expect(await counts()).toEqual(before);
  });

  it("a window the password opened is not enough either", async () => {
    await holdSessionCookie(admin, await createUserSession(admin.id, context, "password"));
    const before = await counts();
    for (const [, rescue] of rescues()) expect(await rescue()).toEqual(NEEDS_REAUTH);
    expect(await counts()).toEqual(before);
  });

  it("a new admin without a second factor, while another admin has one, is refused outright (403)", async () => {
    const plain = await createTestUser({ role: "admin" });
    await holdSessionCookie(plain, await createUserSession(plain.id, context));
    const before = await counts();
    for (const [, rescue] of rescues()) await expect(rescue()).rejects.toThrow(/NEXT_HTTP_ERROR_FALLBACK;403/);
    expect(await counts()).toEqual(before);
  });

  it("at the first run (no admin has a second factor), the admin is told to set one up, and nothing changes", async () => {
    const db = await getDb();
    await db.delete(twoFactorMethods).where(eq(twoFactorMethods.userId, admin.id));
    const [first] = await db.select().from(users).where(eq(users.id, admin.id));
    await holdSessionCookie(first, await createUserSession(first.id, context));
    const before = await counts();
    for (const [, rescue] of rescues()) expect(await rescue()).toMatchObject({ ok: false, error: NEEDS_OWN_SECOND_FACTOR });
    expect(await counts()).toEqual(before);
  });

  it("after a code, each rescue goes through", async () => {
    await staleSession(admin);
    expect(await reauthenticate(form({ method: "code", code: totpCodeAt(secret, now()) }))).toEqual({ ok: true });
    for (const [what, rescue] of rescues()) expect(await rescue(), what).toMatchObject({ ok: true });
  });

  it("adding an agent needs a confirmation too, with the password while the admin has no method (the first run)", async () => {
    const first = await createTestUser({ role: "admin" });
    await (await getDb()).delete(twoFactorMethods);
    await staleSession(first);
    const newAgent = () =>
      addAgent(form({ name: "Ann", email: "ann@example.com", username: "ann", password: "ann-password-0001", role: "agent" }));
    expect(await newAgent()).toEqual(NEEDS_REAUTH);
    expect(await reauthenticate(form({ method: "password", password: TEST_PASSWORD }))).toEqual({ ok: true });
    expect(await newAgent()).toMatchObject({ ok: true });
    const events = await (await getDb()).select({ type: auditEvents.type }).from(auditEvents);
    expect(events.map((event) => event.type)).toContain("user.created");
  });
});
