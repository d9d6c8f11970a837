// Personal backup codes: ten single-use codes per batch, stored hashed, for when the user's method is out of reach.
import { randomUUID } from "node:crypto";
import { and, count, eq, isNull, max, sql } from "drizzle-orm";
import type { Queryable } from "@/db/client";
import { backupCodes, users } from "@/db/schema";
import { recordEvent } from "../audit";
import { now } from "../clock";
import { constantTimeEqual, hashCode, normalizeBackupCode, randomBackupCode } from "../crypto";
import type { RequestContext } from "../request";
import { raiseSessionVersion, revokeTrustedBrowsers } from "./methods";

export const BACKUP_CODES_PER_BATCH = 10;

/**
 * A new batch replacing the old one; the codes are returned in clear this once. Like every 2FA
 * change it ends other sessions and trusted browsers (SECURITY.md 13).
 */
export async function generateBackupCodes(db: Queryable, userId: string, context: RequestContext): Promise<string[]> {
  const codes = Array.from({ length: BACKUP_CODES_PER_BATCH }, () => randomBackupCode());
  await db.transaction(async (tx) => {
    // Two regenerations at once must not leave both batches behind.
    await tx.select({ id: users.id }).from(users).where(eq(users.id, userId)).for("update");
    await tx.delete(backupCodes).where(eq(backupCodes.userId, userId));
    const batchId = randomUUID();
    const createdAt = now();
    await tx
      .insert(backupCodes)
      .values(codes.map((code) => ({ userId, batchId, createdAt, codeHash: hashCode(userId, normalizeBackupCode(code)!) })));
    await raiseSessionVersion(tx, userId);
    await revokeTrustedBrowsers(tx, userId);
    await recordEvent(tx, {
      type: "backup_codes.generated",
      actorId: userId,
      subjectId: userId,
      context,
      details: { count: codes.length },
    });
  });
  return codes;
}

/** Spends one unused backup code; the hash is compared against every candidate so timing says nothing. */
export async function consumeBackupCode(db: Queryable, userId: string, input: string, context: RequestContext): Promise<boolean> {
  const normalized = normalizeBackupCode(input);
  if (!normalized) return false;
  const hash = hashCode(userId, normalized);
  const unused = await db
    .select({ id: backupCodes.id, codeHash: backupCodes.codeHash })
    .from(backupCodes)
    .where(and(eq(backupCodes.userId, userId), isNull(backupCodes.usedAt)));
  let matchId: string | null = null;
  for (const row of unused) {
    if (constantTimeEqual(row.codeHash, hash) && matchId === null) matchId = row.id;
  }
  if (!matchId) return false;

  const used = await db
    .update(backupCodes)
    .set({ usedAt: now() })
    .where(and(eq(backupCodes.id, matchId), isNull(backupCodes.usedAt)))
    .returning({ id: backupCodes.id });
  if (used.length === 0) return false;

  const { remaining } = await backupCodeStatus(db, userId);
  await recordEvent(db, { type: "backup_codes.used", actorId: userId, subjectId: userId, context, details: { remaining } });
  return true;
}

export type BackupCodeStatus = { total: number; remaining: number; createdAt: Date | null };

export async function backupCodeStatus(db: Queryable, userId: string): Promise<BackupCodeStatus> {
  const [row] = await db
    .select({
      total: count(),
      remaining: sql<number>`count(*) filter (where ${backupCodes.usedAt} is null)`.mapWith(Number),
      createdAt: max(backupCodes.createdAt),
    })
    .from(backupCodes)
    .where(eq(backupCodes.userId, userId));
  return { total: row.total, remaining: row.remaining, createdAt: row.createdAt ?? null };
}
