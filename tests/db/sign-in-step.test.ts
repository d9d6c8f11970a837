import { beforeEach, describe, expect, it } from "vitest";
import { desc, eq } from "drizzle-orm";
import { getDb } from "@/db/client";
import { emailCodes, settings, users, type User } from "@/db/schema";
import { passwordStep, type TrustedBrowserClaim } from "@/lib/auth/sign-in-flow";
import { DAY, advanceClock, freezeClock, now } from "@/lib/clock";
import { issueAdminBackupCode } from "@/lib/two-factor/admin-codes";
import { beginAppSetup, confirmAppSetup } from "@/lib/two-factor/app-method";
import { generateBackupCodes } from "@/lib/two-factor/backup-codes";
import { issueEmailCode } from "@/lib/two-factor/email-codes";
import { beginEmailSetup, confirmEmailSetup } from "@/lib/two-factor/email-method";
import { verifySignInCode } from "../support/rules";
import { turnOffMethod } from "@/lib/two-factor/methods";
import { trustBrowser } from "../support/rules";
import { totpCodeAt } from "@/lib/two-factor/totp";
import { TEST_PASSWORD, createTestUser, resetDatabase } from "../support/db";

const context = { ip: "203.0.113.9", userAgent: "vitest" };
const STEP_MS = 30_000;
const START = new Date("2030-03-01T08:00:05Z");

async function enableApp(user: User): Promise<string> {
  const db = await getDb();
  const { secret } = await beginAppSetup(db, user);
  expect(await confirmAppSetup(db, user.id, totpCodeAt(secret, now()), context)).toMatchObject({ ok: true });
  advanceClock(STEP_MS);
  return secret;
}

async function enableEmail(user: User) {
  const db = await getDb();
  const begun = await beginEmailSetup(db, user.id);
  if (!begun.ok) throw new Error(begun.reason);
  expect(await confirmEmailSetup(db, user.id, begun.code, context)).toMatchObject({ ok: true });
}

async function allowSkipping(days = 30) {
  const db = await getDb();
  await db.update(settings).set({ twoFactorMode: "skip_allowed", skipDays: days }).where(eq(settings.id, 1));
}

/** The password step with the right password, as it answers. */
async function stepAfterPassword(user: User, trusted: TrustedBrowserClaim | null) {
  const result = await passwordStep(await getDb(), { account: user.username, password: TEST_PASSWORD }, context, trusted);
  if (result.kind === "signed_in") return { kind: result.kind, via: result.via };
  if (result.kind === "challenge") return { kind: result.kind, methods: result.methods };
  return result;
}

async function failures(userId: string) {
  const db = await getDb();
  const [row] = await db.select({ n: users.failedCodeAttempts }).from(users).where(eq(users.id, userId));
  return row.n;
}

describe("the step after a right password", () => {
  beforeEach(async () => {
    await resetDatabase();
    freezeClock(START);
  });

  it("completes sign-in for a user without 2FA", async () => {
    const user = await createTestUser();
    expect(await stepAfterPassword(user, null)).toEqual({ kind: "signed_in", via: "no_two_factor" });
  });

  it("does not count a method whose setup was never confirmed", async () => {
    const db = await getDb();
    const user = await createTestUser();
    await beginAppSetup(db, user);
    expect(await stepAfterPassword(user, null)).toEqual({ kind: "signed_in", via: "no_two_factor" });
  });

  it("asks a user with 2FA for a code, naming their methods", async () => {
    const user = await createTestUser();
    await enableEmail(user);
    expect(await stepAfterPassword(user, null)).toEqual({ kind: "challenge", methods: ["email"] });
    await enableApp(user);
    expect(await stepAfterPassword(user, null)).toEqual({ kind: "challenge", methods: ["app", "email"] });
  });

  it("completes sign-in on a trusted browser the policy honours", async () => {
    const db = await getDb();
    const user = await createTestUser();
    await enableApp(user);
    await allowSkipping();
    const browser = await trustBrowser(db, user.id, 30, context);
    advanceClock(DAY);
    expect(await stepAfterPassword(user, { browserId: browser.id, userId: user.id })).toEqual({
      kind: "signed_in",
      via: "trusted_browser",
    });
  });

  it("asks for a code on a trusted browser under Every login", async () => {
    const db = await getDb();
    const user = await createTestUser();
    await enableApp(user);
    await allowSkipping();
    const browser = await trustBrowser(db, user.id, 30, context);
    await db.update(settings).set({ twoFactorMode: "every_login" }).where(eq(settings.id, 1));
    expect(await stepAfterPassword(user, { browserId: browser.id, userId: user.id })).toMatchObject({ kind: "challenge" });
  });

  it("asks for a code on a browser another user trusted", async () => {
    const db = await getDb();
    const owner = await createTestUser();
    const other = await createTestUser();
    await enableApp(owner);
    await enableApp(other);
    await allowSkipping();
    const browser = await trustBrowser(db, owner.id, 30, context);
    // The owner's cookie as it is, and the same browser id claimed for the other user.
    expect(await stepAfterPassword(other, { browserId: browser.id, userId: owner.id })).toMatchObject({ kind: "challenge" });
    expect(await stepAfterPassword(other, { browserId: browser.id, userId: other.id })).toMatchObject({ kind: "challenge" });
  });
});

describe("checking a sign-in code", () => {
  beforeEach(async () => {
    await resetDatabase();
    freezeClock(START);
  });

  it("accepts the app's current code and says so", async () => {
    const db = await getDb();
    const user = await createTestUser();
    const secret = await enableApp(user);
    expect(await verifySignInCode(db, user.id, { kind: "code", code: totpCodeAt(secret, now()) }, context)).toEqual({
      kind: "ok",
      method: "app",
    });
  });

  it("accepts a mailed sign-in code once, next to the app", async () => {
    const db = await getDb();
    const user = await createTestUser();
    await enableApp(user);
    await enableEmail(user);
    advanceClock(2 * 60_000);
    const sent = await issueEmailCode(db, user.id, "sign_in");
    if (!sent.ok) throw new Error(sent.reason);
    expect(await verifySignInCode(db, user.id, { kind: "code", code: sent.code }, context)).toEqual({ kind: "ok", method: "email" });
    expect((await verifySignInCode(db, user.id, { kind: "code", code: sent.code }, context)).kind).toBe("invalid");
  });

  it("refuses an email setup code at sign-in", async () => {
    const db = await getDb();
    const user = await createTestUser();
    await enableApp(user);
    await enableEmail(user);
    advanceClock(2 * 60_000);
    const setup = await beginEmailSetup(db, user.id);
    if (!setup.ok) throw new Error(setup.reason);
    expect((await verifySignInCode(db, user.id, { kind: "code", code: setup.code }, context)).kind).toBe("invalid");
    // Still usable for what it was sent for.
    const [row] = await db.select().from(emailCodes).where(eq(emailCodes.purpose, "setup")).orderBy(desc(emailCodes.sentAt)).limit(1);
    expect(row.usedAt).toBeNull();
  });

  it("refuses an app code once the app was turned off", async () => {
    const db = await getDb();
    const user = await createTestUser();
    const secret = await enableApp(user);
    await enableEmail(user);
    await turnOffMethod(db, user.id, "app", context);
    expect((await verifySignInCode(db, user.id, { kind: "code", code: totpCodeAt(secret, now()) }, context)).kind).toBe("invalid");
  });

  it("accepts a backup code once, whatever its case, spaces and dash", async () => {
    const db = await getDb();
    const user = await createTestUser();
    await enableApp(user);
    const [code] = await generateBackupCodes(db, user.id, context);
    const typed = ` ${code.toUpperCase().replace("-", " - ")} `;
    expect(await verifySignInCode(db, user.id, { kind: "backup", code: typed }, context)).toEqual({ kind: "ok", method: "backup_code" });
    expect((await verifySignInCode(db, user.id, { kind: "backup", code }, context)).kind).toBe("invalid");
  });

  it("accepts an admin-issued code once, in the backup-code field only", async () => {
    const db = await getDb();
    const admin = await createTestUser({ role: "admin" });
    const user = await createTestUser();
    await enableApp(user);
    const { code } = await issueAdminBackupCode(db, { userId: user.id, issuedBy: admin.id, context });
    expect((await verifySignInCode(db, user.id, { kind: "code", code }, context)).kind).toBe("invalid");
    expect(await verifySignInCode(db, user.id, { kind: "backup", code }, context)).toEqual({ kind: "ok", method: "admin_backup_code" });
    expect((await verifySignInCode(db, user.id, { kind: "backup", code }, context)).kind).toBe("invalid");
  });

  it("refuses another user's backup code and counts it as a failure", async () => {
    const db = await getDb();
    const user = await createTestUser();
    const other = await createTestUser();
    await enableApp(user);
    await enableApp(other);
    const [theirs] = await generateBackupCodes(db, other.id, context);
    expect(await verifySignInCode(db, user.id, { kind: "backup", code: theirs }, context)).toEqual({ kind: "invalid", failures: 1 });
    expect(await failures(user.id)).toBe(1);
  });

  it("counts a malformed code as a failure", async () => {
    const db = await getDb();
    const user = await createTestUser();
    await enableApp(user);
    expect((await verifySignInCode(db, user.id, { kind: "code", code: "１２３４５６" }, context)).kind).toBe("invalid");
    expect((await verifySignInCode(db, user.id, { kind: "backup", code: "not a code" }, context)).kind).toBe("invalid");
    expect(await failures(user.id)).toBe(2);
  });
});

describe("methods a sign-in may use when the admin allows only the app", () => {
  beforeEach(async () => {
    await resetDatabase();
    freezeClock(START);
    const db = await getDb();
    await db.update(settings).set({ allowEmailMethod: false }).where(eq(settings.id, 1));
  });

  it("a user with the app and email is asked for the app only, and an email code is refused", async () => {
    const db = await getDb();
    const user = await createTestUser();
    await enableEmail(user);
    await enableApp(user);
    expect(await stepAfterPassword(user, null)).toEqual({ kind: "challenge", methods: ["app"] });
    advanceClock(2 * 60_000);
    const issued = await issueEmailCode(db, user.id, "sign_in");
    if (!issued.ok) throw new Error(issued.reason);
    expect((await verifySignInCode(db, user.id, { kind: "code", code: issued.code }, context)).kind).toBe("invalid");
  });

  it("a user with email only may still sign in with it, to set the app up afterwards", async () => {
    const db = await getDb();
    const user = await createTestUser();
    await enableEmail(user);
    expect(await stepAfterPassword(user, null)).toEqual({ kind: "challenge", methods: ["email"] });
    advanceClock(2 * 60_000);
    const issued = await issueEmailCode(db, user.id, "sign_in");
    if (!issued.ok) throw new Error(issued.reason);
    expect((await verifySignInCode(db, user.id, { kind: "code", code: issued.code }, context)).kind).toBe("ok");
  });
});
