"use server";

// Saving the organisation's 2FA policy: only an admin who has 2FA on, checked here again, never trusted from the page.
import { revalidatePath } from "next/cache";
import { getDb } from "@/db/client";
import { requireAdmin } from "@/lib/auth/current-user";
import { formFields, type FieldErrors } from "@/lib/forms";
import { requestContext } from "@/lib/request";
import { hasTwoFactor } from "@/lib/two-factor/methods";
import { updatePolicy } from "@/lib/two-factor/policy";

export type SavePolicyState = { saved?: string; error?: string; fieldErrors?: FieldErrors };

export async function savePolicy(_previous: SavePolicyState, formData: FormData): Promise<SavePolicyState> {
  const { user: admin } = await requireAdmin();
  const db = await getDb();
  if (!(await hasTwoFactor(db, admin.id))) {
    return { error: "Set up two-factor authentication on your profile before changing the 2FA policy." };
  }
  const input = formFields(formData, ["mode", "skipDays", "requireEnrollment", "allowEmailMethod"]);
  const result = await updatePolicy(db, input, admin.id, await requestContext());
  if (!result.ok) return { error: "Please correct the fields below.", fieldErrors: result.fieldErrors };
  revalidatePath("/settings/security/2fa-policy");
  const ended = result.trustedBrowsersRevoked;
  return {
    saved:
      ended > 0
        ? `2FA policy saved. ${ended} remembered ${ended === 1 ? "browser" : "browsers"} will be asked for a code again.`
        : "2FA policy saved.",
  };
}
