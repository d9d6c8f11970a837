// Re-authentication of a signed-in user before a sensitive change: the password or a current code
// opens this session's 10-minute window (lib/auth/reauth.ts), under the same limits as sign-in.
import { eq } from "drizzle-orm";
import type { Database, Queryable } from "@/db/client";
import { users } from "@/db/schema";
import { recordEvent } from "../audit";
import { hit } from "../rate-limit";
import type { RequestContext } from "../request";
import { listEnabledMethods } from "../two-factor/methods";
import { verifyPassword } from "./password";
import { markReauthenticated } from "./reauth";
import { verifySignInCode } from "./second-factor";
import { ACCOUNT_LIMIT, ADDRESS_LIMIT } from "./sign-in";

export type GuessAllowance = { allowed: true } | { allowed: false; retryAt: Date };

/**
 * Counts one password guess by a signed-in user: per user, and per address in the bucket sign-in
 * uses, so a stolen session cannot try more passwords than the sign-in page allows.
 */
export async function countPasswordGuess(db: Queryable, userId: string, context: RequestContext): Promise<GuessAllowance> {
  const perUser = await hit(db, `password:user:${userId}`, ACCOUNT_LIMIT);
  const perAddress = context.ip ? await hit(db, `password:ip:${context.ip}`, ADDRESS_LIMIT) : null;
  if (perUser.allowed && (!perAddress || perAddress.allowed)) return { allowed: true };
  const retryAt = perAddress && !perAddress.allowed && perAddress.retryAt > perUser.retryAt ? perAddress.retryAt : perUser.retryAt;
  return { allowed: false, retryAt };
}

export type ReauthResult =
  | { kind: "ok" }
  | { kind: "invalid" }
  | { kind: "throttled"; retryAt: Date }
  | { kind: "wait"; retryAt: Date }
  | { kind: "locked"; justLocked: boolean };

type CurrentSession = { userId: string; sessionId: string };

async function confirmed(db: Queryable, current: CurrentSession, method: string, context: RequestContext): Promise<ReauthResult> {
  await markReauthenticated(db, current.sessionId);
  await recordEvent(db, { type: "reauth.succeeded", actorId: current.userId, subjectId: current.userId, context, details: { method } });
  return { kind: "ok" };
}

export async function reauthenticateWithPassword(
  db: Queryable,
  current: CurrentSession,
  password: string,
  context: RequestContext,
): Promise<ReauthResult> {
  const allowance = await countPasswordGuess(db, current.userId, context);
  if (!allowance.allowed) {
    await recordEvent(db, {
      type: "reauth.failed",
      actorId: current.userId,
      subjectId: current.userId,
      context,
      details: { method: "password", reason: "throttled" },
    });
    return { kind: "throttled", retryAt: allowance.retryAt };
  }
  const [user] = await db.select({ passwordHash: users.passwordHash }).from(users).where(eq(users.id, current.userId));
  if (!(await verifyPassword(user?.passwordHash ?? null, password))) {
    await recordEvent(db, {
      type: "reauth.failed",
      actorId: current.userId,
      subjectId: current.userId,
      context,
      details: { method: "password", reason: "wrong_password" },
    });
    return { kind: "invalid" };
  }
  return confirmed(db, current, "password", context);
}

/**
 * A 6-digit code from the app or the email goes through the sign-in check, so a wrong one counts
 * toward the same wait and lock as at sign-in, and a right one is spent.
 */
export async function reauthenticateWithCode(
  db: Database,
  current: CurrentSession,
  code: string,
  context: RequestContext,
): Promise<ReauthResult> {
  // Without a method no code can be right; counting it would only lock the user out for nothing.
  if ((await listEnabledMethods(db, current.userId)).length === 0) return { kind: "invalid" };
  const result = await verifySignInCode(db, current.userId, { kind: "code", code }, context);
  if (result.kind !== "ok") return result.kind === "invalid" ? { kind: "invalid" } : result;
  return confirmed(db, current, result.method ?? "code", context);
}
