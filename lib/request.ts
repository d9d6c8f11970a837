// Who is asking: the client address and user agent of the current request, for audit and throttling.
import { headers } from "next/headers";

export type RequestContext = { ip: string | null; userAgent: string | null };

const MAX_UA = 512;

export function contextFromHeaders(h: Headers): RequestContext {
  // The last X-Forwarded-For hop is the one our own proxy added (Vercel sets a single value; nginx's
  // $proxy_add_x_forwarded_for appends the peer): hops to its left are whatever the client sent.
  const forwarded = h.get("x-forwarded-for")?.split(",").at(-1)?.trim();
  const ip = forwarded || h.get("x-real-ip")?.trim() || null;
  const userAgent = h.get("user-agent")?.slice(0, MAX_UA) ?? null;
  return { ip: ip ? ip.slice(0, 64) : null, userAgent };
}

export async function requestContext(): Promise<RequestContext> {
  return contextFromHeaders(await headers());
}
