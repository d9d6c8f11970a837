// `npm run admin:unlock -- <email>`: for the last admin who locked themselves out, run on the server
// with the app's DATABASE_URL: ends the lock and clears the failed-code count, and audits it.
import { closeDb, getDb } from "../db/client";
import { unlockAccount } from "../lib/two-factor/lockout";
import { findUserByAccount } from "../lib/users";

const CONTEXT = { ip: null, userAgent: "npm run admin:unlock" };

async function main(args: string[]): Promise<number> {
  if (args.length !== 1 || !args[0].trim()) {
    console.error("Usage: npm run admin:unlock -- <email or username>");
    return 2;
  }
  const account = args[0].trim();
  const db = await getDb();
  const user = await findUserByAccount(db, account);
  if (!user) {
    console.error(`[tessera] No account has the email or username "${account}". Nothing was changed.`);
    return 1;
  }
  if (user.status === "disabled") {
    console.error(`[tessera] ${user.email} is disabled, not locked. Nothing was changed.`);
    return 1;
  }
  if (!(await unlockAccount(db, user.id, null, CONTEXT))) {
    console.error(`[tessera] ${user.email} could not be unlocked. Nothing was changed.`);
    return 1;
  }
  const was = user.status === "locked" ? `was locked${user.lockedAt ? ` since ${user.lockedAt.toISOString()}` : ""}` : "was not locked";
  console.log(`[tessera] Unlocked ${user.email} (${user.role}): it ${was}; ${user.failedCodeAttempts} failed code attempt(s) cleared.`);
  console.log("[tessera] The account can sign in again. The change is in the audit log as user.unlocked.");
  return 0;
}

let code = 1;
try {
  code = await main(process.argv.slice(2));
} catch (error) {
  console.error("[tessera] admin:unlock failed:", error instanceof Error ? error.message : error);
} finally {
  await closeDb();
}
process.exit(code);
