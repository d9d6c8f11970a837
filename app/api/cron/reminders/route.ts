// GET or POST /api/cron/reminders: the reminders to set up required 2FA that are due now
// (lib/two-factor/reminders.ts), for a scheduler: Vercel Cron (vercel.json), which sends
// `Authorization: Bearer <CRON_SECRET>`, or any other that can send the same header. Each reminder goes
// out at most once however often, or however many times at once, this is called. Without a
// CRON_SECRET of 16 characters or more it answers 503 and does nothing; with a wrong one, 401.
// `npm run reminders` does the same from a shell.
import { createHash, timingSafeEqual } from "node:crypto";
import { getDb } from "@/db/client";
import { appOrigin } from "@/lib/origin";
import { sendEnrollmentReminders } from "@/lib/two-factor/reminders";
import { databaseIsDown } from "@/lib/unavailable";

export const dynamic = "force-dynamic";

const NO_STORE = { "Cache-Control": "no-store" };
const MIN_SECRET_LENGTH = 16;

// Compared as digests of equal length, in constant time: the answer says nothing of how much matched.
function sameSecret(given: string, expected: string): boolean {
  const digest = (value: string) => createHash("sha256").update(value).digest();
  return timingSafeEqual(digest(given), digest(expected));
}

async function run(request: Request): Promise<Response> {
  const secret = process.env.CRON_SECRET ?? "";
  if (secret.length < MIN_SECRET_LENGTH) {
    return Response.json(
      { error: "Reminders are off: CRON_SECRET is not set (16 characters or more)." },
      { status: 503, headers: NO_STORE },
    );
  }
  const header = request.headers.get("authorization") ?? "";
  const given = header.startsWith("Bearer ") ? header.slice("Bearer ".length) : "";
  if (!given || !sameSecret(given, secret)) {
    return Response.json({ error: "Unauthorized." }, { status: 401, headers: { ...NO_STORE, "WWW-Authenticate": "Bearer" } });
  }
  try {
    const result = await sendEnrollmentReminders(await getDb(), await appOrigin());
    return Response.json({ ok: true, ...result }, { headers: NO_STORE });
  } catch (error) {
    if (!databaseIsDown(error)) throw error;
    return Response.json(
      { error: "The database cannot be reached. The scheduler's next call will send what is due." },
      { status: 503, headers: NO_STORE },
    );
  }
}

export const GET = run;
export const POST = run;
