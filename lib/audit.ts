// The security event log: who did what to whom, when, from where. Never codes or secrets.
import { SQL, is, sql } from "drizzle-orm";
import { auditEvents } from "@/db/schema";
import type { Queryable } from "@/db/client";
import { timestamptz } from "@/db/sql";
import { now } from "./clock";
import type { RequestContext } from "./request";

export const AUDIT_TYPES = [
  "sign_in.succeeded",
  "sign_in.failed",
  "sign_in.throttled",
  "sign_in.locked_account",
  "sign_in.challenged",
  "sign_in.cancelled",
  "sign_out",
  "session.ended",
  "sessions.ended",
  "sign_in.new_browser",
  "user.created",
  "user.unlocked",
  "user.locked",
  "two_factor.reminder_sent",
  "two_factor.code_failed",
  "two_factor.code_replayed",
  "two_factor.method_enabled",
  "two_factor.method_disabled",
  "two_factor.method_reset",
  "two_factor.reset_by_admin",
  "backup_codes.generated",
  "backup_codes.used",
  "backup_codes.viewed",
  "admin_backup_code.issued",
  "admin_backup_code.used",
  "policy.updated",
  "audit_log.exported",
  "trusted_browser.added",
  "trusted_browser.revoked",
  "password.changed",
  "password.change_failed",
  "password.reset",
  "reauth.succeeded",
  "reauth.failed",
  "passkey.added",
  "passkey.renamed",
  "passkey.removed",
  "passkey.used",
  "passkey.refused",
] as const;
export type AuditType = (typeof AUDIT_TYPES)[number];

export type AuditInput = {
  type: AuditType;
  actorId?: string | null;
  subjectId?: string | null;
  context?: RequestContext;
  details?: Record<string, unknown>;
};

/**
 * The event as a statement part, for a step that writes it in the same statement as the change it
 * records. With `onlyIf` (the name of another part) it is written once for each row that part
 * returned, and `details` may be SQL over that row, such as `json_build_object('sessionId', id)`.
 */
export function auditPart(
  event: Omit<AuditInput, "details"> & { details?: Record<string, unknown> | SQL },
  options: { at?: Date; onlyIf?: string } = {},
): SQL {
  const details =
    event.details === undefined
      ? sql`'{}'::jsonb`
      : is(event.details, SQL)
        ? sql`(${event.details})::jsonb`
        : sql`${JSON.stringify(event.details)}::jsonb`;
  const values = sql`${timestamptz(options.at ?? now())}, ${event.actorId ?? null}::uuid, ${event.subjectId ?? null}::uuid, ${event.type},
    ${event.context?.ip ?? null}, ${event.context?.userAgent ?? null}, ${details}`;
  const from = options.onlyIf ? sql` from ${sql.identifier(options.onlyIf)}` : sql``;
  return sql`insert into audit_events (at, actor_id, subject_id, type, ip, user_agent, details) select ${values}${from}`;
}

export async function recordEvent(db: Queryable, event: AuditInput): Promise<void> {
  await db.insert(auditEvents).values({
    at: now(),
    type: event.type,
    actorId: event.actorId ?? null,
    subjectId: event.subjectId ?? null,
    ip: event.context?.ip ?? null,
    userAgent: event.context?.userAgent ?? null,
    details: event.details ?? {},
  });
}
