// Global Settings > People > Agents: everyone with their 2FA state, searchable, with the rescue actions per row.
import type { Metadata } from "next";
import { AddAgentButton } from "@/components/agents/add-agent";
import { PeopleFilters } from "@/components/agents/people-filters";
import { PeopleTable } from "@/components/agents/people-table";
import { getDb } from "@/db/client";
import { requireViewer } from "@/lib/auth/viewer";
import { peopleSearch, searchPeople } from "@/lib/people-query";
import { consolePage } from "@/lib/unavailable";

export const metadata: Metadata = { title: "Agents" };

async function AgentsPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const { user } = await requireViewer({ admin: true });
  const search = peopleSearch.parse(await searchParams);
  const people = await searchPeople(await getDb(), search);
  return (
    <div className="flex flex-col gap-6">
      <header className="flex flex-wrap items-end justify-between gap-4">
        <div>
          <p className="text-xs font-medium tracking-wide text-slate-500 uppercase">Global Settings · People</p>
          <h1 className="text-2xl font-semibold tracking-tight">Agents</h1>
          <p className="mt-1 text-sm text-slate-600">Everyone who can sign in to the console, and how they protect their account.</p>
        </div>
        <AddAgentButton />
      </header>
      <PeopleFilters search={search} count={people.length} />
      <PeopleTable people={people} currentUserId={user.id} />
    </div>
  );
}

// While the database cannot be reached: the 503 page, with "Try again" back to this one.
export default consolePage(AgentsPage);
