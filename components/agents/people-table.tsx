// The people table: one row per person with role, 2FA methods and lock state.
import type { PersonRow } from "@/lib/users";

const METHOD_LABELS = { app: "Authenticator app", email: "Email" } as const;

function formatDate(date: Date | null): string {
  if (!date) return "Never";
  return new Intl.DateTimeFormat("en", { dateStyle: "medium", timeStyle: "short", timeZone: "UTC" }).format(date) + " UTC";
}

export function PeopleTable({ people }: { people: PersonRow[] }) {
  return (
    <div className="overflow-x-auto rounded-xl border border-slate-200 bg-white shadow-xs">
      <table className="min-w-full divide-y divide-slate-200 text-sm">
        <caption className="sr-only">Agents and admins</caption>
        <thead className="bg-slate-50 text-left text-xs font-medium tracking-wide text-slate-500 uppercase">
          <tr>
            <th scope="col" className="px-4 py-3">Name</th>
            <th scope="col" className="px-4 py-3">Email</th>
            <th scope="col" className="px-4 py-3">Role</th>
            <th scope="col" className="px-4 py-3">2FA status</th>
            <th scope="col" className="px-4 py-3">Locked</th>
            <th scope="col" className="px-4 py-3">Last sign-in</th>
          </tr>
        </thead>
        <tbody className="divide-y divide-slate-100">
          {people.map((person) => (
            <tr key={person.id}>
              <td className="px-4 py-3">
                <div className="font-medium text-slate-900">{person.name}</div>
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
                ) : (
                  <span className="text-slate-500">No</span>
                )}
              </td>
              <td className="px-4 py-3 text-slate-600">{formatDate(person.lastSignInAt)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
