// /dev/outbox on the production build, which the suite runs with EMAIL_OUTBOX=1: it holds every code
// mailed, so a signed-out browser is sent to sign-in and an agent gets a 403, neither seeing a code;
// the admin (who reads the codes for the rest of the suite) does.
import { expect, test, type Browser, type BrowserContext } from "@playwright/test";
import { createPerson, latestEmail, signIn, sixDigitCode, type TestPerson } from "./support";
import { region } from "./two-factor-steps";

/** A new agent, signed in, who has just been mailed a code (setting up email); the code as the admin reads it. */
async function agentMailedACode(browser: Browser): Promise<{ agent: TestPerson; context: BrowserContext; code: string }> {
  const agent = await createPerson(browser);
  const context = await browser.newContext();
  const page = await context.newPage();
  await signIn(page, agent.username, agent.password);
  await expect(page.getByRole("heading", { name: "Agent Panel" })).toBeVisible();
  await page.goto("/profile/security");
  await region(page, "Email authentication").getByRole("button", { name: "Set up" }).click();
  await expect(page.getByRole("dialog", { name: "Enter the Authentication Code" })).toContainText(agent.email);
  // The control: signed in as the admin, the code is there to read.
  const code = sixDigitCode((await latestEmail(page, agent.email, /Confirm your email address/)).body);
  return { agent, context, code };
}

test("a signed-out browser asking for /dev/outbox is sent to sign-in and gets no code", async ({ browser, baseURL }) => {
  const { agent, context, code } = await agentMailedACode(browser);
  await context.close();

  const anonymous = await browser.newContext();
  const response = await anonymous.request.get("/dev/outbox", { maxRedirects: 0 });
  expect([302, 303, 307]).toContain(response.status());
  expect(new URL(response.headers()["location"], baseURL).pathname).toBe("/login");
  const body = await response.text();
  expect(body).not.toContain(code);
  expect(body).not.toContain(agent.email);
  const page = await anonymous.newPage();
  await page.goto("/dev/outbox");
  await expect(page.getByRole("heading", { name: "User Sign In" })).toBeVisible();
  await expect(page.locator("body")).not.toContainText(code);
  await anonymous.close();
});

test("a signed-in agent asking for /dev/outbox gets a 403 and no code, not even their own", async ({ browser }) => {
  const { context, code } = await agentMailedACode(browser);

  const response = await context.request.get("/dev/outbox", { maxRedirects: 0 });
  expect(response.status()).toBe(403);
  const body = await response.text();
  expect(body).not.toContain(code);
  expect(body).not.toContain("Confirm your email address");
  const page = await context.newPage();
  expect((await page.goto("/dev/outbox"))?.status()).toBe(403);
  await expect(page.getByRole("heading", { name: "You don't have access to this page" })).toBeVisible();
  await expect(page.getByRole("heading", { name: "Outbox" })).toHaveCount(0);
  await context.close();
});
