// Who the passkeys belong to (the WebAuthn relying party): the RP ID is AUTH_URL's host name, and the
// only origin accepted is AUTH_URL's origin. Without AUTH_URL, development offers passkeys on
// localhost only (any port); anywhere else, production included, there are none, since a Host header
// that a client or a proxy chooses must not decide which site a credential is for (SECURITY.md 34).
import { headers } from "next/headers";
import { appName, isProduction } from "../env";

export type RelyingParty = { id: string; origin: string; name: string };

/** From a configured public origin: its host name is the RP ID, its origin the one origin accepted. */
export function relyingPartyOf(origin: string, name = appName()): RelyingParty {
  const url = new URL(origin);
  return { id: url.hostname, origin: url.origin, name };
}

/** The relying party of this request, or null when passkeys cannot be offered (production without AUTH_URL). */
export async function relyingParty(): Promise<RelyingParty | null> {
  const configured = process.env.AUTH_URL;
  if (configured) return relyingPartyOf(configured);
  if (isProduction) return null;
  const host = (await headers()).get("host");
  return host && /^localhost(:[0-9]{1,5})?$/i.test(host) ? relyingPartyOf(`http://${host.toLowerCase()}`) : null;
}
