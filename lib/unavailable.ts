// What a sign-in step answers while the database cannot be reached: a plain message on the form the
// person is using, rather than an error page. Every other error still propagates.
import "server-only";
import { connectionFailure } from "@/db/client";

export const SIGN_IN_UNAVAILABLE = "Sign-in is unavailable right now. Please try again in a minute.";

export async function unlessDatabaseIsDown<T>(step: () => Promise<T>, whenDown: T): Promise<T> {
  try {
    return await step();
  } catch (error) {
    const failure = connectionFailure(error);
    if (!failure) throw error;
    // The code only: drizzle's message carries the query and its parameters (account names, hashes).
    console.error(`[tessera] a sign-in step could not reach the database (${failure})`);
    return whenDown;
  }
}
