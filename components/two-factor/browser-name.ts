// A readable name for a browser ("Chrome 131 on macOS") from a stored user agent, read by bowser (a
// maintained parser, MIT-licensed) rather than by patterns of our own. It helps a person recognise a
// row; it decides nothing.
import Bowser from "bowser";

// Bowser's names where people use shorter ones.
const BROWSER_NAMES: Record<string, string> = {
  "Microsoft Edge": "Edge",
  "Samsung Internet for Android": "Samsung Internet",
  Chromium: "Chromium",
};

/** "Chrome 131 on macOS", or null when the text names no browser we can read (a script, a command). */
export function describeUserAgent(userAgent: string | null): string | null {
  if (!userAgent) return null;
  const parsed = Bowser.parse(userAgent);
  const name = parsed.browser.name;
  if (!name) return null;
  const major = parsed.browser.version?.split(".")[0];
  const browser = `${BROWSER_NAMES[name] ?? name}${major ? ` ${major}` : ""}`;
  const tablet = parsed.platform.type === "tablet";
  const system = parsed.os.name === "iOS" && tablet ? "iPadOS" : parsed.os.name === "Chrome OS" ? "ChromeOS" : parsed.os.name;
  return system ? `${browser} on ${system}` : browser;
}

export function describeBrowser(userAgent: string | null): string {
  return describeUserAgent(userAgent) ?? "Unknown browser";
}
