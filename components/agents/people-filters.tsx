// The people search: a plain GET form, so a search is a link that can be shared and reloaded.
"use client";

import { FilterButtons, filterInputClass } from "@/components/ui/filter-form";
import type { PeopleSearch } from "@/lib/people-query";

export function PeopleFilters({ search, count }: { search: PeopleSearch; count: number }) {
  const filtered = Boolean(search.q || search.status);
  return (
    <form
      method="get"
      role="search"
      aria-label="People"
      className="flex flex-wrap items-end gap-3 rounded-xl border border-slate-200 bg-white p-4 shadow-xs"
    >
      <div className="flex min-w-56 flex-1 flex-col gap-1.5">
        <label htmlFor="people-q" className="text-sm font-medium text-slate-800">
          Search by name or email
        </label>
        <input
          id="people-q"
          name="q"
          type="search"
          defaultValue={search.q ?? ""}
          maxLength={100}
          placeholder="e.g. maria or @example.com"
          className={filterInputClass}
        />
      </div>
      <div className="flex flex-col gap-1.5">
        <label htmlFor="people-status" className="text-sm font-medium text-slate-800">
          2FA status
        </label>
        <select id="people-status" name="status" defaultValue={search.status ?? ""} className={filterInputClass}>
          <option value="">Everyone</option>
          <option value="on">2FA on</option>
          <option value="off">2FA off</option>
          <option value="locked">Locked</option>
        </select>
      </div>
      <FilterButtons label="Search" clearHref="/settings/people/agents" filtered={filtered} />
      <p className="w-full text-xs text-slate-500" aria-live="polite">
        {count === 1 ? "1 person" : `${count} people`}
        {filtered ? " match" : ""}
      </p>
    </form>
  );
}
