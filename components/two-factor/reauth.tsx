// "Confirm it's you": before a sensitive change the user gives their password or a current code
// (SECURITY.md 15); the change they asked for then runs again by itself.
"use client";

import { createContext, useCallback, useContext, useState } from "react";
import { emailReauthCode, reauthenticate } from "@/app/(console)/profile/security/actions";
import type { Refusal } from "@/lib/action-result";
import { Alert } from "@/components/ui/alert";
import { Button, SubmitButton } from "@/components/ui/button";
import { Dialog } from "@/components/ui/dialog";
import { Field } from "@/components/ui/field";
import { OtpInput } from "@/components/ui/otp-input";
import type { MethodKind } from "@/db/schema";
import { useSecondsUntil } from "./use-seconds-until";

type Retry = () => Promise<void>;

const ReauthContext = createContext<(retry: Retry) => void>(() => {});

/** Opens "Confirm it's you"; `retry` runs once the user is confirmed. */
export function useReauth(): (retry: Retry) => void {
  return useContext(ReauthContext);
}

export function ReauthProvider({ methods, children }: { methods: MethodKind[]; children: React.ReactNode }) {
  const [pending, setPending] = useState<{ retry: Retry } | null>(null);
  const confirmIdentity = useCallback((retry: Retry) => setPending({ retry }), []);

  return (
    <ReauthContext value={confirmIdentity}>
      {children}
      <Dialog
        open={pending !== null}
        onClose={() => setPending(null)}
        title="Confirm it's you"
        description="This change needs your password or a current authentication code. You won't be asked again for 10 minutes."
      >
        {pending ? (
          <ReauthForm
            methods={methods}
            onConfirmed={async () => {
              setPending(null);
              await pending.retry();
            }}
          />
        ) : null}
      </Dialog>
    </ReauthContext>
  );
}

function ReauthForm({ methods, onConfirmed }: { methods: MethodKind[]; onConfirmed: () => Promise<void> }) {
  const [mode, setMode] = useState<"password" | "code">("password");
  const [failure, setFailure] = useState<Refusal | null>(null);
  // Bumped after each refusal, so the code field comes back empty and focused.
  const [attempt, setAttempt] = useState(0);
  const [email, setEmail] = useState<{ resendAt?: string; sent?: boolean; error?: string }>({});
  const asked = email.resendAt !== undefined;
  const resendSeconds = useSecondsUntil(email.resendAt);
  const hasApp = methods.includes("app");
  const hasEmail = methods.includes("email");

  async function confirm(formData: FormData) {
    setFailure(null);
    const result = await reauthenticate(formData).catch((): Refusal => ({ ok: false, error: "Something went wrong. Please try again." }));
    if (!result || "reauth" in result) return;
    if (!result.ok) {
      setFailure(result);
      setAttempt((count) => count + 1);
      return;
    }
    await onConfirmed();
  }

  async function sendCode() {
    const result = await emailReauthCode().catch((): Refusal => ({ ok: false, error: "The email could not be sent. Please try again." }));
    if (!result || "reauth" in result) return;
    setEmail(result.ok ? { resendAt: result.resendAt, sent: result.sent } : { error: result.error, resendAt: email.resendAt });
  }

  const fieldError = mode === "password" ? failure?.fieldErrors?.password : failure?.fieldErrors?.code;
  const codeHint = hasApp
    ? `Enter the 6-digit code from your authenticator app${hasEmail ? ", or have one sent to your email" : ""}.`
    : "We can email you a 6-digit code.";

  return (
    <div className="flex flex-col gap-4">
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
        ) : (
          <>
            <p className="text-sm text-slate-600">{codeHint}</p>
            <OtpInput key={`code-${attempt}`} label="Authentication code" autoFocus error={fieldError} />
          </>
        )}
        <div className="flex flex-wrap items-center justify-between gap-2">
          {methods.length > 0 ? (
            <Button
              variant="ghost"
              className="px-2"
              onClick={() => {
                setFailure(null);
                setMode(mode === "password" ? "code" : "password");
              }}
            >
              {mode === "password" ? "Use an authentication code instead" : "Use your password instead"}
            </Button>
          ) : (
            <span />
          )}
          <SubmitButton pendingLabel="Confirming…">Confirm</SubmitButton>
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
