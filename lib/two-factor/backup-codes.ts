// Personal backup codes: ten single-use codes per batch, for when the user's method is out of reach. Each
// is checked against its keyed hash; an encrypted copy lets its owner see the batch again after a
// step-up ("View Backup Codes"), each time audited and emailed (SECURITY.md 41).
import { randomUUID } from "node:crypto";
import { eq, sql, type SQL } from "drizzle-orm";
import type { Queryable } from "@/db/client";
import { asDate, query, timestamptz, withParts } from "@/db/sql";
import { backupCodes } from "@/db/schema";
import { auditPart, recordEvent } from "../audit";
import { now } from "../clock";
import { decryptSecret, encryptSecret, hashCode, randomBackupCode } from "../crypto";
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
    await tx.insert(backupCodes).values(
      codes.map((code, position) => ({
        userId,
        batchId,
        createdAt,
        position,
        codeHash: hashCode(userId, normalizeBackupCode(code)!),
        codeEncrypted: encryptSecret(code, sealContext(userId, batchId, position)),
      })),
    );
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

/** What a code's encryption is bound to: a copy moved to another user's row, another batch or another place does not open. */
function sealContext(userId: string, batchId: string, position: number | null): string {
  return `backup-code:${userId}:${batchId}:${position}`;
}

export type ViewedBackupCodes =
  | { kind: "codes"; codes: { code: string; used: boolean }[]; createdAt: Date }
  /** A batch made before codes were kept to be shown again: only a new batch can be seen. */
  | { kind: "hash_only"; createdAt: Date }
  | { kind: "none" };

/**
 * "View Backup Codes": the current batch in its order, each marked used or not, read in the statement
 * that writes the `backup_codes.viewed` event (the caller asks for the step-up and sends the email).
 */
export async function viewBackupCodes(db: Queryable, userId: string, context: RequestContext): Promise<ViewedBackupCodes> {
  const at = now();
  const rows = await query<{
    batch_id: string;
    code_encrypted: string | null;
    position: number | null;
    used: boolean;
    created_at: string | Date;
  }>(
    db,
    sql`${withParts({
      batch: sql`select bool_and(code_encrypted is not null) as shown from backup_codes where user_id = ${userId} having count(*) > 0`,
      event: auditPart(
        { type: "backup_codes.viewed", actorId: userId, subjectId: userId, context, details: sql`json_build_object('shown', shown)` },
        { at, onlyIf: "batch" },
      ),
    })} select batch_id, code_encrypted, position, used_at is not null as used, created_at from backup_codes
      where user_id = ${userId} order by position nulls last, id`,
  );
  if (rows.length === 0) return { kind: "none" };
  const createdAt = asDate(rows[0].created_at);
  if (rows.some((row) => row.code_encrypted === null)) return { kind: "hash_only", createdAt };
  const codes = rows.map((row) => ({
    code: decryptSecret(row.code_encrypted!, sealContext(userId, row.batch_id, row.position)),
    used: row.used,
  }));
  return { kind: "codes", codes, createdAt };
}
