// Creates the benchmark's agents through the domain functions, each with the authenticator app enabled.
import { getDb } from "../../db/client";
import { beginAppSetup, confirmAppSetup } from "../../lib/two-factor/app-method";
import { totpCodeAt } from "../../lib/two-factor/totp";
import { createUser } from "../../lib/users";

/** `address` is the agent's own client address (RFC 2544 benchmarking range), so the per-address limit sees many clients. */
export type BenchUser = { id: string; username: string; password: string; secret: string; address: string };

const PASSWORD = "bench password, not a secret";
const SETUP_CONTEXT = { ip: "127.0.0.1", userAgent: "tessera-bench setup" };
// Argon2 hashing dominates; two at a time keeps both cores of a small machine busy.
const PARALLEL = 2;

function benchAddress(index: number): string {
  const n = index + 1;
  return `198.${18 + (n >> 16)}.${(n >> 8) & 255}.${n & 255}`;
}

async function createAgent(index: number): Promise<BenchUser> {
  const db = await getDb();
  const username = `bench${String(index).padStart(5, "0")}`;
  const created = await createUser(db, {
    name: `Bench Agent ${index}`,
    email: `${username}@bench.test`,
    username,
    password: PASSWORD,
    role: "agent",
  });
  if (!created.ok) throw new Error(`could not create ${username}: ${created.message}`);
  const { secret } = await beginAppSetup(db, created.user);
  // Confirming with the previous step's code (accepted as clock skew) consumes that step, not the
  // current one, so the agent can sign in at once instead of waiting for the next step. A step that
  // ends between computing and checking the code makes it two steps old: then once more.
  let confirmed = await confirmAppSetup(db, created.user.id, totpCodeAt(secret, new Date(Date.now() - 30_000)), SETUP_CONTEXT);
  if (!confirmed.ok)
    confirmed = await confirmAppSetup(db, created.user.id, totpCodeAt(secret, new Date(Date.now() - 30_000)), SETUP_CONTEXT);
  if (!confirmed.ok) throw new Error(`could not enable the app for ${username}: ${confirmed.reason}`);
  return { id: created.user.id, username, password: PASSWORD, secret, address: benchAddress(index) };
}

/** `count` agents named bench00000, bench00001, … with the app enabled. */
export async function createBenchUsers(count: number): Promise<BenchUser[]> {
  const created = new Array<BenchUser>(count);
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const index = next++;
      created[index] = await createAgent(index);
    }
  };
  await Promise.all(Array.from({ length: PARALLEL }, worker));
  return created;
}
