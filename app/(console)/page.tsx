// The home page: the Admin console (2FA adoption, recent security events) or the Agent Panel.
import Link from "next/link";
import { AuditTable } from "@/components/audit/audit-table";
import type { MethodKind } from "@/db/schema";
import { getDb } from "@/db/client";
import { LocalTime } from "@/components/ui/local-time";
import { adminOverview, type TwoFactorAdoption, type WithoutTwoFactor } from "@/lib/admin-stats";
import { now } from "@/lib/clock";
import { timeLeft } from "@/lib/two-factor/enrollment";
import type { AuditRow } from "@/lib/audit-query";
import { requireViewer } from "@/lib/auth/viewer";
import { METHOD_LABELS } from "@/lib/two-factor/method-names";
import { consolePage } from "@/lib/unavailable";

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

/** When a person without 2FA must have it, in words. */
function Deadline({ person, at }: { person: WithoutTwoFactor; at: Date }) {
  if (!person.required) return <>Not required</>;
  if (!person.deadline) return <>{person.role === "admin" ? "Now (admins get no grace period)" : "Now"}</>;
  if (person.deadline <= at)
    return (
      <>
        Passed (<LocalTime at={person.deadline} />)
      </>
    );
  return (
    <>
      <LocalTime at={person.deadline} /> ({timeLeft(person.deadline, at)} left)
    </>
  );
}

function WithoutTwoFactorList({ people, total }: { people: WithoutTwoFactor[]; total: number }) {
  const at = now();
  return (
    <section aria-labelledby="without-2fa" className="flex flex-col gap-3">
      <h3 id="without-2fa" className="text-base font-semibold">
        Still without 2FA
      </h3>
      {/* Focusable, so a keyboard can scroll the table on a narrow screen. */}
      <div
        tabIndex={0}
        role="group"
        aria-label="People without 2FA"
        className="scroll-cue overflow-x-auto rounded-xl border border-slate-200 shadow-xs"
      >
        <table className="min-w-full divide-y divide-slate-200 text-sm">
          <caption className="sr-only">People still without two-factor authentication, and their deadline</caption>
          <thead className="text-left text-xs font-medium tracking-wide text-slate-500 uppercase">
            <tr>
              <th scope="col" className="px-4 py-2">
                Person
              </th>
              <th scope="col" className="px-4 py-2">
                Role
              </th>
              <th scope="col" className="px-4 py-2">
                Deadline
              </th>
            </tr>
          </thead>
          <tbody className="divide-y divide-slate-100">
            {people.map((person) => (
              <tr key={person.id}>
                <td className="px-4 py-2.5">
                  <span className="font-medium text-slate-900">{person.name}</span>
                  <span className="block text-xs text-slate-600">{person.email}</span>
                </td>
                <td className="px-4 py-2.5 text-slate-600 capitalize">{person.role}</td>
                <td className="px-4 py-2.5 whitespace-nowrap text-slate-700">
                  <Deadline person={person} at={at} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {total > people.length ? (
        <p className="text-xs text-slate-600">
          The first {people.length} of {total}, nearest deadline first.
        </p>
      ) : null}
    </section>
  );
}

function AdminOverview({
  adoption,
  withoutTwoFactor,
  recent,
}: {
  adoption: TwoFactorAdoption;
  withoutTwoFactor: WithoutTwoFactor[];
  recent: AuditRow[];
}) {
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
        {withoutTwoFactor.length > 0 ? (
          <WithoutTwoFactorList people={withoutTwoFactor} total={adoption.people - adoption.withTwoFactor} />
        ) : null}
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

async function HomePage() {
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

// While the database cannot be reached: the 503 page, with "Try again" back to this one.
export default consolePage(HomePage);
