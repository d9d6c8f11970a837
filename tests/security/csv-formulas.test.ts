// Formula injection through the audit log's CSV (OWASP "CSV Injection"): a spreadsheet may split a
// file on commas, semicolons or tabs, so a formula that starts after any separator inside a value is as
// dangerous as one at its start. Every such cell must reach the spreadsheet quoted and marked as text,
// whichever separator it splits on, while ordinary values read as they are.
import { describe, expect, it } from "vitest";
import { auditCsvLine, csvCell, csvLine } from "@/lib/audit-csv";
import type { AuditRow } from "@/lib/audit-query";

const SEPARATORS = [",", ";", "\t"] as const;

/** What a spreadsheet reads from one CSV line split on `separator`, honouring RFC 4180 quotes. */
function spreadsheetCells(line: string, separator: string): string[] {
  const cells: string[] = [];
  let cell = "";
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const char = line[i];
    if (quoted) {
      if (char === '"' && line[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (char === '"') quoted = false;
      else cell += char;
    } else if (char === '"' && cell === "") quoted = true;
    else if (char === separator || char === "\n") {
      cells.push(cell);
      cell = "";
    } else cell += char;
  }
  cells.push(cell);
  return cells;
}

/** A cell a spreadsheet would run: a formula start, after spaces or quotes some importers drop. */
function runsAsFormula(cell: string): boolean {
  if (/^[+-]?\d+(\.\d+)?$/.test(cell)) return false;
  return /^[\t\r]/.test(cell) || /^[ "]*[=+\-@]/.test(cell);
}

/** The cells a spreadsheet would run in one CSV line, under each separator it may pick. */
function formulasSeen(line: string): string[] {
  const body = line.replace(/\r\n$/, "");
  return SEPARATORS.flatMap((separator) => spreadsheetCells(body, separator).filter(runsAsFormula));
}

// Each payload, and the text a spreadsheet reading the file as CSV shows for it: a single quote
// before every place a formula could start, nothing else changed.
const PAYLOADS: [string, string][] = [
  ["x;=cmd|' /C calc'!A0;y", "x;'=cmd|' /C calc'!A0;y"],
  ["x,=cmd|' /C calc'!A0", "x,'=cmd|' /C calc'!A0"],
  ["x\t=cmd|' /C calc'!A0", "x\t'=cmd|' /C calc'!A0"],
  ['x\n=HYPERLINK("http://evil.example","x")', `x\n'=HYPERLINK("http://evil.example","x")`],
  ["x\r\n@SUM(1+1)*cmd|' /C calc'!A0", "x\r\n'@SUM(1+1)*cmd|' /C calc'!A0"],
  ["x\r+1+cmd|' /C calc'!A0", "x\r'+1+cmd|' /C calc'!A0"],
  ["x; -2+3+cmd|' /C calc'!A0", "x;' -2+3+cmd|' /C calc'!A0"],
  ["x;\"=cmd|' /C calc'!A0", `x;'"=cmd|' /C calc'!A0`],
  ["x;;@SUM(A1)", "x;;'@SUM(A1)"],
  ['=1+2";=1+2', `'=1+2";'=1+2`],
  ["=cmd|' /C calc'!A0", "'=cmd|' /C calc'!A0"],
  [" =1+1", "' =1+1"],
  ["\t=1+1", "'\t'=1+1"],
  ["\r=1+1", "'\r'=1+1"],
  ["\tplain", "'\tplain"],
  ["+1+cmd|' /C calc'!A0", "'+1+cmd|' /C calc'!A0"],
  ["-2+3+cmd|' /C calc'!A0", "'-2+3+cmd|' /C calc'!A0"],
  ["@SUM(1+1)*cmd|' /C calc'!A0", "'@SUM(1+1)*cmd|' /C calc'!A0"],
];

describe("a CSV cell with a formula anywhere a spreadsheet could start a cell", () => {
  it.each(PAYLOADS)("%j is quoted and marked as text wherever a formula could start", (payload, shown) => {
    const cell = csvCell(payload);
    expect(cell.startsWith('"')).toBe(true);
    expect(spreadsheetCells(cell, ",")).toEqual([shown]);
    // Whichever separator the spreadsheet splits the line on, no cell of it runs.
    expect(formulasSeen(csvLine(["2030-05-01T08:00:00.000Z", payload, "maria@example.com"]))).toEqual([]);
  });

  it("in a whole audit line: a hostile user agent and hostile details reach no spreadsheet as a formula", () => {
    const event: AuditRow = {
      id: 1,
      at: new Date("2030-05-01T08:00:00Z"),
      type: "sign_in.failed",
      actor: null,
      subject: { id: "u1", name: "Maria", email: "maria@example.com" },
      ip: "203.0.113.9",
      userAgent: "Mozilla/5.0;=cmd|' /C calc'!A0",
      details: { account: "x;@SUM(1+1)*cmd|' /C calc'!A0", note: "a,-2+3" },
    };
    const line = auditCsvLine(event);
    expect(formulasSeen(line)).toEqual([]);
    const cells = spreadsheetCells(line.replace(/\r\n$/, ""), ",");
    expect(cells).toHaveLength(7);
    expect(cells[5]).toBe("Mozilla/5.0;'=cmd|' /C calc'!A0");
    expect(JSON.parse(cells[6])).toEqual({ account: "x;'@SUM(1+1)*cmd|' /C calc'!A0", note: "a,'-2+3" });
  });

  it("the reader above does see the formula in the value as it was once exported, unmarked", () => {
    expect(formulasSeen("2030-05-01T08:00:00.000Z,x;=cmd|' /C calc'!A0;y,maria@example.com")).toEqual(["=cmd|' /C calc'!A0"]);
  });
});

describe("ordinary values", () => {
  it.each([
    ["an email", "maria.lopez+support@example.com"],
    ["a hyphenated name", "Anne-Marie O'Neil"],
    ["an ISO time", "2030-05-01T08:00:00.000Z"],
    ["an event type", "sign_in.failed"],
    ["an IPv4 address", "203.0.113.9"],
    ["an IPv6 address", "2001:db8::1"],
    ["a negative number", "-5"],
    ["a signed decimal", "+12.5"],
    ["an empty value", ""],
  ])("%s is written as it is", (_, value) => {
    expect(csvCell(value)).toBe(value);
  });

  it.each([
    ["Chrome", "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36"],
    ["Firefox", "Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0"],
    [
      "Safari on iOS",
      "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1",
    ],
    ["details", JSON.stringify({ user: "nobody-1", type: null, from: "2030-05-01", to: null, delta: -1 })],
    ["numbers", "1;-5,+2.5"],
  ])("a %s value with separators in it is only quoted, not marked", (_, value) => {
    const cell = csvCell(value);
    expect(cell).toBe(`"${value.replaceAll('"', '""')}"`);
    expect(spreadsheetCells(cell, ",")).toEqual([value]);
  });
});
