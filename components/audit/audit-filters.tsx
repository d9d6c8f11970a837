// The audit log filters: a plain GET form, so a filtered view is a link that can be shared, reloaded and exported.
"use client";

import { Alert } from "@/components/ui/alert";
import { FilterButtons, filterInputClass } from "@/components/ui/filter-form";
import type { AuditDateField, AuditSearch } from "@/lib/audit-query";
import { eventLabel } from "./event-labels";

const DATE_ERROR_ID = "audit-date-error";

type Days = { first: string; last: string };

/** A date picker kept to the days a filter may name; a refused date points to the message saying why. */
function DateFilter({ field, label, search, days }: { field: AuditDateField; label: string; search: AuditSearch; days: Days }) {
  const refused = search.refusedDates.includes(field);
  return (
    <div className="flex flex-col gap-1.5">
      <label htmlFor={`audit-${field}`} className="text-sm font-medium text-slate-800">
        {label}
      </label>
      <input
        id={`audit-${field}`}
        name={field}
        type="date"
        min={days.first}
        max={days.last}
        defaultValue={search[field] ?? ""}
        aria-invalid={refused || undefined}
        aria-describedby={refused ? DATE_ERROR_ID : undefined}
        className={filterInputClass}
      />
    </div>
  );
}

/** `dateMessage`: why a date in the link was refused, shown under the filters. */
export function AuditFilters({
  search,
  types,
  days,
  dateMessage,
}: {
  search: AuditSearch;
  types: readonly string[];
  days: Days;
  dateMessage: string | null;
}) {
  const filtered = Boolean(search.user || search.type || search.from || search.to || search.refusedDates.length > 0);
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
      <DateFilter field="from" label="From" search={search} days={days} />
      <DateFilter field="to" label="To" search={search} days={days} />
      <FilterButtons label="Search" clearHref="/settings/security/audit-log" filtered={filtered} />
      {dateMessage ? (
        <div id={DATE_ERROR_ID} className="basis-full">
          <Alert>{dateMessage}</Alert>
        </div>
      ) : null}
    </form>
  );
}
