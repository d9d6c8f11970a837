// What a page or action answers while the database cannot be reached: a plain message on the page or
// form the person is using, rather than an error page; on the console, the 503 page. Every other error
// still propagates.
import "server-only";
import { headers } from "next/headers";
import { redirect } from "next/navigation";
import { connectionFailure } from "@/db/client";
import { PAGE_PATH_HEADER, unavailablePageFor } from "./unavailable-page";

export const SIGN_IN_UNAVAILABLE = "Sign-in is unavailable right now. Please try again in a minute.";

/** True (and logged, by its code only) when `error` says the database cannot be reached. */
export function databaseIsDown(error: unknown): boolean {
  const failure = connectionFailure(error);
  // The code only: drizzle's message carries the query and its parameters (account names, hashes).
  if (failure) console.error(`[tessera] the database could not be reached (${failure})`);
  return failure !== null;
}

export async function unlessDatabaseIsDown<T>(step: () => Promise<T>, whenDown: T): Promise<T> {
  try {
    return await step();
  } catch (error) {
    if (!databaseIsDown(error)) throw error;
    return whenDown;
  }
}

/**
 * `step`'s answer; while the database cannot be reached, a redirect to the 503 page (/unavailable),
 * whose "Try again" leads back to the page this request is for. For console layouts, pages and forms
 * that end in a redirect: the App Router cannot give a page a status of its own (an error before the
 * first byte is always a 500, and notFound/forbidden/unauthorized are the only other statuses), so
 * middleware.ts serves that page with its 503, as it serves /forbidden with its 403.
 */
export async function orUnavailablePage<T>(step: () => Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (error) {
    if (!databaseIsDown(error)) throw error;
    redirect(unavailablePageFor((await headers()).get(PAGE_PATH_HEADER)));
  }
}

/** A console page that answers with the 503 page while the database cannot be reached (orUnavailablePage). */
export function consolePage<A extends unknown[], R>(page: (...props: A) => Promise<R>): (...props: A) => Promise<R> {
  return (...props) => orUnavailablePage(() => page(...props));
}
