// Who is asking: the client address and user agent of the current request, for audit and throttling.
// Edge-safe (middleware.ts uses it): no Node.js modules.

export type RequestContext = { ip: string | null; userAgent: string | null };

/**
 * Where the client address comes from, as the deployment says:
 * - `peer` (TRUSTED_PROXY_HOPS=0, the default): the connection's own peer. Next.js writes it into
 *   X-Forwarded-For when the request has none, and middleware.ts first removes any X-Forwarded-For
 *   the client sent (withoutClientForwardedFor).
 * - `proxies` (TRUSTED_PROXY_HOPS=N): the N-th X-Forwarded-For value from the right, the one the
 *   outermost of our N proxies appended; every value further left is whatever the client sent.
 * - `vercel` (VERCEL=1, which Vercel sets): `x-vercel-forwarded-for`, which Vercel's edge writes and,
 *   unlike X-Forwarded-For, no proxy in front of Vercel can overwrite.
 */
export type AddressSource = { kind: "peer" } | { kind: "proxies"; hops: number } | { kind: "vercel" };

export const MAX_PROXY_HOPS = 10;

type Env = Readonly<Record<string, string | undefined>>;

/** The address source the environment sets; throws, with the fix in the message, on a bad TRUSTED_PROXY_HOPS. */
export function addressSource(env: Env = process.env): AddressSource {
  if (env.VERCEL === "1") return { kind: "vercel" };
  const hops = env.TRUSTED_PROXY_HOPS?.trim() || "0";
  if (!/^\d{1,2}$/.test(hops) || Number(hops) > MAX_PROXY_HOPS) {
    throw new Error(
      `TRUSTED_PROXY_HOPS must be the number of proxies in front of the server, 0 to ${MAX_PROXY_HOPS} ` +
        `(0: none, clients connect directly; 1: one proxy such as nginx or a load balancer), not "${hops.slice(0, 20)}".`,
    );
  }
  return Number(hops) === 0 ? { kind: "peer" } : { kind: "proxies", hops: Number(hops) };
}

const IPV4 = /^(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;

/**
 * `value` written one way per address (IPv6 compressed and lower-case, an IPv4-mapped IPv6 address as
 * IPv4), or null when it is not an IP address: node:net's isIP is not available on the edge, so URL,
 * which every runtime has, checks the IPv6 grammar.
 */
export function canonicalAddress(value: string): string | null {
  if (IPV4.test(value)) return value;
  // Only hex digits, colons and an IPv4 tail can be IPv6; anything else could steer URL's parser.
  if (value.length > 45 || !value.includes(":") || !/^[0-9a-f:.]+$/i.test(value)) return null;
  let host: string;
  try {
    host = new URL(`http://[${value}]/`).hostname.slice(1, -1);
  } catch {
    return null;
  }
  const mapped = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(host);
  if (!mapped) return host;
  const [high, low] = [parseInt(mapped[1], 16), parseInt(mapped[2], 16)];
  return [high >> 8, high & 255, low >> 8, low & 255].join(".");
}

/** The client's address, or null when the request does not say it in a way this deployment can trust. */
export function clientAddress(h: Headers, source: AddressSource = addressSource()): string | null {
  switch (source.kind) {
    case "vercel":
      return canonicalAddress(h.get("x-vercel-forwarded-for")?.split(",")[0].trim() ?? "");
    case "peer": {
      // Next.js writes one address; a list is a client's header that reached us without the middleware.
      const value = h.get("x-forwarded-for")?.trim() ?? "";
      return value.includes(",") ? null : canonicalAddress(value);
    }
    case "proxies": {
      const values = h.get("x-forwarded-for")?.split(",") ?? [];
      // Fewer values than proxies: the request did not come through all of them, so none is vouched for.
      return values.length < source.hops ? null : canonicalAddress(values[values.length - source.hops].trim());
    }
  }
}

/**
 * For middleware.ts, on the request headers it passes on: with no proxy in front, the X-Forwarded-For
 * the client sent is removed, so that Next.js writes the connection's peer there (it fills the header
 * only when it is missing) before any page, action or route handler reads it.
 */
export function withoutClientForwardedFor(h: Headers, source: AddressSource = addressSource()): void {
  if (source.kind === "peer") h.delete("x-forwarded-for");
}

const MAX_UA = 512;

export function contextFromHeaders(h: Headers, source?: AddressSource): RequestContext {
  return { ip: clientAddress(h, source), userAgent: h.get("user-agent")?.slice(0, MAX_UA) ?? null };
}

export async function requestContext(): Promise<RequestContext> {
  // Loaded here rather than at the top: lib/env.ts imports this module, and so do scripts and the
  // browser suite, in plain Node.js, which cannot resolve "next/headers" as an ES module.
  const { headers } = await import("next/headers");
  return contextFromHeaders(await headers());
}
