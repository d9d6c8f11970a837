// "Where you're signed in" (issue 12, item 1): every live session of the person on /profile/security,
// this browser marked; "Sign out" on one other session, "Sign out everywhere else" after "Confirm it's
// you", and an admin's "Sign out everywhere" on a person's row in Agents (audited, emailed). The
// actions run as a browser calls them: the session cookie in the jar, the viewer found the real way.
// An ended session no longer produces a viewer, which is what sends its next page to sign-in.
import { and, eq } from "drizzle-orm";
import { renderToStaticMarkup } from "react-dom/server";
import type React from "react";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { getDb } from "@/db/client";
import { auditEvents, outboxMessages, settings, trustedBrowsers, userSessions, type User } from "@/db/schema";
import { endOtherOwnSessions, endOwnSession, reauthenticate } from "@/app/(console)/profile/security/actions";
import SecurityPage from "@/app/(console)/profile/security/page";
import { signOutPersonEverywhere } from "@/app/(console)/settings/people/agents/actions";
import { NEEDS_REAUTH } from "@/lib/action";
import { REAUTH_WINDOW_MS } from "@/lib/auth/reauth";
import { HOUR, MINUTE, addMs, advanceClock, freezeClock, now } from "@/lib/clock";
import { ownSecurity } from "@/lib/two-factor/own-security";
import { TEST_PASSWORD, createTestUser, createUserSession, resetDatabase } from "../support/db";
import { form } from "../support/form";
import { jar } from "../support/next-headers";
import { inRequest } from "../support/request-scope";
import { trustBrowser } from "../support/rules";
import { holdSessionCookie } from "../support/session-cookie";
import { viewerOf } from "../support/sign-in";

vi.mock("next/headers", async () => (await import("../support/session-cookie")).nextHeadersWithJar());
vi.mock("next/cache", () => ({ revalidatePath: () => {} }));
vi.mock("react", async (importOriginal) => ({
  ...(await importOriginal<typeof React>()),
  cache: (await import("../support/request-scope")).cache,
}));
// next.config.ts turns on authInterrupts; the build passes it to forbidden() through this variable.
vi.hoisted(() => {
  process.env.__NEXT_EXPERIMENTAL_AUTH_INTERRUPTS = "true";
});

const T0 = new Date("2030-03-01T08:00:05Z");
const CHROME_MAC = "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";
const FIREFOX_WINDOWS = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0";
const laptop = { ip: "198.51.100.10", userAgent: CHROME_MAC };
const desktop = { ip: "198.51.100.20", userAgent: FIREFOX_WINDOWS };
const phone = { ip: "198.51.100.30", userAgent: "vitest phone" };

/** `user` signed in in this test's browser (the jar) with the session `sessionId`. */
async function asBrowserOf(user: User, sessionId: string): Promise<void> {
  jar.clear();
  await holdSessionCookie(user, sessionId);
}

async function eventsOfType(type: string) {
  const db = await getDb();
  return db.select().from(auditEvents).where(eq(auditEvents.type, type)).orderBy(auditEvents.id);
}

async function mailTo(to: string, subject: string) {
  const db = await getDb();
  return db
    .select()
    .from(outboxMessages)
    .where(and(eq(outboxMessages.to, to), eq(outboxMessages.subject, subject)));
}

async function isLive(sessionId: string, user: User): Promise<boolean> {
  return (await viewerOf(sessionId, user)) !== null;
}

describe("Where you're signed in", () => {
  beforeEach(async () => {
    await resetDatabase();
    jar.clear();
    freezeClock(T0);
  });

  it("lists every live session of the person, most recently active first; not pending, ended, expired or another person's", async () => {
    const db = await getDb();
    const user = await createTestUser();
    const other = await createTestUser();
    const first = await createUserSession(user.id, laptop);
    advanceClock(HOUR);
    const second = await createUserSession(user.id, desktop);
    // Not listed: a session whose ticket was never redeemed, one signed out, one expired, another person's.
    await db.insert(userSessions).values({ userId: user.id, createdAt: now(), lastSeenAt: now(), expiresAt: addMs(now(), HOUR), ...phone });
    const ended = await createUserSession(user.id, phone);
    await db.update(userSessions).set({ revokedAt: now() }).where(eq(userSessions.id, ended));
    const expired = await createUserSession(user.id, phone);
    await db.update(userSessions).set({ expiresAt: now() }).where(eq(userSessions.id, expired));
    await createUserSession(other.id, phone);

    const { sessions } = await ownSecurity(db, user.id);
    expect(sessions).toEqual([
      { id: second, createdAt: now(), lastSeenAt: now(), ...desktop },
      { id: first, createdAt: T0, lastSeenAt: T0, ...laptop },
    ]);

    // The page names each browser and marks the one it is viewed from; only the others have "Sign out".
    await asBrowserOf(user, first);
    const html = renderToStaticMarkup((await inRequest(() => SecurityPage())) as React.ReactElement);
    expect(html).toContain("Where you&#x27;re signed in");
    const rows = [...html.matchAll(/<tr>.*?<\/tr>/g)]
      .map(([row]) => row)
      .filter((row) => row.includes(laptop.ip) || row.includes(desktop.ip));
    expect(rows).toHaveLength(2);
    const [thisRow, otherRow] = rows[0].includes(laptop.ip) ? rows : [rows[1], rows[0]];
    expect(thisRow).toContain("Chrome 131 on macOS");
    expect(thisRow).toContain("This browser");
    expect(thisRow).not.toContain("Sign out");
    expect(otherRow).toContain("Firefox 133 on Windows");
    expect(otherRow).not.toContain("This browser");
    expect(otherRow).toContain("Sign out");
    expect(html).toContain("Sign out everywhere else");
    expect(html).not.toContain(phone.ip);
  });

  it("Sign out on another session ends that one alone: it no longer produces a viewer, and the event is audited", async () => {
    const user = await createTestUser();
    const here = await createUserSession(user.id, laptop);
    const there = await createUserSession(user.id, desktop);
    await asBrowserOf(user, here);

    expect(await endOwnSession(form({ sessionId: there }))).toEqual({ ok: true });
    expect(await isLive(there, user)).toBe(false);
    expect(await isLive(here, user)).toBe(true);
    expect((await ownSecurity(await getDb(), user.id)).sessions.map((session) => session.id)).toEqual([here]);
    const [event] = await eventsOfType("session.ended");
    expect(event).toMatchObject({ actorId: user.id, subjectId: user.id, details: { sessionId: there } });

    // Once ended, it cannot be ended again, and nothing more is written.
    expect(await endOwnSession(form({ sessionId: there }))).toMatchObject({ ok: false, error: "That session has already ended." });
    expect(await eventsOfType("session.ended")).toHaveLength(1);
  });

  it("Sign out refuses this browser's own session, and has no effect on another person's", async () => {
    const user = await createTestUser();
    const other = await createTestUser();
    const here = await createUserSession(user.id, laptop);
    const theirs = await createUserSession(other.id, desktop);
    await asBrowserOf(user, here);

    expect(await endOwnSession(form({ sessionId: here }))).toMatchObject({
      ok: false,
      error: "This is the browser you are using: sign out from the menu instead.",
    });
    expect(await isLive(here, user)).toBe(true);

    expect(await endOwnSession(form({ sessionId: theirs }))).toMatchObject({ ok: false, error: "That session has already ended." });
    expect(await isLive(theirs, other)).toBe(true);
    expect(await endOwnSession(form({ sessionId: "not-a-session" }))).toMatchObject({ ok: false });
    expect(await eventsOfType("session.ended")).toHaveLength(0);
  });

  it("Sign out everywhere else asks for Confirm it's you, then ends every other session of the person's and no one else's", async () => {
    const user = await createTestUser();
    const other = await createTestUser();
    const here = await createUserSession(user.id, laptop);
    const there = [await createUserSession(user.id, desktop), await createUserSession(user.id, phone)];
    const theirs = await createUserSession(other.id, desktop);
    await asBrowserOf(user, here);

    // The window the sign-in opened has closed: nothing ends until the person confirms.
    advanceClock(REAUTH_WINDOW_MS + MINUTE);
    expect(await endOtherOwnSessions(form({}))).toEqual(NEEDS_REAUTH);
    for (const id of there) expect(await isLive(id, user)).toBe(true);

    expect(await reauthenticate(form({ method: "password", password: TEST_PASSWORD }))).toEqual({ ok: true });
    expect(await endOtherOwnSessions(form({}))).toEqual({ ok: true, count: 2 });
    for (const id of there) expect(await isLive(id, user)).toBe(false);
    expect(await isLive(here, user)).toBe(true);
    expect(await isLive(theirs, other)).toBe(true);
    const [event] = await eventsOfType("sessions.ended");
    expect(event).toMatchObject({ actorId: user.id, subjectId: user.id, details: { count: 2, scope: "others" } });

    // Nothing else to end: no event.
    expect(await endOtherOwnSessions(form({}))).toEqual({ ok: true, count: 0 });
    expect(await eventsOfType("sessions.ended")).toHaveLength(1);
  });
});

describe("an admin's Sign out everywhere", () => {
  const SIGNED_OUT = "An administrator signed you out everywhere";

  beforeEach(async () => {
    await resetDatabase();
    jar.clear();
    freezeClock(T0);
  });

  it("ends every session of the person and their trusted browsers, audited with the admin as the actor, and emails them", async () => {
    const db = await getDb();
    const admin = await createTestUser({ role: "admin" });
    const agent = await createTestUser();
    const bystander = await createTestUser();
    const adminSession = await createUserSession(admin.id, laptop);
    const agentSessions = [await createUserSession(agent.id, desktop), await createUserSession(agent.id, phone)];
    const bystanderSession = await createUserSession(bystander.id, phone);
    // Browsers are trusted only while the policy lets them skip the code.
    await db.update(settings).set({ twoFactorMode: "skip_allowed", skipDays: 30 }).where(eq(settings.id, 1));
    const trusted = await trustBrowser(db, agent.id, 30, desktop);
    const othersTrusted = await trustBrowser(db, bystander.id, 30, phone);
    advanceClock(MINUTE);
    await asBrowserOf(admin, adminSession);

    expect(await signOutPersonEverywhere(form({ userId: agent.id }))).toEqual({
      ok: true,
      done: `${agent.name} was signed out of 2 sessions and emailed.`,
    });
    for (const id of agentSessions) expect(await isLive(id, agent)).toBe(false);
    expect(await isLive(adminSession, admin)).toBe(true);
    expect(await isLive(bystanderSession, bystander)).toBe(true);
    const browsers = await db.select().from(trustedBrowsers);
    expect(browsers.find((row) => row.id === trusted.id)?.revokedAt).toEqual(now());
    expect(browsers.find((row) => row.id === othersTrusted.id)?.revokedAt).toBeNull();
    const [event] = await eventsOfType("sessions.ended");
    expect(event).toMatchObject({
      actorId: admin.id,
      subjectId: agent.id,
      details: { count: 2, scope: "all", trustedBrowsersRevoked: 1 },
    });
    expect(await mailTo(agent.email, SIGNED_OUT)).toHaveLength(1);

    // Signed out already: nothing to end, no email.
    expect(await signOutPersonEverywhere(form({ userId: agent.id }))).toEqual({
      ok: true,
      done: `${agent.name} was not signed in anywhere.`,
    });
    expect(await mailTo(agent.email, SIGNED_OUT)).toHaveLength(1);
    expect(await eventsOfType("sessions.ended")).toHaveLength(1);
  });

  it("is refused for the admin's own account, without Confirm it's you, and to anyone not an admin", async () => {
    const admin = await createTestUser({ role: "admin" });
    const agent = await createTestUser();
    const adminSession = await createUserSession(admin.id, laptop);
    const agentSession = await createUserSession(agent.id, desktop);
    await asBrowserOf(admin, adminSession);

    expect(await signOutPersonEverywhere(form({ userId: admin.id }))).toMatchObject({ ok: false });
    expect(await isLive(adminSession, admin)).toBe(true);

    advanceClock(REAUTH_WINDOW_MS + MINUTE);
    expect(await signOutPersonEverywhere(form({ userId: agent.id }))).toEqual(NEEDS_REAUTH);
    expect(await isLive(agentSession, agent)).toBe(true);

    // An agent, however recently confirmed, gets the 403 page.
    const colleague = await createTestUser();
    await asBrowserOf(colleague, await createUserSession(colleague.id, phone));
    await expect(signOutPersonEverywhere(form({ userId: agent.id }))).rejects.toMatchObject({
      digest: expect.stringMatching(/^NEXT_HTTP_ERROR_FALLBACK;403/),
    });
    expect(await isLive(agentSession, agent)).toBe(true);
    expect(await eventsOfType("sessions.ended")).toHaveLength(0);
    expect(await mailTo(agent.email, SIGNED_OUT)).toHaveLength(0);
  });
});
