// Helpers for database tests: a clean slate between tests and quick user creation.
import { eq, sql } from "drizzle-orm";
import { getDb } from "@/db/client";
import { hashPassword } from "@/lib/auth/password";
import { SESSION_LIFETIME_MS } from "@/lib/auth/sessions";
import { addMs, now } from "@/lib/clock";
import type { RequestContext } from "@/lib/request";
import { attemptState } from "@/lib/two-factor/lockout";
import { userSessions, users, type Role, type StepUpFactor, type User } from "@/db/schema";

const TABLES = [
  "audit_events",
  "rate_limits",
  "password_delays",
  "outbox_messages",
  "user_sessions",
  "email_codes",
  "backup_codes",
  "admin_backup_codes",
  "sign_in_challenges",
  "trusted_browsers",
  "two_factor_methods",
  "passkeys",
  "webauthn_challenges",
  "known_browsers",
  "enrollment_reminders",
];

/** Empties every table but keeps the settings row (reset to defaults) and, if asked, the users. */
export async function resetDatabase(options: { keepUsers?: boolean } = {}) {
  const db = await getDb();
  await db.execute(sql.raw(`truncate ${TABLES.join(", ")} restart identity cascade`));
  await db.execute(
    sql`update settings set two_factor_mode = 'every_login', skip_days = 30, require_enrollment = false, allow_email_method = true,
      allow_passkey_method = true, enrollment_grace_days = 0, enrollment_required_at = null, updated_by = null`,
  );
  if (!options.keepUsers) await db.execute(sql`delete from users`);
}

let cachedHash: Promise<string> | null = null;
export const TEST_PASSWORD = "correct horse battery staple";

export async function createTestUser(
  overrides: Partial<{ id: string; username: string; email: string; name: string; role: Role }> = {},
): Promise<User> {
  const db = await getDb();
  cachedHash ??= hashPassword(TEST_PASSWORD);
  const suffix = Math.random().toString(36).slice(2, 8);
  const username = overrides.username ?? `user${suffix}`;
  const [user] = await db
    .insert(users)
    .values({
      id: overrides.id,
      username,
      email: overrides.email ?? `${username}@example.com`,
      name: overrides.name ?? `User ${suffix}`,
      role: overrides.role ?? "agent",
      passwordHash: await cachedHash,
    })
    .returning();
  return user;
}

/**
 * A signed-in session, as a completed sign-in leaves it (active, re-authenticated now), without going
 * through the sign-in flow: for tests of what a signed-in user does. `provedBy`: what the sign-in
 * proved (a code, by default; the password alone after one that skipped the second factor).
 */
export async function createUserSession(
  userId: string,
  context: RequestContext,
  provedBy: StepUpFactor = "second_factor",
): Promise<string> {
  const db = await getDb();
  const at = now();
  const [row] = await db
    .insert(userSessions)
    .values({
      userId,
      createdAt: at,
      lastSeenAt: at,
      activatedAt: at,
      reauthenticatedAt: at,
      reauthenticatedWith: provedBy,
      expiresAt: addMs(at, SESSION_LIFETIME_MS),
      ip: context.ip,
      userAgent: context.userAgent,
    })
    .returning({ id: userSessions.id });
  return row.id;
}

/** When the user may next try a code (null: now), or "locked", as the code page reads it. */
export async function codeAttemptState(userId: string): Promise<{ locked: boolean; retryAt: Date | null }> {
  const db = await getDb();
  const [user] = await db.select({ status: users.status, codeRetryAfter: users.codeRetryAfter }).from(users).where(eq(users.id, userId));
  return user ? attemptState(user, now()) : { locked: true, retryAt: null };
}
