// The pages' Content-Security-Policy allows no inline style ('unsafe-inline' is gone from style-src) and
// no script without the request's nonce: every page must render and run without one. The browser
// reports each refusal as a securitypolicyviolation event and a console message; none may appear.
import { expect, test, type BrowserContext, type Page } from "@playwright/test";
import { createPerson, signIn, signInAsAdmin, signOut } from "./support";
import { closeBackupCodes, freshCode, enterSignInCode, setUpApp } from "./two-factor-steps";

test.describe.configure({ timeout: 120_000 });

/** Every policy violation the context's pages report, from the event and from the console. */
async function violationsOf(context: BrowserContext): Promise<string[]> {
  const seen: string[] = [];
  await context.exposeFunction("reportViolation", (text: string) => seen.push(text));
  await context.addInitScript(() => {
    document.addEventListener("securitypolicyviolation", (event) => {
      const report = (window as unknown as { reportViolation: (text: string) => void }).reportViolation;
      report(`${event.effectiveDirective} refused ${event.blockedURI || "inline"} on ${location.pathname}`);
    });
  });
  context.on("console", (message) => {
    if (/Content Security Policy|Refused to/i.test(message.text())) seen.push(message.text());
  });
  return seen;
}

/** Opens `path` and lets it hydrate, so that scripts and styles have run or been refused. */
async function visit(page: Page, path: string, heading: string): Promise<void> {
  await page.goto(path);
  await expect(page.getByRole("heading", { level: 1, name: heading })).toBeVisible();
  await page.waitForLoadState("networkidle");
}

test("an agent's sign-in, code page and authenticator setup run without a single policy violation", async ({ browser }) => {
  const agent = await createPerson(browser);
  const context = await browser.newContext();
  const violations = await violationsOf(context);
  const page = await context.newPage();

  await visit(page, "/login", "User Sign In");
  await signIn(page, agent.username, agent.password);
  await expect(page.getByRole("heading", { level: 1, name: "Agent Panel" })).toBeVisible();
  // The authenticator app's setup draws its QR code (an SVG) in a dialog.
  const secret = await setUpApp(page);
  await closeBackupCodes(page);
  await visit(page, "/profile/security", "Two-Factor Authentication");
  // Signing in again goes through the code page.
  await signOut(page);
  await signIn(page, agent.username, agent.password);
  await expect(page.getByRole("heading", { level: 1, name: "Input Authentication Code" })).toBeVisible();
  await page.waitForLoadState("networkidle");
  await enterSignInCode(page, await freshCode(secret));
  await expect(page.getByRole("heading", { level: 1, name: "Agent Panel" })).toBeVisible();
  await page.waitForLoadState("networkidle");

  await context.close();
  expect(violations).toEqual([]);
});

test("the admin's pages, dialogs and navigation run without a single policy violation", async ({ browser }) => {
  const context = await browser.newContext();
  const violations = await violationsOf(context);
  const page = await context.newPage();
  await signInAsAdmin(page);

  // The adoption meter's width is an SVG attribute, not a style attribute the policy would refuse.
  await visit(page, "/", "Admin console");
  const meter = page.getByRole("meter", { name: "People with 2FA" });
  await expect(meter).toBeVisible();
  const share = Number((await page.getByText(/people have two-factor authentication on \(\d+%\)/).innerText()).match(/\((\d+)%\)/)![1]);
  const fill = meter.locator("rect");
  await expect(fill).toHaveAttribute("width", `${share}%`);
  const [bar, whole] = await Promise.all([fill.boundingBox(), meter.boundingBox()]);
  expect(bar!.width).toBeCloseTo((whole!.width * share) / 100, 0);

  await visit(page, "/settings/people/agents", "Agents");
  await page.getByRole("button", { name: "Add agent" }).click();
  await expect(page.getByRole("dialog", { name: "Add agent" })).toBeVisible();
  await page.keyboard.press("Escape");
  await visit(page, "/settings/security/2fa-policy", "2FA Policy");
  await visit(page, "/settings/security/audit-log", "Audit Log");
  // Client-side navigation: the router's announcer and the next page's styles.
  const nav = page.getByRole("navigation", { name: "Main" });
  await nav.getByRole("link", { name: "Two-Factor Authentication" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Two-Factor Authentication" })).toBeVisible();
  await nav.getByRole("link", { name: "Agents" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Agents" })).toBeVisible();
  await page.waitForLoadState("networkidle");

  await context.close();
  expect(violations).toEqual([]);
});
