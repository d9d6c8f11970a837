"use server";

// The admin's actions on people: add an agent, and rescue one (one-time backup code, unlock, reset 2FA).
import { revalidatePath } from "next/cache";
import { z } from "zod";
import { getDb } from "@/db/client";
import type { User } from "@/db/schema";
import { recordEvent } from "@/lib/audit";
import { requireAdmin } from "@/lib/auth/current-user";
import { sendEmail, type EmailMessage } from "@/lib/email";
import { accountUnlockedEmail, adminBackupCodeIssuedEmail, twoFactorResetByAdminEmail, welcomeEmail } from "@/lib/email/templates";
import { formFields, parseForm, type FieldErrors } from "@/lib/forms";
import { appOrigin } from "@/lib/origin";
import { requestContext } from "@/lib/request";
import { issueAdminBackupCode } from "@/lib/two-factor/admin-codes";
import { unlockAccount } from "@/lib/two-factor/lockout";
import { resetTwoFactorByAdmin } from "@/lib/two-factor/methods";
import { createUser, findUserById, newUserInput } from "@/lib/users";

export type AddAgentState = {
  created?: string;
  error?: string;
  fieldErrors?: FieldErrors;
  values?: { name?: string; email?: string; username?: string; role?: string };
};

export async function addAgent(_previous: AddAgentState, formData: FormData): Promise<AddAgentState> {
  const { user: admin } = await requireAdmin();
  const parsed = parseForm(newUserInput, formData);
  const typed = formFields(formData, ["name", "email", "username", "role"]);
  const values = {
    name: (typed.name ?? "").slice(0, 100),
    email: (typed.email ?? "").slice(0, 254),
    username: (typed.username ?? "").slice(0, 40),
    role: (typed.role ?? "agent").slice(0, 10),
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

const AGENTS_PATH = "/settings/people/agents";
const personInput = z.object({ userId: z.uuid("Choose a person from the list.") });

export type RowActionState = { done?: string; error?: string };
export type IssueCodeState = { code?: string; expiresAt?: string; emailed?: boolean; warning?: string; error?: string };

type Target = { ok: true; admin: User; person: User } | { ok: false; error: string };

/** The guard every row action starts with: an admin, a well-formed id, a person who exists. */
async function adminAndPerson(formData: FormData): Promise<Target> {
  const { user: admin } = await requireAdmin();
  const parsed = parseForm(personInput, formData);
  if (!parsed.ok) return { ok: false, error: parsed.fieldErrors.userId ?? parsed.error };
  const person = await findUserById(await getDb(), parsed.data.userId);
  if (!person) return { ok: false, error: "This person no longer exists." };
  return { ok: true, admin, person };
}

/** Sends a notice; the change is already made and audited, so a failed send is reported, not fatal. */
async function notify(message: EmailMessage): Promise<boolean> {
  try {
    await sendEmail(message);
    return true;
  } catch (error) {
    console.error("[tessera] notice email failed:", error instanceof Error ? error.message : "unknown error");
    return false;
  }
}

export async function issueBackupCode(_previous: IssueCodeState, formData: FormData): Promise<IssueCodeState> {
  const target = await adminAndPerson(formData);
  if (!target.ok) return { error: target.error };
  const { admin, person } = target;
  // An admin who lost their own device uses their own backup codes, or another admin.
  if (person.id === admin.id) return { error: "You cannot issue a backup code to yourself." };
  if (person.status === "disabled") return { error: `${person.name}'s account is disabled.` };

  const db = await getDb();
  const { code, expiresAt } = await issueAdminBackupCode(db, { userId: person.id, issuedBy: admin.id, context: await requestContext() });
  const emailed = await notify({ to: person.email, ...adminBackupCodeIssuedEmail({ name: person.name, adminName: admin.name }) });
  const warning = person.status === "locked" ? `${person.name}'s account is locked: unlock it too, or the code cannot be used.` : undefined;
  return { code, expiresAt: expiresAt.toISOString(), emailed, warning };
}

export async function unlockPerson(_previous: RowActionState, formData: FormData): Promise<RowActionState> {
  const target = await adminAndPerson(formData);
  if (!target.ok) return { error: target.error };
  const { admin, person } = target;
  if (person.status !== "locked") return { error: `${person.name}'s account is not locked.` };

  if (!(await unlockAccount(await getDb(), person.id, admin.id, await requestContext()))) {
    return { error: `${person.name}'s account could not be unlocked.` };
  }
  revalidatePath(AGENTS_PATH);
  const emailed = await notify({ to: person.email, ...accountUnlockedEmail({ name: person.name, adminName: admin.name }) });
  return { done: emailed ? `${person.name} was unlocked and emailed.` : `${person.name} was unlocked, but the email could not be sent.` };
}

export async function resetTwoFactor(_previous: RowActionState, formData: FormData): Promise<RowActionState> {
  const target = await adminAndPerson(formData);
  if (!target.ok) return { error: target.error };
  const { admin, person } = target;
  if (person.id === admin.id) return { error: "Reset your own two-factor authentication on your profile." };

  await resetTwoFactorByAdmin(await getDb(), { userId: person.id, adminId: admin.id, context: await requestContext() });
  revalidatePath(AGENTS_PATH);
  const emailed = await notify({ to: person.email, ...twoFactorResetByAdminEmail({ name: person.name, adminName: admin.name }) });
  return {
    done: emailed
      ? `${person.name}'s two-factor authentication was reset and they were signed out everywhere.`
      : `${person.name}'s two-factor authentication was reset, but the email could not be sent.`,
  };
}
