// requireUser / requireAdmin: every page, route handler and server action authorizes here, against the database.
import "server-only";
import { getToken } from "next-auth/jwt";
import { cookies } from "next/headers";
import { forbidden, redirect } from "next/navigation";
import { getDb } from "@/db/client";
import type { User } from "@/db/schema";
import { authSecret } from "../env";
import { enrollmentRequired } from "../two-factor/enrollment";
import { secureCookies } from "./cookie-names";
import { findActiveSession } from "./sessions";

/** `mustEnroll`: the policy wants an (allowed) second factor this user does not have yet. */
export type CurrentUser = { user: User; sessionId: string; mustEnroll: boolean };

/**
 * The session token as the cookies stand now. Auth.js's auth() reads the request's Cookie header,
 * which stays stale in the render that follows a server action that refreshed the token
 * (keepOnlyThisSession); cookies() already holds the refreshed one.
 */
async function sessionToken() {
  const jar = await cookies();
  // The same cookie name as Auth.js uses (auth.config.ts: useSecureCookies in production).
  return getToken({ req: { headers: { cookie: jar.toString() } }, secret: authSecret(), secureCookie: secureCookies });
}

/** The signed-in user, or null when there is no live session (revoked, expired, version raised, user inactive). */
export async function getCurrentUser(): Promise<CurrentUser | null> {
  const token = await sessionToken();
  if (!token?.uid || !token.sid || token.sv === undefined) return null;
  const db = await getDb();
  const active = await findActiveSession(db, token.sid, token.uid, token.sv);
  if (!active) return null;
  return { ...active, mustEnroll: await enrollmentRequired(db, active.user.id) };
}

/**
 * The signed-in user, or a redirect to sign-in. Until a required second factor is set up, only
 * the pages that set it up (`allowEnrollment`) are open; everything else goes to /profile/security.
 */
export async function requireUser(options: { allowEnrollment?: boolean } = {}): Promise<CurrentUser> {
  const current = await getCurrentUser();
  if (!current) redirect("/login");
  if (current.mustEnroll && !options.allowEnrollment) redirect("/profile/security");
  return current;
}

export async function requireAdmin(): Promise<CurrentUser> {
  const current = await requireUser();
  if (current.user.role !== "admin") forbidden();
  return current;
}
