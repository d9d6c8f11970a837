// What a console page answers while the database cannot be reached (lib/unavailable.ts redirects here,
// middleware.ts serves it with HTTP 503): one sentence and "Try again", back to the page asked for. It
// reads nothing from the database, so it can always be shown.
import type { Metadata } from "next";
import { RestoreAddress } from "@/components/console/restore-address";
import { CONSOLE_PAGE_UNAVAILABLE, pageToRetry } from "@/lib/unavailable-page";

export const metadata: Metadata = { title: "Unavailable" };

export default async function UnavailablePage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const retry = pageToRetry((await searchParams).from);
  return (
    <main className="mx-auto flex min-h-[60vh] max-w-md flex-col items-center justify-center gap-3 p-8 text-center">
      <p className="text-sm font-semibold text-brand-600">503</p>
      <h1 className="text-xl font-semibold tracking-tight text-balance">{CONSOLE_PAGE_UNAVAILABLE}</h1>
      {/* A plain link, not next/link: a full load of the page asked for, which asks the database again. */}
      <a href={retry} className="mt-2 rounded-lg bg-brand-600 px-4 py-2 text-sm font-medium text-white hover:bg-brand-700">
        Try again
      </a>
      <RestoreAddress to={retry} />
    </main>
  );
}
