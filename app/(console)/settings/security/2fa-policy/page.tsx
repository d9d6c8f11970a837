// Global Settings > Security > 2FA Policy: the form for an admin with 2FA on, and for others the reason it is closed.
import type { Metadata } from "next";
import { LocalTime } from "@/components/ui/local-time";
import Link from "next/link";
import { PolicyForm } from "@/components/policy/policy-form";
import { getDb } from "@/db/client";
import { GRACE_DAYS, SKIP_DAYS } from "@/db/schema";
import { requireViewer } from "@/lib/auth/viewer";
import { findUserById } from "@/lib/users";
import { consolePage } from "@/lib/unavailable";

export const metadata: Metadata = { title: "2FA Policy" };

async function PolicyPage() {
  // The viewer brings the policy and the admin's own methods; one statement more names who changed it last.
  const { policy, methods } = await requireViewer({ admin: true });
  const canChange = methods.length > 0;
  const changedBy = policy.updatedBy ? await findUserById(await getDb(), policy.updatedBy) : null;

  return (
    <div className="flex flex-col gap-6">
      <header>
        <p className="text-xs font-medium tracking-wide text-slate-500 uppercase">Global Settings · Security</p>
        <h1 className="text-2xl font-semibold tracking-tight">2FA Policy</h1>
        <p className="mt-1 text-sm text-slate-600">
          How often people are asked for a second factor, and which factors count.
          {changedBy ? (
            <>
              {" "}
              Last changed by {changedBy.name} on <LocalTime at={policy.updatedAt} />.
            </>
          ) : null}
        </p>
      </header>
      {canChange ? (
        <PolicyForm
          version={policy.updatedAt.toISOString()}
          dayChoices={SKIP_DAYS}
          graceChoices={GRACE_DAYS}
          policy={{
            twoFactorMode: policy.twoFactorMode,
            skipDays: policy.skipDays,
            requireEnrollment: policy.requireEnrollment,
            enrollmentGraceDays: policy.enrollmentGraceDays,
            allowEmailMethod: policy.allowEmailMethod,
            allowPasskeyMethod: policy.allowPasskeyMethod,
          }}
        />
      ) : (
        <section
          aria-labelledby="policy-unavailable"
          className="flex flex-col items-start gap-3 rounded-xl border border-amber-200 bg-amber-50 p-6"
        >
          <h2 id="policy-unavailable" className="font-semibold text-amber-950">
            Turn on two-factor authentication to change the 2FA policy
          </h2>
          <p className="text-sm text-amber-900">
            The 2FA policy decides how every account is protected, so only an admin who signs in with a second factor may change it. Someone
            holding just your password cannot weaken it.
          </p>
          <Link href="/profile/security" className="rounded-lg bg-brand-600 px-4 py-2 text-sm font-medium text-white hover:bg-brand-700">
            Set up two-factor authentication
          </Link>
        </section>
      )}
    </div>
  );
}

// While the database cannot be reached: the 503 page, with "Try again" back to this one.
export default consolePage(PolicyPage);
