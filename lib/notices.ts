// Emails that tell people what happened on their account or their team's, sent after the answer has
// gone to the browser (next/server's after()), so nobody waits on the mail provider to sign in; outside
// a request (a script, a test) they are sent before the call returns. A failed send is logged and
// dropped, as every notice is (lib/email/try-send.ts).
import "server-only";
import { after } from "next/server";
import { describeBrowser } from "@/components/two-factor/browser-name";
import { trySendEmail } from "./email/try-send";
import { accountLockedAdminEmail, newSignInEmail } from "./email/templates";
import { vouchedOrigin } from "./origin";
import type { AdminToTell } from "./two-factor/lockout";

/** Runs `task` once the response is sent, or now (awaited) when there is no request to wait for. */
async function later(task: () => Promise<unknown>): Promise<void> {
  try {
    after(task);
  } catch {
    await task();
  }
}

/** "New sign-in to Tessera", for a sign-in from a browser new to the person (lib/auth/sessions.ts activateSession). */
export async function noticeNewSignIn(session: { name: string; email: string; ip: string | null; userAgent: string | null; at: Date }) {
  const origin = await vouchedOrigin();
  const securityUrl = origin ? `${origin}/profile/security` : null;
  const email = newSignInEmail({
    name: session.name,
    browser: describeBrowser(session.userAgent),
    ip: session.ip,
    at: session.at,
    securityUrl,
  });
  await later(() => trySendEmail({ to: session.email, ...email }, "new sign-in"));
}

/**
 * "An account was locked", to every other active admin (`admins`, read by the statement that locked
 * the account: lib/two-factor/lockout.ts adminsToTellJson), with a link to Agents where "Unlock" is.
 */
export async function noticeLockToAdmins(
  admins: AdminToTell[],
  person: { name: string; email: string },
  at: Date,
  ip: string | null,
): Promise<void> {
  if (admins.length === 0) return;
  const origin = await vouchedOrigin();
  const agentsUrl = origin ? `${origin}/settings/people/agents?q=${encodeURIComponent(person.email)}` : null;
  await later(async () => {
    for (const admin of admins) {
      await trySendEmail(
        { to: admin.email, ...accountLockedAdminEmail({ adminName: admin.name, person, at, ip, agentsUrl }) },
        "lock notice",
      );
    }
  });
}
