// The cookies of the sign-in flow: the pending challenge, the trusted browser, the known device and the
// passkey sign-in's WebAuthn challenge.
// All sealed, HttpOnly, SameSite=Lax, Secure with the __Host- prefix in production.
import { cookies } from "next/headers";
import { z } from "zod";
import { CHALLENGE_LIFETIME_MS } from "../two-factor/challenge";
import { randomUUID } from "node:crypto";
import { WEBAUTHN_CHALLENGE_MS } from "../passkeys/challenges";
import {
  BROWSER_COOKIE,
  CHALLENGE_COOKIE,
  DEVICE_COOKIE,
  PASSKEY_SIGN_IN_COOKIE,
  TRUSTED_BROWSER_COOKIE,
  secureCookies,
} from "./cookie-names";
import { seal, unseal } from "./sealed-cookies";

const CHALLENGE_TTL_S = CHALLENGE_LIFETIME_MS / 1000;
// The trusted-browser seal itself may live at most the longest policy window; the row decides the rest.
const TRUSTED_TTL_S = 90 * 24 * 60 * 60;

const cookieOptions = { httpOnly: true, secure: secureCookies, sameSite: "lax" as const, path: "/" };

const challengeShape = z.object({ challengeId: z.uuid(), userId: z.uuid(), callbackUrl: z.string().max(512) });
export type ChallengeCookie = z.infer<typeof challengeShape>;

export async function setChallengeCookie(value: ChallengeCookie): Promise<void> {
  const sealed = await seal("challenge", value, CHALLENGE_TTL_S);
  (await cookies()).set(CHALLENGE_COOKIE, sealed, { ...cookieOptions, maxAge: CHALLENGE_TTL_S });
}

export async function readChallengeCookie(): Promise<ChallengeCookie | null> {
  const data = await unseal("challenge", (await cookies()).get(CHALLENGE_COOKIE)?.value, CHALLENGE_TTL_S);
  const parsed = challengeShape.safeParse(data);
  return parsed.success ? parsed.data : null;
}

export async function clearChallengeCookie(): Promise<void> {
  (await cookies()).set(CHALLENGE_COOKIE, "", { ...cookieOptions, maxAge: 0 });
}

const trustedShape = z.object({ browserId: z.uuid(), userId: z.uuid(), expiresAt: z.number() });
export type TrustedBrowserCookie = z.infer<typeof trustedShape>;

export async function setTrustedBrowserCookie(value: { browserId: string; userId: string; expiresAt: Date }, nowMs: number): Promise<void> {
  const maxAge = Math.max(0, Math.floor((value.expiresAt.getTime() - nowMs) / 1000));
  const sealed = await seal("trusted-browser", { ...value, expiresAt: value.expiresAt.getTime() }, TRUSTED_TTL_S);
  (await cookies()).set(TRUSTED_BROWSER_COOKIE, sealed, { ...cookieOptions, maxAge });
}

export async function readTrustedBrowserCookie(): Promise<TrustedBrowserCookie | null> {
  const data = await unseal("trusted-browser", (await cookies()).get(TRUSTED_BROWSER_COOKIE)?.value, TRUSTED_TTL_S);
  const parsed = trustedShape.safeParse(data);
  return parsed.success ? parsed.data : null;
}

export async function clearTrustedBrowserCookie(): Promise<void> {
  (await cookies()).set(TRUSTED_BROWSER_COOKIE, "", { ...cookieOptions, maxAge: 0 });
}

// A known device (OWASP's "device cookies" against account lockout): a browser where the account's
// password was given right. Its password tries are held back in a bucket of their own, so guessers
// elsewhere cannot keep the owner waiting there (lib/auth/password-limits.ts). It proves nothing else.
const DEVICE_TTL_S = 180 * 24 * 60 * 60;
const deviceShape = z.object({ deviceId: z.uuid(), userId: z.uuid() });
export type DeviceCookie = z.infer<typeof deviceShape>;

export async function readDeviceCookie(): Promise<DeviceCookie | null> {
  const data = await unseal("device", (await cookies()).get(DEVICE_COOKIE)?.value, DEVICE_TTL_S);
  const parsed = deviceShape.safeParse(data);
  return parsed.success ? parsed.data : null;
}

/** Marks this browser as a known device of `userId` (anew when it was another account's, or none). */
export async function rememberDevice(userId: string, current: DeviceCookie | null): Promise<void> {
  if (current?.userId === userId) return;
  const sealed = await seal("device", { deviceId: randomUUID(), userId }, DEVICE_TTL_S);
  (await cookies()).set(DEVICE_COOKIE, sealed, { ...cookieOptions, maxAge: DEVICE_TTL_S });
}

// This browser, whoever signs in with it: a random id, sealed, set at the first completed sign-in and
// renewed at each one, so a browser in use is never forgotten. Only its hash is stored, per person who
// signed in there (known_browsers), to tell "New sign-in to Tessera" apart from a browser they use. It
// proves nothing: a copied cookie only spares its thief's sign-in that email, not any factor.
const BROWSER_TTL_S = 400 * 24 * 60 * 60; // the longest lifetime browsers give a cookie
const browserShape = z.object({ id: z.uuid() });

/** This browser's id (a new one when it has none, or a broken one), with the cookie set or renewed. */
export async function thisBrowserId(): Promise<string> {
  const jar = await cookies();
  const parsed = browserShape.safeParse(await unseal("browser", jar.get(BROWSER_COOKIE)?.value, BROWSER_TTL_S));
  const id = parsed.success ? parsed.data.id : randomUUID();
  jar.set(BROWSER_COOKIE, await seal("browser", { id }, BROWSER_TTL_S), { ...cookieOptions, maxAge: BROWSER_TTL_S });
  return id;
}

// "Sign in with a passkey" binds its WebAuthn challenge to this browser: the row's id, sealed, for as
// long as the challenge lives. Another browser's answer to it finds no cookie naming it.
const PASSKEY_TTL_S = WEBAUTHN_CHALLENGE_MS / 1000;
const passkeyShape = z.object({ id: z.uuid() });

export async function setPasskeySignInCookie(value: { id: string }): Promise<void> {
  const sealed = await seal("passkey-sign-in", value, PASSKEY_TTL_S);
  (await cookies()).set(PASSKEY_SIGN_IN_COOKIE, sealed, { ...cookieOptions, maxAge: PASSKEY_TTL_S });
}

export async function readPasskeySignInCookie(): Promise<{ id: string } | null> {
  const data = await unseal("passkey-sign-in", (await cookies()).get(PASSKEY_SIGN_IN_COOKIE)?.value, PASSKEY_TTL_S);
  const parsed = passkeyShape.safeParse(data);
  return parsed.success ? parsed.data : null;
}

export async function clearPasskeySignInCookie(): Promise<void> {
  (await cookies()).set(PASSKEY_SIGN_IN_COOKIE, "", { ...cookieOptions, maxAge: 0 });
}
