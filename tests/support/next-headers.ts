// Next.js's request plumbing for tests that call server actions and pages directly: cookies from a
// plain jar, sent also in the Cookie header as Next.js does, and headers of a fixed client. Use with
//   vi.mock("next/headers", () => import("../support/next-headers"));
export const jar = new Map<string, string>();

export const CLIENT_ADDRESS = "203.0.113.9";

function cookieHeader(): string {
  return [...jar].map(([name, value]) => `${name}=${encodeURIComponent(value)}`).join("; ");
}

export async function cookies() {
  return {
    get: (name: string) => (jar.has(name) ? { name, value: jar.get(name)! } : undefined),
    getAll: () => [...jar].map(([name, value]) => ({ name, value })),
    has: (name: string) => jar.has(name),
    set: (name: string, value: string) => (value ? jar.set(name, value) : jar.delete(name)),
    delete: (name: string) => jar.delete(name),
    toString: cookieHeader,
  };
}

// The client's address where Next.js puts the connection's peer, which lib/request.ts reads when no
// proxy is trusted (TRUSTED_PROXY_HOPS unset, as in tests).
export async function headers() {
  const sent = new Headers({ host: "localhost:3000", "user-agent": "vitest", "x-forwarded-for": CLIENT_ADDRESS });
  if (jar.size > 0) sent.set("cookie", cookieHeader());
  return sent;
}
