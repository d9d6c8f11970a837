// One second-factor code judged by the sign-in attempt rules on its own, for the tests of each kind of code.
import { and, count, eq } from "drizzle-orm";
import { getDb } from "@/db/client";
import { auditEvents, users } from "@/db/schema";
import type { RequestContext } from "@/lib/request";
import { type CodeInput, type Method } from "@/lib/two-factor/attempt";
import { verifySignInCode } from "./rules";

/**
 * A right code answers with the method it belongs to. A wrong one is "replayed" when the TOTP replay
 * guard refused it (and audited the replay), "invalid" when it was counted as a failure, and
 * "uncounted" when it was refused without counting (a 6-digit code for a user with no enabled method).
 */
export type Verdict = Method | "replayed" | "invalid" | "uncounted" | "wait" | "locked" | "expired" | "retry";

async function replays(userId: string): Promise<number> {
  const db = await getDb();
  const [row] = await db
    .select({ n: count() })
    .from(auditEvents)
    .where(and(eq(auditEvents.subjectId, userId), eq(auditEvents.type, "two_factor.code_replayed")));
  return row.n;
}

/**
 * Submits the code through verifySignInCode after clearing the user's failure count, so that the wait
 * after the 3rd failure (tests/db/lockout.test.ts) never stands in front of the rule under test.
 */
export async function judgeCode(userId: string, input: CodeInput, context: RequestContext): Promise<Verdict> {
  const db = await getDb();
  await db.update(users).set({ failedCodeAttempts: 0, codeRetryAfter: null }).where(eq(users.id, userId));
  const replaysBefore = await replays(userId);
  const result = await verifySignInCode(db, userId, input, context);
  switch (result.kind) {
    case "ok":
      return result.method;
    case "invalid":
      if (result.failures === 0) return "uncounted";
      return (await replays(userId)) > replaysBefore ? "replayed" : "invalid";
    default:
      return result.kind;
  }
}
