import type { NextConfig } from "next";

const production = process.env.NODE_ENV === "production";

// Headers for every response; the Content-Security-Policy (with a per-request nonce) is set in middleware.ts.
const securityHeaders = [
  { key: "X-Content-Type-Options", value: "nosniff" },
  { key: "X-Frame-Options", value: "DENY" },
  { key: "Referrer-Policy", value: "strict-origin-when-cross-origin" },
  { key: "Permissions-Policy", value: "camera=(), microphone=(), geolocation=(), payment=()" },
  { key: "Cross-Origin-Opener-Policy", value: "same-origin" },
  ...(production ? [{ key: "Strict-Transport-Security", value: "max-age=63072000; includeSubDomains" }] : []),
];

const nextConfig: NextConfig = {
  poweredByHeader: false,
  // Compression is the platform's or the proxy's (Vercel's edge, nginx, Caddy), off this server's CPU:
  // gzip of each HTML page cost about 2 ms of server CPU here (docs/BENCHMARKS.md).
  compress: false,
  // Native and WebAssembly packages stay outside the bundle and load from node_modules.
  serverExternalPackages: ["@electric-sql/pglite", "@node-rs/argon2", "postgres"],
  // Migrations are read at run time, so serverless bundles must carry them.
  outputFileTracingIncludes: { "/**": ["./db/migrations/**/*"] },
  experimental: { authInterrupts: true },
  async headers() {
    return [{ source: "/:path*", headers: securityHeaders }];
  },
};

export default nextConfig;
