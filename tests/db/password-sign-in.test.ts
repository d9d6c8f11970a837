import { beforeEach, describe, expect, it } from "vitest";
import { eq } from "drizzle-orm";
import { getDb, type Database } from "@/db/client";
import { auditEvents, rateLimits, userSessions, users } from "@/db/schema";
import { ACCOUNT_LIMIT } from "@/lib/auth/password-limits";
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

  it("says an account is locked only after the right password", async () => {
    const db = await getDb();
    const user = await createTestUser({ username: "locked" });
    await db.update(users).set({ status: "locked" }).where(eq(users.id, user.id));
    expect(await verifyPasswordStep(db, { account: "locked", password: "wrong password!" }, context)).toEqual({ kind: "invalid" });
    expect(await verifyPasswordStep(db, { account: "locked", password: TEST_PASSWORD }, context)).toEqual({ kind: "locked" });
  });

  it("throttles one account after the limit, even for the right password, until the window ends", async () => {
    const db = await getDb();
    await createTestUser({ username: "target" });
    const attempts = await Promise.all(
      Array.from({ length: ACCOUNT_LIMIT.max + 10 }, () => verifyPasswordStep(db, { account: "target", password: "guess" }, context)),
    );
    expect(attempts.filter((a) => a.kind === "invalid")).toHaveLength(ACCOUNT_LIMIT.max);
    expect((await verifyPasswordStep(db, { account: "target", password: TEST_PASSWORD }, context)).kind).toBe("throttled");
    advanceClock(ACCOUNT_LIMIT.windowMs);
    expect((await verifyPasswordStep(db, { account: "target", password: TEST_PASSWORD }, context)).kind).toBe("signed_in");
  });

  it("counts only failures: right passwords never use up the limit", async () => {
    const db = await getDb();
    await createTestUser({ username: "regular" });
    for (let i = 0; i < ACCOUNT_LIMIT.max + 5; i++) {
      expect((await verifyPasswordStep(db, { account: "regular", password: TEST_PASSWORD }, context)).kind).toBe("signed_in");
    }
    for (let i = 0; i < ACCOUNT_LIMIT.max; i++) {
      expect((await verifyPasswordStep(db, { account: "regular", password: "guess" }, context)).kind).toBe("invalid");
    }
    expect((await verifyPasswordStep(db, { account: "regular", password: TEST_PASSWORD }, context)).kind).toBe("throttled");
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
