// Personal backup codes: ten single-use codes per batch, stored hashed, for when the user's method is out of reach.
import { randomUUID } from "node:crypto";
import { eq, sql, type SQL } from "drizzle-orm";
import type { Queryable } from "@/db/client";
import { timestamptz } from "@/db/sql";
import { backupCodes } from "@/db/schema";
import { recordEvent } from "../audit";
import { now } from "../clock";
import { hashCode, randomBackupCode } from "../crypto";
import { normalizeBackupCode } from "./code-format";
import type { RequestContext } from "../request";
import { lockUserRow } from "../users";
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
    await lockUserRow(tx, userId);
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

/**
 * A statement part that spends one unused backup code, returning `id`. Which code was typed is found
 * in constant time by the caller (lib/two-factor/lockout.ts); this is the one-time rule.
 */
export function spendBackupCode(id: string, at: Date): SQL {
  return sql`update backup_codes set used_at = ${timestamptz(at)} where id = ${id} and used_at is null returning id`;
}

export type BackupCodeStatus = { total: number; remaining: number; createdAt: Date | null };
