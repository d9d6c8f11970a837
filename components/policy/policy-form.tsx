// The 2FA Policy form: when agents are asked for a code, whether everyone must enrol, which methods count.
"use client";

import { useActionState, useId, useState } from "react";
import { savePolicy, type SavePolicyResult } from "@/app/(console)/settings/security/2fa-policy/actions";
import { refusalOf, successOf } from "@/lib/action-result";
import { Alert } from "@/components/ui/alert";
import { SubmitButton } from "@/components/ui/button";
import { useStepUpAction } from "@/components/two-factor/reauth";
import type { PolicyMode } from "@/db/schema";

type Props = {
  policy: {
    twoFactorMode: PolicyMode;
    skipDays: number;
    requireEnrollment: boolean;
    enrollmentGraceDays: number;
    allowEmailMethod: boolean;
    allowPasskeyMethod: boolean;
  };
  /** Changes with every save, so the form starts again from what was stored. */
  version: string;
  dayChoices: readonly number[];
  graceChoices: readonly number[];
};

function Section({ title, description, children }: { title: string; description: string; children: React.ReactNode }) {
  return (
    <section className="grid gap-4 border-t border-slate-200 px-6 py-5 first:border-t-0 md:grid-cols-[15rem_1fr]">
      <div>
        <h2 className="text-sm font-semibold text-slate-900">{title}</h2>
        <p className="mt-1 text-sm text-slate-500">{description}</p>
      </div>
      <div className="flex flex-col gap-3">{children}</div>
    </section>
  );
}

/** A radio or checkbox whose accessible name is its label alone; the hint is its description. */
function Choice({ label, hint, children, ...input }: React.InputHTMLAttributes<HTMLInputElement> & { label: string; hint: string }) {
  const id = useId();
  return (
    <div className="flex items-start gap-3">
      <input id={id} aria-describedby={`${id}-hint`} className="mt-0.5 size-4 shrink-0 accent-brand-600" {...input} />
      <div className="flex flex-col">
        <label htmlFor={id} className="text-sm font-medium text-slate-900">
          {label}
        </label>
        <p id={`${id}-hint`} className="text-xs text-slate-500">
          {hint}
        </p>
        {children}
      </div>
    </div>
  );
}

const OPTION =
  "rounded-lg border border-slate-200 p-3 has-[input[type=radio]:checked]:border-brand-500 has-[input[type=radio]:checked]:bg-brand-50/50";

export function PolicyForm({ policy, version, dayChoices, graceChoices }: Props) {
  // Saving asks "Confirm it's you" with a code first when the last confirmation is stale.
  const [result, action] = useActionState<SavePolicyResult | null, FormData>(useStepUpAction<SavePolicyResult>(savePolicy), null);
  const saved = successOf(result)?.saved;
  const refusal = refusalOf(result);
  const [mode, setMode] = useState<PolicyMode>(policy.twoFactorMode);
  const [required, setRequired] = useState(policy.requireEnrollment);

  return (
    <form key={version} action={action} className="flex flex-col gap-4" noValidate>
      {saved ? <Alert tone="success">{saved}</Alert> : null}
      {refusal ? <Alert>{refusal.error}</Alert> : null}
      <div className="rounded-xl border border-slate-200 bg-white shadow-xs">
        <Section title="When to ask for a code" description="Applies at once to everyone who has two-factor authentication on.">
          <div role="radiogroup" aria-label="When to ask for a code" className="flex flex-col gap-3">
            <div className={OPTION}>
              <Choice
                type="radio"
                name="mode"
                value="every_login"
                defaultChecked={policy.twoFactorMode === "every_login"}
                onChange={() => setMode("every_login")}
                label="Every login"
                hint="A code at every sign-in. Browsers remembered so far are forgotten when you save."
              />
            </div>
            <div className={OPTION}>
              <Choice
                type="radio"
                name="mode"
                value="skip_allowed"
                defaultChecked={policy.twoFactorMode === "skip_allowed"}
                onChange={() => setMode("skip_allowed")}
                label="Allow agents to skip Two-Factor Authentication"
                hint="After a code, a person may tick “Don't ask again” and skip the code on that browser for the number of days below."
              >
                {/* Muted while the other mode is chosen, in a colour that still reads at 4.5:1 (no opacity). */}
                <div className="mt-3 flex items-center gap-2">
                  <label htmlFor="policy-days" className={`text-sm ${mode === "skip_allowed" ? "text-slate-800" : "text-slate-600"}`}>
                    Days
                  </label>
                  <select
                    id="policy-days"
                    name="skipDays"
                    defaultValue={String(policy.skipDays)}
                    aria-invalid={refusal?.fieldErrors?.skipDays ? true : undefined}
                    className="rounded-lg border border-slate-300 bg-white px-3 py-1.5 text-sm"
                  >
                    {dayChoices.map((days) => (
                      <option key={days} value={days}>
                        {days}
                      </option>
                    ))}
                  </select>
                </div>
                {refusal?.fieldErrors?.skipDays ? <p className="mt-1 text-xs text-red-600">{refusal.fieldErrors.skipDays}</p> : null}
              </Choice>
            </div>
            {refusal?.fieldErrors?.mode ? <p className="text-xs text-red-600">{refusal.fieldErrors.mode}</p> : null}
          </div>
        </Section>

        <Section title="Enrollment" description="Whether an account may be used with a password alone.">
          <Choice
            type="checkbox"
            name="requireEnrollment"
            defaultChecked={policy.requireEnrollment}
            onChange={(event) => setRequired(event.currentTarget.checked)}
            label="Require two-factor authentication for everyone"
            hint="People without a method are taken to set one up right after their password, and cannot use the console until they do, once their grace period is over."
          >
            <div className="mt-3 flex flex-wrap items-center gap-2">
              <label htmlFor="policy-grace" className={`text-sm ${required ? "text-slate-800" : "text-slate-600"}`}>
                Grace period
              </label>
              <select
                id="policy-grace"
                name="graceDays"
                defaultValue={String(policy.enrollmentGraceDays)}
                aria-describedby="policy-grace-hint"
                aria-invalid={refusal?.fieldErrors?.graceDays ? true : undefined}
                className="rounded-lg border border-slate-300 bg-white px-3 py-1.5 text-sm"
              >
                {graceChoices.map((days) => (
                  <option key={days} value={days}>
                    {days === 0 ? "None" : `${days} days`}
                  </option>
                ))}
              </select>
            </div>
            <p id="policy-grace-hint" className="mt-1 text-xs text-slate-600">
              Counted from when you save this, or from when a person is added. Until it ends, people without a method see a banner with the
              deadline and get reminders 7 days and 2 days before. Admins get no grace period.
            </p>
            {refusal?.fieldErrors?.graceDays ? <p className="mt-1 text-xs text-red-600">{refusal.fieldErrors.graceDays}</p> : null}
          </Choice>
        </Section>

        <Section
          title="Allowed methods"
          description="Email is the weaker factor: a mailbox is easier to take over than a phone. Passkeys are the strongest."
        >
          <Choice type="checkbox" checked disabled readOnly label="Authenticator app" hint="Always allowed." />
          <Choice
            type="checkbox"
            name="allowEmailMethod"
            defaultChecked={policy.allowEmailMethod}
            label="Allow email authentication"
            hint="When off, people whose only method is email are asked to set up the authenticator app at their next sign-in."
          />
          <Choice
            type="checkbox"
            name="allowPasskeyMethod"
            defaultChecked={policy.allowPasskeyMethod}
            label="Allow passkeys and security keys"
            hint="The strongest method: a passkey works only on this site, so a fake sign-in page cannot pass it on. When off, passkeys are not offered at sign-in."
          />
        </Section>

        <div className="flex items-center justify-end gap-3 rounded-b-xl border-t border-slate-200 bg-slate-50 px-6 py-4">
          <SubmitButton pendingLabel="Saving…">Save</SubmitButton>
        </div>
      </div>
    </form>
  );
}
