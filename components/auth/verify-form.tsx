"use client";

import { useActionState, useState } from "react";
import {
  cancelSignIn,
  passkeyOptions,
  sendEmailCode,
  verifyCode,
  verifyPasskey,
  type VerifyResult,
} from "@/app/(auth)/login/verify/actions";
import { PasskeyButton, answerForm } from "@/components/passkeys/passkey-button";
import { Alert } from "@/components/ui/alert";
import { Button, SubmitButton } from "@/components/ui/button";
import { BackupCodeField } from "@/components/ui/backup-code-field";
import { OtpInput } from "@/components/ui/otp-input";
import { useSecondsUntil } from "@/components/two-factor/use-seconds-until";
import type { MethodKind } from "@/db/schema";

type Props = {
  methods: MethodKind[];
  maskedEmail: string;
  rememberDays: number | null;
  retryAt: string | null;
  locked: boolean;
  resendAt: string | null;
};

type Shown = { error?: string; notice?: string; resendAt?: string; retryAt?: string; locked?: boolean; expired?: boolean };

/** The fields this page shows, whichever way the action answered. */
function messages(result: VerifyResult | null): Shown {
  if (!result) return {};
  if (result.ok) return { notice: result.notice, resendAt: result.resendAt };
  return "reauth" in result ? { error: result.error } : result;
}

/** "4:05": what is left of a wait, to the second. */
function minutesAndSeconds(seconds: number): string {
  return `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, "0")}`;
}

/** How the person answers: the app's code, an emailed code, a backup code (or, above them all, a passkey). */
type Mode = "app" | "email" | "backup";

export function VerifyForm({ methods, maskedEmail, rememberDays, retryAt, locked, resendAt }: Props) {
  const [verified, verify] = useActionState<VerifyResult | null, FormData>(verifyCode, null);
  const [emailed, requestEmail] = useActionState<VerifyResult | null, FormData>(sendEmailCode, null);
  // The passkey's answer shows where a code's would: the newest of the two is the one on screen.
  const [passkeyAnswer, setPasskeyAnswer] = useState<VerifyResult | null>(null);
  const [latest, setLatest] = useState<"code" | "passkey">("code");
  const [remember, setRemember] = useState(false);
  const hasApp = methods.includes("app");
  const hasEmail = methods.includes("email");
  const hasPasskey = methods.includes("passkey");
  const [mode, setMode] = useState<Mode>(hasApp ? "app" : hasEmail ? "email" : "backup");
  // A message belongs to the mode it came from: switching modes leaves it behind. (An answer already
  // there as the page renders came from a form posted without scripts, which stays in its first mode.)
  const [answeredIn, setAnsweredIn] = useState<Mode | null>(verified ? mode : null);
  const [submittedIn, setSubmittedIn] = useState<Mode | null>(null);
  // Each answer to a code remounts the field, so a refused code does not stay in it. Adjusted during
  // render as the answer arrives: the form's action must be the dispatcher itself (see below).
  const [sent, setSent] = useState(0);
  const [answered, setAnswered] = useState(verified);
  if (answered !== verified) {
    setAnswered(verified);
    setSent((count) => count + 1);
    setLatest("code");
    setAnsweredIn(submittedIn);
  }
  const answer = messages(latest === "passkey" ? passkeyAnswer : verified);
  // A wait's message goes once the wait is over, as does one from a mode left since.
  const state = latest === "passkey" || answeredIn === mode ? answer : {};
  const emailState = messages(emailed);
  const resendSeconds = useSecondsUntil(emailState.resendAt ?? resendAt);
  const isLocked = locked || Boolean(answer.locked);
  const waitSeconds = useSecondsUntil(answer.retryAt ?? retryAt);
  const waiting = !isLocked && waitSeconds > 0;
  const error = state.retryAt && !waiting ? undefined : state.error;
  const codeMode = mode === "app" || mode === "email";

  function switchTo(next: Mode) {
    setMode(next);
    setAnsweredIn(null);
  }

  if (isLocked) {
    // Nothing can be answered now: only the way out is offered.
    return (
      <div className="mt-2 flex flex-col gap-4">
        <Alert>Your account has been locked. Ask an admin to unlock it.</Alert>
        <CancelSignIn />
      </div>
    );
  }

  const instructions =
    mode === "backup"
      ? hasPasskey && !hasApp && !hasEmail
        ? "Use your passkey or security key, or enter one of your backup codes (or a one-time code from your admin)."
        : "Enter one of your backup codes, or a one-time code from your admin."
      : mode === "app"
        ? "Open your authenticator app and enter the 6-digit code for this account."
        : `We emailed a 6-digit code to ${maskedEmail}. It is valid for 10 minutes.`;

  // One choice for every way of answering: the passkey's answer sends it too.
  const rememberBox =
    rememberDays !== null ? (
      <label className="flex items-center gap-2 text-sm text-slate-700">
        <input
          type="checkbox"
          name="remember"
          form="verify-code"
          checked={remember}
          onChange={(event) => setRemember(event.target.checked)}
          className="size-4 rounded border-slate-300 accent-brand-600"
        />
        Don&apos;t ask again for {rememberDays} days
      </label>
    ) : null;

  const waitNotice = waiting ? (
    <p className="text-sm text-amber-900" aria-live="off">
      You can try again in <span className="font-medium tabular-nums">{minutesAndSeconds(waitSeconds)}</span>.
    </p>
  ) : null;

  return (
    <div className="mt-2 flex flex-col gap-4">
      <p className="text-sm text-slate-600">{instructions}</p>
      {error ? <Alert>{error}</Alert> : null}
      {!error && emailState.error && mode === "email" ? <Alert>{emailState.error}</Alert> : null}
      {emailState.notice && mode === "email" ? <Alert tone="success">{emailState.notice}</Alert> : null}
      {waiting && !error ? <Alert tone="warning">Please try again in five minutes.</Alert> : null}
      {waitNotice}

      {hasPasskey ? rememberBox : null}
      {hasPasskey ? (
        <>
          <PasskeyButton
            start={() => passkeyOptions()}
            finish={(response) => verifyPasskey(answerForm(response, { remember: remember ? "on" : undefined }))}
            onResult={(result) => {
              setPasskeyAnswer(result);
              setLatest("passkey");
            }}
            disabled={waiting}
          />
          <p className="text-center text-xs text-slate-600">{mode === "backup" ? "or enter a backup code" : "or enter a code"}</p>
        </>
      ) : null}

      {/* The action is the dispatcher itself, which the server renders as a plain HTML form: a code is
          taken before the scripts have loaded, and without them. A wrapper function would render as
          "javascript:throw" instead. */}
      <form id="verify-code" action={verify} onSubmit={() => setSubmittedIn(mode)} className="flex flex-col gap-4" noValidate>
        <input type="hidden" name="kind" value={codeMode ? "code" : "backup"} />
        {codeMode ? (
          <OtpInput key={`code-${sent}`} label="Authentication code" autoFocus={!hasPasskey} disabled={waiting} />
        ) : (
          <BackupCodeField key={`backup-${sent}`} disabled={waiting} />
        )}
        {hasPasskey ? null : rememberBox}
        <SubmitButton pendingLabel="Verifying…" className="w-full" disabled={waiting}>
          Verify
        </SubmitButton>
      </form>

      {/* Every other way this person has, at any time: never a choice that cannot work. */}
      <div className="flex flex-wrap items-center gap-x-2 gap-y-1 border-t border-slate-100 pt-4">
        {mode !== "backup" ? (
          <Button variant="ghost" className="px-2" onClick={() => switchTo("backup")}>
            Use a backup code
          </Button>
        ) : hasApp || hasEmail ? (
          <Button variant="ghost" className="px-2" onClick={() => switchTo(hasApp ? "app" : "email")}>
            Use an authentication code
          </Button>
        ) : null}
        {hasApp && mode === "email" ? (
          <Button variant="ghost" className="px-2" onClick={() => switchTo("app")}>
            Use the authenticator app
          </Button>
        ) : null}
        {hasEmail && mode !== "backup" ? (
          <form action={requestEmail} className="ml-auto">
            {mode === "app" ? (
              <SubmitButton variant="ghost" className="px-2" onClick={() => switchTo("email")}>
                Email me a code instead
              </SubmitButton>
            ) : (
              <SubmitButton variant="ghost" className="px-2" disabled={resendSeconds > 0} aria-label="Resend">
                {resendSeconds > 0 ? `Resend (${resendSeconds}s)` : "Resend"}
              </SubmitButton>
            )}
          </form>
        ) : null}
      </div>
      <CancelSignIn />
    </div>
  );
}

/** The way out of the code page, in every state: the pending sign-in ends and User Sign In follows. */
function CancelSignIn() {
  return (
    <form action={cancelSignIn}>
      <SubmitButton variant="secondary" className="w-full">
        Cancel
      </SubmitButton>
    </form>
  );
}
