// Six-digit codes sent by email for sign-in and for setting up the email method: issued under a send limit, consumed once.
import { and, desc, eq, gt, isNull, lte } from "drizzle-orm";
import type { Queryable } from "@/db/client";
import { emailCodes, users } from "@/db/schema";
import { HOUR, MINUTE, addMs, now } from "../clock";
import { hashCode, randomDigits } from "../crypto";

export type EmailCodePurpose = "sign_in" | "setup";

export const EMAIL_CODE_LIFETIME_MS = 10 * MINUTE;
// The send limits keep the mail service from becoming a mail bomb (SECURITY.md 4).
export const RESEND_COOLDOWN_MS = 60_000;
export const HOURLY_CAP = 5;

export type IssueEmailCodeResult =
  { ok: true; code: string; expiresAt: Date } | { ok: false; reason: "cooldown" | "hourly_cap"; retryAt: Date };

type SendRefusal = { reason: "cooldown" | "hourly_cap"; retryAt: Date };

/**
 * Why a code of `purpose` cannot be sent to the user at `at`, and until when; null when it can.
 * The cooldown is per purpose (a setup code just sent must not hold back the first sign-in code);
 * the hourly cap counts every purpose.
 */
async function sendRefusal(db: Queryable, userId: string, purpose: EmailCodePurpose, at: Date): Promise<SendRefusal | null> {
  const recent = await db
    .select({ sentAt: emailCodes.sentAt, purpose: emailCodes.purpose })
    .from(emailCodes)
    .where(and(eq(emailCodes.userId, userId), gt(emailCodes.sentAt, addMs(at, -HOUR))))
    .orderBy(desc(emailCodes.sentAt))
    .limit(HOURLY_CAP);
  if (recent.length === 0) return null;
  const lastOfPurpose = recent.find((row) => row.purpose === purpose);
  const cooldownEnds = lastOfPurpose ? addMs(lastOfPurpose.sentAt, RESEND_COOLDOWN_MS) : at;
  // The window opens again when the oldest of the last HOURLY_CAP sends is an hour old.
  const capEnds = recent.length >= HOURLY_CAP ? addMs(recent[HOURLY_CAP - 1].sentAt, HOUR) : null;
  if (capEnds && capEnds > at) {
    return { reason: "hourly_cap", retryAt: capEnds > cooldownEnds ? capEnds : cooldownEnds };
  }
  if (cooldownEnds > at) return { reason: "cooldown", retryAt: cooldownEnds };
  return null;
}

/**
 * A fresh code for the caller to mail, ending the user's earlier codes of this purpose, unless the
 * send limits say wait. Returns the code in clear once; only its hash is stored.
 */
export async function issueEmailCode(db: Queryable, userId: string, purpose: EmailCodePurpose): Promise<IssueEmailCodeResult> {
  return db.transaction(async (tx) => {
    // Parallel requests for the same user queue here, so each one sees the sends before it.
    await tx.select({ id: users.id }).from(users).where(eq(users.id, userId)).for("update");
    const at = now();
    const refusal = await sendRefusal(tx, userId, purpose, at);
    if (refusal) return { ok: false as const, ...refusal };

    // Codes older than the hourly window are dead and no longer count; dropping them keeps the table small.
    await tx.delete(emailCodes).where(and(eq(emailCodes.userId, userId), lte(emailCodes.sentAt, addMs(at, -HOUR))));
    await tx
      .update(emailCodes)
      .set({ usedAt: at })
      .where(and(eq(emailCodes.userId, userId), eq(emailCodes.purpose, purpose), isNull(emailCodes.usedAt), gt(emailCodes.expiresAt, at)));
    const code = randomDigits(6);
    const expiresAt = addMs(at, EMAIL_CODE_LIFETIME_MS);
    await tx.insert(emailCodes).values({ userId, purpose, codeHash: hashCode(userId, code), sentAt: at, expiresAt });
    return { ok: true as const, code, expiresAt };
  });
}

/** Consumes the code in one statement: right user, right purpose, unused and unexpired, or nothing. */
export async function consumeEmailCode(db: Queryable, userId: string, purpose: EmailCodePurpose, code: string): Promise<boolean> {
  // Only ASCII digits: full-width digits and other look-alikes never reach the hash.
  if (!/^[0-9]{6}$/.test(code)) return false;
  const at = now();
  const rows = await db
    .update(emailCodes)
    .set({ usedAt: at })
    .where(
      and(
        eq(emailCodes.userId, userId),
        eq(emailCodes.purpose, purpose),
        eq(emailCodes.codeHash, hashCode(userId, code)),
        isNull(emailCodes.usedAt),
        gt(emailCodes.expiresAt, at),
      ),
    )
    .returning({ id: emailCodes.id });
  return rows.length > 0;
}

/** When the next code of `purpose` may be sent (the visible "Resend" cooldown); null when now. */
export async function emailCodeCooldown(
  db: Queryable,
  userId: string,
  purpose: EmailCodePurpose = "sign_in",
): Promise<{ retryAt: Date | null }> {
  const refusal = await sendRefusal(db, userId, purpose, now());
  return { retryAt: refusal?.retryAt ?? null };
}
