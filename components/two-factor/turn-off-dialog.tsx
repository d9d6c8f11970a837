// Confirmation before a method is turned off, saying what else goes with it.
"use client";

import { Alert } from "@/components/ui/alert";
import { Button, SubmitButton } from "@/components/ui/button";
import { Dialog } from "@/components/ui/dialog";
import type { MethodKind } from "@/db/schema";

const NAMES: Record<MethodKind, string> = {
  email: "email authentication",
  app: "authenticator app authentication",
  passkey: "passkey authentication",
};

type Props = {
  method: MethodKind;
  open: boolean;
  lastMethod: boolean;
  error?: string;
  onConfirm: (formData: FormData) => Promise<void>;
  onClose: () => void;
};

export function TurnOffDialog({ method, open, lastMethod, error, onConfirm, onClose }: Props) {
  return (
    <Dialog open={open} onClose={onClose} title={`Turn off ${NAMES[method]}?`}>
      <div className="flex flex-col gap-4 text-sm text-slate-700">
        {lastMethod ? (
          <p>
            This is your only method. Your backup codes will be deleted and trusted browsers forgotten, and signing in will ask only for
            your password.
          </p>
        ) : (
          <p>You can still sign in with your other method or a backup code.</p>
        )}
        <p>Your other sessions will be signed out, and we will email you about the change.</p>
        {error ? <Alert>{error}</Alert> : null}
        <form action={onConfirm} className="flex flex-wrap justify-end gap-2">
          <input type="hidden" name="method" value={method} />
          <Button variant="secondary" onClick={onClose}>
            Cancel
          </Button>
          <SubmitButton variant="danger" pendingLabel="Turning off…">
            Turn off
          </SubmitButton>
        </form>
      </div>
    </Dialog>
  );
}
