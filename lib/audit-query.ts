// Reading the audit log: filters by user, type and date, and keyset paging (newest first) that
// walks one of the audit_events indexes, so a page costs the same at a million rows as at ten.
import { sql, type SQL } from "drizzle-orm";
import { z } from "zod";
import type { Queryable } from "@/db/client";
import { asDate, query, withParts } from "@/db/sql";
import { AUDIT_TYPES, type AuditType } from "./audit";
import { DAY } from "./clock";
import { PLAIN_TEXT } from "./forms";

export const AUDIT_PAGE_SIZE = 50;

const blankToUndefined = (value: unknown) => (typeof value === "string" && value.trim() === "" ? undefined : value);
const eventId = z
  .string()
  .regex(/^[1-9][0-9]{0,14}$/)
  .transform(Number);

/** The days a date filter may name: no event predates 1970 (the Unix epoch), and past 9999 a year no longer fits YYYY-MM-DD. */
export const FIRST_AUDIT_DAY = "1970-01-01";
export const LAST_AUDIT_DAY = "9999-12-31";

/** True for a real calendar day written YYYY-MM-DD, from FIRST_AUDIT_DAY to LAST_AUDIT_DAY. */
export function isAuditDay(value: unknown): value is string {
  if (typeof value !== "string" || !/^\d{4}-\d{2}-\d{2}$/.test(value)) return false;
  if (value < FIRST_AUDIT_DAY || value > LAST_AUDIT_DAY) return false;
  const date = new Date(`${value}T00:00:00Z`);
  // A day that does not exist (February 30th) is either invalid or rolls over into another day.
  return !Number.isNaN(date.getTime()) && date.toISOString().startsWith(value);
}

export type AuditDateField = "from" | "to";
const DATE_LABELS: Record<AuditDateField, string> = { from: "“From”", to: "“To”" };

/** What the page and the export say about date filters they cannot use. */
export function auditDateMessage(fields: AuditDateField[]): string {
  const range = `from ${FIRST_AUDIT_DAY} to ${LAST_AUDIT_DAY}`;
  return fields.length === 1
    ? `${DATE_LABELS[fields[0]]} must be a real date ${range}.`
    : `${fields.map((field) => DATE_LABELS[field]).join(" and ")} must be real dates ${range}.`;
}

/**
 * The page's search parameters, as typed by the admin or carried in a link. A value that cannot
 * be read is dropped, not refused: a URL can hold anything and the page must still answer. A date
 * is the exception: dropping it would quietly widen the search, so it is named in `refusedDates`
 * and the page and the export say what is wrong instead of listing.
 */
export const auditSearch = z
  .object({
    user: z.preprocess(blankToUndefined, z.string().trim().max(254).regex(PLAIN_TEXT).optional()).catch(undefined),
    type: z.preprocess(blankToUndefined, z.enum(AUDIT_TYPES).optional()).catch(undefined),
    from: z.preprocess(blankToUndefined, z.unknown()),
    to: z.preprocess(blankToUndefined, z.unknown()),
    before: z.preprocess(blankToUndefined, eventId.optional()).catch(undefined),
    after: z.preprocess(blankToUndefined, eventId.optional()).catch(undefined),
  })
  .transform(({ from, to, ...rest }) => {
    const refusedDates: AuditDateField[] = [];
    const day = (field: AuditDateField, value: unknown): string | undefined => {
      if (value === undefined || isAuditDay(value)) return value;
      refusedDates.push(field);
      return undefined;
    };
    return { ...rest, from: day("from", from), to: day("to", to), refusedDates };
  });
export type AuditSearch = z.infer<typeof auditSearch>;

/**
 * The filter in database terms: a user (by id, or by the username or email typed, resolved in the same
 * statement), as actor or subject; a type; and [from, until).
 */
export type AuditFilter = { userId?: string; account?: string; type?: AuditType; from?: Date; until?: Date };

/** `before`: rows older than that event (the next page down); `after`: rows newer than it (back up). */
export type AuditCursor = { before?: number; after?: number };

/** Turns the search into a filter. Dates are whole UTC days: "to" includes its whole day. */
export function auditFilter(search: { user?: string; type?: AuditType; from?: string; to?: string }): AuditFilter {
  const filter: AuditFilter = { type: search.type };
  if (search.from) filter.from = new Date(`${search.from}T00:00:00Z`);
  if (search.to) filter.until = new Date(new Date(`${search.to}T00:00:00Z`).getTime() + DAY);
  if (search.user) filter.account = search.user.trim().toLowerCase();
  return filter;
}

/**
 * A time as PostgreSQL reads it. The end of the last day, 9999-12-31, is in the year 10000, which
 * toISOString writes "+010000-…" and PostgreSQL refuses; without the sign and the padding it reads it.
 */
function timestampParam(date: Date): SQL {
  return sql`${date.toISOString().replace(/^\+0*/, "")}::timestamptz`;
}

/** The user the filter names, as SQL (an id, or the account resolved in the statement); null for everyone. */
function filterUser(filter: AuditFilter): SQL | null {
  if (filter.userId) return sql`${filter.userId}::uuid`;
  if (filter.account) return sql`(select id from users where username = ${filter.account} or email = ${filter.account} limit 1)`;
  return null;
}

function conditions(filter: AuditFilter, cursor: AuditCursor): SQL[] {
  const where: SQL[] = [];
  if (filter.type) where.push(sql`type = ${filter.type}`);
  if (filter.from) where.push(sql`at >= ${timestampParam(filter.from)}`);
  if (filter.until) where.push(sql`at < ${timestampParam(filter.until)}`);
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
  const user = filterUser(filter);
  if (!user) return select([]);
  return sql`select id, at from ((${select([sql`subject_id = ${user}`])}) union (${select([sql`actor_id = ${user}`])})) as mine order by ${order} limit ${limit}`;
}

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

/** An event as the statement returns it, before readAuditPage. */
export type AuditRowJson = Omit<AuditRow, "at"> & { at: string };

/**
 * One page of events with their actor and subject, as one JSON column (`events`), and whether the
 * filter's account exists (`user_found`): the parts and columns of a statement, so a page can read
 * other things in the same statement.
 */
export function auditPageParts(filter: AuditFilter, cursor: AuditCursor, limit: number): { parts: Record<string, SQL>; columns: SQL } {
  const person = (alias: string) =>
    sql`case when ${sql.identifier(alias)}.id is null then null else json_build_object('id', ${sql.identifier(alias)}.id, 'name', ${sql.identifier(alias)}.name, 'email', ${sql.identifier(alias)}.email) end`;
  return {
    parts: { page_ids: auditPageIdsQuery(filter, cursor, limit) },
    columns: sql`coalesce((select json_agg(json_build_object('id', e.id, 'at', e.at, 'type', e.type, 'ip', e.ip, 'userAgent', e.user_agent,
        'details', e.details, 'actor', ${person("actor")}, 'subject', ${person("subject")}))
      from page_ids p join audit_events e on e.id = p.id
      left join users actor on actor.id = e.actor_id left join users subject on subject.id = e.subject_id), '[]'::json) as events,
      ${filter.account ? sql`exists (select 1 from users where username = ${filter.account} or email = ${filter.account})` : sql`true`} as user_found`,
  };
}

export type AuditPage = {
  events: AuditRow[];
  /** Cursor for the next page down (older events), or null at the oldest. */
  older: number | null;
  /** Cursor for the page above (newer events), or null at the newest. */
  newer: number | null;
  /** The filter named an account that does not exist. */
  unknownUser: boolean;
};

/** Reads what auditPageParts returned into a page, newest first, with its cursors. */
export function readAuditPage(row: { events: AuditRowJson[]; user_found: boolean }, cursor: AuditCursor, limit: number): AuditPage {
  const newestFirst = (a: AuditRow, b: AuditRow) => b.at.getTime() - a.at.getTime() || b.id - a.id;
  const found = row.events.map((event) => ({ ...event, id: Number(event.id), at: asDate(event.at) })).sort(newestFirst);
  // One row more than shown tells whether another page exists in the walking direction.
  const more = found.length > limit;
  const events = cursor.after !== undefined ? found.slice(found.length - Math.min(limit, found.length)) : found.slice(0, limit);
  const unknownUser = !row.user_found;
  if (events.length === 0) return { events, older: null, newer: null, unknownUser };
  const top = events[0].id;
  const bottom = events[events.length - 1].id;
  if (cursor.after !== undefined) return { events, older: bottom, newer: more ? top : null, unknownUser };
  return { events, older: more ? bottom : null, newer: cursor.before !== undefined ? top : null, unknownUser };
}

/** One page of events, newest first, in one statement. */
export async function listAuditEvents(
  db: Queryable,
  filter: AuditFilter,
  cursor: AuditCursor = {},
  limit = AUDIT_PAGE_SIZE,
): Promise<AuditPage> {
  const { parts, columns } = auditPageParts(filter, cursor, limit + 1);
  const [row] = await query<{ events: AuditRowJson[]; user_found: boolean }>(db, sql`${withParts(parts)} select ${columns}`);
  return readAuditPage(row, cursor, limit);
}

/** How many events the CSV export reads per statement. */
export const AUDIT_EXPORT_BATCH = 1000;

/**
 * Every event under the filter from `first` (its first page) on, newest first, read a page at a time
 * so memory stays flat. The caller reads the first page itself, so that a failure there can still be
 * answered with an error status rather than a download that breaks off.
 */
export async function* auditEventsFrom(
  db: Queryable,
  filter: AuditFilter,
  first: AuditPage,
  batchSize = AUDIT_EXPORT_BATCH,
): AsyncGenerator<AuditRow> {
  let page = first;
  for (;;) {
    yield* page.events;
    if (page.older === null) return;
    page = await listAuditEvents(db, filter, { before: page.older }, batchSize);
  }
}
