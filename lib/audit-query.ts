// Reading the audit log: filters by user, type and date, and keyset paging (newest first) that
// walks one of the audit_events indexes, so a page costs the same at a million rows as at ten.
import { desc, eq, inArray, sql, type SQL } from "drizzle-orm";
import { alias } from "drizzle-orm/pg-core";
import { z } from "zod";
import type { Queryable } from "@/db/client";
import { auditEvents, users } from "@/db/schema";
import { AUDIT_TYPES, type AuditType } from "./audit";
import { DAY } from "./clock";
import { rowsOf } from "./rate-limit";
import { PLAIN_TEXT } from "./forms";
import { findUserByAccount } from "./users";

export const AUDIT_PAGE_SIZE = 50;

const blankToUndefined = (value: unknown) => (typeof value === "string" && value.trim() === "" ? undefined : value);
const day = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/)
  .refine((value) => !Number.isNaN(Date.parse(`${value}T00:00:00Z`)) && new Date(`${value}T00:00:00Z`).toISOString().startsWith(value));
const eventId = z
  .string()
  .regex(/^[1-9][0-9]{0,14}$/)
  .transform(Number);

/**
 * The page's search parameters, as typed by the admin or carried in a link. A value that cannot
 * be read is dropped, not refused: a URL can hold anything and the page must still answer.
 */
export const auditSearch = z.object({
  user: z.preprocess(blankToUndefined, z.string().trim().max(254).regex(PLAIN_TEXT).optional()).catch(undefined),
  type: z.preprocess(blankToUndefined, z.enum(AUDIT_TYPES).optional()).catch(undefined),
  from: z.preprocess(blankToUndefined, day.optional()).catch(undefined),
  to: z.preprocess(blankToUndefined, day.optional()).catch(undefined),
  before: z.preprocess(blankToUndefined, eventId.optional()).catch(undefined),
  after: z.preprocess(blankToUndefined, eventId.optional()).catch(undefined),
});
export type AuditSearch = z.infer<typeof auditSearch>;

/** The filter in database terms: a user id (as actor or subject), a type, and [from, until). */
export type AuditFilter = { userId?: string; type?: AuditType; from?: Date; until?: Date };

/** `before`: rows older than that event (the next page down); `after`: rows newer than it (back up). */
export type AuditCursor = { before?: number; after?: number };

export type ResolvedFilter = { filter: AuditFilter; unknownUser: boolean };

/** Turns the search into a filter; a user that matches no account is reported, not guessed at. */
export async function resolveAuditFilter(db: Queryable, search: AuditSearch): Promise<ResolvedFilter> {
  const filter: AuditFilter = { type: search.type };
  // Dates are whole UTC days: "to" includes its whole day.
  if (search.from) filter.from = new Date(`${search.from}T00:00:00Z`);
  if (search.to) filter.until = new Date(new Date(`${search.to}T00:00:00Z`).getTime() + DAY);
  if (!search.user) return { filter, unknownUser: false };
  const user = await findUserByAccount(db, search.user);
  if (!user) return { filter, unknownUser: true };
  return { filter: { ...filter, userId: user.id }, unknownUser: false };
}

function conditions(filter: AuditFilter, cursor: AuditCursor): SQL[] {
  const where: SQL[] = [];
  if (filter.type) where.push(sql`type = ${filter.type}`);
  if (filter.from) where.push(sql`at >= ${filter.from.toISOString()}::timestamptz`);
  if (filter.until) where.push(sql`at < ${filter.until.toISOString()}::timestamptz`);
  // The cursor is an event id; its time is read in the query, so the link stays short and exact.
  if (cursor.before !== undefined) {
    where.push(sql`(at, id) < ((select c.at from audit_events c where c.id = ${cursor.before}), ${cursor.before}::bigint)`);
  } else if (cursor.after !== undefined) {
    where.push(sql`(at, id) > ((select c.at from audit_events c where c.id = ${cursor.after}), ${cursor.after}::bigint)`);
  }
  return where;
}

/**
 * The ids of one page, in the order of the index being walked. A user is matched as actor or
 * subject: each side walks its own index and the two short lists are merged, rather than an OR
 * that no single index can serve.
 */
export function auditPageIdsQuery(filter: AuditFilter, cursor: AuditCursor, limit: number): SQL {
  // The indexes are "desc nulls last"; only an order spelled the same way (or its exact reverse)
  // is read straight off them, although neither column can be null.
  const order =
    cursor.after !== undefined ? sql.raw("at asc nulls first, id asc nulls first") : sql.raw("at desc nulls last, id desc nulls last");
  const where = conditions(filter, cursor);
  const select = (extra: SQL[]) =>
    sql`select id, at from audit_events where ${sql.join([sql`true`, ...extra, ...where], sql` and `)} order by ${order} limit ${limit}`;
  if (!filter.userId) return select([]);
  return sql`select id, at from ((${select([sql`subject_id = ${filter.userId}`])}) union (${select([sql`actor_id = ${filter.userId}`])})) as mine order by ${order} limit ${limit}`;
}

const actor = alias(users, "actor");
const subject = alias(users, "subject");

export type AuditRow = {
  id: number;
  at: Date;
  type: string;
  actor: { id: string; name: string; email: string } | null;
  subject: { id: string; name: string; email: string } | null;
  ip: string | null;
  userAgent: string | null;
  details: Record<string, unknown>;
};

async function eventsByIds(db: Queryable, ids: number[]): Promise<AuditRow[]> {
  if (ids.length === 0) return [];
  const rows = await db
    .select({
      id: auditEvents.id,
      at: auditEvents.at,
      type: auditEvents.type,
      ip: auditEvents.ip,
      userAgent: auditEvents.userAgent,
      details: auditEvents.details,
      actorId: actor.id,
      actorName: actor.name,
      actorEmail: actor.email,
      subjectId: subject.id,
      subjectName: subject.name,
      subjectEmail: subject.email,
    })
    .from(auditEvents)
    .leftJoin(actor, eq(actor.id, auditEvents.actorId))
    .leftJoin(subject, eq(subject.id, auditEvents.subjectId))
    .where(inArray(auditEvents.id, ids))
    .orderBy(desc(auditEvents.at), desc(auditEvents.id));
  return rows.map((row) => ({
    id: row.id,
    at: row.at,
    type: row.type,
    ip: row.ip,
    userAgent: row.userAgent,
    details: row.details,
    actor: row.actorId ? { id: row.actorId, name: row.actorName!, email: row.actorEmail! } : null,
    subject: row.subjectId ? { id: row.subjectId, name: row.subjectName!, email: row.subjectEmail! } : null,
  }));
}

export type AuditPage = {
  events: AuditRow[];
  /** Cursor for the next page down (older events), or null at the oldest. */
  older: number | null;
  /** Cursor for the page above (newer events), or null at the newest. */
  newer: number | null;
};

/** One page of events, newest first. */
export async function listAuditEvents(
  db: Queryable,
  filter: AuditFilter,
  cursor: AuditCursor = {},
  limit = AUDIT_PAGE_SIZE,
): Promise<AuditPage> {
  // One row more than shown tells whether another page exists in the walking direction.
  const found = rowsOf<{ id: string | number }>(await db.execute(auditPageIdsQuery(filter, cursor, limit + 1))).map((row) =>
    Number(row.id),
  );
  const more = found.length > limit;
  const ids = found.slice(0, limit);
  const events = await eventsByIds(db, ids);
  if (events.length === 0) return { events, older: null, newer: null };
  const top = events[0].id;
  const bottom = events[events.length - 1].id;
  if (cursor.after !== undefined) return { events, older: bottom, newer: more ? top : null };
  return { events, older: more ? bottom : null, newer: cursor.before !== undefined ? top : null };
}

/** Every event under the filter, newest first, read a page at a time so memory stays flat. */
export async function* allAuditEvents(db: Queryable, filter: AuditFilter, batchSize = 1000): AsyncGenerator<AuditRow> {
  let before: number | undefined;
  for (;;) {
    const page = await listAuditEvents(db, filter, before === undefined ? {} : { before }, batchSize);
    yield* page.events;
    if (page.older === null) return;
    before = page.older;
  }
}
