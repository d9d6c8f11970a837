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
