// Server start (Node.js runtime only): refuse to run misconfigured in production, warn about what is
// allowed there but dangerous, then migrate.
import { getDb } from "@/db/client";
import { productionOutboxWarning } from "./email/outbox";
import { missingProductionSettings, passkeysWarning } from "./env";

export async function startServer(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  if (env.NODE_ENV === "production") {
    const problems = missingProductionSettings(env);
    if (problems.length > 0) {
      console.error(`[tessera] Refusing to start:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
      process.exit(1);
    }
  }
  const outboxWarning = productionOutboxWarning(env);
  if (outboxWarning) console.warn(outboxWarning);
  const passkeys = passkeysWarning(env);
  if (passkeys) console.warn(passkeys);
  await getDb();
}
