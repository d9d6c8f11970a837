// `npm run bench:cost`: what one sign-in and one signed-in page cost the server, one request at a
// time against `next start` on the local PostgreSQL. Per step it prints the SQL statements the
// server's driver sent (counted by a wire-protocol proxy in front of PostgreSQL) and the server's
// CPU time (read from /proc), then two ratios against floors measured in the same run:
//   - server CPU per full sign-in / one argon2id verification (the password step's own floor);
//   - server CPU per signed-in GET / / per GET /api/health (a request that does one `select 1`).
// Ratios, not milliseconds, so the figures travel between machines. Settings: BENCH_USERS (sign-ins
// measured), BENCH_PAGES (page and health requests measured), BENCH_PORT, BENCH_POSTGRES_URL,
// BENCH_SKIP_BUILD=1.
import os from "node:os";
import { closeDb } from "../../db/client";
import { hashPassword, verifyPassword } from "../../lib/auth/password";
import { totpCodeAt } from "../../lib/two-factor/totp";
import { Browser } from "./http-client";
import { cleanUpList } from "./prepare";
import { buildUnlessSkipped, startBenchServer } from "./server";
import { cpuTimingAvailable, processTreeCpuNs } from "./server-cpu";
import { benchSettings } from "./settings";
import { createBenchUsers } from "./setup-users";
import { STEPS, signInOnce, type Step } from "./sign-in";
import { startStatementCounter } from "./statement-counter";

const SIGN_IN_TARGET = 4.5;
const SIGN_IN_STRETCH = 3.5;
const PAGE_TARGET = 4;
const WARM_UP_SIGN_INS = 10;
const WARM_UP_REQUESTS = 30;

const STEP_LABELS: Record<Step, string> = {
  "login page": "GET /login",
  password: "POST /login (right password)",
  "verify page": "GET /login/verify",
  code: "POST /login/verify (right code)",
  console: "GET / (first page)",
};

type Sample = { statements: number; cpuMs: number };

const settings = benchSettings({ users: 100, seconds: 1, concurrency: 1 });
const pages = Number(process.env.BENCH_PAGES || 200);
if (!Number.isInteger(pages) || pages < 1 || pages > 100_000) throw new Error("BENCH_PAGES must be a whole number from 1 to 100000");
if (!cpuTimingAvailable())
  throw new Error("bench:cost reads CPU time from /proc/<pid>/task/<tid>/schedstat, which this system does not have");

const cleanUp = cleanUpList();
let passed = false;
try {
  buildUnlessSkipped();
  const target = new URL(settings.postgresUrl);
  const counter = await startStatementCounter({ host: target.hostname, port: Number(target.port || 5432) });
  cleanUp.add(counter.close);
  const server = await startBenchServer(settings.postgresUrl, settings.port, { databasePort: counter.port });
  cleanUp.add(server.stop);

  // The agents are made through the domain functions, on the database directly (not counted).
  Object.assign(process.env, server.env, { DATABASE_URL: server.databaseUrl });
  const agents = await createBenchUsers(settings.users + WARM_UP_SIGN_INS);
  await closeDb();
  console.log(`Tessera cost benchmark on ${server.origin} (next start, NODE_ENV=production), database ${server.databaseName}`);
  console.log(
    `One request at a time; statements counted between the server and PostgreSQL; ${os.cpus().length} cores, load average ${os.loadavg()[0].toFixed(2)}`,
  );

  // The floor: one argon2id verification with the server's parameters, timed in this process while
  // the server is idle, three times over the run (its figure moves with the machine's load).
  const hash = await hashPassword("a password to time argon2id with");
  const argon2Runs: number[] = [];
  const timeArgon2 = async () => {
    await verifyPassword(hash, "a password to time argon2id with");
    for (let run = 0; run < 5; run++) {
      const before = process.cpuUsage();
      for (let i = 0; i < 20; i++) await verifyPassword(hash, "a password to time argon2id with");
      const used = process.cpuUsage(before);
      argon2Runs.push((used.user + used.system) / 1000 / 20);
    }
  };
  await timeArgon2();

  /** What the server spent between two readings. */
  const reading = () => ({ statements: counter.statements(), cpuNs: processTreeCpuNs(server.pid) });
  const spent = (before: ReturnType<typeof reading>): Sample => {
    const after = reading();
    return { statements: after.statements - before.statements, cpuMs: (after.cpuNs - before.cpuNs) / 1e6 };
  };

  const steps = new Map<Step, Sample[]>(STEPS.map((step) => [step, []]));
  const signIn = async (index: number, record: boolean) => {
    const agent = agents[index];
    let mark = reading();
    const result = await signInOnce(
      server.origin,
      agent,
      () => totpCodeAt(agent.secret, new Date()),
      (step) => {
        const sample = spent(mark);
        mark = reading();
        if (record) steps.get(step)!.push(sample);
      },
    );
    if (!result.ok) throw new Error(`sign-in ${index} failed at ${result.error} (server log: ${server.logFile})`);
    return result.browser!;
  };

  // Every route is loaded and warm before anything is measured.
  let browser: Browser | null = null;
  for (let index = settings.users; index < agents.length; index++) browser = await signIn(index, false);
  const anonymous = new Browser(server.origin, "198.18.255.1");
  const requests = {
    "signed-in GET /": () => browser!.request("GET", "/"),
    "GET /api/health": () => anonymous.request("GET", "/api/health"),
    "GET / without a session (the middleware's redirect)": () => anonymous.request("GET", "/"),
  };
  const expected: Record<keyof typeof requests, (status: number, body: string) => boolean> = {
    "signed-in GET /": (status, body) => status === 200 && /<h1[^>]*>Agent Panel<\/h1>/.test(body),
    "GET /api/health": (status, body) => status === 200 && body === '{"ok":true}',
    "GET / without a session (the middleware's redirect)": (status) => status === 307,
  };
  for (const send of Object.values(requests)) for (let i = 0; i < WARM_UP_REQUESTS; i++) await send();

  console.log(`Measuring ${settings.users} sign-ins, then ${pages} requests of each kind…`);
  for (let index = 0; index < settings.users; index++) browser = await signIn(index, true);
  await timeArgon2();
  const repeated = new Map<string, Sample[]>();
  for (const [name, send] of Object.entries(requests) as [keyof typeof requests, () => Promise<{ status: number; body: string }>][]) {
    const samples: Sample[] = [];
    for (let i = 0; i < pages; i++) {
      const mark = reading();
      const page = await send();
      samples.push(spent(mark));
      if (!expected[name](page.status, page.body)) throw new Error(`${name} answered ${page.status} (server log: ${server.logFile})`);
    }
    repeated.set(name, samples);
  }

  await timeArgon2();
  const argon2Ms = median(argon2Runs);

  const fullSignIns = Array.from({ length: settings.users }, (_, i) => {
    const parts = STEPS.map((step) => steps.get(step)![i]);
    return { statements: sum(parts.map((part) => part.statements)), cpuMs: sum(parts.map((part) => part.cpuMs)) };
  });
  console.log("");
  console.log(`${"".padEnd(52)}${"requests".padStart(9)}${"statements".padStart(12)}   server CPU, ms: mean    p50    p90`);
  for (const step of STEPS) printRow(STEP_LABELS[step], steps.get(step)!);
  printRow("full sign-in (the five above)", fullSignIns);
  for (const [name, samples] of repeated) printRow(name, samples);
  console.log("");
  console.log(
    `argon2id verification (19 MiB, 2 passes, 1 lane), in this process: ${argon2Ms.toFixed(2)} ms of CPU (median of ` +
      `${argon2Runs.length} runs of 20 before, between and after the requests: ${Math.min(...argon2Runs).toFixed(2)} to ${Math.max(...argon2Runs).toFixed(2)})`,
  );

  const signInRatio = mean(fullSignIns.map((s) => s.cpuMs)) / argon2Ms;
  const pageRatio = mean(repeated.get("signed-in GET /")!.map((s) => s.cpuMs)) / mean(repeated.get("GET /api/health")!.map((s) => s.cpuMs));
  const signInOk = signInRatio <= SIGN_IN_TARGET;
  const pageOk = pageRatio <= PAGE_TARGET;
  console.log("");
  console.log(
    `${signInOk ? "PASS" : "FAIL"}  server CPU per full sign-in / one argon2id verification: ${signInRatio.toFixed(2)} ` +
      `(target ${SIGN_IN_TARGET} or less, stretch ${SIGN_IN_STRETCH}${signInRatio <= SIGN_IN_STRETCH ? ": met" : ""})`,
  );
  console.log(
    `${pageOk ? "PASS" : "FAIL"}  server CPU per signed-in GET / / per GET /api/health: ${pageRatio.toFixed(2)} (target ${PAGE_TARGET} or less)`,
  );
  passed = signInOk && pageOk;
} finally {
  await cleanUp.run();
}
process.exit(passed ? 0 : 1);

function sum(values: number[]): number {
  return values.reduce((total, value) => total + value, 0);
}

function mean(values: number[]): number {
  return sum(values) / values.length;
}

function median(values: number[]): number {
  return percentile(values, 0.5);
}

function percentile(values: number[], share: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(share * sorted.length))];
}

function printRow(label: string, samples: Sample[]): void {
  const counts = samples.map((s) => s.statements);
  const low = Math.min(...counts);
  const high = Math.max(...counts);
  const statements = low === high ? String(low) : `${low}-${high}`;
  const cpu = samples.map((s) => s.cpuMs);
  const figures = [mean(cpu), median(cpu), percentile(cpu, 0.9)].map((ms) => ms.toFixed(2).padStart(7)).join("");
  console.log(`${label.padEnd(52)}${String(samples.length).padStart(9)}${statements.padStart(12)}${"".padStart(19)}${figures}`);
}
