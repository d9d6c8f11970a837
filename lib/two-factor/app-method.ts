// The authenticator-app method: setting it up or resetting it, accepting each of its codes once, and its status.
import { and, eq, isNotNull, isNull, sql, type SQL } from "drizzle-orm";
import type { Queryable } from "@/db/client";
import { twoFactorMethods } from "@/db/schema";
import { now } from "../clock";
import { decryptSecret, encryptSecret } from "../crypto";
import type { RequestContext } from "../request";
import { lockUserRow } from "../users";
import { afterMethodConfirmed, hasTwoFactor } from "./methods";
import { generateTotpSecret, totpUri, verifyTotp } from "./totp";

export type AppSetup = { secret: string; uri: string };
export type ConfirmAppSetupResult = { ok: true; firstMethod: boolean; wasReset: boolean } | { ok: false; reason: "invalid" | "no_pending" };

const isApp = (userId: string) => and(eq(twoFactorMethods.userId, userId), eq(twoFactorMethods.kind, "app"));

async function findAppMethod(db: Queryable, userId: string) {
  const [row] = await db.select().from(twoFactorMethods).where(isApp(userId)).limit(1);
  return row ?? null;
}

/**
 * Starts setting up the app, or resetting it: a new secret waits as pending (replacing any
 * earlier pending one) while an enabled secret keeps working until the new one is confirmed.
 * The plain secret is returned once, for the QR code; it is stored only encrypted.
 */
export async function beginAppSetup(db: Queryable, user: { id: string; email: string }): Promise<AppSetup> {
  const secret = generateTotpSecret();
  const pendingSecretEncrypted = encryptSecret(secret, user.id);
  const at = now();
  await db
    .insert(twoFactorMethods)
    .values({ userId: user.id, kind: "app", pendingSecretEncrypted, updatedAt: at })
    .onConflictDoUpdate({
      target: [twoFactorMethods.userId, twoFactorMethods.kind],
      set: { pendingSecretEncrypted, updatedAt: at },
    });
  return { secret, uri: totpUri({ secret, accountEmail: user.email }) };
}

/**
 * Enables the pending secret once the user proves their app holds it. 2FA changed, so the
 * user's other sessions end and every trusted browser is forgotten.
 */
export async function confirmAppSetup(
  db: Queryable,
  userId: string,
  code: string,
  context: RequestContext,
): Promise<ConfirmAppSetupResult> {
  const row = await findAppMethod(db, userId);
  if (!row?.pendingSecretEncrypted) return { ok: false, reason: "no_pending" };
  const at = now();
  const check = verifyTotp(decryptSecret(row.pendingSecretEncrypted, userId), code, at);
  if (!check.valid) return { ok: false, reason: "invalid" };
  const pending = row.pendingSecretEncrypted;
  const wasReset = row.enabledAt !== null;

  return db.transaction(async (tx): Promise<ConfirmAppSetupResult> => {
    // The user row is locked first, in the order turnOffMethod takes it, so the two cannot
    // deadlock and "first method" sees a method turned off meanwhile.
    await lockUserRow(tx, userId);
    const firstMethod = !(await hasTwoFactor(tx, userId));
    // Only the pending secret the code was checked against is promoted, and only once: a second
    // confirmation, or one racing a newer setup, matches no row. The confirming step counts as
    // used, so the same code cannot then sign in.
    const promoted = await tx
      .update(twoFactorMethods)
      .set({
        secretEncrypted: pending,
        pendingSecretEncrypted: null,
        enabledAt: row.enabledAt ?? at,
        lastUsedStep: check.step,
        updatedAt: at,
      })
      .where(and(eq(twoFactorMethods.id, row.id), eq(twoFactorMethods.pendingSecretEncrypted, pending)))
      .returning({ id: twoFactorMethods.id });
    if (promoted.length === 0) return { ok: false, reason: "invalid" };

    await afterMethodConfirmed(tx, userId, { method: "app", wasReset }, context);
    return { ok: true, firstMethod, wasReset };
  });
}

export type AppCodeCheck = { ok: true; step: number } | { ok: false; reason: "invalid" | "replayed" };

/**
 * Checks a code against the enabled secret (decrypted here, once): right, and of a time step later
 * than the last one accepted (the replay guard, SECURITY.md item 2). Nothing is written: the caller
 * spends the step with spendAppStep in the statement that records the outcome.
 */
export function checkAppCode(
  userId: string,
  app: { secretEncrypted: string; lastUsedStep: number | null },
  code: string,
  at: Date,
): AppCodeCheck {
  const check = verifyTotp(decryptSecret(app.secretEncrypted, userId), code, at);
  if (!check.valid) return { ok: false, reason: "invalid" };
  if (app.lastUsedStep !== null && app.lastUsedStep >= check.step) return { ok: false, reason: "replayed" };
  return { ok: true, step: check.step };
}

/**
 * A statement part that spends a time step, returning `id`: a step is consumed once and no earlier
 * step is accepted afterwards, whatever the sign-in. The secret the code was checked against must
 * still be the enabled one, so a code of a secret replaced meanwhile by a reset cannot slip in.
 */
export function spendAppStep(app: { id: string; secretEncrypted: string }, step: number): SQL {
  return sql`update two_factor_methods set last_used_step = ${step}
    where id = ${app.id} and kind = 'app' and enabled_at is not null and secret_encrypted = ${app.secretEncrypted}
      and (last_used_step is null or last_used_step < ${step})
    returning id`;
}

/** Abandons a setup or reset in progress; a method that was never enabled disappears. */
export async function cancelAppSetup(db: Queryable, userId: string): Promise<void> {
  await db.delete(twoFactorMethods).where(and(isApp(userId), isNull(twoFactorMethods.enabledAt)));
  await db
    .update(twoFactorMethods)
    .set({ pendingSecretEncrypted: null, updatedAt: now() })
    .where(and(isApp(userId), isNotNull(twoFactorMethods.pendingSecretEncrypted)));
}
