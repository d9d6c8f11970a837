// The audit log filters: a plain GET form, so a filtered view is a link that can be shared, reloaded and exported.
"use client";

import Link from "next/link";
import { buttonClass } from "@/components/ui/button";
import type { AuditSearch } from "@/lib/audit-query";
import { eventLabel } from "./event-labels";

const inputClass =
  "rounded-lg border border-slate-300 bg-white px-3 py-2 text-sm shadow-xs focus:border-brand-500 focus:outline-none focus:ring-2 focus:ring-brand-500/30";

export function AuditFilters({ search, types }: { search: AuditSearch; types: readonly string[] }) {
  const filtered = Boolean(search.user || search.type || search.from || search.to);
  return (
    <form method="get" role="search" aria-label="Audit events" className="flex flex-wrap items-end gap-3 rounded-xl border border-slate-200 bg-white p-4 shadow-xs">
      <div className="flex min-w-52 flex-1 flex-col gap-1.5">
        <label htmlFor="audit-user" className="text-sm font-medium text-slate-800">
          User
        </label>
        <input id="audit-user" name="user" defaultValue={search.user ?? ""} maxLength={254} placeholder="Email or username" autoCapitalize="none" spellCheck={false} className={inputClass} />
      </div>
      <div className="flex flex-col gap-1.5">
        <label htmlFor="audit-type" className="text-sm font-medium text-slate-800">
          Type
        </label>
        <select id="audit-type" name="type" defaultValue={search.type ?? ""} className={inputClass}>
          <option value="">All types</option>
          {types.map((type) => (
            <option key={type} value={type}>
              {eventLabel(type)}
            </option>
          ))}
        </select>
      </div>
      <div className="flex flex-col gap-1.5">
        <label htmlFor="audit-from" className="text-sm font-medium text-slate-800">
          From
        </label>
        <input id="audit-from" name="from" type="date" defaultValue={search.from ?? ""} className={inputClass} />
      </div>
      <div className="flex flex-col gap-1.5">
        <label htmlFor="audit-to" className="text-sm font-medium text-slate-800">
          To
        </label>
        <input id="audit-to" name="to" type="date" defaultValue={search.to ?? ""} className={inputClass} />
      </div>
      <button type="submit" className={buttonClass("secondary")}>
        Filter
      </button>
      {filtered ? (
        <Link href="/settings/security/audit-log" className={buttonClass("ghost")}>
          Clear
        </Link>
      ) : null}
    </form>
  );
}
