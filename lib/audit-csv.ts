// The audit log as CSV (RFC 4180), safe to open in a spreadsheet: wherever a spreadsheet could start
// a cell with a formula, the value says "text" instead (OWASP CSV injection).
import type { AuditRow } from "./audit-query";

export const AUDIT_CSV_HEADER = ["time", "type", "actor", "subject", "ip", "user_agent", "details"] as const;

// A spreadsheet may split a file on commas, semicolons, tabs or line breaks, honouring quotes only at
// the start of a cell, so a cell can start at a value's start or after any such separator inside it.
// A formula starts there with =, +, - or @, also after spaces some importers trim or a quote they
// drop; a number alone ("-5", "+12.5") is read as a number.
const FORMULA_START = /(^|[,;\t\r\n])(?=[ "]*[=+\-@])(?![ "]*[+-]?\d+(?:\.\d+)?(?:[,;\t\r\n]|$))/g;
// A leading tab or carriage return can hide a formula from a reader that drops it.
const HIDDEN_START = /^[\t\r]/;
// Quoted, a value stays one cell whichever of these separators a reader that honours quotes splits on.
const NEEDS_QUOTES = /[",;\t\r\n]/;

/** The value with a single quote, the spreadsheets' "this is text" mark, at each place a formula could start. */
function markFormulas(text: string): string {
  const marked = text.replace(FORMULA_START, "$1'");
  return HIDDEN_START.test(marked) ? `'${marked}` : marked;
}

export function csvCell(value: string | null | undefined): string {
  const text = value ?? "";
  const marked = markFormulas(text);
  return marked !== text || NEEDS_QUOTES.test(marked) ? `"${marked.replaceAll('"', '""')}"` : marked;
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
