// Browser steps shared by the 2FA specs: authenticator codes that respect the one-use-per-step
// rule, setting up the app on /profile/security, and answering "Input Authentication Code".
import { expect, type Locator, type Page } from "@playwright/test";
import { totpCodeAt } from "../../lib/two-factor/totp";
import { latestEmail, sixDigitCode, type TestPerson } from "./support";

const STEP_MS = 30_000;
const lastStep = new Map<string, number>();

/** A code of the secret's current step, waiting for the next step when this one was already spent. */
export async function freshCode(secret: string): Promise<string> {
  let step = Math.floor(Date.now() / STEP_MS);
  if ((lastStep.get(secret) ?? -1) >= step) {
    await new Promise((resolve) => setTimeout(resolve, (step + 1) * STEP_MS - Date.now() + 250));
    step = Math.floor(Date.now() / STEP_MS);
  }
  lastStep.set(secret, step);
  return totpCodeAt(secret, new Date(step * STEP_MS + 1000));
}

export function region(page: Page, name: string): Locator {
  return page.getByRole("region", { name, exact: true });
}

async function onProfilePage(page: Page): Promise<void> {
  if (new URL(page.url()).pathname !== "/profile/security") await page.goto("/profile/security");
}

/** Sets up the app on /profile/security and returns its secret; the backup codes dialog is left open when it appears. */
export async function setUpApp(page: Page): Promise<string> {
  await onProfilePage(page);
  await region(page, "Authenticator app authentication").getByRole("button", { name: "Set up" }).click();
  const link = page.getByRole("dialog", { name: "Link the app to your account" });
  await expect(link.getByRole("img", { name: "QR code" })).toBeVisible();
  const secret = (await link.locator("code").innerText()).replace(/\s/g, "");
  await link.getByRole("button", { name: "Next" }).click();
  const enter = page.getByRole("dialog", { name: "Enter the Authentication Code" });
  await enter.getByLabel("Authentication code").fill(await freshCode(secret));
  await enter.getByRole("button", { name: "Verify" }).click();
  await expect(enter).toBeHidden();
  return secret;
}

/** Reads the ten codes from the backup codes dialog and closes it. */
export async function closeBackupCodes(page: Page): Promise<string[]> {
  const dialog = page.getByRole("dialog", { name: "Save your backup codes" });
  const list = dialog.getByRole("list", { name: "Backup codes" });
  await expect(list).toBeVisible();
  const codes = await list.getByRole("listitem").allInnerTexts();
  await dialog.getByRole("button", { name: "Done" }).click();
  await expect(dialog).toBeHidden();
  return codes.map((code) => code.trim());
}

/** Answers the code page with `code` (6 digits, or a backup code after "Use a backup code"). */
export async function enterSignInCode(page: Page, code: string, options: { backup?: boolean; remember?: boolean } = {}) {
  await expect(page.getByRole("heading", { name: "Input Authentication Code" })).toBeVisible();
  if (options.backup) {
    await page.getByRole("button", { name: "Use a backup code" }).click();
    await page.getByLabel("Backup code").fill(code);
  } else {
    await page.getByLabel("Authentication code").fill(code);
  }
  if (options.remember) await page.getByRole("checkbox", { name: /Don't ask again for \d+ days/ }).check();
  await page.getByRole("button", { name: "Verify" }).click();
}

/** Sets up email on /profile/security with the code read from the outbox in a second tab. */
export async function setUpEmail(page: Page, person: TestPerson, button: "Set up" | "Reset" = "Set up") {
  await onProfilePage(page);
  await region(page, "Email authentication").getByRole("button", { name: button }).click();
  const enter = page.getByRole("dialog", { name: "Enter the Authentication Code" });
  await expect(enter).toContainText(person.email);
  const outbox = await page.context().newPage();
  const mail = await latestEmail(outbox, person.email, /Confirm your email address/);
  await outbox.close();
  await enter.getByLabel("Authentication code").fill(sixDigitCode(mail.body));
  await enter.getByRole("button", { name: "Verify" }).click();
  await expect(enter).toBeHidden();
}

/** Saves the 2FA policy as the signed-in admin (who must have 2FA on). */
export async function setPolicy(page: Page, policy: { skipDays: 14 | 30 | 60 | 90 } | "every_login") {
  await page.goto("/settings/security/2fa-policy");
  if (policy === "every_login") {
    await page.getByRole("radio", { name: "Every login" }).check();
  } else {
    await page.getByRole("radio", { name: "Allow agents to skip Two-Factor Authentication" }).check();
    await page.getByLabel("Days").selectOption(String(policy.skipDays));
  }
  await page.getByRole("button", { name: "Save" }).click();
  await expect(page.getByRole("status").filter({ hasText: /saved/i })).toBeVisible();
}
