import Link from "next/link";

export default function NotFound() {
  return (
    <main className="mx-auto flex min-h-[60vh] max-w-md flex-col items-center justify-center gap-3 p-8 text-center">
      <p className="text-sm font-semibold text-brand-600">404</p>
      <h1 className="text-2xl font-semibold tracking-tight">Page not found</h1>
      <p className="text-sm text-slate-600">There is no page at this address. It may have moved, or the link may be mistyped.</p>
      <Link href="/" className="mt-2 text-sm font-medium text-brand-600 hover:underline">
        Back to the console
      </Link>
    </main>
  );
}
