// The home page: the Admin console (2FA adoption, recent security events) or the Agent Panel.
import Link from "next/link";
import { AuditTable } from "@/components/audit/audit-table";
import type { MethodKind } from "@/db/schema";
import { getDb } from "@/db/client";
import { adminOverview, type TwoFactorAdoption } from "@/lib/admin-stats";
import type { AuditRow } from "@/lib/audit-query";
import { requireViewer } from "@/lib/auth/viewer";
import { METHOD_LABELS } from "@/lib/two-factor/method-names";

function percent(part: number, whole: number): number {
  return whole === 0 ? 0 : Math.round((part / whole) * 100);
}

function Stat({ label, value, detail, tone = "neutral" }: { label: string; value: string; detail: string; tone?: "neutral" | "danger" }) {
  return (
    <div className="rounded-xl border border-slate-200 bg-white p-5 shadow-xs">
      <dt className="text-sm text-slate-600">{label}</dt>
      <dd className={`mt-1 text-2xl font-semibold tracking-tight tabular-nums ${tone === "danger" ? "text-red-700" : "text-slate-900"}`}>
        {value}
      </dd>
      <dd className="mt-1 text-xs text-slate-500">{detail}</dd>
    </div>
  );
}

function AdminOverview({ adoption, recent }: { adoption: TwoFactorAdoption; recent: AuditRow[] }) {
  const share = percent(adoption.withTwoFactor, adoption.people);
  return (
    <>
      <section aria-labelledby="adoption" className="flex flex-col gap-4">
        <div className="flex items-end justify-between gap-4">
          <h2 id="adoption" className="text-lg font-semibold">
            2FA adoption
          </h2>
          <Link href="/settings/people/agents?status=off" className="text-sm font-medium text-brand-600 hover:underline">
            People without 2FA
          </Link>
        </div>
        <div className="rounded-xl border border-slate-200 bg-white p-5 shadow-xs">
          <p className="text-sm text-slate-600">
            <span className="text-2xl font-semibold text-slate-900 tabular-nums">
              {adoption.withTwoFactor} of {adoption.people}
            </span>{" "}
            people have two-factor authentication on ({share}%).
          </p>
          <div
            role="meter"
            aria-label="People with 2FA"
            aria-valuemin={0}
            aria-valuemax={adoption.people}
            aria-valuenow={adoption.withTwoFactor}
            className="mt-3 h-2 overflow-hidden rounded-full bg-slate-100"
          >
            {/* An SVG width, not a style attribute, which the Content-Security-Policy would refuse. */}
            <svg className="block h-full w-full" aria-hidden="true">
              <rect width={`${share}%`} height="100%" rx="4" className="fill-emerald-500" />
            </svg>
          </div>
        </div>
        <dl className="grid gap-4 sm:grid-cols-2 xl:grid-cols-4">
          <Stat
            label="Authenticator app"
            value={String(adoption.withApp)}
            detail={`${percent(adoption.withApp, adoption.people)}% of people`}
          />
          <Stat label="Email" value={String(adoption.withEmail)} detail={`${percent(adoption.withEmail, adoption.people)}% of people`} />
          <Stat
            label="Passkeys"
            value={String(adoption.withPasskey)}
            detail={`${percent(adoption.withPasskey, adoption.people)}% of people`}
          />
          <Stat
            label="Locked accounts"
            value={String(adoption.locked)}
            detail={adoption.locked > 0 ? "Waiting for an admin to unlock them" : "Nobody is locked out"}
            tone={adoption.locked > 0 ? "danger" : "neutral"}
          />
        </dl>
      </section>
      <section aria-labelledby="recent" className="flex flex-col gap-4">
        <div className="flex items-end justify-between gap-4">
          <h2 id="recent" className="text-lg font-semibold">
            Recent security events
          </h2>
          <Link href="/settings/security/audit-log" className="text-sm font-medium text-brand-600 hover:underline">
            Open the audit log
          </Link>
        </div>
        {recent.length > 0 ? <AuditTable events={recent} compact /> : <p className="text-sm text-slate-600">No events yet.</p>}
      </section>
    </>
  );
}

function OwnTwoFactor({ methods, settingsClosed }: { methods: MethodKind[]; settingsClosed: boolean }) {
  return (
    <section aria-labelledby="own-2fa" className="rounded-xl border border-slate-200 bg-white p-5 shadow-xs">
      <h2 id="own-2fa" className="font-medium">
        Your two-factor authentication
      </h2>
      {methods.length > 0 ? (
        <p className="mt-1 text-sm text-slate-600">On, with {methods.map((method) => METHOD_LABELS[method]).join(" and ")}.</p>
      ) : settingsClosed ? (
        <p className="mt-1 text-sm text-amber-800">
          Global Settings open once you set up two-factor authentication, as every admin here has.
        </p>
      ) : (
        <p className="mt-1 text-sm text-amber-800">Off: your account is protected by your password alone.</p>
      )}
      <Link href="/profile/security" className="mt-3 inline-block text-sm font-medium text-brand-600 hover:underline">
        {methods.length > 0 ? "Manage two-factor authentication" : "Set up two-factor authentication"}
      </Link>
    </section>
  );
}

export default async function HomePage() {
  // The viewer brings the user's methods; an admin's overview is one statement more.
  const { user, methods, mustSetUpTwoFactorFirst } = await requireViewer();
  const admin = user.role === "admin";
  // An admin who must set up a second factor first sees no overview either (it shows the audit log).
  const overview = admin && !mustSetUpTwoFactorFirst ? await adminOverview(await getDb()) : null;
  return (
    <div className="flex flex-col gap-8">
      <header>
        <h1 className="text-2xl font-semibold tracking-tight">{admin ? "Admin console" : "Agent Panel"}</h1>
        <p className="mt-1 text-sm text-slate-600">Welcome back, {user.name}.</p>
      </header>
      <OwnTwoFactor methods={methods} settingsClosed={mustSetUpTwoFactorFirst} />
      {overview ? <AdminOverview {...overview} /> : null}
    </div>
  );
}
