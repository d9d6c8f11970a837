// Admins told of locks (issue 12, item 4): when an account is locked by the fifth wrong code, at the
// sign-in's code step or in "Confirm it's you", every other active admin gets "An account was locked"
// with the person's name, the time, the IP address and a link to Agents, where "Unlock" is. The
// person gets their own "Your account is locked", never the admins' notice.
import { and, eq } from "drizzle-orm";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { getDb } from "@/db/client";
import { outboxMessages, users, type User } from "@/db/schema";
import { reauthenticate } from "@/app/(console)/profile/security/actions";
import { codeStep } from "@/lib/auth/sign-in-flow";
import { addMs, advanceClock, freezeClock, now } from "@/lib/clock";
import { beginAppSetup, confirmAppSetup } from "@/lib/two-factor/app-method";
import { totpCodeAt } from "@/lib/two-factor/totp";
import { codeAttemptState, createTestUser, createUserSession, resetDatabase } from "../support/db";
import { form } from "../support/form";
import { CLIENT_ADDRESS, jar } from "../support/next-headers";
import { holdSessionCookie } from "../support/session-cookie";
import { challengeFor } from "../support/sign-in";

vi.mock("next/headers", async () => (await import("../support/session-cookie")).nextHeadersWithJar());
vi.mock("next/cache", () => ({ revalidatePath: () => {} }));

const context = { ip: "198.51.100.90", userAgent: "vitest" };
const T0 = new Date("2030-03-01T08:00:05Z");
const STEP_MS = 30_000;
const LOCKED_NOTICE = "An account was locked";

async function withApp(role: User["role"] = "agent"): Promise<{ user: User; secret: string }> {
  const db = await getDb();
  const user = await createTestUser({ role });
  const { secret } = await beginAppSetup(db, user);
  expect(await confirmAppSetup(db, user.id, totpCodeAt(secret, now()), context)).toMatchObject({ ok: true });
  advanceClock(STEP_MS);
  // Turning the method on raised the session version: the row as it is now.
  const [row] = await db.select().from(users).where(eq(users.id, user.id));
  return { user: row, secret };
}

/** Neither the current code nor its neighbours, which the one-step skew would accept. */
function wrongCode(secret: string): string {
  const near = [-STEP_MS, 0, STEP_MS].map((ms) => totpCodeAt(secret, addMs(now(), ms)));
  return ["000000", "111111", "222222", "333333"].find((code) => !near.includes(code))!;
}

/** Waits out the five-minute wait the attempt rules set after some wrong codes, if one is running. */
async function waitIfAsked(userId: string): Promise<void> {
  const { retryAt } = await codeAttemptState(userId);
  if (retryAt) advanceClock(retryAt.getTime() - now().getTime());
}

async function mail(subject: string) {
  const db = await getDb();
  return db.select().from(outboxMessages).where(eq(outboxMessages.subject, subject)).orderBy(outboxMessages.id);
}

async function mailTo(to: string, subject: string) {
  const db = await getDb();
  return db
    .select()
    .from(outboxMessages)
    .where(and(eq(outboxMessages.to, to), eq(outboxMessages.subject, subject)));
}

async function status(userId: string) {
  const [row] = await (await getDb()).select({ status: users.status }).from(users).where(eq(users.id, userId));
  return row.status;
}

describe("admins told of locks", () => {
  let admins: User[];
  let disabledAdmin: User;
  beforeEach(async () => {
    await resetDatabase();
    jar.clear();
    freezeClock(T0);
    const db = await getDb();
    admins = [await createTestUser({ role: "admin" }), await createTestUser({ role: "admin" })];
    disabledAdmin = await createTestUser({ role: "admin" });
    await db.update(users).set({ status: "disabled" }).where(eq(users.id, disabledAdmin.id));
  });

  it("the fifth wrong code at sign-in emails every other active admin, once, and the person their own notice", async () => {
    const db = await getDb();
    const { user, secret } = await withApp();
    for (let i = 1; i <= 4; i++) {
      await waitIfAsked(user.id);
      const result = await codeStep(
        db,
        await challengeFor(user, context),
        { kind: "code", code: wrongCode(secret), remember: false },
        context,
      );
      expect(result.kind).not.toBe("locked");
      expect(await mail(LOCKED_NOTICE)).toHaveLength(0);
    }
    await waitIfAsked(user.id);
    const lockedAt = now();
    const claim = await challengeFor(user, context);
    expect(await codeStep(db, claim, { kind: "code", code: wrongCode(secret), remember: false }, context)).toEqual({ kind: "locked" });
    expect(await status(user.id)).toBe("locked");

    const notices = await mail(LOCKED_NOTICE);
    expect(notices.map((notice) => notice.to).sort()).toEqual(admins.map((admin) => admin.email).sort());
    for (const notice of notices) {
      expect(notice.text).toContain(`${user.name} (${user.email}) was locked out`);
      expect(notice.text).toContain(`Time: ${lockedAt.toISOString().slice(0, 16).replace("T", " ")} UTC`);
      expect(notice.text).toContain(`IP address: ${context.ip}`);
      expect(notice.text).toContain(`/settings/people/agents?q=${encodeURIComponent(user.email)}`);
    }
    expect(await mailTo(disabledAdmin.email, LOCKED_NOTICE)).toHaveLength(0);
    expect(await mailTo(user.email, LOCKED_NOTICE)).toHaveLength(0);
    expect(await mailTo(user.email, "Your account is locked")).toHaveLength(1);

    // Another code on the locked account tells nobody again.
    expect(await codeStep(db, claim, { kind: "code", code: totpCodeAt(secret, now()), remember: false }, context)).toEqual({
      kind: "locked",
    });
    expect(await mail(LOCKED_NOTICE)).toHaveLength(2);
  });

  it("an admin locked in Confirm it's you is not told as an admin; the other active admins are", async () => {
    const { user: admin, secret } = await withApp("admin");
    await holdSessionCookie(admin, await createUserSession(admin.id, context));
    for (let i = 1; i <= 5; i++) {
      await waitIfAsked(admin.id);
      const result = await reauthenticate(form({ method: "code", code: wrongCode(secret) }));
      expect(result).toMatchObject({ ok: false });
      if (i < 5) expect(await mail(LOCKED_NOTICE)).toHaveLength(0);
      else expect(result).toMatchObject({ error: "Your account has been locked. Ask an admin to unlock it." });
    }
    expect(await status(admin.id)).toBe("locked");

    const notices = await mail(LOCKED_NOTICE);
    expect(notices.map((notice) => notice.to).sort()).toEqual(admins.map((other) => other.email).sort());
    for (const notice of notices) {
      expect(notice.text).toContain(`${admin.name} (${admin.email}) was locked out`);
      expect(notice.text).toContain(`IP address: ${CLIENT_ADDRESS}`);
    }
    expect(await mailTo(admin.email, "Your account is locked")).toHaveLength(1);
  });

  it("with no other active admin, the lock is still the person's own news only", async () => {
    const db = await getDb();
    for (const admin of admins) await db.update(users).set({ status: "locked" }).where(eq(users.id, admin.id));
    const { user, secret } = await withApp();
    let last;
    for (let i = 1; i <= 5; i++) {
      await waitIfAsked(user.id);
      last = await codeStep(db, await challengeFor(user, context), { kind: "code", code: wrongCode(secret), remember: false }, context);
    }
    expect(last).toEqual({ kind: "locked" });
    expect(await mail(LOCKED_NOTICE)).toHaveLength(0);
    expect(await mailTo(user.email, "Your account is locked")).toHaveLength(1);
  });
});
