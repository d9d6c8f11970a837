// The second step of sign-in: whether a code is due, and checking one (app, email or backup code)
// under the attempt rules.
import type { Database, Queryable } from "@/db/client";
import type { MethodKind } from "@/db/schema";
import { normalizeBackupCode } from "../crypto";
import type { RequestContext } from "../request";
import { consumeAdminBackupCode } from "../two-factor/admin-codes";
import { verifyAppCode } from "../two-factor/app-method";
import { consumeBackupCode } from "../two-factor/backup-codes";
import { consumeEmailCode } from "../two-factor/email-codes";
import { attemptSecondFactor, type AttemptResult } from "../two-factor/lockout";
import { listEnabledMethods } from "../two-factor/methods";
import { allowedMethods } from "../two-factor/enrollment";
import { getPolicy } from "../two-factor/policy";
import { honourTrustedBrowser } from "../two-factor/trusted-browsers";

/**
 * The methods that may answer a sign-in: the ones the policy allows, or, when the user has none
 * of those, the ones they have, so they can sign in and then set up an allowed one.
 */
export async function signInMethods(db: Queryable, userId: string): Promise<MethodKind[]> {
  const [methods, policy] = await Promise.all([listEnabledMethods(db, userId), getPolicy(db)]);
  const allowed = allowedMethods(policy);
  const usable = methods.filter((method) => allowed.includes(method));
  return usable.length > 0 ? usable : methods;
}

export type SignInStep = { kind: "complete"; reason: "no_two_factor" | "trusted_browser" } | { kind: "challenge"; methods: MethodKind[] };

/** After a right password: sign in now, or ask for a second factor. */
export async function stepAfterPassword(
  db: Database,
  userId: string,
  trusted: { browserId: string; userId: string } | null,
): Promise<SignInStep> {
  const methods = await signInMethods(db, userId);
  if (methods.length === 0) return { kind: "complete", reason: "no_two_factor" };
  if (trusted && trusted.userId === userId && (await honourTrustedBrowser(db, trusted.browserId, userId, await getPolicy(db)))) {
    return { kind: "complete", reason: "trusted_browser" };
  }
  return { kind: "challenge", methods };
}

export type CodeKind = "code" | "backup";
export type SignInCodeResult = AttemptResult & { method?: string };

/**
 * Checks a sign-in code under the attempt rules. A 6-digit code may come from the app or the
 * email; a backup code may be personal or admin-issued.
 */
export async function verifySignInCode(
  db: Database,
  userId: string,
  input: { kind: CodeKind; code: string },
  context: RequestContext,
): Promise<SignInCodeResult> {
  let method: string | undefined;
  const result = await attemptSecondFactor(db, userId, context, async (tx) => {
    if (input.kind === "backup") {
      if (!normalizeBackupCode(input.code)) return { ok: false, method: "backup_code" };
      if (await consumeBackupCode(tx, userId, input.code, context)) method = "backup_code";
      else if (await consumeAdminBackupCode(tx, userId, input.code, context)) method = "admin_backup_code";
      return { ok: Boolean(method), method: method ?? "backup_code" };
    }
    const methods = await signInMethods(tx, userId);
    if (methods.includes("app") && (await verifyAppCode(tx, userId, input.code, context)).ok) method = "app";
    else if (methods.includes("email") && (await consumeEmailCode(tx, userId, "sign_in", input.code))) method = "email";
    return { ok: Boolean(method), method: method ?? methods.join("+") };
  });
  return { ...result, method };
}
