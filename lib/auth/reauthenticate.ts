// Re-authentication of a signed-in user before a sensitive change ("Confirm it's you"): a current
// code (or, for an account with no second factor, the password) opens this session's 10-minute
// window (lib/auth/reauth.ts), under the same limits as sign-in.
import { sql, type SQL } from "drizzle-orm";
import type { Database, Queryable } from "@/db/client";
import { query, withParts } from "@/db/sql";
import { auditPart } from "../audit";
import { now } from "../clock";
import type { RequestContext } from "../request";
import { attemptSecondFactor, type CodeInput } from "../two-factor/attempt";
import { adminsToTell, type AdminToTell } from "../two-factor/lockout";
import { verifyPassword } from "./password";
import { openReauthWindow } from "./reauth";
import { accountDelayKey, passwordTry, type PasswordTryRow } from "./password-limits";

export type GuessAllowance =
  { allowed: true; passwordHash: string | null; forgive: Record<string, SQL | null> } | { allowed: false; retryAt: Date };

/**
 * Books one password guess of a signed-in user and reads their password hash, in one statement: a
 * password try as at sign-in (lib/auth/password-limits.ts). `forgive` holds the statement parts that
 * give the guess back, for the caller to write with the right password's outcome.
 */
export async function countPasswordGuess(db: Queryable, userId: string, context: RequestContext): Promise<GuessAllowance> {
  const guess = passwordTry(context.ip, sql`${accountDelayKey({ userId })}`, now());
  const [row] = await query<PasswordTryRow & { password_hash: string | null }>(
    db,
    sql`${withParts(guess.parts)} select ${guess.columns}, (select password_hash from users where id = ${userId}) as password_hash`,
  );
  const judged = guess.judge(row);
  if (judged.refused) return { allowed: false, retryAt: judged.refused.retryAt };
  return { allowed: true, passwordHash: row.password_hash, forgive: judged.forgive };
}

export type ReauthResult =
  | { kind: "ok" }
  | { kind: "invalid" }
  | { kind: "throttled"; retryAt: Date }
  | { kind: "wait"; retryAt: Date }
  | { kind: "locked"; justLocked: boolean; adminsToTell?: AdminToTell[] }
  /** A passkey answered a WebAuthn challenge that is used or too old: nothing counted, ask again. */
  | { kind: "retry" };

type CurrentSession = { userId: string; sessionId: string };

/**
 * The password alone confirms only an account with no second factor: the action asks for a code
 * whenever the viewer has a method, and a window the password opens never counts for one who has
 * (lib/auth/viewer.ts), so a phished password and a stolen cookie together cannot pass.
 */
export async function reauthenticateWithPassword(
  db: Queryable,
  current: CurrentSession,
  password: string,
  context: RequestContext,
): Promise<ReauthResult> {
  const { userId, sessionId } = current;
  const guess = await countPasswordGuess(db, userId, context);
  const at = now();
  const failed = (reason: string) =>
    auditPart({ type: "reauth.failed", actorId: userId, subjectId: userId, context, details: { method: "password", reason } }, { at });
  if (!guess.allowed) {
    await db.execute(failed("throttled"));
    return { kind: "throttled", retryAt: guess.retryAt };
  }
  if (!(await verifyPassword(guess.passwordHash, password))) {
    await db.execute(failed("wrong_password"));
    return { kind: "invalid" };
  }
  await db.execute(
    sql`${withParts({
      ...guess.forgive,
      reopened: openReauthWindow(sessionId, at, "password"),
      event: auditPart({ type: "reauth.succeeded", actorId: userId, subjectId: userId, context, details: { method: "password" } }, { at }),
    })} select 1`,
  );
  return { kind: "ok" };
}

/**
 * A 6-digit code from the app or the email, a backup code, or a passkey goes through the sign-in attempt rules,
 * so a wrong one counts toward the same wait and lock as at sign-in, and a right one is spent (a
 * backup code is used up); the window opens, as a second factor's, in the statement that spends it.
 */
export async function reauthenticateWithCode(
  db: Database,
  current: CurrentSession,
  input: CodeInput,
  context: RequestContext,
): Promise<ReauthResult> {
  const { userId, sessionId } = current;
  const result = await attemptSecondFactor(db, {
    userId,
    input,
    context,
    onSuccess: (method, at) => ({
      parts: {
        reopened: openReauthWindow(sessionId, at, "second_factor"),
        event: auditPart({ type: "reauth.succeeded", actorId: userId, subjectId: userId, context, details: { method } }, { at }),
      },
    }),
  });
  switch (result.kind) {
    case "ok":
      return { kind: "ok" };
    case "invalid":
    case "expired":
      return { kind: "invalid" };
    case "wait":
      return { kind: "wait", retryAt: result.retryAt };
    case "locked":
      return { kind: "locked", justLocked: result.justLocked, adminsToTell: adminsToTell(result.returned) };
    case "retry":
      return { kind: "retry" };
  }
}
