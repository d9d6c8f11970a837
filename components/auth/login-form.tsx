"use client";

import { useActionState } from "react";
import type { LoginResult } from "@/app/(auth)/login/actions";
import { Alert } from "@/components/ui/alert";
import { SubmitButton } from "@/components/ui/button";
import { Field } from "@/components/ui/field";

type Props = {
  action: (previous: LoginResult | null, formData: FormData) => Promise<LoginResult>;
  callbackUrl: string;
  notice?: string;
};

export function LoginForm({ action, callbackUrl, notice }: Props) {
  const [state, submit] = useActionState<LoginResult | null, FormData>(action, null);
  const refusal = state && !state.ok ? state : null;
  return (
    <form action={submit} className="flex flex-col gap-4" noValidate>
      {refusal ? <Alert>{refusal.error}</Alert> : notice ? <Alert tone="warning">{notice}</Alert> : null}
      <input type="hidden" name="callbackUrl" value={callbackUrl} />
      <Field
        label="Account"
        name="account"
        autoComplete="username"
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
  );
}
