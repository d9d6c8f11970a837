"use client";

// A friendly error for any page: no stack trace or SQL ever reaches the browser.
export default function ErrorPage({ reset }: { error: Error & { digest?: string }; reset: () => void }) {
  return (
    <main className="mx-auto flex min-h-[60vh] max-w-md flex-col items-center justify-center gap-3 p-8 text-center" role="alert">
      <h1 className="text-2xl font-semibold tracking-tight">Something went wrong</h1>
      <p className="text-sm text-slate-600">Tessera could not complete the request. Please try again in a moment.</p>
      <button type="button" onClick={reset} className="rounded-lg bg-brand-600 px-4 py-2 text-sm font-medium text-white hover:bg-brand-700">
        Try again
      </button>
    </main>
  );
}
