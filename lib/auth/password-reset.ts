// `npm run admin:reset-password`: a new password for an account that lost it (the first admin's
// included), set from the server's command line. It is random and printed once; like a password
// change, it ends every session, trusted browser and sign-in waiting for its second step, and the
// account's password delays start over.
import { and, eq, isNull, sql } from "drizzle-orm";
import type { Database } from "@/db/client";
import { passwordDelays, signInChallenges, userSessions, users } from "@/db/schema";
import { recordEvent } from "../audit";
import { now } from "../clock";
import { randomToken } from "../crypto";
import type { RequestContext } from "../request";
import { revokeTrustedBrowsers } from "../two-factor/methods";
import { hashPassword } from "./password";
import { accountDelayKey } from "./password-limits";

/** 24 random base64url characters: 144 bits, typed once and then changed on the profile. */
export function newRandomPassword(): string {
  return randomToken(18);
}

export async function resetPasswordFromCommandLine(db: Database, userId: string, context: RequestContext): Promise<string> {
  const password = newRandomPassword();
  const passwordHash = await hashPassword(password);
  await db.transaction(async (tx) => {
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
    await tx.delete(passwordDelays).where(eq(passwordDelays.key, accountDelayKey({ userId })));
    await recordEvent(tx, { type: "password.reset", subjectId: userId, context, details: { by: "command_line" } });
  });
  return password;
}
