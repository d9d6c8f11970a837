// Who is asking, once per request: every layout, page, route handler and server action authorizes
// here. The session token is decoded once, then one statement returns the live session, its user,
// the 2FA policy and the user's enabled methods. React's cache() shares the answer across a render
// (layout and page, nested components); a server action runs outside it and asks afresh, so the
// render that follows a change sees the change. The same statement moves the session's "last active"
// forward, at most once per 5 minutes, so "Where you're signed in" is true to the minute that matters
// at no extra statement.
import "server-only";
import { and, eq, sql } from "drizzle-orm";
import { getToken } from "next-auth/jwt";
import { cookies } from "next/headers";
import { forbidden, redirect } from "next/navigation";
import { cache } from "react";
import { getDb, type Queryable } from "@/db/client";
import { asDate, asDateOrNull, timestamptz } from "@/db/sql";
import { settings, userSessions, users, type MethodKind, type StepUpFactor, type User } from "@/db/schema";
import { addMs, now } from "../clock";
import { authSecret } from "../env";
import { enrollmentRequired, inGracePeriod, signInMethods } from "../two-factor/enrollment";
import { graceUntilSql, type Policy, type PolicyRules } from "../two-factor/policy";
import { SESSION_COOKIE, isSessionCookie } from "./cookie-names";
import { stepUpOf } from "./reauth";
import { liveSession } from "./sessions";

export type ViewerUser = Pick<User, "id" | "username" | "email" | "name" | "role" | "passwordChangedAt">;

export type Viewer = {
  sessionId: string;
  user: ViewerUser;
  /** The policy, with the end of this person's grace period to set up a required second factor. */
  policy: Policy & Pick<PolicyRules, "graceUntil">;
  /** The enabled methods, in a fixed order (app, email). */
  methods: MethodKind[];
  enabledAt: Partial<Record<MethodKind, Date>>;
  /** The methods that answer a code now, at sign-in and "Confirm it's you": the enabled ones the policy allows (all, when it allows none of them). */
  codeMethods: MethodKind[];
  /** The policy wants an (allowed) second factor this user does not have yet. */
  mustEnroll: boolean;
  /** 2FA is required and this person has no method yet, but may use the console until this moment (the banner's deadline). */
  enrollmentDeadline: Date | null;
  /**
   * What this session proved within the last 10 minutes (at sign-in or "Confirm it's you"): the
   * password alone, or the second factor; null when nothing recent.
   */
  stepUp: StepUpFactor | null;
  /** Recent enough for the user's own sensitive changes: with a code when they have a method, else with the password. */
  reauthenticated: boolean;
  /**
   * An admin without a second factor while another admin has one: Global Settings stay closed to them
   * until they set one up (the first admin, before anyone has 2FA, keeps them open).
   */
  mustSetUpTwoFactorFirst: boolean;
};

export type SessionClaims = { sessionId: string; userId: string; sessionVersion: number };

/** A session's "last active" is written at most this often, whatever the number of pages viewed. */
export const LAST_ACTIVE_EVERY_MS = 5 * 60 * 1000;

/**
 * The session, its user, the policy and the user's methods in one statement: only while the session
 * is active (its ticket redeemed), not revoked or expired, its user active and the user's session
 * version unchanged since sign-in.
 */
export async function findViewer(db: Queryable, claims: SessionClaims): Promise<Viewer | null> {
  const at = now();
  // Runs whether or not the select reads it (PostgreSQL runs a WITH's writes to completion); it sees
  // the same snapshot, so the viewer is judged on the session as it was.
  const touched = db.$with("touched", { id: sql<string>`id` }).as(
    sql`update user_sessions set last_seen_at = ${timestamptz(at)}
      where id = ${claims.sessionId} and user_id = ${claims.userId} and activated_at is not null and revoked_at is null
        and expires_at > ${timestamptz(at)}
        and exists (select 1 from users u where u.id = user_id and u.status = 'active' and u.session_version = ${claims.sessionVersion})
        and last_seen_at < ${timestamptz(addMs(at, -LAST_ACTIVE_EVERY_MS))}
      returning id`,
  );
  const [row] = await db
    .with(touched)
    .select({
      reauthenticatedAt: userSessions.reauthenticatedAt,
      reauthenticatedWith: userSessions.reauthenticatedWith,
      // Only asked of an admin (users.role is the only part PostgreSQL needs to read for anyone else).
      anyAdminHasTwoFactor: sql<boolean>`(${users.role} = 'admin' and exists (
        select 1 from two_factor_methods am join users a on a.id = am.user_id where a.role = 'admin' and am.enabled_at is not null))`,
      user: {
        id: users.id,
        username: users.username,
        email: users.email,
        name: users.name,
        role: users.role,
        passwordChangedAt: users.passwordChangedAt,
      },
      policy: {
        twoFactorMode: settings.twoFactorMode,
        skipDays: settings.skipDays,
        requireEnrollment: settings.requireEnrollment,
        allowEmailMethod: settings.allowEmailMethod,
        allowPasskeyMethod: settings.allowPasskeyMethod,
        enrollmentGraceDays: settings.enrollmentGraceDays,
        enrollmentRequiredAt: settings.enrollmentRequiredAt,
        updatedAt: settings.updatedAt,
        updatedBy: settings.updatedBy,
      },
      graceUntil: graceUntilSql(sql`${settings}`, sql`${users}`),
      methods: sql<{ kind: MethodKind; enabledAt: string }[]>`coalesce((
        select json_agg(json_build_object('kind', m.kind, 'enabledAt', m.enabled_at) order by m.kind)
        from two_factor_methods m where m.user_id = ${users.id} and m.enabled_at is not null), '[]'::json)`,
    })
    .from(userSessions)
    .innerJoin(users, eq(users.id, userSessions.userId))
    .innerJoin(settings, eq(settings.id, 1))
    .where(and(liveSession(claims.sessionId, claims.userId, at), eq(users.sessionVersion, claims.sessionVersion)))
    .limit(1);
  if (!row) return null;
  const methods = row.methods.map((method) => method.kind);
  const policy = { ...row.policy, graceUntil: asDateOrNull(row.graceUntil) };
  const stepUp = stepUpOf({ at: row.reauthenticatedAt, by: row.reauthenticatedWith }, at);
  return {
    sessionId: claims.sessionId,
    user: row.user,
    policy,
    methods,
    enabledAt: Object.fromEntries(row.methods.map((method) => [method.kind, asDate(method.enabledAt)])),
    codeMethods: signInMethods(policy, methods),
    mustEnroll: enrollmentRequired(policy, methods, at),
    enrollmentDeadline: inGracePeriod(policy, methods, at) ? policy.graceUntil : null,
    stepUp,
    reauthenticated: methods.length > 0 ? stepUp === "second_factor" : stepUp !== null,
    mustSetUpTwoFactorFirst: row.user.role === "admin" && methods.length === 0 && row.anyAdminHasTwoFactor,
  };
}

/**
 * The claims of the session cookie as the cookies stand now. Auth.js's auth() reads the request's
 * Cookie header, which stays stale in the render that follows a server action that refreshed the
 * token (keepOnlyThisSession); cookies() already holds the refreshed one.
 */
async function sessionClaims(): Promise<SessionClaims | null> {
  const jar = await cookies();
  // No session cookie, nothing to decrypt. The name is the one auth.config.ts gives Auth.js, which also
  // salts the token with it: getToken needs it (its default is Auth.js's __Secure- name).
  if (!jar.getAll().some((cookie) => isSessionCookie(cookie.name))) return null;
  const token = await getToken({
    req: { headers: { cookie: jar.toString() } },
    secret: authSecret(),
    cookieName: SESSION_COOKIE,
    salt: SESSION_COOKIE,
  });
  if (!token?.uid || !token.sid || token.sv === undefined) return null;
  return { sessionId: token.sid, userId: token.uid, sessionVersion: token.sv };
}

/** The signed-in viewer of this request, or null when there is no live session. */
export const getViewer = cache(async (): Promise<Viewer | null> => {
  const claims = await sessionClaims();
  return claims ? findViewer(await getDb(), claims) : null;
});

/**
 * The viewer, or a redirect to sign-in. Until a required second factor is set up, only the pages
 * that set it up (`allowEnrollment`) are open; everything else goes to /profile/security. `admin`
 * pages answer 403 to everyone else, and to an admin who must set up a second factor first (the
 * forbidden page then says so, with the link).
 */
export async function requireViewer(options: { allowEnrollment?: boolean; admin?: boolean } = {}): Promise<Viewer> {
  const viewer = await getViewer();
  if (!viewer) redirect("/login");
  if (viewer.mustEnroll && !options.allowEnrollment) redirect("/profile/security");
  if (options.admin && (viewer.user.role !== "admin" || viewer.mustSetUpTwoFactorFirst)) forbidden();
  return viewer;
}
