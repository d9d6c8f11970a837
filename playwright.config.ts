// Browser tests against the production build (`next start`), in Debian's Chromium when present.
import { existsSync } from "node:fs";
import { defineConfig, devices } from "@playwright/test";

const port = Number(process.env.E2E_PORT ?? 3100);
const systemChromium = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].find((path) => existsSync(path));

export const E2E_ADMIN = { email: "admin@example.com", password: "e2e-admin-password-0001" };

export default defineConfig({
  testDir: "tests/e2e",
  // Its own folder: Playwright empties outputDir at start, and test-results/ also holds the other reports.
  outputDir: "test-results/e2e-artifacts",
  fullyParallel: false,
  workers: 1,
  retries: 0,
  timeout: 60_000,
  expect: { timeout: 10_000 },
  forbidOnly: Boolean(process.env.CI),
  reporter: [["list"], ["json", { outputFile: "test-results/e2e.json" }]],
  use: {
    baseURL: `http://localhost:${port}`,
    trace: "retain-on-failure",
    screenshot: "only-on-failure",
    video: "off",
    ...devices["Desktop Chrome"],
    launchOptions: {
      executablePath: systemChromium,
      args: [
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--disable-quic",
        "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE localhost",
      ],
    },
  },
  webServer: {
    command: `npm run start -- -p ${port}`,
    url: `http://localhost:${port}/login`,
    timeout: 120_000,
    reuseExistingServer: false,
    stdout: "pipe",
    stderr: "pipe",
    env: {
      NODE_ENV: "production",
      NEXT_TELEMETRY_DISABLED: "1",
      // The public origin: links in emails, and the passkeys' relying party (RP ID "localhost", the one
      // origin accepted is this server's), which a production server without it does not offer.
      AUTH_URL: `http://localhost:${port}`,
      AUTH_SECRET: process.env.E2E_AUTH_SECRET ?? "e2e-auth-secret-0123456789abcdefghijklmnopqrstuvwxyz",
      ENCRYPTION_KEY: process.env.E2E_ENCRYPTION_KEY ?? "a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90",
      ADMIN_EMAIL: E2E_ADMIN.email,
      ADMIN_PASSWORD: E2E_ADMIN.password,
      EMAIL_OUTBOX: "1",
      // The test clients play the one proxy in front: each simulated browser names its address in X-Forwarded-For.
      TRUSTED_PROXY_HOPS: "1",
      RESEND_API_KEY: "",
      ...(process.env.E2E_DATABASE_URL
        ? { DATABASE_URL: process.env.E2E_DATABASE_URL }
        : { DATABASE_URL: "", PGLITE_DIR: process.env.E2E_PGLITE_DIR ?? "" }),
    },
  },
});
