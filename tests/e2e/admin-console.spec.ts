import { expect, test, type Browser, type Page } from "@playwright/test";
import {
  E2E_ADMIN,
  addPerson,
  adminSecret,
  adminSessionForFile,
  latestEmail,
  signIn,
  signInAsAdmin,
  signOut,
  type TestPerson,
} from "./support";
import { checkPage } from "./a11y";
import { closeBackupCodes, confirmIfAsked, confirmWithCode, reauthDialog, setUpApp as setUpAppOnProfile } from "./two-factor-steps";

const POLICY = "/settings/security/2fa-policy";
const AUDIT = "/settings/security/audit-log";
const AGENTS = "/settings/people/agents";

const adminPage = adminSessionForFile();

/** Turns the authenticator app on through /profile/security and puts the backup codes away. */
async function setUpApp(page: Page): Promise<string> {
  const secret = await setUpAppOnProfile(page);
  expect(secret).toMatch(/^[A-Z2-7]{32}$/);
  await closeBackupCodes(page);
  return secret;
}

/** A new person signed in in a browser context of their own. */
async function signedIn(
  browser: Browser,
  role: "agent" | "admin",
): Promise<{ person: TestPerson; page: Page; close: () => Promise<void> }> {
  const person = await addPerson(adminPage(), role);
  const context = await browser.newContext();
  const page = await context.newPage();
  await signIn(page, person.username, person.password);
  await expect(page.getByRole("heading", { name: role === "admin" ? "Admin console" : "Agent Panel" })).toBeVisible();
  return { person, page, close: () => context.close() };
}

/** Saves the policy as an admin whose app has `secret`: "Confirm it's you" is answered when it asks. */
async function savePolicy(page: Page, secret: string, choose: (page: Page) => Promise<void>) {
  await page.goto(POLICY);
  await checkPage(page, "policy");
  await choose(page);
  await page.getByRole("button", { name: "Save" }).click();
  await confirmIfAsked(page, secret, page.getByRole("status").filter({ hasText: "2FA policy saved." }));
  await page.reload();
}

async function restoreEveryLogin(page: Page, secret: string) {
  await savePolicy(page, secret, async (p) => {
    await p.getByRole("radio", { name: "Every login" }).check();
    await p.getByRole("checkbox", { name: "Require two-factor authentication for everyone" }).uncheck();
    await p.getByRole("checkbox", { name: "Allow email authentication" }).check();
  });
  await expect(page.getByRole("radio", { name: "Every login" })).toBeChecked();
}

async function backupCodeStep(page: Page, code: string) {
  await expect(page.getByRole("heading", { name: "Input Authentication Code" })).toBeVisible();
  await page.getByRole("button", { name: "Use a backup code" }).click();
  await page.getByLabel("Backup code").fill(code);
  await page.getByRole("button", { name: "Verify" }).click();
}

test("a new admin sees Global Settings only after setting 2FA up, and the console says so with a link", async ({ browser }) => {
  const { page, close } = await signedIn(browser, "admin");
  await expect(page.getByText("Global Settings open once you set up two-factor authentication")).toBeVisible();
  await expect(page.getByRole("heading", { name: "2FA adoption" })).toHaveCount(0);
  await checkPage(page, "console-admin-without-2fa");
  for (const path of [POLICY, AUDIT, AGENTS]) {
    const response = await page.goto(path);
    expect(response?.status(), path).toBe(403);
    await expect(page.getByRole("heading", { name: "Set up two-factor authentication first" })).toBeVisible();
    await expect(page.getByRole("link", { name: "set up two-factor authentication" })).toHaveAttribute("href", "/profile/security");
    await checkPage(page, "forbidden-set-up-2fa");
    expect(await response!.text()).not.toContain(E2E_ADMIN.email);
  }
  const exported = await page.request.get(`${AUDIT}/export`);
  expect(exported.status()).toBe(403);
  expect(await exported.text()).not.toContain("sign_in");
  await page.getByRole("link", { name: "set up two-factor authentication" }).click();
  await setUpApp(page);
  await page.goto(POLICY);
  await expect(page.getByRole("radio", { name: "Every login" })).toBeVisible();
  await close();
});

test("an admin with 2FA saves each option of the 2FA Policy, and each change is in the audit log", async ({ browser }) => {
  const { person: admin, page, close } = await signedIn(browser, "admin");
  const secret = await setUpApp(page);
  try {
    for (const days of ["14", "30", "60", "90"]) {
      await savePolicy(page, secret, async (p) => {
        await p.getByRole("radio", { name: "Allow agents to skip Two-Factor Authentication" }).check();
        await p.getByLabel("Days").selectOption(days);
      });
      await expect(page.getByRole("radio", { name: "Allow agents to skip Two-Factor Authentication" })).toBeChecked();
      await expect(page.getByLabel("Days")).toHaveValue(days);
      await checkPage(page, "policy-skip");
    }

    await savePolicy(page, secret, async (p) => {
      await p.getByRole("checkbox", { name: "Require two-factor authentication for everyone" }).check();
      await p.getByRole("checkbox", { name: "Allow email authentication" }).uncheck();
    });
    await expect(page.getByRole("checkbox", { name: "Require two-factor authentication for everyone" })).toBeChecked();
    await expect(page.getByRole("checkbox", { name: "Allow email authentication" })).not.toBeChecked();
    await expect(page.getByRole("checkbox", { name: "Authenticator app" })).toBeChecked();
    await expect(page.getByRole("checkbox", { name: "Authenticator app" })).toBeDisabled();

    await restoreEveryLogin(page, secret);
    await expect(page.getByRole("checkbox", { name: "Allow email authentication" })).toBeChecked();

    await page.goto(`${AUDIT}?type=policy.updated&user=${encodeURIComponent(admin.email)}`);
    await expect(page.getByRole("heading", { level: 1, name: "Audit Log" })).toBeVisible();
    const rows = page.getByRole("row").filter({ hasText: "2FA policy changed" });
    await expect(rows).toHaveCount(6);
    await expect(rows.first()).toContainText(admin.email);
    await expect(rows.first()).toContainText("twoFactorMode: skip_allowed → every_login");
    await checkPage(page, "audit-log-filtered");
  } finally {
    if (!page.isClosed()) await restoreEveryLogin(page, secret).catch(() => {});
    await close();
  }
});

test("an admin issues a one-time code to an agent who lost their phone; it signs in once", async ({ browser }) => {
  const page = adminPage();
  const { person: agent, page: agentPage, close } = await signedIn(browser, "agent");
  await setUpApp(agentPage);
  await close();

  await page.goto(`${AGENTS}?q=${encodeURIComponent(agent.email)}&status=on`);
  const row = page.getByRole("row").filter({ hasText: agent.email });
  await expect(row).toContainText("Authenticator app");
  await expect(row.getByRole("button", { name: "Unlock" })).toHaveCount(0);
  await checkPage(page, "agents-filtered");
  await row.getByRole("button", { name: "Get Backup Code" }).click();
  const dialog = page.getByRole("dialog", { name: "Get Backup Code" });
  await expect(dialog).toContainText("30 minutes");
  await checkPage(page, "dialog-get-backup-code");
  await dialog.getByRole("button", { name: "Generate a Code" }).click();
  await confirmIfAsked(page, adminSecret(), dialog.getByLabel("Backup code"));
  const code = (await dialog.getByLabel("Backup code").innerText()).trim();
  expect(code).toMatch(/^[a-z0-9]{5}-[a-z0-9]{5}$/);
  await expect(dialog.getByRole("button", { name: "Copy" })).toBeVisible();
  await expect(dialog).toContainText("one use");
  await checkPage(page, "dialog-get-backup-code-issued");
  await dialog.getByRole("button", { name: "Done" }).click();
  // Opened again, the dialog no longer shows the code.
  await row.getByRole("button", { name: "Get Backup Code" }).click();
  await expect(dialog.getByRole("button", { name: "Generate a Code" })).toBeVisible();
  await expect(dialog).not.toContainText(code);
  await dialog.getByRole("button", { name: "Cancel" }).click();

  const notice = await latestEmail(page, agent.email, /issued you a backup code/i);
  expect(notice.body).not.toContain(code);
  expect(notice.body).not.toContain(code.replace("-", ""));

  const agentContext = await browser.newContext();
  const agentTab = await agentContext.newPage();
  await signIn(agentTab, agent.username, agent.password);
  await backupCodeStep(agentTab, code);
  await expect(agentTab.getByRole("heading", { name: "Agent Panel" })).toBeVisible();
  await signOut(agentTab);

  await signIn(agentTab, agent.username, agent.password);
  await backupCodeStep(agentTab, code);
  await expect(agentTab.getByRole("main").getByRole("alert")).toHaveText("Invalid backup code.");
  await agentContext.close();

  await page.goto(`${AUDIT}?user=${encodeURIComponent(agent.username)}`);
  await expect(page.getByRole("row").filter({ hasText: "Admin backup code issued" }).filter({ hasText: E2E_ADMIN.email })).toHaveCount(1);
  await expect(page.getByRole("row").filter({ hasText: "Admin backup code used" })).toHaveCount(1);
  await expect(page.locator("main")).not.toContainText(code);
});

test("a rescue needs the admin's code within 10 minutes: confirmed, Get Backup Code works; stale, it asks again", async ({ browser }) => {
  const page = adminPage();
  const { person: agent, page: agentPage, close } = await signedIn(browser, "agent");
  await setUpApp(agentPage);
  await close();
  await page.goto(`${AGENTS}?q=${encodeURIComponent(agent.email)}`);
  const row = page.getByRole("row").filter({ hasText: agent.email });
  const dialog = page.getByRole("dialog", { name: "Get Backup Code" });
  const reauth = reauthDialog(page);

  // A confirmation with a code, then the rescue.
  expect((await page.request.post("/dev/forget-reauthentication")).status()).toBe(204);
  await row.getByRole("button", { name: "Get Backup Code" }).click();
  await dialog.getByRole("button", { name: "Generate a Code" }).click();
  await expect(reauth).toBeVisible();
  await expect(reauth).toContainText("a current code from your authenticator app");
  await expect(reauth.getByLabel("Password")).toHaveCount(0);
  await confirmWithCode(page, adminSecret());
  await expect(dialog.getByLabel("Backup code")).toHaveText(/^[a-z0-9]{5}-[a-z0-9]{5}$/);
  await dialog.getByRole("button", { name: "Done" }).click();

  // The same call with a stale confirmation is refused and asks again; closed unanswered, nothing is issued.
  expect((await page.request.post("/dev/forget-reauthentication")).status()).toBe(204);
  await row.getByRole("button", { name: "Get Backup Code" }).click();
  await dialog.getByRole("button", { name: "Generate a Code" }).click();
  await expect(reauth).toBeVisible();
  await reauth.getByRole("button", { name: "Close" }).click();
  await expect(reauth).toBeHidden();
  await expect(dialog.getByRole("alert")).toHaveText("Confirm it's you to make this change.");
  await expect(dialog.getByLabel("Backup code")).toHaveCount(0);
  await checkPage(page, "dialog-get-backup-code-not-confirmed");
  await dialog.getByRole("button", { name: "Generate a Code" }).click();
  await confirmWithCode(page, adminSecret());
  await expect(dialog.getByLabel("Backup code")).toHaveText(/^[a-z0-9]{5}-[a-z0-9]{5}$/);
  await dialog.getByRole("button", { name: "Done" }).click();

  await page.goto(`${AUDIT}?user=${encodeURIComponent(agent.username)}`);
  await expect(page.getByRole("row").filter({ hasText: "Admin backup code issued" })).toHaveCount(2);
});

test("Reset 2FA asks first, then clears the agent's methods and ends their sessions", async ({ browser }) => {
  const page = adminPage();
  const { person: agent, page: agentPage, close } = await signedIn(browser, "agent");
  await setUpApp(agentPage);

  await page.goto(`${AGENTS}?q=${encodeURIComponent(agent.username)}`);
  const row = page.getByRole("row").filter({ hasText: agent.email });
  await row.getByRole("button", { name: "Reset 2FA" }).click();
  const dialog = page.getByRole("dialog", { name: `Reset 2FA for ${agent.name}?` });
  await expect(dialog).toBeVisible();
  await checkPage(page, "dialog-reset-2fa");
  await dialog.getByRole("button", { name: "Cancel" }).click();
  await expect(row).toContainText("Authenticator app");

  await row.getByRole("button", { name: "Reset 2FA" }).click();
  await dialog.getByRole("button", { name: "Confirm reset" }).click();
  await confirmIfAsked(page, adminSecret(), row.getByRole("status"));
  await expect(row.getByRole("status")).toContainText("was reset");
  await expect(row).toContainText("Off");
  await expect(row.getByRole("button", { name: "Reset 2FA" })).toHaveCount(0);
  await checkPage(page, "agents-reset-done");

  await latestEmail(page, agent.email, /reset your two-factor authentication/i);
  await agentPage.goto("/");
  await expect(agentPage.getByRole("heading", { name: "User Sign In" })).toBeVisible();
  await close();
});

test("the audit log pages with Older and Newer and exports the filter as CSV with formulas defused", async ({ browser }) => {
  const page = adminPage();
  // An attacker controls their user agent: it must reach the CSV as text, not as a formula.
  const target = await addPerson(adminPage(), "agent");
  const hostile = await browser.newContext({ userAgent: '=HYPERLINK("http://evil.example","x")' });
  const hostilePage = await hostile.newPage();
  for (let i = 0; i < 3; i++) {
    await signIn(hostilePage, target.username, "not-the-password");
    await expect(hostilePage.getByRole("main").getByRole("alert")).toHaveText("Invalid account or password.");
  }
  await hostile.close();

  // Each export is itself audited: 55 of them make more than one page (50) of one type.
  for (let i = 0; i < 55; i++) expect((await page.request.get(`${AUDIT}/export?user=nobody-${i}`)).status()).toBe(200);
  await page.goto(`${AUDIT}?type=audit_log.exported`);
  await expect(page.getByRole("link", { name: "← Newer" })).toHaveCount(0);
  const rows = page.getByRole("row").filter({ hasText: "Audit log exported" });
  await expect(rows).toHaveCount(50);
  await checkPage(page, "audit-log");
  const firstTop = (await rows.first().textContent())!;
  await page.getByRole("link", { name: "Older →" }).click();
  await expect(page).toHaveURL(/type=audit_log\.exported&before=\d+/);
  await expect(rows.first()).not.toHaveText(firstTop);
  expect(await rows.count()).toBeGreaterThanOrEqual(5);
  await page.getByRole("link", { name: "← Newer" }).click();
  await expect(page).toHaveURL(/after=\d+/);
  await expect(rows).toHaveCount(50);
  await expect(rows.first()).toHaveText(firstTop);

  await page.getByLabel("Type").selectOption("sign_in.failed");
  await page.getByLabel("User").fill(target.email);
  await page.getByRole("button", { name: "Search" }).click();
  await expect(page).toHaveURL(/type=sign_in\.failed/);
  await expect(page.getByRole("row").filter({ hasText: "HYPERLINK" }).first()).toBeVisible();

  const href = await page.getByRole("link", { name: "Export CSV" }).getAttribute("href");
  expect(href).toContain("/settings/security/audit-log/export?");
  const response = await page.request.get(href!);
  expect(response.status()).toBe(200);
  expect(response.headers()["content-type"]).toContain("text/csv");
  expect(response.headers()["content-disposition"]).toContain("attachment");
  const csv = (await response.text()).replace(/^\uFEFF/, "");
  const lines = csv.trim().split("\r\n");
  expect(lines[0]).toBe("time,type,actor,subject,ip,user_agent,details");
  expect(lines).toHaveLength(4);
  expect(lines.slice(1).every((line) => line.includes(",sign_in.failed,"))).toBe(true);
  expect(csv).toContain(`"'=HYPERLINK(""http://evil.example"",""x"")"`);
  expect(csv).not.toMatch(/(^|,)=HYPERLINK/m);
});

test("an agent reaches none of the admin pages, exports or actions", async ({ browser }) => {
  const { person: agent, page, close } = await signedIn(browser, "agent");
  await expect(page.getByRole("heading", { name: "2FA adoption" })).toHaveCount(0);
  await expect(page.getByText("Your two-factor authentication")).toBeVisible();
  await checkPage(page, "console-agent");

  for (const path of [POLICY, AUDIT, `${AUDIT}/export`, `${AUDIT}?type=sign_in.failed`, AGENTS]) {
    const response = await page.goto(path);
    expect(response?.status(), path).toBe(403);
    await expect(page.getByRole("heading", { name: "You don't have access to this page" })).toBeVisible();
    await checkPage(page, "forbidden");
    const body = await response!.text();
    expect(body).not.toContain(E2E_ADMIN.email);
    expect(body).not.toContain("sign_in.failed,");
  }

  // A server action is a POST to the page with a Next-Action header; none may run or leak for an agent.
  for (const path of [POLICY, AUDIT, AGENTS]) {
    const response = await page.request.post(path, {
      headers: {
        "Next-Action": "7f3a9c1e5b2d4f6a8c0e1b3d5f7a9c1e3b5d7f9a",
        Origin: new URL(page.url()).origin,
        "Content-Type": "text/plain;charset=UTF-8",
      },
      data: JSON.stringify([{ userId: agent.username }]),
      maxRedirects: 0,
    });
    expect([401, 403, 404], path).toContain(response.status());
    const body = await response.text();
    expect(body).not.toContain(E2E_ADMIN.email);
    expect(body).not.toMatch(/[a-z0-9]{5}-[a-z0-9]{5}/);
  }
  await close();

  // Without any session: sign-in for pages, 401 for posts, never the data.
  const anonymous = await browser.newContext();
  const export_ = await anonymous.request.get(`${AUDIT}/export`, { maxRedirects: 0 });
  expect([302, 303, 307, 401]).toContain(export_.status());
  expect(await export_.text()).not.toContain("sign_in");
  const post = await anonymous.request.post(AGENTS, {
    headers: { "Next-Action": "7f3a9c1e5b2d4f6a8c0e1b3d5f7a9c1e3b5d7f9a" },
    data: "[]",
    maxRedirects: 0,
  });
  expect(post.status()).toBe(401);
  await anonymous.close();
});

test("the Admin console home shows 2FA adoption and recent security events", async ({ page }) => {
  await signInAsAdmin(page);
  await expect(page.getByRole("heading", { level: 1, name: "Admin console" })).toBeVisible();
  await expect(page.getByRole("heading", { name: "2FA adoption" })).toBeVisible();
  await expect(page.getByText(/\d+ of \d+/).first()).toBeVisible();
  await expect(page.getByRole("meter", { name: "People with 2FA" })).toBeVisible();
  await expect(page.getByText("Locked accounts")).toBeVisible();
  // The people still without 2FA are a table of their own, above the events.
  await expect(page.getByRole("region", { name: "Still without 2FA" }).getByRole("table")).toBeVisible();
  const events = page.getByRole("region", { name: "Recent security events" }).getByRole("table").getByRole("row");
  // A header row and at most ten events, the newest being this admin's own sign-in.
  expect(await events.count()).toBeLessThanOrEqual(11);
  await expect(events.nth(1)).toContainText("Sign-in succeeded");
});
