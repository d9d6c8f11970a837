// /dev/outbox holds every code Tessera mailed, sign-in codes included. On a production server that keeps
// it (EMAIL_OUTBOX=1) only an admin may read it: signed out goes to sign-in, an agent gets a 403; a
// development server keeps it open; and such a production server says so once when it starts.
import { renderToStaticMarkup } from "react-dom/server";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { getDb } from "@/db/client";
import type { User } from "@/db/schema";
import OutboxPage from "@/app/dev/outbox/page";
import { storeInOutbox } from "@/lib/email/outbox";
import { startServer } from "@/lib/startup";
import { createTestUser, createUserSession, resetDatabase } from "../support/db";
import { jar } from "../support/next-headers";
import { holdSessionCookie } from "../support/session-cookie";

// The page reads the session cookie from Next.js; here it comes from a plain jar.
vi.mock("next/headers", async () => (await import("../support/session-cookie")).nextHeadersWithJar());
// next.config.ts turns on authInterrupts; the build passes it to forbidden() through this variable.
vi.hoisted(() => {
  process.env.__NEXT_EXPERIMENTAL_AUTH_INTERRUPTS = "true";
});

const context = { ip: "203.0.113.6", userAgent: "vitest" };
const CODE_MAIL = { to: "maria@example.com", subject: "Your sign-in code", text: "Your sign-in code is 482913.", html: "" };

async function signInAs(role: "admin" | "agent"): Promise<User> {
  const user = await createTestUser({ role });
  await holdSessionCookie(user, await createUserSession(user.id, context));
  return user;
}

async function renderOutbox(): Promise<string> {
  return renderToStaticMarkup(await OutboxPage());
}

beforeEach(async () => {
  await resetDatabase();
  jar.clear();
  await storeInOutbox(await getDb(), CODE_MAIL);
});
afterEach(() => vi.unstubAllEnvs());

describe("/dev/outbox on a production server with EMAIL_OUTBOX=1", () => {
  beforeEach(() => {
    vi.stubEnv("NODE_ENV", "production");
    vi.stubEnv("EMAIL_OUTBOX", "1");
  });

  it("sends a signed-out browser to sign-in, without a code", async () => {
    await expect(renderOutbox()).rejects.toMatchObject({ digest: expect.stringMatching(/^NEXT_REDIRECT;[^;]*;\/login;/) });
  });

  it("answers 403 to a signed-in agent, without a code", async () => {
    await signInAs("agent");
    await expect(renderOutbox()).rejects.toMatchObject({ digest: "NEXT_HTTP_ERROR_FALLBACK;403" });
  });

  it("shows the mail to a signed-in admin", async () => {
    await signInAs("admin");
    const page = await renderOutbox();
    expect(page).toContain(">Outbox</h1>");
    expect(page).toContain("Your sign-in code is 482913.");
  });

  it("does not show an admin their own mail: a code mailed to them is a second factor their session must not read", async () => {
    const admin = await signInAs("admin");
    await storeInOutbox(await getDb(), { ...CODE_MAIL, to: admin.email, text: "Your code to confirm it's you is 771204." });
    const page = await renderOutbox();
    expect(page).toContain("Your sign-in code is 482913.");
    expect(page).not.toContain("771204");
  });

  it("is still a 404 without EMAIL_OUTBOX=1, even for an admin", async () => {
    vi.stubEnv("EMAIL_OUTBOX", "");
    await signInAs("admin");
    await expect(renderOutbox()).rejects.toMatchObject({ digest: "NEXT_HTTP_ERROR_FALLBACK;404" });
  });
});

describe("/dev/outbox on a development server", () => {
  it("stays open without a sign-in", async () => {
    vi.stubEnv("NODE_ENV", "development");
    expect(await renderOutbox()).toContain("Your sign-in code is 482913.");
  });
});

describe("starting a server", () => {
  // AUTH_URL set: without it a production server also warns that passkeys are off (unit/passkey-names.test.ts).
  const env = { ...process.env, AUTH_SECRET: "a".repeat(40), ENCRYPTION_KEY: "ab".repeat(32), AUTH_URL: "https://tessera.example.com" };

  async function warningsAtStart(overrides: Record<string, string | undefined>): Promise<string[]> {
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    // A refusal to start would end the test run; here it fails the test instead.
    const exit = vi.spyOn(process, "exit").mockImplementation((code) => {
      throw new Error(`the server refused to start (exit ${code})`);
    });
    try {
      await startServer({ ...env, ...overrides });
      return warn.mock.calls.map((call) => String(call[0]));
    } finally {
      warn.mockRestore();
      exit.mockRestore();
    }
  }

  it("in production with EMAIL_OUTBOX=1 warns once that admins can read every sign-in code at /dev/outbox", async () => {
    const warnings = await warningsAtStart({ NODE_ENV: "production", EMAIL_OUTBOX: "1", RESEND_API_KEY: "" });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/EMAIL_OUTBOX=1/);
    expect(warnings[0]).toMatch(/every sign-in code .* readable by any admin at \/dev\/outbox/);
  });

  it("says nothing in production without the outbox, nor in development", async () => {
    expect(await warningsAtStart({ NODE_ENV: "production", EMAIL_OUTBOX: undefined })).toEqual([]);
    expect(await warningsAtStart({ NODE_ENV: "development", EMAIL_OUTBOX: "1" })).toEqual([]);
  });
});
