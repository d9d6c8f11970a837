// Runs `next start` for a benchmark: a throwaway PostgreSQL database, fixed secrets, a copy of the
// build (so a rebuild in the work tree during the run changes nothing), all removed by stop().
import { spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { cpSync, createWriteStream, existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import { createServer } from "node:net";
import os from "node:os";
import path from "node:path";
import postgres from "postgres";

export type BenchServer = {
  origin: string;
  databaseName: string;
  /** The database itself, not through `databasePort`: for setting up and checking. */
  databaseUrl: string;
  /** The environment the server runs with; the benchmark process uses the same for the domain code. */
  env: Record<string, string>;
  logFile: string;
  /** The `next start` process, for reading its CPU time. */
  pid: number;
  stop: () => Promise<void>;
};

/** `databasePort`: the server reaches PostgreSQL on 127.0.0.1 at this port instead (a proxy in front of it). */
export type BenchServerOptions = { databasePort?: number };

const root = process.cwd();
const nextBin = path.join(root, "node_modules", "next", "dist", "bin", "next");
// Everything `next start` reads besides the build; db/ holds the migrations it applies on start.
const LINKED = ["node_modules", "package.json", "next.config.ts", "tsconfig.json", "public", "db"];

/** Builds once unless BENCH_SKIP_BUILD=1, as scripts/e2e.mjs does. */
export function buildUnlessSkipped(): void {
  if (process.env.BENCH_SKIP_BUILD === "1" && existsSync(path.join(root, ".next", "BUILD_ID"))) return;
  const build = spawnSync(process.execPath, [nextBin, "build"], {
    stdio: "inherit",
    env: { ...process.env, NODE_ENV: "production", NEXT_TELEMETRY_DISABLED: "1" },
  });
  if (build.status !== 0) throw new Error("next build failed");
}

async function freePort(preferred: number): Promise<number> {
  for (let port = preferred; port < preferred + 50; port++) {
    const free = await new Promise<boolean>((resolve) => {
      const probe = createServer().once("error", () => resolve(false));
      probe.listen(port, "127.0.0.1", () => probe.close(() => resolve(true)));
    });
    if (free) return port;
  }
  throw new Error(`no free port from ${preferred} to ${preferred + 49}`);
}

// Another build writing .next while it is copied would give a half-old, half-new server.
function waitWhileBuilding(): void {
  for (let waited = 0; waited < 300; waited++) {
    if (spawnSync("pgrep", ["-f", "next build"]).status !== 0) return;
    if (waited === 0) console.log("Waiting for a `next build` running on this machine to finish…");
    spawnSync("sleep", ["1"]);
  }
  throw new Error("a `next build` has been running for 5 minutes");
}

function snapshotBuild(): string {
  waitWhileBuilding();
  const dir = mkdtempSync(path.join(os.tmpdir(), "tessera-bench-"));
  // The dev server's output and the build cache are not needed to serve.
  cpSync(path.join(root, ".next"), path.join(dir, ".next"), {
    recursive: true,
    filter: (source) => !/[\\/]\.next[\\/](cache|dev)([\\/]|$)/.test(source),
  });
  for (const entry of LINKED) if (existsSync(path.join(root, entry))) symlinkSync(path.join(root, entry), path.join(dir, entry));
  return dir;
}

async function waitUntilReady(origin: string, exited: () => boolean, logFile: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (exited()) throw new Error(`the server exited during start:\n${readFileSync(logFile, "utf8").slice(-2000)}`);
    const status = await fetch(`${origin}/login`, { signal: AbortSignal.timeout(5_000) }).then(
      (r) => r.status,
      () => 0,
    );
    if (status === 200) return;
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
  throw new Error("the server did not answer /login within 60 s");
}

export async function startBenchServer(postgresUrl: string, preferredPort: number, options: BenchServerOptions = {}): Promise<BenchServer> {
  const databaseName = `tessera_bench_${randomBytes(5).toString("hex")}`;
  const admin = postgres(postgresUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${databaseName}`);
  await admin.end();
  const url = new URL(postgresUrl);
  url.pathname = `/${databaseName}`;
  const databaseUrl = url.toString();
  if (options.databasePort !== undefined) {
    url.hostname = "127.0.0.1";
    url.port = String(options.databasePort);
  }
  const serverDatabaseUrl = url.toString();

  const port = await freePort(preferredPort);
  const origin = `http://127.0.0.1:${port}`;
  const env: Record<string, string> = {
    NODE_ENV: "production",
    NEXT_TELEMETRY_DISABLED: "1",
    DATABASE_URL: serverDatabaseUrl,
    AUTH_SECRET: randomBytes(32).toString("base64url"),
    ENCRYPTION_KEY: randomBytes(32).toString("hex"),
    EMAIL_OUTBOX: "1",
    // The load generator plays the one proxy in front: each simulated browser names its address in X-Forwarded-For.
    TRUSTED_PROXY_HOPS: "1",
    ADMIN_EMAIL: "admin@bench.test",
    ADMIN_PASSWORD: randomBytes(16).toString("base64url"),
  };
  const dir = snapshotBuild();
  const logFile = path.join(os.tmpdir(), `${databaseName}.log`);
  const log = createWriteStream(logFile);
  // BENCH_CPU_PROFILE=<dir>: the server writes a V8 CPU profile there when it stops (open it in Chrome's DevTools).
  const profile = process.env.BENCH_CPU_PROFILE ? ["--cpu-prof", `--cpu-prof-dir=${path.resolve(process.env.BENCH_CPU_PROFILE)}`] : [];
  const child = spawn(process.execPath, [...profile, nextBin, "start", "-H", "127.0.0.1", "-p", String(port)], {
    cwd: dir,
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stdout.pipe(log);
  child.stderr.pipe(log);
  let exited = false;
  const gone = new Promise<void>((resolve) => child.once("exit", () => ((exited = true), resolve())));

  const stop = async () => {
    if (!exited) {
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
      await gone;
      clearTimeout(timer);
    }
    rmSync(dir, { recursive: true, force: true });
    const again = postgres(postgresUrl, { max: 1, onnotice: () => {} });
    await again.unsafe(`drop database if exists ${databaseName} with (force)`);
    await again.end();
  };

  try {
    await waitUntilReady(origin, () => exited, logFile);
  } catch (error) {
    await stop();
    throw error;
  }
  return { origin, databaseName, databaseUrl, env, logFile, pid: child.pid!, stop };
}
