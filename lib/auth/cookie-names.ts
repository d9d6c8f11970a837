// Cookie names shared by the edge middleware and the server; production gets Secure and the __Host- prefix.
export const secureCookies = process.env.NODE_ENV === "production";

export const CHALLENGE_COOKIE = secureCookies ? "__Host-tessera-challenge" : "tessera-challenge";
export const TRUSTED_BROWSER_COOKIE = secureCookies ? "__Host-tessera-trusted" : "tessera-trusted";
