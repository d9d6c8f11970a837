// Setting up (or re-verifying) email as a second factor: a setup code to the user's address, then its confirmation.
import { and, eq, isNotNull } from "drizzle-orm";
import type { Queryable } from "@/db/client";
import { twoFactorMethods } from "@/db/schema";
import { now } from "../clock";
import type { RequestContext } from "../request";
import { lockUserRow } from "../users";
import { consumeEmailCode, issueEmailCode, type IssueEmailCodeResult } from "./email-codes";
import { afterMethodConfirmed, hasTwoFactor } from "./methods";

/** "Set up" and "Reset" both start here; the caller mails the code to the user's address. */
export async function beginEmailSetup(db: Queryable, userId: string): Promise<IssueEmailCodeResult> {
  return issueEmailCode(db, userId, "setup");
}

export type ConfirmEmailSetupResult = { ok: true; firstMethod: boolean; wasReset: boolean } | { ok: false; reason: "invalid" };

/** A right setup code turns the email method on (or re-verifies it), ending other sessions and trusted browsers. */
export async function confirmEmailSetup(
  db: Queryable,
  userId: string,
  code: string,
  context: RequestContext,
): Promise<ConfirmEmailSetupResult> {
  return db.transaction(async (tx) => {
    // The user's row first, in the same order as every other 2FA change, so none can deadlock.
    await lockUserRow(tx, userId);
    // Consumed inside the transaction, so a failure below leaves the code usable.
    if (!(await consumeEmailCode(tx, userId, "setup", code))) return { ok: false as const, reason: "invalid" as const };

    const firstMethod = !(await hasTwoFactor(tx, userId));
    const [enabled] = await tx
      .select({ id: twoFactorMethods.id })
      .from(twoFactorMethods)
      .where(and(eq(twoFactorMethods.userId, userId), eq(twoFactorMethods.kind, "email"), isNotNull(twoFactorMethods.enabledAt)));
    const wasReset = enabled !== undefined;

    const at = now();
    await tx
      .insert(twoFactorMethods)
      .values({ userId, kind: "email", enabledAt: at, updatedAt: at })
      // A reset keeps the original enabled_at: the method has been on all along.
      .onConflictDoUpdate({
        target: [twoFactorMethods.userId, twoFactorMethods.kind],
        set: wasReset ? { updatedAt: at } : { enabledAt: at, updatedAt: at },
      });
    await afterMethodConfirmed(tx, userId, { method: "email", wasReset }, context);
    return { ok: true as const, firstMethod, wasReset };
  });
}
