// Sensitive profile actions called directly, as a stolen session past its re-authentication window
// would call them: each answers "re-authentication needed" and changes nothing.
import { count, eq } from "drizzle-orm";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { getDb } from "@/db/client";
import { auditEvents, backupCodes, trustedBrowsers, users, type User } from "@/db/schema";
import { generateNewBackupCodes, revokeAllBrowsers, turnOffTwoFactorMethod } from "@/app/(console)/profile/security/actions";
import { NEEDS_REAUTH } from "@/lib/action";
import { REAUTH_WINDOW_MS, openReauthWindow } from "@/lib/auth/reauth";
import { getViewer } from "@/lib/auth/viewer";
import { advanceClock, freezeClock, now } from "@/lib/clock";
import { beginAppSetup, confirmAppSetup } from "@/lib/two-factor/app-method";
import { generateBackupCodes } from "@/lib/two-factor/backup-codes";
import { listEnabledMethods } from "@/lib/two-factor/methods";
import { totpCodeAt } from "@/lib/two-factor/totp";
import { trustBrowser } from "../support/rules";
import { createTestUser, createUserSession, resetDatabase } from "../support/db";
import { holdSessionCookie } from "../support/session-cookie";
import { jar } from "../support/next-headers";
import { viewerOf } from "../support/sign-in";

// The session cookie comes from a plain jar; the viewer and its re-authentication window are read from the database.
vi.mock("next/headers", async () => (await import("../support/session-cookie")).nextHeadersWithJar());
vi.mock("next/cache", () => ({ revalidatePath: () => {} }));

const context = { ip: "203.0.113.7", userAgent: "vitest" };

async function state(userId: string) {
  const db = await getDb();
  const [codes] = await db.select({ n: count() }).from(backupCodes).where(eq(backupCodes.userId, userId));
  const [browsers] = await db.select({ n: count() }).from(trustedBrowsers).where(eq(trustedBrowsers.userId, userId));
  const [events] = await db.select({ n: count() }).from(auditEvents);
  const codeHashes = (await db.select({ h: backupCodes.codeHash }).from(backupCodes).where(eq(backupCodes.userId, userId)))
    .map((row) => row.h)
    .sort();
  return { methods: await listEnabledMethods(db, userId), codes: codes.n, browsers: browsers.n, events: events.n, codeHashes };
}

describe("sensitive changes without a recent re-authentication", () => {
  let sessionId: string;
  let user: User;

  beforeEach(async () => {
    await resetDatabase();
    jar.clear();
    freezeClock(new Date("2030-04-01T10:00:05Z"));
    const db = await getDb();
    const created = await createTestUser();
    const { secret } = await beginAppSetup(db, created);
    expect(await confirmAppSetup(db, created.id, totpCodeAt(secret, now()), context)).toMatchObject({ ok: true });
    await generateBackupCodes(db, created.id, context);
    await trustBrowser(db, created.id, 30, context);
    // Signed in after those changes, at the session version they left.
    [user] = await db.select().from(users).where(eq(users.id, created.id));
    sessionId = await createUserSession(user.id, context);
    await holdSessionCookie(user, sessionId);
    expect(await viewerOf(sessionId, user)).toMatchObject({ methods: ["app"], reauthenticated: true });
    advanceClock(REAUTH_WINDOW_MS + 1000);
    expect(await viewerOf(sessionId, user)).toMatchObject({ reauthenticated: false });
  });

  it("turning off the app, new backup codes and forgetting browsers each answer reauth and change nothing", async () => {
    const before = await state(user.id);
    const form = new FormData();
    form.set("method", "app");
    expect(await turnOffTwoFactorMethod(form)).toEqual(NEEDS_REAUTH);
    expect(await generateNewBackupCodes()).toEqual(NEEDS_REAUTH);
    expect(await revokeAllBrowsers()).toEqual(NEEDS_REAUTH);
    expect(await state(user.id)).toEqual(before);
  });

  it("after re-authenticating, the same call turns the app off (so the refusal above is the window)", async () => {
    await (await getDb()).execute(openReauthWindow(sessionId, now(), "second_factor"));
    const form = new FormData();
    form.set("method", "app");
    expect(await turnOffTwoFactorMethod(form)).toMatchObject({ ok: true });
    expect((await state(user.id)).methods).toEqual([]);
    // The session version went up; Auth.js refreshed this browser's cookie, so it stays signed in.
    expect(await getViewer()).toMatchObject({ sessionId, methods: [] });
  });
});
