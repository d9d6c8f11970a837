// One-time sign-in tickets: minted by our code once every factor is verified, redeemed once by Auth.js.
import { and, eq, gt, isNull } from "drizzle-orm";
import type { Queryable } from "@/db/client";
import { signInTickets } from "@/db/schema";
import { addMs, now } from "../clock";
import { randomToken, sha256 } from "../crypto";
import type { RequestContext } from "../request";

const TICKET_LIFETIME_MS = 60_000;

export async function mintSignInTicket(db: Queryable, userId: string, context: RequestContext): Promise<string> {
  const token = randomToken();
  const createdAt = now();
  await db.insert(signInTickets).values({
    tokenHash: sha256(token),
    userId,
    createdAt,
    expiresAt: addMs(createdAt, TICKET_LIFETIME_MS),
    ip: context.ip,
    userAgent: context.userAgent,
  });
  return token;
}

/** Consumes the ticket in one statement; the same ticket never works twice. */
export async function redeemSignInTicket(db: Queryable, token: string) {
  const at = now();
  const [row] = await db
    .update(signInTickets)
    .set({ usedAt: at })
    .where(and(eq(signInTickets.tokenHash, sha256(token)), isNull(signInTickets.usedAt), gt(signInTickets.expiresAt, at)))
    .returning({ userId: signInTickets.userId, ip: signInTickets.ip, userAgent: signInTickets.userAgent });
  return row ?? null;
}
