// For the statements written as SQL rather than with the query builder: rows from either driver, a
// WITH clause made of named parts, and values decoded the same way whichever driver read them.
import { sql, type SQL } from "drizzle-orm";
import type { Queryable } from "./client";

/** postgres.js returns an array from db.execute; PGlite returns { rows }. */
export function rowsOf<T>(result: unknown): T[] {
  if (Array.isArray(result)) return result as T[];
  return (result as { rows?: T[] }).rows ?? [];
}

/** Runs one statement and returns its rows. */
export async function query<T>(db: Queryable, statement: SQL): Promise<T[]> {
  return rowsOf<T>(await db.execute(statement));
}

/**
 * `with a as (…), b as (…)`: one statement's WITH clause from named parts (a null part is left out).
 * PostgreSQL runs every part, data-modifying ones included, as one statement and one snapshot;
 * a part sees another's rows only through its RETURNING.
 */
export function withParts(parts: Record<string, SQL | null | undefined>): SQL {
  const present = Object.entries(parts).filter((entry): entry is [string, SQL] => entry[1] != null);
  return sql`with ${sql.join(
    present.map(([name, part]) => sql`${sql.identifier(name)} as (${part})`),
    sql`, `,
  )}`;
}

/**
 * A timestamp as either driver returns it: a Date, or ISO text such as "2030-01-01 08:00:00.123+00"
 * (postgres.js connects with DateStyle ISO, db/client.ts). Anything unreadable throws: a wait or an
 * expiry read as "no date" must not pass for "over".
 */
export function asDate(value: unknown): Date {
  const date = value instanceof Date ? value : typeof value === "string" ? new Date(value) : null;
  if (!date || Number.isNaN(date.getTime())) throw new TypeError("not a timestamp");
  return date;
}

export function asDateOrNull(value: unknown): Date | null {
  return value === null || value === undefined ? null : asDate(value);
}

/** A bigint or a count, which postgres.js returns as text. */
export function asNumber(value: unknown): number {
  return typeof value === "number" ? value : Number(value);
}

/** A timestamp parameter, typed for PostgreSQL. */
export function timestamptz(date: Date): SQL {
  return sql`${date.toISOString()}::timestamptz`;
}
