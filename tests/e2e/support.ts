// Shared steps for the browser suite: signing in, adding people through the admin UI, reading the outbox.
import { expect, test, type Browser, type BrowserContext, type Page } from "@playwright/test";
import { E2E_ADMIN } from "../../playwright.config";

export { E2E_ADMIN };

let counter = 0;
export function uniqueName(prefix: string): string {
  counter += 1;
  return `${prefix}${Date.now().toString(36)}${counter}`;
}

export async function signIn(page: Page, account: string, password: string): Promise<void> {
  await page.goto("/login");
  await page.getByLabel("Account").fill(account);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
}

export async function signInAsAdmin(page: Page): Promise<void> {
  await signIn(page, E2E_ADMIN.email, E2E_ADMIN.password);
  await expect(page.getByRole("heading", { name: "Admin console" })).toBeVisible();
}

export async function signOut(page: Page): Promise<void> {
  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page.getByRole("heading", { name: "User Sign In" })).toBeVisible();
}

/**
 * One session of the e2e admin for a whole spec file (its beforeAll signs in, its afterAll closes):
 * every password attempt counts toward the account's sign-in limit (10 per 15 minutes), which the
 * other specs need too. Returns the page, valid from beforeAll on.
 */
export function adminSessionForFile(): () => Page {
  let context: BrowserContext;
  let page: Page;
  test.beforeAll(async ({ browser }) => {
    context = await browser.newContext();
    page = await context.newPage();
    await signInAsAdmin(page);
  });
  test.afterAll(async () => {
    await context.close();
  });
  return () => page;
}

export type TestPerson = { name: string; email: string; username: string; password: string; role: "agent" | "admin" };

/** Adds a person through Global Settings > People > Agents, as the signed-in admin. */
export async function addPerson(page: Page, role: "agent" | "admin" = "agent"): Promise<TestPerson> {
  const username = uniqueName(role === "admin" ? "adm" : "agent");
  const person: TestPerson = {
    name: `Test ${username}`,
    email: `${username}@example.com`,
    username,
    password: `pw-${username}-long-enough`,
    role,
  };
  await page.goto("/settings/people/agents");
  await page.getByRole("button", { name: "Add agent" }).click();
  const dialog = page.getByRole("dialog", { name: "Add agent" });
  await dialog.getByLabel("Name", { exact: true }).fill(person.name);
  await dialog.getByLabel("Email", { exact: true }).fill(person.email);
  await dialog.getByLabel("Username", { exact: true }).fill(person.username);
  await dialog.getByLabel("Password", { exact: true }).fill(person.password);
  await dialog.getByLabel("Role", { exact: true }).selectOption(role);
  await dialog.getByRole("button", { name: "Create" }).click();
  await expect(page.getByRole("row").filter({ hasText: person.email })).toBeVisible();
  return person;
}

/** A new person in a browser context of their own, with the admin's context closed again. */
export async function createPerson(browser: Browser, role: "agent" | "admin" = "agent"): Promise<TestPerson> {
  const context = await browser.newContext();
  const page = await context.newPage();
  await signInAsAdmin(page);
  const person = await addPerson(page, role);
  await context.close();
  return person;
}

/** The newest outbox message to `to` whose subject matches, read from /dev/outbox. */
export async function latestEmail(page: Page, to: string, subject: RegExp): Promise<{ subject: string; body: string }> {
  let found: { subject: string; body: string } | null = null;
  await expect(async () => {
    await page.goto("/dev/outbox");
    const message = page.getByRole("article").filter({ hasText: to }).filter({ hasText: subject }).first();
    await expect(message).toBeVisible({ timeout: 1000 });
    found = { subject: (await message.locator("dd").nth(1).innerText()).trim(), body: await message.locator("pre").innerText() };
  }).toPass({ timeout: 15_000 });
  return found!;
}

export function sixDigitCode(text: string): string {
  const match = text.match(/\b(\d{6})\b/);
  if (!match) throw new Error("No 6-digit code in the email.");
  return match[1];
}
