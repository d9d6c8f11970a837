// Audit event types in the product's words, and a short reading of an event's details.
const LABELS: Record<string, string> = {
  "sign_in.succeeded": "Sign-in succeeded",
  "sign_in.failed": "Sign-in failed",
  "sign_in.throttled": "Sign-in throttled",
  "sign_in.locked_account": "Sign-in to a locked account",
  "sign_in.challenged": "Code asked for",
  "sign_in.cancelled": "Sign-in cancelled",
  sign_out: "Signed out",
  "session.ended": "Session ended",
  "sessions.ended": "Sessions ended",
  "sign_in.new_browser": "Sign-in from a new browser",
  "user.created": "Person added",
  "user.unlocked": "Account unlocked",
  "user.locked": "Account locked",
  "two_factor.reminder_sent": "2FA reminder sent",
  "two_factor.code_failed": "Wrong code",
  "two_factor.code_replayed": "Code replayed",
  "two_factor.method_enabled": "Method turned on",
  "two_factor.method_disabled": "Method turned off",
  "two_factor.method_reset": "Method reset",
  "two_factor.reset_by_admin": "2FA reset by admin",
  "backup_codes.generated": "Backup codes generated",
  "backup_codes.used": "Backup code used",
  "backup_codes.viewed": "Backup codes viewed",
  "admin_backup_code.issued": "Admin backup code issued",
  "admin_backup_code.used": "Admin backup code used",
  "policy.updated": "2FA policy changed",
  "audit_log.exported": "Audit log exported",
  "trusted_browser.added": "Browser remembered",
  "trusted_browser.revoked": "Remembered browser revoked",
  "password.changed": "Password changed",
  "password.change_failed": "Password change failed",
  "password.reset": "Password reset",
  "reauth.succeeded": "Re-authenticated",
  "reauth.failed": "Re-authentication failed",
  "passkey.added": "Passkey added",
  "passkey.renamed": "Passkey renamed",
  "passkey.removed": "Passkey removed",
  "passkey.used": "Passkey used",
  "passkey.refused": "Passkey refused",
};

export function eventLabel(type: string): string {
  return LABELS[type] ?? type;
}

/** Events an admin should notice at a glance. */
export function eventTone(type: string): "danger" | "warning" | "neutral" {
  if (type === "user.locked" || type === "two_factor.code_replayed" || type === "two_factor.reset_by_admin" || type === "passkey.refused")
    return "danger";
  if (type.endsWith(".failed") || type === "sign_in.throttled" || type === "sign_in.locked_account" || type === "admin_backup_code.issued")
    return "warning";
  return "neutral";
}

function show(value: unknown): string {
  if (value === null || value === undefined) return "none";
  if (Array.isArray(value)) return value.map(show).join(", ") || "none";
  // Details are JSON: what is left is a string, a number or a boolean.
  return typeof value === "string" ? value : JSON.stringify(value);
}

/** "key: value" pairs; a before/after pair reads as the fields that changed. */
export function describeDetails(details: Record<string, unknown>): string[] {
  const { before, after, ...rest } = details;
  const lines: string[] = [];
  if (before && after && typeof before === "object" && typeof after === "object") {
    const was = before as Record<string, unknown>;
    const now = after as Record<string, unknown>;
    const changed = Object.keys(now).filter((key) => show(was[key]) !== show(now[key]));
    lines.push(...(changed.length > 0 ? changed.map((key) => `${key}: ${show(was[key])} → ${show(now[key])}`) : ["no change"]));
  }
  for (const [key, value] of Object.entries(rest)) lines.push(`${key}: ${show(value)}`);
  return lines;
}
