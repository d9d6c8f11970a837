// Statement budgets: how many SQL statements each step of sign-in and each signed-in page sends to the
// database, counted where the driver sends them (db/client.ts: statementCount, BEGIN and COMMIT
// included). Statements do not depend on the machine, and on a serverless host with a managed
// PostgreSQL every one is a round trip, so they are held exactly here; docs/BENCHMARKS.md lists them.
// The steps run through the real server actions, pages and Auth.js; only Next.js's request plumbing
// (cookies, headers) is a plain jar. Mail goes out through the real Resend SDK to a local stand-in of
// its API, as in production (the local outbox would add an insert of its own).
import { eq } from "drizzle-orm";
import type React from "react";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { getDb, statementCount } from "@/db/client";
import { settings, users, type User } from "@/db/schema";
import { signInWithPassword } from "@/app/(auth)/login/actions";
import LoginPage from "@/app/(auth)/login/page";
import { sendEmailCode, verifyCode } from "@/app/(auth)/login/verify/actions";
import VerifyPage from "@/app/(auth)/login/verify/page";
import ConsoleLayout from "@/app/(console)/layout";
import HomePage from "@/app/(console)/page";
import SecurityPage from "@/app/(console)/profile/security/page";
import AgentsPage from "@/app/(console)/settings/people/agents/page";
import PolicyPage from "@/app/(console)/settings/security/2fa-policy/page";
import AuditLogPage from "@/app/(console)/settings/security/audit-log/page";
import { FREE_FAILURES } from "@/lib/auth/password-limits";
import { DAY, MINUTE, advanceClock, freezeClock, now } from "@/lib/clock";
import { issueAdminBackupCode } from "@/lib/two-factor/admin-codes";
import { beginAppSetup, confirmAppSetup } from "@/lib/two-factor/app-method";
import { generateBackupCodes } from "@/lib/two-factor/backup-codes";
import { updatePolicy } from "@/lib/two-factor/policy";
import { beginEmailSetup, confirmEmailSetup } from "@/lib/two-factor/email-method";
import { totpCodeAt } from "@/lib/two-factor/totp";
import { TEST_PASSWORD, createTestUser, resetDatabase } from "../support/db";
import { startFakeResend, stopFakeResend, type FakeResend } from "../support/fake-resend";
import { jar } from "../support/next-headers";
import { inRequest } from "../support/request-scope";
import { form } from "../support/form";

vi.mock("next/headers", () => import("../support/next-headers"));
vi.mock("next/cache", () => ({ revalidatePath: () => {} }));
// React's cache() memoizes per server request; vitest runs the client build of React, where it does
// not. The stand-in keeps the same rule: one answer per function and arguments within a request.
vi.mock("react", async (importOriginal) => ({
  ...(await importOriginal<typeof React>()),
  cache: (await import("../support/request-scope")).cache,
}));

/**
 * The budgets, as issue "Half the cost per sign-in and per signed-in page" set them, and what each
 * step sends today. A change that sends one statement more (or fewer) must change this table.
 */
const BUDGETS = {
  "GET /login": { budget: 0, sends: 0 },
  "POST /login, right password, challenge issued": { budget: 5, sends: 2 },
  "GET /login/verify": { budget: 2, sends: 1 },
  "POST /login/verify, right code, session made": { budget: 9, sends: 6 },
  "GET / (Agent Panel, first page)": { budget: 2, sends: 1 },
  "full sign-in": { budget: 18, sends: 10 },
  "POST /login, wrong password": { budget: 2, sends: 2 },
  "POST /login, throttled": { budget: 2, sends: 2 },
  "POST /login, right password, no 2FA, signed in": { budget: 4, sends: 3 },
  "POST /login, right password, trusted browser, signed in": { budget: 4, sends: 3 },
  "POST /login, right password, email only, code sent": { budget: 7, sends: 6 },
  "POST /login/verify, wrong code": { budget: 5, sends: 5 },
  "POST /login/verify, during the wait": { budget: 3, sends: 3 },
  "POST /login/verify, locked account": { budget: 3, sends: 3 },
  // The statement that locks also reads the admins to tell of the lock (issue 12): no statement more.
  "POST /login/verify, the code that locks": { budget: 5, sends: 5 },
  "POST /login/verify, emailed code": { budget: 9, sends: 6 },
  "POST /login/verify, backup code": { budget: 9, sends: 6 },
  "POST /login/verify, admin-issued code": { budget: 9, sends: 6 },
  "POST /login/verify, right code, Don't ask again": { budget: 9, sends: 6 },
  "Resend (email code)": { budget: 6, sends: 5 },
  "GET / (Admin console)": { budget: 2, sends: 2 },
  "GET /profile/security": { budget: 2, sends: 2 },
  "GET /settings/people/agents": { budget: 2, sends: 2 },
  "GET /settings/security/2fa-policy": { budget: 2, sends: 2 },
  "GET /settings/security/audit-log (filtered by a user)": { budget: 2, sends: 2 },
} as const;

type Step = keyof typeof BUDGETS;
const measured = new Map<Step, number>();

/** Runs one step (a Next.js redirect ends a step as it ends a request) and checks what it sent. */
async function step(name: Step, run: () => Promise<unknown>): Promise<void> {
  const before = statementCount();
  await run().catch((error: unknown) => {
    if (!isRedirect(error)) throw error;
  });
  const sent = statementCount() - before;
  measured.set(name, sent);
  expect({ step: name, sent }).toEqual({ step: name, sent: BUDGETS[name].sends });
  expect(sent).toBeLessThanOrEqual(BUDGETS[name].budget);
}

/** A setup step that is not measured: as a browser would, it follows the redirect the step ends with. */
async function go(run: Promise<unknown>): Promise<void> {
  await run.catch((error: unknown) => {
    if (!isRedirect(error)) throw error;
  });
}

function isRedirect(error: unknown): boolean {
  return typeof (error as { digest?: unknown })?.digest === "string" && (error as { digest: string }).digest.startsWith("NEXT_REDIRECT");
}

const context = { ip: "203.0.113.9", userAgent: "vitest" };
const noSearch = Promise.resolve({});

async function withApp(user: User): Promise<string> {
  const db = await getDb();
  const { secret } = await beginAppSetup(db, user);
  expect(await confirmAppSetup(db, user.id, totpCodeAt(secret, now()), context)).toMatchObject({ ok: true });
  return secret;
}

async function withEmail(user: User): Promise<void> {
  const db = await getDb();
  const setup = await beginEmailSetup(db, user.id);
  if (!setup.ok) throw new Error(setup.reason);
  expect(await confirmEmailSetup(db, user.id, setup.code, context)).toMatchObject({ ok: true });
}

const password = (user: User) => form({ account: user.username, password: TEST_PASSWORD, callbackUrl: "/" });
const code = (value: string, extra: Record<string, string> = {}) => form({ kind: "code", code: value, ...extra });

describe("statement budgets", () => {
  let resend: FakeResend;
  beforeAll(async () => {
    resend = await startFakeResend();
    vi.stubEnv("RESEND_API_KEY", "re_test_statement_budgets");
    vi.stubEnv("RESEND_BASE_URL", resend.url);
  });
  afterAll(async () => {
    vi.unstubAllEnvs();
    await stopFakeResend(resend);
  });

  beforeEach(async () => {
    await resetDatabase();
    jar.clear();
    // Five seconds into a 30-second step: moving by whole minutes never lands on a step boundary.
    freezeClock(new Date("2030-03-01T08:00:05Z"));
  });

  it("a full sign-in with the authenticator app: password, code page, code, first page", async () => {
    const user = await createTestUser();
    const secret = await withApp(user);
    advanceClock(30_000);

    await step("GET /login", () => inRequest(() => LoginPage({ searchParams: noSearch })));
    await step("POST /login, right password, challenge issued", () => signInWithPassword(null, password(user)));
    await step("GET /login/verify", () => inRequest(() => VerifyPage()));
    await step("POST /login/verify, right code, session made", () => verifyCode(null, code(totpCodeAt(secret, now()))));
    await step("GET / (Agent Panel, first page)", () => inRequest(async () => [await ConsoleLayout({ children: null }), await HomePage()]));
    const full = [
      "GET /login",
      "POST /login, right password, challenge issued",
      "GET /login/verify",
      "POST /login/verify, right code, session made",
      "GET / (Agent Panel, first page)",
    ] as const;
    const total = full.reduce((sum, name) => sum + measured.get(name)!, 0);
    expect(total).toBe(BUDGETS["full sign-in"].sends);
    expect(total).toBeLessThanOrEqual(BUDGETS["full sign-in"].budget);
  });

  it("refusals at the password step", async () => {
    const user = await createTestUser();
    await step("POST /login, wrong password", () =>
      signInWithPassword(null, form({ account: user.username, password: "not the password" })),
    );
    // The free failures and the first that earns a wait.
    for (let i = 1; i <= FREE_FAILURES; i++)
      await go(signInWithPassword(null, form({ account: user.username, password: "not the password" })));
    await step("POST /login, throttled", () => signInWithPassword(null, password(user)));
  });

  it("password steps that sign in at once, or mail the code", async () => {
    const db = await getDb();
    const plain = await createTestUser();
    await step("POST /login, right password, no 2FA, signed in", () => signInWithPassword(null, password(plain)));

    const trusting = await createTestUser();
    const secret = await withApp(trusting);
    await db.update(settings).set({ twoFactorMode: "skip_allowed", skipDays: 30 }).where(eq(settings.id, 1));
    advanceClock(30_000);
    jar.clear();
    await go(signInWithPassword(null, password(trusting)));
    await go(verifyCode(null, code(totpCodeAt(secret, now()), { remember: "on" })));
    advanceClock(DAY);
    for (const name of [...jar.keys()]) if (!name.includes("trusted")) jar.delete(name);
    await step("POST /login, right password, trusted browser, signed in", () => signInWithPassword(null, password(trusting)));

    const emailOnly = await createTestUser();
    await withEmail(emailOnly);
    advanceClock(2 * MINUTE);
    jar.clear();
    await step("POST /login, right password, email only, code sent", () => signInWithPassword(null, password(emailOnly)));
  });

  it("code steps: refusals, waits and locks keep their rules within their budgets", async () => {
    const db = await getDb();
    const user = await createTestUser();
    const secret = await withApp(user);
    advanceClock(30_000);
    await go(signInWithPassword(null, password(user)));
    const wrong = () => ("000000" === totpCodeAt(secret, now()) ? "111111" : "000000");

    await step("POST /login/verify, wrong code", () => verifyCode(null, code(wrong())));
    await go(verifyCode(null, code(wrong())));
    await go(verifyCode(null, code(wrong())));
    await step("POST /login/verify, during the wait", () => verifyCode(null, code(totpCodeAt(secret, now()))));
    advanceClock(5 * MINUTE);
    await go(verifyCode(null, code(wrong())));
    advanceClock(5 * MINUTE);
    // Ten minutes on, the first challenge has expired: the 5th code comes with a new sign-in.
    await go(signInWithPassword(null, password(user)));
    await step("POST /login/verify, the code that locks", () => verifyCode(null, code(wrong())));
    const [locked] = await db.select({ status: users.status }).from(users).where(eq(users.id, user.id));
    expect(locked.status).toBe("locked");

    // A new sign-in of the locked account gets no further than the attempt rules.
    jar.clear();
    const other = await createTestUser();
    await withApp(other);
    await go(signInWithPassword(null, password(other)));
    await db.update(users).set({ status: "locked" }).where(eq(users.id, other.id));
    await step("POST /login/verify, locked account", () => verifyCode(null, code("123456")));
  });

  it("code steps with the other factors", async () => {
    const db = await getDb();
    const admin = await createTestUser({ role: "admin" });

    const emailOnly = await createTestUser();
    await withEmail(emailOnly);
    advanceClock(2 * MINUTE);
    await go(signInWithPassword(null, password(emailOnly)));
    advanceClock(2 * MINUTE);
    await step("Resend (email code)", () => sendEmailCode(null));
    const mailed = String(resend.received.at(-1)!.body.text).match(/\b\d{6}\b/)![0];
    await step("POST /login/verify, emailed code", () => verifyCode(null, code(mailed)));

    jar.clear();
    const withBackup = await createTestUser();
    await withApp(withBackup);
    const [backup] = await generateBackupCodes(db, withBackup.id, context);
    await go(signInWithPassword(null, password(withBackup)));
    await step("POST /login/verify, backup code", () => verifyCode(null, form({ kind: "backup", code: backup })));

    jar.clear();
    const rescued = await createTestUser();
    await withApp(rescued);
    const issued = await issueAdminBackupCode(db, { userId: rescued.id, issuedBy: admin.id, context });
    await go(signInWithPassword(null, password(rescued)));
    await step("POST /login/verify, admin-issued code", () => verifyCode(null, form({ kind: "backup", code: issued.code })));

    jar.clear();
    await db.update(settings).set({ twoFactorMode: "skip_allowed", skipDays: 30 }).where(eq(settings.id, 1));
    const remembering = await createTestUser();
    const secret = await withApp(remembering);
    advanceClock(30_000);
    await go(signInWithPassword(null, password(remembering)));
    await step("POST /login/verify, right code, Don't ask again", () =>
      verifyCode(null, code(totpCodeAt(secret, now()), { remember: "on" })),
    );
  });

  it("every signed-in console page: the viewer, and one statement of its own at most", async () => {
    const db = await getDb();
    const admin = await createTestUser({ role: "admin" });
    const secret = await withApp(admin);
    await generateBackupCodes(db, admin.id, context);
    advanceClock(30_000);
    await go(signInWithPassword(null, password(admin)));
    await go(verifyCode(null, code(totpCodeAt(secret, now()))));
    // The page names who changed the policy last.
    expect(await updatePolicy(db, { mode: "every_login" }, admin.id, context)).toMatchObject({ ok: true });
    const page = (render: () => Promise<unknown>) => inRequest(async () => [await ConsoleLayout({ children: null }), await render()]);

    await step("GET / (Admin console)", () => page(() => HomePage()));
    await step("GET /profile/security", () => page(() => SecurityPage()));
    await step("GET /settings/people/agents", () => page(() => AgentsPage({ searchParams: Promise.resolve({ q: "user" }) })));
    await step("GET /settings/security/2fa-policy", () => page(() => PolicyPage()));
    await step("GET /settings/security/audit-log (filtered by a user)", () =>
      page(() => AuditLogPage({ searchParams: Promise.resolve({ user: admin.email, type: "sign_in.succeeded" }) })),
    );
  });
});
