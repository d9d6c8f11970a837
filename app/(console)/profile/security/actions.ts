"use server";
// The actions of Profile > Two-Factor Authentication. Each one authorizes first, validates its input,
// asks for a recent re-authentication when the change is sensitive (SECURITY.md 15), calls the
// domain (which audits), then ends the user's other sessions and emails them about the change.

import { revalidatePath } from "next/cache";
import { z } from "zod";
import { getDb, type Database } from "@/db/client";
import { METHOD_KINDS, type MethodKind } from "@/db/schema";
import { requireUser, type CurrentUser } from "@/lib/auth/current-user";
import { emailSignInCode } from "@/lib/auth/email-sign-in-code";
import { PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH } from "@/lib/auth/password";
import { changePassword } from "@/lib/auth/password-change";
import { isRecentlyReauthenticated, markReauthenticated } from "@/lib/auth/reauth";
import { reauthenticateWithCode, reauthenticateWithPassword } from "@/lib/auth/reauthenticate";
import { keepOnlyThisSession } from "@/lib/auth/refresh-session";
import { now } from "@/lib/clock";
import { sendEmail } from "@/lib/email";
import {
  accountLockedEmail,
  backupCodesGeneratedEmail,
  passwordChangedEmail,
  setupCodeEmail,
  twoFactorDisabledEmail,
  twoFactorEnabledEmail,
  twoFactorMethodResetEmail,
  type Email,
} from "@/lib/email/templates";
import { formFields, parseForm, type FieldErrors } from "@/lib/forms";
import { hit } from "@/lib/rate-limit";
import { requestContext, type RequestContext } from "@/lib/request";
import { beginAppSetup, cancelAppSetup, confirmAppSetup } from "@/lib/two-factor/app-method";
import { generateBackupCodes } from "@/lib/two-factor/backup-codes";
import { RESEND_COOLDOWN_MS } from "@/lib/two-factor/email-codes";
import { beginEmailSetup, confirmEmailSetup } from "@/lib/two-factor/email-method";
import { listEnabledMethods, turnOffMethod } from "@/lib/two-factor/methods";
import { getPolicy } from "@/lib/two-factor/policy";
import { formatSecretForDisplay } from "@/lib/two-factor/totp";
import { revokeAllTrustedBrowsers, revokeTrustedBrowser } from "@/lib/two-factor/trusted-browsers";

/** The change needs the password or a current code first; the page asks and runs it again. */
export type NeedsReauth = { reauth: true };
export type Refused = { ok: false; error: string; fieldErrors?: FieldErrors };
export type Result<T extends object = object> = ({ ok: true } & T) | Refused | NeedsReauth;

export type EmailSetupStarted = { sentTo: string; resendAt: string; notice?: string; warning?: string };
export type AppSetupStarted = { uri: string; secret: string; groupedSecret: string };
export type MethodChanged = { notice: string; backupCodes?: string[] };

const PAGE = "/profile/security";
const NEEDS_REAUTH: NeedsReauth = { reauth: true };
const INVALID_CODE = "Invalid authentication code.";
const EMAIL_NOT_ALLOWED = "Your admin allows only the authenticator app as a second step.";
// Wrong setup codes do not lock the account (they prove nothing about it), but are still limited.
const SETUP_ATTEMPTS = { max: 10, windowMs: 15 * 60_000 };

const codeInput = z.object({ code: z.string("Enter the 6-digit code.").regex(/^[0-9]{6}$/, "Enter the 6-digit code.") });
const methodInput = z.object({ method: z.enum(METHOD_KINDS, "Choose a method.") });
const browserInput = z.object({ browserId: z.uuid("Choose a browser.") });
const passwordReauthInput = z.object({
  method: z.literal("password"),
  password: z.string("Enter your password.").min(1, "Enter your password.").max(PASSWORD_MAX_LENGTH, "Wrong password."),
});
const codeReauthInput = z.object({ method: z.literal("code"), ...codeInput.shape });
const newPasswordInput = z
  .object({
    currentPassword: z
      .string("Enter your current password.")
      .min(1, "Enter your current password.")
      .max(PASSWORD_MAX_LENGTH, "Wrong password."),
    newPassword: z
      .string("Enter a new password.")
      .min(PASSWORD_MIN_LENGTH, `Use at least ${PASSWORD_MIN_LENGTH} characters.`)
      .max(PASSWORD_MAX_LENGTH, `Use at most ${PASSWORD_MAX_LENGTH} characters.`),
    confirmPassword: z.string("Enter the new password again.").max(PASSWORD_MAX_LENGTH, "The passwords do not match."),
  })
  .refine((input) => input.newPassword === input.confirmPassword, { path: ["confirmPassword"], message: "The passwords do not match." });

/** Every action starts here: the signed-in user, checked against the database, before anything else. */
async function signedIn() {
  const current = await requireUser({ allowEnrollment: true });
  return { current, db: await getDb(), context: await requestContext() };
}

function refused(error: string, fieldErrors?: FieldErrors): Refused {
  return { ok: false, error, ...(fieldErrors ? { fieldErrors } : {}) };
}

function clock(at: Date): string {
  return `${at.toISOString().slice(11, 16)} UTC`;
}

/** A notice email must not undo the change it reports: a failed send is logged, never thrown. */
async function notify(current: CurrentUser, email: Email): Promise<void> {
  await sendEmail({ to: current.user.email, ...email }).catch((error: unknown) =>
    console.error("[tessera] notice email failed:", error instanceof Error ? error.message : error),
  );
}

const METHOD_NAMES: Record<MethodKind, string> = { email: "Email authentication", app: "Authenticator app authentication" };

/**
 * What follows a confirmed setup or reset: the first method brings the first backup codes, this
 * browser stays signed in while every other session ends, and the user hears about it.
 */
async function afterMethodConfirmed(
  { current, db, context }: { current: CurrentUser; db: Database; context: RequestContext },
  method: MethodKind,
  confirmed: { firstMethod: boolean; wasReset: boolean },
): Promise<Result<MethodChanged>> {
  const backupCodes = confirmed.firstMethod ? await generateBackupCodes(db, current.user.id, context) : undefined;
  await keepOnlyThisSession(current);
  const name = { name: current.user.name, method };
  await notify(current, confirmed.wasReset ? twoFactorMethodResetEmail(name) : twoFactorEnabledEmail(name));
  revalidatePath(PAGE);
  const notice = confirmed.wasReset ? `${METHOD_NAMES[method]} was reset.` : `${METHOD_NAMES[method]} is on.`;
  return { ok: true, notice: `${notice} Your other sessions were signed out.`, ...(backupCodes ? { backupCodes } : {}) };
}

async function setupAttemptAllowed(db: Database, current: CurrentUser): Promise<boolean> {
  return (await hit(db, `two_factor_setup:user:${current.user.id}`, SETUP_ATTEMPTS)).allowed;
}

/**
 * "Set up" or "Reset" of email: a setup code to the user's own address. With any method already
 * on it is sensitive: a stolen session must not add a factor of its own.
 */
export async function startEmailSetup(): Promise<Result<EmailSetupStarted>> {
  const { current, db } = await signedIn();
  if (!(await getPolicy(db)).allowEmailMethod) return refused(EMAIL_NOT_ALLOWED);
  const methods = await listEnabledMethods(db, current.user.id);
  if (methods.length > 0 && !(await isRecentlyReauthenticated(db, current.sessionId))) return NEEDS_REAUTH;

  const sentTo = current.user.email;
  const issued = await beginEmailSetup(db, current.user.id);
  // The dialog opens anyway: a code sent moments ago still works.
  if (!issued.ok) {
    const resendAt = issued.retryAt.toISOString();
    return issued.reason === "cooldown"
      ? { ok: true, sentTo, resendAt, notice: "A code was sent a moment ago. Check your email, or ask for a new one shortly." }
      : {
          ok: true,
          sentTo,
          resendAt,
          warning: `Too many codes were sent in the last hour. You can ask for a new one after ${clock(issued.retryAt)}.`,
        };
  }
  try {
    await sendEmail({ to: sentTo, ...setupCodeEmail({ name: current.user.name, code: issued.code }) });
  } catch (error) {
    console.error("[tessera] setup code email failed:", error instanceof Error ? error.message : error);
    return refused("The email could not be sent. Please try again in a moment.");
  }
  return { ok: true, sentTo, resendAt: new Date(now().getTime() + RESEND_COOLDOWN_MS).toISOString() };
}

export async function confirmEmailMethod(formData: FormData): Promise<Result<MethodChanged>> {
  const { current, db, context } = await signedIn();
  const parsed = parseForm(codeInput, formData);
  if (!parsed.ok) return refused(parsed.fieldErrors.code ?? parsed.error, parsed.fieldErrors);
  if (!(await getPolicy(db)).allowEmailMethod) return refused(EMAIL_NOT_ALLOWED);
  if (!(await setupAttemptAllowed(db, current))) return refused("Too many tries. Please wait a few minutes, then ask for a new code.");

  const confirmed = await confirmEmailSetup(db, current.user.id, parsed.data.code, context);
  if (!confirmed.ok) return refused(INVALID_CODE, { code: INVALID_CODE });
  return afterMethodConfirmed({ current, db, context }, "email", confirmed);
}

/**
 * "Set up" or "Reset" of the app: a new secret, sent to this browser this once for the QR code and
 * the typed key. With any method already on it is sensitive; on a reset the enabled secret keeps
 * working until the new one is confirmed.
 */
export async function startAppSetup(): Promise<Result<AppSetupStarted>> {
  const { current, db } = await signedIn();
  const methods = await listEnabledMethods(db, current.user.id);
  if (methods.length > 0 && !(await isRecentlyReauthenticated(db, current.sessionId))) return NEEDS_REAUTH;
  const { secret, uri } = await beginAppSetup(db, current.user);
  return { ok: true, uri, secret, groupedSecret: formatSecretForDisplay(secret) };
}

export async function confirmAppMethod(formData: FormData): Promise<Result<MethodChanged>> {
  const { current, db, context } = await signedIn();
  const parsed = parseForm(codeInput, formData);
  if (!parsed.ok) return refused(parsed.fieldErrors.code ?? parsed.error, parsed.fieldErrors);
  if (!(await setupAttemptAllowed(db, current))) return refused("Too many tries. Please wait a few minutes and start again.");

  const confirmed = await confirmAppSetup(db, current.user.id, parsed.data.code, context);
  if (!confirmed.ok) {
    return confirmed.reason === "no_pending"
      ? refused("This setup has ended. Close this window and start again.")
      : refused(INVALID_CODE, { code: INVALID_CODE });
  }
  return afterMethodConfirmed({ current, db, context }, "app", confirmed);
}

/** Leaving the app dialog without confirming drops the new secret. */
export async function cancelAppMethodSetup(): Promise<void> {
  const { current, db } = await signedIn();
  await cancelAppSetup(db, current.user.id);
}

export async function turnOffTwoFactorMethod(formData: FormData): Promise<Result<{ notice: string }>> {
  const { current, db, context } = await signedIn();
  const parsed = parseForm(methodInput, formData);
  if (!parsed.ok) return refused(parsed.fieldErrors.method ?? parsed.error);
  if (!(await isRecentlyReauthenticated(db, current.sessionId))) return NEEDS_REAUTH;

  const method = parsed.data.method;
  const policy = await getPolicy(db);
  if (policy.requireEnrollment) {
    const left = (await listEnabledMethods(db, current.user.id)).filter((kind) => kind !== method);
    if (!left.some((kind) => kind === "app" || policy.allowEmailMethod)) {
      return refused("Your admin requires two-factor authentication. Set up another method before you turn this one off.");
    }
  }
  const result = await turnOffMethod(db, current.user.id, method, context);
  if (!result.ok) return refused(`${METHOD_NAMES[method]} is already off.`);
  await keepOnlyThisSession(current);
  await notify(current, twoFactorDisabledEmail({ name: current.user.name, method }));
  revalidatePath(PAGE);
  const consequence = result.lastMethod ? " Your backup codes were deleted and trusted browsers forgotten." : "";
  return { ok: true, notice: `${METHOD_NAMES[method]} is off.${consequence} Your other sessions were signed out.` };
}

/** A new batch ends the old one; only while a method is on, since codes stand in for a method. */
export async function generateNewBackupCodes(): Promise<Result<{ backupCodes: string[] }>> {
  const { current, db, context } = await signedIn();
  if ((await listEnabledMethods(db, current.user.id)).length === 0) return refused("Turn on a method before you make backup codes.");
  if (!(await isRecentlyReauthenticated(db, current.sessionId))) return NEEDS_REAUTH;

  const backupCodes = await generateBackupCodes(db, current.user.id, context);
  await keepOnlyThisSession(current);
  await notify(current, backupCodesGeneratedEmail({ name: current.user.name }));
  revalidatePath(PAGE);
  return { ok: true, backupCodes };
}

export async function revokeBrowser(formData: FormData): Promise<Result> {
  const { current, db, context } = await signedIn();
  const parsed = parseForm(browserInput, formData);
  if (!parsed.ok) return refused(parsed.fieldErrors.browserId ?? parsed.error);
  if (!(await isRecentlyReauthenticated(db, current.sessionId))) return NEEDS_REAUTH;

  const revoked = await revokeTrustedBrowser(db, current.user.id, parsed.data.browserId, context);
  revalidatePath(PAGE);
  return revoked ? { ok: true } : refused("This browser is no longer trusted.");
}

export async function revokeAllBrowsers(): Promise<Result<{ count: number }>> {
  const { current, db, context } = await signedIn();
  if (!(await isRecentlyReauthenticated(db, current.sessionId))) return NEEDS_REAUTH;
  const count = await revokeAllTrustedBrowsers(db, current.user.id, context);
  revalidatePath(PAGE);
  return { ok: true, count };
}

/**
 * The form asks for the current password, which is itself the re-authentication this change
 * needs; it counts against the same limits as sign-in.
 */
export async function changeOwnPassword(formData: FormData): Promise<Result<{ notice: string }>> {
  const { current, db, context } = await signedIn();
  const parsed = parseForm(newPasswordInput, formData);
  if (!parsed.ok) return refused(parsed.error, parsed.fieldErrors);

  const result = await changePassword(db, current.user.id, parsed.data.currentPassword, parsed.data.newPassword, context);
  if (!result.ok) {
    switch (result.reason) {
      case "wrong_password":
        return refused("Your current password is not right.", { currentPassword: "Your current password is not right." });
      case "same_password":
        return refused("Choose a password you are not using now.", { newPassword: "Choose a password you are not using now." });
      case "bad_length":
        return refused(`Use ${PASSWORD_MIN_LENGTH} to ${PASSWORD_MAX_LENGTH} characters.`, {
          newPassword: `Use at least ${PASSWORD_MIN_LENGTH} characters.`,
        });
      case "throttled":
        return refused(`Too many password attempts. Please try again after ${clock(result.retryAt)}.`);
    }
  }
  await markReauthenticated(db, current.sessionId);
  await keepOnlyThisSession(current);
  await notify(current, passwordChangedEmail({ name: current.user.name }));
  revalidatePath(PAGE);
  return { ok: true, notice: "Your password was changed. Your other sessions were signed out and trusted browsers forgotten." };
}

/** "Confirm it's you": the password, or a current code that counts toward the sign-in lockout. */
export async function reauthenticate(formData: FormData): Promise<Result> {
  const { current, db, context } = await signedIn();
  const session = { userId: current.user.id, sessionId: current.sessionId };

  if (formFields(formData, ["method"]).method === "code") {
    const parsed = parseForm(codeReauthInput, formData);
    if (!parsed.ok) return refused(parsed.fieldErrors.code ?? parsed.error, parsed.fieldErrors);
    const result = await reauthenticateWithCode(db, session, parsed.data.code, context);
    switch (result.kind) {
      case "invalid":
        return refused(INVALID_CODE, { code: INVALID_CODE });
      case "wait":
        return refused("Please try again in five minutes.");
      case "locked":
        if (result.justLocked) await notify(current, accountLockedEmail({ name: current.user.name }));
        return refused("Your account has been locked. Ask an admin to unlock it.");
      case "throttled":
        return refused(`Too many attempts. Please try again after ${clock(result.retryAt)}.`);
    }
  } else {
    const parsed = parseForm(passwordReauthInput, formData);
    if (!parsed.ok) return refused(parsed.fieldErrors.password ?? parsed.error, parsed.fieldErrors);
    const result = await reauthenticateWithPassword(db, session, parsed.data.password, context);
    if (result.kind === "invalid") return refused("Wrong password.", { password: "Wrong password." });
    if (result.kind === "throttled") return refused(`Too many password attempts. Please try again after ${clock(result.retryAt)}.`);
  }
  revalidatePath(PAGE);
  return { ok: true };
}

/** For "Confirm it's you" with the email method: a sign-in code, under the usual send limits. */
export async function emailReauthCode(): Promise<Result<{ resendAt: string; sent: boolean }>> {
  const { current, db } = await signedIn();
  if (!(await listEnabledMethods(db, current.user.id)).includes("email")) return refused("Email authentication is not on.");
  try {
    const sent = await emailSignInCode(db, current.user);
    if (!sent.ok) {
      return sent.reason === "cooldown"
        ? { ok: true, resendAt: sent.retryAt.toISOString(), sent: false }
        : refused(`Too many codes were sent in the last hour. You can ask for a new one after ${clock(sent.retryAt)}.`);
    }
  } catch (error) {
    console.error("[tessera] re-authentication code email failed:", error instanceof Error ? error.message : error);
    return refused("The email could not be sent. Please try again in a moment.");
  }
  return { ok: true, resendAt: new Date(now().getTime() + RESEND_COOLDOWN_MS).toISOString(), sent: true };
}
