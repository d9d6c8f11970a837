import { describe, expect, it } from "vitest";
import { passkeysWarning, missingProductionSettings } from "@/lib/env";
import { cleanPasskeyName, defaultPasskeyName, PASSKEY_NAME_MAX } from "@/lib/passkeys/names";
import { claimedChallenge } from "@/lib/passkeys/challenges";
import { relyingPartyOf } from "@/lib/passkeys/relying-party";

const CHROME_LINUX = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";
const SAFARI_IPHONE =
  "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1";

describe("a new passkey's default name", () => {
  it("is the authenticator's product name when its AAGUID is a known one, in any case", () => {
    expect(defaultPasskeyName("fbfc3007-154e-4ecc-8c0b-6e020557d7bd", CHROME_LINUX)).toBe("iCloud Keychain");
    expect(defaultPasskeyName("EA9B8D66-4D01-1D21-3CE4-B6B48CB575D4", null)).toBe("Google Password Manager");
  });

  it("is the browser and system it was added in otherwise, without the version", () => {
    expect(defaultPasskeyName("00000000-0000-0000-0000-000000000000", CHROME_LINUX)).toBe("Passkey on Chrome on Linux");
    expect(defaultPasskeyName(null, SAFARI_IPHONE)).toBe("Passkey on Safari on iOS");
    expect(defaultPasskeyName(null, null)).toBe("Passkey on Unknown browser");
  });
});

describe("a passkey name as typed", () => {
  it("is trimmed, with inner runs of blanks made one space", () => {
    expect(cleanPasskeyName("  Work   laptop \t ")).toBe("Work laptop");
  });

  it("loses control and invisible characters (a NUL, bidirectional overrides, zero-width spaces)", () => {
    expect(cleanPasskeyName("Work\u0000 key\u202e\u200b")).toBe("Work key");
    expect(cleanPasskeyName("\u0000\u200b")).toBeNull();
  });

  it("is refused when empty or longer than the limit", () => {
    expect(cleanPasskeyName("   ")).toBeNull();
    expect(cleanPasskeyName("x".repeat(PASSKEY_NAME_MAX))).toHaveLength(PASSKEY_NAME_MAX);
    expect(cleanPasskeyName("x".repeat(PASSKEY_NAME_MAX + 1))).toBeNull();
  });
});

describe("the challenge an answer claims", () => {
  const clientData = (data: object) => Buffer.from(JSON.stringify(data)).toString("base64url");
  const challenge = "x".repeat(43);

  it("is read from the client data, and refused when the ceremony ran in another site's frame", () => {
    expect(claimedChallenge(clientData({ type: "webauthn.get", challenge, origin: "https://t.example" }))).toBe(challenge);
    expect(claimedChallenge(clientData({ type: "webauthn.get", challenge, crossOrigin: true }))).toBeNull();
    expect(claimedChallenge(clientData({ challenge: "short" }))).toBeNull();
    expect(claimedChallenge("not base64 json")).toBeNull();
  });
});

describe("the relying party", () => {
  it("takes the RP ID from AUTH_URL's host name and accepts only its origin", () => {
    expect(relyingPartyOf("https://tessera.example.com/some/path", "Tessera")).toEqual({
      id: "tessera.example.com",
      origin: "https://tessera.example.com",
      name: "Tessera",
    });
    expect(relyingPartyOf("http://localhost:3100", "Tessera")).toMatchObject({ id: "localhost", origin: "http://localhost:3100" });
  });

  it("is missing in production without AUTH_URL, which the server says at start", () => {
    expect(passkeysWarning({ NODE_ENV: "production" })).toMatch(/AUTH_URL is not set: passkeys are off/);
    expect(passkeysWarning({ NODE_ENV: "production", AUTH_URL: "https://tessera.example.com" })).toBeNull();
    expect(passkeysWarning({ NODE_ENV: "development" })).toBeNull();
  });

  it("refuses to start in production on an AUTH_URL that is not an origin", () => {
    const base = { NODE_ENV: "production", AUTH_SECRET: "x".repeat(32), ENCRYPTION_KEY: "a".repeat(64) };
    expect(missingProductionSettings({ ...base, AUTH_URL: "tessera.example.com" })).toContain(
      "AUTH_URL must be the site's public origin, such as https://tessera.example.com.",
    );
    expect(missingProductionSettings({ ...base, AUTH_URL: "https://tessera.example.com" })).toEqual([]);
  });
});
