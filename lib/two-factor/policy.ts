// The organisation's 2FA policy: every login, or skip on a trusted browser for 14/30/60/90 days.
import { eq } from "drizzle-orm";
import type { Queryable } from "@/db/client";
import { settings, type Settings } from "@/db/schema";

export type Policy = Pick<Settings, "twoFactorMode" | "skipDays" | "requireEnrollment" | "allowEmailMethod" | "updatedAt" | "updatedBy">;

export async function getPolicy(db: Queryable): Promise<Policy> {
  const [row] = await db.select().from(settings).where(eq(settings.id, 1));
  if (!row) throw new Error("The settings row is missing: run the migrations.");
  return row;
}

/** Days a browser may skip the code under this policy, or null when every login asks for one. */
export function skipDays(policy: Pick<Policy, "twoFactorMode" | "skipDays">): number | null {
  return policy.twoFactorMode === "skip_allowed" ? policy.skipDays : null;
}
