// The organisation's 2FA policy: every login, or skip on a trusted browser for 14/30/60/90 days;
// whether everyone must enrol, and whether email counts as a method.
import { eq, isNull, sql, type SQL } from "drizzle-orm";
import { z } from "zod";
import type { Queryable } from "@/db/client";
import { GRACE_DAYS, POLICY_MODES, SKIP_DAYS, settings, trustedBrowsers, type Settings } from "@/db/schema";
import { recordEvent } from "../audit";
import { asDateOrNull } from "@/db/sql";
import { now } from "../clock";
import type { RequestContext } from "../request";

export type Policy = Pick<
  Settings,
  | "twoFactorMode"
  | "skipDays"
  | "requireEnrollment"
  | "enrollmentGraceDays"
  | "enrollmentRequiredAt"
  | "allowEmailMethod"
  | "allowPasskeyMethod"
  | "updatedAt"
  | "updatedBy"
>;

/**
 * What the sign-in and the attempt rules need of the policy, as it applies to one person: `graceUntil`
 * is the end of their grace period to set up a required second factor (null when there is none).
 */
export type PolicyRules = Pick<Policy, "twoFactorMode" | "skipDays" | "requireEnrollment" | "allowEmailMethod" | "allowPasskeyMethod"> & {
  graceUntil: Date | null;
};

/**
 * The end of a person's grace period, as SQL over the settings row `s` and their users row `u`: the
 * grace days from when the requirement was saved or from when the person was added, whichever is
 * later; null when 2FA is not required, there is no grace period, or the person is an admin.
 */
export function graceUntilSql(s: SQL, u: SQL): SQL<Date | null> {
  return sql<Date | null>`case when ${s}.require_enrollment and ${s}.enrollment_grace_days > 0 and ${u}.role <> 'admin'
    then greatest(coalesce(${s}.enrollment_required_at, ${u}.created_at), ${u}.created_at) + make_interval(days => ${s}.enrollment_grace_days) end`;
}

/** SQL columns of the settings row aliased `alias`, for the user `users`, as a statement reads them for policyRules(). */
export function policyColumns(alias: string, users: string): SQL {
  const s = sql.identifier(alias);
  return sql`${s}.two_factor_mode, ${s}.skip_days, ${s}.require_enrollment, ${s}.allow_email_method, ${s}.allow_passkey_method,
    ${graceUntilSql(sql`${s}`, sql`${sql.identifier(users)}`)} as grace_until`;
}

/** The rules from a row that selected policyColumns(). */
export function policyRules(row: {
  two_factor_mode: PolicyRules["twoFactorMode"];
  skip_days: number;
  require_enrollment: boolean;
  allow_email_method: boolean;
  allow_passkey_method: boolean;
  grace_until: Date | string | null;
}): PolicyRules {
  return {
    twoFactorMode: row.two_factor_mode,
    skipDays: row.skip_days,
    requireEnrollment: row.require_enrollment,
    allowEmailMethod: row.allow_email_method,
    allowPasskeyMethod: row.allow_passkey_method,
    graceUntil: asDateOrNull(row.grace_until),
  };
}

/** Days a browser may skip the code under this policy, or null when every login asks for one. */
export function skipDays(policy: Pick<Policy, "twoFactorMode" | "skipDays">): number | null {
  return policy.twoFactorMode === "skip_allowed" ? policy.skipDays : null;
}

const CHOOSE_DAYS = "Choose 14, 30, 60 or 90 days.";
const CHOOSE_GRACE = "Choose a grace period: none, 7, 14 or 30 days.";

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
  /** Without it the current grace period is kept. */
  graceDays: z
    .union(
      [
        z.number(),
        z
          .string()
          .regex(/^[0-9]{1,2}$/)
          .transform(Number),
      ],
      { message: CHOOSE_GRACE },
    )
    .refine((days) => (GRACE_DAYS as readonly number[]).includes(days), CHOOSE_GRACE)
    .optional(),
  allowEmailMethod: checkbox,
  allowPasskeyMethod: checkbox,
});
export type PolicyInput = z.input<typeof policyInput>;

type PolicyValues = Pick<
  Policy,
  "twoFactorMode" | "skipDays" | "requireEnrollment" | "enrollmentGraceDays" | "allowEmailMethod" | "allowPasskeyMethod"
>;

export type UpdatePolicyResult =
  { ok: true; policy: Policy; trustedBrowsersRevoked: number } | { ok: false; fieldErrors: Record<string, string> };

function values(policy: Policy): PolicyValues {
  const { twoFactorMode, skipDays, requireEnrollment, enrollmentGraceDays, allowEmailMethod, allowPasskeyMethod } = policy;
  return { twoFactorMode, skipDays, requireEnrollment, enrollmentGraceDays, allowEmailMethod, allowPasskeyMethod };
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
  const { mode, skipDays, requireEnrollment, graceDays, allowEmailMethod, allowPasskeyMethod } = parsed.data;

  return db.transaction(async (tx) => {
    const at = now();
    // Two admins saving at once are applied one after the other, each audited against the true "before".
    const [before] = await tx.select().from(settings).where(eq(settings.id, 1)).for("update");
    if (!before) throw new Error("The settings row is missing: run the migrations.");
    const next: PolicyValues = {
      twoFactorMode: mode,
      skipDays: skipDays ?? before.skipDays,
      requireEnrollment,
      enrollmentGraceDays: graceDays ?? before.enrollmentGraceDays,
      allowEmailMethod,
      allowPasskeyMethod,
    };
    // The grace period runs from when the requirement (or its length) was saved; saving anything else
    // leaves every deadline where it was.
    const restarted = next.requireEnrollment && (!before.requireEnrollment || next.enrollmentGraceDays !== before.enrollmentGraceDays);
    const enrollmentRequiredAt = next.requireEnrollment ? (restarted ? at : before.enrollmentRequiredAt) : null;
    const [after] = await tx
      .update(settings)
      .set({ ...next, enrollmentRequiredAt, updatedBy: adminId, updatedAt: at })
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
