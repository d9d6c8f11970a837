// Creates the first admin when the users table is empty (ADMIN_EMAIL / ADMIN_PASSWORD, or a dev default).
import { randomBytes } from "node:crypto";
import { sql } from "drizzle-orm";
import { hashPassword } from "../lib/auth/password";
import type { Database } from "./client";
import { users } from "./schema";

const BOOTSTRAP_LOCK = 728_132;

export async function ensureFirstAdmin(db: Database): Promise<void> {
  const [{ count }] = await db.select({ count: sql<number>`count(*)::int` }).from(users);
  if (count > 0) return;

  const production = process.env.NODE_ENV === "production";
  const email = (process.env.ADMIN_EMAIL || (production ? "" : "admin@example.com")).trim().toLowerCase();
  const givenPassword = process.env.ADMIN_PASSWORD;
  if (!email || (production && !givenPassword)) {
    console.warn("[tessera] No users exist. Set ADMIN_EMAIL and ADMIN_PASSWORD to create the first admin.");
    return;
  }
  const password = givenPassword || randomBytes(12).toString("base64url");
  const passwordHash = await hashPassword(password);
  const username = email.split("@")[0].replace(/[^a-z0-9._-]/g, "") || "admin";

  const created = await db.transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(${BOOTSTRAP_LOCK})`);
    const [{ existing }] = await tx.select({ existing: sql<number>`count(*)::int` }).from(users);
    if (existing > 0) return false;
    await tx.insert(users).values({ username, email, name: "Administrator", role: "admin", passwordHash });
    return true;
  });
  if (!created) return;

  if (givenPassword) {
    console.log(`[tessera] Created the first admin: ${email} (password from ADMIN_PASSWORD).`);
  } else {
    console.log(
      [
        "",
        "  ┌──────────────────────────────────────────────────────────────",
        "  │ Tessera created the first admin. This password is shown once.",
        `  │   Account:  ${email}`,
        `  │   Password: ${password}`,
        "  └──────────────────────────────────────────────────────────────",
        "",
      ].join("\n"),
    );
  }
}
