// Passkeys in the production build, with the real ceremonies in Chromium and its virtual authenticator
// (CTAP2, internal transport, resident keys; user verification on, and off): adding one on the profile
// as the first method, "Use a passkey" on the code page, "Sign in with a passkey" alone and from the
// Account field's autofill, renaming and removing one, a browser that holds someone else's key, and the
// admin's policy. Screenshots for a person to look at go to test-results/passkeys/.
import { mkdirSync } from "node:fs";
import { expect, test, type Browser, type Page } from "@playwright/test";
import { checkPage } from "./a11y";
import { adminPage, adminSecret, createPerson, latestEmail, signIn, signOut, type TestPerson } from "./support";
import { closeBackupCodes, confirmIfAsked, confirmWithCode, freshCode, reauthDialog, setUpApp } from "./two-factor-steps";
import {
  VirtualAuthenticator,
  addPasskey,
  answerSignInWithoutUserVerification,
  ageReauthentication,
  ownContext,
  passkeyRow,
  passkeysRegion,
  personWithPasskey,
} from "./passkey-steps";

test.describe.configure({ timeout: 180_000 });

const SHOTS = "test-results/passkeys";
const PASSKEY_REFUSED = "This passkey can't sign you in. Sign in with your account and password.";

function passkeySignInButton(page: Page) {
  return page.getByRole("button", { name: "Sign in with a passkey" });
}

function secondStepPasskey(page: Page) {
  return page.getByRole("button", { name: "Use a passkey" });
}

/** The page's own message (not Next.js's route announcer, which is an alert too). */
function pageAlert(page: Page) {
  return page.getByRole("main").getByRole("alert");
}

/** Every path the page asks the server for from now on, page loads and server actions alike. */
function requestedPaths(page: Page): { method: string; path: string }[] {
  const seen: { method: string; path: string }[] = [];
  page.on("request", (request) => seen.push({ method: request.method(), path: new URL(request.url()).pathname }));
  return seen;
}

/**
 * A new agent signed in in a context of their own with a virtual authenticator: the authenticator app
 * first (so the backup codes are its), then a passkey of that authenticator named `passkey`.
 */
async function personWithAppAndPasskey(browser: Browser, options: { userVerified?: boolean; passkey?: string } = {}) {
  const person = await createPerson(browser);
  const context = await ownContext(browser);
  const page = await context.newPage();
  const authenticator = await VirtualAuthenticator.attach(page, { userVerified: options.userVerified });
  await signIn(page, person.username, person.password);
  await expect(page.getByRole("heading", { name: "Agent Panel" })).toBeVisible();
  const secret = await setUpApp(page);
  const backupCodes = await closeBackupCodes(page);
  const { name, backupCodes: more } = await addPasskey(page, {
    name: options.passkey ?? "Work laptop",
    confirm: async () => confirmWithCode(page, secret),
  });
  // Not the first method: no second set of backup codes.
  expect(more).toBeNull();
  return { person, context, page, authenticator, secret, backupCodes, passkey: name };
}

/** Password, then the code page for `person`. */
async function toCodePage(page: Page, person: TestPerson) {
  await signIn(page, person.username, person.password);
  await expect(page.getByRole("heading", { name: "Input Authentication Code" })).toBeVisible();
  await expect(page).toHaveURL(/\/login\/verify$/);
}

test('an agent adds a passkey as their first method after "Confirm it\'s you" with the password, and signs in with the password then "Use a passkey"', async ({
  browser,
}) => {
  const person = await createPerson(browser);
  const context = await ownContext(browser);
  const page = await context.newPage();
  const authenticator = await VirtualAuthenticator.attach(page);
  await signIn(page, person.username, person.password);
  await expect(page.getByRole("heading", { name: "Agent Panel" })).toBeVisible();
  await page.goto("/profile/security");
  const section = passkeysRegion(page);
  await expect(section.getByText("Off", { exact: true })).toBeVisible();
  await expect(section.getByRole("list", { name: "Your passkeys" })).toHaveCount(0);

  // No method yet, so the step-up is the password (and there is no code to give).
  await ageReauthentication(page);
  await section.getByRole("button", { name: "Add a passkey" }).click();
  const reauth = reauthDialog(page);
  await expect(reauth).toContainText("This change needs your password.");
  await expect(reauth.getByLabel("Authentication code")).toHaveCount(0);
  await expect(reauth.getByRole("button", { name: "Use a passkey" })).toHaveCount(0);
  await checkPage(page, "dialog-confirm-password");
  await reauth.getByLabel("Password").fill(person.password);
  await reauth.getByRole("button", { name: "Confirm" }).click();
  await expect(reauth).toBeHidden();

  // The ceremony runs by itself once confirmed; then the passkey is named.
  const naming = page.getByRole("dialog", { name: "Name your passkey" });
  await expect(naming).toContainText("The passkey was added.");
  const name = naming.getByLabel("Passkey name");
  await expect(name).toBeFocused();
  await expect(name).toHaveValue(/^Passkey on /);
  await checkPage(page, "dialog-name-passkey");
  await name.fill("  Work   laptop ");
  await naming.getByRole("button", { name: "Save" }).click();
  await expect(naming).toBeHidden();

  // The first method brings the backup codes.
  expect(await closeBackupCodes(page)).toHaveLength(10);
  await expect(section.getByText("On", { exact: true })).toBeVisible();
  await expect(section.getByText("The passkey was added. Your other sessions were signed out.")).toBeVisible();
  const row = passkeyRow(page, "Work laptop");
  await expect(row).toContainText("Last used never");
  await expect(row.getByRole("button", { name: "Rename" })).toBeVisible();
  await expect(row.getByRole("button", { name: "Remove" })).toBeVisible();
  await expect(page.getByRole("region", { name: "Backup codes", exact: true })).toContainText("10 of 10 codes left");
  await checkPage(page, "profile-passkeys");
  await latestEmail(page, person.email, /A passkey was added to your account/);

  // The authenticator holds one discoverable credential for this site, whose user handle is not the person's name or address.
  const credentials = await authenticator.credentials();
  expect(credentials).toHaveLength(1);
  expect(credentials[0]).toMatchObject({ rpId: "localhost", isResidentCredential: true });
  const handle = Buffer.from(credentials[0].userHandle ?? "", "base64").toString("utf8");
  expect(handle).not.toContain(person.username);
  expect(handle).not.toContain(person.email);

  await signOut(page);
  await toCodePage(page, person);
  // A passkey is all they have: the passkey first, else a backup code; no code field that cannot work.
  await expect(secondStepPasskey(page)).toBeVisible();
  await expect(page.getByText("or enter a backup code")).toBeVisible();
  await expect(page.getByLabel("Authentication code")).toHaveCount(0);
  await checkPage(page, "verify-passkey-or-backup-code");
  await secondStepPasskey(page).click();
  await expect(page.getByRole("heading", { name: "Agent Panel" })).toBeVisible();
  await page.goto("/profile/security");
  await expect(passkeyRow(page, "Work laptop")).toBeVisible();
  await expect(passkeyRow(page, "Work laptop")).not.toContainText("Last used never");
  await context.close();
});

test('"Sign in with a passkey" with user verification signs in with no password and no code', async ({ browser }) => {
  const { context, page } = await personWithPasskey(browser);
  await signOut(page);
  const asked = requestedPaths(page);
  await passkeySignInButton(page).click();
  await expect(page.getByRole("heading", { name: "Agent Panel" })).toBeVisible();
  await expect(page.getByLabel("Account")).toHaveCount(0);
  // Straight in: the code page was never asked for.
  expect(asked.filter((request) => request.path.startsWith("/login/verify"))).toEqual([]);
  await page.goto("/profile/security");
  await expect(passkeyRow(page, "Work laptop")).not.toContainText("Last used never");
  await context.close();
});

test("the Account field's autofill offers the passkey, and picking it signs in", async ({ browser }) => {
  const { context, authenticator } = await personWithPasskey(browser);
  const [credential] = await authenticator.credentials();
  await context.close();

  // The same authenticator in a browser that offers passkeys as it autofills the Account field.
  const other = await ownContext(browser, { autofill: true });
  const page = await other.newPage();
  await (await VirtualAuthenticator.attach(page)).add(credential);
  await page.goto("/login");
  // Chromium's virtual authenticator answers the background request as soon as it is made, as a
  // person picking the passkey from the list would.
  await expect(page.getByRole("heading", { name: "Agent Panel" })).toBeVisible();
  await other.close();
});

test("without user verification a passkey stands for the password only: the code is still asked, and not by that same passkey", async ({
  browser,
}) => {
  const { person, context, page, secret, authenticator } = await personWithAppAndPasskey(browser, { userVerified: false });
  await signOut(page);

  // Chromium asks for user verification whenever the passkey is not named in advance, and an
  // authenticator that cannot give it ends the prompt: nothing is sent to be checked (the one request
  // is the prompt's options), and the page says so.
  const asked = requestedPaths(page);
  await passkeySignInButton(page).click();
  await expect(page.getByRole("main").getByRole("status")).toHaveText("The passkey prompt ended without an answer. Nothing was sent.");
  await checkPage(page, "login-passkey-ended");
  expect(asked.filter((request) => request.method === "POST")).toHaveLength(1);
  await expect(page.getByRole("heading", { name: "User Sign In" })).toBeVisible();

  // A passkey that answers without user verification (see answerSignInWithoutUserVerification: the same
  // key) stands for the password: the code page follows, and that passkey cannot be the second step.
  await answerSignInWithoutUserVerification(page, authenticator);
  await page.goto("/login");
  await passkeySignInButton(page).click();
  await expect(page.getByRole("heading", { name: "Input Authentication Code" })).toBeVisible();
  await expect(page).toHaveURL(/\/login\/verify$/);
  await expect(secondStepPasskey(page)).toHaveCount(0);
  await expect(page.getByText("Open your authenticator app")).toBeVisible();
  await page.getByLabel("Authentication code").fill(await freshCode(secret));
  await page.getByRole("button", { name: "Verify" }).click();
  await expect(page.getByRole("heading", { name: "Agent Panel" })).toBeVisible();

  // After the password, the same passkey is the second step, from the browser's own prompt, with no
  // user verification (a passkey named in advance needs none).
  await signOut(page);
  await toCodePage(page, person);
  await checkPage(page, "verify-passkey-or-app");
  await secondStepPasskey(page).click();
  await expect(page.getByRole("heading", { name: "Agent Panel" })).toBeVisible();
  await context.close();
});

test("a passkey without user verification that is someone's only method leaves the backup codes for the second step", async ({
  browser,
}) => {
  const { context, page, authenticator, backupCodes } = await personWithPasskey(browser, { userVerified: false });
  await signOut(page);
  await answerSignInWithoutUserVerification(page, authenticator);
  await page.goto("/login");
  await passkeySignInButton(page).click();
  await expect(page.getByRole("heading", { name: "Input Authentication Code" })).toBeVisible();
  await expect(secondStepPasskey(page)).toHaveCount(0);
  await expect(page.getByLabel("Authentication code")).toHaveCount(0);
  await expect(page.getByRole("button", { name: "Use an authentication code" })).toHaveCount(0);
  await page.getByLabel("Backup code").fill(backupCodes[0]);
  await page.getByRole("button", { name: "Verify" }).click();
  await expect(page.getByRole("heading", { name: "Agent Panel" })).toBeVisible();
  await context.close();
});

test("a browser whose authenticator holds another person's key is refused, and the failed prompt costs nothing", async ({ browser }) => {
  const a = await personWithPasskey(browser, { passkey: "A's phone" });
  const b = await personWithPasskey(browser, { passkey: "B's phone" });
  const [aKey] = await a.authenticator.credentials();
  const [bKey] = await b.authenticator.credentials();
  await b.context.close();

  // A second browser, whose authenticator holds B's key and no key of A's.
  const context = await ownContext(browser);
  const page = await context.newPage();
  const authenticator = await VirtualAuthenticator.attach(page);
  await authenticator.add(bKey);

  // At A's code page, the prompt is for A's keys only: none here matches, so it ends without an
  // answer, and nothing is sent to be checked (one request: the prompt's options).
  await toCodePage(page, a.person);
  const asked = requestedPaths(page);
  await secondStepPasskey(page).click();
  const ended = page.getByRole("main").getByRole("status").filter({ hasText: "passkey" });
  await expect(ended).toBeVisible({ timeout: 30_000 });
  await expect(ended).toHaveText("The passkey prompt ended without an answer. Nothing was sent.");
  await expect(secondStepPasskey(page)).toBeEnabled();
  expect(asked.filter((request) => request.method === "POST")).toHaveLength(1);
  await expect(page.getByRole("heading", { name: "Input Authentication Code" })).toBeVisible();
  await expect(page.getByRole("button", { name: "Sign out" })).toHaveCount(0);

  // A's failure count is untouched: two wrong backup codes are only that, where a third failure would
  // mean a five-minute wait, and A's own backup code then signs in. (A passkey is all A has, so the
  // page's field is the backup code's.)
  for (const wrong of ["zzzzz-zzzz1", "zzzzz-zzzz2"]) {
    await page.getByLabel("Backup code").fill(wrong);
    await page.getByRole("button", { name: "Verify" }).click();
    // The field comes back empty with the answer (the same words twice: this is the new one).
    await expect(page.getByLabel("Backup code")).toHaveValue("");
    await expect(pageAlert(page)).toHaveText("Invalid backup code.");
  }
  await page.getByLabel("Backup code").fill(a.backupCodes[0]);
  await page.getByRole("button", { name: "Verify" }).click();
  await expect(page.getByRole("heading", { name: "Agent Panel" })).toBeVisible();
  await signOut(page);

  // "Sign in with a passkey" in that browser signs B in, never A.
  await passkeySignInButton(page).click();
  await expect(page.getByRole("heading", { name: "Agent Panel" })).toBeVisible();
  await page.goto("/profile/security");
  await expect(passkeyRow(page, "B's phone")).toBeVisible();
  await signOut(page);

  // B's key relabelled with A's user handle is still B's key: refused, not A signed in.
  const forged = await ownContext(browser);
  const forgedPage = await forged.newPage();
  await (await VirtualAuthenticator.attach(forgedPage)).add({ ...bKey, userHandle: aKey.userHandle, signCount: bKey.signCount + 10 });
  await forgedPage.goto("/login");
  await passkeySignInButton(forgedPage).click();
  await expect(pageAlert(forgedPage)).toHaveText(PASSKEY_REFUSED);
  await checkPage(forgedPage, "login-passkey-refused");
  await expect(forgedPage.getByRole("heading", { name: "User Sign In" })).toBeVisible();

  await forged.close();
  await context.close();
  await a.context.close();
});

test('a passkey is renamed, then removed after "Confirm it\'s you" with that passkey; then it is no longer offered', async ({
  browser,
}) => {
  const { person, context, page, secret } = await personWithAppAndPasskey(browser, { passkey: "Work laptop" });
  const section = passkeysRegion(page);

  await passkeyRow(page, "Work laptop").getByRole("button", { name: "Rename" }).click();
  const rename = page.getByRole("dialog", { name: "Rename passkey" });
  const field = rename.getByLabel("Passkey name");
  await expect(field).toHaveValue("Work laptop");
  await field.fill("   ");
  await rename.getByRole("button", { name: "Save" }).click();
  await expect(rename.getByText("Enter a name for the passkey.")).toBeVisible();
  await checkPage(page, "dialog-rename-passkey");
  await field.fill("Desk key");
  await rename.getByRole("button", { name: "Save" }).click();
  await expect(rename).toBeHidden();
  await expect(section.getByText("The passkey is now called “Desk key”.")).toBeVisible();
  await expect(passkeyRow(page, "Desk key")).toBeVisible();
  await expect(passkeyRow(page, "Work laptop")).toHaveCount(0);

  await ageReauthentication(page);
  await passkeyRow(page, "Desk key").getByRole("button", { name: "Remove" }).click();
  const confirm = page.getByRole("dialog", { name: "Remove this passkey?" });
  await expect(confirm).toContainText("“Desk key” will no longer sign you in. It is your last passkey.");
  await checkPage(page, "dialog-remove-passkey");
  await confirm.getByRole("button", { name: "Remove" }).click();
  const reauth = reauthDialog(page);
  await expect(reauth).toContainText("This change needs your passkey, a current code, or a backup code.");
  await checkPage(page, "dialog-confirm-passkey");
  await reauth.getByRole("button", { name: "Use a passkey" }).click();
  await expect(reauth).toBeHidden();
  await expect(section.getByText("“Desk key” was removed. You have no passkey left. Your other sessions were signed out.")).toBeVisible();
  await expect(section.getByRole("list", { name: "Your passkeys" })).toHaveCount(0);
  await expect(section.getByText("Off", { exact: true })).toBeVisible();
  // The app is still on, and so are its backup codes.
  await expect(page.getByRole("region", { name: "Backup codes", exact: true })).toContainText("10 of 10 codes left");
  await latestEmail(page, person.email, /A passkey was removed from your account/);

  // The key is still in the authenticator, and signs no one in.
  await signOut(page);
  await passkeySignInButton(page).click();
  await expect(pageAlert(page)).toHaveText(PASSKEY_REFUSED);
  await toCodePage(page, person);
  await expect(secondStepPasskey(page)).toHaveCount(0);
  await page.getByLabel("Authentication code").fill(await freshCode(secret));
  await page.getByRole("button", { name: "Verify" }).click();
  await expect(page.getByRole("heading", { name: "Agent Panel" })).toBeVisible();
  await context.close();
});

/** Ticks or clears "Allow passkeys and security keys" as the e2e admin, confirming with the app when asked. */
async function allowPasskeys(browser: Browser, allowed: boolean) {
  const page = await adminPage(browser);
  try {
    await page.goto("/settings/security/2fa-policy");
    const box = page.getByRole("checkbox", { name: "Allow passkeys and security keys" });
    await box.setChecked(allowed);
    await page.getByRole("button", { name: "Save" }).click();
    await confirmIfAsked(page, adminSecret(), page.getByRole("status").filter({ hasText: /saved/i }));
    await page.reload();
    await expect(box).toBeChecked({ checked: allowed });
  } finally {
    await page.close();
  }
}

test('turning "Allow passkeys and security keys" off hides "Use a passkey" for someone who also has the app', async ({ browser }) => {
  const { person, context, page, secret } = await personWithAppAndPasskey(browser);
  await signOut(page);
  try {
    await allowPasskeys(browser, false);

    await toCodePage(page, person);
    await expect(secondStepPasskey(page)).toHaveCount(0);
    await page.getByLabel("Authentication code").fill(await freshCode(secret));
    await page.getByRole("button", { name: "Verify" }).click();
    await expect(page.getByRole("heading", { name: "Agent Panel" })).toBeVisible();
    await page.goto("/profile/security");
    await expect(passkeysRegion(page)).toContainText("Your admin does not allow passkeys.");
    await expect(passkeysRegion(page).getByRole("button", { name: "Add a passkey" })).toHaveCount(0);
    await signOut(page);

    // Nor does the passkey alone sign in.
    await passkeySignInButton(page).click();
    await expect(pageAlert(page)).toHaveText(PASSKEY_REFUSED);
  } finally {
    await allowPasskeys(browser, true);
  }

  // Allowed again, the passkey is offered again.
  await toCodePage(page, person);
  await secondStepPasskey(page).click();
  await expect(page.getByRole("heading", { name: "Agent Panel" })).toBeVisible();
  await context.close();
});

test("screenshots: the passkeys section, the naming dialog, User Sign In and the code page, on a laptop and a phone", async ({
  browser,
}) => {
  mkdirSync(SHOTS, { recursive: true });
  for (const viewport of [
    { width: 1280, height: 800 },
    { width: 390, height: 844 },
  ]) {
    const size = `${viewport.width}x${viewport.height}`;
    const person = await createPerson(browser);
    const context = await ownContext(browser, { viewport });
    const page = await context.newPage();
    await VirtualAuthenticator.attach(page);
    await signIn(page, person.username, person.password);
    await expect(page.getByRole("heading", { name: "Agent Panel" })).toBeVisible();
    await page.goto("/profile/security");
    await passkeysRegion(page).getByRole("button", { name: "Add a passkey" }).click();
    const naming = page.getByRole("dialog", { name: "Name your passkey" });
    await expect(naming.getByLabel("Passkey name")).toBeFocused();
    await page.screenshot({ path: `${SHOTS}/naming-dialog-${size}.png` });
    await naming.getByLabel("Passkey name").fill("Work laptop");
    await naming.getByRole("button", { name: "Save" }).click();
    await closeBackupCodes(page);
    await expect(passkeyRow(page, "Work laptop")).toBeVisible();
    await passkeysRegion(page).screenshot({ path: `${SHOTS}/profile-section-${size}.png` });
    await page.screenshot({ path: `${SHOTS}/profile-page-${size}.png`, fullPage: true });
    expect(await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth)).toBeLessThanOrEqual(0);

    await signOut(page);
    await expect(passkeySignInButton(page)).toBeVisible();
    await page.screenshot({ path: `${SHOTS}/login-${size}.png` });
    await toCodePage(page, person);
    await expect(secondStepPasskey(page)).toBeVisible();
    await page.screenshot({ path: `${SHOTS}/verify-${size}.png` });
    expect(await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth)).toBeLessThanOrEqual(0);
    await context.close();
  }
});
