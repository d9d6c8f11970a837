// Server start (Node.js runtime only): refuse to run misconfigured in production, then migrate.
import { getDb } from "@/db/client";
import { isProduction, missingProductionSettings } from "./env";

export async function startServer(): Promise<void> {
  if (isProduction) {
    const problems = missingProductionSettings();
    if (problems.length > 0) {
      console.error(`[tessera] Refusing to start:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
      process.exit(1);
    }
  }
  await getDb();
}
