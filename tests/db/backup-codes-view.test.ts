// "View Backup Codes" (issue 13): the batch is kept encrypted beside its keyed hashes, shown again in
// its order with the used ones marked, and every view is audited.
import { beforeEach, describe, expect, it } from "vitest";
import { and, eq } from "drizzle-orm";
import { getDb } from "@/db/client";
import { auditEvents, backupCodes } from "@/db/schema";
import { freezeClock } from "@/lib/clock";
import { generateBackupCodes, viewBackupCodes } from "@/lib/two-factor/backup-codes";
import { judgeCode } from "../support/judge-code";
import { createTestUser, resetDatabase } from "../support/db";

const context = { ip: "203.0.113.19", userAgent: "vitest" };

describe("viewing backup codes again", () => {
  beforeEach(async () => {
    await resetDatabase();
    freezeClock(new Date("2030-02-01T09:00:00.000Z"));
  });

  it("shows the current batch in its order, the used ones marked, and records each view", async () => {
    const db = await getDb();
    const user = await createTestUser();
    const codes = await generateBackupCodes(db, user.id, context);
    expect(await judgeCode(user.id, { kind: "backup", code: codes[3] }, context)).toBe("backup_code");

    const viewed = await viewBackupCodes(db, user.id, context);
    expect(viewed).toMatchObject({ kind: "codes" });
    if (viewed.kind !== "codes") throw new Error("no codes");
    expect(viewed.codes.map((entry) => entry.code)).toEqual(codes);
    expect(viewed.codes.map((entry) => entry.used)).toEqual(codes.map((_, index) => index === 3));
    await viewBackupCodes(db, user.id, context);
    const views = await db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.subjectId, user.id), eq(auditEvents.type, "backup_codes.viewed")));
    expect(views).toHaveLength(2);
    expect(JSON.stringify(views)).not.toContain(codes[0]);
  });

  it("keeps each code only encrypted, bound to its user, batch and place: a copy moved elsewhere does not open", async () => {
    const db = await getDb();
    const owner = await createTestUser();
    const other = await createTestUser();
    const codes = await generateBackupCodes(db, owner.id, context);
    await generateBackupCodes(db, other.id, context);
    const rows = await db.select().from(backupCodes).where(eq(backupCodes.userId, owner.id));
    for (const row of rows) {
      expect(row.codeEncrypted).toMatch(/^v1\./);
      for (const code of codes) expect(row.codeEncrypted).not.toContain(code);
    }
    // An attacker who can write the table copies the owner's sealed code into the other user's batch.
    const [target] = await db.select().from(backupCodes).where(eq(backupCodes.userId, other.id)).limit(1);
    await db.update(backupCodes).set({ codeEncrypted: rows[0].codeEncrypted }).where(eq(backupCodes.id, target.id));
    await expect(viewBackupCodes(db, other.id, context)).rejects.toThrow();

    // Nor does a code moved to another place of the same batch.
    const [first, second] = rows.sort((a, b) => (a.position ?? 0) - (b.position ?? 0));
    await db.update(backupCodes).set({ codeEncrypted: second.codeEncrypted }).where(eq(backupCodes.id, first.id));
    await expect(viewBackupCodes(db, owner.id, context)).rejects.toThrow();
  });

  it("a new batch replaces what can be seen; a batch made before codes were kept says so, and no batch is none", async () => {
    const db = await getDb();
    const user = await createTestUser();
    expect(await viewBackupCodes(db, user.id, context)).toEqual({ kind: "none" });
    const first = await generateBackupCodes(db, user.id, context);
    const second = await generateBackupCodes(db, user.id, context);
    const viewed = await viewBackupCodes(db, user.id, context);
    if (viewed.kind !== "codes") throw new Error("no codes");
    expect(viewed.codes.map((entry) => entry.code)).toEqual(second);
    expect(viewed.codes.map((entry) => entry.code)).not.toContain(first[0]);

    // A batch from before migration 0005: hashes only.
    await db.update(backupCodes).set({ codeEncrypted: null, position: null }).where(eq(backupCodes.userId, user.id));
    expect(await viewBackupCodes(db, user.id, context)).toMatchObject({ kind: "hash_only" });
  });
});
