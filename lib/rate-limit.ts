// Fixed-window counters in PostgreSQL: one atomic upsert per hit, so parallel requests cannot slip past.
import { sql } from "drizzle-orm";
import type { Queryable } from "@/db/client";
import { now } from "./clock";

export type Limit = { max: number; windowMs: number };
export type LimitResult = { allowed: boolean; count: number; retryAt: Date };

/** Counts one hit against `key` and says whether it is within `limit`. */
export async function hit(db: Queryable, key: string, limit: Limit): Promise<LimitResult> {
  const at = now().getTime();
  const windowStart = new Date(at - (at % limit.windowMs));
  const rows = await db.execute<{ count: number }>(sql`
    insert into rate_limits (key, window_start, count)
    values (${key}, ${windowStart.toISOString()}, 1)
    on conflict (key, window_start) do update set count = rate_limits.count + 1
    returning count`);
  const count = Number(rowsOf(rows)[0].count);
  // The first hit of a window clears this key's finished windows, so the table stays small.
  if (count === 1) {
    await db.execute(sql`delete from rate_limits where key = ${key} and window_start < ${windowStart.toISOString()}`);
  }
  return { allowed: count <= limit.max, count, retryAt: new Date(windowStart.getTime() + limit.windowMs) };
}

/** Reads the current count without counting. */
export async function peek(db: Queryable, key: string, limit: Limit): Promise<LimitResult> {
  const at = now().getTime();
  const windowStart = new Date(at - (at % limit.windowMs));
  const rows = await db.execute<{ count: number }>(sql`
    select count from rate_limits where key = ${key} and window_start = ${windowStart.toISOString()}`);
  const count = Number(rowsOf(rows)[0]?.count ?? 0);
  return { allowed: count < limit.max, count, retryAt: new Date(windowStart.getTime() + limit.windowMs) };
}

/** postgres.js returns an array; PGlite returns { rows }. */
export function rowsOf<T>(result: unknown): T[] {
  if (Array.isArray(result)) return result as T[];
  return ((result as { rows?: T[] }).rows ?? []) as T[];
}
