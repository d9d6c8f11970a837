// One button for every "use your passkey" moment (the code page, "Confirm it's you", sign-in): ask the
// server for the ceremony's options, run the browser's passkey prompt, send the answer. A closed
// prompt sends nothing and says so; what the server answers is the caller's to show.
"use client";

import type { PublicKeyCredentialRequestOptionsJSON } from "@simplewebauthn/browser";
import { useState, useTransition } from "react";
import type { ActionResult, Refusal } from "@/lib/action-result";
import { Alert } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { answerWithPasskey, cancelCeremony } from "./ceremony";

type Options = ActionResult<{ options: PublicKeyCredentialRequestOptionsJSON }, object>;

type Props<R extends ActionResult> = {
  start: () => Promise<Options>;
  finish: (response: string) => Promise<R>;
  /** Every answer of the server (options refused, or the answer's result). */
  onResult: (result: R | Refusal) => void;
  label?: string;
  variant?: "primary" | "secondary";
  disabled?: boolean;
  className?: string;
};

const FAILED: Refusal = { ok: false, error: "Something went wrong. Please try again." };

export function PasskeyButton<R extends ActionResult>({
  start,
  finish,
  onResult,
  label = "Use a passkey",
  variant = "primary",
  disabled,
  className = "",
}: Props<R>) {
  const [pending, startTransition] = useTransition();
  const [cancelled, setCancelled] = useState<string | null>(null);

  const run = () =>
    startTransition(async () => {
      setCancelled(null);
      // A ceremony waiting in the background (the Account field's autofill) gives way to this one.
      cancelCeremony();
      const options = await start().catch(() => FAILED);
      if (!options.ok) return onResult(options);
      const answered = await answerWithPasskey(options.options);
      if (!answered.ok) {
        if (answered.cancelled) setCancelled(answered.message);
        else onResult({ ok: false, error: answered.message });
        return;
      }
      onResult(await finish(answered.response).catch(() => FAILED));
    });

  return (
    <div className="flex flex-col gap-2">
      <Button variant={variant} className={`w-full ${className}`} onClick={run} disabled={disabled || pending} aria-disabled={pending}>
        <KeyIcon />
        {pending ? "Waiting for your passkey…" : label}
      </Button>
      {cancelled ? <Alert tone="info">{cancelled}</Alert> : null}
    </div>
  );
}

function KeyIcon() {
  return (
    <svg viewBox="0 0 20 20" fill="none" stroke="currentColor" strokeWidth="1.6" className="size-4" aria-hidden="true">
      <circle cx="7" cy="10" r="3.25" />
      <path d="M10.25 10H17.5M15 10v2.5M17.5 10v2" strokeLinecap="round" />
    </svg>
  );
}

/** FormData with one field, for an action whose input is the ceremony's answer. */
export function answerForm(response: string, extra: Record<string, string | undefined> = {}): FormData {
  const form = new FormData();
  form.set("response", response);
  for (const [key, value] of Object.entries(extra)) if (value !== undefined) form.set(key, value);
  return form;
}
