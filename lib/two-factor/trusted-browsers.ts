// Trusted browsers ("Don't ask again for N days"): a sealed cookie names a row; the row and the
// current policy decide whether it is still honoured.
import { and, desc, eq, gt, isNull, sql } from "drizzle-orm";
import type { Queryable } from "@/db/client";
import { settings, trustedBrowsers, users } from "@/db/schema";
import { recordEvent } from "../audit";
import { DAY, addMs, now } from "../clock";
import type { RequestContext } from "../request";
import { skipDays, type Policy } from "./policy";

/**
 * Remembers the browser for `days`. The caller read the policy a moment ago; if an admin has
 * switched to "Every login" since, the row is born revoked, so switching back cannot revive it.
 */
export async function trustBrowser(db: Queryable, userId: string, days: number, context: RequestContext) {
  return db.transaction(async (tx) => {
    // A shared lock on the policy row, which updatePolicy locks before it revokes every trust: a
    // switch to "Every login" either waits for this row and ends it, or this waits and sees the switch.
    const [policy] = await tx.select({ mode: settings.twoFactorMode }).from(settings).where(eq(settings.id, 1)).for("share");
    const createdAt = now();
    const revokedAt = policy?.mode === "skip_allowed" ? null : createdAt;
    const [row] = await tx
      .insert(trustedBrowsers)
      .values({
        userId,
        createdAt,
        expiresAt: addMs(createdAt, days * DAY),
        lastUsedAt: createdAt,
        userAgent: context.userAgent,
        ip: context.ip,
        revokedAt,
      })
      .returning({ id: trustedBrowsers.id, expiresAt: trustedBrowsers.expiresAt });
    if (revokedAt === null) {
      await recordEvent(tx, {
        type: "trusted_browser.added",
        actorId: userId,
        subjectId: userId,
        context,
        details: { browserId: row.id, days },
      });
    }
    return row;
  });
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
        // A password change voids every trust given before it, and one given in the same instant.
        sql`${trustedBrowsers.createdAt} > (select ${users.passwordChangedAt} from ${users} where ${users.id} = ${userId})`,
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

/** Ends every trust of the user at once. */
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
