// `npm run reminders`: sends the reminders to set up required 2FA that are due now, as the scheduler's
// /api/cron/reminders does, for hosts that run a command on a schedule (cron, a Kubernetes CronJob)
// rather than call a URL. Safe to run as often as you like: each reminder goes out at most once.
// Reads DATABASE_URL (PGlite in .data/ when unset), the mail settings, and AUTH_URL for the link.
import { closeDb, getDb } from "../db/client";
import { sendEnrollmentReminders } from "../lib/two-factor/reminders";

async function main(): Promise<void> {
  const configured = process.env.AUTH_URL || process.env.APP_URL;
  const origin = configured ? new URL(configured).origin : "http://localhost:3000";
  if (!configured) console.warn(`AUTH_URL is not set: the reminders link to ${origin}.`);
  const result = await sendEnrollmentReminders(await getDb(), origin);
  console.log(`Reminders due: ${result.due}, sent: ${result.sent}, failed: ${result.failed}.`);
  if (result.failed > 0) process.exitCode = 1;
}

main()
  .catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exitCode = 1;
  })
  .finally(() => closeDb());
