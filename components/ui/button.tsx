// Buttons in three weights; SubmitButton shows a pending state while its form's action runs.
"use client";

import { useFormStatus } from "react-dom";

type Variant = "primary" | "secondary" | "danger" | "ghost";

// aria-disabled: too, for a SubmitButton while its form is pending (it is not `disabled` then, see below).
const VARIANTS: Record<Variant, string> = {
  primary: "bg-brand-600 text-white hover:bg-brand-700 disabled:bg-brand-600/60 aria-disabled:bg-brand-600/60",
  secondary: "border border-slate-300 bg-white text-slate-800 hover:bg-slate-50 disabled:text-slate-400 aria-disabled:text-slate-400",
  danger: "bg-red-600 text-white hover:bg-red-700 disabled:bg-red-600/60 aria-disabled:bg-red-600/60",
  ghost: "text-slate-700 hover:bg-slate-100 disabled:text-slate-400 aria-disabled:text-slate-400",
};

export function buttonClass(variant: Variant = "primary", extra = ""): string {
  return `inline-flex items-center justify-center gap-2 rounded-lg px-4 py-2 text-sm font-medium transition-colors disabled:cursor-not-allowed ${VARIANTS[variant]} ${extra}`;
}

export function Button({
  variant = "primary",
  className = "",
  type = "button",
  ...props
}: React.ButtonHTMLAttributes<HTMLButtonElement> & { variant?: Variant }) {
  return <button type={type} className={buttonClass(variant, className)} {...props} />;
}

export function SubmitButton({
  children,
  pendingLabel,
  variant = "primary",
  className = "",
  onClick,
  ...props
}: React.ButtonHTMLAttributes<HTMLButtonElement> & { variant?: Variant; pendingLabel?: string }) {
  const { pending } = useFormStatus();
  // While the form is pending the button keeps the focus: a `disabled` one would drop it to <body>, and
  // a dialog the action opens would then give it back to nothing when it closes. So pending is
  // aria-disabled only, and a second press (a click, Space, or Enter in a field of the form, which
  // clicks the form's submit button) is stopped here.
  return (
    <button
      type="submit"
      className={buttonClass(variant, className)}
      aria-disabled={pending}
      {...props}
      onClick={(event) => {
        if (pending) return event.preventDefault();
        onClick?.(event);
      }}
    >
      {pending ? (
        <>
          <span className="size-3.5 animate-spin rounded-full border-2 border-current border-r-transparent" aria-hidden="true" />
          {pendingLabel ?? children}
        </>
      ) : (
        children
      )}
    </button>
  );
}
