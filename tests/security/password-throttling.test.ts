// Password guessing from one address spread over many accounts: the per-address limit in the
// database stops it, even for a right password, and another address is not held back.
import { beforeEach, describe, expect, it } from "vitest";
import { eq } from "drizzle-orm";
import { getDb } from "@/db/client";
import { userSessions } from "@/db/schema";
import { passwordStep } from "@/lib/auth/sign-in-flow";
import { ADDRESS_LIMIT } from "@/lib/auth/password-limits";
import { freezeClock } from "@/lib/clock";
import { TEST_PASSWORD, createTestUser, resetDatabase } from "../support/db";

describe("password throttling per client address", () => {
  beforeEach(async () => {
    await resetDatabase();
    // Inside one 15-minute window: a run that crossed a boundary on the real clock split the count in two.
    freezeClock(new Date("2030-06-01T08:01:00Z"));
  });

  it(`after ${ADDRESS_LIMIT.max} guesses at different accounts, the address is refused even with a right password`, async () => {
    const db = await getDb();
    const user = await createTestUser();
    const attacker = { ip: "203.0.113.66", userAgent: "spray" };
    for (let i = 0; i < ADDRESS_LIMIT.max; i += 1) {
      expect((await passwordStep(db, { account: `victim${i}@example.com`, password: "Winter2026!" }, attacker, null)).kind).toBe("invalid");
    }
    expect((await passwordStep(db, { account: user.username, password: TEST_PASSWORD }, attacker, null)).kind).toBe("throttled");
    expect(await db.select().from(userSessions).where(eq(userSessions.userId, user.id))).toHaveLength(0);
    expect(
      (await passwordStep(db, { account: user.username, password: TEST_PASSWORD }, { ip: "198.51.100.1", userAgent: null }, null)).kind,
    ).toBe("signed_in");
  });
});
