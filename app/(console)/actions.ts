"use server";

import { formAction } from "@/lib/action";
import { signOut } from "@/lib/auth/auth";
import { signOutSession } from "@/lib/auth/sessions";
import { getViewer } from "@/lib/auth/viewer";

/** Ends this session on the server (its row is revoked, the event written) and in the browser. */
export const signOutAction = formAction({ access: "public" }, async ({ db, request }) => {
  // A session that already ended still gets its cookie cleared.
  const viewer = await getViewer();
  if (viewer) await signOutSession(db, { sessionId: viewer.sessionId, userId: viewer.user.id }, request);
  await signOut({ redirectTo: "/login" });
});
