// The real sign-in flow, for tests that need a pending challenge or a session the way a browser gets them.
import { getDb } from "@/db/client";
import type { User } from "@/db/schema";
import { findViewer, type Viewer } from "@/lib/auth/viewer";
import { passwordStep, type ChallengeClaim } from "@/lib/auth/sign-in-flow";
import type { RequestContext } from "@/lib/request";
import { TEST_PASSWORD } from "./db";

/** The password step with the right password: the challenge it leaves (the user must have a method). */
export async function challengeFor(user: Pick<User, "id" | "username">, context: RequestContext): Promise<ChallengeClaim> {
  const result = await passwordStep(await getDb(), { account: user.username, password: TEST_PASSWORD }, context, null);
  if (result.kind !== "challenge") throw new Error(`expected a challenge, got ${result.kind}`);
  return { challengeId: result.challengeId, userId: result.userId };
}

/** The viewer of a session, as a request with its cookie would find it (null when it is not live). */
export async function viewerOf(sessionId: string, user: Pick<User, "id" | "sessionVersion">): Promise<Viewer | null> {
  return findViewer(await getDb(), { sessionId, userId: user.id, sessionVersion: user.sessionVersion });
}
