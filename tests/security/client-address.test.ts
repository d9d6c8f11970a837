// "The client chooses its own address" (issue 10): the address used for throttling and the audit log
// comes from what the deployment vouches for (TRUSTED_PROXY_HOPS, or Vercel's header), never from a
// header the client wrote, and is an IP address or nothing.
import fc from "fast-check";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { getDb } from "@/db/client";
import { rateLimits } from "@/db/schema";
import { missingProductionSettings } from "@/lib/env";
import { ADDRESS_LIMIT } from "@/lib/auth/password-limits";
import { freezeClock } from "@/lib/clock";
import { hit } from "@/lib/rate-limit";
import { addressSource, contextFromHeaders, withoutClientForwardedFor } from "@/lib/request";
import { resetDatabase } from "../support/db";

const PEER = "198.51.100.23";

/**
 * The headers a page, action or route handler sees with no proxy trusted: the middleware's pass, then
 * Next.js writing the connection's peer into X-Forwarded-For where it is missing.
 */
function seenByTheApp(sent: Record<string, string>): Headers {
  const h = new Headers(sent);
  withoutClientForwardedFor(h);
  if (!h.has("x-forwarded-for")) h.set("x-forwarded-for", PEER);
  return h;
}

// What a client may write in a header: addresses, lists, junk.
const forged = fc.oneof(
  fc.ipV4(),
  fc.ipV6(),
  fc.array(fc.ipV4(), { minLength: 1, maxLength: 4 }).map((list) => list.join(", ")),
  fc.string({ maxLength: 80 }),
);

describe("the client address", () => {
  beforeEach(async () => {
    await resetDatabase();
    // Inside one 15-minute window, so the count is one row however long the run takes.
    freezeClock(new Date("2030-06-01T08:01:00Z"));
  });
  afterEach(() => vi.unstubAllEnvs());

  it("with no proxy trusted (the default), is the connection's peer, whatever address headers the client sends", () => {
    vi.stubEnv("TRUSTED_PROXY_HOPS", "");
    fc.assert(
      fc.property(forged, forged, (forwardedFor, realIp) => {
        expect(contextFromHeaders(seenByTheApp({ "x-forwarded-for": forwardedFor, "x-real-ip": realIp })).ip).toBe(PEER);
      }),
      { numRuns: 1_000, seed: 1 },
    );
    // A header that reached the app without the middleware (a route it skips) is read only as Next.js
    // writes it: one address. A list is no address; X-Real-IP is never read.
    expect(contextFromHeaders(new Headers({ "x-forwarded-for": "203.0.113.1, 198.51.100.23" })).ip).toBeNull();
    expect(contextFromHeaders(new Headers({ "x-real-ip": "203.0.113.1" })).ip).toBeNull();
  });

  it("behind N proxies, is the N-th X-Forwarded-For value from the right, whatever the client wrote to its left", () => {
    fc.assert(
      fc.property(forged, fc.integer({ min: 1, max: 3 }), fc.ipV4(), (prefix, hops, client) => {
        vi.stubEnv("TRUSTED_PROXY_HOPS", String(hops));
        // Each proxy appends the address it was reached from: the client's, then the proxies' own.
        const appended = [client, ...Array.from({ length: hops - 1 }, (_, i) => `10.0.0.${i + 1}`)];
        const header = [prefix, ...appended].filter(Boolean).join(", ");
        expect(contextFromHeaders(new Headers({ "x-forwarded-for": header, "x-real-ip": "203.0.113.1" })).ip).toBe(client);
      }),
      { numRuns: 1_000, seed: 2 },
    );
    vi.stubEnv("TRUSTED_PROXY_HOPS", "2");
    // One value behind two proxies: the request did not come through both, so nothing is vouched for.
    expect(contextFromHeaders(new Headers({ "x-forwarded-for": "203.0.113.1" })).ip).toBeNull();
  });

  it("is an IP address or nothing: any other value the proxy passes on is no address", () => {
    vi.stubEnv("TRUSTED_PROXY_HOPS", "1");
    for (const value of ["unknown", "203.0.113.9:443", "<script>alert(1)</script>", "a".repeat(5_000), "999.1.1.1", "", "_hidden"]) {
      expect(contextFromHeaders(new Headers({ "x-forwarded-for": `198.51.100.1, ${value}` })).ip, value.slice(0, 40)).toBeNull();
    }
    expect(contextFromHeaders(new Headers({ "x-forwarded-for": "2001:DB8:0:0::7" })).ip).toBe("2001:db8::7");
  });

  it("on Vercel, is Vercel's own x-vercel-forwarded-for, not what a proxy in front may have written", () => {
    vi.stubEnv("VERCEL", "1");
    vi.stubEnv("TRUSTED_PROXY_HOPS", "1");
    const h = new Headers({ "x-vercel-forwarded-for": "192.0.2.44", "x-forwarded-for": "203.0.113.1", "x-real-ip": "203.0.113.2" });
    expect(contextFromHeaders(h).ip).toBe("192.0.2.44");
    expect(contextFromHeaders(new Headers({ "x-forwarded-for": "203.0.113.1" })).ip).toBeNull();
  });

  it("TRUSTED_PROXY_HOPS other than a number of proxies from 0 to 10 stops the server, saying what to set", () => {
    const production = { AUTH_SECRET: "x".repeat(32), ENCRYPTION_KEY: "ab".repeat(32) };
    for (const value of ["-1", "1.5", "one", "11", "1e1", "0x1", "2 proxies"]) {
      expect(() => addressSource({ TRUSTED_PROXY_HOPS: value }), value).toThrow(/TRUSTED_PROXY_HOPS must be the number of proxies/);
      expect(missingProductionSettings({ ...production, TRUSTED_PROXY_HOPS: value })).toEqual([
        expect.stringMatching(/^TRUSTED_PROXY_HOPS must be the number of proxies in front of the server, 0 to 10/),
      ]);
    }
    for (const value of [undefined, "", "0", " 1 ", "10"])
      expect(missingProductionSettings({ ...production, TRUSTED_PROXY_HOPS: value })).toEqual([]);
  });

  it("a client that changes its header every time is still one address to the per-address limit, with one row", async () => {
    vi.stubEnv("TRUSTED_PROXY_HOPS", "0");
    const db = await getDb();
    const verdicts: boolean[] = [];
    for (let guess = 0; guess <= ADDRESS_LIMIT.max; guess++) {
      const { ip } = contextFromHeaders(seenByTheApp({ "x-forwarded-for": `203.0.${guess >> 8}.${guess & 255}` }));
      const [counted] = await hit(db, [{ key: `password:ip:${ip}`, limit: ADDRESS_LIMIT }]);
      verdicts.push(counted.allowed);
    }
    expect(verdicts.filter((allowed) => !allowed)).toHaveLength(1);
    expect(await db.select().from(rateLimits)).toEqual([
      expect.objectContaining({ key: `password:ip:${PEER}`, count: ADDRESS_LIMIT.max + 1 }),
    ]);
  });
});
