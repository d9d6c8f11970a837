import type { Metadata } from "next";
import { AddAgentButton } from "@/components/agents/add-agent";
import { PeopleTable } from "@/components/agents/people-table";
import { getDb } from "@/db/client";
import { requireAdmin } from "@/lib/auth/current-user";
import { listPeople } from "@/lib/users";

export const metadata: Metadata = { title: "Agents" };

export default async function AgentsPage() {
  await requireAdmin();
  const people = await listPeople(await getDb());
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
      <PeopleTable people={people} />
    </div>
  );
}
