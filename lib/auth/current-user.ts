// requireUser / requireAdmin: every page, route handler and server action authorizes here, against the database.
import "server-only";
import { getToken } from "next-auth/jwt";
import { cookies, headers } from "next/headers";
import { forbidden, redirect } from "next/navigation";
import { getDb } from "@/db/client";
import type { User } from "@/db/schema";
import { authSecret } from "../env";
import { findActiveSession } from "./sessions";

export type CurrentUser = { user: User; sessionId: string };

/**
 * The session token as the cookies stand now. Auth.js's auth() reads the request's Cookie header,
 * which stays stale in the render that follows a server action that refreshed the token
 * (keepOnlyThisSession); cookies() already holds the refreshed one.
 */
async function sessionToken() {
  const [jar, requestHeaders] = await Promise.all([cookies(), headers()]);
  // Auth.js names the cookie __Secure-… when the app is reached over https, as it does.
  const origin = process.env.AUTH_URL ? new URL(process.env.AUTH_URL).protocol : `${requestHeaders.get("x-forwarded-proto") ?? "http"}:`;
  return getToken({ req: { headers: { cookie: jar.toString() } }, secret: authSecret(), secureCookie: origin === "https:" });
}

/** The signed-in user, or null when there is no live session (revoked, expired, version raised, user inactive). */
export async function getCurrentUser(): Promise<CurrentUser | null> {
  const token = await sessionToken();
  if (!token?.uid || !token.sid || token.sv === undefined) return null;
  const db = await getDb();
  return findActiveSession(db, token.sid, token.uid, token.sv);
}

export async function requireUser(): Promise<CurrentUser> {
  const current = await getCurrentUser();
  if (!current) redirect("/login");
  return current;
}

export async function requireAdmin(): Promise<CurrentUser> {
  const current = await requireUser();
  if (current.user.role !== "admin") forbidden();
  return current;
}
