// What both benchmarks do first: start the server, create the agents, warm every route up.
import os from "node:os";
import { closeDb } from "../../db/client";
import { runLoad, type Agent } from "./load-runner";
import { buildUnlessSkipped, startBenchServer, type BenchServer } from "./server";
import type { BenchSettings } from "./settings";
import { createBenchUsers, type BenchUser } from "./setup-users";
import { Recorder } from "./stats";

export type Prepared = { server: BenchServer; users: BenchUser[]; warmUp: { agents: Agent[]; recorder: Recorder } };

/** `cleanUp` stops the server and drops its database; it is also run on Ctrl-C. */
export async function prepareBench(
  title: string,
  settings: BenchSettings,
  cleanUp: { add: (step: () => Promise<void>) => void },
): Promise<Prepared> {
  buildUnlessSkipped();
  const server = await startBenchServer(settings.postgresUrl, settings.port);
  cleanUp.add(server.stop);
  // The domain functions that create the agents must use the server's database and encryption key.
  Object.assign(process.env, server.env);
  const setupStarted = Date.now();
  const all = await createBenchUsers(settings.users + settings.concurrency);
  await closeDb();
  console.log(`${title} on ${server.origin} (next start, NODE_ENV=production), database ${server.databaseName}`);
  console.log(
    `${settings.users} agents with the authenticator app (created in ${((Date.now() - setupStarted) / 1000).toFixed(1)} s), ` +
      `${settings.concurrency} browsers at a time; ${os.cpus().length} cores, load average ${os.loadavg()[0].toFixed(2)}`,
  );

  // Agents of its own sign in once each, so every route is loaded before anything is measured.
  const recorder = new Recorder();
  const warmUsers = all.slice(settings.users);
  const warm = await runLoad({
    origin: server.origin,
    users: warmUsers,
    concurrency: settings.concurrency,
    keepGoing: () => true,
    maxSignIns: warmUsers.length,
    recorderAt: () => recorder,
    pauseAfterFailureMs: 0,
  });
  if (recorder.failed > 0) throw new Error(`the warm-up failed: ${[...recorder.errors.keys()].join("; ")} (server log: ${server.logFile})`);
  return { server, users: all.slice(0, settings.users), warmUp: { agents: warm.agents, recorder } };
}

/** Clean-up steps run once, last added first, on the normal way out and on Ctrl-C. */
export function cleanUpList() {
  const steps: (() => Promise<void>)[] = [];
  const run = async () => {
    while (steps.length > 0) {
      const step = steps.pop()!;
      await step().catch((error: unknown) => console.error("clean-up failed:", error instanceof Error ? error.message : error));
    }
  };
  process.once("SIGINT", () => void run().finally(() => process.exit(130)));
  process.once("SIGTERM", () => void run().finally(() => process.exit(143)));
  return { add: (step: () => Promise<void>) => void steps.push(step), run };
}
