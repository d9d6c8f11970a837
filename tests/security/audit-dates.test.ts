// Dates an attacker (or a slip of the keyboard) puts in the audit log's URL: the page and the CSV
// export take only real calendar days of the years 1970 to 9999 and say so otherwise, never a 500 and
// never a download cut off after its "exported" event; and a database failure on the export's first
// read is an error status, not a 200 whose body breaks off.
import { eq } from "drizzle-orm";
import { renderToStaticMarkup } from "react-dom/server";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { getDb } from "@/db/client";
import { auditEvents, type User } from "@/db/schema";
import AuditLogPage from "@/app/(console)/settings/security/audit-log/page";
import { GET as exportAuditLog } from "@/app/(console)/settings/security/audit-log/export/route";
import { createTestUser, createUserSession, resetDatabase } from "../support/db";
import { jar } from "../support/next-headers";
import { holdSessionCookie } from "../support/session-cookie";

// The page and the route read the admin's session cookie from Next.js; here it comes from a plain jar.
vi.mock("next/headers", async () => (await import("../support/session-cookie")).nextHeadersWithJar());

const context = { ip: "203.0.113.7", userAgent: "vitest" };
const FIRST_INSTANT = new Date("1970-01-01T00:00:00.000Z");
const LAST_INSTANT = new Date("9999-12-31T23:59:59.000Z");

/** Refused values, each as `from` and as `to`: out of range, impossible days, and anything that is not YYYY-MM-DD. */
const REFUSED = [
  "0000-01-01",
  "0001-01-01",
  "1969-12-31",
  "10000-01-01",
  "2030-02-30",
  "2031-02-29",
  "2030-13-01",
  "2030-04-31",
  "2030-5-1",
  "2030-05-01T00:00:00Z",
  " 2030-05-01",
  "yesterday",
  "9999-99-99",
  "+010000-01-01",
];

let admin: User;

async function renderAuditLog(params: Record<string, string | string[]>): Promise<string> {
  return renderToStaticMarkup(await AuditLogPage({ searchParams: Promise.resolve(params) }));
}

function exportRequest(params: Record<string, string>): Request {
  return new Request(`http://localhost:3000/settings/security/audit-log/export?${new URLSearchParams(params)}`);
}

async function exportedEvents(): Promise<number> {
  const db = await getDb();
  return (await db.select().from(auditEvents).where(eq(auditEvents.type, "audit_log.exported"))).length;
}

beforeEach(async () => {
  await resetDatabase();
  jar.clear();
  admin = await createTestUser({ role: "admin", email: "ada@example.com" });
  await holdSessionCookie(admin, await createUserSession(admin.id, context));
  const db = await getDb();
  // The first and the last instant a filter can name.
  await db.insert(auditEvents).values([
    { at: FIRST_INSTANT, type: "user.unlocked", actorId: admin.id, ip: "192.0.2.1", userAgent: "first" },
    { at: LAST_INSTANT, type: "user.locked", actorId: admin.id, ip: "192.0.2.1", userAgent: "last" },
  ]);
});

describe("the audit log page's dates", () => {
  it("takes the first and the last day there are: 1970-01-01 and 9999-12-31", async () => {
    const page = await renderAuditLog({ from: "1970-01-01", to: "9999-12-31" });
    expect(page).toContain('dateTime="1970-01-01T00:00:00.000Z"');
    expect(page).toContain('dateTime="9999-12-31T23:59:59.000Z"');
    expect(page).not.toContain('role="alert"');
    const lastDay = await renderAuditLog({ from: "9999-12-31", to: "9999-12-31" });
    expect(lastDay).toContain('dateTime="9999-12-31T23:59:59.000Z"');
    expect(lastDay).not.toContain('dateTime="1970-01-01T00:00:00.000Z"');
    const firstDay = await renderAuditLog({ to: "1970-01-01" });
    expect(firstDay).toContain('dateTime="1970-01-01T00:00:00.000Z"');
    expect(firstDay).not.toContain('dateTime="9999-12-31T23:59:59.000Z"');
    // A leap day is a real day.
    expect(await renderAuditLog({ from: "2024-02-29" })).toContain('dateTime="9999-12-31T23:59:59.000Z"');
  });

  for (const field of ["from", "to"] as const) {
    const label = field === "from" ? "From" : "To";
    it.each(REFUSED)(`says what is wrong with ${field}=%j, and lists nothing under a filter it could not read`, async (value) => {
      const page = await renderAuditLog({ [field]: value });
      expect(page).toMatch(new RegExp(`role="alert"[^>]*>[^<]*“${label}” must be a real date from 1970-01-01 to 9999-12-31\\.`));
      // The date input says it is the one at fault, and no event is shown as if the filter had worked.
      expect(page).toMatch(new RegExp(`<input[^>]*id="audit-${field}"[^>]*aria-invalid="true"`));
      expect(page).not.toContain("<time");
    });
  }

  it("names both dates when both are wrong, and keeps the rest of the filter", async () => {
    const page = await renderAuditLog({ from: "0000-01-01", to: "2030-02-30", user: "ada@example.com" });
    expect(page).toContain("“From” and “To” must be real dates from 1970-01-01 to 9999-12-31.");
    expect(page).toContain('value="ada@example.com"');
  });

  it("refuses a date given twice rather than picking one", async () => {
    const page = await renderAuditLog({ to: ["2030-05-01", "2030-05-02"] });
    expect(page).toContain("“To” must be a real date from 1970-01-01 to 9999-12-31.");
  });
});

describe("the CSV export's dates", () => {
  it("exports the whole range from 1970-01-01 to 9999-12-31, to the end", async () => {
    const response = await exportAuditLog(exportRequest({ from: "1970-01-01", to: "9999-12-31" }));
    expect(response.status).toBe(200);
    const lines = (await response.text())
      .replace(/^\uFEFF/, "")
      .trim()
      .split("\r\n");
    expect(lines[0]).toBe("time,type,actor,subject,ip,user_agent,details");
    expect(lines.slice(1).map((line) => line.split(",")[0])).toEqual(["9999-12-31T23:59:59.000Z", "1970-01-01T00:00:00.000Z"]);
    expect(await exportedEvents()).toBe(1);
  });

  for (const field of ["from", "to"] as const) {
    it.each(REFUSED)(`answers 400 with a plain message for ${field}=%j and writes no "exported" event`, async (value) => {
      const response = await exportAuditLog(exportRequest({ [field]: value }));
      expect(response.status).toBe(400);
      expect(response.headers.get("content-type")).toMatch(/^text\/plain/);
      expect(response.headers.get("content-disposition")).toBeNull();
      expect(await response.text()).toBe(`“${field === "from" ? "From" : "To"}” must be a real date from 1970-01-01 to 9999-12-31.`);
      expect(await exportedEvents()).toBe(0);
    });
  }

  it("answers 503 when the database fails on the first read, before any of the file is sent, and writes no event", async () => {
    const db = await getDb();
    // The session is read with the query builder; the first raw statement is the export's first page of events.
    const refused = Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:5432"), { code: "ECONNREFUSED" });
    const execute = vi.spyOn(db, "execute").mockRejectedValueOnce(refused);
    const logged = vi.spyOn(console, "error").mockImplementation(() => {});
    try {
      const response = await exportAuditLog(exportRequest({}));
      expect(response.status).toBe(503);
      expect(response.headers.get("content-type")).toMatch(/^text\/plain/);
      expect(await response.text()).toBe("The audit log cannot be read right now. Please try again in a minute.");
      expect(execute).toHaveBeenCalled();
    } finally {
      execute.mockRestore();
      logged.mockRestore();
    }
    expect(await exportedEvents()).toBe(0);
  });
});
