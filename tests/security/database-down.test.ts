// The sign-in steps while PostgreSQL refuses connections, through the real server actions and the
// code page: each answers with a plain message (never an error page, never a half sign-in), writes
// nothing, and works again as soon as the database is back, without a restart.
import postgres from "postgres";
import { renderToStaticMarkup } from "react-dom/server";
import { count } from "drizzle-orm";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { getDb } from "@/db/client";
import { auditEvents, rateLimits, signInChallenges, twoFactorMethods, userSessions } from "@/db/schema";
import { signInWithPassword } from "@/app/(auth)/login/actions";
import { cancelSignIn, sendEmailCode, verifyCode } from "@/app/(auth)/login/verify/actions";
import VerifyPage from "@/app/(auth)/login/verify/page";
import { CHALLENGE_COOKIE } from "@/lib/auth/cookie-names";
import { finishSignIn } from "@/lib/auth/finish-sign-in";
import { seal } from "@/lib/auth/sealed-cookies";
import { advanceClock, freezeClock, now } from "@/lib/clock";
import { SIGN_IN_UNAVAILABLE, unlessDatabaseIsDown } from "@/lib/unavailable";
import { beginAppSetup, confirmAppSetup } from "@/lib/two-factor/app-method";
import { loadChallenge } from "@/lib/auth/sign-in-flow";
import { totpCodeAt } from "@/lib/two-factor/totp";
import { TEST_PASSWORD, codeAttemptState, createTestUser, resetDatabase } from "../support/db";
import { challengeFor } from "../support/sign-in";
import { CLIENT_ADDRESS, jar } from "../support/next-headers";
import { form } from "../support/form";

// The actions read cookies and headers from Next.js; here they come from a plain jar.
vi.mock("next/headers", () => import("../support/next-headers"));

// Auth.js needs a Next.js server to issue the session; what matters here is that the code step gets there.
vi.mock("@/lib/auth/finish-sign-in", () => ({ finishSignIn: vi.fn(async () => undefined) }));

const context = { ip: CLIENT_ADDRESS, userAgent: "vitest" };

describe.runIf(Boolean(process.env.DATABASE_URL))("while PostgreSQL refuses connections", () => {
  let admin: postgres.Sql;
  let database: string;
  // On the server's maintenance database: PostgreSQL will not close a database to the session doing it.
  beforeAll(() => {
    const url = new URL(process.env.DATABASE_URL!);
    database = decodeURIComponent(url.pathname.slice(1));
    url.pathname = "/postgres";
    admin = postgres(url.toString(), { max: 1, onnotice: () => {} });
  });
  afterAll(async () => {
    await admin.unsafe(`alter database "${database}" allow_connections true`);
    await admin.end();
  });

  /** The database stops taking connections and ends its sessions, as a restart or failover does. */
  async function takeDown(): Promise<void> {
    await admin.unsafe(`alter database "${database}" allow_connections false`);
    await admin`select pg_terminate_backend(pid) from pg_stat_activity where datname = ${database}`;
  }

  async function bringBack(): Promise<void> {
    await admin.unsafe(`alter database "${database}" allow_connections true`);
  }

  async function rowCounts() {
    const db = await getDb();
    const counts = await Promise.all(
      [auditEvents, rateLimits, signInChallenges, userSessions].map(async (table) => (await db.select({ n: count() }).from(table))[0].n),
    );
    const [method] = await db.select({ lastUsedStep: twoFactorMethods.lastUsedStep }).from(twoFactorMethods);
    return { counts, lastUsedStep: method.lastUsedStep };
  }

  beforeEach(async () => {
    await resetDatabase();
    jar.clear();
    vi.mocked(finishSignIn).mockClear();
    freezeClock(new Date("2030-03-01T08:00:05Z"));
  });
  afterEach(() => bringBack());

  it("the password and code steps answer with a plain message, change nothing, and work once it is back", async () => {
    const db = await getDb();
    const user = await createTestUser();
    const { secret } = await beginAppSetup(db, user);
    expect(await confirmAppSetup(db, user.id, totpCodeAt(secret, now()), context)).toMatchObject({ ok: true });
    const challenge = await challengeFor(user, context);
    jar.set(CHALLENGE_COOKIE, await seal("challenge", { ...challenge, callbackUrl: "/" }, 600));
    advanceClock(30_000);
    const code = totpCodeAt(secret, now());
    const before = await rowCounts();

    await takeDown();
    expect(await signInWithPassword(null, form({ account: user.username, password: TEST_PASSWORD }))).toEqual({
      ok: false,
      error: SIGN_IN_UNAVAILABLE,
      values: { account: user.username },
    });
    expect(await verifyCode(null, form({ kind: "code", code }))).toEqual({ ok: false, error: SIGN_IN_UNAVAILABLE });
    expect(await sendEmailCode(null)).toEqual({ ok: false, error: SIGN_IN_UNAVAILABLE });
    const page = renderToStaticMarkup(await VerifyPage());
    expect(page).toContain(SIGN_IN_UNAVAILABLE);
    expect(page).toContain('href="/login/verify"');
    expect(finishSignIn).not.toHaveBeenCalled();
    await bringBack();

    // Nothing was written: no counter, event, challenge or session, the code is still unused.
    expect(await rowCounts()).toEqual(before);
    expect(await loadChallenge(db, challenge)).not.toBeNull();
    expect(await codeAttemptState(user.id)).toEqual({ locked: false, retryAt: null });

    // The same process, the same code: the sign-in goes through, to Auth.js with the session's ticket.
    await verifyCode(null, form({ kind: "code", code }));
    expect(finishSignIn).toHaveBeenCalledWith(expect.stringMatching(/^[\w-]{43}$/), "/");
    await expect(signInWithPassword(null, form({ account: user.username, password: TEST_PASSWORD }))).rejects.toMatchObject({
      digest: expect.stringContaining("/login/verify"),
    });
  });

  it("Cancel still ends the sign-in in this browser and returns to User Sign In", async () => {
    const db = await getDb();
    const user = await createTestUser();
    const { secret } = await beginAppSetup(db, user);
    expect(await confirmAppSetup(db, user.id, totpCodeAt(secret, now()), context)).toMatchObject({ ok: true });
    const challenge = await challengeFor(user, context);
    jar.set(CHALLENGE_COOKIE, await seal("challenge", { ...challenge, callbackUrl: "/" }, 600));

    await takeDown();
    await expect(cancelSignIn(new FormData())).rejects.toMatchObject({ digest: expect.stringContaining("/login") });
    expect(jar.has(CHALLENGE_COOKIE)).toBe(false);
  });
});

describe("unlessDatabaseIsDown", () => {
  it("answers for a lost or refused connection, however deep the driver's error sits", async () => {
    const refused = Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:5432"), { code: "ECONNREFUSED" });
    const closing = Object.assign(new Error("the database system is shutting down"), { code: "57P03", severity: "FATAL" });
    for (const error of [refused, closing, new Error("Failed query: select 1", { cause: refused })]) {
      expect(await unlessDatabaseIsDown(() => Promise.reject(error), "down")).toBe("down");
    }
  });

  it("lets every other error through: redirects, constraint violations, bugs", async () => {
    const redirect = Object.assign(new Error("NEXT_REDIRECT"), { digest: "NEXT_REDIRECT;replace;/login/verify;307;" });
    const unique = new Error("Failed query", { cause: Object.assign(new Error("duplicate key"), { code: "23505", severity: "ERROR" }) });
    for (const error of [redirect, unique, new TypeError("x is undefined")]) {
      await expect(unlessDatabaseIsDown(() => Promise.reject(error), "down")).rejects.toBe(error);
    }
  });
});
