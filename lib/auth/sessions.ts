// Server-side session records behind the Auth.js JWT. A session is written pending once every factor is
// verified, with the hash of a one-time ticket; Auth.js's Credentials provider redeems the ticket, which
// activates the session, and issues the cookie. Sign-out and "end other sessions" really end them.
import { and, eq, gt, isNotNull, isNull, ne, sql, type SQL } from "drizzle-orm";
import type { Queryable } from "@/db/client";
import { query, timestamptz, withParts } from "@/db/sql";
import { userSessions, users, type Role, type StepUpFactor } from "@/db/schema";
import { auditPart, type AuditType } from "../audit";
import { addMs, now } from "../clock";
import { randomToken, sha256 } from "../crypto";
import type { RequestContext } from "../request";

export const SESSION_LIFETIME_MS = 12 * 60 * 60 * 1000;
// From the verified code to Auth.js's redemption is one server round trip: a minute is plenty.
export const TICKET_LIFETIME_MS = 60_000;

/**
 * A statement part that writes a pending session for `userId` (a value, or SQL over the rows of the
 * part named `onlyIf`, when given) and returns its `id`; `ticket` is its one-time ticket, in clear
 * this once. Signing in opens the re-authentication window, proved `provedBy`: the second factor after
 * a code, the password alone after a sign-in that skipped it (no method, or a trusted browser).
 */
export function pendingSession(
  userId: string,
  context: RequestContext,
  at: Date,
  provedBy: StepUpFactor,
  onlyIf?: string,
): { part: SQL; ticket: string } {
  const ticket = randomToken();
  const values = sql`${userId}::uuid, ${timestamptz(at)}, ${timestamptz(at)}, ${timestamptz(at)}, ${provedBy}, ${timestamptz(addMs(at, SESSION_LIFETIME_MS))},
    ${context.ip}, ${context.userAgent}, ${sha256(ticket)}`;
  const from = onlyIf ? sql` from ${sql.identifier(onlyIf)}` : sql``;
  return {
    part: sql`insert into user_sessions (user_id, created_at, last_seen_at, reauthenticated_at, reauthenticated_with, expires_at, ip, user_agent, ticket_hash)
      select ${values}${from} returning id`,
    ticket,
  };
}

// A pending session whose ticket was never redeemed (Auth.js refused it, or the request died) is swept
// once it is a day old, now and then, by a sign-in that is sweeping anyway (lib/auth/sign-in-flow.ts).
const UNREDEEMED_KEPT_MS = 24 * 60 * 60 * 1000;

/** A statement part that deletes pending sessions whose ticket can no longer be redeemed. */
export function sweepUnredeemedSessions(at: Date): SQL {
  return sql`delete from user_sessions where activated_at is null and created_at < ${timestamptz(addMs(at, -UNREDEEMED_KEPT_MS))}`;
}

/**
 * The rule of a live session, for a query that joins user_sessions with its users row: this user's,
 * activated (its ticket redeemed), not revoked, not expired at `at`, and its user active.
 */
export function liveSession(sessionId: string, userId: string, at: Date): SQL {
  return and(
    eq(userSessions.id, sessionId),
    eq(userSessions.userId, userId),
    isNotNull(userSessions.activatedAt),
    isNull(userSessions.revokedAt),
    gt(userSessions.expiresAt, at),
    eq(users.status, "active"),
  )!;
}

export type ActivatedSession = {
  sessionId: string;
  userId: string;
  name: string;
  email: string;
  role: Role;
  sessionVersion: number;
  /** Signed in from a browser this person had not used for KNOWN_BROWSER_MS, and not for the first time ever: "New sign-in to Tessera". */
  newBrowser: boolean;
  ip: string | null;
  userAgent: string | null;
  at: Date;
};

/** A browser not seen for a person in this long is new to them again. */
export const KNOWN_BROWSER_MS = 90 * 24 * 60 * 60 * 1000;

/**
 * Redeems a ticket in one statement: the pending session it names becomes active, only within a
 * minute of being written, only once, and only while its user is active; the user's last sign-in and
 * the `sign_in.succeeded` event are written with it. `browserId` (this browser's random
 * id, lib/auth/flow-cookies.ts) is noted as one of the person's browsers, and the same statement says
 * whether it is new to them: not seen in 90 days, on an account that has signed in before (the first
 * sign-in is no news); the person's browsers not seen in 90 days are forgotten. Null for any other ticket.
 */
export async function activateSession(db: Queryable, ticket: string, browserId: string | null = null): Promise<ActivatedSession | null> {
  const at = now();
  const seenSince = timestamptz(addMs(at, -KNOWN_BROWSER_MS));
  const activated = sql`update user_sessions s set activated_at = ${timestamptz(at)}, ticket_hash = null
    from users u
    where s.ticket_hash = ${sha256(ticket)} and s.activated_at is null and s.revoked_at is null
      and s.created_at > ${timestamptz(addMs(at, -TICKET_LIFETIME_MS))}
      and u.id = s.user_id and u.status = 'active'
    returning s.id, s.user_id, s.ip, s.user_agent, u.name, u.email, u.role, u.session_version, u.last_sign_in_at`;
  // The parts below see the table as it was before this statement: `known` is the browser's row before
  // the upsert moves it.
  // Stored as SHA-256 of the person and the id together: the table does not show which accounts
  // share a browser, and holds nothing the cookie could be rebuilt from.
  const browserHash = browserId
    ? sql`encode(sha256(convert_to((select user_id::text from activated) || ':' || ${browserId}, 'UTF8')), 'hex')`
    : null;
  const browserParts = browserHash
    ? {
        known: sql`select 1 from known_browsers where user_id = (select user_id from activated) and browser_hash = ${browserHash}
          and last_seen_at > ${seenSince}`,
        noted: sql`insert into known_browsers (user_id, browser_hash, first_seen_at, last_seen_at)
          select user_id, ${browserHash}, ${timestamptz(at)}, ${timestamptz(at)} from activated
          on conflict (user_id, browser_hash) do update set last_seen_at = excluded.last_seen_at`,
        forgotten: sql`delete from known_browsers where user_id = (select user_id from activated) and last_seen_at <= ${seenSince}
          and browser_hash <> ${browserHash}`,
        news: sql`insert into audit_events (at, actor_id, subject_id, type, ip, user_agent, details)
          select ${timestamptz(at)}, user_id, user_id, ${"sign_in.new_browser" satisfies AuditType}, ip, user_agent, jsonb_build_object('sessionId', id)
          from activated where last_sign_in_at is not null and not exists (select 1 from known)`,
      }
    : {};
  const [row] = await query<{
    id: string;
    user_id: string;
    name: string;
    email: string;
    role: Role;
    session_version: number;
    ip: string | null;
    user_agent: string | null;
    new_browser: boolean;
  }>(
    db,
    sql`${withParts({
      activated,
      seen: sql`update users set last_sign_in_at = ${timestamptz(at)} where id in (select user_id from activated)`,
      event: sql`insert into audit_events (at, actor_id, subject_id, type, ip, user_agent, details)
        select ${timestamptz(at)}, user_id, user_id, ${"sign_in.succeeded" satisfies AuditType}, ip, user_agent, jsonb_build_object('sessionId', id)
        from activated`,
      ...browserParts,
    })} select id, user_id, name, email, role, session_version, ip, user_agent,
      ${browserHash ? sql`last_sign_in_at is not null and not exists (select 1 from known)` : sql`false`} as new_browser
    from activated`,
  );
  if (!row) return null;
  return {
    sessionId: row.id,
    userId: row.user_id,
    name: row.name,
    email: row.email,
    role: row.role,
    sessionVersion: Number(row.session_version),
    newBrowser: row.new_browser,
    ip: row.ip,
    userAgent: row.user_agent,
    at,
  };
}

/** A statement part that ends a live session, returning `id`. */
function endSession(sessionId: string, at: Date): SQL {
  return sql`update user_sessions set revoked_at = ${timestamptz(at)} where id = ${sessionId} and revoked_at is null returning id`;
}

export async function revokeSession(db: Queryable, sessionId: string): Promise<void> {
  await db.execute(endSession(sessionId, now()));
}

/** Revokes every live session of the user except `keepSessionId`. */
export async function revokeOtherSessions(db: Queryable, userId: string, keepSessionId: string): Promise<void> {
  await db
    .update(userSessions)
    .set({ revokedAt: now() })
    .where(and(eq(userSessions.userId, userId), isNull(userSessions.revokedAt), ne(userSessions.id, keepSessionId)));
}

/** Signing out: the session ends and the event is written, in one statement. */
export async function signOutSession(
  db: Queryable,
  session: { sessionId: string; userId: string },
  context: RequestContext,
): Promise<void> {
  const at = now();
  await db.execute(
    sql`${withParts({
      ended: endSession(session.sessionId, at),
      event: auditPart({ type: "sign_out", actorId: session.userId, subjectId: session.userId, context }, { at, onlyIf: "ended" }),
    })} select 1`,
  );
}

/** A live session as "Where you're signed in" lists it. */
export type LiveSession = { id: string; createdAt: Date; lastSeenAt: Date; ip: string | null; userAgent: string | null };

/** The JSON of a user's live sessions (`userId` is SQL), most recently active first, for a statement that reads more. */
export function liveSessionsJson(userId: SQL, at: Date): SQL {
  return sql`coalesce((select json_agg(json_build_object('id', s.id, 'createdAt', s.created_at, 'lastSeenAt', s.last_seen_at,
      'ip', s.ip, 'userAgent', s.user_agent) order by s.last_seen_at desc, s.created_at desc, s.id)
    from user_sessions s where s.user_id = ${userId} and s.activated_at is not null and s.revoked_at is null
      and s.expires_at > ${timestamptz(at)}), '[]'::json)`;
}

/**
 * Ends live sessions of `userId` and writes one audit event, in one statement: `only` one session, or
 * every session `except` one (this browser's), or all of them, then also forgetting every trusted
 * browser (`forgetBrowsers`: a lost laptop must not skip the code either). `actorId` is who asked (the
 * person, or an admin). Returns how many ended; a session already ended, expired or another person's
 * counts none.
 */
export async function endSessions(
  db: Queryable,
  target: { userId: string; only?: string; except?: string; forgetBrowsers?: boolean },
  actor: { actorId: string; context: RequestContext },
): Promise<number> {
  const at = now();
  const forgot = target.forgetBrowsers
    ? sql`update trusted_browsers set revoked_at = ${timestamptz(at)} where user_id = ${target.userId} and revoked_at is null returning id`
    : null;
  const which = target.only ? sql` and id = ${target.only}` : target.except ? sql` and id <> ${target.except}` : sql``;
  const type: AuditType = target.only ? "session.ended" : "sessions.ended";
  const details = target.only
    ? sql`json_build_object('sessionId', ${target.only}::text)`
    : sql`json_build_object('count', (select count(*) from ended where active), 'scope', ${target.except ? "others" : "all"}::text${
        forgot ? sql`, 'trustedBrowsersRevoked', (select count(*) from forgot)` : sql``
      })`;
  const [row] = await query<{ count: number | string }>(
    db,
    sql`${withParts({
      // A sign-in completing at this moment (its session written, its ticket not yet redeemed) ends too,
      // unless one session alone is named; only the activated ones count as sessions signed out.
      ended: sql`update user_sessions set revoked_at = ${timestamptz(at)}
        where user_id = ${target.userId} and revoked_at is null and expires_at > ${timestamptz(at)}${
          target.only ? sql` and activated_at is not null` : sql``
        }${which}
        returning id, activated_at is not null as active`,
      forgot,
      event: sql`${auditPart({ type, actorId: actor.actorId, subjectId: target.userId, context: actor.context, details }, { at })}
        where exists (select 1 from ended where active)${forgot ? sql` or exists (select 1 from forgot)` : sql``}`,
    })} select count(*) as count from ended where active`,
  );
  return Number(row.count);
}
