// The last step of every sign-in: the pending session's one-time ticket handed to Auth.js, which
// activates the session (lib/auth/auth.ts) and sets the session cookie.
import { AuthError } from "next-auth";
import { signIn } from "./auth";

const NOT_COMPLETED = "Sign-in could not be completed. Please try again.";

/** Redirects to `redirectTo` signed in; returns an error message only if Auth.js refused the ticket. */
export async function finishSignIn(ticket: string, redirectTo: string): Promise<string> {
  try {
    await signIn("ticket", { ticket, redirectTo });
  } catch (error) {
    // signIn ends by throwing Next's redirect, which must propagate; only Auth.js errors are ours.
    if (error instanceof AuthError) return NOT_COMPLETED;
    throw error;
  }
  return NOT_COMPLETED;
}
