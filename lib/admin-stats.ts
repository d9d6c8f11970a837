// The Admin console home at a glance, in one statement: 2FA adoption (who has a second factor, with
// which method, who is locked) and the most recent security events.
import { sql } from "drizzle-orm";
import type { Queryable } from "@/db/client";
import { asNumber, query, withParts } from "@/db/sql";
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

export async function adminOverview(db: Queryable, recentCount = 10): Promise<{ adoption: TwoFactorAdoption; recent: AuditRow[] }> {
  const page = auditPageParts({}, {}, recentCount);
  const [row] = await query<{ adoption: Record<keyof TwoFactorAdoption, number | string>; events: AuditRowJson[]; user_found: boolean }>(
    db,
    sql`${withParts(page.parts)} select ${adoption}, ${page.columns}`,
  );
  const counts = Object.fromEntries(Object.entries(row.adoption).map(([key, value]) => [key, asNumber(value)])) as TwoFactorAdoption;
  return { adoption: counts, recent: readAuditPage(row, {}, recentCount).events };
}
