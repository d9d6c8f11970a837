// The password step of sign-in: throttling, one answer for unknown account and wrong password, audit.
import { eq } from "drizzle-orm";
import type { Queryable } from "@/db/client";
import { users, type User } from "@/db/schema";
import { recordEvent } from "../audit";
import { now } from "../clock";
import { hit, refund, type Limit } from "../rate-limit";
import type { RequestContext } from "../request";
import { findUserByAccount } from "../users";
import { verifyPassword } from "./password";

// Failed passwords per account (also for accounts that do not exist, so the limit reveals nothing)
// and per address.
export const ACCOUNT_LIMIT: Limit = { max: 10, windowMs: 15 * 60_000 };
export const ADDRESS_LIMIT: Limit = { max: 100, windowMs: 15 * 60_000 };

export type PasswordStepResult =
  { kind: "ok"; user: User } | { kind: "invalid" } | { kind: "throttled"; retryAt: Date } | { kind: "locked" } | { kind: "disabled" };

export async function verifyPasswordStep(
  db: Queryable,
  input: { account: string; password: string },
  context: RequestContext,
): Promise<PasswordStepResult> {
  const accountKey = input.account.trim().toLowerCase();
  const perAccount = await hit(db, `password:account:${accountKey}`, ACCOUNT_LIMIT);
  const perAddress = context.ip ? await hit(db, `password:ip:${context.ip}`, ADDRESS_LIMIT) : null;
  if (!perAccount.allowed || (perAddress && !perAddress.allowed)) {
    await recordEvent(db, { type: "sign_in.throttled", context, details: { account: accountKey.slice(0, 254) } });
    const retryAt = perAddress && !perAddress.allowed && perAddress.retryAt > perAccount.retryAt ? perAddress.retryAt : perAccount.retryAt;
    return { kind: "throttled", retryAt };
  }

  const user = await findUserByAccount(db, accountKey);
  const passwordOk = await verifyPassword(user?.passwordHash ?? null, input.password);
  if (!user || !passwordOk) {
    await recordEvent(db, {
      type: "sign_in.failed",
      subjectId: user?.id ?? null,
      context,
      details: { reason: user ? "wrong_password" : "unknown_account" },
    });
    return { kind: "invalid" };
  }
  // A right password costs nothing: the limits count failures (taken up front, refunded here).
  await refund(db, `password:account:${accountKey}`, perAccount);
  if (perAddress && context.ip) await refund(db, `password:ip:${context.ip}`, perAddress);
  // Only after a correct password do we say that an account is locked or disabled.
  if (user.status === "locked") {
    await recordEvent(db, { type: "sign_in.locked_account", subjectId: user.id, context });
    return { kind: "locked" };
  }
  if (user.status === "disabled") {
    await recordEvent(db, { type: "sign_in.failed", subjectId: user.id, context, details: { reason: "disabled" } });
    return { kind: "disabled" };
  }
  return { kind: "ok", user };
}

export async function recordSignInSuccess(db: Queryable, userId: string, context: RequestContext, details: Record<string, unknown>) {
  await db.update(users).set({ lastSignInAt: now() }).where(eq(users.id, userId));
  await recordEvent(db, { type: "sign_in.succeeded", actorId: userId, subjectId: userId, context, details });
}
