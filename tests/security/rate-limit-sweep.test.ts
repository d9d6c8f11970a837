// Rate-limit rows do not pile up: a burst of distinct keys (an attacker inventing addresses or account
// names) is gone once its window has ended, swept by a statement that counts a hit anyway; a window
// that still counts is never swept.
import { beforeEach, describe, expect, it } from "vitest";
import { eq, like } from "drizzle-orm";
import { getDb } from "@/db/client";
import { rateLimits } from "@/db/schema";
import { ADDRESS_LIMIT } from "@/lib/auth/password-limits";
import { DAY, advanceClock, freezeClock, now } from "@/lib/clock";
import { LONGEST_WINDOW_MS, hit } from "@/lib/rate-limit";
import { resetDatabase } from "../support/db";

const BURST = 500;

/**
 * Hits on one key until one of those statements has swept too (one in 64 does; at most 2,000 tries):
 * the row of a window that ended two days ago is the sign.
 */
async function hitUntilSwept(key: string): Promise<void> {
  const db = await getDb();
  const canary = "canary:long-ended";
  await db.insert(rateLimits).values({ key: canary, windowStart: new Date(now().getTime() - 2 * DAY), count: 1 });
  for (let tries = 0; tries < 2_000; tries++) {
    await hit(db, [{ key, limit: ADDRESS_LIMIT }]);
    if ((await db.$count(rateLimits, eq(rateLimits.key, canary))) === 0) return;
  }
  throw new Error("No sweep in 2,000 hits.");
}

describe("the sweep of finished rate-limit windows", () => {
  beforeEach(() => resetDatabase());

  it(`leaves no row of a burst of ${BURST} distinct keys once their window has ended`, async () => {
    const db = await getDb();
    // The first instant of a window, so the whole burst counts in the one window.
    freezeClock(new Date(Math.ceil(now().getTime() / ADDRESS_LIMIT.windowMs) * ADDRESS_LIMIT.windowMs));
    for (let i = 0; i < BURST; i++) await hit(db, [{ key: `password:ip:198.18.${i >> 8}.${i & 255}`, limit: ADDRESS_LIMIT }]);
    expect(await db.$count(rateLimits, like(rateLimits.key, "password:ip:198.18.%"))).toBe(BURST);

    advanceClock(ADDRESS_LIMIT.windowMs);
    await hitUntilSwept("password:ip:192.0.2.1");
    expect(await db.$count(rateLimits, like(rateLimits.key, "password:ip:198.18.%"))).toBe(0);
  });

  it("never sweeps a window that still counts, even at its last millisecond", async () => {
    const db = await getDb();
    freezeClock(new Date(Math.ceil(now().getTime() / LONGEST_WINDOW_MS) * LONGEST_WINDOW_MS));
    for (let i = 0; i < ADDRESS_LIMIT.max; i++) await hit(db, [{ key: "password:ip:203.0.113.5", limit: ADDRESS_LIMIT }]);
    advanceClock(LONGEST_WINDOW_MS - 1);
    // Another key's hits, until one sweeps: the full window of 203.0.113.5 survives and still refuses.
    await hitUntilSwept("password:ip:192.0.2.1");
    const [refused] = await hit(db, [{ key: "password:ip:203.0.113.5", limit: ADDRESS_LIMIT }]);
    expect(refused).toMatchObject({ allowed: false, count: ADDRESS_LIMIT.max + 1 });
  });

  it("refuses a limit whose window is longer than the sweep allows, rather than sweep it while it counts", async () => {
    const db = await getDb();
    await expect(hit(db, [{ key: "too-long", limit: { max: 1, windowMs: LONGEST_WINDOW_MS + 1 } }])).rejects.toThrow(/at most 15 minutes/);
  });
});
