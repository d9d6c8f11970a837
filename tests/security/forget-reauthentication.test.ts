// /dev/forget-reauthentication, the test servers' way to close a re-authentication window: a 404 on a
// production server, refused without a session, and it only ever closes the caller's own window.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { getDb } from "@/db/client";
import { POST } from "@/app/dev/forget-reauthentication/route";
import type { CurrentUser } from "@/lib/auth/current-user";
import { isRecentlyReauthenticated } from "@/lib/auth/reauth";
import { createUserSession } from "@/lib/auth/sessions";
import { createTestUser, resetDatabase } from "../support/db";

const signedIn = vi.hoisted(() => ({ current: null as CurrentUser | null }));
vi.mock("@/lib/auth/current-user", () => ({ getCurrentUser: async () => signedIn.current }));

const context = { ip: "203.0.113.9", userAgent: "vitest" };

describe("/dev/forget-reauthentication", () => {
  let sessionId: string;
  let otherSessionId: string;

  beforeEach(async () => {
    await resetDatabase();
    const db = await getDb();
    const user = await createTestUser();
    sessionId = await createUserSession(db, user.id, context);
    otherSessionId = await createUserSession(db, user.id, context);
    signedIn.current = { user, sessionId, mustEnroll: false };
  });
  afterEach(() => vi.unstubAllEnvs());

  it("is a 404 on a production server without EMAIL_OUTBOX=1, and closes nothing", async () => {
    vi.stubEnv("NODE_ENV", "production");
    vi.stubEnv("EMAIL_OUTBOX", "");
    expect((await POST()).status).toBe(404);
    expect(await isRecentlyReauthenticated(await getDb(), sessionId)).toBe(true);
  });

  it("is refused without a session", async () => {
    signedIn.current = null;
    expect((await POST()).status).toBe(401);
    expect(await isRecentlyReauthenticated(await getDb(), sessionId)).toBe(true);
  });

  it("closes the caller's window and no other session's", async () => {
    expect((await POST()).status).toBe(204);
    const db = await getDb();
    expect(await isRecentlyReauthenticated(db, sessionId)).toBe(false);
    expect(await isRecentlyReauthenticated(db, otherSessionId)).toBe(true);
  });
});
