"use server";

import { redirect } from "next/navigation";
import { z } from "zod";
import { getDb } from "@/db/client";
import { recordEvent } from "@/lib/audit";
import { emailSignInCode } from "@/lib/auth/email-sign-in-code";
import { finishSignIn } from "@/lib/auth/finish-sign-in";
import { clearChallengeCookie, readChallengeCookie, setTrustedBrowserCookie } from "@/lib/auth/flow-cookies";
import { signInMethods, verifySignInCode } from "@/lib/auth/second-factor";
import { now } from "@/lib/clock";
import { normalizeBackupCode } from "@/lib/crypto";
import { sendEmail } from "@/lib/email";
import { accountLockedEmail } from "@/lib/email/templates";
import { formFields } from "@/lib/forms";
import { requestContext } from "@/lib/request";
import { SIGN_IN_UNAVAILABLE, unlessDatabaseIsDown } from "@/lib/unavailable";
import { cancelChallenge, completeChallenge, findLiveChallenge } from "@/lib/two-factor/challenge";
import { RESEND_COOLDOWN_MS } from "@/lib/two-factor/email-codes";
import { enrollmentRequired } from "@/lib/two-factor/enrollment";
import { getPolicy, skipDays } from "@/lib/two-factor/policy";
import { trustBrowser } from "@/lib/two-factor/trusted-browsers";
import { findUserById } from "@/lib/users";

export type VerifyState = {
  error?: string;
  notice?: string;
  retryAt?: string;
  locked?: boolean;
  resendAt?: string;
  expired?: boolean;
};

const EXPIRED: VerifyState = { error: "This sign-in has expired. Please sign in again.", expired: true };
const WAIT = "Please try again in five minutes.";
const LOCKED = "Your account has been locked. Ask an admin to unlock it.";

const codeInput = z.discriminatedUnion("kind", [
  z.object({
    kind: z.literal("code"),
    code: z.string().regex(/^[0-9]{6}$/, "Enter the 6-digit code."),
    remember: z.literal("on").optional(),
  }),
  z.object({
    kind: z.literal("backup"),
    code: z
      .string()
      .max(40, "Enter a backup code like abcde-12345.")
      .refine((value) => normalizeBackupCode(value) !== null, "Enter a backup code like abcde-12345."),
    remember: z.literal("on").optional(),
  }),
]);

/** The live challenge behind this browser's cookie, or null. */
async function currentChallenge() {
  const cookie = await readChallengeCookie();
  if (!cookie) return null;
  const db = await getDb();
  const challenge = await findLiveChallenge(db, cookie.challengeId, cookie.userId);
  return challenge ? { db, cookie, challenge } : null;
}

const UNAVAILABLE: VerifyState = { error: SIGN_IN_UNAVAILABLE };

export async function verifyCode(_previous: VerifyState, formData: FormData): Promise<VerifyState> {
  return unlessDatabaseIsDown(() => codeStep(formData), UNAVAILABLE);
}

async function codeStep(formData: FormData): Promise<VerifyState> {
  const current = await currentChallenge();
  if (!current) return EXPIRED;
  const { db, cookie } = current;
  const parsed = codeInput.safeParse(formFields(formData, ["kind", "code", "remember"]));
  if (!parsed.success) return { error: parsed.error.issues[0]?.message ?? "Invalid authentication code." };

  const context = await requestContext();
  const result = await verifySignInCode(db, cookie.userId, parsed.data, context);
  if (result.kind === "invalid") return { error: "Invalid authentication code." };
  if (result.kind === "wait") return { error: WAIT, retryAt: result.retryAt.toISOString() };
  if (result.kind === "locked") {
    if (result.justLocked) {
      const user = await findUserById(db, cookie.userId);
      if (user) {
        await sendEmail({ to: user.email, ...accountLockedEmail({ name: user.name }) }).catch((error: unknown) =>
          console.error("[tessera] lock email failed:", error instanceof Error ? error.message : error),
        );
      }
    }
    await cancelChallenge(db, cookie.challengeId, cookie.userId);
    return { error: LOCKED, locked: true };
  }

  if (!(await completeChallenge(db, cookie.challengeId, cookie.userId, result.method ?? "code"))) return EXPIRED;
  const days = skipDays(await getPolicy(db));
  if (parsed.data.remember && days !== null) {
    const browser = await trustBrowser(db, cookie.userId, days, context);
    await setTrustedBrowserCookie({ browserId: browser.id, userId: cookie.userId, expiresAt: browser.expiresAt }, now().getTime());
  }
  await clearChallengeCookie();
  const next = (await enrollmentRequired(db, cookie.userId)) ? "/profile/security" : cookie.callbackUrl;
  return { error: await finishSignIn(db, cookie.userId, context, next) };
}

export async function sendEmailCode(_previous: VerifyState): Promise<VerifyState> {
  return unlessDatabaseIsDown(emailCodeStep, UNAVAILABLE);
}

async function emailCodeStep(): Promise<VerifyState> {
  const current = await currentChallenge();
  if (!current) return EXPIRED;
  const { db, cookie } = current;
  const [user, methods] = await Promise.all([findUserById(db, cookie.userId), signInMethods(db, cookie.userId)]);
  if (!user || !methods.includes("email")) return { error: "Email codes are not set up for this account." };
  try {
    const sent = await emailSignInCode(db, user);
    if (!sent.ok) {
      return sent.reason === "cooldown"
        ? { error: "A code was just sent. You can ask for another one shortly.", resendAt: sent.retryAt.toISOString() }
        : {
            error: "Too many codes were sent in the last hour. Use your authenticator app or a backup code, or try later.",
            resendAt: sent.retryAt.toISOString(),
          };
    }
  } catch (error) {
    console.error("[tessera] sign-in code email failed:", error instanceof Error ? error.message : error);
    return { error: "The email could not be sent. Please try again in a moment." };
  }
  return { notice: "We sent a new code to your email.", resendAt: new Date(now().getTime() + RESEND_COOLDOWN_MS).toISOString() };
}

export async function cancelSignIn(): Promise<void> {
  // Without the database the challenge row stays until it expires, but the cookie that names it goes.
  await unlessDatabaseIsDown(async () => {
    const current = await currentChallenge();
    if (current) {
      await cancelChallenge(current.db, current.cookie.challengeId, current.cookie.userId);
      await recordEvent(current.db, { type: "sign_in.cancelled", subjectId: current.cookie.userId, context: await requestContext() });
    }
  }, undefined);
  await clearChallengeCookie();
  redirect("/login");
}
