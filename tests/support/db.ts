// Helpers for database tests: a clean slate between tests and quick user creation.
import { sql } from "drizzle-orm";
import { getDb } from "@/db/client";
import { hashPassword } from "@/lib/auth/password";
import { users, type Role, type User } from "@/db/schema";

const TABLES = [
  "audit_events",
  "rate_limits",
  "outbox_messages",
  "sign_in_tickets",
  "user_sessions",
  "email_codes",
  "backup_codes",
  "admin_backup_codes",
  "sign_in_challenges",
  "trusted_browsers",
  "two_factor_methods",
];

/** Empties every table but keeps the settings row (reset to defaults) and, if asked, the users. */
export async function resetDatabase(options: { keepUsers?: boolean } = {}) {
  const db = await getDb();
  await db.execute(sql.raw(`truncate ${TABLES.join(", ")} restart identity cascade`));
  await db.execute(
    sql`update settings set two_factor_mode = 'every_login', skip_days = 30, require_enrollment = false, allow_email_method = true, updated_by = null`,
  );
  if (!options.keepUsers) await db.execute(sql`delete from users`);
}

let cachedHash: Promise<string> | null = null;
export const TEST_PASSWORD = "correct horse battery staple";

export async function createTestUser(
  overrides: Partial<{ username: string; email: string; name: string; role: Role }> = {},
): Promise<User> {
  const db = await getDb();
  cachedHash ??= hashPassword(TEST_PASSWORD);
  const suffix = Math.random().toString(36).slice(2, 8);
  const username = overrides.username ?? `user${suffix}`;
  const [user] = await db
    .insert(users)
    .values({
      username,
      email: overrides.email ?? `${username}@example.com`,
      name: overrides.name ?? `User ${suffix}`,
      role: overrides.role ?? "agent",
      passwordHash: await cachedHash,
    })
    .returning();
  return user;
}
