// Sealed cookie values (iron-session: AES-256-CBC + HMAC) with one key per purpose. Edge-safe.
import { sealData, unsealData } from "iron-session";

export type SealPurpose = "challenge" | "trusted-browser" | "device" | "browser" | "passkey-sign-in";

const passwords = new Map<string, Promise<string>>();

// A key per purpose, derived from AUTH_SECRET, so a cookie sealed for one job never opens for another.
function passwordFor(purpose: SealPurpose): Promise<string> {
  const secret = process.env.AUTH_SECRET;
  if (!secret) throw new Error("AUTH_SECRET is not set.");
  const cacheKey = `${purpose}:${secret}`;
  let password = passwords.get(cacheKey);
  if (!password) {
    password = crypto.subtle
      .digest("SHA-256", new TextEncoder().encode(`tessera/${purpose}/v1:${secret}`))
      .then((digest) => Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join(""));
    passwords.set(cacheKey, password);
  }
  return password;
}

export async function seal(purpose: SealPurpose, data: Record<string, unknown>, ttlSeconds: number): Promise<string> {
  // iron-session reads a ttl of 0 as "never expires"; every sealed value here must die.
  if (!(ttlSeconds > 0)) throw new Error("A sealed value needs a lifetime.");
  return sealData(data, { password: await passwordFor(purpose), ttl: ttlSeconds });
}

/**
 * The sealed data, or null when the value is forged, tampered with, sealed for another purpose or
 * expired. The expiry is the one sealed in (its ttl, plus the minute of clock skew iron allows).
 */
export async function unseal(purpose: SealPurpose, value: string | undefined, ttlSeconds: number): Promise<Record<string, unknown> | null> {
  if (!value || value.length > 4096) return null;
  try {
    const data = await unsealData<Record<string, unknown>>(value, { password: await passwordFor(purpose), ttl: ttlSeconds });
    return data && typeof data === "object" && Object.keys(data).length > 0 ? data : null;
  } catch {
    return null;
  }
}
