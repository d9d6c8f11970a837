import Link from "next/link";

export default function Forbidden() {
  return (
    <main className="mx-auto flex min-h-[60vh] max-w-md flex-col items-center justify-center gap-3 p-8 text-center">
      <p className="text-sm font-semibold text-brand-600">403</p>
      <h1 className="text-2xl font-semibold tracking-tight">You don&apos;t have access to this page</h1>
      <p className="text-sm text-slate-600">Only admins can open Global Settings. Ask an admin if you need something changed.</p>
      <Link href="/" className="mt-2 text-sm font-medium text-brand-600 hover:underline">
        Back to the console
      </Link>
    </main>
  );
}
