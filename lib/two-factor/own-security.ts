// What Profile > Two-Factor Authentication shows beyond the viewer, in one statement: the state of the
// user's backup codes, their passkeys (newest first), their live trusted browsers and their live
// sessions ("Where you're signed in"), each most recently used first.
import { sql } from "drizzle-orm";
import type { Queryable } from "@/db/client";
import { asDate, asDateOrNull, asNumber, query, timestamptz } from "@/db/sql";
import { now } from "../clock";
import { liveSessionsJson, type LiveSession } from "../auth/sessions";
import type { BackupCodeStatus } from "./backup-codes";

export type TrustedBrowser = { id: string; userAgent: string | null; createdAt: Date; lastUsedAt: Date | null; expiresAt: Date };
export type OwnPasskey = { id: string; name: string; createdAt: Date; lastUsedAt: Date | null };

export async function ownSecurity(
  db: Queryable,
  userId: string,
): Promise<{ backupCodes: BackupCodeStatus; trustedBrowsers: TrustedBrowser[]; passkeys: OwnPasskey[]; sessions: LiveSession[] }> {
  const at = now();
  const [row] = await query<{
    total: number | string;
    remaining: number | string;
    created_at: string | null;
    browsers: { id: string; userAgent: string | null; createdAt: string; lastUsedAt: string | null; expiresAt: string }[];
    passkeys: { id: string; name: string; createdAt: string; lastUsedAt: string | null }[];
    sessions: { id: string; createdAt: string; lastSeenAt: string; ip: string | null; userAgent: string | null }[];
  }>(
    db,
    sql`select b.total, b.remaining, b.created_at, coalesce((
        select json_agg(json_build_object('id', t.id, 'userAgent', t.user_agent, 'createdAt', t.created_at, 'lastUsedAt', t.last_used_at,
          'expiresAt', t.expires_at) order by t.last_used_at desc nulls last)
        from trusted_browsers t where t.user_id = ${userId} and t.revoked_at is null and t.expires_at > ${timestamptz(at)}), '[]'::json) as browsers,
      ${liveSessionsJson(sql`${userId}::uuid`, at)} as sessions,
      coalesce((select json_agg(json_build_object('id', p.id, 'name', p.name, 'createdAt', p.created_at, 'lastUsedAt', p.last_used_at)
        order by p.created_at desc, p.id) from passkeys p where p.user_id = ${userId}), '[]'::json) as passkeys
      from (select count(*) as total, count(*) filter (where used_at is null) as remaining, max(created_at) as created_at
        from backup_codes where user_id = ${userId}) b`,
  );
  return {
    backupCodes: { total: asNumber(row.total), remaining: asNumber(row.remaining), createdAt: asDateOrNull(row.created_at) },
    trustedBrowsers: row.browsers.map((browser) => ({
      id: browser.id,
      userAgent: browser.userAgent,
      createdAt: asDate(browser.createdAt),
      lastUsedAt: asDateOrNull(browser.lastUsedAt),
      expiresAt: asDate(browser.expiresAt),
    })),
    passkeys: row.passkeys.map((passkey) => ({
      id: passkey.id,
      name: passkey.name,
      createdAt: asDate(passkey.createdAt),
      lastUsedAt: asDateOrNull(passkey.lastUsedAt),
    })),
    sessions: row.sessions.map((session) => ({
      id: session.id,
      createdAt: asDate(session.createdAt),
      lastSeenAt: asDate(session.lastSeenAt),
      ip: session.ip,
      userAgent: session.userAgent,
    })),
  };
}
