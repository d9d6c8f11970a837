// People: finding accounts, creating agents and admins, listing them for the admin console.
import { eq, or } from "drizzle-orm";
import { z } from "zod";
import type { Queryable } from "@/db/client";
import { ROLES, users, type User } from "@/db/schema";
import { PLAIN_TEXT } from "./forms";
import { PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH, hashPassword } from "./auth/password";

export const newUserInput = z.object({
  name: z
    .string()
    .trim()
    .min(1, "Enter a name.")
    .max(100, "Names are at most 100 characters.")
    .regex(PLAIN_TEXT, "Names cannot contain control characters."),
  email: z
    .string()
    .trim()
    .toLowerCase()
    .max(254, "Email addresses are at most 254 characters.")
    .pipe(z.email("Enter a valid email address.")),
  username: z
    .string()
    .trim()
    .toLowerCase()
    .min(3, "Usernames are 3 to 40 characters.")
    .max(40, "Usernames are 3 to 40 characters.")
    .regex(/^[a-z0-9][a-z0-9._-]*$/, "Usernames use letters, digits, dots, dashes and underscores."),
  password: z
    .string()
    .min(PASSWORD_MIN_LENGTH, `Passwords are at least ${PASSWORD_MIN_LENGTH} characters.`)
    .max(PASSWORD_MAX_LENGTH, `Passwords are at most ${PASSWORD_MAX_LENGTH} characters.`),
  role: z.enum(ROLES, { message: "Choose a role." }),
});
export type NewUserInput = z.infer<typeof newUserInput>;

/**
 * Locks the user's row for the rest of the transaction. Every 2FA change and every code attempt takes
 * it first, before any row of theirs, so they run one at a time and cannot deadlock one another.
 */
export async function lockUserRow(tx: Queryable, userId: string): Promise<void> {
  await tx.select({ id: users.id }).from(users).where(eq(users.id, userId)).for("update");
}

/** Account is a username or an email address, matched without regard to case. */
export async function findUserByAccount(db: Queryable, account: string): Promise<User | null> {
  const key = account.trim().toLowerCase();
  const [user] = await db
    .select()
    .from(users)
    .where(or(eq(users.username, key), eq(users.email, key)))
    .limit(1);
  return user ?? null;
}

export async function findUserById(db: Queryable, id: string): Promise<User | null> {
  const [user] = await db.select().from(users).where(eq(users.id, id)).limit(1);
  return user ?? null;
}

export type CreateUserResult = { ok: true; user: User } | { ok: false; field: "email" | "username"; message: string };

export async function createUser(db: Queryable, input: NewUserInput): Promise<CreateUserResult> {
  const passwordHash = await hashPassword(input.password);
  // An email that equals another user's username (or the reverse) would make sign-in ambiguous.
  const clash = await db
    .select({ username: users.username, email: users.email })
    .from(users)
    .where(
      or(
        eq(users.email, input.email),
        eq(users.username, input.username),
        eq(users.username, input.email),
        eq(users.email, input.username),
      ),
    )
    .limit(1);
  if (clash[0]) {
    return clash[0].email === input.email || clash[0].username === input.email
      ? { ok: false, field: "email", message: "Another user already has this email address." }
      : { ok: false, field: "username", message: "Another user already has this username." };
  }
  try {
    const [user] = await db
      .insert(users)
      .values({ name: input.name, email: input.email, username: input.username, role: input.role, passwordHash })
      .returning();
    return { ok: true, user };
  } catch (error) {
    if (isUniqueViolation(error)) {
      const constraint = String(
        (error as { cause?: { constraint_name?: string; constraint?: string } }).cause?.constraint_name ??
          (error as { cause?: { constraint?: string } }).cause?.constraint ??
          "",
      );
      return constraint.includes("email")
        ? { ok: false, field: "email", message: "Another user already has this email address." }
        : { ok: false, field: "username", message: "Another user already has this username." };
    }
    throw error;
  }
}

export function isUniqueViolation(error: unknown): boolean {
  const code = (error as { code?: string; cause?: { code?: string } })?.cause?.code ?? (error as { code?: string })?.code;
  return code === "23505";
}
