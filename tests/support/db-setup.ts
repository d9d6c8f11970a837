// Every database test file gets a database of its own: an in-memory PGlite, or, when DATABASE_URL
// is set, a throwaway database on that PostgreSQL server, dropped afterwards.
import "./test-env";
import { randomBytes } from "node:crypto";
import postgres from "postgres";
import { afterAll, afterEach, beforeAll } from "vitest";
import { closeDb, getDb } from "@/db/client";
import { resetClock } from "@/lib/clock";

const serverUrl = process.env.TEST_POSTGRES_URL ?? process.env.DATABASE_URL;
let dropDatabase: (() => Promise<void>) | null = null;

beforeAll(async () => {
  if (serverUrl) {
    process.env.TEST_POSTGRES_URL = serverUrl;
    const name = `tessera_t_${randomBytes(6).toString("hex")}`;
    const admin = postgres(serverUrl, { max: 1, onnotice: () => {} });
    await admin.unsafe(`create database ${name}`);
    await admin.end();
    const url = new URL(serverUrl);
    url.pathname = `/${name}`;
    process.env.DATABASE_URL = url.toString();
    dropDatabase = async () => {
      const again = postgres(serverUrl, { max: 1, onnotice: () => {} });
      await again.unsafe(`drop database if exists ${name} with (force)`);
      await again.end();
    };
  } else {
    process.env.PGLITE_DIR = "memory://";
  }
  await getDb();
});

afterEach(() => resetClock());

afterAll(async () => {
  await closeDb();
  await dropDatabase?.();
});
