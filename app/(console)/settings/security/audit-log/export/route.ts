// CSV export of the audit log under the page's filter. A route handler answers for itself: it
// checks the session and the role against the database, whatever the middleware did.
import { getDb } from "@/db/client";
import { recordEvent } from "@/lib/audit";
import { AUDIT_CSV_HEADER, auditCsvLine, csvLine } from "@/lib/audit-csv";
import { allAuditEvents, auditFilter, auditSearch } from "@/lib/audit-query";
import { getViewer } from "@/lib/auth/viewer";
import { now } from "@/lib/clock";
import { contextFromHeaders } from "@/lib/request";

export const dynamic = "force-dynamic";

const LINES_PER_CHUNK = 500;
const NO_STORE = { "Cache-Control": "no-store" };

export async function GET(request: Request): Promise<Response> {
  const viewer = await getViewer();
  if (!viewer) return Response.json({ error: "Sign in first." }, { status: 401, headers: NO_STORE });
  if (viewer.user.role !== "admin") return Response.json({ error: "Admins only." }, { status: 403, headers: NO_STORE });
  // Like every console page, closed until a second factor the policy requires is set up.
  if (viewer.mustEnroll) return Response.json({ error: "Set up two-factor authentication first." }, { status: 403, headers: NO_STORE });

  const search = auditSearch.parse(Object.fromEntries(new URL(request.url).searchParams));
  const db = await getDb();
  const filter = auditFilter(search);
  await recordEvent(db, {
    type: "audit_log.exported",
    actorId: viewer.user.id,
    context: contextFromHeaders(request.headers),
    details: { user: search.user ?? null, type: search.type ?? null, from: search.from ?? null, to: search.to ?? null },
  });

  const events = allAuditEvents(db, filter);
  const encoder = new TextEncoder();
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      // The byte-order mark makes spreadsheets read the file as UTF-8.
      controller.enqueue(encoder.encode("\uFEFF" + csvLine([...AUDIT_CSV_HEADER])));
    },
    async pull(controller) {
      let chunk = "";
      for (let lines = 0; lines < LINES_PER_CHUNK; lines++) {
        const next = await events.next();
        if (next.done) break;
        chunk += auditCsvLine(next.value);
      }
      if (chunk) controller.enqueue(encoder.encode(chunk));
      else controller.close();
    },
    async cancel() {
      await events.return(undefined);
    },
  });
  const day = now().toISOString().slice(0, 10);
  return new Response(body, {
    headers: {
      ...NO_STORE,
      "Content-Type": "text/csv; charset=utf-8",
      "Content-Disposition": `attachment; filename="audit-log-${day}.csv"`,
      "X-Content-Type-Options": "nosniff",
    },
  });
}
