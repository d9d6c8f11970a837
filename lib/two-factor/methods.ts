// The user's two-factor methods: which are on, turning one off, and an admin's reset of all of it.
import { and, asc, eq, isNotNull, isNull, sql, type SQL } from "drizzle-orm";
import type { Queryable } from "@/db/client";
import {
  adminBackupCodes,
  backupCodes,
  emailCodes,
  passkeys,
  trustedBrowsers,
  twoFactorMethods,
  userSessions,
  users,
  type MethodKind,
} from "@/db/schema";
import { recordEvent } from "../audit";
import { now } from "../clock";
import type { RequestContext } from "../request";
import { lockUserRow } from "../users";

/** SQL: the enabled methods of the user whose id is `userId` (a column or a value), as a JSON array in a fixed order. */
export function enabledMethodsJson(userId: SQL): SQL {
  return sql`coalesce((select json_agg(m.kind order by m.kind) from two_factor_methods m where m.user_id = ${userId} and m.enabled_at is not null), '[]'::json)`;
}

export async function listEnabledMethods(db: Queryable, userId: string): Promise<MethodKind[]> {
  const rows = await db
    .select({ kind: twoFactorMethods.kind })
    .from(twoFactorMethods)
    .where(and(eq(twoFactorMethods.userId, userId), isNotNull(twoFactorMethods.enabledAt)))
    .orderBy(asc(twoFactorMethods.kind));
  return rows.map((row) => row.kind);
}

export async function hasTwoFactor(db: Queryable, userId: string): Promise<boolean> {
  return (await listEnabledMethods(db, userId)).length > 0;
}

/**
 * Ends the user's other sessions after a 2FA change (SECURITY.md 13); the caller's own session
 * carries over by refreshing its token, which re-reads the version.
 */
export async function raiseSessionVersion(db: Queryable, userId: string): Promise<void> {
  await db
    .update(users)
    .set({ sessionVersion: sql`${users.sessionVersion} + 1` })
    .where(eq(users.id, userId));
}

/** After a 2FA change no browser may skip the second factor on the strength of the old setup. */
export async function revokeTrustedBrowsers(db: Queryable, userId: string): Promise<void> {
  await db
    .update(trustedBrowsers)
    .set({ revokedAt: now() })
    .where(and(eq(trustedBrowsers.userId, userId), isNull(trustedBrowsers.revokedAt)));
}

/**
 * What follows a method turned on or reset, in the caller's transaction: other sessions end,
 * trusted browsers are forgotten, and the change is audited.
 */
export async function afterMethodConfirmed(
  tx: Queryable,
  userId: string,
  change: { method: MethodKind; wasReset: boolean },
  context: RequestContext,
): Promise<void> {
  await raiseSessionVersion(tx, userId);
  await revokeTrustedBrowsers(tx, userId);
  await recordEvent(tx, {
    type: change.wasReset ? "two_factor.method_reset" : "two_factor.method_enabled",
    actorId: userId,
    subjectId: userId,
    context,
    details: { method: change.method },
  });
}

export type TurnOffMethodResult = { ok: true; lastMethod: boolean } | { ok: false; reason: "not_enabled" };

/**
 * Turns one method off and ends every trusted browser (the method is often turned off because its
 * device was lost); turning off the last one also ends the backup codes.
 */
export async function turnOffMethod(
  db: Queryable,
  userId: string,
  kind: MethodKind,
  context: RequestContext,
  actorId: string = userId,
): Promise<TurnOffMethodResult> {
  return db.transaction(async (tx) => {
    // Two methods turned off at once must still see each other, or neither would be "the last".
    await lockUserRow(tx, userId);
    const removed = await tx
      .delete(twoFactorMethods)
      .where(and(eq(twoFactorMethods.userId, userId), eq(twoFactorMethods.kind, kind), isNotNull(twoFactorMethods.enabledAt)))
      .returning({ id: twoFactorMethods.id });
    if (removed.length === 0) return { ok: false as const, reason: "not_enabled" as const };
    // Passkeys turned off as a method all go (one at a time is "Remove" in lib/passkeys/passkeys.ts).
    if (kind === "passkey") await tx.delete(passkeys).where(eq(passkeys.userId, userId));

    await raiseSessionVersion(tx, userId);
    await revokeTrustedBrowsers(tx, userId);
    const lastMethod = !(await hasTwoFactor(tx, userId));
    if (lastMethod) await tx.delete(backupCodes).where(eq(backupCodes.userId, userId));
    await recordEvent(tx, {
      type: "two_factor.method_disabled",
      actorId,
      subjectId: userId,
      context,
      details: { method: kind, lastMethod },
    });
    return { ok: true as const, lastMethod };
  });
}

/**
 * An admin clears the user's 2FA so they can set it up again: methods, passkeys, backup codes, live
 * codes, trusted browsers, every session and the failed-attempt counter.
 */
export async function resetTwoFactorByAdmin(
  db: Queryable,
  { userId, adminId, context }: { userId: string; adminId: string; context: RequestContext },
): Promise<void> {
  await db.transaction(async (tx) => {
    await lockUserRow(tx, userId);
    const at = now();
    const removed = await tx
      .delete(twoFactorMethods)
      .where(eq(twoFactorMethods.userId, userId))
      .returning({ kind: twoFactorMethods.kind, enabledAt: twoFactorMethods.enabledAt });
    await tx.delete(backupCodes).where(eq(backupCodes.userId, userId));
    await tx.delete(passkeys).where(eq(passkeys.userId, userId));
    // Live codes are ended rather than deleted: sent email codes still count toward the send limits.
    await tx
      .update(adminBackupCodes)
      .set({ usedAt: at })
      .where(and(eq(adminBackupCodes.userId, userId), isNull(adminBackupCodes.usedAt)));
    await tx
      .update(emailCodes)
      .set({ usedAt: at })
      .where(and(eq(emailCodes.userId, userId), isNull(emailCodes.usedAt)));
    await revokeTrustedBrowsers(tx, userId);
    await tx
      .update(userSessions)
      .set({ revokedAt: at })
      .where(and(eq(userSessions.userId, userId), isNull(userSessions.revokedAt)));
    await tx
      .update(users)
      .set({ sessionVersion: sql`${users.sessionVersion} + 1`, failedCodeAttempts: 0, codeRetryAfter: null })
      .where(eq(users.id, userId));
    await recordEvent(tx, {
      type: "two_factor.reset_by_admin",
      actorId: adminId,
      subjectId: userId,
      context,
      details: {
        methods: removed
          .filter((row) => row.enabledAt !== null)
          .map((row) => row.kind)
          .sort(),
      },
    });
  });
}
