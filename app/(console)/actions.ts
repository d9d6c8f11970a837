"use server";

import { getDb } from "@/db/client";
import { recordEvent } from "@/lib/audit";
import { signOut } from "@/lib/auth/auth";
import { getCurrentUser } from "@/lib/auth/current-user";
import { revokeSession } from "@/lib/auth/sessions";
import { requestContext } from "@/lib/request";

/** Ends this session on the server (its row is revoked) and in the browser. */
export async function signOutAction(): Promise<void> {
  const current = await getCurrentUser();
  if (current) {
    const db = await getDb();
    await revokeSession(db, current.sessionId);
    await recordEvent(db, { type: "sign_out", actorId: current.user.id, subjectId: current.user.id, context: await requestContext() });
  }
  await signOut({ redirectTo: "/login" });
}
