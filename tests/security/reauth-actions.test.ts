// Sensitive profile actions called directly, as a stolen session past its re-authentication window
// would call them: each answers "re-authentication needed" and changes nothing.
import { count, eq } from "drizzle-orm";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { getDb } from "@/db/client";
import { auditEvents, backupCodes, trustedBrowsers } from "@/db/schema";
import { generateNewBackupCodes, revokeAllBrowsers, turnOffTwoFactorMethod } from "@/app/(console)/profile/security/actions";
import { REAUTH_WINDOW_MS, markReauthenticated } from "@/lib/auth/reauth";
import { createUserSession } from "@/lib/auth/sessions";
import { advanceClock, freezeClock, now } from "@/lib/clock";
import { beginAppSetup, confirmAppSetup } from "@/lib/two-factor/app-method";
import { generateBackupCodes } from "@/lib/two-factor/backup-codes";
import { listEnabledMethods } from "@/lib/two-factor/methods";
import { totpCodeAt } from "@/lib/two-factor/totp";
import { trustBrowser } from "@/lib/two-factor/trusted-browsers";
import type { CurrentUser } from "@/lib/auth/current-user";
import { createTestUser, resetDatabase } from "../support/db";

// The session the action sees, in place of Auth.js's cookie; the reauth check still reads the database.
const signedIn = vi.hoisted(() => ({ current: null as CurrentUser | null }));
vi.mock("@/lib/auth/current-user", () => ({ requireUser: async () => signedIn.current }));
vi.mock("@/lib/auth/refresh-session", () => ({ keepOnlyThisSession: async () => {} }));
vi.mock("next/cache", () => ({ revalidatePath: () => {} }));
vi.mock("next/headers", () => ({ headers: async () => new Headers({ "user-agent": "vitest", "x-forwarded-for": "203.0.113.7" }) }));

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
  let userId: string;

  beforeEach(async () => {
    await resetDatabase();
    freezeClock(new Date("2030-04-01T10:00:05Z"));
    const db = await getDb();
    const user = await createTestUser();
    userId = user.id;
    const { secret } = await beginAppSetup(db, user);
    expect(await confirmAppSetup(db, user.id, totpCodeAt(secret, now()), context)).toMatchObject({ ok: true });
    await generateBackupCodes(db, user.id, context);
    await trustBrowser(db, user.id, 30, context);
    sessionId = await createUserSession(db, user.id, context);
    signedIn.current = { user, sessionId, mustEnroll: false };
    advanceClock(REAUTH_WINDOW_MS + 1000);
  });

  it("turning off the app, new backup codes and forgetting browsers each answer reauth and change nothing", async () => {
    const before = await state(userId);
    const form = new FormData();
    form.set("method", "app");
    expect(await turnOffTwoFactorMethod(form)).toEqual({ reauth: true });
    expect(await generateNewBackupCodes()).toEqual({ reauth: true });
    expect(await revokeAllBrowsers()).toEqual({ reauth: true });
    expect(await state(userId)).toEqual(before);
  });

  it("after re-authenticating, the same call turns the app off (so the refusal above is the window)", async () => {
    await markReauthenticated(await getDb(), sessionId);
    const form = new FormData();
    form.set("method", "app");
    expect(await turnOffTwoFactorMethod(form)).toMatchObject({ ok: true });
    expect((await state(userId)).methods).toEqual([]);
  });
});
