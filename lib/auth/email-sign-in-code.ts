// Mails a sign-in code, within the resend cooldown and hourly cap.
import type { Database } from "@/db/client";
import type { User } from "@/db/schema";
import { sendEmail } from "../email";
import { signInCodeEmail } from "../email/templates";
import { issueEmailCode } from "../two-factor/email-codes";

export type SendCodeResult = { ok: true } | { ok: false; retryAt: Date; reason: "cooldown" | "hourly_cap" };

export async function emailSignInCode(db: Database, user: Pick<User, "id" | "name" | "email">): Promise<SendCodeResult> {
  const issued = await issueEmailCode(db, user.id, "sign_in");
  if (!issued.ok) return issued;
  await sendEmail({ to: user.email, ...signInCodeEmail({ name: user.name, code: issued.code }) });
  return { ok: true };
}
