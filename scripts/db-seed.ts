// `npm run db:seed`: demo data: the first admin (created on first use) and a few agents.
import { closeDb, getDb } from "../db/client";
import { createUser } from "../lib/users";

const DEMO_PASSWORD = process.env.SEED_PASSWORD || "tessera-demo-password";
const agents = [
  { name: "Maria Lopez", username: "maria", email: "maria@example.com" },
  { name: "Kenji Sato", username: "kenji", email: "kenji@example.com" },
  { name: "Amara Okafor", username: "amara", email: "amara@example.com" },
  { name: "Lukas Weber", username: "lukas", email: "lukas@example.com" },
];

const db = await getDb();
for (const agent of agents) {
  const result = await createUser(db, { ...agent, password: DEMO_PASSWORD, role: "agent" });
  console.log(result.ok ? `[tessera] Created agent ${agent.username}` : `[tessera] Skipped ${agent.username}: ${result.message}`);
}
console.log(`[tessera] Demo agents sign in with the password "${DEMO_PASSWORD}".`);
await closeDb();
