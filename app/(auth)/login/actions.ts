"use server";
// The password step of User Sign In: the flow decides (lib/auth/sign-in-flow.ts); this keeps the cookies,
// the messages and the redirect.

import { redirect } from "next/navigation";
import { z } from "zod";
import { action, refuse, type ActionResult } from "@/lib/action";
import { finishSignIn } from "@/lib/auth/finish-sign-in";
import {
  clearTrustedBrowserCookie,
  readDeviceCookie,
  readTrustedBrowserCookie,
  rememberDevice,
  setChallengeCookie,
} from "@/lib/auth/flow-cookies";
import { tryAgain } from "@/lib/auth/password-limits";
import { passwordStep } from "@/lib/auth/sign-in-flow";
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
    // A trust cookie that did not skip the code is stale: it goes.
    if (trusted && !(result.kind === "signed_in" && result.via === "trusted_browser")) await clearTrustedBrowserCookie();
    const callbackUrl = safeCallbackPath(input.callbackUrl);
    if (result.kind === "signed_in") {
      // A user who must first set up an allowed second factor goes straight to where that is done.
      // finishSignIn ends in the redirect, signed in; it returns only when Auth.js refused the ticket.
      return refuse(await finishSignIn(result.ticket, result.mustEnroll ? "/profile/security" : callbackUrl));
    }
    await setChallengeCookie({ challengeId: result.challengeId, userId: result.userId, callbackUrl });
    redirect("/login/verify");
  },
);
