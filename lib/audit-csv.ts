// The audit log as CSV (RFC 4180), safe to open in a spreadsheet: a cell that a spreadsheet
// would run as a formula is written as text.
import type { AuditRow } from "./audit-query";

export const AUDIT_CSV_HEADER = ["time", "type", "actor", "subject", "ip", "user_agent", "details"] as const;

// =, +, - and @ start a formula; tab and carriage return can hide one (OWASP CSV injection).
const FORMULA_START = /^[=+\-@\t\r]/;

export function csvCell(value: string | null | undefined): string {
  let text = value ?? "";
  if (FORMULA_START.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

export function csvLine(cells: (string | null | undefined)[]): string {
  return cells.map(csvCell).join(",") + "\r\n";
}

export function auditCsvLine(event: AuditRow): string {
  return csvLine([
    event.at.toISOString(),
    event.type,
    event.actor?.email,
    event.subject?.email,
    event.ip,
    event.userAgent,
    Object.keys(event.details).length > 0 ? JSON.stringify(event.details) : "",
  ]);
}
