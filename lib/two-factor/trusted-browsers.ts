// Trusted browsers ("Don't ask again for N days"): a sealed cookie names a row; the row and the
// current policy decide whether it is still honoured.
import { and, eq, isNull, sql, type SQL } from "drizzle-orm";
import type { Queryable } from "@/db/client";
import { timestamptz } from "@/db/sql";
import { trustedBrowsers } from "@/db/schema";
import { recordEvent, type AuditType } from "../audit";
import { DAY, addMs, now } from "../clock";
import type { RequestContext } from "../request";

/**
 * Statement parts that remember the browser for `days` ("trusted", returning `id`, `expires_at`,
 * `revoked_at`) and audit it. The policy row is read with a share lock, which updatePolicy's switch
 * to "Every login" (it locks the row before it revokes every trust) cannot pass: the switch either
 * waits for this trust and ends it, or this waits, reads the switched policy, and the row is born
 * revoked, so switching back cannot revive it. With `onlyIf`, only if that part returned a row.
 */
export function trustBrowserParts(userId: string, days: number, context: RequestContext, at: Date, onlyIf?: string): Record<string, SQL> {
  const after = onlyIf ? sql` and exists (select 1 from ${sql.identifier(onlyIf)})` : sql``;
  return {
    trust_policy: sql`select two_factor_mode from settings where id = 1 for share`,
    trusted: sql`insert into trusted_browsers (user_id, created_at, expires_at, last_used_at, user_agent, ip, revoked_at)
      select ${userId}, ${timestamptz(at)}, ${timestamptz(addMs(at, days * DAY))}, ${timestamptz(at)}, ${context.userAgent}, ${context.ip},
        case when two_factor_mode = 'skip_allowed' then null else ${timestamptz(at)} end
      from trust_policy where true${after}
      returning id, expires_at, revoked_at`,
    trusted_event: sql`insert into audit_events (at, actor_id, subject_id, type, ip, user_agent, details)
      select ${timestamptz(at)}, ${userId}::uuid, ${userId}::uuid, ${"trusted_browser.added" satisfies AuditType}, ${context.ip}, ${context.userAgent},
        jsonb_build_object('browserId', id, 'days', ${days}::int)
      from trusted where revoked_at is null`,
  };
}

/**
 * A statement part: whether the browser may skip the code now, marking it used (returning `id`): the
 * policy allows skipping for `days`, the row is this user's and not revoked, and now < min(its own
 * expiry, created + the policy's current days); a password change voids every trust given before it,
 * and one given in the same instant.
 */
export function honourTrustedBrowserPart(browserId: string, userId: string, days: number, at: Date): SQL {
  return sql`update trusted_browsers set last_used_at = ${timestamptz(at)}
    where id = ${browserId} and user_id = ${userId} and revoked_at is null and expires_at > ${timestamptz(at)}
      and created_at + make_interval(days => ${days}::int) > ${timestamptz(at)}
      and created_at > (select password_changed_at from users where id = ${userId})
    returning id`;
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
