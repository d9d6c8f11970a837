// The people table: one row per person with role, 2FA methods, lock state and the admin's rescue actions.
import Link from "next/link";
import { LocalTime } from "@/components/ui/local-time";
import type { PersonListRow } from "@/lib/people-query";
import { METHOD_LABELS } from "@/lib/two-factor/method-names";
import { PersonActions } from "./person-actions";

export function PeopleTable({ people, currentUserId }: { people: PersonListRow[]; currentUserId: string }) {
  if (people.length === 0) {
    return (
      <div className="rounded-xl border border-dashed border-slate-300 bg-white px-6 py-10 text-center text-sm text-slate-600">
        Nobody matches this search.
      </div>
    );
  }
  return (
    <div className="scroll-cue relative overflow-x-auto rounded-xl border border-slate-200 shadow-xs">
      <table className="min-w-full divide-y divide-slate-200 text-sm">
        <caption className="sr-only">Agents and admins</caption>
        <thead className="bg-slate-50 text-left text-xs font-medium tracking-wide text-slate-500 uppercase">
          <tr>
            <th scope="col" className="px-4 py-3">
              Name
            </th>
            <th scope="col" className="px-4 py-3">
              Email
            </th>
            <th scope="col" className="px-4 py-3">
              Role
            </th>
            <th scope="col" className="px-4 py-3">
              2FA status
            </th>
            <th scope="col" className="px-4 py-3">
              Locked
            </th>
            <th scope="col" className="px-4 py-3">
              Last sign-in
            </th>
            <th scope="col" className="px-4 py-3 text-right">
              <span className="sr-only">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody className="divide-y divide-slate-100">
          {people.map((person) => (
            <tr key={person.id}>
              <td className="px-4 py-3">
                <div className="font-medium text-slate-900">
                  {person.name}
                  {person.id === currentUserId ? (
                    <span className="ml-2 rounded-full bg-brand-50 px-2 py-0.5 text-xs font-medium text-brand-700">You</span>
                  ) : null}
                </div>
                <div className="text-xs text-slate-500">{person.username}</div>
              </td>
              <td className="px-4 py-3 text-slate-700">{person.email}</td>
              <td className="px-4 py-3 capitalize">{person.role}</td>
              <td className="px-4 py-3">
                {person.methods.length > 0 ? (
                  <span className="inline-flex flex-wrap gap-1">
                    {person.methods.map((method) => (
                      <span key={method} className="rounded-full bg-emerald-50 px-2 py-0.5 text-xs font-medium text-emerald-700">
                        {METHOD_LABELS[method]}
                      </span>
                    ))}
                  </span>
                ) : (
                  <span className="rounded-full bg-slate-100 px-2 py-0.5 text-xs font-medium text-slate-600">Off</span>
                )}
              </td>
              <td className="px-4 py-3">
                {person.status === "locked" ? (
                  <span className="rounded-full bg-red-50 px-2 py-0.5 text-xs font-medium text-red-700">Locked</span>
                ) : person.status === "disabled" ? (
                  <span className="text-slate-500">Disabled</span>
                ) : (
                  <span className="text-slate-500">
                    No
                    {person.failedCodeAttempts > 0 ? (
                      <span className="block text-xs text-amber-700">
                        {person.failedCodeAttempts} failed {person.failedCodeAttempts === 1 ? "code" : "codes"}
                      </span>
                    ) : null}
                  </span>
                )}
              </td>
              <td className="px-4 py-3 whitespace-nowrap text-slate-600">
                {person.lastSignInAt ? <LocalTime at={person.lastSignInAt} /> : "Never"}
              </td>
              <td className="px-4 py-3">
                {person.id === currentUserId ? (
                  <Link href="/profile/security" className="text-xs font-medium text-brand-600 hover:underline">
                    Your 2FA settings
                  </Link>
                ) : (
                  <PersonActions
                    person={{
                      id: person.id,
                      name: person.name,
                      locked: person.status === "locked",
                      twoFactorOn: person.methods.length > 0,
                    }}
                  />
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
