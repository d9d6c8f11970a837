// `npm run admin:reset-password -- <email>`: for an account whose password is lost (the first admin's
// too), run on the server with the app's DATABASE_URL, in development and production alike: a new
// random password, printed once; every session of the account ends, and the change is audited.
import { closeDb, getDb } from "../db/client";
import { resetPasswordFromCommandLine } from "../lib/auth/password-reset";
import { passwordResetEmail } from "../lib/email/templates";
import { trySendEmail } from "../lib/email/try-send";
import { findUserByAccount } from "../lib/users";

const CONTEXT = { ip: null, userAgent: "npm run admin:reset-password" };

async function main(args: string[]): Promise<number> {
  if (args.length !== 1 || !args[0].trim()) {
    console.error("Usage: npm run admin:reset-password -- <email or username>");
    return 2;
  }
  const account = args[0].trim();
  const db = await getDb();
  const user = await findUserByAccount(db, account);
  if (!user) {
    console.error(`[tessera] No account has the email or username "${account}". Nothing was changed.`);
    return 1;
  }
  const { password, passkeys } = await resetPasswordFromCommandLine(db, user.id, CONTEXT);
  console.log(`[tessera] New password for ${user.email} (${user.role}), shown this once:\n\n    ${password}\n`);
  console.log("[tessera] Its sessions and trusted browsers ended. Sign in with it, then change it on the profile.");
  if (passkeys.length > 0) {
    console.log(`[tessera] Its passkeys still sign in without the password: ${passkeys.map((name) => `"${name}"`).join(", ")}.`);
    console.log("[tessera] Remove any the owner does not know on the profile, or with an admin's Reset 2FA.");
  }
  // The owner hears of it, as of any password change (the new password is not in the email).
  await trySendEmail({ to: user.email, ...passwordResetEmail({ name: user.name }) }, "notice");
  if (user.status !== "active") console.log(`[tessera] The account is ${user.status}: it cannot sign in until an admin changes that.`);
  console.log("[tessera] The change is in the audit log as password.reset.");
  return 0;
}

let code = 1;
try {
  code = await main(process.argv.slice(2));
} catch (error) {
  console.error("[tessera] admin:reset-password failed:", error instanceof Error ? error.message : error);
} finally {
  await closeDb();
}
process.exit(code);
