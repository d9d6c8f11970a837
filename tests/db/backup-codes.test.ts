import { beforeEach, describe, expect, it } from "vitest";
import { eq, sql } from "drizzle-orm";
import { getDb } from "@/db/client";
import { rowsOf } from "@/db/sql";
import { auditEvents, backupCodes, trustedBrowsers, users } from "@/db/schema";
import { DAY, addMs, freezeClock, now } from "@/lib/clock";
import { generateBackupCodes } from "@/lib/two-factor/backup-codes";
import { verifySignInCode } from "../support/rules";
import { ownSecurity } from "@/lib/two-factor/own-security";
import { judgeCode } from "../support/judge-code";
import { createTestUser, resetDatabase } from "../support/db";

const context = { ip: "203.0.113.9", userAgent: "vitest" };
const T0 = new Date("2030-01-01T09:00:00.000Z");

/** A backup code through the sign-in attempt rules, judged on its own (see judgeCode). */
const tryCode = (userId: string, code: string) => judgeCode(userId, { kind: "backup", code }, context);

/** The batch's state as Profile > Security shows it. */
async function backupCodeStatus(userId: string) {
  return (await ownSecurity(await getDb(), userId)).backupCodes;
}

describe("backup codes", () => {
  beforeEach(async () => {
    await resetDatabase();
    freezeClock(T0);
  });

  it("a batch is ten distinct codes of the form xxxxx-xxxxx", async () => {
    const db = await getDb();
    const user = await createTestUser();
    const codes = await generateBackupCodes(db, user.id, context);
    expect(codes).toHaveLength(10);
    for (const code of codes) expect(code).toMatch(/^[a-z0-9]{5}-[a-z0-9]{5}$/);
    expect(new Set(codes).size).toBe(10);
  });

  it("codes are stored hashed and never written to the audit log", async () => {
    const db = await getDb();
    const user = await createTestUser();
    const codes = await generateBackupCodes(db, user.id, context);
    expect(await tryCode(user.id, codes[0])).toBe("backup_code");
    expect(await tryCode(user.id, codes[0])).toBe("invalid");
    const stored = JSON.stringify(rowsOf(await db.execute(sql`select * from backup_codes`)));
    const audit = JSON.stringify(await db.select().from(auditEvents));
    for (const code of codes) {
      for (const form of [code, code.replace("-", "")]) {
        expect(stored).not.toContain(form);
        expect(audit).not.toContain(form);
      }
    }
    expect(audit).toContain("backup_codes.generated");
    expect(audit).toContain("backup_codes.used");
    expect(audit).toContain("two_factor.code_failed");
  });

  it("input ignores case, spaces and the dash", async () => {
    const db = await getDb();
    const user = await createTestUser();
    const codes = await generateBackupCodes(db, user.id, context);
    expect(await tryCode(user.id, codes[0].toUpperCase())).toBe("backup_code");
    expect(await tryCode(user.id, codes[1].replace("-", ""))).toBe("backup_code");
    expect(await tryCode(user.id, ` ${codes[2].replace("-", " ")} `)).toBe("backup_code");
  });

  it("a code works once", async () => {
    const db = await getDb();
    const user = await createTestUser();
    const [code] = await generateBackupCodes(db, user.id, context);
    expect(await tryCode(user.id, code)).toBe("backup_code");
    expect(await tryCode(user.id, code)).toBe("invalid");
  });

  it("a made-up code, a malformed one or another user's code is refused", async () => {
    const db = await getDb();
    const user = await createTestUser();
    const other = await createTestUser();
    await generateBackupCodes(db, user.id, context);
    const [othersCode] = await generateBackupCodes(db, other.id, context);
    expect(await tryCode(user.id, othersCode)).toBe("invalid");
    expect(await tryCode(user.id, "aaaaa-aaaaa")).toBe("invalid");
    expect(await tryCode(user.id, "")).toBe("invalid");
    expect(await tryCode(user.id, "ａａａａａ-ａａａａａ")).toBe("invalid");
    expect((await backupCodeStatus(user.id)).remaining).toBe(10);
  });

  it("20 concurrent uses of one code succeed exactly once", async () => {
    const db = await getDb();
    const user = await createTestUser();
    const [code] = await generateBackupCodes(db, user.id, context);
    const results = await Promise.all(Array.from({ length: 20 }, () => verifySignInCode(db, user.id, { kind: "backup", code }, context)));
    expect(results.filter((result) => result.kind === "ok")).toHaveLength(1);
    expect((await backupCodeStatus(user.id)).remaining).toBe(9);
    expect(await db.select().from(auditEvents).where(eq(auditEvents.type, "backup_codes.used"))).toHaveLength(1);
  });

  it("a new batch ends the old one", async () => {
    const db = await getDb();
    const user = await createTestUser();
    const old = await generateBackupCodes(db, user.id, context);
    const fresh = await generateBackupCodes(db, user.id, context);
    expect(await tryCode(user.id, old[0])).toBe("invalid");
    expect(await tryCode(user.id, fresh[0])).toBe("backup_code");
    expect(await db.select().from(backupCodes).where(eq(backupCodes.userId, user.id))).toHaveLength(10);
  });

  it("two batches generated at once leave one batch", async () => {
    const db = await getDb();
    const user = await createTestUser();
    await Promise.all(Array.from({ length: 5 }, () => generateBackupCodes(db, user.id, context)));
    const rows = await db.select().from(backupCodes).where(eq(backupCodes.userId, user.id));
    expect(rows).toHaveLength(10);
    expect(new Set(rows.map((row) => row.batchId)).size).toBe(1);
  });

  it("status counts the codes left", async () => {
    const db = await getDb();
    const user = await createTestUser();
    expect(await backupCodeStatus(user.id)).toEqual({ total: 0, remaining: 0, createdAt: null });
    const codes = await generateBackupCodes(db, user.id, context);
    expect(await backupCodeStatus(user.id)).toEqual({ total: 10, remaining: 10, createdAt: T0 });
    expect(await tryCode(user.id, codes[3])).toBe("backup_code");
    expect(await tryCode(user.id, codes[7])).toBe("backup_code");
    expect(await backupCodeStatus(user.id)).toEqual({ total: 10, remaining: 8, createdAt: T0 });
    const [used] = await db.select().from(auditEvents).where(eq(auditEvents.type, "backup_codes.used")).orderBy(auditEvents.id);
    expect(used).toMatchObject({ actorId: user.id, subjectId: user.id, details: { remaining: 9 } });
  });

  it("generating a batch ends other sessions and trusted browsers", async () => {
    const db = await getDb();
    const user = await createTestUser();
    await db.insert(trustedBrowsers).values({ userId: user.id, createdAt: now(), expiresAt: addMs(now(), 30 * DAY) });
    await generateBackupCodes(db, user.id, context);
    const [after] = await db.select().from(users).where(eq(users.id, user.id));
    expect(after.sessionVersion).toBe(user.sessionVersion + 1);
    const [browser] = await db.select().from(trustedBrowsers).where(eq(trustedBrowsers.userId, user.id));
    expect(browser.revokedAt).toEqual(T0);
  });
});
