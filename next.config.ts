import type { NextConfig } from "next";

const production = process.env.NODE_ENV === "production";

// Headers for every response. The Content-Security-Policy of pages, with a per-request nonce, is set
// in middleware.ts; the responses it skips get STATIC_POLICY below.
const securityHeaders = [
  { key: "X-Content-Type-Options", value: "nosniff" },
  { key: "X-Frame-Options", value: "DENY" },
  { key: "Referrer-Policy", value: "strict-origin-when-cross-origin" },
  { key: "Permissions-Policy", value: "camera=(), microphone=(), geolocation=(), payment=(), usb=(), browsing-topics=()" },
  { key: "Cross-Origin-Opener-Policy", value: "same-origin" },
  ...(production ? [{ key: "Strict-Transport-Security", value: "max-age=63072000; includeSubDomains" }] : []),
];

// What middleware.ts's matcher skips, in the same words (keep the two together): static files, the
// icons, robots.txt and the health check. None is a page; one of them may answer with the prerendered
// 404 page, whose scripts carry no nonce. So nothing runs there: styles, images and fonts of our own only.
const SKIPPED_BY_MIDDLEWARE =
  "/:skipped(_next/static.*|_next/image.*|favicon\\.ico.*|favicon\\.svg.*|icon\\.svg.*|robots\\.txt.*|api/health)";
const STATIC_POLICY = [
  "default-src 'none'",
  "style-src 'self'",
  "img-src 'self'",
  "font-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join("; ");

const nextConfig: NextConfig = {
  poweredByHeader: false,
  // The development badge sits bottom-left by default, over the sidebar's signed-in name.
  devIndicators: { position: "bottom-right" },
  // Compression is the platform's or the proxy's (Vercel's edge, nginx, Caddy), off this server's CPU:
  // gzip of each HTML page cost about 2 ms of server CPU here (docs/BENCHMARKS.md).
  compress: false,
  // Native and WebAssembly packages stay outside the bundle and load from node_modules.
  serverExternalPackages: ["@electric-sql/pglite", "@node-rs/argon2", "postgres"],
  // Migrations are read at run time, so serverless bundles must carry them.
  outputFileTracingIncludes: { "/**": ["./db/migrations/**/*"] },
  experimental: {
    authInterrupts: true,
    // The forms send a few short fields; middleware.ts answers a longer body with 413 before Next.js
    // reads it (Next.js answers its own limit with a 500), with the same number.
    serverActions: { bodySizeLimit: "64kb" },
  },
  async headers() {
    return [
      { source: "/:path*", headers: securityHeaders },
      { source: SKIPPED_BY_MIDDLEWARE, headers: [{ key: "Content-Security-Policy", value: STATIC_POLICY }] },
    ];
  },
};

export default nextConfig;
