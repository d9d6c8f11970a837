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

function formatTime(iso: string): string {
  return new Date(iso).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
}

export function VerifyForm({ methods, maskedEmail, rememberDays, retryAt, locked, resendAt }: Props) {
  const [verified, verify] = useActionState<VerifyResult | null, FormData>(verifyCode, null);
  const [emailed, requestEmail] = useActionState<VerifyResult | null, FormData>(sendEmailCode, null);
  // The passkey's answer shows where a code's would: the newest of the two is the one on screen.
  const [passkeyAnswer, setPasskeyAnswer] = useState<VerifyResult | null>(null);
  const [latest, setLatest] = useState<"code" | "passkey">("code");
  const [remember, setRemember] = useState(false);
  const state = messages(latest === "passkey" ? passkeyAnswer : verified);
  const emailState = messages(emailed);
  const hasApp = methods.includes("app");
  const hasEmail = methods.includes("email");
  const hasPasskey = methods.includes("passkey");
  const hasCode = hasApp || hasEmail;
  // A sign-in whose only passkey stood for the password has backup codes left to answer with.
  const backupOnly = !hasCode && !hasPasskey;
  const [mode, setMode] = useState<"code" | "backup">(backupOnly ? "backup" : "code");
  const [emailChosen, setEmailChosen] = useState(!hasApp);
  const resendSeconds = useSecondsUntil(emailState.resendAt ?? resendAt);
  const isLocked = locked || state.locked;
  const waitUntil = state.retryAt ?? retryAt;

  const instructions =
    mode === "backup"
      ? "Enter one of your backup codes, or a one-time code from your admin."
      : !hasCode
        ? "Use your passkey or security key to finish signing in."
        : hasApp && !emailChosen
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

  return (
    <div className="mt-2 flex flex-col gap-4">
      <p className="text-sm text-slate-600">{instructions}</p>
      {state.error ? <Alert>{state.error}</Alert> : null}
      {!state.error && emailState.error ? <Alert>{emailState.error}</Alert> : null}
      {emailState.notice ? <Alert tone="success">{emailState.notice}</Alert> : null}
      {!state.error && !isLocked && waitUntil && new Date(waitUntil) > new Date() ? (
        <Alert tone="warning">Please try again in five minutes (after {formatTime(waitUntil)}).</Alert>
      ) : null}
      {state.error && state.retryAt ? <p className="text-xs text-slate-500">You can try again after {formatTime(state.retryAt)}.</p> : null}
      {isLocked && !state.locked ? <Alert>Your account has been locked. Ask an admin to unlock it.</Alert> : null}

      {hasPasskey ? rememberBox : null}
      {hasPasskey && mode === "code" ? (
        <>
          <PasskeyButton
            start={() => passkeyOptions()}
            finish={(response) => verifyPasskey(answerForm(response, { remember: remember ? "on" : undefined }))}
            onResult={(result) => {
              setPasskeyAnswer(result);
              setLatest("passkey");
            }}
            disabled={isLocked}
          />
          {hasCode ? <p className="text-center text-xs text-slate-500">or enter a code</p> : null}
        </>
      ) : null}

      <form
        id="verify-code"
        action={(formData) => {
          setLatest("code");
          return verify(formData);
        }}
        className="flex flex-col gap-4"
        noValidate
        hidden={mode === "code" && !hasCode}
      >
        <input type="hidden" name="kind" value={mode} />
        {mode === "code" ? (
          hasCode ? (
            <OtpInput key="code" label="Authentication code" autoFocus={!hasPasskey} disabled={isLocked} />
          ) : null
        ) : (
          <BackupCodeField key="backup" disabled={isLocked} />
        )}
        {hasPasskey ? null : rememberBox}
        <SubmitButton pendingLabel="Verifying…" className="w-full" disabled={isLocked}>
          Verify
        </SubmitButton>
      </form>

      <div className="flex flex-wrap items-center justify-between gap-2 border-t border-slate-100 pt-4">
        {backupOnly ? (
          <span />
        ) : (
          <Button variant="ghost" className="px-2" onClick={() => setMode(mode === "code" ? "backup" : "code")}>
            {mode === "code" ? "Use a backup code" : hasCode ? "Use an authentication code" : "Use a passkey"}
          </Button>
        )}
        {hasEmail && mode === "code" ? (
          <form action={requestEmail}>
            {hasApp && !emailChosen ? (
              <SubmitButton variant="ghost" className="px-2" onClick={() => setEmailChosen(true)}>
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
      <form action={cancelSignIn}>
        <SubmitButton variant="secondary" className="w-full">
          Cancel
        </SubmitButton>
      </form>
    </div>
  );
}
