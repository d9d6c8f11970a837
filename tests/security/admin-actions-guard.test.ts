// The admin server actions called directly, past the middleware (CVE-2025-29927 style): by a signed-in
// agent and by a caller with no session (a challenge cookie only). Each refuses and changes nothing.
import { count } from "drizzle-orm";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { getDb } from "@/db/client";
import { adminBackupCodes, auditEvents, twoFactorMethods, users, type User } from "@/db/schema";
import { addAgent, issueBackupCode, resetTwoFactor, unlockPerson } from "@/app/(console)/settings/people/agents/actions";
import { CHALLENGE_COOKIE } from "@/lib/auth/cookie-names";
import { setChallengeCookie } from "@/lib/auth/flow-cookies";
import { beginAppSetup, confirmAppSetup } from "@/lib/two-factor/app-method";
import { now } from "@/lib/clock";
import { totpCodeAt } from "@/lib/two-factor/totp";
import { createTestUser, createUserSession, resetDatabase } from "../support/db";
import { SESSION_COOKIE, holdSessionCookie } from "../support/session-cookie";
import { jar } from "../support/next-headers";
import { challengeFor } from "../support/sign-in";
import { form } from "../support/form";

// The cookies come from a plain jar and the viewer is found from them as in production; the request
// carries the header that once made Next.js skip the middleware.
vi.mock("next/headers", async () =>
  (await import("../support/session-cookie")).nextHeadersWithJar({
    "x-middleware-subrequest": "middleware:middleware:middleware:middleware:middleware",
  }),
);
vi.mock("next/cache", () => ({ revalidatePath: () => {} }));
// next.config.ts turns on authInterrupts; the build passes it to forbidden() through this variable.
vi.hoisted(() => {
  process.env.__NEXT_EXPERIMENTAL_AUTH_INTERRUPTS = "true";
});

const context = { ip: "203.0.113.8", userAgent: "vitest" };

async function counts() {
  const db = await getDb();
  const [people] = await db.select({ n: count() }).from(users);
  const [codes] = await db.select({ n: count() }).from(adminBackupCodes);
  const [methods] = await db.select({ n: count() }).from(twoFactorMethods);
  const [events] = await db.select({ n: count() }).from(auditEvents);
  return { people: people.n, codes: codes.n, methods: methods.n, events: events.n };
}

describe("admin actions called by someone who is not a signed-in admin", () => {
  let agent: User;
  let victim: User;

  beforeEach(async () => {
    await resetDatabase();
    jar.clear();
    const db = await getDb();
    agent = await createTestUser();
    victim = await createTestUser();
    const { secret } = await beginAppSetup(db, victim);
    await confirmAppSetup(db, victim.id, totpCodeAt(secret, now()), context);
  });

  for (const [who, signIn, refusal] of [
    [
      "a signed-in agent",
      async () => {
        await holdSessionCookie(agent, await createUserSession(agent.id, context));
        expect(jar.has(SESSION_COOKIE)).toBe(true);
      },
      /NEXT_HTTP_ERROR_FALLBACK;403/,
    ],
    [
      "a caller with only a challenge cookie",
      async () => {
        // Past the password, before the code: the cookie the password step leaves, and no session.
        const claim = await challengeFor(victim, context);
        await setChallengeCookie({ ...claim, callbackUrl: "/" });
        expect([...jar.keys()]).toEqual([CHALLENGE_COOKIE]);
      },
      /NEXT_REDIRECT/,
    ],
  ] as const) {
    it(`${who}: Add agent, Get Backup Code, Unlock and Reset 2FA all refuse and change nothing`, async () => {
      await signIn();
      const before = await counts();
      await expect(
        addAgent(
          {},
          form({
            name: "Intruder",
            email: "intruder@example.com",
            username: "intruder",
            password: "intruder-password-0001",
            role: "admin",
          }),
        ),
      ).rejects.toThrow(refusal);
      await expect(issueBackupCode({}, form({ userId: victim.id }))).rejects.toThrow(refusal);
      await expect(unlockPerson({}, form({ userId: victim.id }))).rejects.toThrow(refusal);
      await expect(resetTwoFactor({}, form({ userId: victim.id }))).rejects.toThrow(refusal);
      expect(await counts()).toEqual(before);
    });
  }

  it("a signed-in admin gets through the same guard (so the refusals above are the guard's)", async () => {
    const admin = await createTestUser({ role: "admin" });
    await holdSessionCookie(admin, await createUserSession(admin.id, context));
    const before = await counts();
    expect(
      await addAgent(
        {},
        form({
          name: "New Agent",
          email: "new.agent@example.com",
          username: "newagent",
          password: "new-agent-password-0001",
          role: "agent",
        }),
      ),
    ).toMatchObject({ ok: true });
    expect((await counts()).people).toBe(before.people + 1);
  });
});
