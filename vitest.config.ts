import os from "node:os";
import path from "node:path";
import react from "@vitejs/plugin-react";
import { defineConfig } from "vitest/config";

const alias = {
  "@": path.resolve(import.meta.dirname),
  // Next.js resolves "server-only" to nothing on the server; tests run on the server side too.
  "server-only": path.resolve(import.meta.dirname, "tests/support/empty.ts"),
};

function isPostgresJsTypeCatalogueCut(error: unknown): boolean {
  const query = (error as { query?: unknown }).query;
  return typeof query === "string" && query.includes("from pg_catalog.pg_type a") && query.includes("typcategory = 'A'");
}

// Each database test file has a database of its own, so files can run side by side. Vitest's default
// (one worker fewer than the CPUs) leaves one of a 2-core CI machine's cores idle while a file waits on
// PostgreSQL or hashes a password; two files at a time at least keep both busy.
const databaseWorkers = Math.max(2, os.availableParallelism());

export default defineConfig({
  plugins: [react()],
  resolve: { alias },
  test: {
    // One known driver fault, and only it: when tests/db/reconnect cuts every connection while
    // postgres.js is opening one, the catalogue query it sends by itself on a new connection (its
    // array types) rejects where nothing can catch it. The app's own statements are not involved and
    // the test checks that the app answers again; any other unhandled error still fails the run.
    onUnhandledError: (error) => !isPostgresJsTypeCatalogueCut(error),
    // next-auth imports "next/server" without an extension, which Node's ESM resolver refuses; vite resolves it.
    server: { deps: { inline: ["next-auth"] } },
    projects: [
      {
        extends: true,
        test: {
          name: "unit",
          include: ["tests/unit/**/*.test.{ts,tsx}"],
          environment: "node",
          setupFiles: ["tests/support/unit-setup.ts"],
        },
      },
      {
        extends: true,
        test: {
          name: "db",
          include: ["tests/db/**/*.test.ts"],
          environment: "node",
          setupFiles: ["tests/support/db-setup.ts"],
          maxWorkers: databaseWorkers,
          testTimeout: 30_000,
          hookTimeout: 60_000,
        },
      },
      {
        extends: true,
        test: {
          name: "security",
          include: ["tests/security/**/*.test.ts"],
          environment: "node",
          setupFiles: ["tests/support/db-setup.ts"],
          maxWorkers: databaseWorkers,
          testTimeout: 120_000,
          hookTimeout: 60_000,
        },
      },
    ],
  },
});
