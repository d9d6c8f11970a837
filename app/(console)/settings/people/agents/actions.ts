"use server";

// The admin's actions on people: add an agent, and rescue one (one-time backup code, unlock, reset 2FA).
// Each goes through the action kernel as an admin, behind a step-up: a rescue, or a new admin, needs an
// admin who has 2FA on and confirmed with a code within 10 minutes (a hijacked session alone cannot
// hand an account over); a new agent needs "Confirm it's you", with the password while the admin has
// no method (the first run). The change is made and audited, then the person is emailed.
import { revalidatePath } from "next/cache";
import { z } from "zod";
import type { Database } from "@/db/client";
import type { User } from "@/db/schema";
import { action, refuse, type ActionResult, type Refusal } from "@/lib/action";
import { recordEvent } from "@/lib/audit";
import { trySendEmail } from "@/lib/email/try-send";
import {
  accountUnlockedEmail,
  adminBackupCodeIssuedEmail,
  signedOutEverywhereEmail,
  twoFactorResetByAdminEmail,
  welcomeEmail,
} from "@/lib/email/templates";
import { endSessions } from "@/lib/auth/sessions";
import { appOrigin } from "@/lib/origin";
import { issueAdminBackupCode } from "@/lib/two-factor/admin-codes";
import { unlockAccount } from "@/lib/two-factor/lockout";
import { resetTwoFactorByAdmin } from "@/lib/two-factor/methods";
import { createUser, findUserById, newUserInput } from "@/lib/users";

const AGENTS_PATH = "/settings/people/agents";

export type AddAgentResult = ActionResult<{ created: string }>;
export type RowActionResult = ActionResult<{ done: string }>;
export type IssueCodeResult = ActionResult<{ code: string; expiresAt: string; emailed: boolean; warning?: string }>;

export const addAgent = action(
  {
    access: "admin",
    input: newUserInput,
    inputError: "form",
    echo: ["name", "email", "username", "role"],
    reauth: (_viewer, input) => (input.role === "admin" ? "second_factor" : true),
  },
  async ({ viewer, db, request, input }): Promise<AddAgentResult> => {
    const created = await createUser(db, input);
    if (!created.ok) return refuse(created.message, { fieldErrors: { [created.field]: created.message } });
    const { user } = created;
    await recordEvent(db, {
      type: "user.created",
      actorId: viewer.user.id,
      subjectId: user.id,
      context: request,
      details: { role: user.role },
    });
    revalidatePath(AGENTS_PATH);
    const signInUrl = `${await appOrigin()}/login`;
    const emailed = await trySendEmail(
      { to: user.email, ...welcomeEmail({ name: user.name, username: user.username, signInUrl }) },
      "welcome",
    );
    return {
      ok: true,
      created: emailed
        ? `${user.name} was added and emailed the sign-in address.`
        : `${user.name} was added, but the welcome email could not be sent.`,
    };
  },
);

const personInput = z.object({ userId: z.uuid("Choose a person from the list.") });

/** The person a row action is for, or the refusal when they no longer exist. */
async function person(db: Database, userId: string): Promise<User | Refusal> {
  return (await findUserById(db, userId)) ?? refuse("This person no longer exists.");
}

/** Every rescue: the admin's own second factor, confirmed within 10 minutes. */
const rescue = { access: "admin", input: personInput, reauth: "second_factor" } as const;

export const issueBackupCode = action(rescue, async ({ viewer, db, request, input }): Promise<IssueCodeResult> => {
  const target = await person(db, input.userId);
  if ("ok" in target) return target;
  // An admin who lost their own device uses their own backup codes, or another admin.
  if (target.id === viewer.user.id) return refuse("You cannot issue a backup code to yourself.");
  if (target.status === "disabled") return refuse(`${target.name}'s account is disabled.`);

  const { code, expiresAt } = await issueAdminBackupCode(db, { userId: target.id, issuedBy: viewer.user.id, context: request });
  const emailed = await trySendEmail(
    { to: target.email, ...adminBackupCodeIssuedEmail({ name: target.name, adminName: viewer.user.name }) },
    "notice",
  );
  const warning = target.status === "locked" ? `${target.name}'s account is locked: unlock it too, or the code cannot be used.` : undefined;
  return { ok: true, code, expiresAt: expiresAt.toISOString(), emailed, ...(warning ? { warning } : {}) };
});

export const unlockPerson = action(rescue, async ({ viewer, db, request, input }): Promise<RowActionResult> => {
  const target = await person(db, input.userId);
  if ("ok" in target) return target;
  if (target.status !== "locked") return refuse(`${target.name}'s account is not locked.`);
  if (!(await unlockAccount(db, target.id, viewer.user.id, request))) return refuse(`${target.name}'s account could not be unlocked.`);
  revalidatePath(AGENTS_PATH);
  const emailed = await trySendEmail(
    { to: target.email, ...accountUnlockedEmail({ name: target.name, adminName: viewer.user.name }) },
    "notice",
  );
  return {
    ok: true,
    done: emailed ? `${target.name} was unlocked and emailed.` : `${target.name} was unlocked, but the email could not be sent.`,
  };
});

export const resetTwoFactor = action(rescue, async ({ viewer, db, request, input }): Promise<RowActionResult> => {
  const target = await person(db, input.userId);
  if ("ok" in target) return target;
  if (target.id === viewer.user.id) return refuse("Reset your own two-factor authentication on your profile.");
  await resetTwoFactorByAdmin(db, { userId: target.id, adminId: viewer.user.id, context: request });
  revalidatePath(AGENTS_PATH);
  const emailed = await trySendEmail(
    { to: target.email, ...twoFactorResetByAdminEmail({ name: target.name, adminName: viewer.user.name }) },
    "notice",
  );
  return {
    ok: true,
    done: emailed
      ? `${target.name}'s two-factor authentication was reset and they were signed out everywhere.`
      : `${target.name}'s two-factor authentication was reset, but the email could not be sent.`,
  };
});

/**
 * "Sign out everywhere" on a person's row: every session of theirs ends and every browser they trusted
 * asks for a code again, after "Confirm it's you"
 * (ending sessions hands nothing over, so the admin's password suffices while they have no method).
 * Audited with the admin as the actor; the person is emailed.
 */
export const signOutPersonEverywhere = action(
  { access: "admin", input: personInput, reauth: true },
  async ({ viewer, db, request, input }): Promise<RowActionResult> => {
    const target = await person(db, input.userId);
    if ("ok" in target) return target;
    if (target.id === viewer.user.id) return refuse("Sign yourself out on your profile, under “Where you're signed in”.");
    const count = await endSessions(db, { userId: target.id, forgetBrowsers: true }, { actorId: viewer.user.id, context: request });
    if (count === 0) return { ok: true, done: `${target.name} was not signed in anywhere.` };
    const emailed = await trySendEmail(
      { to: target.email, ...signedOutEverywhereEmail({ name: target.name, adminName: viewer.user.name }) },
      "notice",
    );
    const sessions = count === 1 ? "1 session" : `${count} sessions`;
    return {
      ok: true,
      done: emailed
        ? `${target.name} was signed out of ${sessions} and emailed.`
        : `${target.name} was signed out of ${sessions}, but the email could not be sent.`,
    };
  },
);
