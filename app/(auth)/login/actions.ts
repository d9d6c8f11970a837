"use server";

import { redirect } from "next/navigation";
import { z } from "zod";
import { getDb } from "@/db/client";
import { recordEvent } from "@/lib/audit";
import { emailSignInCode } from "@/lib/auth/email-sign-in-code";
import { finishSignIn } from "@/lib/auth/finish-sign-in";
import { clearTrustedBrowserCookie, readTrustedBrowserCookie, setChallengeCookie } from "@/lib/auth/flow-cookies";
import { stepAfterPassword } from "@/lib/auth/second-factor";
import { verifyPasswordStep } from "@/lib/auth/sign-in";
import { PLAIN_TEXT, formFields } from "@/lib/forms";
import { requestContext } from "@/lib/request";
import { SIGN_IN_UNAVAILABLE, unlessDatabaseIsDown } from "@/lib/unavailable";
import { safeCallbackPath } from "@/lib/safe-redirect";
import { createChallenge } from "@/lib/two-factor/challenge";
import { enrollmentRequired } from "@/lib/two-factor/enrollment";

export type LoginState = { error?: string; account?: string };

const INVALID = "Invalid account or password.";

const loginInput = z.object({
  account: z.string(INVALID).trim().min(1, "Enter your account and password.").max(254, INVALID).regex(PLAIN_TEXT, INVALID),
  password: z.string(INVALID).min(1, "Enter your account and password.").max(256, INVALID),
  callbackUrl: z.string().max(512).optional(),
});

export async function signInWithPassword(_previous: LoginState, formData: FormData): Promise<LoginState> {
  const fields = formFields(formData, ["account", "password", "callbackUrl"]);
  const account = fields.account?.slice(0, 254) ?? "";
  return unlessDatabaseIsDown(() => passwordStep(fields, account), { error: SIGN_IN_UNAVAILABLE, account });
}

async function passwordStep(fields: Record<string, string | undefined>, account: string): Promise<LoginState> {
  const parsed = loginInput.safeParse(fields);
  if (!parsed.success) return { error: parsed.error.issues[0]?.message ?? INVALID, account };

  const context = await requestContext();
  const db = await getDb();
  const result = await verifyPasswordStep(db, parsed.data, context);
  switch (result.kind) {
    case "invalid":
      return { error: INVALID, account };
    case "throttled":
      return { error: "Too many sign-in attempts. Please wait a few minutes and try again.", account };
    case "locked":
      return { error: "Your account has been locked. Ask an admin to unlock it.", account };
    case "disabled":
      return { error: "This account is disabled. Ask an admin for help.", account };
  }

  const { user } = result;
  const callbackUrl = safeCallbackPath(parsed.data.callbackUrl);
  const trusted = await readTrustedBrowserCookie();
  const step = await stepAfterPassword(db, user.id, trusted);
  if (trusted && (step.kind !== "complete" || step.reason !== "trusted_browser")) await clearTrustedBrowserCookie();
  if (step.kind === "complete") {
    // A user who must first set up an allowed second factor goes straight to where that is done.
    const next = (await enrollmentRequired(db, user.id)) ? "/profile/security" : callbackUrl;
    return { error: await finishSignIn(db, user.id, context, next), account };
  }

  const challenge = await db.transaction(async (tx) => {
    const created = await createChallenge(tx, user.id);
    await recordEvent(tx, { type: "sign_in.challenged", subjectId: user.id, context, details: { methods: step.methods } });
    return created;
  });
  await setChallengeCookie({ challengeId: challenge.id, userId: user.id, callbackUrl });
  // With email as the only method the code goes out at once; with the app it waits to be asked for.
  if (step.methods.length === 1 && step.methods[0] === "email") {
    // A failed send is not fatal: the verify page offers "Resend".
    await emailSignInCode(db, user).catch((error: unknown) =>
      console.error("[tessera] sign-in code email failed:", error instanceof Error ? error.message : error),
    );
  }
  redirect("/login/verify");
}
