// The local outbox: mail Tessera would have sent, for development and test servers; a 404 everywhere else.
// On a production server (EMAIL_OUTBOX=1) it holds real sign-in codes, so only an admin may read it there;
// the middleware lets the page through, and the page asks for the session itself.
import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { OutboxMessageCard } from "@/components/outbox/outbox-message";
import { getDb } from "@/db/client";
import { requireViewer } from "@/lib/auth/viewer";
import { listOutbox, outboxForAdminsOnly, OUTBOX_PAGE_SIZE } from "@/lib/email/outbox";
import { appName, outboxEnabled } from "@/lib/env";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Outbox" };

export default async function OutboxPage() {
  if (!outboxEnabled()) notFound();
  // Signed out: to sign-in; signed in but not an admin: 403. The admin does not see their own mail: a
  // code mailed to them here would be a second factor anyone holding their session could read.
  const viewer = outboxForAdminsOnly() ? await requireViewer({ admin: true }) : null;
  const messages = await listOutbox(await getDb(), OUTBOX_PAGE_SIZE, viewer?.user.email);
  return (
    <main className="mx-auto flex max-w-3xl flex-col gap-6 px-4 py-10">
      <header>
        <Link href="/" className="text-sm font-medium text-brand-600 hover:underline">
          ← Back to {appName()}
        </Link>
        <p className="mt-4 text-xs font-medium tracking-wide text-slate-500 uppercase">Development</p>
        <h1 className="text-2xl font-semibold tracking-tight">Outbox</h1>
        <p className="mt-1 text-sm text-slate-600">
          Email {appName()} sent while no Resend key is set, newest first (the latest {OUTBOX_PAGE_SIZE}).
        </p>
      </header>
      {messages.length === 0 ? (
        <p className="rounded-lg border border-dashed border-slate-300 p-6 text-center text-sm text-slate-600">No email yet.</p>
      ) : (
        <ol className="flex flex-col gap-4">
          {messages.map((message) => (
            <li key={message.id}>
              <OutboxMessageCard message={message} />
            </li>
          ))}
        </ol>
      )}
    </main>
  );
}
