// Runs one of the security page's actions: on { reauth: true } it asks "Confirm it's you" and then
// runs the same action again; otherwise it hands over the result or keeps the refusal to show.
"use client";

import { useState } from "react";
import type { ActionResult, Refusal } from "@/lib/action-result";
import { useReauth } from "./reauth";

export type Done<T extends object> = { ok: true } & T;

const UNEXPECTED: Refusal = { ok: false, error: "Something went wrong. Please try again." };

type Handlers<T extends object> = {
  onDone: (result: Done<T>) => void;
  /** Called before the re-authentication dialog opens: a dialog open now must close, as dialogs do not stack. */
  onReauth?: () => void;
};

export function useSecurityAction<T extends object>(action: (formData: FormData) => Promise<ActionResult<T>>, handlers: Handlers<T>) {
  const confirmIdentity = useReauth();
  const [failure, setFailure] = useState<Refusal | null>(null);

  async function run(formData: FormData = new FormData()): Promise<void> {
    setFailure(null);
    let result: ActionResult<T> | undefined;
    try {
      result = await action(formData);
    } catch {
      setFailure(UNEXPECTED);
      return;
    }
    // No result: the session ended and the action sent the browser to sign-in.
    if (!result) return;
    if ("reauth" in result) {
      handlers.onReauth?.();
      confirmIdentity(() => run(formData));
    } else if (!result.ok) {
      setFailure(result);
    } else {
      handlers.onDone(result);
    }
  }

  return { run, failure, clearFailure: () => setFailure(null) };
}
