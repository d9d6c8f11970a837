// Reminders to set up a required second factor: 7 days and 1 day before a person's grace period ends
// (lib/two-factor/policy.ts graceUntilSql). One statement finds who is due and claims each reminder by
// writing its row (person, kind, deadline) with its audit event; two runs at once claim each reminder
// once between them, so each is sent at most once. A send that fails is logged and not retried.
import { sql } from "drizzle-orm";
import type { Queryable } from "@/db/client";
import { asDate, query, timestamptz } from "@/db/sql";
import type { ReminderKind } from "@/db/schema";
import { DAY, addMs, now } from "../clock";
import { trySendEmail } from "../email/try-send";
import { enrollmentReminderEmail } from "../email/templates";
import { KNOWN_BROWSER_MS } from "../auth/sessions";
import { graceUntilSql } from "./policy";

// "1 day before" is due from 2 days before: the daily run (vercel.json) then lands it 24 to 48 hours
// ahead, never an hour before the deadline. The email states the time left as it is.
const LAST_REMINDER_MS = 2 * DAY;

export type RemindersResult = { due: number; sent: number; failed: number };

/** Sends the reminders due at `at`, each at most once; `origin` is the site's, for the link in the email. */
export async function sendEnrollmentReminders(db: Queryable, origin: string, at: Date = now()): Promise<RemindersResult> {
  const claimed = await query<{ user_id: string; kind: ReminderKind; deadline: string; name: string; email: string }>(
    db,
    sql`with due as (
        select u.id, u.name, u.email, ${graceUntilSql(sql`s`, sql`u`)} as deadline
        from users u join settings s on s.id = 1
        where u.status = 'active'
          and not exists (select 1 from two_factor_methods m where m.user_id = u.id and m.enabled_at is not null)
      ), kinds as (
        select id, name, email, deadline,
          case when deadline <= ${timestamptz(addMs(at, LAST_REMINDER_MS))} then '1_day'
               when deadline <= ${timestamptz(addMs(at, 7 * DAY))} then '7_days' end as kind
        from due where deadline > ${timestamptz(at)}
      ), claimed as (
        insert into enrollment_reminders (user_id, kind, deadline, sent_at)
        select id, kind, deadline, ${timestamptz(at)} from kinds where kind is not null
        on conflict do nothing
        returning user_id, kind, deadline
      ), forgotten as (
        -- The run also forgets browsers nobody has signed in from for 90 days (lib/auth/sessions.ts).
        delete from known_browsers where last_seen_at <= ${timestamptz(addMs(at, -KNOWN_BROWSER_MS))}
      ), event as (
        insert into audit_events (at, actor_id, subject_id, type, details)
        select ${timestamptz(at)}, null, user_id, 'two_factor.reminder_sent', jsonb_build_object('kind', kind, 'deadline', deadline)
        from claimed
      )
      select c.user_id, c.kind, c.deadline, k.name, k.email from claimed c join kinds k on k.id = c.user_id order by c.deadline, c.user_id`,
  );
  let sent = 0;
  for (const reminder of claimed) {
    const email = enrollmentReminderEmail({
      name: reminder.name,
      deadline: asDate(reminder.deadline),
      at,
      setupUrl: `${origin}/profile/security`,
    });
    if (await trySendEmail({ to: reminder.email, ...email }, "reminder")) sent += 1;
  }
  return { due: claimed.length, sent, failed: claimed.length - sent };
}
