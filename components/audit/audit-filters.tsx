// The audit log filters: a plain GET form, so a filtered view is a link that can be shared, reloaded and exported.
"use client";

import { FilterButtons, filterInputClass } from "@/components/ui/filter-form";
import type { AuditSearch } from "@/lib/audit-query";
import { eventLabel } from "./event-labels";

export function AuditFilters({ search, types }: { search: AuditSearch; types: readonly string[] }) {
  const filtered = Boolean(search.user || search.type || search.from || search.to);
  return (
    <form
      method="get"
      role="search"
      aria-label="Audit events"
      className="flex flex-wrap items-end gap-3 rounded-xl border border-slate-200 bg-white p-4 shadow-xs"
    >
      <div className="flex min-w-52 flex-1 flex-col gap-1.5">
        <label htmlFor="audit-user" className="text-sm font-medium text-slate-800">
          User
        </label>
        <input
          id="audit-user"
          name="user"
          defaultValue={search.user ?? ""}
          maxLength={254}
          placeholder="Email or username"
          autoCapitalize="none"
          spellCheck={false}
          className={filterInputClass}
        />
      </div>
      <div className="flex flex-col gap-1.5">
        <label htmlFor="audit-type" className="text-sm font-medium text-slate-800">
          Type
        </label>
        <select id="audit-type" name="type" defaultValue={search.type ?? ""} className={filterInputClass}>
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
        <input id="audit-from" name="from" type="date" defaultValue={search.from ?? ""} className={filterInputClass} />
      </div>
      <div className="flex flex-col gap-1.5">
        <label htmlFor="audit-to" className="text-sm font-medium text-slate-800">
          To
        </label>
        <input id="audit-to" name="to" type="date" defaultValue={search.to ?? ""} className={filterInputClass} />
      </div>
      <FilterButtons label="Filter" clearHref="/settings/security/audit-log" filtered={filtered} />
    </form>
  );
}
