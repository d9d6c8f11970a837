// The last step of every sign-in: a one-time ticket handed to Auth.js, which issues the session.
import { AuthError } from "next-auth";
import type { Database } from "@/db/client";
import type { RequestContext } from "../request";
import { signIn } from "./auth";
import { mintSignInTicket } from "./tickets";

/** Redirects to `redirectTo` signed in; returns an error message only if Auth.js refused. */
export async function finishSignIn(db: Database, userId: string, context: RequestContext, redirectTo: string): Promise<string> {
  const ticket = await mintSignInTicket(db, userId, context);
  try {
    await signIn("ticket", { ticket, redirectTo });
  } catch (error) {
    // signIn ends by throwing Next's redirect, which must propagate; only Auth.js errors are ours.
    if (error instanceof AuthError) return "Sign-in could not be completed. Please try again.";
    throw error;
  }
  return "Sign-in could not be completed. Please try again.";
}
