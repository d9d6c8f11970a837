// The database: postgres.js when DATABASE_URL is set, embedded PGlite otherwise; migrated on first use.
import { mkdirSync } from "node:fs";
import path from "node:path";
import type { PgDatabase, PgQueryResultHKT } from "drizzle-orm/pg-core";
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

  // prepare: false keeps it working behind transaction-mode poolers (PgBouncer, Supavisor, Neon).
  const client = postgres(url, {
    max: Number(process.env.DATABASE_POOL_MAX ?? 5),
    prepare: false,
    onnotice: () => {},
  });
  const db = drizzle(client, { schema }) as unknown as Database;
  return { db, driver: "postgres", close: () => client.end({ timeout: 5 }) };
}

async function openPglite(dir: string): Promise<Handle> {
  const { PGlite } = await import("@electric-sql/pglite");
  const { drizzle } = await import("drizzle-orm/pglite");
  const { migrate } = await import("drizzle-orm/pglite/migrator");
  if (!dir.startsWith("memory://")) mkdirSync(dir, { recursive: true });
  const client = await PGlite.create(dir);
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
  const { ensureFirstAdmin } = await import("./bootstrap");
  await ensureFirstAdmin(handle.db);
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
