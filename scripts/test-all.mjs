// `npm test`: typecheck, lint and format check, unit tests, database tests on PGlite (and on
// PostgreSQL when DATABASE_URL is set), the security suite, then the browser suite against the
// production build. Ends with one summary line.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import path from "node:path";

const resultsDir = path.join(process.cwd(), "test-results");
mkdirSync(resultsDir, { recursive: true });

const totals = { passed: 0, failed: 0, skipped: 0 };
const failures = [];

const timings = [];
const started = Date.now();
const seconds = (ms) => `${Math.round(ms / 1000)} s`;

function run(label, args, env) {
  console.log(`\n━━ ${label} ━━`);
  const start = Date.now();
  const result = spawnSync(process.execPath, args, { stdio: "inherit", env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1", ...env } });
  timings.push(`${label}: ${seconds(Date.now() - start)}`);
  if (result.status !== 0) failures.push(label);
  return result.status === 0;
}

function countVitest(file, label) {
  if (!existsSync(file)) return failures.push(`${label} (no report)`);
  const report = JSON.parse(readFileSync(file, "utf8"));
  totals.passed += report.numPassedTests;
  totals.failed += report.numFailedTests;
  totals.skipped += report.numPendingTests + report.numTodoTests;
  if (report.numTotalTests === 0) failures.push(`${label} (ran no test)`);
}

const bin = (file) => path.join(process.cwd(), "node_modules", file);
const vitest = bin("vitest/vitest.mjs");
const withoutDatabase = { DATABASE_URL: "", TEST_POSTGRES_URL: "" };

run("Typecheck", [bin("typescript/bin/tsc"), "--noEmit"], {});
run("Lint (ESLint)", [bin("eslint/bin/eslint.js"), "."], {});
run("Format (Prettier)", [bin("prettier/bin/prettier.cjs"), "--check", "."], {});

function vitestRun(label, project, file, env) {
  rmSync(file, { force: true });
  run(label, [vitest, "run", "--project", project, "--reporter=default", "--reporter=json", `--outputFile=${file}`], env);
  countVitest(file, label);
}

vitestRun("Unit tests", "unit", path.join(resultsDir, "unit.json"), withoutDatabase);
vitestRun("Database tests on PGlite", "db", path.join(resultsDir, "db-pglite.json"), withoutDatabase);
if (process.env.DATABASE_URL) {
  vitestRun("Database tests on PostgreSQL", "db", path.join(resultsDir, "db-postgres.json"), {});
} else {
  console.log("\n(DATABASE_URL is not set: the database tests ran on PGlite only.)");
}
// The attacker's suite (SECURITY.md): on PostgreSQL when there is one, as production runs.
vitestRun("Security tests", "security", path.join(resultsDir, "security.json"), process.env.DATABASE_URL ? {} : withoutDatabase);

const e2eReport = path.join(resultsDir, "e2e.json");
rmSync(e2eReport, { force: true });
run("Browser tests (Playwright, production build)", [path.join(process.cwd(), "scripts", "e2e.mjs")], {});
if (existsSync(e2eReport)) {
  const { stats } = JSON.parse(readFileSync(e2eReport, "utf8"));
  totals.passed += stats.expected + stats.flaky;
  totals.failed += stats.unexpected;
  totals.skipped += stats.skipped;
  if (stats.expected + stats.unexpected + stats.flaky === 0) failures.push("Browser tests (ran no test)");
} else if (!failures.some((f) => f.startsWith("Browser"))) {
  failures.push("Browser tests (no report)");
}

console.log(`\nTime per suite (${seconds(Date.now() - started)} in all):\n  ${timings.join("\n  ")}`);
console.log(`\n${failures.length ? `Failed: ${failures.join("; ")}` : "Every suite passed."}`);
console.log(`${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped`);
process.exit(failures.length ? 1 : 0);
