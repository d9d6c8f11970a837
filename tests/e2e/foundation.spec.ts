import { expect, test, type Page } from "@playwright/test";
import { checkPage } from "./a11y";
import { E2E_ADMIN, addPerson, finishAdminSignIn, latestEmail, signIn, signInAsAdmin, signOut } from "./support";

test("the admin adds an agent, who signs in to the Agent Panel and is refused admin pages", async ({ page }) => {
  await signInAsAdmin(page);
  await expect(page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Agents" })).toBeVisible();
  const agent = await addPerson(page, "agent");

  const welcome = await latestEmail(page, agent.email, /account is ready/i);
  expect(welcome.body).toContain("/login");
  expect(welcome.body).toContain(agent.username);
  expect(welcome.body).not.toContain(agent.password);

  await page.goto("/");
  await signOut(page);

  await signIn(page, agent.username, agent.password);
  await expect(page.getByRole("heading", { name: "Agent Panel" })).toBeVisible();
  await expect(page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Agents" })).toHaveCount(0);
  await checkPage(page, "console-agent");

  const response = await page.goto("/settings/people/agents");
  expect(response?.status()).toBe(403);
  await expect(page.getByRole("heading", { name: "Agents" })).toHaveCount(0);
  await expect(page.getByRole("heading", { name: "You don't have access to this page" })).toBeVisible();
  await expect(page.getByRole("table")).toHaveCount(0);
  await expect(page.getByText("admin@example.com")).toHaveCount(0);
  await checkPage(page, "forbidden");

  // An address with no page, signed in (signed out, it is sent to sign-in): the 404 page links back.
  expect((await page.goto("/no-such-page"))?.status()).toBe(404);
  await expect(page.getByText(/There is no page at this address\./)).toBeVisible();
  await expect(page.getByRole("link", { name: "Back to the console" })).toHaveAttribute("href", "/");
  await checkPage(page, "not-found");
});

test("a wrong password and an unknown account get the same message", async ({ page }) => {
  await signIn(page, "admin@example.com", "not-the-password");
  await expect(page.getByRole("main").getByRole("alert")).toHaveText("Invalid account or password.");
  await checkPage(page, "login-invalid");
  await signIn(page, "nobody@example.com", "not-the-password");
  await expect(page.getByRole("main").getByRole("alert")).toHaveText("Invalid account or password.");
  await expect(page).toHaveURL(/\/login$/);
});

test("a console page without a session goes to sign-in and comes back after it", async ({ page }) => {
  await page.goto("/settings/people/agents");
  await expect(page).toHaveURL(/\/login\?callbackUrl=%2Fsettings%2Fpeople%2Fagents/);
  await signInAsAdminFrom(page);
  await expect(page).toHaveURL(/\/settings\/people\/agents$/);
});

test("an offsite callbackUrl is ignored", async ({ page }) => {
  // Two sign-ins of the admin in a row: the second may wait for a fresh authenticator step.
  test.slow();
  await page.goto("/login?callbackUrl=https://evil.example/steal");
  await signInAsAdminFrom(page);
  await expect(page).toHaveURL(/localhost:\d+\/$/);
  await page.context().clearCookies();
  await page.goto("/login?callbackUrl=//evil.example/x");
  await signInAsAdminFrom(page);
  await expect(page).toHaveURL(/localhost:\d+\/$/);
});

test("signing out ends the session on the server, not only in the browser", async ({ page, context }) => {
  await signInAsAdmin(page);
  const cookies = await context.cookies();
  await signOut(page);
  await context.addCookies(cookies);
  await page.goto("/settings/people/agents");
  await expect(page.getByRole("heading", { name: "User Sign In" })).toBeVisible();
});

/** Signs the admin in on the sign-in page already open (its callbackUrl as it is), code step included. */
async function signInAsAdminFrom(page: Page) {
  await page.getByLabel("Account").fill(E2E_ADMIN.email);
  await page.getByLabel("Password").fill(E2E_ADMIN.password);
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
  await finishAdminSignIn(page);
}
