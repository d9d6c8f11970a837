import { beforeEach, describe, expect, it } from "vitest";
import { sql } from "drizzle-orm";
import { getDb } from "@/db/client";
import { rowsOf } from "@/db/sql";
import { emailCodes, twoFactorMethods } from "@/db/schema";
import { HOUR, MINUTE, advanceClock, freezeClock, now } from "@/lib/clock";
import { hashCode } from "@/lib/crypto";
import {
  EMAIL_CODE_LIFETIME_MS,
  HOURLY_CAP,
  RESEND_COOLDOWN_MS,
  consumeEmailCode,
  issueEmailCode,
  type EmailCodePurpose,
} from "@/lib/two-factor/email-codes";
import { emailCodeCooldown } from "../support/rules";
import { verifySignInCode } from "../support/rules";
import { judgeCode } from "../support/judge-code";
import { createTestUser, resetDatabase } from "../support/db";

const context = { ip: "192.0.2.44", userAgent: "vitest" };
const T0 = new Date("2030-01-01T09:00:00.000Z");

/** A user with the email method on, so that a sign-in code reaches the check. */
async function emailUser() {
  const db = await getDb();
  const user = await createTestUser();
  await db.insert(twoFactorMethods).values({ userId: user.id, kind: "email", enabledAt: now() });
  return user;
}

/**
 * Whether the code is accepted where the product checks it: a sign-in code by the code step's attempt
 * rules (judged on its own, see judgeCode), a setup code by consumeEmailCode (the email method's setup).
 */
async function tryCode(userId: string, purpose: EmailCodePurpose, code: string): Promise<boolean> {
  if (purpose === "setup") return consumeEmailCode(await getDb(), userId, purpose, code);
  return (await judgeCode(userId, { kind: "code", code }, context)) === "email";
}

async function issued(userId: string, purpose: "sign_in" | "setup" = "sign_in") {
  const result = await issueEmailCode(await getDb(), userId, purpose);
  if (!result.ok) throw new Error(`expected a code, got ${result.reason}`);
  return result;
}

function otherCode(code: string): string {
  return String((Number(code) + 1) % 1_000_000).padStart(6, "0");
}

describe("email codes", () => {
  beforeEach(async () => {
    await resetDatabase();
    freezeClock(T0);
  });

  it("a code is six digits and works once", async () => {
    const user = await emailUser();
    for (const purpose of ["sign_in", "setup"] as const) {
      const { code, expiresAt } = await issued(user.id, purpose);
      expect(code).toMatch(/^[0-9]{6}$/);
      expect(expiresAt).toEqual(new Date(T0.getTime() + 10 * MINUTE));
      expect(await tryCode(user.id, purpose, code)).toBe(true);
      expect(await tryCode(user.id, purpose, code)).toBe(false);
    }
  });

  it("a wrong code, another user's code or another purpose's code is refused", async () => {
    const user = await emailUser();
    const other = await emailUser();
    const { code } = await issued(user.id);
    expect(await tryCode(user.id, "sign_in", otherCode(code))).toBe(false);
    expect(await tryCode(other.id, "sign_in", code)).toBe(false);
    expect(await tryCode(user.id, "setup", code)).toBe(false);
    expect(await tryCode(user.id, "sign_in", code)).toBe(true);
  });

  it("a code works until ten minutes and not at ten minutes", async () => {
    const user = await emailUser();
    const first = await issued(user.id);
    advanceClock(EMAIL_CODE_LIFETIME_MS - 1);
    expect(await tryCode(user.id, "sign_in", first.code)).toBe(true);

    const second = await issued(user.id);
    advanceClock(EMAIL_CODE_LIFETIME_MS);
    expect(await tryCode(user.id, "sign_in", second.code)).toBe(false);
  });

  it("a new code ends the previous one of the same purpose only", async () => {
    const user = await emailUser();
    const setup = await issued(user.id, "setup");
    advanceClock(RESEND_COOLDOWN_MS);
    const first = await issued(user.id);
    advanceClock(RESEND_COOLDOWN_MS);
    const second = await issued(user.id);
    expect(await tryCode(user.id, "sign_in", first.code)).toBe(false);
    expect(await tryCode(user.id, "sign_in", second.code)).toBe(true);
    expect(await tryCode(user.id, "setup", setup.code)).toBe(true);
  });

  it("a resend waits 60 seconds after the last code of its purpose; another purpose need not wait", async () => {
    const db = await getDb();
    const user = await emailUser();
    const first = await issued(user.id);
    expect(await emailCodeCooldown(db, user.id)).toEqual({ retryAt: new Date(T0.getTime() + RESEND_COOLDOWN_MS) });

    advanceClock(RESEND_COOLDOWN_MS - 1);
    expect(await issueEmailCode(db, user.id, "sign_in")).toEqual({
      ok: false,
      reason: "cooldown",
      retryAt: new Date(T0.getTime() + RESEND_COOLDOWN_MS),
    });
    // A setup code just sent must not hold back the first sign-in code, and the reverse.
    expect((await issueEmailCode(db, user.id, "setup")).ok).toBe(true);
    expect((await issueEmailCode(db, user.id, "setup")).ok).toBe(false);
    // The refused resend did not end the code already sent.
    expect(await tryCode(user.id, "sign_in", first.code)).toBe(true);

    advanceClock(1);
    expect(await emailCodeCooldown(db, user.id)).toEqual({ retryAt: null });
    expect((await issueEmailCode(db, user.id, "sign_in")).ok).toBe(true);
  });

  it("at most five codes are sent in an hour", async () => {
    const db = await getDb();
    const user = await emailUser();
    for (let i = 0; i < HOURLY_CAP; i++) {
      await issued(user.id, i % 2 ? "setup" : "sign_in");
      advanceClock(RESEND_COOLDOWN_MS);
    }
    const capEnds = new Date(T0.getTime() + HOUR);
    expect(await issueEmailCode(db, user.id, "sign_in")).toEqual({ ok: false, reason: "hourly_cap", retryAt: capEnds });
    expect(await emailCodeCooldown(db, user.id)).toEqual({ retryAt: capEnds });

    advanceClock(capEnds.getTime() - T0.getTime() - HOURLY_CAP * RESEND_COOLDOWN_MS - 1);
    expect((await issueEmailCode(db, user.id, "sign_in")).ok).toBe(false);
    advanceClock(1);
    expect((await issueEmailCode(db, user.id, "sign_in")).ok).toBe(true);
  });

  it("20 concurrent sends produce exactly one code", async () => {
    const db = await getDb();
    const user = await emailUser();
    const results = await Promise.all(Array.from({ length: 20 }, () => issueEmailCode(db, user.id, "sign_in")));
    expect(results.filter((r) => r.ok)).toHaveLength(1);
    expect(results.filter((r) => !r.ok && r.reason === "cooldown")).toHaveLength(19);
    expect(await db.select().from(emailCodes)).toHaveLength(1);
  });

  it("20 concurrent submissions of one code succeed exactly once", async () => {
    const db = await getDb();
    const user = await emailUser();
    const signIn = await issued(user.id);
    const setup = await issued(user.id, "setup");
    const [signIns, setups] = await Promise.all([
      Promise.all(Array.from({ length: 20 }, () => verifySignInCode(db, user.id, { kind: "code", code: signIn.code }, context))),
      Promise.all(Array.from({ length: 20 }, () => consumeEmailCode(db, user.id, "setup", setup.code))),
    ]);
    expect(signIns.filter((result) => result.kind === "ok")).toEqual([{ kind: "ok", method: "email" }]);
    expect(setups.filter(Boolean)).toHaveLength(1);
  });

  it("the code is stored only as a keyed hash", async () => {
    const db = await getDb();
    const user = await emailUser();
    const { code } = await issued(user.id);
    const rows = rowsOf<Record<string, unknown>>(await db.execute(sql`select * from email_codes`));
    expect(rows).toHaveLength(1);
    expect(JSON.stringify(rows)).not.toContain(code);
    expect(rows[0].code_hash).toBe(hashCode(user.id, code));
  });

  it("refuses anything but six ASCII digits, look-alikes included", async () => {
    const user = await emailUser();
    for (const purpose of ["sign_in", "setup"] as const) {
      const { code } = await issued(user.id, purpose);
      const fullWidth = [...code].map((d) => String.fromCharCode(0xff10 + Number(d))).join("");
      const arabicIndic = [...code].map((d) => String.fromCharCode(0x0660 + Number(d))).join("");
      for (const input of [fullWidth, arabicIndic, `${code} `, ` ${code}`, `${code}0`, code.slice(0, 5), "", "１２３４５６"]) {
        expect(await tryCode(user.id, purpose, input)).toBe(false);
      }
      expect(await tryCode(user.id, purpose, code)).toBe(true);
    }
  });

  it("old codes leave the table once they no longer count toward the hourly cap", async () => {
    const db = await getDb();
    const user = await emailUser();
    await issued(user.id);
    advanceClock(HOUR);
    await issued(user.id);
    expect(await db.select().from(emailCodes)).toHaveLength(1);
  });
});
