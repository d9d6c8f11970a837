// The grace period of "Require two-factor authentication" (issue 12, item 3): None, 7, 14 or 30 days
// from when the requirement is saved, or from when a person is added, whichever is later. During it, a
// person without a method signs in to where they were going and uses the console, with a banner giving
// the deadline; after it, today's rule holds (only /profile/security until they set up). Admins get no
// grace period. Re-saving the policy keeps the deadline; changing the grace period restarts it.
import { eq } from "drizzle-orm";
import { renderToStaticMarkup } from "react-dom/server";
import { isValidElement } from "react";
import type React from "react";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { getDb } from "@/db/client";
import { settings, twoFactorMethods, users, type User } from "@/db/schema";
import { signInWithPassword } from "@/app/(auth)/login/actions";
import ConsoleLayout from "@/app/(console)/layout";
import HomePage from "@/app/(console)/page";
import { EnrollmentBanner } from "@/components/console/enrollment-banner";
import { adminOverview } from "@/lib/admin-stats";
import { passwordStep } from "@/lib/auth/sign-in-flow";
import { DAY, HOUR, MINUTE, addMs, advanceClock, freezeClock, now } from "@/lib/clock";
import { updatePolicy, type PolicyInput } from "@/lib/two-factor/policy";
import { TEST_PASSWORD, createTestUser, createUserSession, resetDatabase } from "../support/db";
import { form } from "../support/form";
import { jar } from "../support/next-headers";
import { inRequest } from "../support/request-scope";
import { holdSessionCookie } from "../support/session-cookie";
import { viewerOf } from "../support/sign-in";

vi.mock("next/headers", async () => (await import("../support/session-cookie")).nextHeadersWithJar());
vi.mock("react", async (importOriginal) => ({
  ...(await importOriginal<typeof React>()),
  cache: (await import("../support/request-scope")).cache,
}));

const context = { ip: "198.51.100.70", userAgent: "vitest" };
const T0 = new Date("2030-03-01T08:00:05Z");

/** Saves the policy as the 2FA policy page does: every login, with what `changes` sets. */
async function savePolicy(admin: User, changes: Omit<PolicyInput, "mode"> & { mode?: PolicyInput["mode"] }) {
  const result = await updatePolicy(
    await getDb(),
    { mode: "every_login", allowEmailMethod: true, allowPasskeyMethod: true, ...changes },
    admin.id,
    context,
  );
  if (!result.ok) throw new Error(JSON.stringify(result.fieldErrors));
  return result.policy;
}

/** A person added at `at` by the app's clock (the column's default is the database server's clock). */
async function personAddedAt(at: Date, role: User["role"] = "agent"): Promise<User> {
  const user = await createTestUser({ role });
  await (await getDb()).update(users).set({ createdAt: at }).where(eq(users.id, user.id));
  return { ...user, createdAt: at };
}

/** The viewer of a fresh session of `user`. */
async function viewerNow(user: User) {
  return viewerOf(await createUserSession(user.id, context), user);
}

/** Where the real password sign-in sends the person (no second factor: it signs in at once). */
async function signInGoesTo(user: User, callbackUrl: string): Promise<string> {
  jar.clear();
  const thrown: unknown = await signInWithPassword(form({ account: user.username, password: TEST_PASSWORD, callbackUrl })).then(
    (result) => new Error(`expected the redirect of a sign-in, got ${JSON.stringify(result)}`),
    (error: unknown) => error,
  );
  const digest = (thrown as { digest?: unknown }).digest;
  if (typeof digest !== "string" || !digest.startsWith("NEXT_REDIRECT")) throw thrown;
  return new URL(digest.split(";")[2], "http://localhost:3000").pathname;
}

/** The first element of `type` in a rendered tree (the layout's own elements, not rendered further). */
function findElement(node: unknown, type: unknown): React.ReactElement | null {
  if (Array.isArray(node)) {
    for (const child of node) {
      const found = findElement(child, type);
      if (found) return found;
    }
    return null;
  }
  if (!isValidElement(node)) return null;
  if (node.type === type) return node;
  return findElement((node.props as { children?: unknown }).children, type);
}

async function enableMethod(userId: string) {
  await (await getDb()).insert(twoFactorMethods).values({ userId, kind: "app", enabledAt: now(), secretEncrypted: "sealed" });
}

describe("the grace period of required 2FA", () => {
  let admin: User;
  beforeEach(async () => {
    await resetDatabase();
    jar.clear();
    freezeClock(T0);
    admin = await personAddedAt(addMs(T0, -DAY), "admin");
  });

  it("inside it, a person without a method uses the console, sees the deadline, and signs in to where they were going", async () => {
    const agent = await personAddedAt(addMs(T0, -DAY));
    advanceClock(HOUR);
    const savedAt = now();
    await savePolicy(admin, { requireEnrollment: true, graceDays: 14 });
    const deadline = addMs(savedAt, 14 * DAY);

    advanceClock(3 * DAY);
    const viewer = await viewerNow(agent);
    expect(viewer).toMatchObject({ mustEnroll: false, enrollmentDeadline: deadline, policy: { graceUntil: deadline } });
    const step = await passwordStep(await getDb(), { account: agent.username, password: TEST_PASSWORD }, context, null);
    expect(step).toMatchObject({ kind: "signed_in", mustEnroll: false });
    expect(await signInGoesTo(agent, "/settings/people/agents")).toBe("/settings/people/agents");

    // Every console page shows the banner with the deadline and the days left, and the way to set up.
    jar.clear();
    await holdSessionCookie(agent, await createUserSession(agent.id, context));
    const layout = await inRequest(() => ConsoleLayout({ children: null }));
    const banner = findElement(layout, EnrollmentBanner);
    expect(banner).not.toBeNull();
    const html = renderToStaticMarkup(banner);
    expect(html).toContain(`dateTime="${deadline.toISOString()}"`);
    expect(html).toContain("11 days left");
    expect(html).toContain('href="/profile/security"');
    expect(html).toContain("Set up now");
    // And the pages open.
    await expect(inRequest(() => HomePage())).resolves.toBeDefined();
  });

  it("after it, today's rule holds: only /profile/security until they set up", async () => {
    const agent = await personAddedAt(addMs(T0, -DAY));
    await savePolicy(admin, { requireEnrollment: true, graceDays: 7 });
    const deadline = addMs(T0, 7 * DAY);

    advanceClock(7 * DAY - MINUTE);
    expect(await viewerNow(agent)).toMatchObject({ mustEnroll: false, enrollmentDeadline: deadline });
    advanceClock(MINUTE);
    expect(await viewerNow(agent)).toMatchObject({ mustEnroll: true, enrollmentDeadline: null });
    const step = await passwordStep(await getDb(), { account: agent.username, password: TEST_PASSWORD }, context, null);
    expect(step).toMatchObject({ kind: "signed_in", mustEnroll: true });
    expect(await signInGoesTo(agent, "/settings/people/agents")).toBe("/profile/security");
    jar.clear();
    await holdSessionCookie(agent, await createUserSession(agent.id, context));
    expect(findElement(await inRequest(() => ConsoleLayout({ children: null })), EnrollmentBanner)).toBeNull();
    await expect(inRequest(() => HomePage())).rejects.toMatchObject({
      digest: expect.stringMatching(/^NEXT_REDIRECT;[^;]*;\/profile\/security;/),
    });

    // With a method, there is nothing to require, and no banner.
    await enableMethod(agent.id);
    expect(await viewerNow(agent)).toMatchObject({ mustEnroll: false, enrollmentDeadline: null });
  });

  it("admins get no grace period; with None, nobody does", async () => {
    const agent = await personAddedAt(addMs(T0, -DAY));
    await savePolicy(admin, { requireEnrollment: true, graceDays: 30 });
    expect(await viewerNow(admin)).toMatchObject({ mustEnroll: true, enrollmentDeadline: null, policy: { graceUntil: null } });
    expect(await signInGoesTo(admin, "/settings/people/agents")).toBe("/profile/security");
    expect(await viewerNow(agent)).toMatchObject({ mustEnroll: false, enrollmentDeadline: addMs(T0, 30 * DAY) });

    await savePolicy(admin, { requireEnrollment: true, graceDays: 0 });
    expect(await viewerNow(agent)).toMatchObject({ mustEnroll: true, enrollmentDeadline: null, policy: { graceUntil: null } });
  });

  it("a person added after the requirement was saved gets their own deadline, from when they were added", async () => {
    const early = await personAddedAt(addMs(T0, -DAY));
    await savePolicy(admin, { requireEnrollment: true, graceDays: 14 });
    advanceClock(10 * DAY);
    const late = await personAddedAt(now());
    expect(await viewerNow(late)).toMatchObject({ mustEnroll: false, enrollmentDeadline: addMs(now(), 14 * DAY) });

    // Past the first deadline: the person there from the start must set up, the newcomer not yet.
    advanceClock(5 * DAY);
    expect(await viewerNow(early)).toMatchObject({ mustEnroll: true, enrollmentDeadline: null });
    expect(await viewerNow(late)).toMatchObject({ mustEnroll: false, enrollmentDeadline: addMs(late.createdAt, 14 * DAY) });
  });

  it("re-saving the policy keeps every deadline; changing the grace period restarts it; turning the requirement off clears it", async () => {
    const db = await getDb();
    const agent = await personAddedAt(addMs(T0, -DAY));
    const requiredAt = async () => (await db.select().from(settings).where(eq(settings.id, 1)))[0].enrollmentRequiredAt;
    await savePolicy(admin, { requireEnrollment: true, graceDays: 14 });
    expect(await requiredAt()).toEqual(T0);

    // Saving other settings, with the same grace period or without one (kept), moves nothing.
    advanceClock(3 * DAY);
    await savePolicy(admin, { mode: "skip_allowed", skipDays: 30, requireEnrollment: true, graceDays: 14 });
    advanceClock(DAY);
    await savePolicy(admin, { requireEnrollment: true, allowEmailMethod: false });
    expect(await requiredAt()).toEqual(T0);
    expect(await viewerNow(agent)).toMatchObject({ enrollmentDeadline: addMs(T0, 14 * DAY) });

    // A new grace period counts from when it was saved.
    advanceClock(DAY);
    await savePolicy(admin, { requireEnrollment: true, graceDays: 30 });
    expect(await requiredAt()).toEqual(now());
    expect(await viewerNow(agent)).toMatchObject({ mustEnroll: false, enrollmentDeadline: addMs(now(), 30 * DAY) });

    // Off: no requirement, no deadline; on again, a new grace period from then.
    advanceClock(DAY);
    await savePolicy(admin, { requireEnrollment: false });
    expect(await requiredAt()).toBeNull();
    expect(await viewerNow(agent)).toMatchObject({ mustEnroll: false, enrollmentDeadline: null });
    advanceClock(DAY);
    await savePolicy(admin, { requireEnrollment: true });
    expect(await requiredAt()).toEqual(now());
    expect(await viewerNow(agent)).toMatchObject({ mustEnroll: false, enrollmentDeadline: addMs(now(), 30 * DAY) });
  });

  it("the Admin console lists who is still without 2FA, with their deadline", async () => {
    const db = await getDb();
    const agent = await personAddedAt(addMs(T0, -DAY));
    const withApp = await personAddedAt(addMs(T0, -DAY));
    await enableMethod(withApp.id);
    const disabled = await personAddedAt(addMs(T0, -DAY));
    await db.update(users).set({ status: "disabled" }).where(eq(users.id, disabled.id));

    expect((await adminOverview(db)).withoutTwoFactor).toEqual(
      expect.arrayContaining([expect.objectContaining({ id: agent.id, required: false, deadline: null })]),
    );
    await savePolicy(admin, { requireEnrollment: true, graceDays: 7 });
    const listed = (await adminOverview(db)).withoutTwoFactor;
    expect(listed.map((person) => person.id).sort()).toEqual([admin.id, agent.id].sort());
    expect(listed.find((person) => person.id === agent.id)).toMatchObject({ required: true, deadline: addMs(T0, 7 * DAY) });
    // An admin has no grace period: their deadline is now.
    expect(listed.find((person) => person.id === admin.id)).toMatchObject({ role: "admin", required: true, deadline: null });
  });
});
