// Shared steps for the browser suite: signing in, adding people through the admin UI, reading the outbox (as the admin).
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { expect, test, type Browser, type BrowserContext, type Locator, type Page } from "@playwright/test";
import { E2E_ADMIN } from "../../playwright.config";
import { PHONE, checkPage } from "./a11y";
import { closeBackupCodes, codeNow, confirmIfAsked, freshCode, setUpApp, stateDir } from "./app-steps";

export { E2E_ADMIN };

let counter = 0;
export function uniqueName(prefix: string): string {
  counter += 1;
  return `${prefix}${Date.now().toString(36)}${counter}`;
}

export async function signIn(page: Page, account: string, password: string): Promise<void> {
  await page.goto("/login");
  await checkPage(page, "login");
  await page.getByLabel("Account").fill(account);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
}

// The suite's admin signs in with the authenticator app, as an admin who makes rescues must: the first
// sign-in of a run sets it up, and its secret and backup codes are kept in the run's state folder
// (./app-steps). A sign-in takes a code of the app when one is to be had at once, else one of the
// backup codes, so that the specs' many admin sign-ins need not wait for authenticator steps.
const adminSecretFile = path.join(stateDir, "admin-secret");
const adminBackupFile = path.join(stateDir, "admin-backup-codes.json");

/** The e2e admin's authenticator secret, once it is set up. */
export function adminSecret(): string {
  if (!existsSync(adminSecretFile)) throw new Error("The e2e admin has no authenticator app yet: sign in as the admin first.");
  return readFileSync(adminSecretFile, "utf8").trim();
}

function takeAdminBackupCode(): string | null {
  const codes = existsSync(adminBackupFile) ? (JSON.parse(readFileSync(adminBackupFile, "utf8")) as string[]) : [];
  const [code, ...rest] = codes;
  writeFileSync(adminBackupFile, JSON.stringify(rest));
  return code ?? null;
}

/**
 * The e2e admin's second step, after the password: on "Input Authentication Code", a code from the
 * app or a backup code; on the run's first sign-in (no second factor yet, so no code page) the app is
 * set up.
 */
export async function finishAdminSignIn(page: Page): Promise<void> {
  const codePage = page.getByRole("heading", { name: "Input Authentication Code" });
  const signedIn = signOutButton(page);
  await expect(codePage.or(signedIn).first()).toBeVisible();
  if (await codePage.isVisible()) {
    await checkPage(page, "verify-app");
    const code = codeNow(adminSecret());
    const backup = code ? null : takeAdminBackupCode();
    if (backup) {
      await page.getByRole("button", { name: "Use a backup code" }).click();
      await page.getByLabel("Backup code").fill(backup);
    } else {
      await page.getByLabel("Authentication code").fill(code ?? (await freshCode(adminSecret())));
    }
    await page.getByRole("button", { name: "Verify" }).click();
    await expect(signedIn).toBeVisible();
    return;
  }
  const landing = page.url();
  const secret = await setUpApp(page);
  writeFileSync(adminSecretFile, secret);
  writeFileSync(adminBackupFile, JSON.stringify(await closeBackupCodes(page)));
  await page.goto(landing);
}

export async function signInAsAdmin(page: Page): Promise<void> {
  await signIn(page, E2E_ADMIN.email, E2E_ADMIN.password);
  await finishAdminSignIn(page);
  await expect(page.getByRole("heading", { name: "Admin console" })).toBeVisible();
  await checkPage(page, "console-admin");
}

export async function signOut(page: Page): Promise<void> {
  // On a narrow screen "Sign out" is in the navigation the "Menu" button opens.
  const menu = page.getByRole("button", { name: "Menu", exact: true });
  if (await menu.isVisible()) {
    await menu.click();
    await expect(page.getByRole("dialog", { name: "Menu" })).toBeVisible();
    await checkPage(page, "menu", { sizes: [PHONE] });
  }
  await signOutButton(page).click();
  await expect(page.getByRole("heading", { name: "User Sign In" })).toBeVisible();
}

/** The console's own "Sign out", in the sidebar (or its phone menu): not a session's "Sign out" on the profile. */
export function signOutButton(page: Page): Locator {
  return page.getByRole("complementary").getByRole("button", { name: "Sign out", exact: true });
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
  await checkPage(page, "agents");
  await page.getByRole("button", { name: "Add agent" }).click();
  const dialog = page.getByRole("dialog", { name: "Add agent" });
  await expect(dialog).toBeVisible();
  await checkPage(page, "dialog-add-agent");
  await dialog.getByLabel("Name", { exact: true }).fill(person.name);
  await dialog.getByLabel("Email", { exact: true }).fill(person.email);
  await dialog.getByLabel("Username", { exact: true }).fill(person.username);
  await dialog.getByLabel("Password", { exact: true }).fill(person.password);
  await dialog.getByLabel("Role", { exact: true }).selectOption(role);
  await dialog.getByRole("button", { name: "Create" }).click();
  // Adding someone needs the admin's confirmation within 10 minutes: given with a code when asked.
  await confirmIfAsked(page, adminSecret(), page.getByRole("row").filter({ hasText: person.email }));
  return person;
}

/** A new person, added by the e2e admin in the admin's own browser context (see adminPage). */
export async function createPerson(browser: Browser, role: "agent" | "admin" = "agent"): Promise<TestPerson> {
  const page = await adminPage(browser);
  try {
    return await addPerson(page, role);
  } finally {
    await page.close();
  }
}

// The e2e admin's own browser context, signed in once per worker and shared by createPerson and
// latestEmail (on a production server, the suite's, /dev/outbox is for admins only): every sign-in of
// the admin costs a fresh authenticator step, and every wrong password counts toward the account's.
const outboxReaders = new WeakMap<Browser, Promise<BrowserContext>>();

/** A new page in the e2e admin's context, signed in (again, if its session has ended since). */
export async function adminPage(browser: Browser): Promise<Page> {
  const page = await (await outboxReader(browser)).newPage();
  await openAsAdmin(page, "/");
  return page;
}

/**
 * Opens `path` in the e2e admin's context, signing in again first if its session has ended (a change
 * to the admin's 2FA ends the others).
 */
async function openAsAdmin(page: Page, path: string): Promise<void> {
  await page.goto(path);
  if (new URL(page.url()).pathname !== "/login") return;
  await signInAsAdmin(page);
  if (path !== "/") await page.goto(path);
}

function outboxReader(browser: Browser): Promise<BrowserContext> {
  let reader = outboxReaders.get(browser);
  if (!reader) {
    reader = (async () => {
      const context = await browser.newContext();
      const page = await context.newPage();
      await signInAsAdmin(page);
      await page.close();
      return context;
    })();
    // A sign-in that failed is tried again next time rather than remembered.
    reader.catch(() => outboxReaders.delete(browser));
    outboxReaders.set(browser, reader);
  }
  return reader;
}

/**
 * The newest outbox message to `to` whose subject matches, read from /dev/outbox as the e2e admin.
 * `from` lends only its browser: its own context may be an agent's, signed out or halfway through a
 * sign-in, and it stays on the page it is on.
 */
export async function latestEmail(from: Page, to: string, subject: RegExp): Promise<{ subject: string; body: string }> {
  const browser = from.context().browser();
  if (!browser) throw new Error("latestEmail needs a page of a browser launched by Playwright.");
  const page = await (await outboxReader(browser)).newPage();
  let found: { subject: string; body: string } | null = null;
  try {
    await expect(async () => {
      await openAsAdmin(page, "/dev/outbox");
      const message = page.getByRole("article").filter({ hasText: to }).filter({ hasText: subject }).first();
      await expect(message).toBeVisible({ timeout: 1000 });
      found = { subject: (await message.locator("dd").nth(1).innerText()).trim(), body: await message.locator("pre").innerText() };
    }).toPass({ timeout: 15_000 });
    // Outside toPass, which would take a failed check for a page to load again.
    await checkPage(page, "outbox");
  } finally {
    await page.close();
  }
  return found!;
}

export function sixDigitCode(text: string): string {
  const match = text.match(/\b(\d{6})\b/);
  if (!match) throw new Error("No 6-digit code in the email.");
  return match[1];
}
