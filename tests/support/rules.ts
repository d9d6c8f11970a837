// Product rules run on their own. In the product each is one part of a larger statement or step (the
// sign-in flow, the code attempt, the code page's loader); here the same code runs alone, so that a
// test can hold the one rule it is about.
import { eq, sql } from "drizzle-orm";
import { getDb, type Database, type Queryable } from "@/db/client";
import { asDate, query, withParts } from "@/db/sql";
import { settings } from "@/db/schema";
import { now } from "@/lib/clock";
import type { RequestContext } from "@/lib/request";
import { attemptSecondFactor, type AttemptResult, type CodeInput } from "@/lib/two-factor/attempt";
import { readRecentSends, recentSendsJson, sendRefusal, type EmailCodePurpose } from "@/lib/two-factor/email-codes";
import { skipDays, type Policy } from "@/lib/two-factor/policy";
import { honourTrustedBrowserPart, trustBrowserParts } from "@/lib/two-factor/trusted-browsers";

/** A second-factor code under the attempt rules, followed by nothing (no challenge, no session). */
export async function verifySignInCode(db: Database, userId: string, input: CodeInput, context: RequestContext): Promise<AttemptResult> {
  const { user: _user, returned: _returned, ...result } = await attemptSecondFactor(db, { userId, input, context });
  return result;
}

/** Remembers the browser for `days`: the parts the code step writes with a right code, on their own. */
export async function trustBrowser(db: Queryable, userId: string, days: number, context: RequestContext) {
  const [row] = await query<{ id: string; expires_at: string }>(
    db,
    sql`${withParts(trustBrowserParts(userId, days, context, now()))} select id, expires_at from trusted`,
  );
  return { id: row.id, expiresAt: asDate(row.expires_at) };
}

/** Whether the browser may skip the code now under `policy`: the part the password step runs, on its own. */
export async function honourTrustedBrowser(db: Queryable, browserId: string, userId: string, policy: Policy): Promise<boolean> {
  const days = skipDays(policy);
  if (days === null) return false;
  return (await query(db, honourTrustedBrowserPart(browserId, userId, days, now()))).length === 1;
}

/** The policy row as it stands. */
export async function getPolicy(db?: Queryable): Promise<Policy> {
  const [row] = await (db ?? (await getDb())).select().from(settings).where(eq(settings.id, 1));
  return row;
}

/** When the next code of `purpose` may be sent (the "Resend" countdown the code page shows); null when now. */
export async function emailCodeCooldown(
  db: Queryable,
  userId: string,
  purpose: EmailCodePurpose = "sign_in",
): Promise<{ retryAt: Date | null }> {
  const at = now();
  const [row] = await query<{ recent: { sentAt: string; purpose: EmailCodePurpose }[] }>(
    db,
    sql`select ${recentSendsJson(userId, at)} as recent`,
  );
  return { retryAt: sendRefusal(readRecentSends(row.recent), purpose, at)?.retryAt ?? null };
}
