// The database: postgres.js when DATABASE_URL is set (a client that replaces itself when a connection fails),
// embedded PGlite otherwise; migrated on first use.
import { mkdirSync } from "node:fs";
import path from "node:path";
import type { PgDatabase, PgQueryResultHKT } from "drizzle-orm/pg-core";
import type postgres from "postgres";
import * as schema from "./schema";

export type Database = PgDatabase<PgQueryResultHKT, typeof schema>;
export type Transaction = Parameters<Parameters<Database["transaction"]>[0]>[0];
/** What a query can run on: the database or an open transaction. */
export type Queryable = Database | Transaction;

type Handle = { db: Database; close: () => Promise<void>; driver: "postgres" | "pglite" };

// One handle per process, shared by every bundle that imports this module (Next.js may load it twice).
const KEY = Symbol.for("tessera.db");
type Holder = { [KEY]?: Promise<Handle> };
const holder = globalThis as Holder;

export function migrationsFolder(): string {
  return path.join(process.cwd(), "db", "migrations");
}

// Taken while migrating, so that several cold-starting servers do not migrate at once.
const MIGRATION_LOCK = 728_131;

type Sql = postgres.Sql;
type TransactionSql = postgres.TransactionSql;

// postgres.js codes for a connection that failed or went away, the socket errors beneath them, and
// PostgreSQL's codes for a session ended by an administrator, a crash or a server still starting.
const CONNECTION_FAILURES = new Set([
  "CONNECTION_CLOSED",
  "CONNECTION_ENDED",
  "CONNECTION_DESTROYED",
  "CONNECT_TIMEOUT",
  "ECONNREFUSED",
  "ECONNRESET",
  "EPIPE",
  "ETIMEDOUT",
  "57P01",
  "57P02",
  "57P03",
]);
// Seconds a replaced client has to finish the queries it is running before its connections are cut.
const RETIRE_GRACE_S = 5;
// Should postgres.js not settle a transaction whose connection was lost, its callback's outcome is handed
// over after this long, when the replaced client has been ended and refuses the write (see inScope).
const HOLD_MS = (RETIRE_GRACE_S + 1) * 1000;
// A lost write this soon after a replacement is taken for the replaced client's, which runs on for its
// grace period (see lostWrite); the new client's own failures still reach `watched` as query errors.
const LOST_WRITE_WINDOW_MS = (RETIRE_GRACE_S + 1) * 1000;

// Every statement the driver sends, BEGIN, COMMIT and ROLLBACK included, counted where it leaves for the
// database: the cost that does not depend on the machine, which the statement-budget tests hold.
let statementsSent = 0;

/** How many statements this process has sent to the database so far. */
export function statementCount(): number {
  return statementsSent;
}

/**
 * The code of the connection failure (`ECONNREFUSED`, `CONNECTION_CLOSED`, `57P01`…) that `error`
 * reports, or wraps (drizzle keeps the driver's at `cause`); null for any other error.
 */
export function connectionFailure(error: unknown): string | null {
  let current = error;
  for (let depth = 0; depth < 4 && typeof current === "object" && current !== null; depth++) {
    const { code, severity, cause } = current as { code?: unknown; severity?: unknown; cause?: unknown };
    if (typeof code === "string" && CONNECTION_FAILURES.has(code)) return code;
    // PostgreSQL ends the session after every FATAL error (refused connection, shutdown, termination).
    if (severity === "FATAL" || severity === "PANIC") return typeof code === "string" ? code : String(severity);
    current = cause;
  }
  return null;
}

// Attached with Promise.prototype.then rather than the query's own then(), which would start a
// postgres.js query before drizzle has called values() on it.
function observe(pending: PromiseLike<unknown>, onFulfilled: (() => void) | undefined, onRejected: (error: unknown) => void): void {
  void Promise.prototype.then.call(pending, onFulfilled, onRejected);
}

/** A transaction and its savepoints: the error that lost their connection, once one has, and when postgres.js settled the transaction. */
type Scope = { lostWith: unknown; settled: Promise<void> };
type ScopeBody<T> = (tx: TransactionSql) => Promise<T>;
// begin() and savepoint() take the callback last, after an optional mode or name.
type ScopeArgs<T> = [ScopeBody<T>] | [string, ScopeBody<T>];
const splitScopeArgs = <T>(args: ScopeArgs<T>): [string | undefined, ScopeBody<T>] => (args.length === 2 ? args : [undefined, args[0]]);

/**
 * Runs `fn` in a transaction or savepoint that stops writing once its connection is lost. On a closed
 * connection postgres.js 3.4.9 still writes the next statement, or the `rollback` it sends after a
 * failed callback; that write throws an uncaught TypeError from a timer and leaves the connection
 * unable to send again (porsager/postgres#1066, #1154, #1208). postgres.js rejects the transaction by
 * itself when its connection closes, so the callback's outcome is then never handed back to it.
 */
function inScope<T>(scope: Scope, start: (body: ScopeBody<T>) => Promise<T>, fn: ScopeBody<T>): Promise<T> {
  const heldBack = (error: unknown) =>
    new Promise<T>((_, reject) => {
      const backstop = setTimeout(reject, HOLD_MS, error).unref();
      void scope.settled.then(() => clearTimeout(backstop));
    });
  return start(async (tx) => {
    let result: T;
    try {
      result = await fn(guarded(tx, scope));
    } catch (error) {
      if (scope.lostWith === undefined) throw error;
      return heldBack(error);
    }
    // A callback that caught the failure itself would have postgres.js write `commit` instead.
    return scope.lostWith === undefined ? result : heldBack(scope.lostWith);
  });
}

function guarded(tx: TransactionSql, scope: Scope): TransactionSql {
  return new Proxy(tx, {
    get(target, key) {
      if (key === "unsafe") {
        return (...args: Parameters<TransactionSql["unsafe"]>) => {
          // The driver's own error, rethrown as it came.
          // eslint-disable-next-line @typescript-eslint/only-throw-error
          if (scope.lostWith !== undefined) throw scope.lostWith;
          statementsSent++;
          const query = target.unsafe(...args);
          observe(query, undefined, (error) => {
            if (connectionFailure(error)) scope.lostWith ??= error;
          });
          return query;
        };
      }
      if (key === "savepoint") {
        return <T>(...args: ScopeArgs<T>) => {
          const [name, fn] = splitScopeArgs(args);
          // SAVEPOINT, and ROLLBACK TO when the callback fails (postgres.js releases nothing on success).
          statementsSent++;
          const done = inScope(
            scope,
            (body) => (name === undefined ? target.savepoint(body) : target.savepoint(name, body)) as Promise<T>,
            fn,
          );
          observe(done, undefined, () => statementsSent++);
          return done;
        };
      }
      return Reflect.get(target, key) as unknown;
    },
  });
}

/**
 * A postgres.js client that replaces itself when a connection fails: a connection that postgres.js
 * 3.4.9 left unable to send would otherwise time out on every reconnect, for good, and a client that
 * saw many failures backs its reconnects off by up to 20 s. The client handed to drizzle stays the
 * same object; only what it forwards `unsafe` and `begin` (drizzle's two entry points) to changes.
 */
function selfHealingClient(connect: () => Sql): { client: Sql; close: () => Promise<void> } {
  const first = connect();
  let current = first;
  let replacedAt = -Infinity;
  let closed = false;
  const retiring = new Set<Promise<void>>();

  const replace = (failed: Sql, reason: string) => {
    if (closed || failed !== current) return;
    replacedAt = performance.now();
    console.error(`[tessera] database connection failed (${reason}); opening a new postgres.js client`);
    current = connect();
    // drizzle set the first client's parsers and serializers (dates and JSON as text); keep them.
    Object.assign(current.options.parsers, first.options.parsers);
    Object.assign(current.options.serializers, first.options.serializers);
    const ending: Promise<void> = failed
      .end({ timeout: RETIRE_GRACE_S })
      .catch(() => {})
      .finally(() => retiring.delete(ending));
    retiring.add(ending);
  };
  const watched = <P extends PromiseLike<unknown>>(sql: Sql, pending: P): P => {
    observe(pending, undefined, (error) => {
      const reason = connectionFailure(error);
      if (reason) replace(sql, reason);
    });
    return pending;
  };
  // A write that still reaches a closed connection (a statement a transaction sent in the same turn as
  // the close) throws from postgres.js's timer, where no caller sees it. The monitor hook observes
  // without handling: the process does what it would have done (next start logs the error and carries
  // on). Within the replaced client's grace period, the write is taken for the old client's.
  const lostWrite = (error: unknown) => {
    const { name, stack } = (error ?? {}) as { name?: unknown; stack?: unknown };
    const fromPostgresJs = name === "TypeError" && typeof stack === "string" && /\bnextWrite \(.*[\\/]postgres[\\/]/.test(stack);
    if (fromPostgresJs && performance.now() - replacedAt > LOST_WRITE_WINDOW_MS) replace(current, "write on a closed connection");
  };
  process.on("uncaughtExceptionMonitor", lostWrite);

  const client = new Proxy(first, {
    get(_, key) {
      const sql = current;
      if (key === "unsafe") {
        return (...args: Parameters<Sql["unsafe"]>) => {
          statementsSent++;
          return watched(sql, sql.unsafe(...args));
        };
      }
      if (key === "begin") {
        return <T>(...args: ScopeArgs<T>) => {
          const [options, fn] = splitScopeArgs(args);
          // BEGIN, then COMMIT or ROLLBACK.
          statementsSent += 2;
          let settle!: () => void;
          const scope: Scope = { lostWith: undefined, settled: new Promise((resolve) => (settle = resolve)) };
          const done = inScope(scope, (body) => (options === undefined ? sql.begin(body) : sql.begin(options, body)) as Promise<T>, fn);
          observe(done, settle, (error) => {
            if (connectionFailure(error)) scope.lostWith ??= error;
            settle();
          });
          return watched(sql, done);
        };
      }
      return Reflect.get(sql, key) as unknown;
    },
    apply: (_, self, args) => {
      statementsSent++;
      return Reflect.apply(current, self, args) as unknown;
    },
  });

  const close = async () => {
    closed = true;
    process.off("uncaughtExceptionMonitor", lostWrite);
    await Promise.all([current.end({ timeout: RETIRE_GRACE_S }), ...retiring]);
  };
  return { client, close };
}

async function openPostgres(url: string): Promise<Handle> {
  const { default: postgres } = await import("postgres");
  const { drizzle } = await import("drizzle-orm/postgres-js");
  const { migrate } = await import("drizzle-orm/postgres-js/migrator");

  const migrator = postgres(url, { max: 1, prepare: false, onnotice: () => {} });
  try {
    await migrator`select pg_advisory_lock(${MIGRATION_LOCK})`;
    await migrate(drizzle(migrator), { migrationsFolder: migrationsFolder() });
    await migrator`select pg_advisory_unlock(${MIGRATION_LOCK})`;
  } finally {
    await migrator.end();
  }

  const { client, close } = selfHealingClient(() =>
    postgres(url, {
      max: Number(process.env.DATABASE_POOL_MAX ?? 5),
      // prepare: false keeps it working behind transaction-mode poolers (PgBouncer, Supavisor, Neon).
      prepare: false,
      // A query waiting on a connection that cannot connect fails after 10 s rather than 30 s.
      connect_timeout: 10,
      // Also closes a connection postgres.js reopens in a replaced client after end(): it reconnects
      // one whose retry was already scheduled, and nothing would use or close it.
      idle_timeout: 30,
      // Timestamps that raw statements return as text are read as ISO (db/sql.ts: asDate), whatever the server's default.
      connection: { DateStyle: "ISO, MDY" },
      onnotice: () => {},
    }),
  );
  const db = drizzle(client, { schema }) as unknown as Database;
  return { db, driver: "postgres", close };
}

async function openPglite(dir: string): Promise<Handle> {
  const { PGlite } = await import("@electric-sql/pglite");
  const { drizzle } = await import("drizzle-orm/pglite");
  const { migrate } = await import("drizzle-orm/pglite/migrator");
  if (!dir.startsWith("memory://")) mkdirSync(dir, { recursive: true });
  const client = await PGlite.create(dir);
  // PGlite hands each protocol message to execProtocolStream on its own: a simple query ('Q') or the
  // execution of a portal ('E') is one statement.
  const send = client.execProtocolStream.bind(client);
  client.execProtocolStream = (message, options) => {
    if (message[0] === 0x51 || message[0] === 0x45) statementsSent++;
    return send(message, options);
  };
  const db = drizzle(client, { schema });
  await migrate(db, { migrationsFolder: migrationsFolder() });
  return { db: db as unknown as Database, driver: "pglite", close: () => client.close() };
}

export function pgliteDir(): string {
  return process.env.PGLITE_DIR || path.join(process.cwd(), ".data", "pglite");
}

async function open(): Promise<Handle> {
  const url = process.env.DATABASE_URL;
  const handle = url ? await openPostgres(url) : await openPglite(pgliteDir());
  try {
    const { ensureFirstAdmin } = await import("./bootstrap");
    await ensureFirstAdmin(handle.db);
  } catch (error) {
    // The next call opens a new handle: this one must not stay behind with its connections and listener.
    await handle.close().catch(() => {});
    throw error;
  }
  return handle;
}

function handle(): Promise<Handle> {
  if (!holder[KEY]) {
    holder[KEY] = open().catch((error: unknown) => {
      delete holder[KEY];
      throw error;
    });
  }
  return holder[KEY];
}

/** The migrated database, ready for queries. */
export async function getDb(): Promise<Database> {
  return (await handle()).db;
}

export async function databaseDriver(): Promise<Handle["driver"]> {
  return (await handle()).driver;
}

export async function closeDb(): Promise<void> {
  const pending = holder[KEY];
  delete holder[KEY];
  if (pending) await (await pending).close();
}
