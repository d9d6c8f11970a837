// `npm run bench:faults`: the sign-in load while this machine's PostgreSQL is stopped for a few seconds and
// started again. Requests must fail cleanly, the app must recover without a restart, and the database
// must be consistent afterwards. Settings as bench:load, plus BENCH_DOWN_SECONDS, BENCH_PG_CLUSTER, and
// BENCH_FAULT=database to cut only the benchmark's own database instead of restarting the cluster.
import { checkDatabase, printChecks, type Check } from "./checks";
import { probeConsole, type ConsoleProbe } from "./console-probe";
import type { Browser } from "./http-client";
import { runLoad } from "./load-runner";
import { cutDatabase, ensureRunning, localCluster, restartCluster, waitForQuiet, type Restart } from "./postgres-cluster";
import { cleanUpList, prepareBench } from "./prepare";
import type { SignInResult } from "./sign-in";
import { Recorder, report, visibleText } from "./stats";
import { benchSettings } from "./settings";

// BENCH_SECONDS here is how long the load goes on after the database is back.
const settings = benchSettings({ users: 1000, seconds: 60, concurrency: 16 });
const downMs = Number(process.env.BENCH_DOWN_SECONDS ?? 3) * 1000;
const wholeCluster = process.env.BENCH_FAULT !== "database";
const BASELINE_MS = 8_000;
const QUIET_WAIT_MS = 5 * 60_000;
const SLICE_MS = 5_000;
// Browsers signed in before the fault that ask for the console while it lasts, each one request after
// the other with this pause between: on a slow machine one request can take as long as the fault.
const PROBERS = 4;
const PROBE_MS = 100;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const cluster = wholeCluster ? localCluster() : null;
const cleanUp = cleanUpList();
let passed = false;
try {
  if (cluster) await ensureRunning(cluster);
  const { server, users, warmUp } = await prepareBench("Tessera fault benchmark", settings, cleanUp);
  // Runs before the server's clean-up, which needs the database to drop it.
  if (cluster) cleanUp.add(() => ensureRunning(cluster));
  if (cluster && !(await waitForQuiet(settings.postgresUrl, server.databaseName, QUIET_WAIT_MS))) {
    throw new Error("other test databases stayed in use for 5 minutes: PostgreSQL was not restarted");
  }

  const phases = { before: new Recorder(), outage: new Recorder(), after: new Recorder() };
  let restart: Restart | null = null;
  let stopBegan = Infinity;
  const phaseAt = (at: number) => (at < stopBegan ? phases.before : !restart || at < restart.startedAt ? phases.outage : phases.after);
  const results: SignInResult[] = [];
  let stopping = false;
  const load = runLoad({
    origin: server.origin,
    users,
    concurrency: settings.concurrency,
    keepGoing: () => !stopping,
    maxSignIns: settings.maxSignIns,
    recorderAt: phaseAt,
    pauseAfterFailureMs: 500,
    onResult: (result) => results.push(result),
  });

  let restartError: unknown = null;
  // Browsers signed in before the fault ask for the console page from the stop until the database is back.
  const probes: ConsoleProbe[] = [];
  let probing: Promise<unknown> = Promise.resolve();
  let probingDone = false;
  const startProbing = (browsers: Browser[]) => {
    const prober = async (first: number) => {
      for (let i = first; !probingDone; i += PROBERS) {
        probes.push(await probeConsole(browsers[i % browsers.length]));
        await sleep(PROBE_MS);
      }
    };
    probing = Promise.all(Array.from({ length: PROBERS }, (_, first) => prober(first)));
  };
  try {
    await sleep(BASELINE_MS);
    // On a busy machine the first sign-ins may take longer than the baseline: the fault waits for one.
    const signedIn = () => results.flatMap((result) => (result.ok && result.browser ? [result.browser] : []));
    for (const until = Date.now() + 120_000; signedIn().length === 0 && Date.now() < until;) await sleep(250);
    const browsers = signedIn();
    if (browsers.length === 0) throw new Error("no sign-in completed in 2 minutes: nothing to ask for the console with");
    if (cluster) {
      if (!(await waitForQuiet(settings.postgresUrl, server.databaseName, 60_000)))
        throw new Error("other test databases came into use: PostgreSQL was not restarted");
      console.log(`Stopping PostgreSQL ${cluster.version}/${cluster.name} for ${downMs / 1000} s…`);
      stopBegan = Date.now();
      startProbing(browsers);
      restart = await restartCluster(cluster, downMs);
    } else {
      console.log(`Cutting the connections to ${server.databaseName} and refusing new ones for ${downMs / 1000} s…`);
      stopBegan = Date.now();
      startProbing(browsers);
      restart = await cutDatabase(settings.postgresUrl, server.databaseName, downMs);
    }
    probingDone = true;
    console.log(`The database is back ${((restart.startedAt - restart.stopBegan) / 1000).toFixed(1)} s after the fault began.`);
    // Long enough after the database is back to see a connection that stays broken (postgres.js
    // retries a connection every connect_timeout, 30 s).
    await sleep(Math.max(0, restart.startedAt + settings.seconds * 1000 - Date.now()));
  } catch (error) {
    restartError = error;
  } finally {
    stopping = true;
    probingDone = true;
  }
  const run = await load;
  await probing;
  if (restartError) throw restartError instanceof Error ? restartError : new Error("the database restart failed", { cause: restartError });
  const r = restart!;

  // Browsers that were signed in while the console failed to render try it once more now.
  const retried = results.filter((result) => result.signedInBrowser);
  let consoleWorks = 0;
  for (const result of retried) {
    const page = await result.signedInBrowser!.request("GET", "/").catch(() => null);
    if (page?.status === 200 && /<h1[^>]*>(Agent Panel|Admin console)<\/h1>/.test(page.body)) consoleWorks++;
  }

  const firstSuccess = results.find((result) => result.ok && result.finishedAt > r.startedAt);
  const proofFrom = firstSuccess?.finishedAt ?? Infinity;
  const afterProof = results.filter((result) => result.startedAt > proofFrom);
  const failedAfterProof = afterProof.filter((result) => !result.ok);
  const outageSeconds = (r.startedAt - r.stopBegan) / 1000;

  console.log("");
  console.log(
    `Timeline: traffic ${((run.endedAt - run.startedAt) / 1000).toFixed(1)} s; stop began at +${((r.stopBegan - run.startedAt) / 1000).toFixed(1)} s, down at +${((r.stoppedAt - run.startedAt) / 1000).toFixed(1)} s, up again at +${((r.startedAt - run.startedAt) / 1000).toFixed(1)} s (${outageSeconds.toFixed(1)} s without a database)`,
  );
  console.log(
    `First completed sign-in after the database was back: ${firstSuccess ? `${((firstSuccess.finishedAt - r.startedAt) / 1000).toFixed(2)} s after the start, ${((firstSuccess.finishedAt - r.stopBegan) / 1000).toFixed(2)} s after the stop began` : "none"}`,
  );
  const slices = Array.from(
    { length: Math.ceil((run.endedAt - r.startedAt) / SLICE_MS) },
    (_, i) =>
      results.filter(
        (result) => !result.ok && result.finishedAt >= r.startedAt + i * SLICE_MS && result.finishedAt < r.startedAt + (i + 1) * SLICE_MS,
      ).length,
  );
  console.log(`Failed sign-ins per ${SLICE_MS / 1000} s after the database was back: ${slices.join(" ")}`);
  const sections: [string, Recorder, number][] = [
    ["Before the stop", phases.before, (r.stopBegan - run.startedAt) / 1000],
    ["While the database was stopping, down and starting", phases.outage, outageSeconds],
    ["After the database was back", phases.after, (run.endedAt - r.startedAt) / 1000],
  ];
  for (const [title, recorder, seconds] of sections) {
    console.log("");
    console.log(`== ${title}`);
    for (const line of report(recorder, seconds)) console.log(line);
  }
  console.log("");

  // The console page during the fault, by when it was asked for: while PostgreSQL was stopping (or its
  // connections were being cut), while it was down (answered before it was back, or after).
  const probePhase = (probe: ConsoleProbe) =>
    probe.sentAt < r.stoppedAt
      ? "stopping"
      : probe.doneAt <= r.startedAt
        ? "down"
        : probe.sentAt < r.startedAt
          ? "down, answered once back"
          : "back";
  const probesWhileDown = probes.filter((probe) => probePhase(probe) === "down");
  console.log(`== The console page during the fault (GET / by ${PROBERS} browsers signed in before it, one request after the other)`);
  const byOutcome = new Map<string, number>();
  for (const probe of probes) {
    const key = `${probePhase(probe).padEnd(26)}${probe.outcome}`;
    byOutcome.set(key, (byOutcome.get(key) ?? 0) + 1);
  }
  for (const [key, count] of byOutcome) console.log(`  ${key} x ${count}`);
  if (probes.length === 0) console.log("  none");
  console.log("");

  const all = Object.values(phases);
  console.log("What the failed responses showed (visible text, scripts removed):");
  for (const [key, body] of new Map(all.flatMap((recorder) => [...recorder.errorBodies])))
    console.log(`  ${key}: "${visibleText(body).slice(0, 100)}"`);
  console.log("");
  const sum = (pick: (recorder: Recorder) => number) => all.reduce((total, recorder) => total + pick(recorder), 0);
  const leaks = [warmUp.recorder, ...all].flatMap((recorder) => recorder.leaks);
  for (const leak of leaks.slice(0, 3)) console.log(`  leak: ${leak.step} ${leak.status} ${leak.kind}: ${leak.excerpt.slice(0, 200)}`);
  const abandonedAfterPassword = results.filter((result) => !result.ok && result.failedStep !== "login page").length;
  const checks: Check[] = [
    {
      ok: leaks.length === 0,
      label: "clean failures: no response shows a stack trace, SQL or driver error",
      detail: `${leaks.length} did, of ${sum((rec) => rec.requests)} responses`,
    },
    {
      // The 503 page was seen, nothing but it while the database was down, and nothing worse than the
      // console itself (a request the database answered once it was back) during the whole fault.
      ok:
        probes.some((probe) => probe.unavailablePage) &&
        probesWhileDown.every((probe) => probe.unavailablePage) &&
        probes.every((probe) => (probe.unavailablePage || probe.consoleShown) && !probe.leak),
      label: "console pages while the database is down: HTTP 503 with the sentence, and Try again back to the page",
      detail:
        `${probesWhileDown.filter((probe) => probe.unavailablePage).length} of ${probesWhileDown.length} GET / answered while it was down did; ` +
        `of all ${probes.length} during the fault, ${probes.filter((probe) => probe.unavailablePage).length} the 503 page, ` +
        `${probes.filter((probe) => probe.consoleShown).length} the console, ` +
        `${probes.filter((probe) => !probe.unavailablePage && !probe.consoleShown).length} anything else, ` +
        `${probes.filter((probe) => probe.leak).length} with a leak`,
    },
    {
      ok: sum((rec) => rec.halfSignIns) === 0,
      label: "no half sign-in: no failed code step left a session cookie",
      detail: `${sum((rec) => rec.halfSignIns)} did`,
    },
    {
      ok: consoleWorks === retried.length,
      label: "every session handed out works once the database is back",
      detail: `${consoleWorks} of ${retried.length} browsers signed in while the console failed now see it`,
    },
    {
      ok: firstSuccess !== undefined && afterProof.length > 0 && failedAfterProof.length === 0,
      label: "recovery without a restart: after the first new success, every sign-in succeeds",
      detail: `${afterProof.length} sign-ins started after it, ${failedAfterProof.length} failed`,
    },
    ...(await checkDatabase(server.databaseUrl, {
      agents: [...warmUp.agents, ...run.agents],
      completed: warmUp.recorder.completed + sum((rec) => rec.completed),
      abandonedAfterPassword,
      faults: true,
    })),
  ];
  passed = printChecks(checks);
  console.log(`Server log: ${server.logFile}`);
} finally {
  await cleanUp.run();
}
process.exit(passed ? 0 : 1);
