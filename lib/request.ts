// Who is asking: the client address and user agent of the current request, for audit and throttling.
import { headers } from "next/headers";

export type RequestContext = { ip: string | null; userAgent: string | null };

const MAX_UA = 512;

export function contextFromHeaders(h: Headers): RequestContext {
  // The first X-Forwarded-For hop is the client on Vercel and behind a proxy that overwrites it.
  const forwarded = h.get("x-forwarded-for")?.split(",")[0]?.trim();
  const ip = forwarded || h.get("x-real-ip")?.trim() || null;
  const userAgent = h.get("user-agent")?.slice(0, MAX_UA) ?? null;
  return { ip: ip ? ip.slice(0, 64) : null, userAgent };
}

export async function requestContext(): Promise<RequestContext> {
  return contextFromHeaders(await headers());
}
