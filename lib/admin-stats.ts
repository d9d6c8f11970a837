// The Admin console home at a glance, in one statement: 2FA adoption (who has a second factor, with
// which method, who is locked) and the most recent security events.
import { sql } from "drizzle-orm";
import type { Queryable } from "@/db/client";
import { asDateOrNull, asNumber, query, withParts } from "@/db/sql";
import type { Role } from "@/db/schema";
import { graceUntilSql } from "./two-factor/policy";
import { auditPageParts, readAuditPage, type AuditRow, type AuditRowJson } from "./audit-query";

export type TwoFactorAdoption = {
  people: number;
  withTwoFactor: number;
  withApp: number;
  withEmail: number;
  withPasskey: number;
  locked: number;
};

const enabled = (kind?: "app" | "email" | "passkey") =>
  sql`exists (select 1 from two_factor_methods m where m.user_id = u.id and m.enabled_at is not null${kind ? sql` and m.kind = ${kind}` : sql``})`;

/** Counted over everyone who can sign in (disabled accounts left out). */
const adoption = sql`(select json_build_object(
    'people', count(*),
    'withTwoFactor', count(*) filter (where ${enabled()}),
    'withApp', count(*) filter (where ${enabled("app")}),
    'withEmail', count(*) filter (where ${enabled("email")}),
    'withPasskey', count(*) filter (where ${enabled("passkey")}),
    'locked', count(*) filter (where u.status = 'locked'))
  from users u where u.status <> 'disabled') as adoption`;

/**
 * Someone who can sign in without a second factor. `deadline`: while 2FA is required, when they must
 * have one (their grace period's end; null for an admin or without a grace period: now); null too
 * while it is not required (`required` false).
 */
export type WithoutTwoFactor = { id: string; name: string; email: string; role: Role; required: boolean; deadline: Date | null };

/** At most this many are listed; the link to Agents filtered by "2FA off" has everyone. */
const WITHOUT_TWO_FACTOR_LISTED = 25;

const withoutTwoFactor = sql`coalesce((select json_agg(json_build_object('id', p.id, 'name', p.name, 'email', p.email, 'role', p.role,
      'required', p.required, 'deadline', p.deadline) order by p.deadline nulls first, p.name, p.id)
    from (select u.id, u.name, u.email, u.role, s.require_enrollment as required, ${graceUntilSql(sql`s`, sql`u`)} as deadline
      from users u join settings s on s.id = 1
      where u.status <> 'disabled' and not ${enabled()}
      order by deadline nulls first, u.name, u.id limit ${WITHOUT_TWO_FACTOR_LISTED}) p), '[]'::json) as without_two_factor`;

export async function adminOverview(
  db: Queryable,
  recentCount = 10,
): Promise<{ adoption: TwoFactorAdoption; withoutTwoFactor: WithoutTwoFactor[]; recent: AuditRow[] }> {
  const page = auditPageParts({}, {}, recentCount);
  const [row] = await query<{
    adoption: Record<keyof TwoFactorAdoption, number | string>;
    without_two_factor: (Omit<WithoutTwoFactor, "deadline"> & { deadline: string | null })[];
    events: AuditRowJson[];
    user_found: boolean;
  }>(db, sql`${withParts(page.parts)} select ${adoption}, ${withoutTwoFactor}, ${page.columns}`);
  const counts = Object.fromEntries(Object.entries(row.adoption).map(([key, value]) => [key, asNumber(value)])) as TwoFactorAdoption;
  return {
    adoption: counts,
    withoutTwoFactor: row.without_two_factor.map((person) => ({ ...person, deadline: asDateOrNull(person.deadline) })),
    recent: readAuditPage(row, {}, recentCount).events,
  };
}
