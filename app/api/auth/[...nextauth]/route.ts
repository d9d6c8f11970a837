// Auth.js's routes: what a browser needs of them (the CSRF token, sign-out, the session read). A
// browser may not refresh its session token (POST /api/auth/session, Auth.js's client update()):
// only the server does that, in keepOnlyThisSession, once the user's other sessions have ended, so a
// session left behind by a raised session version cannot bring itself back.
import type { NextRequest } from "next/server";
import { handlers } from "@/lib/auth/auth";

export const GET = handlers.GET;

export async function POST(request: NextRequest): Promise<Response> {
  if (new URL(request.url).pathname.replace(/\/+$/, "").endsWith("/session")) {
    return Response.json({ error: "Not allowed." }, { status: 405, headers: { Allow: "GET", "Cache-Control": "no-store" } });
  }
  return handlers.POST(request);
}
