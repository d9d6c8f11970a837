// The local outbox: mail kept in the database and shown at /dev/outbox when no Resend key is set.
import { desc, eq, ne } from "drizzle-orm";
import { getDb, type Queryable } from "@/db/client";
import { outboxMessages, type OutboxMessage } from "@/db/schema";
import { now } from "@/lib/clock";
import { outboxEnabled } from "@/lib/env";
import type { EmailMessage, EmailTransport } from "./transport";

/** How many messages /dev/outbox shows. */
export const OUTBOX_PAGE_SIZE = 100;

type Env = Readonly<Record<string, string | undefined>>;

/**
 * Whether /dev/outbox is for admins only: on a production server (EMAIL_OUTBOX=1) it holds the codes
 * real people sign in with, each a second factor. A development server keeps it open to anyone who
 * can reach it.
 */
export function outboxForAdminsOnly(env: Env = process.env): boolean {
  return env.NODE_ENV === "production";
}

/** What a production server says once at start while its outbox is on; null when there is nothing to say. */
export function productionOutboxWarning(env: Env = process.env): string | null {
  if (!outboxEnabled(env) || !outboxForAdminsOnly(env)) return null;
  return (
    "[tessera] Warning: EMAIL_OUTBOX=1 on a production server. Without RESEND_API_KEY mail is kept in the local outbox instead " +
    "of being sent, and every sign-in code in it is readable by any admin at /dev/outbox. Use EMAIL_OUTBOX=1 on test servers only."
  );
}

export async function storeInOutbox(db: Queryable, message: EmailMessage): Promise<void> {
  await db.insert(outboxMessages).values({
    to: message.to,
    subject: message.subject,
    text: message.text,
    html: message.html,
    createdAt: now(),
  });
}

export function outboxTransport(): EmailTransport {
  return {
    kind: "outbox",
    send: async (message) => storeInOutbox(await getDb(), message),
  };
}

/** The newest messages first; `except`: an address whose mail is left out. */
export async function listOutbox(db: Queryable, limit: number, except?: string): Promise<OutboxMessage[]> {
  return db
    .select()
    .from(outboxMessages)
    .where(except ? ne(outboxMessages.to, except) : undefined)
    .orderBy(desc(outboxMessages.createdAt), desc(outboxMessages.id))
    .limit(limit);
}

/** The newest message sent to `to`, or null: how tests and local runs read a code that was mailed. */
export async function latestOutboxMessage(db: Queryable, to: string): Promise<OutboxMessage | null> {
  const [message] = await db
    .select()
    .from(outboxMessages)
    .where(eq(outboxMessages.to, to))
    .orderBy(desc(outboxMessages.createdAt), desc(outboxMessages.id))
    .limit(1);
  return message ?? null;
}
