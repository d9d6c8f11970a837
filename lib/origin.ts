// The site's own origin for links in emails: AUTH_URL when set (recommended in production),
// otherwise the request's host, which a proxy in front of the app must set honestly.
import { headers } from "next/headers";

export async function appOrigin(): Promise<string> {
  const configured = process.env.AUTH_URL || process.env.APP_URL;
  if (configured) return new URL(configured).origin;
  const h = await headers();
  const host = h.get("x-forwarded-host") ?? h.get("host") ?? "localhost:3000";
  const proto = h.get("x-forwarded-proto") ?? (host.startsWith("localhost") || host.startsWith("127.") ? "http" : "https");
  return `${proto}://${host}`;
}

/**
 * The origin for links in emails a stranger's request can set off ("New sign-in", "An account was
 * locked"): only one the deployment vouches for, AUTH_URL (or APP_URL), or Vercel's production
 * domain; in development the request's. Never the Host or X-Forwarded-Host of a production request,
 * which whoever sent it chooses. Null when there is none: the email then names the page in words.
 */
export async function vouchedOrigin(): Promise<string | null> {
  const configured = process.env.AUTH_URL || process.env.APP_URL;
  if (configured) return new URL(configured).origin;
  if (process.env.VERCEL_PROJECT_PRODUCTION_URL) return `https://${process.env.VERCEL_PROJECT_PRODUCTION_URL}`;
  if (process.env.NODE_ENV === "production") return null;
  try {
    return await appOrigin();
  } catch {
    return "http://localhost:3000"; // outside a request: a script, a test
  }
}
