// The console with the keyboard alone (issue 13): a new admin signs in, sets up the authenticator app,
// makes new backup codes, signs in again with a code, adds an agent and gets that agent a backup code,
// with Tab, Shift+Tab, Enter, Space and Escape, typing only into the field that has the focus. No click,
// no fill: what cannot be reached or worked this way fails here.
//
// What it leaves behind is what any spec's new people leave: an admin and an agent of its own (created
// by the suite's admin, as createPerson does); the policy, the suite's admin and its state are untouched.
import { expect, test, type Locator, type Page } from "@playwright/test";
import { createPerson, signOutButton, uniqueName } from "./support";
import { freshCode, reauthDialog, region } from "./two-factor-steps";

// Two sign-ins of the same person: the second code may wait for the next 30-second step.
test.describe.configure({ timeout: 150_000 });

/** Whether `target` has the focus now. */
async function focused(target: Locator): Promise<boolean> {
  return target.evaluate((element) => element === document.activeElement);
}

/**
 * Presses Tab (Shift+Tab with `back`) until `target` has the focus, as a person moving through the page
 * would; fails when it is not reached within `max` presses (it is not in the tab order, or is hidden).
 */
async function tabTo(page: Page, target: Locator, options: { back?: boolean; max?: number } = {}): Promise<void> {
  await expect(target).toBeVisible();
  for (let presses = 0; presses < (options.max ?? 40); presses++) {
    if (await focused(target)) return;
    await page.keyboard.press(options.back ? "Shift+Tab" : "Tab");
  }
  await expect(target, `not reached with ${options.back ? "Shift+Tab" : "Tab"}`).toBeFocused({ timeout: 1 });
}

/** Types into the field that has the focus, after checking it is `field`. */
async function typeInto(page: Page, field: Locator, text: string): Promise<void> {
  await expect(field).toBeFocused();
  await page.keyboard.type(text);
}

/**
 * Waits for `done`, or for "Confirm it's you", which opens on its code field: answered with a current
 * code of `secret` and Enter, after which the change runs by itself.
 */
async function confirmIfAsked(page: Page, secret: string, done: Locator): Promise<void> {
  const reauth = reauthDialog(page);
  await expect(done.or(reauth).first()).toBeVisible();
  if (await reauth.isVisible()) {
    await typeInto(page, reauth.getByLabel("Authentication code"), await freshCode(secret));
    await page.keyboard.press("Enter");
    await expect(reauth).toBeHidden();
  }
  await expect(done).toBeVisible();
}

/** User Sign In, which opens on the Account field; Enter in the password signs in. */
async function signInWithKeys(page: Page, account: string, password: string): Promise<void> {
  await page.goto("/login");
  await typeInto(page, page.getByLabel("Account"), account);
  await page.keyboard.press("Tab");
  await typeInto(page, page.getByLabel("Password"), password);
  await page.keyboard.press("Enter");
}

test("with the keyboard alone: sign in, set up the app, new backup codes, the code at sign-in, add an agent, Get Backup Code", async ({
  browser,
}) => {
  const admin = await createPerson(browser, "admin");
  // An address of its own (the server trusts one proxy): the wrong password below counts against this
  // browser only, not the address every other spec's browsers share.
  const context = await browser.newContext({ extraHTTPHeaders: { "x-forwarded-for": "203.0.113.113" } });
  const page = await context.newPage();

  // A refused sign-in puts the focus on what went wrong, and the form is right after it.
  await signInWithKeys(page, admin.username, "not the password at all");
  const refusal = page.getByRole("main").getByRole("alert");
  await expect(refusal).toHaveText("Invalid account or password.");
  expect(await refusal.evaluate((alert) => document.activeElement?.contains(alert) ?? false)).toBe(true);
  await page.keyboard.press("Tab");
  await expect(page.getByLabel("Account")).toHaveValue(admin.username);
  await tabTo(page, page.getByLabel("Password"));
  await page.keyboard.type(admin.password);
  await page.keyboard.press("Enter");
  await expect(page.getByRole("heading", { level: 1, name: "Admin console" })).toBeVisible();

  // To the profile through the navigation: Enter follows a link.
  const nav = page.getByRole("navigation", { name: "Main" });
  await tabTo(page, nav.getByRole("link", { name: "Two-Factor Authentication" }));
  await page.keyboard.press("Enter");
  await expect(page.getByRole("heading", { level: 1, name: "Two-Factor Authentication" })).toBeVisible();

  // Set up (Space presses a button): Escape leaves the first try and gives the focus back to "Set up".
  const setUp = region(page, "Authenticator app authentication").getByRole("button", { name: "Set up" });
  await tabTo(page, setUp);
  await page.keyboard.press("Space");
  const link = page.getByRole("dialog", { name: "Link the app to your account" });
  await expect(link.getByRole("img", { name: "QR code" })).toBeVisible();
  await page.keyboard.press("Escape");
  await expect(link).toBeHidden();
  await expect(setUp).toBeFocused();
  await page.keyboard.press("Space");
  await expect(link.getByRole("img", { name: "QR code" })).toBeVisible();
  // The dialog opens on its first action; Shift+Tab from "Next" stays inside it (the page behind is inert).
  await expect(link.getByRole("button", { name: "Copy key" })).toBeFocused();
  const secret = (await link.locator("code").innerText()).replace(/\s/g, "");
  await tabTo(page, link.getByRole("button", { name: "Next" }));
  await page.keyboard.press("Shift+Tab");
  await expect(link.getByRole("button", { name: "Cancel" })).toBeFocused();
  await page.keyboard.press("Tab");
  await page.keyboard.press("Enter");
  const enter = page.getByRole("dialog", { name: "Enter the Authentication Code" });
  await typeInto(page, enter.getByLabel("Authentication code"), await freshCode(secret));
  await page.keyboard.press("Enter");

  // The first backup codes: the dialog opens on its first action; Done with Enter.
  const saveCodes = page.getByRole("dialog", { name: "Save your backup codes" });
  await expect(saveCodes.getByRole("list", { name: "Backup codes" }).getByRole("listitem")).toHaveCount(10);
  await expect(saveCodes.getByRole("button", { name: "Download" })).toBeFocused();
  await tabTo(page, saveCodes.getByRole("button", { name: "Done" }));
  await page.keyboard.press("Enter");
  await expect(saveCodes).toBeHidden();
  const backupCodes = region(page, "Backup codes");
  await expect(backupCodes).toContainText("10 of 10 codes left");

  // New backup codes: the question opens on Cancel, the answer is one Tab away.
  await tabTo(page, backupCodes.getByRole("button", { name: "Generate new codes" }));
  await page.keyboard.press("Enter");
  const generate = page.getByRole("dialog", { name: "Generate new backup codes?" });
  await expect(generate.getByRole("button", { name: "Cancel" })).toBeFocused();
  await tabTo(page, generate.getByRole("button", { name: "Generate new codes" }));
  await page.keyboard.press("Enter");
  await confirmIfAsked(page, secret, saveCodes);
  await expect(saveCodes.getByRole("list", { name: "Backup codes" }).getByRole("listitem")).toHaveCount(10);
  await tabTo(page, saveCodes.getByRole("button", { name: "Done" }));
  await page.keyboard.press("Space");
  await expect(saveCodes).toBeHidden();
  await expect(backupCodes).toContainText("New backup codes were made.");

  // Sign out sits before the page in the tab order: back to it with Shift+Tab.
  await tabTo(page, signOutButton(page), { back: true, max: 60 });
  await page.keyboard.press("Enter");
  await expect(page.getByRole("heading", { name: "User Sign In" })).toBeVisible();

  // Signing in now asks for the code; its field has the focus, and Enter sends it.
  await signInWithKeys(page, admin.username, admin.password);
  await expect(page.getByRole("heading", { name: "Input Authentication Code" })).toBeVisible();
  await typeInto(page, page.getByLabel("Authentication code"), await freshCode(secret));
  await page.keyboard.press("Enter");
  await expect(page.getByRole("heading", { level: 1, name: "Admin console" })).toBeVisible();

  // Add an agent: the dialog opens on Name, Tab goes from field to field, Enter creates.
  await tabTo(page, nav.getByRole("link", { name: "Agents" }));
  await page.keyboard.press("Enter");
  await expect(page.getByRole("heading", { level: 1, name: "Agents" })).toBeVisible();
  const username = uniqueName("kbd");
  const agent = { name: `Keys ${username}`, email: `${username}@example.com`, username, password: `pw-${username}-long-enough` };
  await tabTo(page, page.getByRole("button", { name: "Add agent" }));
  await page.keyboard.press("Enter");
  const add = page.getByRole("dialog", { name: "Add agent" });
  await typeInto(page, add.getByLabel("Name", { exact: true }), agent.name);
  await page.keyboard.press("Tab");
  await typeInto(page, add.getByLabel("Email", { exact: true }), agent.email);
  await page.keyboard.press("Tab");
  await typeInto(page, add.getByLabel("Username", { exact: true }), agent.username);
  await page.keyboard.press("Tab");
  await typeInto(page, add.getByLabel("Password", { exact: true }), agent.password);
  await page.keyboard.press("Tab");
  await expect(add.getByLabel("Role", { exact: true })).toBeFocused();
  await expect(add.getByLabel("Role", { exact: true })).toHaveValue("agent");
  await tabTo(page, add.getByRole("button", { name: "Create" }));
  await page.keyboard.press("Enter");
  await confirmIfAsked(page, secret, page.getByRole("row").filter({ hasText: agent.email }));
  await expect(add).toBeHidden();

  // Find the agent with the search (Enter sends it), then Get Backup Code on their row.
  await tabTo(page, page.getByLabel("Search by name or email"));
  await page.keyboard.type(agent.email);
  await page.keyboard.press("Enter");
  await expect(page).toHaveURL(/[?&]q=/);
  const row = page.getByRole("row").filter({ hasText: agent.email });
  await expect(page.getByRole("row")).toHaveCount(2);
  const getCode = row.getByRole("button", { name: "Get Backup Code" });
  await tabTo(page, getCode);
  await page.keyboard.press("Space");
  const rescue = page.getByRole("dialog", { name: "Get Backup Code" });
  await expect(rescue.getByRole("button", { name: "Cancel" })).toBeFocused();
  await tabTo(page, rescue.getByRole("button", { name: "Generate a Code" }));
  await page.keyboard.press("Enter");
  const code = rescue.getByLabel("Backup code");
  await confirmIfAsked(page, secret, code);
  await expect(code).toHaveText(/^[a-z0-9]{5}-[a-z0-9]{5}$/);
  // Escape closes it, the code is gone with it, and the focus is back on the row's button.
  await page.keyboard.press("Escape");
  await expect(rescue).toBeHidden();
  await expect(getCode).toBeFocused();

  await context.close();
});
