// Trusted browsers ("Don't ask again for N days"): a sealed cookie names a row; the row and the
// current policy decide whether it is still honoured.
import { and, desc, eq, gt, isNull, sql } from "drizzle-orm";
import type { Queryable } from "@/db/client";
import { trustedBrowsers, users } from "@/db/schema";
import { recordEvent } from "../audit";
import { DAY, addMs, now } from "../clock";
import type { RequestContext } from "../request";
import { skipDays, type Policy } from "./policy";

export async function trustBrowser(db: Queryable, userId: string, days: number, context: RequestContext) {
  const createdAt = now();
  const [row] = await db
    .insert(trustedBrowsers)
    .values({ userId, createdAt, expiresAt: addMs(createdAt, days * DAY), lastUsedAt: createdAt, userAgent: context.userAgent, ip: context.ip })
    .returning({ id: trustedBrowsers.id, expiresAt: trustedBrowsers.expiresAt });
  await recordEvent(db, { type: "trusted_browser.added", actorId: userId, subjectId: userId, context, details: { browserId: row.id, days } });
  return row;
}

/**
 * Whether the browser may skip the code now: the policy allows skipping, the row is this user's and
 * not revoked, and now < min(its own expiry, created + the policy's current days). Marks it used.
 */
export async function honourTrustedBrowser(db: Queryable, browserId: string, userId: string, policy: Policy): Promise<boolean> {
  const days = skipDays(policy);
  if (days === null) return false;
  const at = now();
  const rows = await db
    .update(trustedBrowsers)
    .set({ lastUsedAt: at })
    .where(
      and(
        eq(trustedBrowsers.id, browserId),
        eq(trustedBrowsers.userId, userId),
        isNull(trustedBrowsers.revokedAt),
        gt(trustedBrowsers.expiresAt, at),
        sql`${trustedBrowsers.createdAt} + make_interval(days => ${days}) > ${at.toISOString()}::timestamptz`,
        // A password change voids every trust given before it.
        sql`${trustedBrowsers.createdAt} >= (select ${users.passwordChangedAt} from ${users} where ${users.id} = ${userId})`,
      ),
    )
    .returning({ id: trustedBrowsers.id });
  return rows.length === 1;
}

export async function listTrustedBrowsers(db: Queryable, userId: string) {
  return db
    .select()
    .from(trustedBrowsers)
    .where(and(eq(trustedBrowsers.userId, userId), isNull(trustedBrowsers.revokedAt), gt(trustedBrowsers.expiresAt, now())))
    .orderBy(desc(trustedBrowsers.lastUsedAt));
}

export async function revokeTrustedBrowser(db: Queryable, userId: string, browserId: string, context: RequestContext): Promise<boolean> {
  const rows = await db
    .update(trustedBrowsers)
    .set({ revokedAt: now() })
    .where(and(eq(trustedBrowsers.id, browserId), eq(trustedBrowsers.userId, userId), isNull(trustedBrowsers.revokedAt)))
    .returning({ id: trustedBrowsers.id });
  if (rows.length === 0) return false;
  await recordEvent(db, { type: "trusted_browser.revoked", actorId: userId, subjectId: userId, context, details: { browserId } });
  return true;
}

/** Ends every trust of the user at once (policy to "Every login" needs no call: honour checks the policy). */
export async function revokeAllTrustedBrowsers(db: Queryable, userId: string, context: RequestContext, actorId = userId): Promise<number> {
  const rows = await db
    .update(trustedBrowsers)
    .set({ revokedAt: now() })
    .where(and(eq(trustedBrowsers.userId, userId), isNull(trustedBrowsers.revokedAt)))
    .returning({ id: trustedBrowsers.id });
  if (rows.length > 0) {
    await recordEvent(db, { type: "trusted_browser.revoked", actorId, subjectId: userId, context, details: { count: rows.length } });
  }
  return rows.length;
}
