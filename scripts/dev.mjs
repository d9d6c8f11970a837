// `npm run dev`: generate development secrets into .data/ on first run, then start `next dev`.
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";

const require = createRequire(import.meta.url);
const { loadEnvConfig } = require("@next/env");
loadEnvConfig(process.cwd(), true);

const dataDir = path.join(process.cwd(), ".data");
const secretsFile = path.join(dataDir, "secrets.json");
if (!existsSync(secretsFile)) {
  mkdirSync(dataDir, { recursive: true });
  const secrets = {
    AUTH_SECRET: randomBytes(32).toString("base64url"),
    ENCRYPTION_KEY: randomBytes(32).toString("hex"),
  };
  writeFileSync(secretsFile, JSON.stringify(secrets, null, 2), { mode: 0o600 });
  console.log("[tessera] Generated development secrets in .data/secrets.json");
}
const secrets = JSON.parse(readFileSync(secretsFile, "utf8"));
const env = { ...process.env, NEXT_TELEMETRY_DISABLED: "1" };
for (const name of ["AUTH_SECRET", "ENCRYPTION_KEY"]) env[name] ||= secrets[name];

const next = require.resolve("next/dist/bin/next");
const child = spawn(process.execPath, [next, "dev", ...process.argv.slice(2)], { stdio: "inherit", env });
for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => child.kill(signal));
child.on("exit", (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
