// Cookie names shared by the edge middleware and the server. In production every cookie of ours is
// Secure with the __Host- prefix: the browser then keeps it only if it came over HTTPS with Path=/ and
// no Domain, so neither a sibling subdomain nor a plain-HTTP response can set or shadow it.
export const secureCookies = process.env.NODE_ENV === "production";

const prefix = secureCookies ? "__Host-" : "";

/** Auth.js's session token. Auth.js also salts the token's encryption with this name. */
export const SESSION_COOKIE = `${prefix}authjs.session-token`;
export const CALLBACK_URL_COOKIE = `${prefix}authjs.callback-url`;
export const CSRF_COOKIE = `${prefix}authjs.csrf-token`;
export const CHALLENGE_COOKIE = `${prefix}tessera-challenge`;
export const TRUSTED_BROWSER_COOKIE = `${prefix}tessera-trusted`;
export const DEVICE_COOKIE = `${prefix}tessera-device`;
export const BROWSER_COOKIE = `${prefix}tessera-browser`;
export const PASSKEY_SIGN_IN_COOKIE = `${prefix}tessera-passkey`;

/** Whether a cookie name is the session token, whole or one of the chunks Auth.js splits a large one into. */
export function isSessionCookie(name: string): boolean {
  return name === SESSION_COOKIE || name.startsWith(`${SESSION_COOKIE}.`);
}
