// /dev/forget-reauthentication, the test servers' way to close a re-authentication window: a 404 on a
// production server, refused without a session, and it only ever closes the caller's own window.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { getDb } from "@/db/client";
import type { User } from "@/db/schema";
import { POST } from "@/app/dev/forget-reauthentication/route";
import { revokeSession } from "@/lib/auth/sessions";
import { createTestUser, createUserSession, resetDatabase } from "../support/db";
import { holdSessionCookie } from "../support/session-cookie";
import { jar } from "../support/next-headers";
import { viewerOf } from "../support/sign-in";

// The route reads the caller's session cookie from Next.js; here it comes from a plain jar.
vi.mock("next/headers", async () => (await import("../support/session-cookie")).nextHeadersWithJar());

const context = { ip: "203.0.113.9", userAgent: "vitest" };

describe("/dev/forget-reauthentication", () => {
  let user: User;
  let sessionId: string;
  let otherSessionId: string;

  /** Whether the session's re-authentication window is open, as the viewer reads it from the database. */
  async function isRecentlyReauthenticated(session: string): Promise<boolean> {
    const viewer = await viewerOf(session, user);
    expect(viewer).not.toBeNull();
    return viewer!.reauthenticated;
  }

  beforeEach(async () => {
    await resetDatabase();
    jar.clear();
    user = await createTestUser();
    sessionId = await createUserSession(user.id, context);
    otherSessionId = await createUserSession(user.id, context);
    await holdSessionCookie(user, sessionId);
  });
  afterEach(() => vi.unstubAllEnvs());

  it("is a 404 on a production server without EMAIL_OUTBOX=1, and closes nothing", async () => {
    vi.stubEnv("NODE_ENV", "production");
    vi.stubEnv("EMAIL_OUTBOX", "");
    expect((await POST()).status).toBe(404);
    expect(await isRecentlyReauthenticated(sessionId)).toBe(true);
  });

  it("is refused without a session", async () => {
    jar.clear();
    expect((await POST()).status).toBe(401);
    // Nor with the cookie of a session that has ended.
    await revokeSession(await getDb(), otherSessionId);
    await holdSessionCookie(user, otherSessionId);
    expect((await POST()).status).toBe(401);
    expect(await isRecentlyReauthenticated(sessionId)).toBe(true);
  });

  it("closes the caller's window and no other session's", async () => {
    expect((await POST()).status).toBe(204);
    expect(await isRecentlyReauthenticated(sessionId)).toBe(false);
    expect(await isRecentlyReauthenticated(otherSessionId)).toBe(true);
  });
});
