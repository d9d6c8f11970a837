// Redirect targets must stay on this site: a relative path, never "//host", "/\host" or a scheme.
export function safeCallbackPath(value: unknown, fallback = "/"): string {
  if (typeof value !== "string" || value.length === 0 || value.length > 512) return fallback;
  if (!value.startsWith("/") || value.startsWith("//") || value.startsWith("/\\")) return fallback;
  if (/[\u0000-\u001f\u007f\\]/.test(value)) return fallback;
  try {
    const url = new URL(value, "http://tessera.invalid");
    if (url.origin !== "http://tessera.invalid") return fallback;
    if (url.pathname.startsWith("/login") || url.pathname.startsWith("/api/")) return fallback;
    const path = url.pathname + url.search + url.hash;
    // Dot segments collapse: "/a/..//evil.example" parses to the path "//evil.example", another site once redirected to.
    return path.startsWith("//") ? fallback : path;
  } catch {
    return fallback;
  }
}
