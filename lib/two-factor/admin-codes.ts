// Admin-issued backup codes: an admin rescues a user who lost their device with one code, single use, for 30 minutes.
import { and, eq, gt, isNull } from "drizzle-orm";
import type { Queryable } from "@/db/client";
import { adminBackupCodes, users } from "@/db/schema";
import { recordEvent } from "../audit";
import { MINUTE, addMs, now } from "../clock";
import { constantTimeEqual, hashCode, normalizeBackupCode, randomBackupCode } from "../crypto";
import type { RequestContext } from "../request";

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
    await tx.select({ id: users.id }).from(users).where(eq(users.id, userId)).for("update");
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

/** Spends the user's live admin-issued code; compared in constant time, consumed by one statement. */
export async function consumeAdminBackupCode(db: Queryable, userId: string, input: string, context: RequestContext): Promise<boolean> {
  const normalized = normalizeBackupCode(input);
  if (!normalized) return false;
  const hash = hashCode(userId, normalized);
  const at = now();
  const live = await db
    .select({ id: adminBackupCodes.id, codeHash: adminBackupCodes.codeHash })
    .from(adminBackupCodes)
    .where(and(eq(adminBackupCodes.userId, userId), isNull(adminBackupCodes.usedAt), gt(adminBackupCodes.expiresAt, at)));
  let matchId: string | null = null;
  for (const row of live) {
    if (constantTimeEqual(row.codeHash, hash) && matchId === null) matchId = row.id;
  }
  if (!matchId) return false;

  const [used] = await db
    .update(adminBackupCodes)
    .set({ usedAt: at })
    .where(and(eq(adminBackupCodes.id, matchId), isNull(adminBackupCodes.usedAt), gt(adminBackupCodes.expiresAt, at)))
    .returning({ issuedBy: adminBackupCodes.issuedBy });
  if (!used) return false;

  await recordEvent(db, {
    type: "admin_backup_code.used",
    actorId: userId,
    subjectId: userId,
    context,
    details: { issuedBy: used.issuedBy },
  });
  return true;
}
