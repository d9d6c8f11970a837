// Development and test servers only (like /dev/outbox; a 404 everywhere else): closes the caller's own
// re-authentication window, so that the "Confirm it's you" step can be tried without waiting 10
// minutes. It can only ask more of the caller's own session, never less.
import { getDb } from "@/db/client";
import { getViewer } from "@/lib/auth/viewer";
import { forgetReauthentication } from "@/lib/auth/reauth";
import { outboxEnabled } from "@/lib/env";

export const dynamic = "force-dynamic";

const NO_STORE = { "Cache-Control": "no-store" };

export async function POST(): Promise<Response> {
  if (!outboxEnabled()) return new Response("Not found", { status: 404, headers: NO_STORE });
  const viewer = await getViewer();
  if (!viewer) return Response.json({ error: "Sign in first." }, { status: 401, headers: NO_STORE });
  await forgetReauthentication(await getDb(), viewer.sessionId);
  return new Response(null, { status: 204, headers: NO_STORE });
}
