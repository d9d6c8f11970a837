"use server";

import { revalidatePath } from "next/cache";
import { getDb } from "@/db/client";
import { recordEvent } from "@/lib/audit";
import { requireAdmin } from "@/lib/auth/current-user";
import { sendEmail } from "@/lib/email";
import { welcomeEmail } from "@/lib/email/templates";
import { parseForm, type FieldErrors } from "@/lib/forms";
import { appOrigin } from "@/lib/origin";
import { requestContext } from "@/lib/request";
import { createUser, newUserInput } from "@/lib/users";

export type AddAgentState = {
  created?: string;
  error?: string;
  fieldErrors?: FieldErrors;
  values?: { name?: string; email?: string; username?: string; role?: string };
};

export async function addAgent(_previous: AddAgentState, formData: FormData): Promise<AddAgentState> {
  const { user: admin } = await requireAdmin();
  const parsed = parseForm(newUserInput, formData);
  const values = {
    name: String(formData.get("name") ?? "").slice(0, 100),
    email: String(formData.get("email") ?? "").slice(0, 254),
    username: String(formData.get("username") ?? "").slice(0, 40),
    role: String(formData.get("role") ?? "agent").slice(0, 10),
  };
  if (!parsed.ok) return { error: parsed.error, fieldErrors: parsed.fieldErrors, values };

  const db = await getDb();
  const context = await requestContext();
  const created = await createUser(db, parsed.data);
  if (!created.ok) return { error: created.message, fieldErrors: { [created.field]: created.message }, values };
  await recordEvent(db, {
    type: "user.created",
    actorId: admin.id,
    subjectId: created.user.id,
    context,
    details: { role: created.user.role },
  });
  revalidatePath("/settings/people/agents");

  try {
    const origin = await appOrigin();
    await sendEmail({
      to: created.user.email,
      ...welcomeEmail({ name: created.user.name, username: created.user.username, signInUrl: `${origin}/login` }),
    });
  } catch (error) {
    console.error("[tessera] welcome email failed:", error instanceof Error ? error.message : "unknown error");
    return { created: `${created.user.name} was added, but the welcome email could not be sent.` };
  }
  return { created: `${created.user.name} was added and emailed the sign-in address.` };
}
