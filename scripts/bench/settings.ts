// The benchmarks' settings, from the environment, with their bounds; traffic only ever goes to this machine.

function integer(name: string, fallback: number, min: number, max: number): number {
  const raw = process.env[name];
  const value = raw === undefined || raw === "" ? fallback : Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) throw new Error(`${name} must be a whole number from ${min} to ${max}`);
  return value;
}

export type BenchSettings = { users: number; seconds: number; concurrency: number; maxSignIns: number; port: number; postgresUrl: string };

export function benchSettings(defaults: { users: number; seconds: number; concurrency: number }): BenchSettings {
  const postgresUrl = process.env.BENCH_POSTGRES_URL || "postgres://postgres@127.0.0.1:5432/postgres";
  const host = new URL(postgresUrl).hostname;
  if (host !== "127.0.0.1" && host !== "localhost") throw new Error("BENCH_POSTGRES_URL must point at this machine (127.0.0.1)");
  return {
    users: integer("BENCH_USERS", defaults.users, 1, 100_000),
    seconds: integer("BENCH_SECONDS", defaults.seconds, 1, 600),
    concurrency: integer("BENCH_CONCURRENCY", defaults.concurrency, 1, 256),
    maxSignIns: integer("BENCH_MAX_SIGN_INS", 100_000, 1, 1_000_000),
    port: integer("BENCH_PORT", 3400, 1024, 65_000),
    postgresUrl,
  };
}
