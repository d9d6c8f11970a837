// "New sign-in to Tessera" (issue 12, item 2): a completed sign-in from a browser this person has not
// used in the last 90 days is emailed to them, with the browser, the IP address, the time and a link to
// /profile/security; not their very first sign-in. A browser is told apart by the random id in its
// sealed, long-lived cookie, whoever signs in with it. First the rule as activateSession applies it,
// then the real sign-in (password step, Auth.js, the cookie in the jar, the email in the outbox).
import { and, eq } from "drizzle-orm";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { getDb } from "@/db/client";
import { auditEvents, knownBrowsers, outboxMessages, type User } from "@/db/schema";
import { signInWithPassword } from "@/app/(auth)/login/actions";
import { BROWSER_COOKIE } from "@/lib/auth/cookie-names";
import { KNOWN_BROWSER_MS, activateSession } from "@/lib/auth/sessions";
import { passwordStep } from "@/lib/auth/sign-in-flow";
import { DAY, MINUTE, advanceClock, freezeClock, now } from "@/lib/clock";
import { createHash } from "node:crypto";
import { TEST_PASSWORD, createTestUser, resetDatabase } from "../support/db";
import { form } from "../support/form";
import { CLIENT_ADDRESS, jar } from "../support/next-headers";
import { SESSION_COOKIE } from "../support/session-cookie";

// The browser the jar stands for (vi.mock is hoisted above the module's own constants).
const CHROME_MAC = vi.hoisted(
  () => "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
);
vi.mock("next/headers", async () => (await import("../support/session-cookie")).nextHeadersWithJar({ "user-agent": CHROME_MAC }));

const T0 = new Date("2030-03-01T08:00:05Z");
const NEW_SIGN_IN = "New sign-in to Tessera";
const context = { ip: "198.51.100.60", userAgent: CHROME_MAC };

/** The ticket of a completed password step (the person has no second factor, so it signs in at once). */
async function ticketFor(user: User): Promise<string> {
  const result = await passwordStep(await getDb(), { account: user.username, password: TEST_PASSWORD }, context, null);
  if (result.kind !== "signed_in") throw new Error(`expected a sign-in, got ${result.kind}`);
  return result.ticket;
}

/** activateSession as Auth.js calls it for a sign-in from the browser `browser` (its random id). */
/** What known_browsers keeps of a browser: the SHA-256 of its person and its id together, never the id. */
function stored(user: User, browser: string): string {
  return createHash("sha256").update(`${user.id}:${browser}`).digest("hex");
}

async function signInFrom(user: User, browser: string) {
  const session = await activateSession(await getDb(), await ticketFor(user), browser);
  if (!session) throw new Error("the ticket was refused");
  return session;
}

async function newBrowserEvents(userId: string) {
  const db = await getDb();
  return db
    .select()
    .from(auditEvents)
    .where(and(eq(auditEvents.type, "sign_in.new_browser"), eq(auditEvents.subjectId, userId)))
    .orderBy(auditEvents.id);
}

async function noticesTo(email: string) {
  const db = await getDb();
  return db
    .select()
    .from(outboxMessages)
    .where(and(eq(outboxMessages.to, email), eq(outboxMessages.subject, NEW_SIGN_IN)))
    .orderBy(outboxMessages.id);
}

function isRedirect(error: unknown): boolean {
  const digest = (error as { digest?: unknown })?.digest;
  return typeof digest === "string" && digest.startsWith("NEXT_REDIRECT");
}

/** The whole password sign-in in this test's browser (the jar), then signed out again, its browser cookie kept. */
async function signInHere(user: User): Promise<void> {
  const error: unknown = await signInWithPassword(form({ account: user.username, password: TEST_PASSWORD, callbackUrl: "/" })).then(
    (result) => new Error(`expected the redirect of a sign-in, got ${JSON.stringify(result)}`),
    (thrown: unknown) => thrown,
  );
  if (!isRedirect(error)) throw error;
  expect(jar.has(SESSION_COOKIE)).toBe(true);
  jar.delete(SESSION_COOKIE);
}

describe("the new-browser rule", () => {
  beforeEach(async () => {
    await resetDatabase();
    freezeClock(T0);
  });

  it("the person's very first sign-in is no news, nor is the same browser again; another browser is", async () => {
    const user = await createTestUser();
    expect(await signInFrom(user, "laptop")).toMatchObject({ userId: user.id, newBrowser: false });
    advanceClock(DAY);
    expect(await signInFrom(user, "laptop")).toMatchObject({ newBrowser: false });
    advanceClock(DAY);
    const session = await signInFrom(user, "phone");
    expect(session).toMatchObject({ newBrowser: true, ip: context.ip, userAgent: context.userAgent, at: now() });
    const events = await newBrowserEvents(user.id);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ actorId: user.id, ip: context.ip, details: { sessionId: session.sessionId } });
    // Each browser once, by its hash only.
    const rows = await (await getDb()).select().from(knownBrowsers).where(eq(knownBrowsers.userId, user.id));
    expect(rows.map((row) => row.browserHash).sort()).toEqual([stored(user, "laptop"), stored(user, "phone")].sort());
  });

  it("a browser seen within 90 days is known; one last seen 90 days ago is new again, and forgotten otherwise", async () => {
    const user = await createTestUser();
    await signInFrom(user, "laptop");
    advanceClock(DAY);
    await signInFrom(user, "desk");
    // Each sign-in moves "last seen": 89 days after the last one the laptop is still known.
    advanceClock(60 * DAY);
    expect(await signInFrom(user, "laptop")).toMatchObject({ newBrowser: false });
    advanceClock(KNOWN_BROWSER_MS - DAY);
    const before = now();
    expect(await signInFrom(user, "laptop")).toMatchObject({ newBrowser: false });
    // That sign-in forgot the desk, last seen 149 days ago; the laptop's row moved to now.
    const db = await getDb();
    const rows = () => db.select().from(knownBrowsers).where(eq(knownBrowsers.userId, user.id));
    expect(await rows()).toEqual([expect.objectContaining({ browserHash: stored(user, "laptop"), firstSeenAt: T0, lastSeenAt: before })]);
    expect(await signInFrom(user, "desk")).toMatchObject({ newBrowser: true });

    // Exactly 90 days after it was last seen, the laptop is new again.
    advanceClock(KNOWN_BROWSER_MS);
    expect(await signInFrom(user, "laptop")).toMatchObject({ newBrowser: true });
    expect(await rows()).toEqual([expect.objectContaining({ browserHash: stored(user, "laptop"), firstSeenAt: T0, lastSeenAt: now() })]);
    // The desk (T0 + 1 day), the desk again, the laptop.
    expect(await newBrowserEvents(user.id)).toHaveLength(3);
  });

  it("a browser is known per person: someone else's first sign-in there is no news, and theirs no news to the first", async () => {
    const alice = await createTestUser();
    const bob = await createTestUser();
    await signInFrom(alice, "shared");
    expect(await signInFrom(bob, "shared")).toMatchObject({ newBrowser: false });
    expect(await signInFrom(alice, "shared")).toMatchObject({ newBrowser: false });
    // Bob has signed in before now: a browser new to him is news to him.
    expect(await signInFrom(bob, "bobs-own")).toMatchObject({ newBrowser: true });
    expect(await signInFrom(alice, "bobs-own")).toMatchObject({ newBrowser: true });
  });
});

describe("New sign-in to Tessera, through the real sign-in", () => {
  beforeEach(async () => {
    await resetDatabase();
    jar.clear();
    freezeClock(T0);
  });

  it("emails a sign-in from another browser once, with the browser, IP address, time and link; the same browser again sends nothing", async () => {
    const user = await createTestUser();
    await signInHere(user);
    expect(jar.has(BROWSER_COOKIE)).toBe(true);
    advanceClock(MINUTE);
    await signInHere(user);
    expect(await noticesTo(user.email)).toHaveLength(0);

    // Another browser: no cookie of its own yet.
    jar.clear();
    advanceClock(MINUTE);
    await signInHere(user);
    const [notice, ...more] = await noticesTo(user.email);
    expect(more).toHaveLength(0);
    expect(notice.text).toContain("Browser: Chrome 131 on macOS");
    expect(notice.text).toContain(`IP address: ${CLIENT_ADDRESS}`);
    expect(notice.text).toContain(`Time: ${now().toISOString().slice(0, 16).replace("T", " ")} UTC`);
    expect(notice.text).toContain("/profile/security");
    expect(await newBrowserEvents(user.id)).toHaveLength(1);

    // That browser is known from now on.
    advanceClock(MINUTE);
    await signInHere(user);
    expect(await noticesTo(user.email)).toHaveLength(1);
  });

  it("the browser cookie outlives the sign-out; a forged or broken one counts as a new browser", async () => {
    const user = await createTestUser();
    await signInHere(user);
    const cookie = jar.get(BROWSER_COOKIE)!;
    advanceClock(KNOWN_BROWSER_MS - DAY);
    await signInHere(user);
    // Renewed at each sign-in, the same browser still.
    expect(jar.get(BROWSER_COOKIE)).not.toBe(cookie);
    expect(await noticesTo(user.email)).toHaveLength(0);

    jar.set(BROWSER_COOKIE, `${cookie.slice(0, -4)}AAAA`);
    advanceClock(MINUTE);
    await signInHere(user);
    expect(await noticesTo(user.email)).toHaveLength(1);
  });
});
