// Admin-issued backup codes: an admin rescues a user who lost their device with one code, single use, for 30 minutes.
import { and, eq, isNull, sql, type SQL } from "drizzle-orm";
import type { Queryable } from "@/db/client";
import { timestamptz } from "@/db/sql";
import { adminBackupCodes } from "@/db/schema";
import { recordEvent } from "../audit";
import { MINUTE, addMs, now } from "../clock";
import { hashCode, randomBackupCode } from "../crypto";
import { normalizeBackupCode } from "./code-format";
import type { RequestContext } from "../request";
import { lockUserRow } from "../users";

export const ADMIN_CODE_LIFETIME_MS = 30 * MINUTE;

/** A new code for the admin to hand over, in clear this once; the user's previous one stops working. */
export async function issueAdminBackupCode(
  db: Queryable,
  { userId, issuedBy, context }: { userId: string; issuedBy: string; context: RequestContext },
): Promise<{ code: string; expiresAt: Date }> {
  const code = randomBackupCode();
  const createdAt = now();
  const expiresAt = addMs(createdAt, ADMIN_CODE_LIFETIME_MS);
  await db.transaction(async (tx) => {
    // Two admins issuing at once must still leave one live code.
    await lockUserRow(tx, userId);
    await tx
      .update(adminBackupCodes)
      .set({ usedAt: createdAt })
      .where(and(eq(adminBackupCodes.userId, userId), isNull(adminBackupCodes.usedAt)));
    await tx.insert(adminBackupCodes).values({
      userId,
      issuedBy,
      codeHash: hashCode(userId, normalizeBackupCode(code)!),
      createdAt,
      expiresAt,
    });
    await recordEvent(tx, { type: "admin_backup_code.issued", actorId: issuedBy, subjectId: userId, context, details: { expiresAt } });
  });
  return { code, expiresAt };
}

/**
 * A statement part that spends a live admin-issued code (single use, within its 30 minutes),
 * returning `id`. Which code was typed is found in constant time by the caller.
 */
export function spendAdminCode(id: string, at: Date): SQL {
  return sql`update admin_backup_codes set used_at = ${timestamptz(at)}
    where id = ${id} and used_at is null and expires_at > ${timestamptz(at)} returning id`;
}
