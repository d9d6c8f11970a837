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

// The browsers we name. Bowser's catch-all reads any text before a "/" as a browser's name, and a user
// agent is whatever the client sent: only these names reach a page or an email ("New sign-in to
// Tessera"), so nobody can write a sentence of their own into someone else's security notice.
const KNOWN_BROWSERS = new Set([
  "Chrome",
  "Chromium",
  "Firefox",
  "Safari",
  "Microsoft Edge",
  "Opera",
  "Samsung Internet for Android",
  "Vivaldi",
  "Yandex Browser",
  "UC Browser",
  "Internet Explorer",
  "Android Browser",
  "Brave",
  "DuckDuckGo",
  "Electron",
]);

/** "Chrome 131 on macOS", or null when the text names no browser we know (a script, a command, a made-up name). */
export function describeUserAgent(userAgent: string | null): string | null {
  if (!userAgent) return null;
  const parsed = Bowser.parse(userAgent);
  const name = parsed.browser.name;
  if (!name || !KNOWN_BROWSERS.has(name)) return null;
  const version = parsed.browser.version?.split(".")[0];
  const major = version && /^\d{1,4}$/.test(version) ? version : undefined;
  const browser = `${BROWSER_NAMES[name] ?? name}${major ? ` ${major}` : ""}`;
  const tablet = parsed.platform.type === "tablet";
  const system = parsed.os.name === "iOS" && tablet ? "iPadOS" : parsed.os.name === "Chrome OS" ? "ChromeOS" : parsed.os.name;
  return system ? `${browser} on ${system}` : browser;
}

export function describeBrowser(userAgent: string | null): string {
  return describeUserAgent(userAgent) ?? "Unknown browser";
}
