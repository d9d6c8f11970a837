// Fixed-window counters in PostgreSQL. A hit is counted by one atomic upsert before the guarded work
// (so parallel requests cannot slip past), and limits that count only failures give it back on
// success. Both are statement parts, so a step can fold them into the statement it sends anyway.
import { sql, type SQL } from "drizzle-orm";
import type { Queryable } from "@/db/client";
import { query, timestamptz, withParts } from "@/db/sql";
import { MINUTE, now } from "./clock";
import { oneIn } from "./crypto";

export type Limit = { max: number; windowMs: number };
export type Counter = { key: string; limit: Limit };
/** `windowStart` names the window the hit was counted in, so a refund goes back to it. */
export type Hit = { key: string; allowed: boolean; count: number; retryAt: Date; windowStart: Date };

// Finished windows are swept now and then (one hit in SWEEP_ONE_IN) rather than on every hit, by a
// statement part the step sends anyway. A row does not store its window's length, so the sweep takes
// every window to be the longest a limit may have: a row goes at the first sweep after that much time
// from its start, when its window has surely ended, and never earlier.
const SWEEP_ONE_IN = 64;
/** No limit's window may be longer than this (windowStart refuses it): see the sweep. */
export const LONGEST_WINDOW_MS = 15 * MINUTE;

function windowStart(limit: Limit, at: Date): Date {
  // A longer window would be swept while it still counts, and its limit start over.
  if (limit.windowMs > LONGEST_WINDOW_MS) throw new Error(`A rate limit's window may be at most ${LONGEST_WINDOW_MS / MINUTE} minutes.`);
  const ms = at.getTime();
  return new Date(ms - (ms % limit.windowMs));
}

/** Counts one hit on each counter (their keys differ); returns `key`, `count` per counter. */
export function countHits(counters: Counter[], at: Date): SQL {
  const rows = counters.map(({ key, limit }) => sql`(${key}, ${timestamptz(windowStart(limit, at))}, 1)`);
  return sql`insert into rate_limits (key, window_start, count) values ${sql.join(rows, sql`, `)}
    on conflict (key, window_start) do update set count = rate_limits.count + 1
    returning key, count`;
}

/** SQL: what the part named `hits` (countHits) counted, as one JSON object of counts by key, for readHits. */
export const countedHits: SQL = sql`(select json_object_agg(key, count) from hits)`;

/** What countHits counted, counter by counter, as the limits judge it. */
export function readHits(counters: Counter[], counts: Record<string, number | string>, at: Date): Hit[] {
  return counters.map(({ key, limit }) => {
    const start = windowStart(limit, at);
    const count = Number(counts[key]);
    return { key, count, allowed: count <= limit.max, windowStart: start, retryAt: new Date(start.getTime() + limit.windowMs) };
  });
}

/** The latest time any refused hit may try again; null when every hit is allowed. */
export function refusedUntil(hits: Hit[]): Date | null {
  const refused = hits.filter((hit) => !hit.allowed).map((hit) => hit.retryAt.getTime());
  return refused.length > 0 ? new Date(Math.max(...refused)) : null;
}

/** Gives the hits back, each to the window it was counted in, even when that window has ended since. */
export function refundHits(hits: Hit[]): SQL {
  const rows = hits.map((hit) => sql`(${hit.key}, ${timestamptz(hit.windowStart)})`);
  return sql`update rate_limits set count = greatest(count - 1, 0) where (key, window_start) in (${sql.join(rows, sql`, `)})`;
}

/** Now and then, a statement part that deletes every finished window; null the rest of the time. */
export function sweepNowAndThen(at: Date): SQL | null {
  if (!oneIn(SWEEP_ONE_IN)) return null;
  return sql`delete from rate_limits where window_start <= ${timestamptz(new Date(at.getTime() - LONGEST_WINDOW_MS))}`;
}

/** Counts one hit on each counter in one statement and says whether each is within its limit. */
export async function hit(db: Queryable, counters: Counter[]): Promise<Hit[]> {
  const at = now();
  const [row] = await query<{ hits: Record<string, number | string> }>(
    db,
    sql`${withParts({ hits: countHits(counters, at), sweep: sweepNowAndThen(at) })} select ${countedHits} as hits`,
  );
  return readHits(counters, row.hits, at);
}
