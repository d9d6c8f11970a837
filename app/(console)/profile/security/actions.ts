"use server";
// The actions of Profile > Two-Factor Authentication. Each goes through the action kernel (the signed-in
// viewer, its input, a recent re-authentication when the change is sensitive: SECURITY.md 15), calls
// the domain (which audits), then ends the user's other sessions and emails them about the change.

import { revalidatePath } from "next/cache";
import { z } from "zod";
import { METHOD_KINDS, type MethodKind } from "@/db/schema";
import type { Database } from "@/db/client";
import { action, refuse, type ActionResult, type Refusal } from "@/lib/action";
import { emailSignInCode } from "@/lib/auth/email-sign-in-code";
import { PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH } from "@/lib/auth/password";
import { changePassword } from "@/lib/auth/password-change";
import { tryAgain } from "@/lib/auth/password-limits";
import { openReauthWindow } from "@/lib/auth/reauth";
import { reauthenticateWithCode, reauthenticateWithPassword, type ReauthResult } from "@/lib/auth/reauthenticate";
import { keepOnlyThisSession } from "@/lib/auth/refresh-session";
import { endSessions } from "@/lib/auth/sessions";
import type { Viewer } from "@/lib/auth/viewer";
import type { RequestContext } from "@/lib/request";
import { now } from "@/lib/clock";
import { trySendEmail } from "@/lib/email/try-send";
import { noticeLockToAdmins } from "@/lib/notices";
import {
  accountLockedEmail,
  backupCodesGeneratedEmail,
  backupCodesViewedEmail,
  passkeyAddedEmail,
  passkeyRemovedEmail,
  passwordChangedEmail,
  setupCodeEmail,
  twoFactorDisabledEmail,
  twoFactorEnabledEmail,
  twoFactorMethodResetEmail,
  type Email,
} from "@/lib/email/templates";
import { stepUpPasskeyOptions } from "@/lib/auth/passkey-sign-in";
import {
  addPasskey,
  readAssertion,
  readRegistration,
  registrationOptions,
  removePasskey,
  renamePasskey,
  listPasskeys,
} from "@/lib/passkeys/passkeys";
import { PASSKEY_NAME_MAX } from "@/lib/passkeys/names";
import { relyingParty } from "@/lib/passkeys/relying-party";
import { hit } from "@/lib/rate-limit";
import { beginAppSetup, cancelAppSetup, confirmAppSetup } from "@/lib/two-factor/app-method";
import { generateBackupCodes, viewBackupCodes } from "@/lib/two-factor/backup-codes";
import { backupCode, sixDigitCode } from "@/lib/two-factor/code-format";
import { RESEND_COOLDOWN_MS } from "@/lib/two-factor/email-codes";
import { beginEmailSetup, confirmEmailSetup } from "@/lib/two-factor/email-method";
import { METHOD_NAMES } from "@/lib/two-factor/method-names";
import { allowedMethods } from "@/lib/two-factor/enrollment";
import { turnOffMethod } from "@/lib/two-factor/methods";
import { formatSecretForDisplay } from "@/lib/two-factor/totp";
import { revokeAllTrustedBrowsers, revokeTrustedBrowser } from "@/lib/two-factor/trusted-browsers";

export type EmailSetupStarted = { sentTo: string; resendAt: string; notice?: string; warning?: string };
export type AppSetupStarted = { uri: string; secret: string; groupedSecret: string };
export type MethodChanged = { notice: string; backupCodes?: string[] };
export type PasskeyAdded = MethodChanged & { passkey: { id: string; name: string } };

const PAGE = "/profile/security";
const INVALID_CODE = "Invalid authentication code.";
const CODE_NEEDED = "Your account has two-factor authentication: confirm with a code from your app or email, or a backup code.";
const EMAIL_NOT_ALLOWED = "Your admin allows only the authenticator app as a second step.";
// Wrong setup codes do not lock the account (they prove nothing about it), but are still limited.
const SETUP_ATTEMPTS = { max: 10, windowMs: 15 * 60_000 };

const codeInput = z.object({ code: sixDigitCode });
const methodInput = z.object({ method: z.enum(METHOD_KINDS, "Choose a method.") });
const browserInput = z.object({ browserId: z.uuid("Choose a browser.") });
const passwordReauthInput = z.object({
  method: z.literal("password"),
  password: z.string("Enter your password.").min(1, "Enter your password.").max(PASSWORD_MAX_LENGTH, "Wrong password."),
});
const codeReauthInput = z.object({ method: z.literal("code"), code: sixDigitCode });
const backupReauthInput = z.object({ method: z.literal("backup"), code: backupCode });
// A WebAuthn answer as the browser gives it, JSON text; lib/passkeys/passkeys.ts reads its shape.
const ceremonyInput = z.object({ response: z.string("The passkey did not answer. Please try again.").max(40_000) });
const passkeyIdInput = z.object({ passkeyId: z.uuid("Choose a passkey.") });
const renameInput = z.object({
  passkeyId: z.uuid("Choose a passkey."),
  // Control and invisible characters (a NUL included) are dropped by cleanPasskeyName before any write.
  name: z
    .string("Enter a name for the passkey.")
    .trim()
    .min(1, "Enter a name for the passkey.")
    .max(PASSKEY_NAME_MAX, `Use at most ${PASSKEY_NAME_MAX} characters.`),
});
const PASSKEYS_UNAVAILABLE = "Passkeys are not available at this site address.";
const PASSKEYS_NOT_ALLOWED = "Your admin does not allow passkeys.";
const PASSKEY_NOT_ANSWERED = "The passkey could not be checked. Please try again.";
const PASSKEY_BUSY = "Too many passkey prompts were opened. Please wait a few minutes and try again.";

const reauthInput = z.object({
  method: z.enum(["password", "code", "backup"], "Choose how to confirm."),
  password: z
    .string()
    .max(PASSWORD_MAX_LENGTH + 1)
    .optional(),
  code: z.string().max(40).optional(),
});
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

// Everything here is the user's own security: open during required enrolment, as the page is.
const own = { access: "signed_in", allowEnrollment: true } as const;
/** With any method on, a change that could weaken or reveal it needs a step-up with a code. */
const withAnyMethod = (viewer: Viewer) => viewer.methods.length > 0;

function clock(at: Date): string {
  return `${at.toISOString().slice(11, 16)} UTC`;
}

async function notify(viewer: Viewer, email: Email): Promise<void> {
  await trySendEmail({ to: viewer.user.email, ...email }, "notice");
}

/**
 * What follows a confirmed setup or reset: the first method brings the first backup codes, this
 * session's step-up counts as the second factor's, this browser stays signed in while every other
 * session ends, and the user hears about it.
 */
type Signed = { viewer: Viewer; db: Database; request: RequestContext };

async function afterMethodConfirmed(
  signed: Signed,
  method: MethodKind,
  confirmed: { firstMethod: boolean; wasReset: boolean },
): Promise<ActionResult<MethodChanged>> {
  const name = { name: signed.viewer.user.name, method };
  return afterFactorProved(signed, {
    firstMethod: confirmed.firstMethod,
    email: confirmed.wasReset ? twoFactorMethodResetEmail(name) : twoFactorEnabledEmail(name),
    notice: confirmed.wasReset ? `${METHOD_NAMES[method]} was reset.` : `${METHOD_NAMES[method]} is on.`,
  });
}

/**
 * What follows any new factor proved (a method confirmed, a passkey added): the first method brings
 * the first backup codes; the factor just proved is this session's second-factor step-up (whoever
 * could set it up could confirm with it anyway), so the next change asks nothing; this browser stays
 * signed in while every other session ends; the person hears of it.
 */
async function afterFactorProved(
  { viewer, db, request }: Signed,
  change: { firstMethod: boolean; email: Email; notice: string },
): Promise<ActionResult<MethodChanged>> {
  const backupCodes = change.firstMethod ? await generateBackupCodes(db, viewer.user.id, request) : undefined;
  await db.execute(openReauthWindow(viewer.sessionId, now(), "second_factor"));
  await keepOnlyThisSession(viewer);
  await notify(viewer, change.email);
  revalidatePath(PAGE);
  return { ok: true, notice: `${change.notice} Your other sessions were signed out.`, ...(backupCodes ? { backupCodes } : {}) };
}

async function setupAttemptAllowed({ viewer, db }: Signed): Promise<boolean> {
  const [counted] = await hit(db, [{ key: `two_factor_setup:user:${viewer.user.id}`, limit: SETUP_ATTEMPTS }]);
  return counted.allowed;
}

/** "Set up" or "Reset" of email: a setup code to the user's own address. */
// Setting a method up always needs a recent step-up (sign-in opens one): a stolen session must not add
// a factor of its own, least of all to an admin, whose rescues a second factor unlocks.
export const startEmailSetup = action({ ...own, reauth: true }, async ({ viewer, db }): Promise<ActionResult<EmailSetupStarted>> => {
  if (!viewer.policy.allowEmailMethod) return refuse(EMAIL_NOT_ALLOWED);
  const sentTo = viewer.user.email;
  const issued = await beginEmailSetup(db, viewer.user.id);
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
  if (!(await trySendEmail({ to: sentTo, ...setupCodeEmail({ name: viewer.user.name, code: issued.code }) }, "setup code"))) {
    return refuse("The email could not be sent. Please try again in a moment.");
  }
  return { ok: true, sentTo, resendAt: new Date(now().getTime() + RESEND_COOLDOWN_MS).toISOString() };
});

export const confirmEmailMethod = action({ ...own, input: codeInput }, async (context): Promise<ActionResult<MethodChanged>> => {
  const { viewer, db, request, input } = context;
  if (!viewer.policy.allowEmailMethod) return refuse(EMAIL_NOT_ALLOWED);
  if (!(await setupAttemptAllowed(context))) return refuse("Too many tries. Please wait a few minutes, then ask for a new code.");
  const confirmed = await confirmEmailSetup(db, viewer.user.id, input.code, request);
  if (!confirmed.ok) return refuse(INVALID_CODE, { fieldErrors: { code: INVALID_CODE } });
  return afterMethodConfirmed(context, "email", confirmed);
});

/**
 * "Set up" or "Reset" of the app: a new secret, sent to this browser this once for the QR code and
 * the typed key. On a reset the enabled secret keeps working until the new one is confirmed.
 */
export const startAppSetup = action({ ...own, reauth: true }, async ({ viewer, db }): Promise<ActionResult<AppSetupStarted>> => {
  const { secret, uri } = await beginAppSetup(db, viewer.user);
  return { ok: true, uri, secret, groupedSecret: formatSecretForDisplay(secret) };
});

export const confirmAppMethod = action({ ...own, input: codeInput }, async (context): Promise<ActionResult<MethodChanged>> => {
  const { viewer, db, request, input } = context;
  if (!(await setupAttemptAllowed(context))) return refuse("Too many tries. Please wait a few minutes and start again.");
  const confirmed = await confirmAppSetup(db, viewer.user.id, input.code, request);
  if (!confirmed.ok) {
    return confirmed.reason === "no_pending"
      ? refuse("This setup has ended. Close this window and start again.")
      : refuse(INVALID_CODE, { fieldErrors: { code: INVALID_CODE } });
  }
  return afterMethodConfirmed(context, "app", confirmed);
});

/** Leaving the app dialog without confirming drops the new secret. */
export const cancelAppMethodSetup = action(own, async ({ viewer, db }): Promise<ActionResult> => {
  await cancelAppSetup(db, viewer.user.id);
  return { ok: true };
});

export const turnOffTwoFactorMethod = action(
  { ...own, input: methodInput, reauth: true },
  async ({ viewer, db, request, input }): Promise<ActionResult<{ notice: string }>> => {
    const { method } = input;
    const { policy } = viewer;
    if (policy.requireEnrollment) {
      const left = viewer.methods.filter((kind) => kind !== method);
      if (!left.some((kind) => allowedMethods(policy).includes(kind))) {
        return refuse("Your admin requires two-factor authentication. Set up another method before you turn this one off.");
      }
    }
    const result = await turnOffMethod(db, viewer.user.id, method, request);
    if (!result.ok) return refuse(`${METHOD_NAMES[method]} is already off.`);
    await keepOnlyThisSession(viewer);
    await notify(viewer, twoFactorDisabledEmail({ name: viewer.user.name, method }));
    revalidatePath(PAGE);
    const consequence = result.lastMethod ? " Your backup codes were deleted and trusted browsers forgotten." : "";
    return { ok: true, notice: `${METHOD_NAMES[method]} is off.${consequence} Your other sessions were signed out.` };
  },
);

export type BackupCodesShown =
  { kind: "codes"; codes: { code: string; used: boolean }[]; createdAt: string } | { kind: "hash_only"; createdAt: string };

/**
 * "View Backup Codes": the current batch again, after a step-up with the second factor (the codes are
 * one), each view audited and emailed. A batch made before codes were kept to be shown cannot be.
 */
export const viewOwnBackupCodes = action(
  { ...own, reauth: true },
  async ({ viewer, db, request }): Promise<ActionResult<BackupCodesShown>> => {
    if (viewer.methods.length === 0) return refuse("Turn on a method before you make backup codes.");
    const viewed = await viewBackupCodes(db, viewer.user.id, request);
    if (viewed.kind === "none") return refuse("You have no backup codes yet. Generate them first.");
    if (viewed.kind === "hash_only") return { ok: true, kind: "hash_only", createdAt: viewed.createdAt.toISOString() };
    await notify(viewer, backupCodesViewedEmail({ name: viewer.user.name }));
    return { ok: true, kind: "codes", codes: viewed.codes, createdAt: viewed.createdAt.toISOString() };
  },
);

/** A new batch ends the old one; only while a method is on, since codes stand in for a method. */
export const generateNewBackupCodes = action(
  { ...own, reauth: withAnyMethod },
  async ({ viewer, db, request }): Promise<ActionResult<{ backupCodes: string[] }>> => {
    if (viewer.methods.length === 0) return refuse("Turn on a method before you make backup codes.");
    const backupCodes = await generateBackupCodes(db, viewer.user.id, request);
    await keepOnlyThisSession(viewer);
    await notify(viewer, backupCodesGeneratedEmail({ name: viewer.user.name }));
    revalidatePath(PAGE);
    return { ok: true, backupCodes };
  },
);

export const revokeBrowser = action(
  { ...own, input: browserInput, reauth: true },
  async ({ viewer, db, request, input }): Promise<ActionResult> => {
    const revoked = await revokeTrustedBrowser(db, viewer.user.id, input.browserId, request);
    revalidatePath(PAGE);
    return revoked ? { ok: true } : refuse("This browser is no longer trusted.");
  },
);

export const revokeAllBrowsers = action(
  { ...own, reauth: true },
  async ({ viewer, db, request }): Promise<ActionResult<{ count: number }>> => {
    const count = await revokeAllTrustedBrowsers(db, viewer.user.id, request);
    revalidatePath(PAGE);
    return { ok: true, count };
  },
);

const sessionInput = z.object({ sessionId: z.uuid("Choose a session.") });

/**
 * "Sign out" on another session in "Where you're signed in". No step-up: ending a session only ever
 * protects the account, and the owner who was signed out by someone holding a session signs in again
 * and ends theirs with "Sign out everywhere else", which needs the second factor the other lacks.
 */
export const endOwnSession = action({ ...own, input: sessionInput }, async ({ viewer, db, request, input }): Promise<ActionResult> => {
  if (input.sessionId === viewer.sessionId) return refuse("This is the browser you are using: sign out from the menu instead.");
  const ended = await endSessions(db, { userId: viewer.user.id, only: input.sessionId }, { actorId: viewer.user.id, context: request });
  revalidatePath(PAGE);
  return ended > 0 ? { ok: true } : refuse("That session has already ended.");
});

/** "Sign out everywhere else": every session but this browser's, after "Confirm it's you". */
export const endOtherOwnSessions = action(
  { ...own, reauth: true },
  async ({ viewer, db, request }): Promise<ActionResult<{ count: number }>> => {
    const count = await endSessions(
      db,
      { userId: viewer.user.id, except: viewer.sessionId },
      { actorId: viewer.user.id, context: request },
    );
    revalidatePath(PAGE);
    return { ok: true, count };
  },
);

/**
 * The form asks for the current password, which is the re-authentication of an account with no
 * second factor; with one, "Confirm it's you" with a code comes first, as for any change that could
 * hand the account over. The password counts against the same limits as sign-in.
 */
export const changeOwnPassword = action(
  { ...own, input: newPasswordInput, reauth: withAnyMethod },
  async ({ viewer, db, request, input }): Promise<ActionResult<{ notice: string }>> => {
    const result = await changePassword(db, viewer.user.id, input.currentPassword, input.newPassword, request);
    if (!result.ok) {
      switch (result.reason) {
        case "wrong_password":
          return refuse("Your current password is not right.", { fieldErrors: { currentPassword: "Your current password is not right." } });
        case "same_password":
          return refuse("Choose a password you are not using now.", {
            fieldErrors: { newPassword: "Choose a password you are not using now." },
          });
        case "bad_length":
          return refuse(`Use ${PASSWORD_MIN_LENGTH} to ${PASSWORD_MAX_LENGTH} characters.`, {
            fieldErrors: { newPassword: `Use at least ${PASSWORD_MIN_LENGTH} characters.` },
          });
        case "throttled":
          return refuse(`Too many password attempts. ${tryAgain(result.retryAt)}`);
      }
    }
    // The password just proved is this session's step-up when it is all the account has; a code's window stays as it is.
    if (viewer.methods.length === 0) await db.execute(openReauthWindow(viewer.sessionId, now(), "password"));
    await keepOnlyThisSession(viewer);
    await notify(viewer, passwordChangedEmail({ name: viewer.user.name }));
    revalidatePath(PAGE);
    return { ok: true, notice: "Your password was changed. Your other sessions were signed out and trusted browsers forgotten." };
  },
);

/**
 * "Confirm it's you": a current code from the app or the email, or a backup code (used up), counted
 * toward the sign-in lockout; the password only for an account with no second factor.
 */
export const reauthenticate = action({ ...own, input: reauthInput }, async ({ viewer, db, request, input }): Promise<ActionResult> => {
  const session = { userId: viewer.user.id, sessionId: viewer.sessionId };
  const fields = { method: input.method, password: input.password, code: input.code };
  if (input.method === "password") {
    if (viewer.methods.length > 0) return refuse(CODE_NEEDED);
    const parsed = passwordReauthInput.safeParse(fields);
    if (!parsed.success) return refuse(parsed.error.issues[0].message, { fieldErrors: { password: parsed.error.issues[0].message } });
    const result = await reauthenticateWithPassword(db, session, parsed.data.password, request);
    if (result.kind === "invalid") return refuse("Wrong password.", { fieldErrors: { password: "Wrong password." } });
    if (result.kind === "throttled") return refuse(`Too many password attempts. ${tryAgain(result.retryAt)}`);
  } else {
    if (viewer.methods.length === 0) return refuse("Two-factor authentication is off: confirm with your password.");
    const parsed = (input.method === "code" ? codeReauthInput : backupReauthInput).safeParse(fields);
    if (!parsed.success) return refuse(parsed.error.issues[0].message, { fieldErrors: { code: parsed.error.issues[0].message } });
    const kind = input.method === "code" ? "code" : "backup";
    const result = await reauthenticateWithCode(db, session, { kind, code: parsed.data.code }, request);
    const invalid = kind === "code" ? INVALID_CODE : "Invalid backup code.";
    if (result.kind !== "ok") return reauthRefusal({ viewer, db, request }, result, refuse(invalid, { fieldErrors: { code: invalid } }));
  }
  revalidatePath(PAGE);
  return { ok: true };
});

/** What "Confirm it's you" answers when it did not confirm, whichever way it was tried; the lock is emailed as it happens. */
async function reauthRefusal(
  { viewer, request }: Signed,
  result: Exclude<ReauthResult, { kind: "ok" }>,
  invalid: Refusal,
): Promise<Refusal> {
  switch (result.kind) {
    case "invalid":
      return invalid;
    case "retry":
      return refuse("The passkey check took too long. Please try again.");
    case "wait":
      return refuse("Please try again in five minutes.");
    case "locked":
      if (result.justLocked) {
        await notify(viewer, accountLockedEmail({ name: viewer.user.name }));
        await noticeLockToAdmins(result.adminsToTell ?? [], viewer.user, now(), request.ip);
      }
      return refuse("Your account has been locked. Ask an admin to unlock it.");
    case "throttled":
      return refuse(`Too many attempts. ${tryAgain(result.retryAt)}`);
  }
}

/** For "Confirm it's you" with the email method: a sign-in code, under the usual send limits. */
export const emailReauthCode = action(own, async ({ viewer, db }): Promise<ActionResult<{ resendAt: string; sent: boolean }>> => {
  // Only where an emailed code would be taken: a code the policy refuses would only count as a failure.
  if (!viewer.codeMethods.includes("email")) return refuse("Email authentication is not on.");
  const sent = await emailSignInCode(db, viewer.user);
  if (sent.ok) return { ok: true, resendAt: new Date(now().getTime() + RESEND_COOLDOWN_MS).toISOString(), sent: true };
  switch (sent.reason) {
    case "cooldown":
      return { ok: true, resendAt: sent.retryAt.toISOString(), sent: false };
    case "hourly_cap":
      return refuse(`Too many codes were sent in the last hour. You can ask for a new one after ${clock(sent.retryAt)}.`);
    case "not_sent":
      return refuse("The email could not be sent. Please try again in a moment.");
  }
});

/**
 * "Add a passkey", after the step-up: the options of the browser's ceremony, with a challenge bound to
 * this session for 5 minutes. Its answer needs no step-up of its own: only this session, within
 * minutes of confirming, can have that challenge.
 */
export const startPasskeySetup = action({ ...own, reauth: true }, async ({ viewer, db }) => {
  const rp = await relyingParty();
  if (!rp) return refuse(PASSKEYS_UNAVAILABLE);
  if (!viewer.policy.allowPasskeyMethod) return refuse(PASSKEYS_NOT_ALLOWED);
  const options = await registrationOptions(db, rp, {
    userId: viewer.user.id,
    sessionId: viewer.sessionId,
    email: viewer.user.email,
    name: viewer.user.name,
  });
  if ("refused" in options) {
    return refuse(options.refused === "busy" ? PASSKEY_BUSY : "You have as many passkeys as an account can hold. Remove one first.");
  }
  return { ok: true, options };
});

/**
 * The browser's answer to "Add a passkey": checked, stored under a default name, then named by the
 * person ("Rename"). The step-up must still hold: a challenge fetched at the end of the window does
 * not stretch it by five minutes.
 */
export const finishPasskeySetup = action(
  { ...own, input: ceremonyInput, reauth: true },
  async (context): Promise<ActionResult<PasskeyAdded>> => {
    const { viewer, db, request, input } = context;
    const rp = await relyingParty();
    if (!rp) return refuse(PASSKEYS_UNAVAILABLE);
    if (!viewer.policy.allowPasskeyMethod) return refuse(PASSKEYS_NOT_ALLOWED);
    const response = readRegistration(input.response);
    if (!response) return refuse(PASSKEY_NOT_ANSWERED);
    const added = await addPasskey(db, rp, { userId: viewer.user.id, sessionId: viewer.sessionId }, response, request);
    if (!added.ok) {
      switch (added.reason) {
        case "expired":
          return refuse("Adding the passkey took too long. Please start again.");
        case "duplicate":
          return refuse("This passkey is already on an account.");
        case "too_many":
          return refuse("You have as many passkeys as an account can hold. Remove one first.");
        case "refused":
          return refuse("The passkey could not be verified for this site. Please try again.");
      }
    }
    const done = await afterFactorProved(context, {
      firstMethod: added.firstMethod,
      email: passkeyAddedEmail({ name: viewer.user.name, passkeyName: added.passkey.name }),
      notice: "The passkey was added.",
    });
    return done.ok ? { ...done, passkey: added.passkey } : done;
  },
);

export const renameOwnPasskey = action(
  { ...own, input: renameInput, inputError: "first" },
  async ({ viewer, db, request, input }): Promise<ActionResult<{ name: string }>> => {
    const renamed = await renamePasskey(db, viewer.user.id, input.passkeyId, input.name, request);
    if (!renamed.ok) {
      return renamed.reason === "bad_name"
        ? refuse("Enter a name for the passkey.", { fieldErrors: { name: "Enter a name for the passkey." } })
        : refuse("This passkey is no longer on your account.");
    }
    revalidatePath(PAGE);
    return { ok: true, name: renamed.name };
  },
);

export const removeOwnPasskey = action(
  { ...own, input: passkeyIdInput, reauth: true },
  async ({ viewer, db, request, input }): Promise<ActionResult<{ notice: string }>> => {
    const { policy } = viewer;
    if (policy.requireEnrollment) {
      const passkeys = await listPasskeys(db, viewer.user.id);
      const lastPasskey = passkeys.every((passkey) => passkey.id === input.passkeyId);
      const left = lastPasskey ? viewer.methods.filter((kind) => kind !== "passkey") : viewer.methods;
      if (!left.some((kind) => allowedMethods(policy).includes(kind))) {
        return refuse("Your admin requires two-factor authentication. Set up another method before you remove this passkey.");
      }
    }
    const removed = await removePasskey(db, viewer.user.id, input.passkeyId, request);
    if (!removed.ok) return refuse("This passkey is no longer on your account.");
    await keepOnlyThisSession(viewer);
    await notify(viewer, passkeyRemovedEmail({ name: viewer.user.name, passkeyName: removed.name, twoFactorOff: removed.lastMethod }));
    revalidatePath(PAGE);
    const consequence = removed.lastMethod
      ? " Two-factor authentication is off: your backup codes were deleted."
      : removed.lastPasskey
        ? " You have no passkey left."
        : "";
    return { ok: true, notice: `“${removed.name}” was removed.${consequence} Your other sessions were signed out.` };
  },
);

/** "Confirm it's you" with a passkey: the options, with a challenge bound to this session. */
export const passkeyReauthOptions = action(own, async ({ viewer, db }) => {
  const rp = await relyingParty();
  if (!rp) return refuse(PASSKEYS_UNAVAILABLE);
  if (!viewer.codeMethods.includes("passkey")) return refuse("Passkeys are not on for your account.");
  const options = await stepUpPasskeyOptions(db, rp, { userId: viewer.user.id, sessionId: viewer.sessionId });
  if (options.ok) return { ok: true, options: options.options };
  return refuse(options.reason === "busy" ? PASSKEY_BUSY : "Passkeys are not on for your account.");
});

/** The passkey's answer: the same attempt rules as a code (a refused assertion counts; a closed prompt sends nothing). */
export const reauthenticateWithPasskey = action(
  { ...own, input: ceremonyInput },
  async ({ viewer, db, request, input }): Promise<ActionResult> => {
    const rp = await relyingParty();
    if (!rp) return refuse(PASSKEYS_UNAVAILABLE);
    const response = readAssertion(input.response);
    if (!response) return refuse(PASSKEY_NOT_ANSWERED);
    const session = { userId: viewer.user.id, sessionId: viewer.sessionId };
    const binding = { purpose: "step_up" as const, ...session };
    const result = await reauthenticateWithCode(db, session, { kind: "passkey", response, rp, binding }, request);
    if (result.kind !== "ok") return reauthRefusal({ viewer, db, request }, result, refuse("This passkey was not accepted."));
    revalidatePath(PAGE);
    return { ok: true };
  },
);
