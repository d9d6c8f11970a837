// The console while the database cannot be reached (issue 13, item 11): the layout and every page answer
// with a redirect to the 503 page (/unavailable, which middleware.ts serves with HTTP 503), whose "Try
// again" leads back to the page asked for; a form that ends in a redirect (Sign out) does the same; a
// change through the action kernel answers in its form. The failure is logged by its code only, every
// other error still propagates, and the pages work again as soon as the database is back.
import postgres from "postgres";
import { renderToStaticMarkup } from "react-dom/server";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi, type MockInstance } from "vitest";
import type * as DbClient from "@/db/client";
import { getDb } from "@/db/client";
import type { User } from "@/db/schema";
import { signOutAction } from "@/app/(console)/actions";
import ConsoleLayout from "@/app/(console)/layout";
import HomePage from "@/app/(console)/page";
import SecurityPage from "@/app/(console)/profile/security/page";
import AgentsPage from "@/app/(console)/settings/people/agents/page";
import PolicyPage from "@/app/(console)/settings/security/2fa-policy/page";
import AuditLogPage from "@/app/(console)/settings/security/audit-log/page";
import { CONSOLE_UNAVAILABLE, action } from "@/lib/action";
import { PAGE_PATH_HEADER } from "@/lib/unavailable-page";
import { createTestUser, createUserSession, resetDatabase } from "../support/db";
import { jar } from "../support/next-headers";
import { holdSessionCookie } from "../support/session-cookie";

// What middleware.ts tells the page about its own address, set per test.
const sent = vi.hoisted((): Record<string, string> => ({}));
vi.mock("next/headers", async () => (await import("../support/session-cookie")).nextHeadersWithJar(sent));
vi.mock("next/cache", () => ({ revalidatePath: () => {} }));
// getDb as it is, unless a test makes it fail as it does on a server started while PostgreSQL is down.
vi.mock("@/db/client", async (importOriginal) => {
  const real = await importOriginal<typeof DbClient>();
  return { ...real, getDb: vi.fn(real.getDb) };
});
// next.config.ts turns on authInterrupts; the build passes it to forbidden() through this variable.
vi.hoisted(() => {
  process.env.__NEXT_EXPERIMENTAL_AUTH_INTERRUPTS = "true";
});

const context = { ip: "203.0.113.7", userAgent: "vitest" };
const realGetDb = (await vi.importActual<typeof DbClient>("@/db/client")).getDb;

/** What postgres.js rejects with when PostgreSQL refuses the connection. */
const refused = () => Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:5432"), { code: "ECONNREFUSED" });
/** A failed query as drizzle wraps it: its message carries the statement and its parameters. */
const failedQuery = (cause: Error) =>
  new Error("Failed query: select ... from users where email = $1\nparams: maria@example.com", { cause });

/** The console's pages, each with the address middleware.ts would pass on for it. */
const PAGES: [string, () => Promise<unknown>][] = [
  ["/", () => HomePage()],
  ["/profile/security", () => SecurityPage()],
  ["/settings/people/agents?status=off", () => AgentsPage({ searchParams: Promise.resolve({ status: "off" }) })],
  ["/settings/security/2fa-policy", () => PolicyPage()],
  ["/settings/security/audit-log?type=sign_in.failed", () => AuditLogPage({ searchParams: Promise.resolve({ type: "sign_in.failed" }) })],
];

/** The redirect Next.js answers for the 503 page that leads back to `page`. */
function toUnavailable(page: string): unknown {
  const target = `/unavailable?from=${encodeURIComponent(page)}`;
  const literal = target.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  return expect.objectContaining({ digest: expect.stringMatching(`^NEXT_REDIRECT;[^;]*;${literal};307;`) });
}

const change = action({ access: "signed_in" }, async () => ({ ok: true }) as const);

let logged: MockInstance<typeof console.error>;
let admin: User;

beforeEach(async () => {
  await resetDatabase();
  jar.clear();
  vi.mocked(getDb).mockImplementation(realGetDb);
  admin = await createTestUser({ role: "admin" });
  await holdSessionCookie(admin, await createUserSession(admin.id, context));
  logged = vi.spyOn(console, "error").mockImplementation(() => {});
});
afterEach(() => {
  vi.mocked(getDb).mockImplementation(realGetDb);
  logged.mockRestore();
  delete sent[PAGE_PATH_HEADER];
});

/** Every console.error line of the test, which must name the failure's code and never the query. */
function logLines(): string[] {
  return logged.mock.calls.map((call) => call.map(String).join(" "));
}

function at(page: string): void {
  sent[PAGE_PATH_HEADER] = page;
}

describe("the console while the database cannot be reached", () => {
  it("the layout and every page answer with the 503 page, which leads back to the page asked for", async () => {
    vi.mocked(getDb).mockRejectedValue(failedQuery(refused()));
    for (const [page, render] of PAGES) {
      at(page);
      await expect(ConsoleLayout({ children: null })).rejects.toEqual(toUnavailable(page));
      await expect(render()).rejects.toEqual(toUnavailable(page));
    }
    // Logged by its code only: drizzle's message would carry the query and its parameters.
    expect(logLines().length).toBeGreaterThanOrEqual(PAGES.length * 2);
    for (const line of logLines()) expect(line).toBe("[tessera] the database could not be reached (ECONNREFUSED)");
  });

  it("a page whose own read fails after the viewer's answers with the 503 page too", async () => {
    at("/profile/security");
    // The viewer's statement goes through; the page's own (backup codes, browsers, passkeys) does not.
    vi.mocked(getDb).mockImplementationOnce(realGetDb).mockRejectedValueOnce(failedQuery(refused()));
    await expect(SecurityPage()).rejects.toEqual(toUnavailable("/profile/security"));
  });

  it("without the page's address (no middleware), the 503 page leads to the console's home", async () => {
    vi.mocked(getDb).mockRejectedValue(refused());
    await expect(HomePage()).rejects.toEqual(toUnavailable("/"));
    // And never off the site, whatever a client managed to send.
    at("//evil.example/");
    await expect(HomePage()).rejects.toEqual(toUnavailable("/"));
  });

  it("Sign out answers with the 503 page; a change through the action kernel answers in its form", async () => {
    at("/profile/security");
    vi.mocked(getDb).mockRejectedValue(refused());
    await expect(signOutAction(new FormData())).rejects.toEqual(toUnavailable("/profile/security"));
    expect(await change(null, new FormData())).toEqual({ ok: false, error: CONSOLE_UNAVAILABLE });
  });

  it("lets every other error through, unchanged: a bug, a constraint violation", async () => {
    at("/");
    const unique = new Error("Failed query", { cause: Object.assign(new Error("duplicate key"), { code: "23505", severity: "ERROR" }) });
    for (const error of [new TypeError("x is undefined"), unique]) {
      vi.mocked(getDb).mockRejectedValue(error);
      await expect(ConsoleLayout({ children: null })).rejects.toBe(error);
      await expect(HomePage()).rejects.toBe(error);
      await expect(signOutAction(new FormData())).rejects.toBe(error);
    }
    expect(logLines()).toEqual([]);
  });

  it("shows the page again as soon as the database is back", async () => {
    at("/");
    vi.mocked(getDb).mockRejectedValue(refused());
    await expect(HomePage()).rejects.toEqual(toUnavailable("/"));
    vi.mocked(getDb).mockImplementation(realGetDb);
    expect(renderToStaticMarkup(await HomePage())).toContain("Admin console");
  });
});

describe.runIf(Boolean(process.env.TEST_POSTGRES_URL ?? process.env.DATABASE_URL))(
  "the console while PostgreSQL refuses connections",
  () => {
    let server: postgres.Sql;
    let database: string;
    // On the server's maintenance database: PostgreSQL will not close a database to the session doing it.
    beforeAll(() => {
      const url = new URL(process.env.DATABASE_URL!);
      database = decodeURIComponent(url.pathname.slice(1));
      url.pathname = "/postgres";
      server = postgres(url.toString(), { max: 1, onnotice: () => {} });
    });
    afterAll(async () => {
      await server.unsafe(`alter database "${database}" allow_connections true`);
      await server.end();
    });

    /** The database stops taking connections and ends its sessions, as a restart or failover does. */
    async function takeDown(): Promise<void> {
      await server.unsafe(`alter database "${database}" allow_connections false`);
      await server`select pg_terminate_backend(pid) from pg_stat_activity where datname = ${database}`;
    }
    const bringBack = () => server.unsafe(`alter database "${database}" allow_connections true`);
    afterEach(() => bringBack());

    it("every page answers with the 503 page, logs the failure's code only, and works once it is back", async () => {
      await getDb();
      await takeDown();
      for (const [page, render] of PAGES) {
        at(page);
        await expect(ConsoleLayout({ children: null })).rejects.toEqual(toUnavailable(page));
        await expect(render()).rejects.toEqual(toUnavailable(page));
      }
      at("/profile/security");
      await expect(signOutAction(new FormData())).rejects.toEqual(toUnavailable("/profile/security"));
      expect(await change(null, new FormData())).toEqual({ ok: false, error: CONSOLE_UNAVAILABLE });
      const reports = logLines().filter((line) => line.includes("the database could not be reached"));
      expect(reports.length).toBeGreaterThanOrEqual(PAGES.length * 2);
      for (const line of reports) expect(line).toMatch(/^\[tessera\] the database could not be reached \([0-9A-Z_]+\)$/);
      for (const line of logLines()) expect(line).not.toMatch(/select|params|@example\.com/i);
      await bringBack();

      at("/");
      expect(renderToStaticMarkup(await HomePage())).toContain("Admin console");
    });
  },
);
