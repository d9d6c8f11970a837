"use server";
// The code step of sign-in, Resend and Cancel: the flow decides (lib/auth/sign-in-flow.ts); this keeps
// the cookies, the messages and the redirect.

import { redirect } from "next/navigation";
import { z } from "zod";
import { getDb } from "@/db/client";
import { action, formAction, refuse, type ActionResult, type Refusal } from "@/lib/action";
import { finishSignIn } from "@/lib/auth/finish-sign-in";
import { clearChallengeCookie, readChallengeCookie, setTrustedBrowserCookie } from "@/lib/auth/flow-cookies";
import { secondFactorPasskeyOptions } from "@/lib/auth/passkey-sign-in";
import {
  cancelSignIn as cancelPendingSignIn,
  codeStep,
  resendSignInCode,
  type ChallengeClaim,
  type CodeStepResult,
} from "@/lib/auth/sign-in-flow";
import { readAssertion } from "@/lib/passkeys/passkeys";
import { relyingParty } from "@/lib/passkeys/relying-party";
import { now } from "@/lib/clock";
import { backupCode, sixDigitCode } from "@/lib/two-factor/code-format";
import { RESEND_COOLDOWN_MS } from "@/lib/two-factor/email-codes";
import { SIGN_IN_UNAVAILABLE, unlessDatabaseIsDown } from "@/lib/unavailable";

/** What a refused code step tells the page besides its message. */
export type VerifyRefusal = { retryAt?: string; locked?: boolean; expired?: boolean; resendAt?: string };
export type VerifyResult = ActionResult<{ notice?: string; resendAt?: string }, VerifyRefusal>;

const EXPIRED: Refusal<VerifyRefusal> = refuse("This sign-in has expired. Please sign in again.", { expired: true });
const WAIT = "Please try again in five minutes.";
const LOCKED = "Your account has been locked. Ask an admin to unlock it.";
const PASSKEY_NOT_CHECKED = "The passkey could not be checked. Please try again.";
const PASSKEY_BUSY = "Too many passkey prompts were opened. Please wait a few minutes, or use another method.";

const remember = z.literal("on").optional();
const codeInput = z.object({
  kind: z.enum(["code", "backup"], "Invalid authentication code."),
  code: z.string("Invalid authentication code."),
  remember,
});
// The kind decides which format the code must have.
const codeFormats = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("code"), code: sixDigitCode, remember }),
  z.object({ kind: z.literal("backup"), code: backupCode, remember }),
]);

export const verifyCode = action(
  { access: "public", input: codeInput, inputError: "first", unavailable: SIGN_IN_UNAVAILABLE },
  async ({ input, db, request }): Promise<VerifyResult> => {
    const claim = await readChallengeCookie();
    if (!claim) return EXPIRED;
    const typed = codeFormats.safeParse(input);
    if (!typed.success) return refuse(typed.error.issues[0]?.message ?? "Invalid authentication code.");

    const result = await codeStep(db, claim, { ...typed.data, remember: typed.data.remember === "on" }, request);
    return answer(claim, result, typed.data.kind === "backup" ? "Invalid backup code." : "Invalid authentication code.");
  },
);

/** The page's answer to a code step: a message, or the redirect signed in. */
async function answer(claim: ChallengeClaim & { callbackUrl: string }, result: CodeStepResult, invalid: string): Promise<VerifyResult> {
  switch (result.kind) {
    case "invalid":
      return refuse(invalid);
    case "wait":
      return refuse(WAIT, { retryAt: result.retryAt.toISOString() });
    case "locked":
      return refuse(LOCKED, { locked: true });
    case "expired":
      return EXPIRED;
    case "retry":
      return refuse("The passkey check took too long. Please try again.");
  }
  const trusted = result.trustedBrowser;
  if (trusted)
    await setTrustedBrowserCookie({ browserId: trusted.id, userId: claim.userId, expiresAt: trusted.expiresAt }, now().getTime());
  await clearChallengeCookie();
  // finishSignIn ends in the redirect, signed in; it returns only when Auth.js refused the ticket.
  return refuse(await finishSignIn(result.ticket, result.mustEnroll ? "/profile/security" : claim.callbackUrl));
}

const PASSKEYS_UNAVAILABLE = "Passkeys are not available at this site address. Use another method.";

/** "Use a passkey": the options of the browser's ceremony, bound to this sign-in. A wait or a lock answers instead. */
export const passkeyOptions = action({ access: "public", unavailable: SIGN_IN_UNAVAILABLE }, async ({ db }) => {
  const claim = await readChallengeCookie();
  if (!claim) return EXPIRED;
  const rp = await relyingParty();
  if (!rp) return refuse(PASSKEYS_UNAVAILABLE);
  const options = await secondFactorPasskeyOptions(db, rp, claim);
  if (options.ok) return { ok: true as const, options: options.options };
  switch (options.reason) {
    case "expired":
      return EXPIRED;
    case "locked":
      return refuse(LOCKED, { locked: true });
    case "wait":
      return refuse(WAIT, { retryAt: options.retryAt?.toISOString() });
    case "none":
      return refuse("No passkey can answer this sign-in. Use another method.");
    case "busy":
      return refuse(PASSKEY_BUSY);
  }
});

const passkeyInput = z.object({ response: z.string(PASSKEY_NOT_CHECKED).max(40_000, PASSKEY_NOT_CHECKED), remember });

/**
 * The passkey's answer, under the same rules as a code: a refused assertion counts toward the wait and
 * the lock; a prompt closed without answering sends nothing here at all.
 */
export const verifyPasskey = action(
  { access: "public", input: passkeyInput, inputError: "first", unavailable: SIGN_IN_UNAVAILABLE },
  async ({ input, db, request }): Promise<VerifyResult> => {
    const claim = await readChallengeCookie();
    if (!claim) return EXPIRED;
    const rp = await relyingParty();
    if (!rp) return refuse(PASSKEYS_UNAVAILABLE);
    const response = readAssertion(input.response);
    if (!response) return refuse(PASSKEY_NOT_CHECKED);
    const binding = { purpose: "second_factor" as const, userId: claim.userId, signInChallengeId: claim.challengeId };
    const result = await codeStep(db, claim, { kind: "passkey", response, rp, binding, remember: input.remember === "on" }, request);
    return answer(claim, result, "This passkey was not accepted.");
  },
);

export const sendEmailCode = action({ access: "public", unavailable: SIGN_IN_UNAVAILABLE }, async ({ db }): Promise<VerifyResult> => {
  const claim = await readChallengeCookie();
  if (!claim) return EXPIRED;
  const sent = await resendSignInCode(db, claim);
  if (sent.ok)
    return {
      ok: true,
      notice: "We sent a new code to your email.",
      resendAt: new Date(now().getTime() + RESEND_COOLDOWN_MS).toISOString(),
    };
  switch (sent.reason) {
    case "expired":
      return EXPIRED;
    case "no_email":
      return refuse("Email codes are not set up for this account.");
    case "not_sent":
      return refuse("The email could not be sent. Please try again in a moment.");
    case "cooldown":
      return refuse("A code was just sent. You can ask for another one shortly.", { resendAt: sent.retryAt.toISOString() });
    case "hourly_cap":
      return refuse("Too many codes were sent in the last hour. Use your authenticator app or a backup code, or try later.", {
        resendAt: sent.retryAt.toISOString(),
      });
  }
});

/** Cancel ends the pending sign-in; without the database the challenge row stays until it expires, but the cookie that names it goes. */
export const cancelSignIn = formAction({ access: "public" }, async ({ request }) => {
  const claim = await readChallengeCookie();
  if (claim) await unlessDatabaseIsDown(async () => cancelPendingSignIn(await getDb(), claim, request), undefined);
  await clearChallengeCookie();
  redirect("/login");
});
