// Global Settings > Security > Audit Log: filtered security events, a page at a time, newest first.
import type { Metadata } from "next";
import Link from "next/link";
import { AuditFilters } from "@/components/audit/audit-filters";
import { AuditTable } from "@/components/audit/audit-table";
import { Alert } from "@/components/ui/alert";
import { getDb } from "@/db/client";
import { AUDIT_TYPES } from "@/lib/audit";
import {
  FIRST_AUDIT_DAY,
  LAST_AUDIT_DAY,
  auditDateMessage,
  auditFilter,
  auditSearch,
  listAuditEvents,
  type AuditPage,
  type AuditSearch,
} from "@/lib/audit-query";
import { requireViewer } from "@/lib/auth/viewer";
import { consolePage } from "@/lib/unavailable";

export const metadata: Metadata = { title: "Audit Log" };

const BASE = "/settings/security/audit-log";
const PAGE_LINK = "rounded-lg border border-slate-300 bg-white px-4 py-2 text-sm font-medium text-slate-800 hover:bg-slate-50";

/** The current filter as a query string, with a page cursor if given. */
function query(search: AuditSearch, cursor: Record<string, number> = {}): string {
  const params = new URLSearchParams();
  for (const key of ["user", "type", "from", "to"] as const) {
    const value = search[key];
    if (value) params.set(key, value);
  }
  for (const [key, value] of Object.entries(cursor)) params.set(key, String(value));
  const text = params.toString();
  return text ? `?${text}` : "";
}

/** One page of events under the filter, the paging links below it. */
function Results({ page, search }: { page: AuditPage; search: AuditSearch }) {
  return (
    <>
      {page.unknownUser ? <Alert tone="warning">No account has the email or username &ldquo;{search.user}&rdquo;.</Alert> : null}
      {page.events.length > 0 ? (
        <AuditTable events={page.events} />
      ) : (
        <div className="rounded-xl border border-dashed border-slate-300 bg-white px-6 py-10 text-center text-sm text-slate-600">
          No events match this filter.
        </div>
      )}
      <nav aria-label="Pages" className="flex items-center justify-between gap-3">
        {page.newer !== null ? (
          <Link href={`${BASE}${query(search, { after: page.newer })}`} className={PAGE_LINK} rel="prev">
            ← Newer
          </Link>
        ) : (
          <span />
        )}
        {search.before || search.after ? (
          <Link href={`${BASE}${query(search)}`} className="text-sm font-medium text-brand-600 hover:underline">
            Back to the newest
          </Link>
        ) : null}
        {page.older !== null ? (
          <Link href={`${BASE}${query(search, { before: page.older })}`} className={PAGE_LINK} rel="next">
            Older →
          </Link>
        ) : (
          <span />
        )}
      </nav>
    </>
  );
}

async function AuditLogPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  await requireViewer({ admin: true });
  const search = auditSearch.parse(await searchParams);
  const dateMessage = search.refusedDates.length > 0 ? auditDateMessage(search.refusedDates) : null;
  // One statement: the account typed is resolved in the same query as the page of events. Under a
  // date it cannot use, the page lists nothing (and offers no export), rather than everything.
  const page = dateMessage
    ? null
    : await listAuditEvents(
        await getDb(),
        auditFilter(search),
        search.before ? { before: search.before } : search.after ? { after: search.after } : {},
      );

  return (
    <div className="flex flex-col gap-6">
      <header className="flex flex-wrap items-end justify-between gap-4">
        <div>
          <p className="text-xs font-medium tracking-wide text-slate-500 uppercase">Global Settings · Security</p>
          <h1 className="text-2xl font-semibold tracking-tight">Audit Log</h1>
          <p className="mt-1 text-sm text-slate-600">
            Every sign-in and security change, newest first, with who, to whom, when and from where.
          </p>
        </div>
        {page ? (
          <a href={`${BASE}/export${query(search)}`} download className={PAGE_LINK}>
            Export CSV
          </a>
        ) : null}
      </header>
      <AuditFilters search={search} types={AUDIT_TYPES} days={{ first: FIRST_AUDIT_DAY, last: LAST_AUDIT_DAY }} dateMessage={dateMessage} />
      {page ? <Results page={page} search={search} /> : null}
    </div>
  );
}

// While the database cannot be reached: the 503 page, with "Try again" back to this one.
export default consolePage(AuditLogPage);
