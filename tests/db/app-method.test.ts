import { beforeEach, describe, expect, it } from "vitest";
import { and, eq, sql } from "drizzle-orm";
import { getDb } from "@/db/client";
import { rowsOf } from "@/db/sql";
import { auditEvents, trustedBrowsers, twoFactorMethods, users, type User } from "@/db/schema";
import { addMs, advanceClock, DAY, freezeClock, now } from "@/lib/clock";
import { beginAppSetup, cancelAppSetup, confirmAppSetup } from "@/lib/two-factor/app-method";
import { verifySignInCode } from "../support/rules";
import { totpCodeAt } from "@/lib/two-factor/totp";
import { judgeCode } from "../support/judge-code";
import { createTestUser, resetDatabase } from "../support/db";

const context = { ip: "203.0.113.7", userAgent: "vitest" };
const STEP_MS = 30_000;
// Five seconds into a 30-second step, so moving by whole steps never lands on a boundary.
const START = new Date("2030-01-01T00:00:05Z");

const codeNow = (secret: string) => totpCodeAt(secret, now());
const wrongCode = (secret: string) => {
  // Neither the current code nor its neighbours, which the one-step skew would accept.
  const near = [-STEP_MS, 0, STEP_MS].map((ms) => totpCodeAt(secret, addMs(now(), ms)));
  return ["000000", "111111", "222222", "333333"].find((code) => !near.includes(code))!;
};

async function enableApp(user: User): Promise<string> {
  const db = await getDb();
  const { secret } = await beginAppSetup(db, user);
  expect(await confirmAppSetup(db, user.id, codeNow(secret), context)).toMatchObject({ ok: true });
  return secret;
}

/** The app method's state, read from its row. */
async function appMethodStatus(userId: string) {
  const db = await getDb();
  const [row] = await db
    .select()
    .from(twoFactorMethods)
    .where(and(eq(twoFactorMethods.userId, userId), eq(twoFactorMethods.kind, "app")));
  return { enabled: Boolean(row?.enabledAt), enabledAt: row?.enabledAt ?? null, pending: Boolean(row?.pendingSecretEncrypted) };
}

/** A sign-in code through the attempt rules, judged on its own (see judgeCode). */
const signInCode = (userId: string, code: string) => judgeCode(userId, { kind: "code", code }, context);

async function auditTypes() {
  const db = await getDb();
  return (await db.select().from(auditEvents).orderBy(auditEvents.id)).map((event) => event.type);
}

describe("setting up the authenticator app", () => {
  beforeEach(async () => {
    await resetDatabase();
    freezeClock(START);
  });

  it("enables the app only with a right code of the pending secret", async () => {
    const db = await getDb();
    const user = await createTestUser();
    const { secret, uri } = await beginAppSetup(db, user);
    expect(uri).toContain(`secret=${secret}`);
    expect(await appMethodStatus(user.id)).toEqual({ enabled: false, enabledAt: null, pending: true });

    expect(await confirmAppSetup(db, user.id, wrongCode(secret), context)).toEqual({ ok: false, reason: "invalid" });
    expect(await appMethodStatus(user.id)).toMatchObject({ enabled: false, pending: true });

    expect(await confirmAppSetup(db, user.id, codeNow(secret), context)).toEqual({ ok: true, firstMethod: true, wasReset: false });
    expect(await appMethodStatus(user.id)).toEqual({ enabled: true, enabledAt: START, pending: false });
  });

  it("refuses a confirmation when no setup is pending", async () => {
    const db = await getDb();
    const user = await createTestUser();
    expect(await confirmAppSetup(db, user.id, "123456", context)).toEqual({ ok: false, reason: "no_pending" });
    const secret = await enableApp(user);
    advanceClock(STEP_MS);
    expect(await confirmAppSetup(db, user.id, codeNow(secret), context)).toEqual({ ok: false, reason: "no_pending" });
  });

  it("a new setup replaces the pending secret: a code of the earlier one no longer confirms", async () => {
    const db = await getDb();
    const user = await createTestUser();
    const first = await beginAppSetup(db, user);
    const second = await beginAppSetup(db, user);
    expect(second.secret).not.toBe(first.secret);
    expect(await confirmAppSetup(db, user.id, codeNow(first.secret), context)).toEqual({ ok: false, reason: "invalid" });
    expect(await confirmAppSetup(db, user.id, codeNow(second.secret), context)).toMatchObject({ ok: true });
  });

  it("stores the secret only encrypted", async () => {
    const db = await getDb();
    const user = await createTestUser();
    const { secret } = await beginAppSetup(db, user);
    const rawColumns = async () =>
      rowsOf<Record<string, unknown>>(await db.execute(sql`select * from two_factor_methods`)).flatMap((row) =>
        Object.values(row).map((value) => String(value)),
      );
    const pendingColumns = await rawColumns();
    expect(pendingColumns.some((value) => value.startsWith("v1."))).toBe(true);
    expect(pendingColumns.join("|")).not.toContain(secret);

    await confirmAppSetup(db, user.id, codeNow(secret), context);
    const enabledColumns = await rawColumns();
    expect(enabledColumns.some((value) => value.startsWith("v1."))).toBe(true);
    expect(enabledColumns.join("|")).not.toContain(secret);
  });

  it("does not call the app the first method when email is already on", async () => {
    const db = await getDb();
    const user = await createTestUser();
    await db.insert(twoFactorMethods).values({ userId: user.id, kind: "email", enabledAt: now() });
    const { secret } = await beginAppSetup(db, user);
    expect(await confirmAppSetup(db, user.id, codeNow(secret), context)).toEqual({ ok: true, firstMethod: false, wasReset: false });
  });

  it("confirming raises the session version, revokes trusted browsers and is audited", async () => {
    const db = await getDb();
    const user = await createTestUser();
    const earlier = addMs(START, -DAY);
    await db.insert(trustedBrowsers).values([
      { userId: user.id, createdAt: earlier, expiresAt: addMs(START, 30 * DAY) },
      { userId: user.id, createdAt: earlier, expiresAt: addMs(START, 30 * DAY), revokedAt: earlier },
    ]);
    const bystander = await createTestUser();
    await db.insert(trustedBrowsers).values({ userId: bystander.id, createdAt: earlier, expiresAt: addMs(START, 30 * DAY) });

    const { secret } = await beginAppSetup(db, user);
    await confirmAppSetup(db, user.id, codeNow(secret), context);

    const [after] = await db.select().from(users).where(eq(users.id, user.id));
    expect(after.sessionVersion).toBe(user.sessionVersion + 1);
    const browsers = await db.select().from(trustedBrowsers).where(eq(trustedBrowsers.userId, user.id));
    expect(browsers.map((b) => b.revokedAt?.getTime()).sort()).toEqual([earlier.getTime(), START.getTime()]);
    const [untouched] = await db.select().from(trustedBrowsers).where(eq(trustedBrowsers.userId, bystander.id));
    expect(untouched.revokedAt).toBeNull();

    const events = await db.select().from(auditEvents);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      type: "two_factor.method_enabled",
      actorId: user.id,
      subjectId: user.id,
      ip: "203.0.113.7",
      userAgent: "vitest",
      details: { method: "app" },
    });
  });

  it("20 concurrent confirmations with the same code enable the app exactly once", async () => {
    const db = await getDb();
    const user = await createTestUser();
    const { secret } = await beginAppSetup(db, user);
    const code = codeNow(secret);
    const results = await Promise.all(Array.from({ length: 20 }, () => confirmAppSetup(db, user.id, code, context)));
    expect(results.filter((result) => result.ok)).toHaveLength(1);
    const [after] = await db.select().from(users).where(eq(users.id, user.id));
    expect(after.sessionVersion).toBe(user.sessionVersion + 1);
    expect(await auditTypes()).toEqual(["two_factor.method_enabled"]);
  });

  it("cancelling a first setup removes the method", async () => {
    const db = await getDb();
    const user = await createTestUser();
    const { secret } = await beginAppSetup(db, user);
    await cancelAppSetup(db, user.id);
    expect(await db.select().from(twoFactorMethods)).toHaveLength(0);
    expect(await confirmAppSetup(db, user.id, codeNow(secret), context)).toEqual({ ok: false, reason: "no_pending" });
  });
});

describe("resetting the authenticator app", () => {
  beforeEach(async () => {
    await resetDatabase();
    freezeClock(START);
  });

  it("keeps the old secret working until the new one is verified, then only the new one", async () => {
    const db = await getDb();
    const user = await createTestUser();
    const oldSecret = await enableApp(user);
    advanceClock(STEP_MS);
    const { secret: newSecret } = await beginAppSetup(db, user);
    expect(await appMethodStatus(user.id)).toEqual({ enabled: true, enabledAt: START, pending: true });
    expect(await signInCode(user.id, codeNow(oldSecret))).toBe("app");
    expect(await signInCode(user.id, codeNow(newSecret))).toBe("invalid");

    advanceClock(STEP_MS);
    expect(await confirmAppSetup(db, user.id, codeNow(newSecret), context)).toEqual({ ok: true, firstMethod: false, wasReset: true });
    expect(await appMethodStatus(user.id)).toEqual({ enabled: true, enabledAt: START, pending: false });
    expect(await auditTypes()).toEqual(["two_factor.method_enabled", "two_factor.code_failed", "two_factor.method_reset"]);

    advanceClock(STEP_MS);
    expect(await signInCode(user.id, codeNow(oldSecret))).toBe("invalid");
    expect(await signInCode(user.id, codeNow(newSecret))).toBe("app");
  });

  it("cancelling a reset keeps the enabled secret", async () => {
    const db = await getDb();
    const user = await createTestUser();
    const oldSecret = await enableApp(user);
    const { secret: newSecret } = await beginAppSetup(db, user);
    await cancelAppSetup(db, user.id);
    expect(await appMethodStatus(user.id)).toEqual({ enabled: true, enabledAt: START, pending: false });
    advanceClock(STEP_MS);
    expect(await confirmAppSetup(db, user.id, codeNow(newSecret), context)).toEqual({ ok: false, reason: "no_pending" });
    expect(await signInCode(user.id, codeNow(oldSecret))).toBe("app");
  });
});

describe("signing in with an authenticator app code", () => {
  beforeEach(async () => {
    await resetDatabase();
    freezeClock(START);
  });

  it("refuses codes while the app is only being set up", async () => {
    const db = await getDb();
    const user = await createTestUser();
    expect(await signInCode(user.id, "123456")).toBe("uncounted");
    const { secret } = await beginAppSetup(db, user);
    expect(await signInCode(user.id, codeNow(secret))).toBe("uncounted");
  });

  it("the code that confirmed setup cannot then be used to sign in", async () => {
    const db = await getDb();
    const user = await createTestUser();
    const { secret } = await beginAppSetup(db, user);
    const code = codeNow(secret);
    await confirmAppSetup(db, user.id, code, context);
    expect(await signInCode(user.id, code)).toBe("replayed");
  });

  it("accepts a code once, and refuses an earlier step afterwards", async () => {
    const user = await createTestUser();
    const secret = await enableApp(user);
    advanceClock(2 * STEP_MS);
    const previousStepCode = totpCodeAt(secret, addMs(now(), -STEP_MS));
    const code = codeNow(secret);

    expect(await signInCode(user.id, code)).toBe("app");
    expect(await signInCode(user.id, code)).toBe("replayed");
    // Within the skew window, so only the replay guard refuses it.
    expect(await signInCode(user.id, previousStepCode)).toBe("replayed");

    advanceClock(STEP_MS);
    expect(await signInCode(user.id, code)).toBe("replayed");
    expect(await signInCode(user.id, codeNow(secret))).toBe("app");
  });

  it("refuses a wrong code without spending the step", async () => {
    const user = await createTestUser();
    const secret = await enableApp(user);
    advanceClock(STEP_MS);
    expect(await signInCode(user.id, wrongCode(secret))).toBe("invalid");
    expect(await signInCode(user.id, "12345")).toBe("invalid");
    expect(await signInCode(user.id, codeNow(secret))).toBe("app");
  });

  it("20 concurrent submissions of the same code succeed exactly once", async () => {
    const db = await getDb();
    const user = await createTestUser();
    const secret = await enableApp(user);
    advanceClock(STEP_MS);
    const code = codeNow(secret);
    const results = await Promise.all(Array.from({ length: 20 }, () => verifySignInCode(db, user.id, { kind: "code", code }, context)));
    expect(results.filter((result) => result.kind === "ok")).toHaveLength(1);
    // The attempts run one at a time: the first is accepted; the replay guard refuses the next three
    // (the third of them starts the five-minute wait), and the wait refuses the rest without a look.
    expect(results.filter((result) => result.kind === "invalid")).toHaveLength(2);
    expect(results.filter((result) => result.kind === "wait")).toHaveLength(17);
    const refusals = await db.select().from(auditEvents).orderBy(auditEvents.id);
    expect(refusals.filter((event) => event.type === "two_factor.code_replayed")).toHaveLength(3);
    expect(refusals.filter((event) => event.type === "two_factor.code_failed")).toHaveLength(3);
  });

  it("audits a refused replay, without the code", async () => {
    const db = await getDb();
    const user = await createTestUser();
    const secret = await enableApp(user);
    advanceClock(STEP_MS);
    const code = codeNow(secret);
    expect(await signInCode(user.id, code)).toBe("app");
    expect(await signInCode(user.id, code)).toBe("replayed");

    const replays = await db.select().from(auditEvents).where(eq(auditEvents.type, "two_factor.code_replayed"));
    expect(replays).toHaveLength(1);
    expect(replays[0]).toMatchObject({ subjectId: user.id, ip: "203.0.113.7", userAgent: "vitest", details: { method: "app" } });
    expect(JSON.stringify(await db.select().from(auditEvents))).not.toContain(code);
  });
});
