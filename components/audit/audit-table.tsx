// The audit events of one page: time, event, who did it, to whom, from where.
import { describeUserAgent } from "@/components/two-factor/browser-name";
import { LocalTime } from "@/components/ui/local-time";
import type { AuditRow } from "@/lib/audit-query";
import { describeDetails, eventLabel, eventTone } from "./event-labels";

const TONES = {
  danger: "bg-red-50 text-red-700",
  warning: "bg-amber-50 text-amber-800",
  neutral: "bg-slate-100 text-slate-700",
} as const;

function Person({ person }: { person: AuditRow["actor"] }) {
  if (!person) return <span className="text-slate-600">—</span>;
  return (
    <>
      <span className="block text-slate-900">{person.name}</span>
      <span className="block text-xs text-slate-500">{person.email}</span>
    </>
  );
}

export function AuditTable({ events, compact = false }: { events: AuditRow[]; compact?: boolean }) {
  return (
    // Focusable, so a keyboard can scroll the table on a narrow screen (it has no control of its own).
    <div
      tabIndex={0}
      role="group"
      aria-label="Security events"
      className="scroll-cue relative overflow-x-auto rounded-xl border border-slate-200 shadow-xs"
    >
      <table className="min-w-full divide-y divide-slate-200 text-sm">
        <caption className="sr-only">Security events, newest first</caption>
        <thead className="bg-slate-50 text-left text-xs font-medium tracking-wide text-slate-500 uppercase">
          <tr>
            <th scope="col" className="px-4 py-3 whitespace-nowrap">
              Time (UTC)
            </th>
            <th scope="col" className="px-4 py-3">
              Event
            </th>
            <th scope="col" className="px-4 py-3">
              Actor
            </th>
            <th scope="col" className="px-4 py-3">
              Subject
            </th>
            <th scope="col" className="px-4 py-3">
              Address
            </th>
            {compact ? null : (
              <th scope="col" className="px-4 py-3">
                User agent
              </th>
            )}
          </tr>
        </thead>
        <tbody className="divide-y divide-slate-100 align-top">
          {events.map((event) => {
            const details = describeDetails(event.details);
            return (
              <tr key={event.id}>
                <td className="px-4 py-3 whitespace-nowrap text-slate-600 tabular-nums">
                  <LocalTime at={event.at} seconds />
                </td>
                <td className="px-4 py-3">
                  <span
                    className={`inline-block rounded-full px-2 py-0.5 text-xs font-medium whitespace-nowrap ${TONES[eventTone(event.type)]}`}
                  >
                    {eventLabel(event.type)}
                  </span>
                  {compact ? null : <code className="mt-1 block text-xs text-slate-600">{event.type}</code>}
                  {details.length > 0 && !compact ? (
                    <ul className="mt-1 text-xs text-slate-500">
                      {details.map((line) => (
                        <li key={line} className="wrap-break-word">
                          {line}
                        </li>
                      ))}
                    </ul>
                  ) : null}
                </td>
                <td className="px-4 py-3">
                  <Person person={event.actor} />
                </td>
                <td className="px-4 py-3">
                  <Person person={event.subject} />
                </td>
                <td className="px-4 py-3 font-mono text-xs whitespace-nowrap text-slate-600">{event.ip ?? "—"}</td>
                {compact ? null : (
                  <td className="max-w-56 px-4 py-3 text-xs text-slate-600">
                    {/* The browser as people say it; the raw text on hover (and in the CSV export). */}
                    <span className="line-clamp-2 break-all" title={event.userAgent ?? undefined}>
                      {describeUserAgent(event.userAgent) ?? event.userAgent ?? "—"}
                    </span>
                  </td>
                )}
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
