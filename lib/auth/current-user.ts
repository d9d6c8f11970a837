// requireUser / requireAdmin: every page, route handler and server action authorizes here, against the database.
import "server-only";
import { forbidden, redirect } from "next/navigation";
import { getDb } from "@/db/client";
import type { User } from "@/db/schema";
import { auth } from "./auth";
import { findActiveSession } from "./sessions";

export type CurrentUser = { user: User; sessionId: string };

/** The signed-in user, or null when there is no live session (revoked, expired, version raised, user inactive). */
export async function getCurrentUser(): Promise<CurrentUser | null> {
  const session = await auth();
  if (!session?.userId || !session.sessionId) return null;
  const db = await getDb();
  return findActiveSession(db, session.sessionId, session.userId, session.sessionVersion);
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
