import { beforeEach, describe, expect, it } from "vitest";
import { eq } from "drizzle-orm";
import { getDb, type Database } from "@/db/client";
import { auditEvents, passwordDelays, rateLimits, userSessions, users } from "@/db/schema";
import { FAILURES_FORGOTTEN_AFTER_MS, FREE_FAILURES, MAX_DELAY_MS, delayAfter } from "@/lib/auth/password-limits";
import { activateSession } from "@/lib/auth/sessions";
import { passwordStep } from "@/lib/auth/sign-in-flow";
import { advanceClock, freezeClock, now } from "@/lib/clock";
import { hit, refundHits } from "@/lib/rate-limit";
import { TEST_PASSWORD, createTestUser, resetDatabase } from "../support/db";
import type { RequestContext } from "@/lib/request";
import { viewerOf } from "../support/sign-in";

const context = { ip: "203.0.113.7", userAgent: "vitest" };

/** The password step as a browser without a trusted-browser cookie runs it. */
async function verifyPasswordStep(db: Database, input: { account: string; password: string }, ctx: RequestContext) {
  return passwordStep(db, input, ctx, null);
}

/** A right password for a user without 2FA: the pending session's ticket. */
async function ticketFor(username: string): Promise<string> {
  const result = await verifyPasswordStep(await getDb(), { account: username, password: TEST_PASSWORD }, context);
  if (result.kind !== "signed_in") throw new Error(`expected a ticket, got ${result.kind}`);
  return result.ticket;
}

describe("password step of sign-in", () => {
  beforeEach(() => resetDatabase());

  it("accepts the username or the email, in any case", async () => {
    const db = await getDb();
    const user = await createTestUser({ username: "maria", email: "maria@example.com" });
    for (const account of ["maria", "MARIA", "Maria@Example.com", "  maria  "]) {
      const result = await verifyPasswordStep(db, { account, password: TEST_PASSWORD }, context);
      expect(result).toMatchObject({ kind: "signed_in", via: "no_two_factor", userId: user.id });
    }
  });

  it("gives the same answer for an unknown account and a wrong password", async () => {
    const db = await getDb();
    await createTestUser({ username: "maria" });
    const unknown = await verifyPasswordStep(db, { account: "nobody", password: TEST_PASSWORD }, context);
    const wrong = await verifyPasswordStep(db, { account: "maria", password: "not the password" }, context);
    expect(unknown).toEqual({ kind: "invalid" });
    expect(wrong).toEqual({ kind: "invalid" });
  });

  it("answers a locked or disabled account as a wrong password, right password or not", async () => {
    const db = await getDb();
    for (const status of ["locked", "disabled"] as const) {
      const user = await createTestUser({ username: status });
      await db.update(users).set({ status }).where(eq(users.id, user.id));
      expect(await verifyPasswordStep(db, { account: status, password: "wrong password!" }, context)).toEqual({ kind: "invalid" });
      expect(await verifyPasswordStep(db, { account: status, password: TEST_PASSWORD }, context)).toEqual({ kind: "invalid" });
      // The right password is not forgiven either: the delays say nothing of which it was.
      const [delay] = await db
        .select()
        .from(passwordDelays)
        .where(eq(passwordDelays.key, `user:${user.id}`));
      expect(delay.failures).toBe(2);
    }
  });

  it(`lets ${FREE_FAILURES} failures through, then makes each try wait 1 s, 2 s, 4 s ... up to 60 s`, async () => {
    const db = await getDb();
    await createTestUser({ username: "target" });
    freezeClock(new Date(Date.UTC(2026, 0, 1, 12)));
    const waits: number[] = [];
    for (let failures = 1; failures <= 12; failures++) {
      expect((await verifyPasswordStep(db, { account: "target", password: "guess" }, context)).kind).toBe("invalid");
      const [delay] = await db.select().from(passwordDelays);
      expect(delay.failures).toBe(failures);
      const wait = delay.retryAt.getTime() - now().getTime();
      waits.push(wait);
      if (wait > 0) {
        // Until the wait is over even the right password is refused, unchecked.
        const refused = await verifyPasswordStep(db, { account: "target", password: TEST_PASSWORD }, context);
        expect(refused).toEqual({ kind: "throttled", retryAt: delay.retryAt });
        advanceClock(wait);
      }
    }
    expect(waits).toEqual([0, 0, 0, 1, 2, 4, 8, 16, 32, 60, 60, 60].map((seconds) => seconds * 1000));
    expect(waits.map((_, index) => delayAfter(index + 1))).toEqual(waits);
  });

  it("lets the owner in with the right password as soon as the wait ends, whoever made it", async () => {
    const db = await getDb();
    await createTestUser({ username: "owner" });
    for (let i = 0; i < 8; i++) {
      await verifyPasswordStep(db, { account: "owner", password: "guess" }, { ip: `198.51.100.${i}`, userAgent: "guesser" });
      advanceClock(MAX_DELAY_MS);
    }
    expect((await verifyPasswordStep(db, { account: "owner", password: TEST_PASSWORD }, context)).kind).toBe("signed_in");
    // and is forgiven: the next typo is free again
    expect(await db.select().from(passwordDelays)).toEqual([]);
  });

  it("books parallel guesses one at a time: only the free ones and one more go ahead", async () => {
    const db = await getDb();
    await createTestUser({ username: "target" });
    // Time stands still: on a busy machine twenty password hashes can outlast the first delay.
    freezeClock(now());
    const attempts = await Promise.all(
      Array.from({ length: 20 }, () => verifyPasswordStep(db, { account: "target", password: "guess" }, context)),
    );
    expect(attempts.filter((a) => a.kind === "invalid")).toHaveLength(FREE_FAILURES + 1);
    expect((await verifyPasswordStep(db, { account: "target", password: TEST_PASSWORD }, context)).kind).toBe("throttled");
    advanceClock(delayAfter(FREE_FAILURES + 1));
    expect((await verifyPasswordStep(db, { account: "target", password: TEST_PASSWORD }, context)).kind).toBe("signed_in");
  });

  it("holds the username and the email of one account back as one", async () => {
    const db = await getDb();
    await createTestUser({ username: "eve", email: "eve@example.com" });
    for (const account of ["eve", "EVE@example.com", "eve", "eve@example.com"]) {
      expect((await verifyPasswordStep(db, { account, password: "guess" }, context)).kind).toBe("invalid");
    }
    expect((await verifyPasswordStep(db, { account: "eve@example.com", password: "guess" }, context)).kind).toBe("throttled");
    expect((await verifyPasswordStep(db, { account: "eve", password: "guess" }, context)).kind).toBe("throttled");
  });

  it("holds an unknown account back the same way, so the delays reveal nothing", async () => {
    const db = await getDb();
    await createTestUser({ username: "known" });
    const kinds = async (account: string) => {
      const seen: string[] = [];
      for (let i = 0; i < FREE_FAILURES + 2; i++) seen.push((await verifyPasswordStep(db, { account, password: "guess" }, context)).kind);
      return seen;
    };
    expect(await kinds("nobody")).toEqual(await kinds("known"));
  });

  it("counts only failures: right passwords never add to the wait", async () => {
    const db = await getDb();
    await createTestUser({ username: "regular" });
    for (let i = 0; i < 20; i++) {
      expect((await verifyPasswordStep(db, { account: "regular", password: TEST_PASSWORD }, context)).kind).toBe("signed_in");
    }
    for (let i = 0; i < FREE_FAILURES; i++) {
      expect((await verifyPasswordStep(db, { account: "regular", password: "guess" }, context)).kind).toBe("invalid");
    }
    expect((await verifyPasswordStep(db, { account: "regular", password: TEST_PASSWORD }, context)).kind).toBe("signed_in");
  });

  it("forgets an account's failures a day after the last one", async () => {
    const db = await getDb();
    await createTestUser({ username: "quiet" });
    for (let i = 0; i < 6; i++) {
      await verifyPasswordStep(db, { account: "quiet", password: "guess" }, context);
      advanceClock(MAX_DELAY_MS);
    }
    advanceClock(FAILURES_FORGOTTEN_AFTER_MS);
    expect((await verifyPasswordStep(db, { account: "quiet", password: "guess" }, context)).kind).toBe("invalid");
    const [delay] = await db.select().from(passwordDelays);
    expect(delay.failures).toBe(1);
  });

  it("gives a hit back to the window it was counted in, when that window ended in between", async () => {
    const db = await getDb();
    const key = "password:account:boundary";
    const limit = { max: 10, windowMs: 15 * 60_000 };
    freezeClock(new Date(Date.UTC(2026, 0, 1, 12, 14, 59, 900)));
    await hit(db, [{ key, limit }]);
    const counted = await hit(db, [{ key, limit }]);
    // The slow password check ends in the next window; a failure there is already counted.
    freezeClock(new Date(Date.UTC(2026, 0, 1, 12, 15, 0, 100)));
    await db.insert(rateLimits).values({ key, windowStart: new Date(Date.UTC(2026, 0, 1, 12, 15)), count: 1 });
    // The refund the password step folds into its second statement.
    await db.execute(refundHits(counted));
    const rows = await db.select().from(rateLimits).where(eq(rateLimits.key, key)).orderBy(rateLimits.windowStart);
    expect(rows.map((row) => row.count)).toEqual([1, 1]);
  });

  it("audits failures without the password", async () => {
    const db = await getDb();
    await createTestUser({ username: "audited" });
    await verifyPasswordStep(db, { account: "audited", password: "secret-guess-123" }, context);
    const events = await db.select().from(auditEvents);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ type: "sign_in.failed", ip: "203.0.113.7", userAgent: "vitest" });
    expect(JSON.stringify(events[0])).not.toContain("secret-guess-123");
  });
});

describe("the pending session and its ticket", () => {
  beforeEach(() => resetDatabase());

  it("a ticket works once, even under 20 concurrent redemptions", async () => {
    const db = await getDb();
    const user = await createTestUser({ username: "once" });
    const ticket = await ticketFor(user.username);
    const results = await Promise.all(Array.from({ length: 20 }, () => activateSession(db, ticket)));
    expect(results.filter(Boolean)).toHaveLength(1);
    const sessions = await db.select().from(userSessions).where(eq(userSessions.userId, user.id));
    expect(sessions).toHaveLength(1);
    expect(sessions[0]).toMatchObject({ ticketHash: null, revokedAt: null });
    expect(sessions[0].activatedAt).not.toBeNull();
  });

  it("a pending session is no session until its ticket is redeemed", async () => {
    const db = await getDb();
    const user = await createTestUser({ username: "pending" });
    const ticket = await ticketFor(user.username);
    const [pending] = await db.select().from(userSessions).where(eq(userSessions.userId, user.id));
    expect(pending.activatedAt).toBeNull();
    expect(pending.ticketHash).not.toContain(ticket);
    expect(await viewerOf(pending.id, user)).toBeNull();
    expect(await activateSession(db, ticket)).toMatchObject({ sessionId: pending.id, userId: user.id, role: "agent" });
    expect(await viewerOf(pending.id, user)).not.toBeNull();
  });

  it("redeeming writes the sign-in's event, naming the session, and the last sign-in time", async () => {
    const db = await getDb();
    freezeClock(new Date("2030-03-01T08:00:00Z"));
    const user = await createTestUser({ username: "audited-sign-in" });
    const activated = await activateSession(db, await ticketFor(user.username));
    const [event] = await db.select().from(auditEvents).where(eq(auditEvents.type, "sign_in.succeeded"));
    expect(event).toMatchObject({ actorId: user.id, subjectId: user.id, ip: context.ip, userAgent: context.userAgent, at: now() });
    expect(event.details).toEqual({ sessionId: activated!.sessionId });
    const [row] = await db.select({ lastSignInAt: users.lastSignInAt }).from(users).where(eq(users.id, user.id));
    expect(row.lastSignInAt).toEqual(now());
  });

  it("a ticket dies after a minute", async () => {
    const db = await getDb();
    await createTestUser({ username: "slow" });
    const ticket = await ticketFor("slow");
    advanceClock(61_000);
    expect(await activateSession(db, ticket)).toBeNull();
  });

  it("a ticket of a user locked or disabled meanwhile is refused", async () => {
    const db = await getDb();
    const user = await createTestUser({ username: "locked-meanwhile" });
    const ticket = await ticketFor(user.username);
    await db.update(users).set({ status: "locked" }).where(eq(users.id, user.id));
    expect(await activateSession(db, ticket)).toBeNull();
    expect(await db.select().from(auditEvents).where(eq(auditEvents.type, "sign_in.succeeded"))).toHaveLength(0);
  });

  it("a made-up ticket is refused", async () => {
    const db = await getDb();
    expect(await activateSession(db, "x".repeat(43))).toBeNull();
  });
});
