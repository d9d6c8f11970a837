// "Last active" in "Where you're signed in" (issue 12, item 1): the viewer's one statement moves the
// session's last_seen_at forward, at most once per 5 minutes, so a signed-in page stays within its
// statement budget (tests/db/statement-budgets.test.ts) however often it is viewed.
import { eq } from "drizzle-orm";
import { beforeEach, describe, expect, it } from "vitest";
import { getDb, statementCount } from "@/db/client";
import { userSessions, type User } from "@/db/schema";
import { LAST_ACTIVE_EVERY_MS } from "@/lib/auth/viewer";
import { MINUTE, advanceClock, freezeClock, now } from "@/lib/clock";
import { ownSecurity } from "@/lib/two-factor/own-security";
import { createTestUser, createUserSession, resetDatabase } from "../support/db";
import { viewerOf } from "../support/sign-in";

const context = { ip: "198.51.100.40", userAgent: "vitest" };
const T0 = new Date("2030-03-01T08:00:05Z");

async function lastSeen(sessionId: string): Promise<Date> {
  const [row] = await (await getDb()).select({ at: userSessions.lastSeenAt }).from(userSessions).where(eq(userSessions.id, sessionId));
  return row.at;
}

/** The viewer read, and how many statements it sent. */
async function read(sessionId: string, user: User) {
  const before = statementCount();
  const viewer = await viewerOf(sessionId, user);
  return { viewer, sent: statementCount() - before };
}

describe("last active", () => {
  beforeEach(async () => {
    await resetDatabase();
    freezeClock(T0);
  });

  it("is written at most once per 5 minutes, each viewer read still one statement", async () => {
    const user = await createTestUser();
    const sessionId = await createUserSession(user.id, context);

    // Within 5 minutes of the sign-in, the sign-in's own time stands.
    advanceClock(4 * MINUTE);
    expect(await read(sessionId, user)).toMatchObject({ viewer: { sessionId }, sent: 1 });
    expect(await lastSeen(sessionId)).toEqual(T0);

    // Past 5 minutes: the read moves it to now.
    advanceClock(2 * MINUTE);
    const moved = now();
    expect(await read(sessionId, user)).toMatchObject({ viewer: { sessionId }, sent: 1 });
    expect(await lastSeen(sessionId)).toEqual(moved);

    // Two reads within the next 5 minutes (the second at exactly 5 minutes) write nothing more.
    advanceClock(MINUTE);
    expect(await read(sessionId, user)).toMatchObject({ sent: 1 });
    advanceClock(LAST_ACTIVE_EVERY_MS - MINUTE);
    expect(await read(sessionId, user)).toMatchObject({ sent: 1 });
    expect(await lastSeen(sessionId)).toEqual(moved);

    // A second later it moves again, and the listing shows it.
    advanceClock(1000);
    expect(await read(sessionId, user)).toMatchObject({ viewer: { sessionId }, sent: 1 });
    expect(await lastSeen(sessionId)).toEqual(now());
    const { sessions } = await ownSecurity(await getDb(), user.id);
    expect(sessions).toEqual([expect.objectContaining({ id: sessionId, createdAt: T0, lastSeenAt: now() })]);
  });

  it("a read that finds no viewer moves nothing: an ended session, or claims that pair a session with another person", async () => {
    const db = await getDb();
    const user = await createTestUser();
    const other = await createTestUser();
    const ended = await createUserSession(user.id, context);
    await db.update(userSessions).set({ revokedAt: now() }).where(eq(userSessions.id, ended));
    const theirs = await createUserSession(other.id, context);

    advanceClock(LAST_ACTIVE_EVERY_MS + MINUTE);
    expect(await read(ended, user)).toEqual({ viewer: null, sent: 1 });
    expect(await lastSeen(ended)).toEqual(T0);
    // The cookie's session id is another person's: their session is not touched.
    expect(await viewerOf(theirs, user)).toBeNull();
    expect(await lastSeen(theirs)).toEqual(T0);
  });
});
