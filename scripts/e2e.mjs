// `npm run test:e2e`: build, give the browser suite a database of its own, run Playwright.
// Never skips silently: without a browser it stops and says how to get one.
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";

const require = createRequire(import.meta.url);
const run = (command, args, env = process.env) => spawnSync(command, args, { stdio: "inherit", env });

function findBrowser() {
  for (const candidate of ["/usr/bin/chromium", "/usr/bin/chromium-browser"]) if (existsSync(candidate)) return candidate;
  try {
    const { chromium } = require("playwright-core");
    if (existsSync(chromium.executablePath())) return chromium.executablePath();
  } catch {}
  return null;
}

const browser = findBrowser();
if (!browser) {
  console.error(
    [
      "",
      "The browser suite needs Chromium and none was found.",
      "  Debian/Ubuntu:  sudo apt-get install -y chromium",
      "  elsewhere:      npx playwright install chromium",
      "",
    ].join("\n"),
  );
  process.exit(1);
}

const env = { ...process.env, NEXT_TELEMETRY_DISABLED: "1" };
if (!process.env.E2E_SKIP_BUILD) {
  // The build reads no database or secret; it is the same artifact `npm start` serves.
  const build = run(process.execPath, [require.resolve("next/dist/bin/next"), "build"], { ...env, NODE_ENV: "production" });
  if (build.status !== 0) process.exit(build.status ?? 1);
}

// What the suite keeps for one run (the e2e admin's authenticator secret, the steps it answered):
// fresh each run, as the database is.
const stateDir = mkdtempSync(path.join(os.tmpdir(), "tessera-e2e-state-"));
env.E2E_STATE_DIR = stateDir;

let cleanup = () => {};
if (process.env.DATABASE_URL) {
  const { default: postgres } = await import("postgres");
  const name = `tessera_e2e_${randomBytes(5).toString("hex")}`;
  const admin = postgres(process.env.DATABASE_URL, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${name}`);
  await admin.end();
  const url = new URL(process.env.DATABASE_URL);
  url.pathname = `/${name}`;
  env.E2E_DATABASE_URL = url.toString();
  cleanup = async () => {
    const again = postgres(process.env.DATABASE_URL, { max: 1, onnotice: () => {} });
    await again.unsafe(`drop database if exists ${name} with (force)`);
    await again.end();
  };
} else {
  const dir = mkdtempSync(path.join(os.tmpdir(), "tessera-e2e-"));
  env.E2E_PGLITE_DIR = path.join(dir, "pglite");
  cleanup = async () => rmSync(dir, { recursive: true, force: true });
}

const result = run(process.execPath, [require.resolve("@playwright/test/cli"), "test", ...process.argv.slice(2)], env);
await cleanup();
rmSync(stateDir, { recursive: true, force: true });
process.exit(result.status ?? 1);
