// Issue 12 in the browser: "Where you're signed in" with two browsers of one person, the new-browser
// email, an admin's "Sign out everywhere", and the grace period of required 2FA (the banner inside it,
// the wall after it).
import { expect, test, type Browser, type Page } from "@playwright/test";
import { checkPage } from "./a11y";
import { confirmIfAsked, region } from "./app-steps";
import { adminPage, adminSecret, createPerson, latestEmail, signIn, type TestPerson } from "./support";

const POLICY = "/settings/security/2fa-policy";
const REQUIRE = "Require two-factor authentication for everyone";

/** `person` signed in in a browser context of their own, on the Agent Panel. */
async function signedInBrowser(browser: Browser, person: TestPerson): Promise<{ page: Page; close: () => Promise<void> }> {
  const context = await browser.newContext();
  const page = await context.newPage();
  await signIn(page, person.username, person.password);
  await expect(page.getByRole("heading", { name: "Agent Panel" })).toBeVisible();
  return { page, close: () => context.close() };
}

/** Saves "Require two-factor authentication for everyone" and its grace period as the e2e admin. */
async function requireTwoFactor(page: Page, required: boolean, grace: "None" | "7 days" | "14 days" | "30 days") {
  await page.goto(POLICY);
  const checkbox = page.getByRole("checkbox", { name: REQUIRE });
  if (required) await checkbox.check();
  else await checkbox.uncheck();
  await page.getByLabel("Grace period").selectOption({ label: grace });
  await page.getByRole("button", { name: "Save" }).click();
  await confirmIfAsked(page, adminSecret(), page.getByRole("status").filter({ hasText: "2FA policy saved." }));
}

test("two browsers of one person: the first lists both and signs the second out; a new browser is emailed; an admin signs everyone out", async ({
  browser,
}) => {
  // Three browsers, two emails read from the outbox: longer than one sign-in's test.
  test.slow();
  const person = await createPerson(browser);
  const first = await signedInBrowser(browser, person);
  const second = await signedInBrowser(browser, person);
  try {
    // The first sign-in ever is no news; the second, from another browser, is.
    const mail = await latestEmail(first.page, person.email, /New sign-in to Tessera/);
    expect(mail.body).toContain("IP address:");
    expect(mail.body).toContain("/profile/security");

    await first.page.goto("/profile/security");
    const card = region(first.page, "Where you're signed in");
    const rows = card.getByRole("row").filter({ has: first.page.getByRole("cell") });
    await expect(rows).toHaveCount(2);
    await expect(rows.filter({ hasText: "This browser" })).toHaveCount(1);
    await expect(card.getByRole("columnheader", { name: "IP address" })).toBeVisible();
    await checkPage(first.page, "profile-sessions");

    // "Sign out" on the other row: the second browser's next page is the sign-in page.
    await rows.filter({ hasNotText: "This browser" }).getByRole("button", { name: "Sign out", exact: true }).click();
    await expect(card.getByRole("status")).toContainText("That session was signed out.");
    await expect(rows).toHaveCount(1);
    await expect(card.getByText("You are signed in on this browser only.")).toBeVisible();
    await second.page.goto("/profile/security");
    await expect(second.page.getByRole("heading", { name: "User Sign In" })).toBeVisible();

    // The admin's "Sign out everywhere" ends the first browser's session too, and the person hears of it.
    const admin = await adminPage(browser);
    try {
      await admin.goto(`/settings/people/agents?q=${encodeURIComponent(person.email)}`);
      const row = admin.getByRole("row").filter({ hasText: person.email });
      await row.getByRole("button", { name: "Sign out everywhere" }).click();
      const dialog = admin.getByRole("dialog", { name: `Sign ${person.name} out everywhere?` });
      await expect(dialog).toBeVisible();
      await checkPage(admin, "dialog-sign-out-everywhere");
      await dialog.getByRole("button", { name: "Sign out everywhere" }).click();
      await confirmIfAsked(admin, adminSecret(), row.getByRole("status").filter({ hasText: `${person.name} was signed out of 1 session` }));
    } finally {
      await admin.close();
    }
    await first.page.goto("/");
    await expect(first.page.getByRole("heading", { name: "User Sign In" })).toBeVisible();
    await latestEmail(first.page, person.email, /An administrator signed you out everywhere/);
  } finally {
    await first.close();
    await second.close();
  }
});

test("required 2FA with a grace period: a banner with the deadline and the console open; once it is over, only /profile/security", async ({
  browser,
}) => {
  const admin = await adminPage(browser);
  try {
    await requireTwoFactor(admin, true, "7 days");
    await expect(admin.getByLabel("Grace period")).toHaveValue("7");
    await checkPage(admin, "policy-grace");

    const person = await createPerson(browser);
    const agent = await signedInBrowser(browser, person);
    try {
      // Inside the grace period the sign-in leads to the console, every page with the banner.
      const banner = agent.page.getByRole("region", { name: "Two-factor authentication required" });
      await expect(banner).toContainText("Your admin requires two-factor authentication.");
      await expect(banner).toContainText(/\(7 days left\)/);
      await checkPage(agent.page, "console-grace-banner");
      await agent.page.goto("/profile/security");
      await expect(banner).toBeVisible();
      await banner.getByRole("link", { name: "Set up now" }).click();
      await expect(agent.page).toHaveURL(/\/profile\/security$/);

      // The admin's home lists them with their deadline.
      await admin.goto("/");
      const listed = admin.getByRole("region", { name: "Still without 2FA" }).getByRole("row").filter({ hasText: person.email });
      await expect(listed).toContainText("7 days left");

      // No grace period: theirs is over, and only the page that sets 2FA up opens.
      await requireTwoFactor(admin, true, "None");
      await agent.page.goto("/");
      await expect(agent.page).toHaveURL(/\/profile\/security$/);
      await expect(agent.page.getByRole("region", { name: "Two-factor authentication required" })).toHaveCount(0);
      await expect(agent.page.getByText("Your admin requires two-factor authentication. Set up")).toBeVisible();
    } finally {
      await agent.close();
    }
  } finally {
    // The specs after this one expect 2FA not to be required.
    await requireTwoFactor(admin, false, "None");
    await admin.close();
  }
});
