import os from "node:os";
import path from "node:path";
import react from "@vitejs/plugin-react";
import { defineConfig } from "vitest/config";

const alias = {
  "@": path.resolve(import.meta.dirname),
  // Next.js resolves "server-only" to nothing on the server; tests run on the server side too.
  "server-only": path.resolve(import.meta.dirname, "tests/support/empty.ts"),
};

// Each database test file has a database of its own, so files can run side by side. Vitest's default
// (one worker fewer than the CPUs) leaves one of a 2-core CI machine's cores idle while a file waits on
// PostgreSQL or hashes a password; two files at a time at least keep both busy.
const databaseWorkers = Math.max(2, os.availableParallelism());

export default defineConfig({
  plugins: [react()],
  resolve: { alias },
  test: {
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
