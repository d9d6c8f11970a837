// "Confirm it's you": before a sensitive change the user proves it is them again (SECURITY.md 15) with a
// current code from one of their methods, or a backup code, which is then used up; the password only
// when they have no method. The change they asked for then runs again by itself. One provider for the
// whole console (the layout), so admin pages ask the same way the profile does.
"use client";

import { createContext, useCallback, useContext, useRef, useState } from "react";
import { emailReauthCode, passkeyReauthOptions, reauthenticate, reauthenticateWithPasskey } from "@/app/(console)/profile/security/actions";
import { PasskeyButton, answerForm } from "@/components/passkeys/passkey-button";
import type { ActionResult, Refusal } from "@/lib/action-result";
import { Alert } from "@/components/ui/alert";
import { Button, SubmitButton } from "@/components/ui/button";
import { Dialog } from "@/components/ui/dialog";
import { Field } from "@/components/ui/field";
import { BackupCodeField } from "@/components/ui/backup-code-field";
import { OtpInput } from "@/components/ui/otp-input";
import type { MethodKind } from "@/db/schema";
import { useSecondsUntil } from "./use-seconds-until";

type Retry = () => Promise<void>;

/** Opens "Confirm it's you"; resolves true once the user is confirmed, false when they close it. */
const StepUpContext = createContext<() => Promise<boolean>>(async () => false);

export function useStepUp(): () => Promise<boolean> {
  return useContext(StepUpContext);
}

/** Opens "Confirm it's you"; `retry` runs once the user is confirmed. */
export function useReauth(): (retry: Retry) => void {
  const stepUp = useStepUp();
  return useCallback(
    (retry: Retry) => {
      void stepUp().then((confirmed) => (confirmed ? retry() : undefined));
    },
    [stepUp],
  );
}

/**
 * For a form's useActionState: an answer that asks for a step-up opens "Confirm it's you" (over the
 * form's own dialog, if any, which keeps what was typed) and, once confirmed, sends the same form
 * again. Closed without confirming, the answer shows as the form's refusal.
 */
export function useStepUpAction<R extends ActionResult>(
  action: (previous: R | null, formData: FormData) => Promise<R>,
): (previous: R | null, formData: FormData) => Promise<R> {
  const stepUp = useStepUp();
  return async (previous, formData) => {
    const result = await action(previous, formData);
    if (!("reauth" in result)) return result;
    return (await stepUp()) ? action(previous, formData) : result;
  };
}

export function ReauthProvider({ methods, children }: { methods: MethodKind[]; children: React.ReactNode }) {
  const [open, setOpen] = useState(false);
  const settle = useRef<((confirmed: boolean) => void) | null>(null);
  const stepUp = useCallback(
    () =>
      new Promise<boolean>((resolve) => {
        // A second request while the dialog is open is answered with the first.
        const previous = settle.current;
        settle.current = (confirmed) => {
          previous?.(confirmed);
          resolve(confirmed);
        };
        setOpen(true);
      }),
    [],
  );
  const close = (confirmed: boolean) => {
    setOpen(false);
    settle.current?.(confirmed);
    settle.current = null;
  };
  const withCode = methods.length > 0;

  return (
    <StepUpContext value={stepUp}>
      {children}
      <Dialog
        open={open}
        onClose={() => close(false)}
        title="Confirm it's you"
        description={
          methods.includes("passkey")
            ? "This change needs your passkey, a current code, or a backup code. You won't be asked again for 10 minutes."
            : withCode
              ? "This change needs a current code from your authenticator app or email, or a backup code. You won't be asked again for 10 minutes."
              : "This change needs your password. You won't be asked again for 10 minutes."
        }
      >
        {open ? <ReauthForm methods={methods} onConfirmed={() => close(true)} /> : null}
      </Dialog>
    </StepUpContext>
  );
}

type Mode = "password" | "code" | "backup";

function ReauthForm({ methods, onConfirmed }: { methods: MethodKind[]; onConfirmed: () => void }) {
  const [mode, setMode] = useState<Mode>(methods.length > 0 ? "code" : "password");
  const [failure, setFailure] = useState<Refusal | null>(null);
  // Bumped after each refusal, so the field comes back empty and focused.
  const [attempt, setAttempt] = useState(0);
  const [email, setEmail] = useState<{ resendAt?: string; sent?: boolean; error?: string }>({});
  const asked = email.resendAt !== undefined;
  const resendSeconds = useSecondsUntil(email.resendAt);
  const hasApp = methods.includes("app");
  const hasEmail = methods.includes("email");
  const hasPasskey = methods.includes("passkey");
  const hasCode = hasApp || hasEmail;

  async function confirm(formData: FormData) {
    setFailure(null);
    const result = await reauthenticate(formData).catch((): Refusal => ({ ok: false, error: "Something went wrong. Please try again." }));
    if (!result || "reauth" in result) return;
    if (!result.ok) {
      setFailure(result);
      setAttempt((count) => count + 1);
      return;
    }
    onConfirmed();
  }

  async function sendCode() {
    const result = await emailReauthCode().catch((): Refusal => ({ ok: false, error: "The email could not be sent. Please try again." }));
    if (!result || "reauth" in result) return;
    setEmail(result.ok ? { resendAt: result.resendAt, sent: result.sent } : { error: result.error, resendAt: email.resendAt });
  }

  const switchTo = (next: Mode) => {
    setFailure(null);
    setMode(next);
  };
  const fieldError = mode === "password" ? failure?.fieldErrors?.password : failure?.fieldErrors?.code;
  const codeHint = hasApp
    ? `Enter the 6-digit code from your authenticator app${hasEmail ? ", or have one sent to your email" : ""}.`
    : "We can email you a 6-digit code.";

  const passkeyOnly = mode === "code" && !hasCode;

  return (
    <div className="flex flex-col gap-4">
      {hasPasskey && mode === "code" ? (
        <>
          <PasskeyButton
            start={() => passkeyReauthOptions()}
            finish={(response) => reauthenticateWithPasskey(answerForm(response))}
            onResult={(result) => {
              if (result.ok) return onConfirmed();
              setFailure("reauth" in result ? { ok: false, error: result.error } : result);
            }}
          />
          {hasCode ? <p className="text-center text-xs text-slate-500">or enter a code</p> : null}
        </>
      ) : null}
      <form action={confirm} className="flex flex-col gap-4" noValidate>
        <input type="hidden" name="method" value={mode} />
        {failure && !fieldError ? <Alert>{failure.error}</Alert> : null}
        {mode === "password" ? (
          <Field
            key={`password-${attempt}`}
            label="Password"
            name="password"
            type="password"
            autoComplete="current-password"
            required
            maxLength={256}
            autoFocus
            error={fieldError}
          />
        ) : mode === "code" ? (
          passkeyOnly ? null : (
            <>
              <p className="text-sm text-slate-600">{codeHint}</p>
              <OtpInput key={`code-${attempt}`} label="Authentication code" autoFocus={!hasPasskey} error={fieldError} />
            </>
          )
        ) : (
          <>
            <p className="text-sm text-slate-600">Each backup code works once: this one will be used up.</p>
            <BackupCodeField key={`backup-${attempt}`} error={fieldError} />
          </>
        )}
        <div className="flex flex-wrap items-center justify-between gap-2">
          {mode === "code" ? (
            <Button variant="ghost" className="px-2" onClick={() => switchTo("backup")}>
              Use a backup code
            </Button>
          ) : mode === "backup" ? (
            <Button variant="ghost" className="px-2" onClick={() => switchTo("code")}>
              {hasCode ? "Use an authentication code" : "Use a passkey"}
            </Button>
          ) : (
            <span />
          )}
          {passkeyOnly ? null : <SubmitButton pendingLabel="Confirming…">Confirm</SubmitButton>}
        </div>
      </form>
      {mode === "code" && hasEmail ? (
        <form action={sendCode} className="flex flex-col gap-2 border-t border-slate-100 pt-3">
          {email.error ? <Alert>{email.error}</Alert> : null}
          {asked && !email.error ? (
            <Alert tone={email.sent ? "success" : "info"}>
              {email.sent ? "We sent a code to your email. It is valid for 10 minutes." : "A code was sent a moment ago. Check your email."}
            </Alert>
          ) : null}
          <SubmitButton
            variant="secondary"
            disabled={resendSeconds > 0}
            pendingLabel="Sending…"
            aria-label={asked ? "Resend" : "Email me a code"}
          >
            {asked ? (resendSeconds > 0 ? `Resend (${resendSeconds}s)` : "Resend") : "Email me a code"}
          </SubmitButton>
        </form>
      ) : null}
    </div>
  );
}
