// Six-digit codes sent by email for sign-in and for setting up the email method: issued under a send limit, consumed once.
import { and, eq, gt, isNull, sql, type SQL } from "drizzle-orm";
import type { Queryable } from "@/db/client";
import { asDate, asNumber, query, timestamptz, withParts } from "@/db/sql";
import { emailCodes } from "@/db/schema";
import { HOUR, MINUTE, addMs, now } from "../clock";
import { hashCode, randomDigits } from "../crypto";
import { lockUserRow } from "../users";
import { isSixDigitCode } from "./code-format";

export type EmailCodePurpose = "sign_in" | "setup";

export const EMAIL_CODE_LIFETIME_MS = 10 * MINUTE;
// The send limits keep the mail service from becoming a mail bomb (SECURITY.md 4).
export const RESEND_COOLDOWN_MS = 60_000;
export const HOURLY_CAP = 5;

export type IssueEmailCodeResult =
  { ok: true; code: string; expiresAt: Date } | { ok: false; reason: "cooldown" | "hourly_cap"; retryAt: Date };

/** The user's sends of the last hour, newest first (at most HOURLY_CAP): what the send limits look at. */
export type RecentSend = { sentAt: Date; purpose: EmailCodePurpose };

/** SQL for the user's recent sends as JSON (`[{sentAt, purpose}]`, newest first), for a statement that needs them. */
export function recentSendsJson(userId: SQL | string, at: Date): SQL {
  return sql`coalesce((select json_agg(json_build_object('sentAt', r.sent_at, 'purpose', r.purpose) order by r.sent_at desc)
    from (select sent_at, purpose from email_codes where user_id = ${userId} and sent_at > ${timestamptz(addMs(at, -HOUR))}
      order by sent_at desc limit ${HOURLY_CAP}) r), '[]'::json)`;
}

export function readRecentSends(json: { sentAt: string; purpose: EmailCodePurpose }[]): RecentSend[] {
  return json.map((send) => ({ sentAt: asDate(send.sentAt), purpose: send.purpose }));
}

/**
 * Why a code of `purpose` cannot be sent at `at`, and until when; null when it can. The cooldown is
 * per purpose (a setup code just sent must not hold back the first sign-in code); the hourly cap
 * counts every purpose. The same rule guards the insert in issueEmailCode; this says how long to wait.
 */
export function sendRefusal(
  recent: RecentSend[],
  purpose: EmailCodePurpose,
  at: Date,
): { reason: "cooldown" | "hourly_cap"; retryAt: Date } | null {
  const live = recent.filter((send) => send.sentAt > addMs(at, -HOUR));
  const lastOfPurpose = live.find((send) => send.purpose === purpose);
  const cooldownEnds = lastOfPurpose ? addMs(lastOfPurpose.sentAt, RESEND_COOLDOWN_MS) : at;
  // The window opens again when the oldest of the last HOURLY_CAP sends is an hour old.
  const capEnds = live.length >= HOURLY_CAP ? addMs(live[HOURLY_CAP - 1].sentAt, HOUR) : null;
  if (capEnds && capEnds > at) return { reason: "hourly_cap", retryAt: capEnds > cooldownEnds ? capEnds : cooldownEnds };
  if (cooldownEnds > at) return { reason: "cooldown", retryAt: cooldownEnds };
  return null;
}

/**
 * A fresh code for the caller to mail, ending the user's earlier codes of this purpose, unless the
 * send limits say wait. The user's row is locked first, so parallel requests queue and each one's
 * insert sees the sends before it; the insert's WHERE is the send limit. Returns the code in clear
 * once; only its keyed hash is stored.
 */
export async function issueEmailCode(db: Queryable, userId: string, purpose: EmailCodePurpose): Promise<IssueEmailCodeResult> {
  return db.transaction(async (tx) => {
    await lockUserRow(tx, userId);
    const at = now();
    const code = randomDigits(6);
    const expiresAt = addMs(at, EMAIL_CODE_LIFETIME_MS);
    const hourAgo = timestamptz(addMs(at, -HOUR));
    const [row] = await query<{ issued: number | string; recent: { sentAt: string; purpose: EmailCodePurpose }[] }>(
      tx,
      sql`${withParts({
        recent: sql`select sent_at, purpose from email_codes where user_id = ${userId} and sent_at > ${hourAgo} order by sent_at desc limit ${HOURLY_CAP}`,
        fresh: sql`insert into email_codes (user_id, purpose, code_hash, sent_at, expires_at)
          select ${userId}, ${purpose}, ${hashCode(userId, code)}, ${timestamptz(at)}, ${timestamptz(expiresAt)}
          where (select count(*) from recent) < ${HOURLY_CAP}
            and not exists (select 1 from recent where purpose = ${purpose} and sent_at > ${timestamptz(addMs(at, -RESEND_COOLDOWN_MS))})
          returning id`,
        ended: sql`update email_codes set used_at = ${timestamptz(at)}
          where user_id = ${userId} and purpose = ${purpose} and used_at is null and expires_at > ${timestamptz(at)} and exists (select 1 from fresh)`,
        // Codes older than the hourly window are dead and no longer count; dropping them keeps the table small.
        pruned: sql`delete from email_codes where user_id = ${userId} and sent_at <= ${hourAgo} and exists (select 1 from fresh)`,
      })} select (select count(*) from fresh) as issued,
        coalesce((select json_agg(json_build_object('sentAt', sent_at, 'purpose', purpose) order by sent_at desc) from recent), '[]'::json) as recent`,
    );
    if (asNumber(row.issued) === 1) return { ok: true as const, code, expiresAt };
    const refusal = sendRefusal(readRecentSends(row.recent), purpose, at);
    if (!refusal) throw new Error("an email code was refused, yet no send limit applies");
    return { ok: false as const, ...refusal };
  });
}

/** Consumes the code in one statement: right user, right purpose, unused and unexpired, or nothing. */
export async function consumeEmailCode(db: Queryable, userId: string, purpose: EmailCodePurpose, code: string): Promise<boolean> {
  if (!isSixDigitCode(code)) return false;
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

/**
 * A statement part that spends a live code found by its id, returning `id`. Which code was typed is
 * found in constant time by the caller (lib/two-factor/lockout.ts); this is the one-time rule.
 */
export function spendEmailCode(id: string, at: Date): SQL {
  return sql`update email_codes set used_at = ${timestamptz(at)} where id = ${id} and used_at is null and expires_at > ${timestamptz(at)} returning id`;
}
