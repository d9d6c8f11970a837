// The 6-digit code field: numeric keypad on phones, one-time-code autofill, paste of "123 456" works.
"use client";

import { useId, useState } from "react";

type OtpInputProps = {
  label: string;
  name?: string;
  error?: string;
  autoFocus?: boolean;
  disabled?: boolean;
};

export function OtpInput({ label, name = "code", error, autoFocus, disabled }: OtpInputProps) {
  const id = useId();
  const [value, setValue] = useState("");
  return (
    <div className="flex flex-col gap-1.5">
      <label htmlFor={id} className="text-sm font-medium text-slate-800">
        {label}
      </label>
      <input
        id={id}
        name={name}
        value={value}
        onChange={(event) => setValue(event.target.value.replace(/\D/g, "").slice(0, 6))}
        inputMode="numeric"
        autoComplete="one-time-code"
        pattern="[0-9]{6}"
        // Room for what people paste ("996 023", "123-456", blanks around it): maxlength cuts the
        // text before onChange sees it, so six would cut "996 023" to "99602". The digits are kept.
        maxLength={24}
        required
        autoFocus={autoFocus}
        disabled={disabled}
        aria-invalid={error ? true : undefined}
        aria-describedby={error ? `${id}-error` : undefined}
        placeholder="000000"
        className="rounded-lg border border-slate-300 bg-white px-3 py-2.5 text-center font-mono text-2xl tracking-[0.5em] shadow-xs placeholder:text-slate-300 focus:border-brand-500 focus:outline-none focus:ring-2 focus:ring-brand-500/30 aria-invalid:border-red-500"
      />
      {error ? (
        <p id={`${id}-error`} className="text-xs text-red-600">
          {error}
        </p>
      ) : null}
    </div>
  );
}
