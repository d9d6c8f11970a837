// CSV export of the audit log under the page's filter. A route handler answers for itself: it
// checks the session and the role against the database, whatever the middleware did.
import { getDb } from "@/db/client";
import { recordEvent } from "@/lib/audit";
import { AUDIT_CSV_HEADER, auditCsvLine, csvLine } from "@/lib/audit-csv";
import {
  AUDIT_EXPORT_BATCH,
  auditDateMessage,
  auditEventsFrom,
  auditFilter,
  auditSearch,
  listAuditEvents,
  type AuditPage,
} from "@/lib/audit-query";
import { getViewer } from "@/lib/auth/viewer";
import { now } from "@/lib/clock";
import { contextFromHeaders } from "@/lib/request";
import { databaseIsDown } from "@/lib/unavailable";

export const dynamic = "force-dynamic";

const LINES_PER_CHUNK = 500;
const NO_STORE = { "Cache-Control": "no-store" };
const UNAVAILABLE = "The audit log cannot be read right now. Please try again in a minute.";

function plainText(status: number, message: string): Response {
  return new Response(message, { status, headers: { ...NO_STORE, "Content-Type": "text/plain; charset=utf-8" } });
}

export async function GET(request: Request): Promise<Response> {
  const viewer = await getViewer();
  if (!viewer) return Response.json({ error: "Sign in first." }, { status: 401, headers: NO_STORE });
  if (viewer.user.role !== "admin") return Response.json({ error: "Admins only." }, { status: 403, headers: NO_STORE });
  // Like every console page, closed until a second factor the policy requires is set up; like every
  // Global Settings page, closed to an admin who must set one up first.
  if (viewer.mustEnroll || viewer.mustSetUpTwoFactorFirst)
    return Response.json({ error: "Set up two-factor authentication first." }, { status: 403, headers: NO_STORE });

  const search = auditSearch.parse(Object.fromEntries(new URL(request.url).searchParams));
  if (search.refusedDates.length > 0) return plainText(400, auditDateMessage(search.refusedDates));
  const db = await getDb();
  const filter = auditFilter(search);
  // The first page is read before the response starts: once the 200 has gone out, a failure can only
  // cut the download off. Only then is the export recorded, so a refused one leaves no event.
  let first: AuditPage;
  try {
    first = await listAuditEvents(db, filter, {}, AUDIT_EXPORT_BATCH);
    await recordEvent(db, {
      type: "audit_log.exported",
      actorId: viewer.user.id,
      context: contextFromHeaders(request.headers),
      details: { user: search.user ?? null, type: search.type ?? null, from: search.from ?? null, to: search.to ?? null },
    });
  } catch (error) {
    if (databaseIsDown(error)) return plainText(503, UNAVAILABLE);
    throw error;
  }

  const events = auditEventsFrom(db, filter, first);
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
