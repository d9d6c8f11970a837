// What a page or action answers while the database cannot be reached: a plain message on the page or
// form the person is using, rather than an error page. Every other error still propagates.
import "server-only";
import { connectionFailure } from "@/db/client";

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
