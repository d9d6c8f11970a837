// The page a console page or form leads to while the database cannot be reached: /unavailable, which
// middleware.ts serves with HTTP 503, says so in one sentence and links back to the page asked for.
// Edge-safe (middleware.ts imports it): no Node.js modules, no database.
import { safeCallbackPath } from "./safe-redirect";

export const UNAVAILABLE_PATH = "/unavailable";

export const CONSOLE_PAGE_UNAVAILABLE = "This page is unavailable right now because the console cannot reach its database.";

/**
 * The path and query of the page a request is for, which middleware.ts writes on every request it
 * passes on (over any value the client sent): the App Router tells a layout or page nothing else about
 * its own address, and "Try again" must lead back there.
 */
export const PAGE_PATH_HEADER = "x-tessera-page";

/** Where "Try again" leads: the page asked for when it is a path of this site, else the console's home. */
export function pageToRetry(from: unknown): string {
  return safeCallbackPath(from, "/");
}

/** The 503 page for a request for `page` (its path and query, or null when unknown). */
export function unavailablePageFor(page: string | null | undefined): string {
  return `${UNAVAILABLE_PATH}?${new URLSearchParams({ from: pageToRetry(page) }).toString()}`;
}
