// After a change that raised the user's session version: every other session of the user ends
// (its row is revoked), and this one carries over to the new version.
import { getDb } from "@/db/client";
import { unstable_update } from "./auth";
import { revokeOtherSessions } from "./sessions";
import type { Viewer } from "./viewer";

export async function keepOnlyThisSession(viewer: Pick<Viewer, "user" | "sessionId">): Promise<void> {
  await revokeOtherSessions(await getDb(), viewer.user.id, viewer.sessionId);
  // The token refresh re-reads the version, and only for a session row that is still live.
  await unstable_update({});
}
