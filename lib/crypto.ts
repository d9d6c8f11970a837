// Randomness, one-time code hashing, constant-time comparison and secret encryption (AES-256-GCM).
import { createCipheriv, createDecipheriv, createHash, createHmac, hkdfSync, randomBytes, randomInt, timingSafeEqual } from "node:crypto";
import { encryptionKey } from "./env";

/** A uniformly random string of `digits` decimal digits (CSPRNG). */
export function randomDigits(digits = 6): string {
  let out = "";
  for (let i = 0; i < digits; i++) out += String(randomInt(10));
  return out;
}

const BACKUP_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789";

/** True once in `n` calls on average: for work done now and then rather than every time. */
export function oneIn(n: number): boolean {
  return randomInt(n) === 0;
}

/** `xxxxx-xxxxx` from [a-z0-9]: 10 symbols of log2(36) bits = 51.7 bits. */
export function randomBackupCode(): string {
  let raw = "";
  for (let i = 0; i < 10; i++) raw += BACKUP_ALPHABET[randomInt(BACKUP_ALPHABET.length)];
  return `${raw.slice(0, 5)}-${raw.slice(5)}`;
}

export function randomToken(bytes = 32): string {
  return randomBytes(bytes).toString("base64url");
}

export function sha256(value: string): string {
  return createHash("sha256").update(value).digest("base64url");
}

let hmacKey: { source: Buffer; key: Buffer } | null = null;

function codeHashKey(): Buffer {
  const source = encryptionKey();
  if (hmacKey?.source === source) return hmacKey.key;
  const key = Buffer.from(hkdfSync("sha256", source, Buffer.alloc(0), "tessera code hash v1", 32));
  hmacKey = { source, key };
  return key;
}

/**
 * Hash of a short one-time code (email code, backup code). Keyed with a server secret, so a
 * leaked table cannot be brute-forced offline; bound to the user so equal codes hash apart.
 */
export function hashCode(userId: string, code: string): string {
  return createHmac("sha256", codeHashKey()).update(`${userId}:${code}`).digest("base64url");
}

export function constantTimeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  if (left.length !== right.length) {
    timingSafeEqual(left, left);
    return false;
  }
  return timingSafeEqual(left, right);
}

/**
 * The id of the candidate whose hash equals `hash`, or null. Every candidate is compared, in constant
 * time, so how long it takes says nothing about which one matched or how much of a hash did.
 */
export function matchingHash(hash: string, candidates: { id: string; hash: string }[]): string | null {
  let match: string | null = null;
  for (const candidate of candidates) {
    if (constantTimeEqual(candidate.hash, hash) && match === null) match = candidate.id;
  }
  return match;
}

const VERSION = "v1";

/** AES-256-GCM; `context` (the owner's id) is authenticated, so a ciphertext cannot move rows. */
export function encryptSecret(plaintext: string, context: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", encryptionKey(), iv);
  cipher.setAAD(Buffer.from(context));
  const body = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
  const tag = cipher.getAuthTag();
  return [VERSION, iv.toString("base64url"), tag.toString("base64url"), body.toString("base64url")].join(".");
}

export function decryptSecret(sealed: string, context: string): string {
  const [version, iv, tag, body] = sealed.split(".");
  if (version !== VERSION || !iv || !tag || body === undefined) throw new Error("Unreadable encrypted secret.");
  // A tag shorter than the 16 bytes we write would be a weaker check: refused.
  const decipher = createDecipheriv("aes-256-gcm", encryptionKey(), Buffer.from(iv, "base64url"), { authTagLength: 16 });
  decipher.setAAD(Buffer.from(context));
  decipher.setAuthTag(Buffer.from(tag, "base64url"));
  return Buffer.concat([decipher.update(Buffer.from(body, "base64url")), decipher.final()]).toString("utf8");
}
