// The organisation's 2FA policy: every login, or skip on a trusted browser for 14/30/60/90 days;
// whether everyone must enrol, and whether email counts as a method.
import { eq, isNull, sql, type SQL } from "drizzle-orm";
import { z } from "zod";
import type { Queryable } from "@/db/client";
import { POLICY_MODES, SKIP_DAYS, settings, trustedBrowsers, type Settings } from "@/db/schema";
import { recordEvent } from "../audit";
import { now } from "../clock";
import type { RequestContext } from "../request";

export type Policy = Pick<
  Settings,
  "twoFactorMode" | "skipDays" | "requireEnrollment" | "allowEmailMethod" | "allowPasskeyMethod" | "updatedAt" | "updatedBy"
>;

/** What the sign-in and the attempt rules need of the policy. */
export type PolicyRules = Pick<Policy, "twoFactorMode" | "skipDays" | "requireEnrollment" | "allowEmailMethod" | "allowPasskeyMethod">;

/** SQL columns of the settings row aliased `alias`, as a statement reads them for policyRules(). */
export function policyColumns(alias: string): SQL {
  const s = sql.identifier(alias);
  return sql`${s}.two_factor_mode, ${s}.skip_days, ${s}.require_enrollment, ${s}.allow_email_method, ${s}.allow_passkey_method`;
}

/** The rules from a row that selected policyColumns(). */
export function policyRules(row: {
  two_factor_mode: PolicyRules["twoFactorMode"];
  skip_days: number;
  require_enrollment: boolean;
  allow_email_method: boolean;
  allow_passkey_method: boolean;
}): PolicyRules {
  return {
    twoFactorMode: row.two_factor_mode,
    skipDays: row.skip_days,
    requireEnrollment: row.require_enrollment,
    allowEmailMethod: row.allow_email_method,
    allowPasskeyMethod: row.allow_passkey_method,
  };
}

/** Days a browser may skip the code under this policy, or null when every login asks for one. */
export function skipDays(policy: Pick<Policy, "twoFactorMode" | "skipDays">): number | null {
  return policy.twoFactorMode === "skip_allowed" ? policy.skipDays : null;
}

const CHOOSE_DAYS = "Choose 14, 30, 60 or 90 days.";

// A checkbox arrives from a form as "on" or not at all; domain callers may pass a boolean.
const checkbox = z
  .union([z.boolean(), z.literal("on")])
  .optional()
  .transform((value) => value === true || value === "on");

/** What the admin may set. Without skipDays the current number of days is kept. */
export const policyInput = z.object({
  mode: z.enum(POLICY_MODES, { message: "Choose when agents are asked for a code." }),
  skipDays: z
    .union(
      [
        z.number(),
        z
          .string()
          .regex(/^[0-9]{1,3}$/)
          .transform(Number),
      ],
      { message: CHOOSE_DAYS },
    )
    .refine((days) => (SKIP_DAYS as readonly number[]).includes(days), CHOOSE_DAYS)
    .optional(),
  requireEnrollment: checkbox,
  allowEmailMethod: checkbox,
  allowPasskeyMethod: checkbox,
});
export type PolicyInput = z.input<typeof policyInput>;

type PolicyValues = Pick<Policy, "twoFactorMode" | "skipDays" | "requireEnrollment" | "allowEmailMethod" | "allowPasskeyMethod">;

export type UpdatePolicyResult =
  { ok: true; policy: Policy; trustedBrowsersRevoked: number } | { ok: false; fieldErrors: Record<string, string> };

function values(policy: Policy): PolicyValues {
  const { twoFactorMode, skipDays, requireEnrollment, allowEmailMethod, allowPasskeyMethod } = policy;
  return { twoFactorMode, skipDays, requireEnrollment, allowEmailMethod, allowPasskeyMethod };
}

/**
 * Saves the policy, which takes effect at once: under "Every login" every trusted browser is
 * revoked in the same transaction, so no cookie issued earlier can skip a code again.
 */
export async function updatePolicy(db: Queryable, input: unknown, adminId: string, context: RequestContext): Promise<UpdatePolicyResult> {
  const parsed = policyInput.safeParse(input);
  if (!parsed.success) {
    const fieldErrors: Record<string, string> = {};
    for (const issue of parsed.error.issues) fieldErrors[String(issue.path[0] ?? "form")] ??= issue.message;
    return { ok: false, fieldErrors };
  }
  const { mode, skipDays, requireEnrollment, allowEmailMethod, allowPasskeyMethod } = parsed.data;

  return db.transaction(async (tx) => {
    const at = now();
    // Two admins saving at once are applied one after the other, each audited against the true "before".
    const [before] = await tx.select().from(settings).where(eq(settings.id, 1)).for("update");
    if (!before) throw new Error("The settings row is missing: run the migrations.");
    const next: PolicyValues = {
      twoFactorMode: mode,
      skipDays: skipDays ?? before.skipDays,
      requireEnrollment,
      allowEmailMethod,
      allowPasskeyMethod,
    };
    const [after] = await tx
      .update(settings)
      .set({ ...next, updatedBy: adminId, updatedAt: at })
      .where(eq(settings.id, 1))
      .returning();

    let trustedBrowsersRevoked = 0;
    if (next.twoFactorMode === "every_login") {
      const revoked = await tx
        .update(trustedBrowsers)
        .set({ revokedAt: at })
        .where(isNull(trustedBrowsers.revokedAt))
        .returning({ id: trustedBrowsers.id });
      trustedBrowsersRevoked = revoked.length;
    }
    await recordEvent(tx, {
      type: "policy.updated",
      actorId: adminId,
      context,
      details: { before: values(before), after: values(after), trustedBrowsersRevoked },
    });
    return { ok: true as const, policy: after, trustedBrowsersRevoked };
  });
}
