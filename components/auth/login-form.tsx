"use client";

import { useActionState, useEffect, useRef, useState } from "react";
import { passkeySignInStart, signInWithPasskey, type LoginResult } from "@/app/(auth)/login/actions";
import { autofillSupported, answerWithPasskey } from "@/components/passkeys/ceremony";
import { PasskeyButton, answerForm } from "@/components/passkeys/passkey-button";
import { Alert } from "@/components/ui/alert";
import { SubmitButton } from "@/components/ui/button";
import { Field } from "@/components/ui/field";

type Props = {
  action: (previous: LoginResult | null, formData: FormData) => Promise<LoginResult>;
  callbackUrl: string;
  notice?: string;
  /** Whether this site address can offer passkeys (lib/passkeys/relying-party.ts). */
  passkeys?: boolean;
};

export function LoginForm({ action, callbackUrl, notice, passkeys = false }: Props) {
  const [state, submit] = useActionState<LoginResult | null, FormData>(action, null);
  // A passkey's refusal shows where the password's would; whichever came last is on screen.
  const [passkeyRefusal, setPasskeyRefusal] = useState<string | null>(null);
  const refusal = state && !state.ok ? state : null;
  const shown = passkeyRefusal ?? refusal?.error;
  // A refused sign-in moves focus to what went wrong, so a keyboard or screen-reader user is not left
  // on <body>; the Account field keeps what was typed.
  const alertRef = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (shown) alertRef.current?.focus();
  }, [shown, state]);

  // The Account field offers this site's passkeys as the browser autofills it (conditional
  // mediation): the ceremony waits in the background until one is picked, or the page is left.
  useEffect(() => {
    if (!passkeys) return;
    let live = true;
    void (async () => {
      if (!(await autofillSupported()) || !live) return;
      const started = await passkeySignInStart().catch(() => null);
      if (!started?.ok || !live) return;
      const answered = await answerWithPasskey(started.options, true);
      if (!answered.ok || !live) return;
      const result = await signInWithPasskey(answerForm(answered.response, { callbackUrl }));
      if (!result.ok) setPasskeyRefusal(result.error);
    })();
    return () => {
      live = false;
    };
  }, [passkeys, callbackUrl]);

  return (
    <div className="flex flex-col gap-4">
      {/* The action is the dispatcher itself, which the server renders as a plain HTML form: signing in
          works before the scripts have loaded, and without them. A wrapper function would render as
          "javascript:throw" instead. Clearing the passkey's refusal is onSubmit's, which runs first. */}
      <form action={submit} onSubmit={() => setPasskeyRefusal(null)} className="flex flex-col gap-4" noValidate>
        {shown ? (
          <div ref={alertRef} tabIndex={-1} className="rounded-lg outline-none focus-visible:ring-2 focus-visible:ring-brand-500/40">
            <Alert>{shown}</Alert>
          </div>
        ) : notice ? (
          <Alert tone="warning">{notice}</Alert>
        ) : null}
        <input type="hidden" name="callbackUrl" value={callbackUrl} />
        <Field
          label="Account"
          name="account"
          autoComplete={passkeys ? "username webauthn" : "username"}
          autoCapitalize="none"
          spellCheck={false}
          required
          maxLength={254}
          defaultValue={refusal && "values" in refusal ? refusal.values?.account : undefined}
          autoFocus
        />
        <Field label="Password" name="password" type="password" autoComplete="current-password" required maxLength={256} />
        <SubmitButton pendingLabel="Signing in…" className="mt-2 w-full">
          Sign in
        </SubmitButton>
      </form>
      {passkeys ? (
        <>
          <div className="flex items-center gap-3 text-xs text-slate-500" aria-hidden="true">
            <span className="h-px flex-1 bg-slate-200" />
            or
            <span className="h-px flex-1 bg-slate-200" />
          </div>
          <PasskeyButton
            label="Sign in with a passkey"
            variant="secondary"
            start={() => passkeySignInStart()}
            finish={(response) => signInWithPasskey(answerForm(response, { callbackUrl }))}
            onResult={(result) => setPasskeyRefusal(result.ok ? null : result.error)}
          />
        </>
      ) : null}
    </div>
  );
}
