import { beforeEach, describe, expect, it } from "vitest";
import { eq, sql } from "drizzle-orm";
import { databaseDriver, getDb, type Queryable } from "@/db/client";
import { rowsOf } from "@/db/sql";
import { settings, trustedBrowsers, twoFactorMethods, users, type MethodKind, type PolicyMode } from "@/db/schema";
import { DAY, addMs, advanceClock, freezeClock, now } from "@/lib/clock";
import { resetTwoFactorByAdmin, turnOffMethod } from "@/lib/two-factor/methods";
import { ownSecurity } from "@/lib/two-factor/own-security";
import { updatePolicy } from "@/lib/two-factor/policy";
import { getPolicy } from "../support/rules";
import { revokeAllTrustedBrowsers, revokeTrustedBrowser } from "@/lib/two-factor/trusted-browsers";
import { honourTrustedBrowser, trustBrowser } from "../support/rules";
import { createTestUser, resetDatabase } from "../support/db";

const context = { ip: "192.0.2.33", userAgent: "vitest" };
const START = new Date("2030-03-01T08:00:00Z");
const SECOND = 1_000;

let adminId: string;

/** Saves the policy as the 2FA Policy page does. */
async function savePolicy(mode: PolicyMode, skipDays = 30, db: Queryable | null = null) {
  const input = { mode, skipDays, requireEnrollment: false, allowEmailMethod: true };
  const result = await updatePolicy(db ?? (await getDb()), input, adminId, context);
  expect(result).toMatchObject({ ok: true });
}

/** Resolves once `pending` has settled or one of this database's queries is waiting for a lock. */
async function settledOrBlocked(pending: Promise<unknown>) {
  let settled = false;
  pending.then(
    () => (settled = true),
    () => (settled = true),
  );
  const db = await getDb();
  while (!settled) {
    const [row] = rowsOf<{ waiting: number }>(
      await db.execute(
        sql`select count(*)::int as waiting from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'`,
      ),
    );
    if (row.waiting > 0) return;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

async function honoured(browserId: string, userId: string) {
  const db = await getDb();
  return honourTrustedBrowser(db, browserId, userId, await getPolicy(db));
}

async function enable(userId: string, kind: MethodKind) {
  const db = await getDb();
  await db.insert(twoFactorMethods).values({ userId, kind, enabledAt: now(), secretEncrypted: kind === "app" ? "sealed" : null });
}

async function trusted(days = 30) {
  const db = await getDb();
  const user = await createTestUser();
  await enable(user.id, "app");
  const browser = await trustBrowser(db, user.id, days, context);
  return { user, browser };
}

describe("trusted browsers", () => {
  beforeEach(async () => {
    await resetDatabase();
    freezeClock(START);
    adminId = (await createTestUser({ role: "admin" })).id;
    await savePolicy("skip_allowed", 30);
  });

  it("is honoured inside the N days and not after", async () => {
    const { user, browser } = await trusted(30);
    expect(browser.expiresAt).toEqual(addMs(START, 30 * DAY));
    advanceClock(30 * DAY - SECOND);
    expect(await honoured(browser.id, user.id)).toBe(true);
    advanceClock(SECOND);
    expect(await honoured(browser.id, user.id)).toBe(false);
  });

  it("records when it was last used", async () => {
    const db = await getDb();
    const { user, browser } = await trusted();
    advanceClock(3 * DAY);
    expect(await honoured(browser.id, user.id)).toBe(true);
    const [row] = await db.select().from(trustedBrowsers).where(eq(trustedBrowsers.id, browser.id));
    expect(row.lastUsedAt).toEqual(now());
  });

  it("is not honoured under Every login, from the moment of the switch", async () => {
    const db = await getDb();
    const { user, browser } = await trusted();
    // Even a policy saved without the page's help refuses at once.
    await db.update(settings).set({ twoFactorMode: "every_login" }).where(eq(settings.id, 1));
    expect(await honoured(browser.id, user.id)).toBe(false);
  });

  it("stays ended when the policy goes from Every login back to skipping, inside the old window", async () => {
    const { user, browser } = await trusted(30);
    advanceClock(DAY);
    await savePolicy("every_login");
    advanceClock(DAY);
    await savePolicy("skip_allowed", 30);
    expect(await honoured(browser.id, user.id)).toBe(false);
  });

  it("is born ended when given after a switch to Every login, from a policy read just before it", async () => {
    const db = await getDb();
    const user = await createTestUser();
    await enable(user.id, "app");
    await savePolicy("every_login");
    const browser = await trustBrowser(db, user.id, 30, context);
    await savePolicy("skip_allowed", 30);
    expect(await honoured(browser.id, user.id)).toBe(false);
  });

  it("is born ended when given while a switch to Every login is being saved", async () => {
    const db = await getDb();
    const user = await createTestUser();
    await enable(user.id, "app");
    let saved!: () => void;
    let finish!: () => void;
    const savedInside = new Promise<void>((resolve) => (saved = resolve));
    const mayCommit = new Promise<void>((resolve) => (finish = resolve));
    const switching = db.transaction(async (tx) => {
      await savePolicy("every_login", 30, tx);
      saved();
      await mayCommit;
    });
    await savedInside;
    const giving = trustBrowser(db, user.id, 30, context);
    // On PostgreSQL the trust is given from another connection while the switch is uncommitted;
    // PGlite runs one transaction at a time, so there it simply follows the switch.
    if ((await databaseDriver()) === "postgres") await settledOrBlocked(giving);
    finish();
    await switching;
    const browser = await giving;
    await savePolicy("skip_allowed", 30);
    expect(await honoured(browser.id, user.id)).toBe(false);
  });

  it("is shortened by a shorter policy window", async () => {
    const { user, browser } = await trusted(90);
    await savePolicy("skip_allowed", 14);
    advanceClock(14 * DAY - SECOND);
    expect(await honoured(browser.id, user.id)).toBe(true);
    advanceClock(SECOND);
    expect(await honoured(browser.id, user.id)).toBe(false);
  });

  it("is not lengthened by a longer policy window", async () => {
    const { user, browser } = await trusted(14);
    await savePolicy("skip_allowed", 90);
    advanceClock(14 * DAY);
    expect(await honoured(browser.id, user.id)).toBe(false);
  });

  it("ends when its owner revokes it, and only its owner can", async () => {
    const db = await getDb();
    const { user, browser } = await trusted();
    const stranger = await createTestUser();
    expect(await revokeTrustedBrowser(db, stranger.id, browser.id, context)).toBe(false);
    expect(await honoured(browser.id, user.id)).toBe(true);

    expect(await revokeTrustedBrowser(db, user.id, browser.id, context)).toBe(true);
    expect(await honoured(browser.id, user.id)).toBe(false);
    expect(await revokeTrustedBrowser(db, user.id, browser.id, context)).toBe(false);
  });

  it("ends with every other trust of the user when all are revoked", async () => {
    const db = await getDb();
    const { user, browser } = await trusted();
    const second = await trustBrowser(db, user.id, 30, context);
    const other = await trusted();
    expect(await revokeAllTrustedBrowsers(db, user.id, context)).toBe(2);
    expect(await honoured(browser.id, user.id)).toBe(false);
    expect(await honoured(second.id, user.id)).toBe(false);
    expect(await honoured(other.browser.id, other.user.id)).toBe(true);
  });

  it("ends with an admin's 2FA reset, also after the user sets 2FA up again", async () => {
    const db = await getDb();
    const admin = await createTestUser({ role: "admin" });
    const { user, browser } = await trusted();
    await resetTwoFactorByAdmin(db, { userId: user.id, adminId: admin.id, context });
    await enable(user.id, "app");
    expect(await honoured(browser.id, user.id)).toBe(false);
  });

  it("ends when the last method is turned off, also after the user sets 2FA up again", async () => {
    const db = await getDb();
    const { user, browser } = await trusted();
    expect(await turnOffMethod(db, user.id, "app", context)).toEqual({ ok: true, lastMethod: true });
    await enable(user.id, "app");
    expect(await honoured(browser.id, user.id)).toBe(false);
  });

  it("ends when the password changes, and a trust given afterwards holds", async () => {
    const db = await getDb();
    const { user, browser } = await trusted();
    advanceClock(DAY);
    await db.update(users).set({ passwordChangedAt: now() }).where(eq(users.id, user.id));
    expect(await honoured(browser.id, user.id)).toBe(false);

    advanceClock(SECOND);
    const after = await trustBrowser(db, user.id, 30, context);
    expect(await honoured(after.id, user.id)).toBe(true);
  });

  it("is void when given in the same instant as a password change", async () => {
    const db = await getDb();
    const { user, browser } = await trusted();
    await db.update(users).set({ passwordChangedAt: now() }).where(eq(users.id, user.id));
    expect(await honoured(browser.id, user.id)).toBe(false);
  });

  it("refuses one user's browser presented for another user, and leaves it untouched", async () => {
    const db = await getDb();
    const a = await trusted();
    const b = await trusted();
    advanceClock(DAY);
    expect(await honoured(a.browser.id, b.user.id)).toBe(false);
    const [row] = await db.select().from(trustedBrowsers).where(eq(trustedBrowsers.id, a.browser.id));
    expect(row.lastUsedAt).toEqual(START);
    expect(await honoured(a.browser.id, a.user.id)).toBe(true);
  });

  it("refuses an id that names no row", async () => {
    const { user } = await trusted();
    expect(await honoured("00000000-0000-4000-8000-000000000000", user.id)).toBe(false);
  });

  it("lists only the user's live trusts", async () => {
    const db = await getDb();
    const { user, browser } = await trusted(30);
    const revoked = await trustBrowser(db, user.id, 30, context);
    await revokeTrustedBrowser(db, user.id, revoked.id, context);
    await trustBrowser(db, user.id, 14, context);
    await trusted();
    advanceClock(14 * DAY);
    expect((await ownSecurity(db, user.id)).trustedBrowsers.map((row) => row.id)).toEqual([browser.id]);
  });
});
