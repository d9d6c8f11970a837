import { beforeEach, describe, expect, it } from "vitest";
import { eq, sql } from "drizzle-orm";
import { getDb } from "@/db/client";
import { auditEvents, backupCodes, trustedBrowsers, users } from "@/db/schema";
import { DAY, addMs, freezeClock, now } from "@/lib/clock";
import { rowsOf } from "@/lib/rate-limit";
import { backupCodeStatus, consumeBackupCode, generateBackupCodes } from "@/lib/two-factor/backup-codes";
import { createTestUser, resetDatabase } from "../support/db";

const context = { ip: "203.0.113.9", userAgent: "vitest" };
const T0 = new Date("2030-01-01T09:00:00.000Z");

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
    const stored = JSON.stringify(rowsOf(await db.execute(sql`select * from backup_codes`)));
    const audit = JSON.stringify(await db.select().from(auditEvents));
    for (const code of codes) {
      for (const form of [code, code.replace("-", "")]) {
        expect(stored).not.toContain(form);
        expect(audit).not.toContain(form);
      }
    }
    expect(audit).toContain("backup_codes.generated");
  });

  it("input ignores case, spaces and the dash", async () => {
    const db = await getDb();
    const user = await createTestUser();
    const codes = await generateBackupCodes(db, user.id, context);
    expect(await consumeBackupCode(db, user.id, codes[0].toUpperCase(), context)).toBe(true);
    expect(await consumeBackupCode(db, user.id, codes[1].replace("-", ""), context)).toBe(true);
    expect(await consumeBackupCode(db, user.id, ` ${codes[2].replace("-", " ")} `, context)).toBe(true);
  });

  it("a code works once", async () => {
    const db = await getDb();
    const user = await createTestUser();
    const [code] = await generateBackupCodes(db, user.id, context);
    expect(await consumeBackupCode(db, user.id, code, context)).toBe(true);
    expect(await consumeBackupCode(db, user.id, code, context)).toBe(false);
  });

  it("a made-up code, a malformed one or another user's code is refused", async () => {
    const db = await getDb();
    const user = await createTestUser();
    const other = await createTestUser();
    await generateBackupCodes(db, user.id, context);
    const [othersCode] = await generateBackupCodes(db, other.id, context);
    expect(await consumeBackupCode(db, user.id, othersCode, context)).toBe(false);
    expect(await consumeBackupCode(db, user.id, "aaaaa-aaaaa", context)).toBe(false);
    expect(await consumeBackupCode(db, user.id, "", context)).toBe(false);
    expect(await consumeBackupCode(db, user.id, "ａａａａａ-ａａａａａ", context)).toBe(false);
    expect((await backupCodeStatus(db, user.id)).remaining).toBe(10);
  });

  it("20 concurrent uses of one code succeed exactly once", async () => {
    const db = await getDb();
    const user = await createTestUser();
    const [code] = await generateBackupCodes(db, user.id, context);
    const results = await Promise.all(Array.from({ length: 20 }, () => consumeBackupCode(db, user.id, code, context)));
    expect(results.filter(Boolean)).toHaveLength(1);
    expect((await backupCodeStatus(db, user.id)).remaining).toBe(9);
  });

  it("a new batch ends the old one", async () => {
    const db = await getDb();
    const user = await createTestUser();
    const old = await generateBackupCodes(db, user.id, context);
    const fresh = await generateBackupCodes(db, user.id, context);
    expect(await consumeBackupCode(db, user.id, old[0], context)).toBe(false);
    expect(await consumeBackupCode(db, user.id, fresh[0], context)).toBe(true);
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
    expect(await backupCodeStatus(db, user.id)).toEqual({ total: 0, remaining: 0, createdAt: null });
    const codes = await generateBackupCodes(db, user.id, context);
    expect(await backupCodeStatus(db, user.id)).toEqual({ total: 10, remaining: 10, createdAt: T0 });
    await consumeBackupCode(db, user.id, codes[3], context);
    await consumeBackupCode(db, user.id, codes[7], context);
    expect(await backupCodeStatus(db, user.id)).toEqual({ total: 10, remaining: 8, createdAt: T0 });
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
