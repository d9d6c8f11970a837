// Sign-in with the second factor in the production build: app, email and backup codes, the attempt
// rules, "Don't ask again" under the policy, and no console before the code is passed.
import { expect, test, type Browser, type Page } from "@playwright/test";
import { checkPage } from "./a11y";
import { createPerson, latestEmail, signIn, signOut, sixDigitCode, type TestPerson } from "./support";
import { closeBackupCodes, enterSignInCode, freshCode, setPolicy, setUpApp, setUpEmail } from "./two-factor-steps";

test.describe.configure({ timeout: 150_000 });

type Enrolled = { person: TestPerson; page: Page; secret: string; backupCodes: string[] };

/** A new person, signed in in a browser context of their own, with the authenticator app on. */
async function enrolledPerson(browser: Browser, role: "agent" | "admin" = "agent"): Promise<Enrolled> {
  const person = await createPerson(browser, role);
  const page = await (await browser.newContext()).newPage();
  await signIn(page, person.username, person.password);
  await expect(page.getByRole("heading", { name: role === "admin" ? "Admin console" : "Agent Panel" })).toBeVisible();
  const secret = await setUpApp(page);
  const backupCodes = await closeBackupCodes(page);
  return { person, page, secret, backupCodes };
}

test("an agent signs in with a code from the authenticator app", async ({ browser }) => {
  const { person, page, secret } = await enrolledPerson(browser);
  await signOut(page);
  await signIn(page, person.username, person.password);
  await expect(page).toHaveURL(/\/login\/verify$/);
  await expect(page.getByRole("checkbox", { name: /Don't ask again/ })).toHaveCount(0);
  // Pasted as an app or a message shows it, with a space and blanks around: the browser inserts the
  // whole text (its maxlength applies first), then the field keeps the six digits.
  const code = await freshCode(secret);
  await page.getByLabel("Authentication code").click();
  await page.keyboard.insertText(` ${code.slice(0, 3)} ${code.slice(3)} `);
  await expect(page.getByLabel("Authentication code")).toHaveValue(code);
  await page.getByRole("button", { name: "Verify" }).click();
  await expect(page.getByRole("heading", { name: "Agent Panel" })).toBeVisible();
});

test("an agent with email only signs in with the code from the outbox; Cancel ends a sign-in", async ({ browser }) => {
  const person = await createPerson(browser);
  const page = await (await browser.newContext()).newPage();
  await signIn(page, person.username, person.password);
  // Only once signed in: going to the profile page while the sign-in is in flight would cancel it.
  await expect(page.getByRole("heading", { name: "Agent Panel" })).toBeVisible();
  await setUpEmail(page, person);
  await closeBackupCodes(page);
  await signOut(page);

  await signIn(page, person.username, person.password);
  await expect(page.getByRole("heading", { name: "Input Authentication Code" })).toBeVisible();
  await page.getByRole("button", { name: "Cancel" }).click();
  await expect(page.getByRole("heading", { name: "User Sign In" })).toBeVisible();
  await page.goto("/login/verify");
  await expect(page).toHaveURL(/\/login$/);

  // The code mailed at once on the first try still works; a resend waits out the cooldown.
  await signIn(page, person.username, person.password);
  await expect(page.getByText(/We emailed a 6-digit code/)).toBeVisible();
  await expect(page.getByRole("button", { name: "Resend" })).toBeDisabled();
  await checkPage(page, "verify-email");
  const mail = await latestEmail(await page.context().newPage(), person.email, /sign-in code/i);
  await enterSignInCode(page, sixDigitCode(mail.body));
  await expect(page.getByRole("heading", { name: "Agent Panel" })).toBeVisible();
});

test("a backup code signs in once and is refused the next time", async ({ browser }) => {
  const { person, page, backupCodes } = await enrolledPerson(browser);
  await signOut(page);
  const code = backupCodes[3].toUpperCase().replace("-", " ");
  await signIn(page, person.username, person.password);
  await enterSignInCode(page, code, { backup: true });
  await expect(page.getByRole("heading", { name: "Agent Panel" })).toBeVisible();
  await signOut(page);

  await signIn(page, person.username, person.password);
  await enterSignInCode(page, backupCodes[3], { backup: true });
  await expect(page.getByRole("main").getByRole("alert")).toHaveText("Invalid backup code.");
  // The refused code does not stay in the field.
  await expect(page.getByLabel("Backup code")).toHaveValue("");
  await checkPage(page, "verify-backup-code-invalid");
});

test("the third wrong code asks to wait five minutes, and then even the right code is refused", async ({ browser }) => {
  const { person, page, secret } = await enrolledPerson(browser);
  await signOut(page);
  await signIn(page, person.username, person.password);
  const right = await freshCode(secret);
  const wrong = right === "000000" ? "111111" : "000000";
  for (let attempt = 1; attempt <= 2; attempt++) {
    await enterSignInCode(page, wrong);
    await expect(page.getByRole("main").getByRole("alert")).toHaveText("Invalid authentication code.");
    await expect(page.getByRole("button", { name: "Verify" })).toBeEnabled();
  }
  await enterSignInCode(page, wrong);
  await expect(page.getByRole("main").getByRole("alert")).toHaveText("Please try again in five minutes.");
  // The wait counts down to the second, and nothing can be sent until it ends, after a reload too.
  await expect(page.getByText(/You can try again in [45]:\d\d\./)).toBeVisible();
  await expect(page.getByRole("button", { name: "Verify" })).toBeDisabled();
  await expect(page.getByLabel("Authentication code")).toBeDisabled();
  await checkPage(page, "verify-wait");
  await page.reload();
  await expect(page.getByText(/You can try again in [45]:\d\d\./)).toBeVisible();
  await expect(page.getByRole("button", { name: "Verify" })).toBeDisabled();
  // A right code sent anyway (as a script would) is refused by the server: tests/db/lockout.test.ts.
  await expect(page.getByRole("heading", { name: "Agent Panel" })).toHaveCount(0);
});

test('"Don\'t ask again" skips the code next time, until the policy goes back to Every login', async ({ browser }) => {
  const admin = await enrolledPerson(browser, "admin");
  await setPolicy(admin.page, admin.secret, { skipDays: 30 });
  try {
    const agent = await enrolledPerson(browser);
    await signOut(agent.page);
    await signIn(agent.page, agent.person.username, agent.person.password);
    await expect(agent.page.getByRole("checkbox", { name: /Don't ask again for 30 days/ })).toBeVisible();
    await checkPage(agent.page, "verify-remember");
    await enterSignInCode(agent.page, await freshCode(agent.secret), { remember: true });
    await expect(agent.page.getByRole("heading", { name: "Agent Panel" })).toBeVisible();
    await signOut(agent.page);

    await signIn(agent.page, agent.person.username, agent.person.password);
    await expect(agent.page.getByRole("heading", { name: "Agent Panel" })).toBeVisible();
    await signOut(agent.page);

    await setPolicy(admin.page, admin.secret, "every_login");
    await signIn(agent.page, agent.person.username, agent.person.password);
    await expect(agent.page.getByRole("heading", { name: "Input Authentication Code" })).toBeVisible();
    await expect(agent.page.getByRole("checkbox", { name: /Don't ask again/ })).toHaveCount(0);
  } finally {
    await setPolicy(admin.page, admin.secret, "every_login");
  }
});

test("with only a pending challenge, no console page, route or action answers with data", async ({ browser }) => {
  const { person, page } = await enrolledPerson(browser);
  await signOut(page);
  await signIn(page, person.username, person.password);
  await expect(page).toHaveURL(/\/login\/verify$/);

  for (const path of [
    "/",
    "/profile/security",
    "/settings/people/agents",
    "/settings/security/audit-log",
    "/settings/security/audit-log/export",
  ]) {
    const response = await page.request.get(path, { maxRedirects: 0 });
    expect([302, 303, 307, 401, 403]).toContain(response.status());
    expect(await response.text()).not.toContain(person.email);
    await page.goto(path);
    await expect(page).toHaveURL(/\/login/);
    await expect(page.getByRole("navigation", { name: "Main" })).toHaveCount(0);
  }

  // An action id of the right shape (42 hex digits), so that a request the middleware let through
  // would reach the action lookup (404) rather than stop at Next's format check (400).
  const action = await page.request.post("/profile/security", {
    headers: { "Next-Action": "0".repeat(42), "Content-Type": "text/plain;charset=UTF-8" },
    data: "[]",
    maxRedirects: 0,
  });
  // 401 from the middleware; a 404 would mean the request got past it to the action lookup.
  expect(action.status()).toBe(401);
  expect(await action.text()).not.toContain(person.email);
});

test("a request with x-middleware-subrequest opens nothing", async ({ request }) => {
  for (const value of [
    "middleware",
    "middleware:middleware:middleware:middleware:middleware",
    "src/middleware:src/middleware:src/middleware:src/middleware:src/middleware",
  ]) {
    const response = await request.get("/settings/people/agents", { headers: { "x-middleware-subrequest": value }, maxRedirects: 0 });
    expect(response.status()).toBe(307);
    expect(response.headers().location).toContain("/login");
    expect(await response.text()).not.toContain("admin@example.com");
  }
});
