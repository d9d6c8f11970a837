// The "Enter the Authentication Code" step of a setup: one 6-digit field and "Verify".
"use client";

import { useState } from "react";
import { OtpInput } from "@/components/ui/otp-input";
import { SubmitButton } from "@/components/ui/button";

type Props = {
  onVerify: (formData: FormData) => Promise<void>;
  error?: string;
  /** Beside "Verify", e.g. "Back". */
  secondary?: React.ReactNode;
};

export function CodeForm({ onVerify, error, secondary }: Props) {
  // A new field after each try: a refused code is cleared and the cursor is back for the next one.
  const [attempt, setAttempt] = useState(0);
  return (
    <form
      action={async (formData) => {
        await onVerify(formData);
        setAttempt((count) => count + 1);
      }}
      className="flex flex-col gap-4"
      noValidate
    >
      <OtpInput key={attempt} label="Authentication code" autoFocus error={error} />
      <div className="flex flex-wrap items-center justify-end gap-2">
        {secondary}
        <SubmitButton pendingLabel="Verifying…">Verify</SubmitButton>
      </div>
    </form>
  );
}
