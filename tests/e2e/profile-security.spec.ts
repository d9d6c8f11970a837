// Profile > Two-Factor Authentication in the production build: an agent links an authenticator app
// from the QR code, keeps backup codes, sets up email from the outbox, turns both off, and the
// sensitive changes ask "Confirm it's you" once the re-authentication window has passed.
import { readFile } from "node:fs/promises";
import { expect, test, type Browser, type BrowserContext, type Locator, type Page } from "@playwright/test";
import jsQR from "jsqr";
import { totpCodeAt } from "../../lib/two-factor/totp";
import { checkPage } from "./a11y";
import { createPerson, latestEmail, signIn, sixDigitCode, type TestPerson } from "./support";
import {
  closeBackupCodes,
  confirmWithBackupCode,
  confirmWithCode,
  enterSignInCode,
  freshCode,
  reauthDialog,
  region,
  setPolicy,
  setUpApp,
  setUpEmail,
} from "./two-factor-steps";

const PAGE = "/profile/security";
const BACKUP_CODE = /^[a-z0-9]{5}-[a-z0-9]{5}$/;

// A second code of the same app may have to wait for the next 30-second step.
test.describe.configure({ timeout: 120_000 });

/** Draws the QR code's SVG on a canvas in the page and decodes its pixels here with jsQR. */
async function decodeQrCode(qr: Locator): Promise<string | null> {
  const image = await qr.evaluate(async (svg) => {
    const size = 480;
    const picture = new Image();
    picture.src = `data:image/svg+xml;base64,${btoa(new XMLSerializer().serializeToString(svg))}`;
    await picture.decode();
    const canvas = document.createElement("canvas");
    canvas.width = size;
    canvas.height = size;
    const context = canvas.getContext("2d")!;
    context.imageSmoothingEnabled = false;
    context.fillStyle = "#fff";
    context.fillRect(0, 0, size, size);
    context.drawImage(picture, 0, 0, size, size);
    return { size, pixels: Array.from(context.getImageData(0, 0, size, size).data) };
  });
  return jsQR(Uint8ClampedArray.from(image.pixels), image.size, image.size)?.data ?? null;
}

const SAFARI_ON_MAC =
  "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15";

async function signedInContext(browser: Browser, person: TestPerson): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ acceptDownloads: true });
  const page = await context.newPage();
  await signIn(page, person.username, person.password);
  await expect(page.getByRole("heading", { name: "Agent Panel" })).toBeVisible();
  return { context, page };
}

test("an agent links an authenticator app from the QR code, keeps ten backup codes, and their other session ends", async ({ browser }) => {
  const agent = await createPerson(browser);
  const { context, page } = await signedInContext(browser, agent);
  await context.grantPermissions(["clipboard-read", "clipboard-write"]);
  const other = await signedInContext(browser, agent);

  await page.goto(PAGE);
  await expect(page.getByRole("heading", { level: 1, name: "Two-Factor Authentication" })).toBeVisible();
  const app = region(page, "Authenticator app authentication");
  await expect(app.getByText("Off", { exact: true })).toBeVisible();
  await expect(region(page, "Backup codes")).toContainText("become available");
  await checkPage(page, "profile");

  await app.getByRole("button", { name: "Set up" }).click();
  const link = page.getByRole("dialog", { name: "Link the app to your account" });
  const qr = link.getByRole("img", { name: "QR code" });
  await expect(qr).toBeVisible();
  const secret = (await link.locator("code").innerText()).replace(/\s/g, "");
  expect(secret).toMatch(/^[A-Z2-7]{32}$/);
  const uri = await decodeQrCode(qr);
  expect(uri).toBe(
    `otpauth://totp/Tessera:${encodeURIComponent(agent.email)}?secret=${secret}&issuer=Tessera&algorithm=SHA1&digits=6&period=30`,
  );
  await expect(link).toContainText("date and time automatically");
  await checkPage(page, "dialog-link-app");

  await link.getByRole("button", { name: "Next" }).click();
  const enter = page.getByRole("dialog", { name: "Enter the Authentication Code" });
  const wrong = String((Number(totpCodeAt(secret, new Date())) + 500_000) % 1_000_000).padStart(6, "0");
  await enter.getByLabel("Authentication code").fill(wrong);
  await enter.getByRole("button", { name: "Verify" }).click();
  await expect(enter.getByText("Invalid authentication code.")).toBeVisible();
  await checkPage(page, "dialog-enter-app-code-invalid");
  await enter.getByLabel("Authentication code").fill(await freshCode(secret));
  await enter.getByRole("button", { name: "Verify" }).click();

  const codesDialog = page.getByRole("dialog", { name: "Save your backup codes" });
  await expect(codesDialog).toContainText("Save these codes somewhere safe");
  const codes = (await codesDialog.getByRole("list", { name: "Backup codes" }).getByRole("listitem").allInnerTexts()).map((code) =>
    code.trim(),
  );
  expect(codes).toHaveLength(10);
  for (const code of codes) expect(code).toMatch(BACKUP_CODE);
  expect(new Set(codes).size).toBe(10);
  await checkPage(page, "dialog-save-backup-codes");

  const [download] = await Promise.all([page.waitForEvent("download"), codesDialog.getByRole("button", { name: "Download" }).click()]);
  expect(download.suggestedFilename()).toBe("tessera-backup-codes.txt");
  expect(download.url()).not.toMatch(/[a-z0-9]{5}-[a-z0-9]{5}/);
  const file = await readFile(await download.path(), "utf8");
  expect(file).toContain("Tessera");
  expect(file).toContain(agent.email);
  for (const code of codes) expect(file).toContain(code);

  await codesDialog.getByRole("button", { name: "Copy" }).click();
  await expect(codesDialog.getByText("Copied.")).toBeVisible();
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(codes.join("\n"));
  await codesDialog.getByRole("button", { name: "Done" }).click();
  await expect(codesDialog).toBeHidden();

  await expect(app.getByText("On", { exact: true })).toBeVisible();
  await expect(app.getByRole("button", { name: "Reset" })).toBeVisible();
  await expect(app.getByRole("button", { name: "Turn off" })).toBeVisible();
  await expect(region(page, "Backup codes")).toContainText("10 of 10 codes left");
  await checkPage(page, "profile-app-on");

  // This browser stays signed in; the other session of the same person ends.
  await page.reload();
  await expect(page.getByRole("heading", { level: 1, name: "Two-Factor Authentication" })).toBeVisible();
  // The secret is never sent to the browser again.
  expect(await page.content()).not.toContain(secret);
  await other.page.goto(PAGE);
  await expect(other.page.getByRole("heading", { name: "User Sign In" })).toBeVisible();

  const notice = await latestEmail(page, agent.email, /Authenticator app authentication was turned on/);
  expect(notice.body).not.toContain(secret);
  for (const code of codes) expect(notice.body).not.toContain(code);

  // Signing in again asks for a code from the app, and a spent step is not accepted twice.
  await context.clearCookies();
  await signIn(page, agent.username, agent.password);
  await expect(page.getByRole("heading", { name: "Input Authentication Code" })).toBeVisible();
  await page.getByLabel("Authentication code").fill(await freshCode(secret));
  await page.getByRole("button", { name: "Verify" }).click();
  await expect(page.getByRole("heading", { name: "Agent Panel" })).toBeVisible();

  await other.context.close();
  await context.close();
});

test("email authentication is set up with the emailed code, then used to sign in", async ({ browser }) => {
  const agent = await createPerson(browser);
  const { context, page } = await signedInContext(browser, agent);
  await page.goto(PAGE);
  const email = region(page, "Email authentication");

  await email.getByRole("button", { name: "Set up" }).click();
  const enter = page.getByRole("dialog", { name: "Enter the Authentication Code" });
  await expect(enter).toContainText(agent.email);
  await expect(enter.getByRole("button", { name: "Resend" })).toBeDisabled();
  await checkPage(page, "dialog-enter-email-code");
  const outbox = await context.newPage();
  const mail = await latestEmail(outbox, agent.email, /Confirm your email address/);
  await outbox.close();
  await enter.getByLabel("Authentication code").fill(sixDigitCode(mail.body));
  await enter.getByRole("button", { name: "Verify" }).click();

  // Email is the first method, so it brings the backup codes.
  expect(await closeBackupCodes(page)).toHaveLength(10);
  await expect(email.getByText("On", { exact: true })).toBeVisible();
  await expect(email).toContainText("Email authentication is on.");
  await latestEmail(page, agent.email, /Email authentication was turned on/);

  await context.clearCookies();
  await signIn(page, agent.username, agent.password);
  await expect(page.getByRole("heading", { name: "Input Authentication Code" })).toBeVisible();
  // The setup code went out less than a minute ago, so the sign-in code waits for the resend cooldown.
  const resend = page.getByRole("button", { name: "Resend" });
  await expect(resend).toBeEnabled({ timeout: 70_000 });
  await resend.click();
  // Only once the new code is out: the outbox already holds the first one, which the new one ended.
  await expect(page.getByText("We sent a new code to your email.")).toBeVisible();
  const signInMail = await latestEmail(await context.newPage(), agent.email, /sign-in code/);
  await page.getByLabel("Authentication code").fill(sixDigitCode(signInMail.body));
  await page.getByRole("button", { name: "Verify" }).click();
  await expect(page.getByRole("heading", { name: "Agent Panel" })).toBeVisible();
  await context.close();
});

test("each method can be turned off, and the last one takes the backup codes with it", async ({ browser }) => {
  const agent = await createPerson(browser);
  const { context, page } = await signedInContext(browser, agent);
  await page.goto(PAGE);
  await setUpApp(page);
  await closeBackupCodes(page);
  await setUpEmail(page, agent);
  await expect(page.getByRole("dialog", { name: "Save your backup codes" })).toBeHidden();
  await expect(region(page, "Email authentication").getByText("On", { exact: true })).toBeVisible();

  await region(page, "Email authentication").getByRole("button", { name: "Turn off" }).click();
  const confirmEmail = page.getByRole("dialog", { name: "Turn off email authentication?" });
  await expect(confirmEmail).toContainText("other method");
  await checkPage(page, "dialog-turn-off-email");
  await confirmEmail.getByRole("button", { name: "Turn off" }).click();
  await expect(region(page, "Email authentication")).toContainText("Email authentication is off.");
  await expect(region(page, "Email authentication").getByRole("button", { name: "Set up" })).toBeVisible();
  await expect(region(page, "Backup codes")).toContainText("10 of 10 codes left");

  await region(page, "Authenticator app authentication").getByRole("button", { name: "Turn off" }).click();
  const confirmApp = page.getByRole("dialog", { name: "Turn off authenticator app authentication?" });
  await expect(confirmApp).toContainText("only method");
  await checkPage(page, "dialog-turn-off-app");
  await confirmApp.getByRole("button", { name: "Turn off" }).click();
  await expect(region(page, "Authenticator app authentication").getByRole("button", { name: "Set up" })).toBeVisible();
  await expect(region(page, "Backup codes")).toContainText("become available");
  await latestEmail(page, agent.email, /Authenticator app authentication was turned off/);
  await context.close();
});

// The window opens at sign-in and lasts 10 minutes; the server's clock cannot be moved from here, so
// these tests close it with the test server's /dev/forget-reauthentication (a 404 in production).
test.describe("once the re-authentication window has passed", () => {
  test.describe.configure({ timeout: 180_000 });

  /** As if this session's last sign-in or confirmation was more than 10 minutes ago. */
  async function ageReauthentication(page: Page) {
    const response = await page.request.post("/dev/forget-reauthentication");
    expect(response.status()).toBe(204);
  }

  test('turning each method off asks "Confirm it\'s you" with a code, never the password alone, or a backup code', async ({ browser }) => {
    const agent = await createPerson(browser);
    const { context, page } = await signedInContext(browser, agent);
    await page.goto(PAGE);
    const secret = await setUpApp(page);
    const backupCodes = await closeBackupCodes(page);
    await setUpEmail(page, agent);

    await ageReauthentication(page);
    await region(page, "Email authentication").getByRole("button", { name: "Turn off" }).click();
    await page.getByRole("dialog", { name: "Turn off email authentication?" }).getByRole("button", { name: "Turn off" }).click();
    const reauth = reauthDialog(page);
    await expect(reauth).toBeVisible();
    // With a second factor on, the dialog has no password field at all.
    await expect(reauth.getByLabel("Password")).toHaveCount(0);
    const right = await freshCode(secret);
    await reauth.getByLabel("Authentication code").fill(right === "000000" ? "111111" : "000000");
    await reauth.getByRole("button", { name: "Confirm" }).click();
    await expect(reauth.getByText("Invalid authentication code.")).toBeVisible();
    await checkPage(page, "dialog-confirm-code-invalid");
    await reauth.getByLabel("Authentication code").fill(right);
    await reauth.getByRole("button", { name: "Confirm" }).click();
    await expect(reauth).toBeHidden();
    await expect(region(page, "Email authentication")).toContainText("Email authentication is off.");

    await ageReauthentication(page);
    await region(page, "Authenticator app authentication").getByRole("button", { name: "Turn off" }).click();
    await page
      .getByRole("dialog", { name: "Turn off authenticator app authentication?" })
      .getByRole("button", { name: "Turn off" })
      .click();
    await reauth.getByRole("button", { name: "Use a backup code" }).click();
    await reauth.getByLabel("Backup code").fill(backupCodes[0]);
    await reauth.getByRole("button", { name: "Confirm" }).click();
    await expect(reauth).toBeHidden();
    await expect(region(page, "Authenticator app authentication").getByRole("button", { name: "Set up" })).toBeVisible();
    await context.close();
  });

  test("resetting the app and new backup codes ask again; the old secret works until the new one is verified", async ({ browser }) => {
    const agent = await createPerson(browser);
    const { context, page } = await signedInContext(browser, agent);
    await page.goto(PAGE);
    const oldSecret = await setUpApp(page);
    const oldCodes = await closeBackupCodes(page);

    await ageReauthentication(page);
    await region(page, "Authenticator app authentication").getByRole("button", { name: "Reset" }).click();
    await confirmWithCode(page, oldSecret);
    const link = page.getByRole("dialog", { name: "Link the app to your account" });
    await expect(link).toContainText("current app keeps working");
    await checkPage(page, "dialog-link-app-reset");
    const newSecret = (await link.locator("code").innerText()).replace(/\s/g, "");
    expect(newSecret).not.toBe(oldSecret);
    await link.getByRole("button", { name: "Next" }).click();
    const enter = page.getByRole("dialog", { name: "Enter the Authentication Code" });
    // Only a code of the new secret finishes the reset.
    await enter.getByLabel("Authentication code").fill(totpCodeAt(oldSecret, new Date()));
    await enter.getByRole("button", { name: "Verify" }).click();
    await expect(enter.getByText("Invalid authentication code.")).toBeVisible();
    await enter.getByLabel("Authentication code").fill(await freshCode(newSecret));
    await enter.getByRole("button", { name: "Verify" }).click();
    await expect(enter).toBeHidden();
    await expect(region(page, "Authenticator app authentication")).toContainText("was reset");
    await latestEmail(await context.newPage(), agent.email, /Authenticator app authentication was reset/);

    // Seeing the codes again is behind the step-up, and each view is emailed.
    await ageReauthentication(page);
    await region(page, "Backup codes").getByRole("button", { name: "View Backup Codes" }).click();
    await confirmWithCode(page, newSecret);
    const view = page.getByRole("dialog", { name: "Your backup codes" });
    // allInnerTexts does not wait: the codes come after the step-up's answer, so wait for all ten first.
    await expect(view.getByRole("list", { name: "Backup codes" }).getByRole("listitem")).toHaveCount(10);
    const seen = await view.getByRole("list", { name: "Backup codes" }).getByRole("listitem").allInnerTexts();
    expect(seen.map((code) => code.trim())).toEqual(oldCodes);
    await expect(view).toContainText("This view was recorded");
    await checkPage(page, "dialog-your-backup-codes");
    await view.getByRole("button", { name: "Done" }).click();
    await latestEmail(await context.newPage(), agent.email, /Your backup codes were viewed/);

    await region(page, "Backup codes").getByRole("button", { name: "Generate new codes" }).click();
    await expect(page.getByRole("dialog", { name: "Generate new backup codes?" })).toBeVisible();
    await checkPage(page, "dialog-generate-codes");
    await page.getByRole("dialog", { name: "Generate new backup codes?" }).getByRole("button", { name: "Generate new codes" }).click();
    const newCodes = await closeBackupCodes(page);
    expect(newCodes).toHaveLength(10);
    expect(newCodes.filter((code) => oldCodes.includes(code))).toEqual([]);
    await latestEmail(await context.newPage(), agent.email, /New backup codes were generated/);
    await context.close();
  });

  test('trusted browsers are listed after "Confirm it\'s you" and can be revoked', async ({ browser }) => {
    const agent = await createPerson(browser);
    const { context, page } = await signedInContext(browser, agent);
    await page.goto(PAGE);
    const secret = await setUpApp(page);
    // The confirmations below take backup codes: authenticator steps are few, and each works once.
    const [firstCode, secondCode] = await closeBackupCodes(page);
    // A browser trusted at an earlier sign-in: "Don't ask again" in Safari on a Mac, while the policy allows it.
    const admin = await createPerson(browser, "admin");
    const adminSide = await browser.newContext();
    const adminPage = await adminSide.newPage();
    await signIn(adminPage, admin.username, admin.password);
    await expect(adminPage.getByRole("heading", { name: "Admin console" })).toBeVisible();
    const adminSecret = await setUpApp(adminPage);
    await closeBackupCodes(adminPage);
    // Back to "Every login" only at the end: that switch revokes every trusted browser.
    await setPolicy(adminPage, adminSecret, { skipDays: 30 });
    try {
      const mac = await browser.newContext({ userAgent: SAFARI_ON_MAC });
      const macPage = await mac.newPage();
      await signIn(macPage, agent.username, agent.password);
      await enterSignInCode(macPage, await freshCode(secret), { remember: true });
      await expect(macPage.getByRole("heading", { name: "Agent Panel" })).toBeVisible();
      await mac.close();

      await ageReauthentication(page);
      await page.reload();
      const trusted = region(page, "Trusted browsers");
      await expect(trusted.getByRole("table")).toHaveCount(0);
      await trusted.getByRole("button", { name: "Confirm it's you to see trusted browsers" }).click();
      await confirmWithBackupCode(page, firstCode);
      const row = trusted.getByRole("row").filter({ hasText: "Safari 17 on macOS" });
      await expect(row).toBeVisible();
      await checkPage(page, "profile-trusted-browsers");

      await ageReauthentication(page);
      await row.getByRole("button", { name: "Revoke" }).click();
      await confirmWithBackupCode(page, secondCode);
      await expect(trusted).toContainText("The browser was revoked.");
      await expect(row).toHaveCount(0);
    } finally {
      await setPolicy(adminPage, adminSecret, "every_login");
      await adminSide.close();
    }
    await context.close();
  });
});

test("changing the password signs out the other session and the new password signs in", async ({ browser }) => {
  const agent = await createPerson(browser);
  const { context, page } = await signedInContext(browser, agent);
  const other = await signedInContext(browser, agent);
  await page.goto(PAGE);

  await region(page, "Password").getByRole("button", { name: "Change password" }).click();
  const dialog = page.getByRole("dialog", { name: "Change password" });
  await dialog.getByLabel("Current password").fill("not my password, sorry");
  await dialog.getByLabel("New password", { exact: true }).fill("a new and long passphrase");
  await dialog.getByLabel("Confirm new password").fill("a new and long passphrase");
  await dialog.getByRole("button", { name: "Change password" }).click();
  await expect(dialog.getByText("Your current password is not right.")).toBeVisible();
  await checkPage(page, "dialog-change-password");

  await dialog.getByLabel("Current password").fill(agent.password);
  await dialog.getByLabel("New password", { exact: true }).fill("a new and long passphrase");
  await dialog.getByLabel("Confirm new password").fill("a new and long passphrase");
  await dialog.getByRole("button", { name: "Change password" }).click();
  await expect(dialog).toBeHidden();
  await expect(region(page, "Password")).toContainText("Your password was changed.");

  await page.reload();
  await expect(page.getByRole("heading", { level: 1, name: "Two-Factor Authentication" })).toBeVisible();
  await other.page.goto(PAGE);
  await expect(other.page.getByRole("heading", { name: "User Sign In" })).toBeVisible();
  await signIn(other.page, agent.username, "a new and long passphrase");
  await expect(other.page.getByRole("heading", { name: "Agent Panel" })).toBeVisible();
  await other.context.close();
  await context.close();
});

test("the page reads well on a phone", async ({ browser }) => {
  const agent = await createPerson(browser);
  const context = await browser.newContext({ viewport: { width: 390, height: 844 } });
  const page = await context.newPage();
  await signIn(page, agent.username, agent.password);
  await expect(page.getByRole("heading", { name: "Agent Panel" })).toBeVisible();
  await page.goto(PAGE);
  await expect(page.getByRole("heading", { level: 1, name: "Two-Factor Authentication" })).toBeVisible();
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  expect(overflow).toBeLessThanOrEqual(0);
  await checkPage(page, "profile");
  await context.close();
});
