// The authenticator-app steps every spec and the suite's own admin share: codes that respect the
// one-use-per-step rule, setting the app up on /profile/security, and "Confirm it's you" with a code.
// Nothing here imports the other support files (but the a11y check), so each of them can use it.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect, type Locator, type Page } from "@playwright/test";
import { totpCodeAt } from "../../lib/two-factor/totp";
import { checkPage } from "./a11y";

const STEP_MS = 30_000;

/**
 * Where a run keeps what must outlive a worker that Playwright restarts after a failure: the e2e
 * admin's secret and the last step each secret answered. scripts/e2e.mjs gives every run a fresh one.
 */
export const stateDir = process.env.E2E_STATE_DIR ?? path.join(os.tmpdir(), `tessera-e2e-state-${process.env.E2E_PORT ?? 3100}`);
mkdirSync(stateDir, { recursive: true });
const stepsFile = path.join(stateDir, "totp-steps.json");

function lastSteps(): Record<string, number> {
  return existsSync(stepsFile) ? (JSON.parse(readFileSync(stepsFile, "utf8")) as Record<string, number>) : {};
}

/**
 * A code the server has not seen yet, when one is to be had now: of the current step, or of the next
 * (the server allows one step of skew) when this one was spent. Null when both were.
 */
export function codeNow(secret: string): string | null {
  const used = lastSteps()[secret] ?? -1;
  const step = Math.max(Math.floor(Date.now() / STEP_MS), used + 1);
  if (step > Math.floor(Date.now() / STEP_MS) + 1) return null;
  writeFileSync(stepsFile, JSON.stringify({ ...lastSteps(), [secret]: step }));
  return totpCodeAt(secret, new Date(step * STEP_MS + 1000));
}

/** A code the server has not seen yet, waiting for the next step when there is none now. */
export async function freshCode(secret: string): Promise<string> {
  for (;;) {
    const code = codeNow(secret);
    if (code) return code;
    await new Promise((resolve) => setTimeout(resolve, STEP_MS - (Date.now() % STEP_MS) + 250));
  }
}

export function region(page: Page, name: string): Locator {
  return page.getByRole("region", { name, exact: true });
}

/** Sets up the app on /profile/security and returns its secret; the backup codes dialog is left open when it appears. */
export async function setUpApp(page: Page): Promise<string> {
  if (new URL(page.url()).pathname !== "/profile/security") await page.goto("/profile/security");
  await expect(page.getByRole("heading", { level: 1, name: "Two-Factor Authentication" })).toBeVisible();
  await checkPage(page, "profile");
  await region(page, "Authenticator app authentication").getByRole("button", { name: "Set up" }).click();
  const link = page.getByRole("dialog", { name: "Link the app to your account" });
  await expect(link.getByRole("img", { name: "QR code" })).toBeVisible();
  await checkPage(page, "dialog-link-app");
  const secret = (await link.locator("code").innerText()).replace(/\s/g, "");
  await link.getByRole("button", { name: "Next" }).click();
  const enter = page.getByRole("dialog", { name: "Enter the Authentication Code" });
  await expect(enter.getByLabel("Authentication code")).toBeVisible();
  await checkPage(page, "dialog-enter-app-code");
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
  await checkPage(page, "dialog-save-backup-codes");
  const codes = await list.getByRole("listitem").allInnerTexts();
  await dialog.getByRole("button", { name: "Done" }).click();
  await expect(dialog).toBeHidden();
  return codes.map((code) => code.trim());
}

export function reauthDialog(page: Page): Locator {
  return page.getByRole("dialog", { name: "Confirm it's you" });
}

/** Answers "Confirm it's you" with a current code of `secret`. */
export async function confirmWithCode(page: Page, secret: string): Promise<void> {
  const dialog = reauthDialog(page);
  await expect(dialog.getByLabel("Authentication code")).toBeVisible();
  await checkPage(page, "dialog-confirm-code");
  await dialog.getByLabel("Authentication code").fill(await freshCode(secret));
  await dialog.getByRole("button", { name: "Confirm" }).click();
  await expect(dialog).toBeHidden();
}

/** Answers "Confirm it's you" with one of the backup codes (used up), so no authenticator step is spent. */
export async function confirmWithBackupCode(page: Page, code: string): Promise<void> {
  const dialog = reauthDialog(page);
  await dialog.getByRole("button", { name: "Use a backup code" }).click();
  await expect(dialog.getByLabel("Backup code")).toBeVisible();
  await checkPage(page, "dialog-confirm-backup-code");
  await dialog.getByLabel("Backup code").fill(code);
  await dialog.getByRole("button", { name: "Confirm" }).click();
  await expect(dialog).toBeHidden();
}

/**
 * After a change that may need a step-up: waits for `done` or for "Confirm it's you", and answers the
 * latter with a code of `secret` (the change then runs by itself), until `done` shows.
 */
export async function confirmIfAsked(page: Page, secret: string, done: Locator): Promise<void> {
  await expect(done.or(reauthDialog(page)).first()).toBeVisible();
  if (await reauthDialog(page).isVisible()) await confirmWithCode(page, secret);
  await expect(done).toBeVisible();
}
