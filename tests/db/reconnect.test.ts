// The database recovers by itself when PostgreSQL cuts its connections, and hands rows and errors through unchanged.
import { count, sql } from "drizzle-orm";
import postgres from "postgres";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { closeDb, getDb } from "@/db/client";
import { auditEvents, users } from "@/db/schema";
import { rowsOf } from "@/db/sql";
import { recordEvent } from "@/lib/audit";
import { createTestUser, resetDatabase } from "../support/db";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("queries through the database", () => {
  beforeEach(() => resetDatabase());

  it("return their rows, and a unique violation still carries its PostgreSQL code", async () => {
    const db = await getDb();
    const user = await createTestUser({ username: "twin" });
    expect(await db.select({ id: users.id }).from(users)).toEqual([{ id: user.id }]);
    const duplicate = await createTestUser({ username: "twin" }).catch((error: unknown) => error);
    expect(duplicate).toMatchObject({ cause: { code: "23505" } });
  });

  it("commit a transaction's result, and roll back and rethrow the callback's own error", async () => {
    const db = await getDb();
    const mistake = new Error("the callback's own error");
    const failed = db.transaction(async (tx) => {
      await tx
        .insert(users)
        .values({ username: "ghost", email: "ghost@example.com", name: "Ghost", role: "agent", passwordHash: "not a hash" });
      throw mistake;
    });
    await expect(failed).rejects.toBe(mistake);
    expect(await db.select({ n: count() }).from(users)).toEqual([{ n: 0 }]);

    const kept = await db.transaction(async (tx) => {
      await tx
        .insert(users)
        .values({ username: "kept", email: "kept@example.com", name: "Kept", role: "agent", passwordHash: "not a hash" });
      // A savepoint inside it: its own error rolls back only what it wrote.
      await tx
        .transaction(async (inner) => {
          await inner
            .insert(users)
            .values({ username: "inner", email: "inner@example.com", name: "Inner", role: "agent", passwordHash: "not a hash" });
          throw mistake;
        })
        .catch(() => {});
      return "kept";
    });
    expect(kept).toBe("kept");
    expect(await db.select({ username: users.username }).from(users)).toEqual([{ username: "kept" }]);
  });
});

describe.runIf(Boolean(process.env.TEST_POSTGRES_URL ?? process.env.DATABASE_URL))("when PostgreSQL cuts the app's connections", () => {
  let admin: postgres.Sql;
  // Connected to this test file's own database, so current_database() is that one.
  beforeAll(() => {
    admin = postgres(process.env.DATABASE_URL!, { max: 1, onnotice: () => {} });
  });
  afterAll(() => admin.end());

  /** Ends every other session of this test's database, as an administrator or a failover does. */
  async function cutConnections(): Promise<number> {
    const cut =
      await admin`select pg_terminate_backend(pid) from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()`;
    return cut.length;
  }

  async function otherSessions(): Promise<number> {
    const [{ n }] = await admin<
      { n: number }[]
    >`select count(*)::int as n from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()`;
    return n;
  }

  async function cutAndWaitUntilGone(): Promise<void> {
    expect(await cutConnections()).toBeGreaterThan(0);
    for (let tries = 0; tries < 100 && (await otherSessions()) > 0; tries++) await sleep(20);
    // Time for the app's side to read the closed sockets.
    await sleep(100);
  }

  /**
   * More queries at once than the pool has connections (5), so a connection left unable to send
   * would get one; true when all are answered within `ms`.
   */
  async function allAnswered(ms: number): Promise<boolean> {
    const queries = Array.from({ length: 12 }, async () => (await getDb()).execute(sql`select pg_sleep(0.05)`));
    const answered = Promise.all(queries).then(() => true);
    const late = sleep(ms).then(() => false);
    const outcome = await Promise.race([answered, late]);
    await Promise.allSettled(queries);
    return outcome;
  }

  /** A transaction that stops after its first statement, until `resume()`; `swallow`: its callback catches the second statement's error. */
  function pausedTransaction(secondStatement: ReturnType<typeof sql>, { swallow = false } = {}) {
    let resume!: () => void;
    let started!: () => void;
    const resumed = new Promise<void>((resolve) => (resume = resolve));
    const running = new Promise<void>((resolve) => (started = resolve));
    const outcome = getDb().then((db) =>
      db
        .transaction(async (tx) => {
          await tx.execute(sql`select 1`);
          started();
          await resumed;
          if (swallow) await tx.execute(secondStatement).catch(() => {});
          else await tx.execute(secondStatement);
        })
        .then(
          () => null,
          (error: unknown) => error,
        ),
    );
    return { running, resume, outcome };
  }

  it("fails a transaction cut between two statements, then answers every query at once", async () => {
    const transaction = pausedTransaction(sql`select 2`);
    await transaction.running;
    await cutAndWaitUntilGone();
    transaction.resume();
    expect(await transaction.outcome).toBeInstanceOf(Error);
    expect(await allAnswered(2_000)).toBe(true);
  });

  it("fails a transaction whose callback caught the lost connection itself, rather than report a commit", async () => {
    const transaction = pausedTransaction(sql`select 2`, { swallow: true });
    await transaction.running;
    await cutAndWaitUntilGone();
    transaction.resume();
    expect(await transaction.outcome).toBeInstanceOf(Error);
    expect(await allAnswered(2_000)).toBe(true);
  });

  it("fails a transaction cut during a statement, then answers every query at once", async () => {
    const transaction = pausedTransaction(sql`select pg_sleep(5)`);
    await transaction.running;
    transaction.resume();
    await sleep(200);
    await cutConnections();
    expect(await transaction.outcome).toBeInstanceOf(Error);
    expect(await allAnswered(2_000)).toBe(true);
  });

  it("reads dates and JSON as before on the client that replaced a failed one", async () => {
    const db = await getDb();
    await resetDatabase();
    const raw = sql`select '2026-03-01T12:34:56.789Z'::timestamptz as at, '{"n": 1}'::jsonb as doc`;
    const [before] = rowsOf(await db.execute(raw));
    const transaction = pausedTransaction(sql`select 2`);
    await transaction.running;
    await cutAndWaitUntilGone();
    transaction.resume();
    expect(await transaction.outcome).toBeInstanceOf(Error);

    expect(rowsOf(await db.execute(raw))).toEqual([before]);
    const at = new Date("2026-03-01T12:34:56.789Z");
    const user = await createTestUser();
    await recordEvent(db, { type: "sign_in.succeeded", subjectId: user.id, details: { sessionId: "s-1", nested: { n: 1 } } });
    await db.update(users).set({ createdAt: at });
    expect(await db.select({ createdAt: users.createdAt }).from(users)).toEqual([{ createdAt: at }]);
    expect(await db.select({ details: auditEvents.details }).from(auditEvents)).toEqual([
      { details: { sessionId: "s-1", nested: { n: 1 } } },
    ]);
  });

  it("answers again within a few tries after its connections are cut three times under load", async () => {
    let running = true;
    let failures = 0;
    const worker = async (index: number) => {
      while (running) {
        try {
          const db = await getDb();
          if (index % 2 === 0) await db.execute(sql`select pg_sleep(0.002)`);
          else
            await db.transaction(async (tx) => {
              await tx.execute(sql`select 1`);
              await tx.execute(sql`select pg_sleep(0.002)`);
            });
        } catch {
          failures++;
        }
      }
    };
    const workers = Array.from({ length: 16 }, (_, index) => worker(index));
    for (let round = 0; round < 3; round++) {
      await sleep(300);
      await cutConnections();
    }
    await sleep(300);
    running = false;
    await Promise.all(workers);
    expect(failures).toBeGreaterThan(0);

    const began = performance.now();
    let tries = 1;
    while (!(await allAnswered(3_000)) && tries < 4) tries++;
    expect(tries).toBeLessThanOrEqual(3);
    expect(performance.now() - began).toBeLessThan(10_000);
  });

  it("closes the clients that replaced a failed one when the database is closed", async () => {
    const transaction = pausedTransaction(sql`select 2`);
    await transaction.running;
    await cutAndWaitUntilGone();
    transaction.resume();
    await transaction.outcome;
    expect(await allAnswered(2_000)).toBe(true);

    await closeDb();
    // PostgreSQL drops a backend from pg_stat_activity a moment after its socket closes.
    for (let tries = 0; tries < 100 && (await otherSessions()) > 0; tries++) await sleep(20);
    expect(await otherSessions()).toBe(0);
    const rows = rowsOf<{ one: number }>(await (await getDb()).execute(sql`select 1 as one`));
    expect(rows).toEqual([{ one: 1 }]);
  });

  it("replaces its client when postgres.js throws from a write on a lost connection, and for no other uncaught error", async () => {
    const db = await getDb();
    const answers = await Promise.all(Array.from({ length: 12 }, () => db.execute(sql`select pg_backend_pid() as pid, pg_sleep(0.05)`)));
    const pool = [...new Set(answers.map((answer) => rowsOf<{ pid: number }>(answer)[0].pid))];
    const alive = async () => {
      const [{ n }] = await admin<{ n: number }[]>`select count(*)::int as n from pg_stat_activity where pid in ${admin(pool)}`;
      return n;
    };
    const message = "Cannot read properties of null (reading 'write')";

    process.emit("uncaughtExceptionMonitor", new TypeError(message));
    await sleep(300);
    expect(await alive()).toBe(pool.length);

    const lostWrite = new TypeError(message);
    lostWrite.stack = `TypeError: ${message}\n    at Immediate.nextWrite (file:///app/node_modules/postgres/src/connection.js:255:22)`;
    process.emit("uncaughtExceptionMonitor", lostWrite);
    for (let tries = 0; tries < 100 && (await alive()) > 0; tries++) await sleep(20);
    expect(await alive()).toBe(0);
    expect(await allAnswered(2_000)).toBe(true);
  });
});
