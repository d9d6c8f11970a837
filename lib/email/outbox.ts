// The local outbox: mail kept in the database and shown at /dev/outbox when no Resend key is set.
import { desc, eq } from "drizzle-orm";
import { getDb, type Queryable } from "@/db/client";
import { outboxMessages, type OutboxMessage } from "@/db/schema";
import { now } from "@/lib/clock";
import type { EmailMessage, EmailTransport } from "./transport";

/** How many messages /dev/outbox shows. */
export const OUTBOX_PAGE_SIZE = 100;

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

/** The newest messages first. */
export async function listOutbox(db: Queryable, limit: number): Promise<OutboxMessage[]> {
  return db.select().from(outboxMessages).orderBy(desc(outboxMessages.createdAt), desc(outboxMessages.id)).limit(limit);
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
