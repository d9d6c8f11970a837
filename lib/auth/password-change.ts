// Changing one's own password: the current password proves it is the user, and the change ends every
// other session, every trusted browser and every sign-in waiting for its second step.
import { and, eq, isNull, sql } from "drizzle-orm";
import type { Queryable } from "@/db/client";
import { signInChallenges, users } from "@/db/schema";
import { withParts } from "@/db/sql";
import { recordEvent } from "../audit";
import { now } from "../clock";
import type { RequestContext } from "../request";
import { revokeTrustedBrowsers } from "../two-factor/methods";
import { PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH, hashPassword, verifyPassword } from "./password";
import { countPasswordGuess } from "./reauthenticate";

export type ChangePasswordResult =
  | { ok: true }
  | { ok: false; reason: "wrong_password" | "same_password" | "bad_length" }
  | { ok: false; reason: "throttled"; retryAt: Date };

export async function changePassword(
  db: Queryable,
  userId: string,
  current: string,
  next: string,
  context: RequestContext,
): Promise<ChangePasswordResult> {
  if (next.length < PASSWORD_MIN_LENGTH || next.length > PASSWORD_MAX_LENGTH) return { ok: false, reason: "bad_length" };
  if (next === current) return { ok: false, reason: "same_password" };

  const allowance = await countPasswordGuess(db, userId, context);
  if (!allowance.allowed) {
    await recordEvent(db, {
      type: "password.change_failed",
      actorId: userId,
      subjectId: userId,
      context,
      details: { reason: "throttled" },
    });
    return { ok: false, reason: "throttled", retryAt: allowance.retryAt };
  }
  // Hashed before the row is locked, so the lock is held for one verification only.
  const passwordHash = await hashPassword(next);

  return db.transaction(async (tx): Promise<ChangePasswordResult> => {
    // Checked against the locked row: two changes at once cannot both pass with the old password.
    const [user] = await tx.select({ passwordHash: users.passwordHash }).from(users).where(eq(users.id, userId)).for("update");
    if (!user || !(await verifyPassword(user.passwordHash, current))) {
      await recordEvent(tx, {
        type: "password.change_failed",
        actorId: userId,
        subjectId: userId,
        context,
        details: { reason: "wrong_password" },
      });
      return { ok: false, reason: "wrong_password" };
    }
    const at = now();
    await tx
      .update(users)
      .set({ passwordHash, passwordChangedAt: at, sessionVersion: sql`${users.sessionVersion} + 1` })
      .where(eq(users.id, userId));
    await revokeTrustedBrowsers(tx, userId);
    // Whoever stands at the code step knew the old password: that sign-in must start over.
    await tx
      .update(signInChallenges)
      .set({ cancelledAt: at })
      .where(and(eq(signInChallenges.userId, userId), isNull(signInChallenges.completedAt), isNull(signInChallenges.cancelledAt)));
    await recordEvent(tx, { type: "password.changed", actorId: userId, subjectId: userId, context });
    // The right password: the try is forgiven (the address's hit given back, the account's delays cleared).
    await tx.execute(sql`${withParts(allowance.forgive)} select 1`);
    return { ok: true };
  });
}
