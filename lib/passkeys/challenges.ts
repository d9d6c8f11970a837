// WebAuthn challenges, kept in PostgreSQL and nowhere else: 32 random bytes, single use (the statement
// that checks an answer deletes its challenge), 5 minutes, and bound to what asked for it: the session
// (adding a passkey, "Confirm it's you"), the sign-in challenge (the second factor), or, for a passkey
// sign-in before anyone is known, the browser whose sealed cookie names the row.
import { sql, type SQL } from "drizzle-orm";
import { timestamptz } from "@/db/sql";
import type { WebAuthnPurpose } from "@/db/schema";
import { MINUTE, addMs } from "../clock";
import { oneIn, randomToken } from "../crypto";

export const WEBAUTHN_CHALLENGE_MS = 5 * MINUTE;
/** Live challenges one session or one sign-in may hold at once: prompts opened and closed, not a flood of rows. */
export const LIVE_CHALLENGES_PER_BINDING = 10;

export type ChallengeBinding =
  | { purpose: "register"; userId: string; sessionId: string }
  | { purpose: "step_up"; userId: string; sessionId: string }
  | { purpose: "second_factor"; userId: string; signInChallengeId: string }
  | { purpose: "sign_in"; id?: string };

function bindingColumns(binding: ChallengeBinding): { userId: string | null; sessionId: string | null; signInChallengeId: string | null } {
  switch (binding.purpose) {
    case "register":
    case "step_up":
      return { userId: binding.userId, sessionId: binding.sessionId, signInChallengeId: null };
    case "second_factor":
      return { userId: binding.userId, sessionId: null, signInChallengeId: binding.signInChallengeId };
    case "sign_in":
      return { userId: null, sessionId: null, signInChallengeId: null };
  }
}

/**
 * Statement parts that store a new challenge (`issued`, returning `id`; only when `onlyIf` holds, if
 * given, and while its session or sign-in holds fewer than LIVE_CHALLENGES_PER_BINDING) and, now and
 * then, sweep the expired ones; `challenge` is the value for the browser, base64url. Passkey sign-in,
 * bound to no row, is held back per address by its caller.
 */
export function issueChallengeParts(
  binding: ChallengeBinding,
  at: Date,
  onlyIf: SQL = sql`true`,
): { parts: Record<string, SQL | null>; challenge: string } {
  const challenge = randomToken(32);
  const { userId, sessionId, signInChallengeId } = bindingColumns(binding);
  const purpose: WebAuthnPurpose = binding.purpose;
  const boundTo = sessionId
    ? sql`w.session_id = ${sessionId}::uuid`
    : signInChallengeId
      ? sql`w.sign_in_challenge_id = ${signInChallengeId}::uuid`
      : null;
  const room = boundTo
    ? sql`(select count(*) from webauthn_challenges w where ${boundTo} and w.purpose = ${purpose} and w.expires_at > ${timestamptz(at)}) < ${LIVE_CHALLENGES_PER_BINDING}`
    : sql`true`;
  return {
    challenge,
    parts: {
      issued: sql`insert into webauthn_challenges (purpose, challenge, user_id, session_id, sign_in_challenge_id, created_at, expires_at)
        select ${purpose}, ${challenge}, ${userId}::uuid, ${sessionId}::uuid, ${signInChallengeId}::uuid, ${timestamptz(at)},
          ${timestamptz(addMs(at, WEBAUTHN_CHALLENGE_MS))} where ${onlyIf} and ${room} returning id`,
      swept: oneIn(16) ? sql`delete from webauthn_challenges where expires_at <= ${timestamptz(at)} returning id` : null,
    },
  };
}

/**
 * A statement part that takes the challenge `challenge` (from the answer's client data) if it is
 * live and bound as `binding` says: it is deleted, so it answers once; returns `id`.
 */
export function takeChallengePart(binding: ChallengeBinding, challenge: string, at: Date): SQL {
  const bound =
    binding.purpose === "sign_in"
      ? binding.id
        ? sql`id = ${binding.id}::uuid and user_id is null`
        : sql`false`
      : binding.purpose === "second_factor"
        ? sql`user_id = ${binding.userId}::uuid and sign_in_challenge_id = ${binding.signInChallengeId}::uuid`
        : sql`user_id = ${binding.userId}::uuid and session_id = ${binding.sessionId}::uuid`;
  return sql`delete from webauthn_challenges
    where challenge = ${challenge} and purpose = ${binding.purpose} and ${bound} and expires_at > ${timestamptz(at)} returning id`;
}

/**
 * The challenge an answer claims to sign (clientDataJSON's `challenge`), or null when it cannot be read,
 * or when the ceremony ran in a frame of another site (`crossOrigin`): no page of ours is ever framed.
 */
export function claimedChallenge(clientDataJSON: string): string | null {
  try {
    const data = JSON.parse(Buffer.from(clientDataJSON, "base64url").toString("utf8")) as {
      challenge?: unknown;
      crossOrigin?: unknown;
    } | null;
    if (data?.crossOrigin === true) return null;
    const challenge = data?.challenge;
    return typeof challenge === "string" && /^[A-Za-z0-9_-]{16,128}$/.test(challenge) ? challenge : null;
  } catch {
    return null;
  }
}
