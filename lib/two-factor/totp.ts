// Authenticator-app codes per RFC 6238 (SHA-1, 6 digits, 30-second steps): secrets, otpauth URIs and checks.
import { generateSecret, generateSync, verifySync } from "otplib";
import { appName } from "../env";
import { isSixDigitCode } from "./code-format";

export const TOTP_DIGITS = 6;
export const TOTP_PERIOD_SECONDS = 30;
// 20 bytes = 160 bits, the secret length RFC 4226 recommends (SECURITY.md item 3).
const SECRET_BYTES = 20;
// otplib takes the tolerance in seconds: one period each way lets a phone whose clock is a little
// off still sign in, and nothing older or newer than the neighbouring step is accepted.
const SKEW_SECONDS = TOTP_PERIOD_SECONDS;

const PARAMETERS = { strategy: "totp", algorithm: "sha1", digits: TOTP_DIGITS, period: TOTP_PERIOD_SECONDS } as const;

export type TotpCheck = { valid: true; step: number } | { valid: false };

/** A new secret for an authenticator app: 160 random bits as 32 base32 characters. */
export function generateTotpSecret(): string {
  return generateSecret({ length: SECRET_BYTES });
}

/**
 * The otpauth:// URI behind the setup QR code. otplib's generateURI leaves out the algorithm,
 * digits and period when they are the defaults; we spell them out so no app has to guess.
 */
export function totpUri({ secret, accountEmail }: { secret: string; accountEmail: string }): string {
  const issuer = encodeURIComponent(appName());
  const label = `${issuer}:${encodeURIComponent(accountEmail)}`;
  const query = [`secret=${secret}`, `issuer=${issuer}`, "algorithm=SHA1", `digits=${TOTP_DIGITS}`, `period=${TOTP_PERIOD_SECONDS}`].join(
    "&",
  );
  return `otpauth://totp/${label}?${query}`;
}

// The time is always handed to otplib, so it never reads the system clock and tests can move it.
function epochSeconds(at: Date): number {
  return Math.floor(at.getTime() / 1000);
}

/** The code an authenticator app shows at `at`. */
export function totpCodeAt(secret: string, at: Date): string {
  return generateSync({ ...PARAMETERS, secret, epoch: epochSeconds(at) });
}

/**
 * Checks `token` against the step of `at` and one step each way; on success gives the matched
 * time step, which the caller records so the code cannot be used again.
 */
export function verifyTotp(secret: string, token: string, at: Date): TotpCheck {
  if (!isSixDigitCode(token)) return { valid: false };
  const result = verifySync({ ...PARAMETERS, secret, token, epoch: epochSeconds(at), epochTolerance: SKEW_SECONDS });
  // verifySync's result type also covers HOTP, which has no time step; ours is always TOTP.
  return result.valid && "timeStep" in result ? { valid: true, step: result.timeStep } : { valid: false };
}

/** The secret in groups of four, for people who type it into their app instead of scanning. */
export function formatSecretForDisplay(secret: string): string {
  return secret.replace(/(.{4})(?=.)/g, "$1 ");
}
