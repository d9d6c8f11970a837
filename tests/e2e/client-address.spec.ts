// "The client chooses its own address" (issue 10), over HTTP, against a server deployed with no proxy in
// front (TRUSTED_PROXY_HOPS unset). The suite's own server runs behind a pretend proxy (the test clients
// write X-Forwarded-For, TRUSTED_PROXY_HOPS=1), so this spec starts a second one from the same build,
// with an embedded database of its own, and connects to it from distinct loopback addresses
// (127.0.0.2, 127.0.0.3, ...), which are what the server sees as each client's connection.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { request as httpRequest } from "node:http";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import { expect, test } from "@playwright/test";
import { formWith } from "../../scripts/bench/http-client";
import { ADDRESS_LIMIT } from "../../lib/auth/password-limits";
import { E2E_ADMIN } from "./support";

test.describe.configure({ mode: "serial", timeout: 180_000 });

const port = Number(process.env.E2E_PORT ?? 3100) + 1;
const origin = `http://127.0.0.1:${port}`;
let server: ChildProcess;
let dataDir: string;

type Answer = { status: number; location: string | null; cookies: string[]; body: string };

/** One request from the loopback address `from`, redirects not followed. */
async function send(
  from: string,
  method: "GET" | "POST",
  pathname: string,
  headers: Record<string, string> = {},
  form?: FormData,
): Promise<Answer> {
  // The multipart body and its boundary, as a browser would encode the form.
  const encoded = form ? new Response(form) : null;
  const body = encoded ? Buffer.from(await encoded.arrayBuffer()) : undefined;
  const sent: Record<string, string> = { ...headers };
  if (encoded && body) {
    sent["content-type"] = encoded.headers.get("content-type")!;
    sent["content-length"] = String(body.length);
    sent.origin = origin;
  }
  return new Promise((resolve, reject) => {
    const req = httpRequest(new URL(pathname, origin), { method, headers: sent, localAddress: from }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("end", () =>
        resolve({
          status: res.statusCode ?? 0,
          location: res.headers.location ?? null,
          cookies: (res.headers["set-cookie"] ?? []).map((line) => line.split(";")[0]),
          body: Buffer.concat(chunks).toString("utf8"),
        }),
      );
    });
    req.on("error", reject);
    req.end(body);
  });
}

/** Fills the sign-in form as a browser without JavaScript does and posts it from `from`. */
async function signIn(from: string, account: string, password: string, headers: Record<string, string>): Promise<Answer> {
  const page = await send(from, "GET", "/login", headers);
  const form = formWith(page.body, "account");
  if (!form) throw new Error("The sign-in page has no form.");
  const data = new FormData();
  for (const [name, value] of form.fields) data.append(name, value);
  data.set("account", account);
  data.set("password", password);
  return send(from, "POST", "/login", headers, data);
}

function alertText(body: string): string | undefined {
  return body.match(/role="alert"[^>]*>([^<]*)</)?.[1];
}

test.beforeAll(async () => {
  dataDir = mkdtempSync(path.join(os.tmpdir(), "tessera-no-proxy-"));
  const next = createRequire(import.meta.url).resolve("next/dist/bin/next");
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    NODE_ENV: "production",
    NEXT_TELEMETRY_DISABLED: "1",
    AUTH_SECRET: "e2e-auth-secret-0123456789abcdefghijklmnopqrstuvwxyz",
    ENCRYPTION_KEY: "a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90",
    ADMIN_EMAIL: E2E_ADMIN.email,
    ADMIN_PASSWORD: E2E_ADMIN.password,
    EMAIL_OUTBOX: "1",
    RESEND_API_KEY: "",
    DATABASE_URL: "",
    PGLITE_DIR: path.join(dataDir, "pglite"),
  };
  // The deployment under test: no proxy, not Vercel.
  delete env.TRUSTED_PROXY_HOPS;
  delete env.VERCEL;
  server = spawn(process.execPath, [next, "start", "-p", String(port)], { env, stdio: "ignore" });
  await expect(async () => expect((await send("127.0.0.1", "GET", "/login")).status).toBe(200)).toPass({ timeout: 60_000 });
});

test.afterAll(async () => {
  if (server.exitCode === null) {
    const exited = new Promise((resolve) => server.once("exit", resolve));
    server.kill();
    await exited;
  }
  rmSync(dataDir, { recursive: true, force: true });
});

test("with no proxy in front, the address a client writes is ignored: the audit log has its connection's", async () => {
  const agent = `client-address-${Date.now()}`;
  const forged = { "user-agent": agent, "x-forwarded-for": "203.0.113.77", "x-real-ip": "203.0.113.78" };
  const signedIn = await signIn("127.0.0.2", E2E_ADMIN.email, E2E_ADMIN.password, forged);
  expect(signedIn.status).toBe(303);
  const session = signedIn.cookies.find((cookie) => /^(__Host-|__Secure-)?authjs\.session-token=/.test(cookie));
  expect(session).toBeTruthy();

  // The first export is audited too (by the route handler); the second one reads that event.
  const exportCsv = () => send("127.0.0.2", "GET", "/settings/security/audit-log/export", { ...forged, cookie: session! });
  expect((await exportCsv()).status).toBe(200);
  const csv = await exportCsv();
  expect(csv.status).toBe(200);
  const rows = csv.body.split("\r\n").filter((line) => line.includes(agent));
  expect(new Set(rows.map((row) => row.split(",")[1]))).toEqual(new Set(["audit_log.exported", "sign_in.succeeded"]));
  for (const row of rows) expect(row.split(",")[4]).toBe("127.0.0.2");
  expect(csv.body).not.toMatch(/203\.0\.113\.7[78]/);
});

test("a client that changes X-Forwarded-For on every guess is still held by the per-address limit", async () => {
  for (let guess = 0; guess < ADDRESS_LIMIT.max; guess++) {
    const headers = { "x-forwarded-for": `198.18.${guess >> 8}.${guess & 255}` };
    const answer = await signIn("127.0.0.3", `nobody-${guess}@example.com`, "Winter2026!", headers);
    expect(alertText(answer.body), `guess ${guess}`).toBe("Invalid account or password.");
  }
  // Even the right password, with yet another made-up address, is refused from that connection...
  const refused = await signIn("127.0.0.3", E2E_ADMIN.email, E2E_ADMIN.password, { "x-forwarded-for": "198.18.200.1" });
  expect(refused.status).toBe(200);
  expect(alertText(refused.body)).toMatch(/^Too many sign-in attempts\./);
  // ...and accepted from another.
  expect((await signIn("127.0.0.4", E2E_ADMIN.email, E2E_ADMIN.password, {})).status).toBe(303);
});
