"use server";
// The password step of User Sign In: the flow decides (lib/auth/sign-in-flow.ts); this keeps the cookies,
// the messages and the redirect.

import { redirect } from "next/navigation";
import { z } from "zod";
import { action, refuse, type ActionResult } from "@/lib/action";
import { finishSignIn } from "@/lib/auth/finish-sign-in";
import {
  clearPasskeySignInCookie,
  clearTrustedBrowserCookie,
  readDeviceCookie,
  readPasskeySignInCookie,
  readTrustedBrowserCookie,
  rememberDevice,
  setChallengeCookie,
  setPasskeySignInCookie,
  type TrustedBrowserCookie,
} from "@/lib/auth/flow-cookies";
import { passkeySignInOptions, passkeySignInStep } from "@/lib/auth/passkey-sign-in";
import { tryAgain } from "@/lib/auth/password-limits";
import { passwordStep, type PasswordStepResult } from "@/lib/auth/sign-in-flow";
import { readAssertion } from "@/lib/passkeys/passkeys";
import { relyingParty } from "@/lib/passkeys/relying-party";
import { PLAIN_TEXT } from "@/lib/forms";
import { safeCallbackPath } from "@/lib/safe-redirect";
import { SIGN_IN_UNAVAILABLE } from "@/lib/unavailable";

export type LoginResult = ActionResult;

const INVALID = "Invalid account or password.";

const loginInput = z.object({
  account: z.string(INVALID).trim().min(1, "Enter your account and password.").max(254, INVALID).regex(PLAIN_TEXT, INVALID),
  password: z.string(INVALID).min(1, "Enter your account and password.").max(256, INVALID),
  callbackUrl: z.string().max(512).optional(),
});

export const signInWithPassword = action(
  { access: "public", input: loginInput, inputError: "first", echo: ["account"], unavailable: SIGN_IN_UNAVAILABLE },
  async ({ input, db, request }) => {
    const [trusted, device] = await Promise.all([readTrustedBrowserCookie(), readDeviceCookie()]);
    const result = await passwordStep(db, input, request, trusted, device);
    switch (result.kind) {
      case "invalid":
        return refuse(INVALID);
      case "throttled":
        return refuse(`Too many sign-in attempts. ${tryAgain(result.retryAt)}`);
    }
    // The password was right: this browser is a known device of the account from now on.
    await rememberDevice(result.userId, device);
    // A trusted browser is for a password's sign-in only: its cookie is left as it is.
    return onward(result, null, input.callbackUrl);
  },
);

/** After a first factor: signed in (the redirect), or on to the code page with the challenge cookie. */
async function onward(
  result: Exclude<PasswordStepResult, { kind: "invalid" | "throttled" }>,
  trusted: TrustedBrowserCookie | null,
  callbackUrlTyped: string | undefined,
): Promise<LoginResult> {
  // A trust cookie that did not skip the code is stale: it goes.
  if (trusted && !(result.kind === "signed_in" && result.via === "trusted_browser")) await clearTrustedBrowserCookie();
  const callbackUrl = safeCallbackPath(callbackUrlTyped);
  if (result.kind === "signed_in") {
    // A user who must first set up an allowed second factor goes straight to where that is done.
    // finishSignIn ends in the redirect, signed in; it returns only when Auth.js refused the ticket.
    return refuse(await finishSignIn(result.ticket, result.mustEnroll ? "/profile/security" : callbackUrl));
  }
  await setChallengeCookie({ challengeId: result.challengeId, userId: result.userId, callbackUrl });
  redirect("/login/verify");
}

const PASSKEY_REFUSED = "This passkey can't sign you in. Sign in with your account and password.";
const PASSKEY_NOT_CHECKED = "The passkey could not be checked. Please try again.";

/**
 * "Sign in with a passkey" and the Account field's autofill: the options for any passkey of this site,
 * with a challenge bound to this browser by a sealed cookie for 5 minutes.
 */
export const passkeySignInStart = action({ access: "public", unavailable: SIGN_IN_UNAVAILABLE }, async ({ db, request }) => {
  const rp = await relyingParty();
  if (!rp) return refuse("Passkeys are not available at this site address.");
  const started = await passkeySignInOptions(db, rp, request);
  if (!started.ok) return refuse(`Too many passkey sign-ins from this network. ${tryAgain(started.retryAt)}`);
  await setPasskeySignInCookie({ id: started.id });
  return { ok: true, options: started.options };
});

const passkeyInput = z.object({
  response: z.string(PASSKEY_NOT_CHECKED).max(40_000, PASSKEY_NOT_CHECKED),
  callbackUrl: z.string().max(512).optional(),
});

/**
 * The passkey's answer: with user verification, signed in; without, it stood for the password and the
 * code page follows. Whatever refused it (unknown, another site, a locked account), one message.
 */
export const signInWithPasskey = action(
  { access: "public", input: passkeyInput, inputError: "first", unavailable: SIGN_IN_UNAVAILABLE },
  async ({ input, db, request }): Promise<LoginResult> => {
    const rp = await relyingParty();
    if (!rp) return refuse("Passkeys are not available at this site address.");
    const claim = await readPasskeySignInCookie();
    const response = readAssertion(input.response);
    if (!response) return refuse(PASSKEY_NOT_CHECKED);
    if (!claim) return refuse("The passkey sign-in took too long. Please try again.");
    const result = await passkeySignInStep(db, rp, claim, response, request);
    // Whatever the outcome, the challenge is spent: the cookie that named it goes.
    await clearPasskeySignInCookie();
    switch (result.kind) {
      case "expired":
        return refuse("The passkey sign-in took too long. Please try again.");
      case "invalid":
        return refuse(PASSKEY_REFUSED);
    }
    // A trusted browser is for a password's sign-in only: its cookie is left as it is.
    return onward(result, null, input.callbackUrl);
  },
);
