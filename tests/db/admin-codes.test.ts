import { beforeEach, describe, expect, it } from "vitest";
import { eq, sql } from "drizzle-orm";
import { getDb } from "@/db/client";
import { rowsOf } from "@/db/sql";
import { adminBackupCodes, auditEvents } from "@/db/schema";
import { MINUTE, advanceClock, freezeClock } from "@/lib/clock";
import { issueAdminBackupCode } from "@/lib/two-factor/admin-codes";
import { verifySignInCode } from "../support/rules";
import { judgeCode } from "../support/judge-code";
import { createTestUser, resetDatabase } from "../support/db";

const context = { ip: "198.51.100.4", userAgent: "vitest" };
const T0 = new Date("2030-01-01T09:00:00.000Z");

async function setup() {
  const db = await getDb();
  const admin = await createTestUser({ role: "admin" });
  const agent = await createTestUser();
  const issue = () => issueAdminBackupCode(db, { userId: agent.id, issuedBy: admin.id, context });
  return { db, admin, agent, issue };
}

/** A code typed in the backup-code field at sign-in, through the attempt rules, judged on its own (see judgeCode). */
const tryCode = (userId: string, code: string) => judgeCode(userId, { kind: "backup", code }, context);

describe("admin-issued backup codes", () => {
  beforeEach(async () => {
    await resetDatabase();
    freezeClock(T0);
  });

  it("a code has the backup-code form and works once", async () => {
    const { agent, issue } = await setup();
    const { code, expiresAt } = await issue();
    expect(code).toMatch(/^[a-z0-9]{5}-[a-z0-9]{5}$/);
    expect(expiresAt).toEqual(new Date(T0.getTime() + 30 * MINUTE));
    expect(await tryCode(agent.id, code.toUpperCase().replace("-", " "))).toBe("admin_backup_code");
    expect(await tryCode(agent.id, code)).toBe("invalid");
  });

  it("a code works only for the user it was issued to", async () => {
    const { admin, agent, issue } = await setup();
    const { code } = await issue();
    expect(await tryCode(admin.id, code)).toBe("invalid");
    expect(await tryCode(agent.id, "aaaaa-aaaaa")).toBe("invalid");
    expect(await tryCode(agent.id, code)).toBe("admin_backup_code");
  });

  it("20 concurrent submissions succeed exactly once", async () => {
    const { db, agent, issue } = await setup();
    const { code } = await issue();
    const results = await Promise.all(Array.from({ length: 20 }, () => verifySignInCode(db, agent.id, { kind: "backup", code }, context)));
    expect(results.filter((result) => result.kind === "ok")).toEqual([{ kind: "ok", method: "admin_backup_code" }]);
    expect(await db.select().from(auditEvents).where(eq(auditEvents.type, "admin_backup_code.used"))).toHaveLength(1);
  });

  it("a code works at 29:59 and not at 30:00", async () => {
    const { agent, issue } = await setup();
    const first = await issue();
    advanceClock(30 * MINUTE - 1000);
    expect(await tryCode(agent.id, first.code)).toBe("admin_backup_code");

    const second = await issue();
    advanceClock(30 * MINUTE);
    expect(await tryCode(agent.id, second.code)).toBe("invalid");
  });

  it("a new code ends the previous one", async () => {
    const { agent, issue } = await setup();
    const first = await issue();
    const second = await issue();
    expect(await tryCode(agent.id, first.code)).toBe("invalid");
    expect(await tryCode(agent.id, second.code)).toBe("admin_backup_code");
  });

  it("codes issued at once leave one live code", async () => {
    const { db, agent, issue } = await setup();
    await Promise.all(Array.from({ length: 5 }, () => issue()));
    const rows = await db.select().from(adminBackupCodes).where(eq(adminBackupCodes.userId, agent.id));
    expect(rows).toHaveLength(5);
    expect(rows.filter((row) => row.usedAt === null)).toHaveLength(1);
  });

  it("issuing and using are audited with actor and subject, never the code", async () => {
    const { db, admin, agent, issue } = await setup();
    const { code } = await issue();
    expect(await tryCode(agent.id, code)).toBe("admin_backup_code");
    const events = await db.select().from(auditEvents).orderBy(auditEvents.id);
    expect(events.map((e) => e.type)).toEqual(["admin_backup_code.issued", "admin_backup_code.used"]);
    expect(events[0]).toMatchObject({ actorId: admin.id, subjectId: agent.id, ip: context.ip, userAgent: context.userAgent });
    expect(events[1]).toMatchObject({ actorId: agent.id, subjectId: agent.id, details: { issuedBy: admin.id } });
    const everything = JSON.stringify([events, rowsOf(await db.execute(sql`select * from admin_backup_codes`))]);
    expect(everything).not.toContain(code);
    expect(everything).not.toContain(code.replace("-", ""));
  });
});
