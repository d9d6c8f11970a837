// `npm run bench:load`: full sign-ins (password + authenticator code) over real HTTP against `next start`
// for a bounded time; prints throughput, latencies and errors, then checks the database and exits
// non-zero on any FAIL. Settings: BENCH_USERS, BENCH_SECONDS, BENCH_CONCURRENCY, BENCH_PORT,
// BENCH_MAX_SIGN_INS, BENCH_POSTGRES_URL, BENCH_SKIP_BUILD=1.
import { checkDatabase, printChecks } from "./checks";
import { runLoad } from "./load-runner";
import { cleanUpList, prepareBench } from "./prepare";
import { benchSettings } from "./settings";
import { Recorder, report } from "./stats";

const settings = benchSettings({ users: 1000, seconds: 30, concurrency: 16 });
const cleanUp = cleanUpList();
let passed = false;
try {
  const { server, users, warmUp } = await prepareBench("Tessera load benchmark", settings, cleanUp);
  console.log(`Running for ${settings.seconds} s…`);
  const recorder = new Recorder();
  const deadline = Date.now() + settings.seconds * 1000;
  const cpuBefore = process.cpuUsage();
  const run = await runLoad({
    origin: server.origin,
    users,
    concurrency: settings.concurrency,
    keepGoing: () => Date.now() < deadline,
    maxSignIns: settings.maxSignIns,
    recorderAt: () => recorder,
    pauseAfterFailureMs: 0,
  });
  const seconds = (run.endedAt - run.startedAt) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  console.log("");
  for (const line of report(recorder, seconds)) console.log(line);
  console.log(`Browsers idle, every free agent having used the current time step: ${(run.idleShare * 100).toFixed(1)}% of their time`);
  console.log(`CPU used by this client: ${((cpu.user + cpu.system) / 1e6).toFixed(1)} s of ${seconds.toFixed(1)} s`);
  console.log("");

  const leaks = [...warmUp.recorder.leaks, ...recorder.leaks];
  for (const leak of leaks.slice(0, 3)) console.log(`  leak: ${leak.step} ${leak.status} ${leak.kind}: ${leak.excerpt.slice(0, 200)}`);
  const checks = await checkDatabase(server.databaseUrl, {
    agents: [...warmUp.agents, ...run.agents],
    completed: warmUp.recorder.completed + recorder.completed,
    abandonedAfterPassword: 0,
    faults: false,
  });
  checks.push(
    { ok: recorder.failed === 0, label: "every sign-in completed", detail: `${recorder.failed} failed` },
    { ok: leaks.length === 0, label: "no response shows a stack trace, SQL or driver error", detail: `${leaks.length} did` },
  );
  passed = printChecks(checks);
} finally {
  await cleanUp.run();
}
process.exit(passed ? 0 : 1);
