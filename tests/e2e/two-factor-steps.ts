// Browser steps shared by the 2FA specs: those of the app (./app-steps), answering "Input
// Authentication Code", setting email up, and saving the policy.
import { expect, type Page } from "@playwright/test";
import { checkPage } from "./a11y";
import { confirmIfAsked, region } from "./app-steps";
import { latestEmail, sixDigitCode, type TestPerson } from "./support";

export {
  closeBackupCodes,
  confirmIfAsked,
  confirmWithBackupCode,
  confirmWithCode,
  freshCode,
  reauthDialog,
  region,
  setUpApp,
} from "./app-steps";

async function onProfilePage(page: Page): Promise<void> {
  if (new URL(page.url()).pathname !== "/profile/security") await page.goto("/profile/security");
}

/** Answers the code page with `code` (6 digits, or a backup code after "Use a backup code"). */
export async function enterSignInCode(page: Page, code: string, options: { backup?: boolean; remember?: boolean } = {}) {
  await expect(page.getByRole("heading", { name: "Input Authentication Code" })).toBeVisible();
  if (options.backup) {
    await page.getByRole("button", { name: "Use a backup code" }).click();
    await expect(page.getByLabel("Backup code")).toBeVisible();
    await checkPage(page, "verify-backup-code");
    await page.getByLabel("Backup code").fill(code);
  } else {
    await page.getByLabel("Authentication code").fill(code);
  }
  if (options.remember) await page.getByRole("checkbox", { name: /Don't ask again for \d+ days/ }).check();
  await page.getByRole("button", { name: "Verify" }).click();
}

/** Sets up email on /profile/security with the code read from the outbox (by the admin, see latestEmail). */
export async function setUpEmail(page: Page, person: TestPerson, button: "Set up" | "Reset" = "Set up") {
  await onProfilePage(page);
  await region(page, "Email authentication").getByRole("button", { name: button }).click();
  const enter = page.getByRole("dialog", { name: "Enter the Authentication Code" });
  await expect(enter).toContainText(person.email);
  await checkPage(page, "dialog-enter-email-code");
  const mail = await latestEmail(page, person.email, /Confirm your email address/);
  await enter.getByLabel("Authentication code").fill(sixDigitCode(mail.body));
  await enter.getByRole("button", { name: "Verify" }).click();
  await expect(enter).toBeHidden();
}

/**
 * Saves the 2FA policy as the signed-in admin, who must have the app on (`secret`): saving needs their
 * second factor within 10 minutes, so "Confirm it's you" is answered when it asks.
 */
export async function setPolicy(page: Page, secret: string, policy: { skipDays: 14 | 30 | 60 | 90 } | "every_login") {
  await page.goto("/settings/security/2fa-policy");
  await checkPage(page, "policy");
  if (policy === "every_login") {
    await page.getByRole("radio", { name: "Every login" }).check();
  } else {
    await page.getByRole("radio", { name: "Allow agents to skip Two-Factor Authentication" }).check();
    await page.getByLabel("Days").selectOption(String(policy.skipDays));
  }
  await page.getByRole("button", { name: "Save" }).click();
  await confirmIfAsked(page, secret, page.getByRole("status").filter({ hasText: /saved/i }));
}
