import { beforeEach, describe, expect, it } from "vitest";
import { eq } from "drizzle-orm";
import { getDb } from "@/db/client";
import { signInChallenges } from "@/db/schema";
import { MINUTE, addMs, advanceClock, freezeClock } from "@/lib/clock";
import { cancelChallenge, completeChallenge, createChallenge, findLiveChallenge } from "@/lib/two-factor/challenge";
import { createTestUser, resetDatabase } from "../support/db";

const START = new Date("2030-03-01T08:00:00Z");

describe("sign-in challenges", () => {
  beforeEach(async () => {
    await resetDatabase();
    freezeClock(START);
  });

  it("lives ten minutes from creation", async () => {
    const db = await getDb();
    const user = await createTestUser();
    const challenge = await createChallenge(db, user.id);
    expect(challenge.expiresAt).toEqual(addMs(START, 10 * MINUTE));
    const [row] = await db.select().from(signInChallenges).where(eq(signInChallenges.id, challenge.id));
    expect(row).toMatchObject({ userId: user.id, createdAt: START, completedAt: null, cancelledAt: null });
  });

  it("can still be completed at 9:59", async () => {
    const db = await getDb();
    const user = await createTestUser();
    const challenge = await createChallenge(db, user.id);
    advanceClock(10 * MINUTE - 1_000);
    expect(await findLiveChallenge(db, challenge.id, user.id)).not.toBeNull();
    expect(await completeChallenge(db, challenge.id, user.id, "app")).toBe(true);
  });

  it("is refused at 10:00", async () => {
    const db = await getDb();
    const user = await createTestUser();
    const challenge = await createChallenge(db, user.id);
    advanceClock(10 * MINUTE);
    expect(await findLiveChallenge(db, challenge.id, user.id)).toBeNull();
    expect(await completeChallenge(db, challenge.id, user.id, "app")).toBe(false);
  });

  it("completes once, even under 20 concurrent completions", async () => {
    const db = await getDb();
    const user = await createTestUser();
    const challenge = await createChallenge(db, user.id);
    const results = await Promise.all(Array.from({ length: 20 }, () => completeChallenge(db, challenge.id, user.id, "app")));
    expect(results.filter(Boolean)).toHaveLength(1);
    expect(await findLiveChallenge(db, challenge.id, user.id)).toBeNull();
    expect(await completeChallenge(db, challenge.id, user.id, "app")).toBe(false);
    const [row] = await db.select().from(signInChallenges).where(eq(signInChallenges.id, challenge.id));
    expect(row).toMatchObject({ completedAt: START, method: "app" });
  });

  it("cannot be completed after it was cancelled", async () => {
    const db = await getDb();
    const user = await createTestUser();
    const challenge = await createChallenge(db, user.id);
    await cancelChallenge(db, challenge.id, user.id);
    expect(await findLiveChallenge(db, challenge.id, user.id)).toBeNull();
    expect(await completeChallenge(db, challenge.id, user.id, "app")).toBe(false);
  });

  it("cannot be cancelled after it was completed", async () => {
    const db = await getDb();
    const user = await createTestUser();
    const challenge = await createChallenge(db, user.id);
    expect(await completeChallenge(db, challenge.id, user.id, "app")).toBe(true);
    await cancelChallenge(db, challenge.id, user.id);
    const [row] = await db.select().from(signInChallenges).where(eq(signInChallenges.id, challenge.id));
    expect(row.cancelledAt).toBeNull();
  });

  it("belongs to its user: another user's id neither finds, completes nor cancels it", async () => {
    const db = await getDb();
    const owner = await createTestUser();
    const other = await createTestUser();
    const challenge = await createChallenge(db, owner.id);
    expect(await findLiveChallenge(db, challenge.id, other.id)).toBeNull();
    expect(await completeChallenge(db, challenge.id, other.id, "app")).toBe(false);
    await cancelChallenge(db, challenge.id, other.id);
    expect(await findLiveChallenge(db, challenge.id, owner.id)).not.toBeNull();
  });

  it("gives each sign-in a challenge of its own", async () => {
    const db = await getDb();
    const user = await createTestUser();
    const first = await createChallenge(db, user.id);
    const second = await createChallenge(db, user.id);
    expect(first.id).not.toBe(second.id);
    expect(await completeChallenge(db, first.id, user.id, "app")).toBe(true);
    expect(await findLiveChallenge(db, second.id, user.id)).not.toBeNull();
  });
});
