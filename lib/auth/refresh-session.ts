// After a change that raised the user's session version: every other session of the user ends
// (its row is revoked), and this one carries over to the new version.
import { getDb } from "@/db/client";
import { unstable_update } from "./auth";
import type { CurrentUser } from "./current-user";
import { revokeOtherSessions } from "./sessions";

export async function keepOnlyThisSession(current: CurrentUser): Promise<void> {
  await revokeOtherSessions(await getDb(), current.user.id, current.sessionId);
  // The token refresh re-reads the version, and only for a session row that is still live.
  await unstable_update({});
}
