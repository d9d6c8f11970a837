"use server";
// The code step of sign-in, Resend and Cancel: the flow decides (lib/auth/sign-in-flow.ts); this keeps
// the cookies, the messages and the redirect.

import { redirect } from "next/navigation";
import { z } from "zod";
import { getDb } from "@/db/client";
import { action, formAction, refuse, type ActionResult, type Refusal } from "@/lib/action";
import { finishSignIn } from "@/lib/auth/finish-sign-in";
import { clearChallengeCookie, readChallengeCookie, setTrustedBrowserCookie } from "@/lib/auth/flow-cookies";
import { cancelSignIn as cancelPendingSignIn, codeStep, resendSignInCode } from "@/lib/auth/sign-in-flow";
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
    switch (result.kind) {
      case "invalid":
        return refuse("Invalid authentication code.");
      case "wait":
        return refuse(WAIT, { retryAt: result.retryAt.toISOString() });
      case "locked":
        return refuse(LOCKED, { locked: true });
      case "expired":
        return EXPIRED;
    }
    const trusted = result.trustedBrowser;
    if (trusted)
      await setTrustedBrowserCookie({ browserId: trusted.id, userId: claim.userId, expiresAt: trusted.expiresAt }, now().getTime());
    await clearChallengeCookie();
    // finishSignIn ends in the redirect, signed in; it returns only when Auth.js refused the ticket.
    return refuse(await finishSignIn(result.ticket, result.mustEnroll ? "/profile/security" : claim.callbackUrl));
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
