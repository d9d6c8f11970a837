// The security event log: who did what to whom, when, from where. Never codes or secrets.
import { auditEvents } from "@/db/schema";
import type { Queryable } from "@/db/client";
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
  "user.created",
  "user.unlocked",
  "user.locked",
  "two_factor.code_failed",
  "two_factor.code_replayed",
  "two_factor.method_enabled",
  "two_factor.method_disabled",
  "two_factor.method_reset",
  "two_factor.reset_by_admin",
  "backup_codes.generated",
  "backup_codes.used",
  "admin_backup_code.issued",
  "admin_backup_code.used",
  "policy.updated",
  "audit_log.exported",
  "trusted_browser.added",
  "trusted_browser.revoked",
  "password.changed",
  "password.change_failed",
  "reauth.succeeded",
  "reauth.failed",
] as const;
export type AuditType = (typeof AUDIT_TYPES)[number];

export type AuditInput = {
  type: AuditType;
  actorId?: string | null;
  subjectId?: string | null;
  context?: RequestContext;
  details?: Record<string, unknown>;
};

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
