// Stops and starts this machine's PostgreSQL cluster (Debian's pg_ctlcluster) for the fault benchmark,
// only when no other test database is in use, and always leaves it running.
import { execFile } from "node:child_process";
import { readdirSync } from "node:fs";
import { promisify } from "node:util";
import postgres from "postgres";

export type Cluster = { version: string; name: string };

/** The local cluster: BENCH_PG_CLUSTER ("15/main") or the only version under /etc/postgresql. */
export function localCluster(): Cluster {
  const given = process.env.BENCH_PG_CLUSTER;
  if (given) {
    const [version, name] = given.split("/");
    return { version, name: name ?? "main" };
  }
  const versions = readdirSync("/etc/postgresql");
  if (versions.length !== 1)
    throw new Error(`found PostgreSQL versions ${versions.join(", ")} in /etc/postgresql: set BENCH_PG_CLUSTER=version/name`);
  return { version: versions[0], name: "main" };
}

const run = promisify(execFile);

// Asynchronous, so the simulated browsers keep running while the cluster stops and starts.
async function ctl(cluster: Cluster, action: "start" | "stop"): Promise<void> {
  await run("pg_ctlcluster", ["--skip-systemctl-redirect", cluster.version, cluster.name, action]);
}

/** pg_ctlcluster status exits 0 while the cluster runs and 3 when it is down. */
async function isRunning(cluster: Cluster): Promise<boolean> {
  return run("pg_ctlcluster", ["--skip-systemctl-redirect", cluster.version, cluster.name, "status"]).then(
    () => true,
    () => false,
  );
}

/** Starts the cluster if it is down; used on every way out of the fault benchmark. */
export async function ensureRunning(cluster: Cluster): Promise<void> {
  if (!(await isRunning(cluster))) await ctl(cluster, "start");
}

/**
 * Other databases named tessera_* in use now: a connection running a query, or one that ran one in the
 * last 30 seconds. The idle pool of a server nobody is using does not count; its connections are
 * simply reopened after the restart.
 */
export async function otherTestDatabases(postgresUrl: string, own: string): Promise<string[]> {
  const sql = postgres(postgresUrl, { max: 1, onnotice: () => {} });
  try {
    const rows = await sql<{ datname: string }[]>`
      select distinct datname from pg_stat_activity
      where datname like 'tessera\\_%' and datname <> ${own}
        and (state <> 'idle' or state_change > now() - interval '30 seconds')`;
    return rows.map((row) => row.datname);
  } finally {
    await sql.end();
  }
}

/** Waits up to `maxMs` for a moment when no other test database is in use; false if none came. */
export async function waitForQuiet(postgresUrl: string, own: string, maxMs: number): Promise<boolean> {
  const deadline = Date.now() + maxMs;
  let told = false;
  for (;;) {
    const busy = await otherTestDatabases(postgresUrl, own);
    if (busy.length === 0) return true;
    if (Date.now() >= deadline) return false;
    if (!told) console.log(`Waiting for other test databases to go idle before restarting PostgreSQL: ${busy.join(", ")}`);
    told = true;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

export type Restart = { stopBegan: number; stoppedAt: number; startedAt: number };

/** Stops the cluster (fast mode: open connections are cut), waits `downMs`, starts it, and says when. */
export async function restartCluster(cluster: Cluster, downMs: number): Promise<Restart> {
  try {
    const stopBegan = Date.now();
    await ctl(cluster, "stop");
    const stoppedAt = Date.now();
    await new Promise((resolve) => setTimeout(resolve, downMs));
    await ctl(cluster, "start");
    return { stopBegan, stoppedAt, startedAt: Date.now() };
  } finally {
    await ensureRunning(cluster);
  }
}

/**
 * A gentler fault that leaves other databases alone: the benchmark's database refuses new
 * connections for `downMs` and its open connections are cut, as in a failover.
 */
export async function cutDatabase(postgresUrl: string, database: string, downMs: number): Promise<Restart> {
  const sql = postgres(postgresUrl, { max: 1, onnotice: () => {} });
  try {
    const stopBegan = Date.now();
    await sql.unsafe(`alter database ${database} allow_connections false`);
    await sql`select pg_terminate_backend(pid) from pg_stat_activity where datname = ${database}`;
    const stoppedAt = Date.now();
    await new Promise((resolve) => setTimeout(resolve, downMs));
    await sql.unsafe(`alter database ${database} allow_connections true`);
    return { stopBegan, stoppedAt, startedAt: Date.now() };
  } finally {
    await sql.unsafe(`alter database ${database} allow_connections true`).catch(() => {});
    await sql.end();
  }
}
