// One stored email on /dev/outbox: who it was for, its subject and its plain-text body (never its HTML).
import type { OutboxMessage } from "@/db/schema";

const dateFormat = new Intl.DateTimeFormat("en", { dateStyle: "medium", timeStyle: "medium", timeZone: "UTC" });

export function OutboxMessageCard({ message }: { message: OutboxMessage }) {
  return (
    <article className="rounded-lg border border-slate-200 bg-white p-4 text-sm shadow-xs">
      <dl className="grid grid-cols-[auto_1fr] gap-x-4 gap-y-1">
        <dt className="text-slate-500">To</dt>
        <dd className="font-medium break-all text-slate-900">{message.to}</dd>
        <dt className="text-slate-500">Subject</dt>
        <dd className="font-medium text-slate-900">{message.subject}</dd>
        <dt className="text-slate-500">Sent</dt>
        <dd className="text-slate-600">
          <time dateTime={message.createdAt.toISOString()}>{dateFormat.format(message.createdAt)} UTC</time>
        </dd>
      </dl>
      <pre className="mt-3 rounded-md bg-slate-50 p-3 font-mono text-xs leading-relaxed wrap-break-word whitespace-pre-wrap text-slate-800">
        {message.text}
      </pre>
    </article>
  );
}
