// Findings 3 and 6 of the adversarial review (SECURITY.md 5): guessers spread over many addresses must
// not keep the owner out with the right password, one account must not be two buckets because it has
// two names, and a locked account must not tell a guesser that the password was right.
import { randomUUID } from "node:crypto";
import { eq } from "drizzle-orm";
import { beforeEach, describe, expect, it } from "vitest";
import { getDb } from "@/db/client";
import { userSessions, users } from "@/db/schema";
import { passwordStep } from "@/lib/auth/sign-in-flow";
import { advanceClock, freezeClock, now } from "@/lib/clock";
import { TEST_PASSWORD, createTestUser, resetDatabase } from "../support/db";

const owner = { ip: "192.0.2.10", userAgent: "owner" };
const guesser = (n: number) => ({ ip: `203.0.113.${n % 250}`, userAgent: "guesser" });

beforeEach(async () => {
  await resetDatabase();
  freezeClock(new Date("2030-06-01T08:00:00Z"));
});

describe("finding 3: password throttling cannot lock the owner out", () => {
  it("ten wrong passwords from ten addresses keep the owner waiting a minute at most, not fifteen", async () => {
    const db = await getDb();
    await createTestUser({ username: "eve", email: "eve@example.com" });
    for (let i = 0; i < 10; i++) {
      const answer = await passwordStep(db, { account: "eve", password: `guess ${i}` }, guesser(i), null);
      if (answer.kind === "throttled") advanceClock(answer.retryAt.getTime() - now().getTime());
      else expect(answer.kind).toBe("invalid");
    }
    let answer = await passwordStep(db, { account: "eve", password: TEST_PASSWORD }, owner, null);
    if (answer.kind === "throttled") {
      expect(answer.retryAt.getTime() - now().getTime()).toBeLessThanOrEqual(60_000);
      advanceClock(answer.retryAt.getTime() - now().getTime());
      answer = await passwordStep(db, { account: "eve", password: TEST_PASSWORD }, owner, null);
    }
    expect(answer.kind).toBe("signed_in");
  });

  it("the username and the email are one account: no second allowance of guesses", async () => {
    const db = await getDb();
    await createTestUser({ username: "eve", email: "eve@example.com" });
    const answers: string[] = [];
    for (let i = 0; i < 20; i++) {
      const account = i % 2 === 0 ? "eve" : "eve@example.com";
      answers.push((await passwordStep(db, { account, password: `guess ${i}` }, guesser(i), null)).kind);
    }
    // Without waiting, only the free failures and the one that earns the first wait are checked.
    expect(answers.filter((kind) => kind === "invalid")).toHaveLength(4);
  });

  it("a fixed window's boundary gives no burst: the waits carry over", async () => {
    const db = await getDb();
    await createTestUser({ username: "eve" });
    freezeClock(new Date("2030-06-01T08:14:59Z"));
    for (let i = 0; i < 4; i++) await passwordStep(db, { account: "eve", password: `guess ${i}` }, guesser(i), null);
    advanceClock(1000);
    // A new quarter of an hour, yet the next guess still waits its turn.
    expect((await passwordStep(db, { account: "eve", password: "guess 4" }, guesser(4), null)).kind).toBe("invalid");
    expect((await passwordStep(db, { account: "eve", password: "guess 5" }, guesser(5), null)).kind).toBe("throttled");
  });
});

describe("a guesser who takes every try the moment a wait ends (the review of finding 3)", () => {
  /** Ten failures, each the moment the last wait ends, from many addresses: a wait is in force after. */
  async function timedGuessing(db: Awaited<ReturnType<typeof getDb>>) {
    for (let i = 0; i < 10; i++) {
      const answer = await passwordStep(db, { account: "eve", password: `guess ${i}` }, guesser(i), null);
      if (answer.kind === "throttled") {
        advanceClock(answer.retryAt.getTime() - now().getTime());
        expect((await passwordStep(db, { account: "eve", password: `guess ${i}` }, guesser(i), null)).kind).toBe("invalid");
      }
    }
  }

  it("cannot hold the owner back on a browser where the password was given before: it tries in a bucket of its own", async () => {
    const db = await getDb();
    const user = await createTestUser({ username: "eve" });
    const knownDevice = { deviceId: randomUUID(), userId: user.id };
    await timedGuessing(db);
    expect((await passwordStep(db, { account: "eve", password: TEST_PASSWORD }, owner, null, knownDevice)).kind).toBe("signed_in");
    // A new browser still waits its turn in the account's bucket, and a device of another account is no help.
    expect((await passwordStep(db, { account: "eve", password: TEST_PASSWORD }, owner, null)).kind).toBe("throttled");
    const elsewhere = { deviceId: randomUUID(), userId: randomUUID() };
    expect((await passwordStep(db, { account: "eve", password: TEST_PASSWORD }, owner, null, elsewhere)).kind).toBe("throttled");
  });

  it("a known device's own wrong passwords earn it the same growing waits", async () => {
    const db = await getDb();
    const user = await createTestUser({ username: "eve" });
    const knownDevice = { deviceId: randomUUID(), userId: user.id };
    const answers: string[] = [];
    for (let i = 0; i < 6; i++)
      answers.push((await passwordStep(db, { account: "eve", password: `typo ${i}` }, owner, null, knownDevice)).kind);
    expect(answers).toEqual(["invalid", "invalid", "invalid", "invalid", "throttled", "throttled"]);
  });
});

describe("finding 6: a locked account answers as a wrong password does", () => {
  it("the right password of a locked account gets 'invalid', as a wrong one does, and signs nobody in", async () => {
    const db = await getDb();
    const user = await createTestUser({ username: "locked" });
    await db.update(users).set({ status: "locked" }).where(eq(users.id, user.id));
    expect(await passwordStep(db, { account: "locked", password: "a wrong one" }, guesser(1), null)).toEqual({ kind: "invalid" });
    expect(await passwordStep(db, { account: "locked", password: TEST_PASSWORD }, guesser(2), null)).toEqual({ kind: "invalid" });
    expect(await db.select().from(userSessions)).toEqual([]);
  });
});
