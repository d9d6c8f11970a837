// GET /api/health: whether this instance reaches its database, by one `select 1` through the shared
// client. For load balancers and uptime checks: {"ok":true}, or 503 with no details.
import { sql } from "drizzle-orm";
import { connectionFailure, getDb } from "@/db/client";

export const dynamic = "force-dynamic";

const NO_STORE = { "Cache-Control": "no-store" };

export async function GET(): Promise<Response> {
  try {
    await (await getDb()).execute(sql`select 1`);
    return Response.json({ ok: true }, { headers: NO_STORE });
  } catch (error) {
    // The failure's code only: a driver's message may carry connection details.
    console.error(`[tessera] health check failed (${connectionFailure(error) ?? (error instanceof Error ? error.name : "unknown error")})`);
    return Response.json({ ok: false }, { status: 503, headers: NO_STORE });
  }
}
