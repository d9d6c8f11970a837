// `npm run admin:reset-password`: a new password for an account that lost it (the first admin's
// included), set from the server's command line. It is random and printed once; like a password
// change, it ends every session, trusted browser and sign-in waiting for its second step, and the
// account's password delays start over.
import { and, eq, isNull, like, or, sql } from "drizzle-orm";
import type { Database } from "@/db/client";
import { passkeys, passwordDelays, signInChallenges, userSessions, users } from "@/db/schema";
import { recordEvent } from "../audit";
import { now } from "../clock";
import { randomToken } from "../crypto";
import type { RequestContext } from "../request";
import { revokeTrustedBrowsers } from "../two-factor/methods";
import { lockUserRow } from "../users";
import { hashPassword } from "./password";
import { accountDelayKey, deviceDelayKey } from "./password-limits";

/** 24 random base64url characters: 144 bits, typed once and then changed on the profile. */
export function newRandomPassword(): string {
  return randomToken(18);
}

/**
 * The new password, and the names of the account's passkeys: they still sign in, without the password,
 * so whoever runs the command is told (one an intruder added is removed on the profile, or with the
 * admin's "Reset 2FA").
 */
export async function resetPasswordFromCommandLine(
  db: Database,
  userId: string,
  context: RequestContext,
): Promise<{ password: string; passkeys: string[] }> {
  const password = newRandomPassword();
  const passwordHash = await hashPassword(password);
  return db.transaction(async (tx) => {
    // As every change of the account's secrets: one at a time with a password change or a 2FA change.
    await lockUserRow(tx, userId);
    const at = now();
    await tx
      .update(users)
      .set({ passwordHash, passwordChangedAt: at, sessionVersion: sql`${users.sessionVersion} + 1` })
      .where(eq(users.id, userId));
    await tx
      .update(userSessions)
      .set({ revokedAt: at })
      .where(and(eq(userSessions.userId, userId), isNull(userSessions.revokedAt)));
    await revokeTrustedBrowsers(tx, userId);
    await tx
      .update(signInChallenges)
      .set({ cancelledAt: at })
      .where(and(eq(signInChallenges.userId, userId), isNull(signInChallenges.completedAt), isNull(signInChallenges.cancelledAt)));
    // The account's delays start over, on its known devices too.
    const devices = deviceDelayKey({ userId, deviceId: "" });
    await tx.delete(passwordDelays).where(or(eq(passwordDelays.key, accountDelayKey({ userId })), like(passwordDelays.key, `${devices}%`)));
    await recordEvent(tx, { type: "password.reset", subjectId: userId, context, details: { by: "command_line" } });
    const left = await tx.select({ name: passkeys.name }).from(passkeys).where(eq(passkeys.userId, userId));
    return { password, passkeys: left.map((row) => row.name) };
  });
}
