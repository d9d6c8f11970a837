// Server configuration read from the environment, with development defaults kept in .data/.
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { addressSource } from "./request";

export const isProduction = process.env.NODE_ENV === "production";

export function dataDir(): string {
  return path.join(process.cwd(), ".data");
}

type DevSecrets = { AUTH_SECRET: string; ENCRYPTION_KEY: string };

/** Development only: the secrets generated into .data/secrets.json on first run. */
export function loadOrCreateDevSecrets(): DevSecrets {
  const file = path.join(dataDir(), "secrets.json");
  if (existsSync(file)) return JSON.parse(readFileSync(file, "utf8")) as DevSecrets;
  mkdirSync(dataDir(), { recursive: true });
  const secrets: DevSecrets = {
    AUTH_SECRET: randomBytes(32).toString("base64url"),
    ENCRYPTION_KEY: randomBytes(32).toString("hex"),
  };
  writeFileSync(file, JSON.stringify(secrets, null, 2), { mode: 0o600 });
  return secrets;
}

function secretFromEnv(name: keyof DevSecrets): string {
  const value = process.env[name];
  if (value) return value;
  if (isProduction) throw new Error(`${name} is not set: the server cannot run without it.`);
  const generated = loadOrCreateDevSecrets()[name];
  process.env[name] = generated;
  return generated;
}

export function authSecret(): string {
  return secretFromEnv("AUTH_SECRET");
}

let cachedKey: { hex: string; key: Buffer } | null = null;

export function encryptionKey(): Buffer {
  const hex = secretFromEnv("ENCRYPTION_KEY");
  if (cachedKey?.hex === hex) return cachedKey.key;
  if (!/^[0-9a-fA-F]{64}$/.test(hex)) {
    throw new Error("ENCRYPTION_KEY must be 32 random bytes written as 64 hex characters (openssl rand -hex 32).");
  }
  cachedKey = { hex, key: Buffer.from(hex, "hex") };
  return cachedKey.key;
}

/** What production is missing or has wrong; the server refuses to start while this is not empty. */
export function missingProductionSettings(env: Readonly<Record<string, string | undefined>> = process.env): string[] {
  const problems: string[] = [];
  if (!env.AUTH_SECRET) problems.push("AUTH_SECRET is not set (32+ random characters: openssl rand -base64 32).");
  else if (env.AUTH_SECRET.length < 32) problems.push("AUTH_SECRET is shorter than 32 characters.");
  if (!env.ENCRYPTION_KEY) problems.push("ENCRYPTION_KEY is not set (openssl rand -hex 32).");
  else if (!/^[0-9a-fA-F]{64}$/.test(env.ENCRYPTION_KEY)) problems.push("ENCRYPTION_KEY must be 64 hex characters.");
  if (env.AUTH_URL && !isHttpOrigin(env.AUTH_URL))
    problems.push("AUTH_URL must be the site's public origin, such as https://tessera.example.com.");
  // Parsed where it is used (lib/request.ts, which the edge middleware shares); checked here so a bad
  // value stops the server at start rather than failing every request.
  try {
    addressSource(env);
  } catch (error) {
    problems.push((error as Error).message);
  }
  return problems;
}

export function appName(): string {
  return process.env.APP_NAME?.trim() || "Tessera";
}

/** The local outbox (and its page) exists in development, and in production only with EMAIL_OUTBOX=1. */
export function outboxEnabled(env: NodeJS.ProcessEnv | Readonly<Record<string, string | undefined>> = process.env): boolean {
  return env.NODE_ENV !== "production" || env.EMAIL_OUTBOX === "1";
}

function isHttpOrigin(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === "https:" || url.protocol === "http:") && url.hostname !== "";
  } catch {
    return false;
  }
}

/** Production without AUTH_URL: said once at start, since the passkey buttons are simply not there. */
export function passkeysWarning(env: Readonly<Record<string, string | undefined>> = process.env): string | null {
  if (env.NODE_ENV !== "production" || env.AUTH_URL) return null;
  return "[tessera] AUTH_URL is not set: passkeys are off. Set it to the site's public origin (https://…) to offer them.";
}
