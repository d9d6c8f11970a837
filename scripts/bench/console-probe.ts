// For the fault benchmark: what a console page answers a signed-in browser while the database is down.
// It must be the 503 page (issue 13, item 11): HTTP 503, its one sentence, and "Try again" back to the
// page asked for; reached from the page by one redirect, since the App Router cannot give a page a
// status of its own (lib/unavailable.ts).
import { CONSOLE_PAGE_UNAVAILABLE } from "../../lib/unavailable-page";
import type { Browser, Page } from "./http-client";
import { leakIn } from "./leaks";
import { visibleText } from "./stats";

export type ConsoleProbe = {
  sentAt: number;
  doneAt: number;
  /** What came back, as a person would tell it: statuses, the redirect, the heading. */
  outcome: string;
  /** The console itself (HTTP 200, its heading). */
  consoleShown: boolean;
  /** The 503 page with its sentence, and "Try again" back to the page asked for. */
  unavailablePage: boolean;
  leak: string | null;
};

const PATH = "/";

function heading(page: Page): string {
  const match = /<h1[^>]*>([\s\S]*?)<\/h1>/.exec(page.body);
  return match ? ` "${visibleText(match[1]).slice(0, 90)}"` : "";
}

/** GET / with `browser`, following one redirect to the 503 page as a browser would. */
export async function probeConsole(browser: Browser): Promise<ConsoleProbe> {
  const sentAt = Date.now();
  let first: Page;
  try {
    first = await browser.request("GET", PATH);
  } catch (error) {
    const name = (error as { name?: string })?.name;
    const outcome = name === "TimeoutError" ? "timeout" : "no response";
    return { sentAt, doneAt: Date.now(), outcome, consoleShown: false, unavailablePage: false, leak: null };
  }
  let page = first;
  let outcome = `${first.status}`;
  const redirect = first.status >= 300 && first.status < 400 && first.location ? new URL(first.location, first.url) : null;
  const toUnavailable = redirect?.pathname === "/unavailable" && redirect.searchParams.get("from") === PATH;
  if (redirect && toUnavailable) {
    page = await browser.request("GET", redirect.pathname + redirect.search).catch(() => page);
    outcome += ` to ${redirect.pathname}${redirect.search}, then ${page === first ? "no response" : page.status}`;
  } else if (redirect) {
    outcome += ` to ${first.location}`;
  }
  outcome += heading(page);
  const consoleShown = page === first && page.status === 200 && /<h1[^>]*>(Agent Panel|Admin console)<\/h1>/.test(page.body);
  const retry = new RegExp(`<a [^>]*href="${PATH}"[^>]*>Try again</a>`);
  const unavailablePage =
    (page === first || toUnavailable) &&
    page.status === 503 &&
    visibleText(page.body).includes(CONSOLE_PAGE_UNAVAILABLE) &&
    retry.test(page.body);
  return { sentAt, doneAt: Date.now(), outcome, consoleShown, unavailablePage, leak: leakIn(first.body) ?? leakIn(page.body) };
}
