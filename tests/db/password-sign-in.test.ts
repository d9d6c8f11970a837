import { beforeEach, describe, expect, it } from "vitest";
import { eq } from "drizzle-orm";
import { getDb } from "@/db/client";
import { auditEvents, rateLimits, users } from "@/db/schema";
import { ACCOUNT_LIMIT, verifyPasswordStep } from "@/lib/auth/sign-in";
import { mintSignInTicket, redeemSignInTicket } from "@/lib/auth/tickets";
import { advanceClock, freezeClock } from "@/lib/clock";
import { hit, refund } from "@/lib/rate-limit";
import { TEST_PASSWORD, createTestUser, resetDatabase } from "../support/db";

const context = { ip: "203.0.113.7", userAgent: "vitest" };

describe("password step of sign-in", () => {
  beforeEach(() => resetDatabase());

  it("accepts the username or the email, in any case", async () => {
    const db = await getDb();
    const user = await createTestUser({ username: "maria", email: "maria@example.com" });
    for (const account of ["maria", "MARIA", "Maria@Example.com", "  maria  "]) {
      const result = await verifyPasswordStep(db, { account, password: TEST_PASSWORD }, context);
      expect(result).toMatchObject({ kind: "ok", user: { id: user.id } });
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
    expect((await verifyPasswordStep(db, { account: "target", password: TEST_PASSWORD }, context)).kind).toBe("ok");
  });

  it("counts only failures: right passwords never use up the limit", async () => {
    const db = await getDb();
    await createTestUser({ username: "regular" });
    for (let i = 0; i < ACCOUNT_LIMIT.max + 5; i++) {
      expect((await verifyPasswordStep(db, { account: "regular", password: TEST_PASSWORD }, context)).kind).toBe("ok");
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
    await hit(db, key, limit);
    const counted = await hit(db, key, limit);
    // The slow password check ends in the next window; a failure there is already counted.
    freezeClock(new Date(Date.UTC(2026, 0, 1, 12, 15, 0, 100)));
    await db.insert(rateLimits).values({ key, windowStart: new Date(Date.UTC(2026, 0, 1, 12, 15)), count: 1 });
    await refund(db, key, counted);
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

describe("sign-in tickets", () => {
  beforeEach(() => resetDatabase());

  it("a ticket works once, even under 20 concurrent redemptions", async () => {
    const db = await getDb();
    const user = await createTestUser();
    const ticket = await mintSignInTicket(db, user.id, context);
    const results = await Promise.all(Array.from({ length: 20 }, () => redeemSignInTicket(db, ticket)));
    expect(results.filter(Boolean)).toHaveLength(1);
  });

  it("a ticket dies after a minute", async () => {
    const db = await getDb();
    const user = await createTestUser();
    const ticket = await mintSignInTicket(db, user.id, context);
    advanceClock(61_000);
    expect(await redeemSignInTicket(db, ticket)).toBeNull();
  });

  it("a made-up ticket is refused", async () => {
    const db = await getDb();
    expect(await redeemSignInTicket(db, "x".repeat(43))).toBeNull();
  });
});
