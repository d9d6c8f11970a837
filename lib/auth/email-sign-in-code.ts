// Mails a sign-in code, within the resend cooldown and hourly cap.
import type { Database } from "@/db/client";
import type { User } from "@/db/schema";
import { trySendEmail } from "../email/try-send";
import { signInCodeEmail } from "../email/templates";
import { issueEmailCode } from "../two-factor/email-codes";

/** `not_sent`: the code was issued but the mail service refused it (logged); "Resend" may try again after the cooldown. */
export type SendCodeResult =
  { ok: true } | { ok: false; reason: "cooldown" | "hourly_cap"; retryAt: Date } | { ok: false; reason: "not_sent" };

export async function emailSignInCode(db: Database, user: Pick<User, "id" | "name" | "email">): Promise<SendCodeResult> {
  const issued = await issueEmailCode(db, user.id, "sign_in");
  if (!issued.ok) return issued;
  const sent = await trySendEmail({ to: user.email, ...signInCodeEmail({ name: user.name, code: issued.code }) }, "sign-in code");
  return sent ? { ok: true } : { ok: false, reason: "not_sent" };
}
