// Fixed-window counters in PostgreSQL: one atomic upsert per hit, so parallel requests cannot slip past.
import { and, eq, lt, sql } from "drizzle-orm";
import type { Queryable } from "@/db/client";
import { rateLimits } from "@/db/schema";
import { now } from "./clock";

export type Limit = { max: number; windowMs: number };
/** `windowStart` names the window the hit was counted in, for refund(). */
export type LimitResult = { allowed: boolean; count: number; retryAt: Date; windowStart: Date };

function currentWindow(limit: Limit): Date {
  const at = now().getTime();
  return new Date(at - (at % limit.windowMs));
}

/** Counts one hit against `key` and says whether it is within `limit`. */
export async function hit(db: Queryable, key: string, limit: Limit): Promise<LimitResult> {
  const windowStart = currentWindow(limit);
  const [{ count }] = await db
    .insert(rateLimits)
    .values({ key, windowStart, count: 1 })
    .onConflictDoUpdate({ target: [rateLimits.key, rateLimits.windowStart], set: { count: sql`${rateLimits.count} + 1` } })
    .returning({ count: rateLimits.count });
  // The first hit of a window clears this key's finished windows, so the table stays small.
  if (count === 1) {
    await db.delete(rateLimits).where(and(eq(rateLimits.key, key), lt(rateLimits.windowStart, windowStart)));
  }
  return { allowed: count <= limit.max, count, retryAt: new Date(windowStart.getTime() + limit.windowMs), windowStart };
}

/**
 * Gives back the hit that `counted` took: for limits that should count only failures, the hit is
 * taken before the check (so parallel requests cannot slip past) and refunded on success. The
 * refund goes to the window the hit went to, even when that window has ended in between.
 */
export async function refund(db: Queryable, key: string, counted: LimitResult): Promise<void> {
  await db
    .update(rateLimits)
    .set({ count: sql`greatest(${rateLimits.count} - 1, 0)` })
    .where(and(eq(rateLimits.key, key), eq(rateLimits.windowStart, counted.windowStart)));
}

/** postgres.js returns an array from db.execute; PGlite returns { rows }. */
export function rowsOf<T>(result: unknown): T[] {
  if (Array.isArray(result)) return result as T[];
  return (result as { rows?: T[] }).rows ?? [];
}
