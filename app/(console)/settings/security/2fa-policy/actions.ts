"use server";

// Saving the organisation's 2FA policy: only an admin who has 2FA on and confirmed with a code within
// 10 minutes (the kernel's step-up), checked here again, never trusted from the page.
import { revalidatePath } from "next/cache";
import { action, refuse, type ActionResult } from "@/lib/action";
import { policyInput, updatePolicy } from "@/lib/two-factor/policy";

export type SavePolicyResult = ActionResult<{ saved: string }>;

export const savePolicy = action(
  { access: "admin", input: policyInput, reauth: "second_factor" },
  async ({ viewer, db, request, input }): Promise<SavePolicyResult> => {
    const result = await updatePolicy(db, input, viewer.user.id, request);
    if (!result.ok) return refuse("Please correct the fields below.", { fieldErrors: result.fieldErrors });
    revalidatePath("/settings/security/2fa-policy");
    const ended = result.trustedBrowsersRevoked;
    return {
      ok: true,
      saved:
        ended > 0
          ? `2FA policy saved. ${ended} remembered ${ended === 1 ? "browser" : "browsers"} will be asked for a code again.`
          : "2FA policy saved.",
    };
  },
);
