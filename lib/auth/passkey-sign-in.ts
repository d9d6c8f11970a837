// Passkeys in the sign-in flow: the options of each ceremony (a WebAuthn challenge stored with what it
// is bound to), and "Sign in with a passkey", where the passkey comes first. With user verification
// (a PIN or a biometric on the authenticator) a passkey is two factors at once: signed in. Without it,
// it stands for the password only, and the second factor is asked as after a password, by any method
// but that passkey. The second factor itself goes through codeStep (lib/auth/sign-in-flow.ts).
import type { AuthenticationResponseJSON, PublicKeyCredentialRequestOptionsJSON } from "@simplewebauthn/server";
import { isoBase64URL } from "@simplewebauthn/server/helpers";
import { sql } from "drizzle-orm";
import type { Database, Queryable } from "@/db/client";
import { asDateOrNull, query, timestamptz, withParts } from "@/db/sql";
import type { MethodKind } from "@/db/schema";
import { auditPart } from "../audit";
import { MINUTE, now } from "../clock";
import { claimedChallenge, issueChallengeParts, takeChallengePart } from "../passkeys/challenges";
import {
  assertionOptions,
  checkAssertion,
  credentialsJson,
  readCredentials,
  spendPasskey,
  type StoredCredential,
} from "../passkeys/passkeys";
import type { RelyingParty } from "../passkeys/relying-party";
import { countHits, countedHits, readHits } from "../rate-limit";
import type { RequestContext } from "../request";
import { liveChallenge } from "../two-factor/challenge";
import { enrollmentRequired, signInMethods } from "../two-factor/enrollment";
import { attemptState } from "../two-factor/lockout";
import { enabledMethodsJson } from "../two-factor/methods";
import { policyColumns, policyRules } from "../two-factor/policy";
import { pendingSession } from "./sessions";
import { afterFirstFactor, type ChallengeClaim, type PasswordStepResult } from "./sign-in-flow";

// Each passkey sign-in asks for a challenge first (the sign-in page asks once as it loads, for autofill):
// an address gets 300 in 15 minutes (an office behind one address loads the page often), so challenges
// cannot be stored without end. A request with no address is not counted, as at the password step:
// one shared bucket would let anyone hold back everyone without one.
const SIGN_IN_CHALLENGES = { max: 300, windowMs: 15 * MINUTE };

export type Options = { ok: true; options: PublicKeyCredentialRequestOptionsJSON };

/**
 * "Sign in with a passkey" (and the Account field's autofill): a challenge for any discoverable
 * credential of this site, bound to the browser by the sealed cookie that will name `id`; one statement.
 */
export async function passkeySignInOptions(
  db: Queryable,
  rp: RelyingParty,
  context: RequestContext,
): Promise<(Options & { id: string }) | { ok: false; retryAt: Date }> {
  const at = now();
  const counters = context.ip ? [{ key: `passkey_sign_in:ip:${context.ip}`, limit: SIGN_IN_CHALLENGES }] : [];
  const within = counters.length > 0 ? sql`(select max(count) from hits) <= ${SIGN_IN_CHALLENGES.max}` : sql`true`;
  const issued = issueChallengeParts({ purpose: "sign_in" }, at, within);
  const [row] = await query<{ hits: Record<string, number | string> | null; id: string | null }>(
    db,
    sql`${withParts({ hits: counters.length > 0 ? countHits(counters, at) : null, ...issued.parts })}
      select ${counters.length > 0 ? countedHits : sql`null::json`} as hits, (select id from issued) as id`,
  );
  const [hit] = readHits(counters, row.hits ?? {}, at);
  if ((hit && !hit.allowed) || !row.id) return { ok: false, retryAt: hit?.retryAt ?? at };
  return { ok: true, id: row.id, options: await assertionOptions(rp, issued.challenge, null) };
}

export type PasskeySignInResult =
  | Exclude<PasswordStepResult, { kind: "throttled" }>
  /** The challenge is used or over 5 minutes old, or was never this browser's: nothing was checked. */
  | { kind: "expired" };

type SignInRow = Parameters<typeof policyRules>[0] & {
  taken: boolean;
  passkey: StoredCredential | null;
  user_id: string | null;
  name: string | null;
  email: string | null;
  status: string | null;
  methods: MethodKind[] | null;
};

/**
 * "Sign in with a passkey": one statement takes the challenge this browser was given and reads the
 * credential the answer names with its person, their methods and the policy; the assertion is checked;
 * one more writes the outcome. An unknown credential, a failed check, a passkey the policy does not
 * allow, and a locked or disabled account all answer "invalid", as a wrong password does.
 */
export async function passkeySignInStep(
  db: Database,
  rp: RelyingParty,
  claim: { id: string },
  response: AuthenticationResponseJSON,
  context: RequestContext,
): Promise<PasskeySignInResult> {
  const at = now();
  const challenge = claimedChallenge(response.response.clientDataJSON);
  if (!challenge) return { kind: "expired" };
  const [row] = await query<SignInRow>(
    db,
    sql`${withParts({ taken: takeChallengePart({ purpose: "sign_in", id: claim.id }, challenge, at) })}
    select exists (select 1 from taken) as taken,
      case when p.id is null then null else json_build_object('id', p.id, 'credentialId', p.credential_id, 'publicKey', p.public_key,
        'counter', p.counter, 'transports', p.transports, 'name', p.name) end as passkey,
      u.id as user_id, u.name, u.email, u.status, ${enabledMethodsJson(sql`u.id`)} as methods, ${policyColumns("s", "u")}
    from settings s
    left join passkeys p on p.credential_id = ${response.id}
    left join users u on u.id = p.user_id
    where s.id = 1`,
  );
  if (!row.taken) return { kind: "expired" };
  const failed = async (reason: string, subjectId: string | null, extra?: ReturnType<typeof auditPart>) => {
    // As at the password step: a locked account's right answer is recorded as such, for the admins.
    const event =
      reason === "locked"
        ? auditPart({ type: "sign_in.locked_account", subjectId, context, details: { via: "passkey" } }, { at })
        : auditPart({ type: "sign_in.failed", subjectId, context, details: { reason } }, { at });
    await db.execute(sql`${withParts({ failed: event, refused: extra ?? null })} select 1`);
    return { kind: "invalid" as const };
  };
  const [passkey] = readCredentials(row.passkey ? [row.passkey] : []);
  if (!passkey || !row.user_id) return failed("unknown_passkey", null);
  const userId = row.user_id;
  // A discoverable credential names its person (the user handle we gave it): it must be the one it is stored for.
  // The spec has a discoverable credential always return it: an answer without one is refused too.
  const handle = response.response.userHandle;
  if (handle === undefined || Buffer.from(isoBase64URL.toBuffer(handle)).toString("hex") !== userId.replace(/-/g, "")) {
    return failed("passkey_refused", userId);
  }
  const check = await checkAssertion(rp, passkey, response, challenge);
  if (!check.ok) {
    const refused = auditPart(
      { type: "passkey.refused", subjectId: userId, context, details: { step: "sign_in", reason: check.reason, passkeyId: passkey.id } },
      { at },
    );
    return failed("passkey_refused", userId, refused);
  }
  if (row.status !== "active") {
    return failed(row.status === "locked" ? "locked" : "disabled", userId);
  }
  const policy = policyRules(row);
  const methods = row.methods ?? [];
  if (!signInMethods(policy, methods).includes("passkey")) return failed("passkey_not_allowed", userId);

  const used = {
    spent: spendPasskey(passkey, check, at),
    used: auditPart(
      {
        type: "passkey.used",
        actorId: userId,
        subjectId: userId,
        context,
        details: { passkeyId: passkey.id, name: passkey.name, userVerified: check.userVerified, step: "sign_in" },
      },
      { at, onlyIf: "spent" },
    ),
  };
  if (!check.userVerified) {
    // The counter is raised first, in a statement of its own: of two answers racing (a cloned
    // authenticator), only the one that raised it goes on to the challenge or a trusted browser's session.
    const [spent] = await query<{ spent: number | string }>(db, sql`${withParts(used)} select count(*) as spent from spent`);
    if (Number(spent.spent) !== 1) return failed("passkey_refused", userId);
    const user = { id: userId, name: row.name!, email: row.email!, methods, policy };
    // No trusted browser is looked at: after a passkey only a password lets one skip the code.
    return afterFirstFactor(db, user, { context, trusted: null, at, parts: {}, firstFactorPasskeyId: passkey.id });
  }
  // Something the person has (the authenticator) and is or knows (its verification): both factors.
  const session = pendingSession(userId, context, at, "second_factor", "spent");
  const [written] = await query<{ session_id: string | null }>(
    db,
    sql`${withParts({
      ...used,
      session: session.part,
      // As a right code does: the count of wrong ones starts over.
      reset: sql`update users set failed_code_attempts = 0, code_retry_after = null where id = ${userId} and exists (select 1 from session)`,
    })} select (select id from session) as session_id`,
  );
  // Another answer of the same authenticator got there first (the counter moved): this one is refused.
  if (!written.session_id) return failed("passkey_refused", userId);
  return { kind: "signed_in", via: "passkey", userId, ticket: session.ticket, mustEnroll: enrollmentRequired(policy, methods, at) };
}

export type SecondFactorOptions = Options | { ok: false; reason: "expired" | "locked" | "wait" | "none" | "busy"; retryAt?: Date };

/**
 * "Use a passkey" on the code page: a challenge bound to this sign-in challenge, for the person's
 * passkeys but the one that stood for their password; one statement. A wait or a lock answers first.
 */
export async function secondFactorPasskeyOptions(db: Queryable, rp: RelyingParty, claim: ChallengeClaim): Promise<SecondFactorOptions> {
  const at = now();
  const live = sql`exists (select 1 from sign_in_challenges c where ${liveChallenge(claim.challengeId, claim.userId, at, "c")})`;
  // Stored only for a live sign-in of someone who may answer now and has a passkey to answer with.
  const answerable = sql`${live} and exists (select 1 from users u where u.id = ${claim.userId} and u.status = 'active'
    and (u.code_retry_after is null or u.code_retry_after <= ${timestamptz(at)})) and exists (select 1 from passkeys p where p.user_id = ${claim.userId})`;
  const issued = issueChallengeParts(
    { purpose: "second_factor", userId: claim.userId, signInChallengeId: claim.challengeId },
    at,
    answerable,
  );
  const firstFactor = sql`(select first_factor_passkey_id from sign_in_challenges where id = ${claim.challengeId})`;
  const [row] = await query<
    Parameters<typeof policyRules>[0] & {
      issued: boolean;
      live: boolean;
      status: string;
      code_retry_after: string | null;
      methods: MethodKind[];
      credentials: StoredCredential[];
    }
  >(
    db,
    sql`${withParts(issued.parts)} select exists (select 1 from issued) as issued, ${live} as live, u.status, u.code_retry_after,
      ${enabledMethodsJson(sql`u.id`)} as methods, ${credentialsJson(sql`u.id`, firstFactor)} as credentials, ${policyColumns("s", "u")}
    from users u join settings s on s.id = 1 where u.id = ${claim.userId}`,
  );
  if (!row?.live) return { ok: false, reason: "expired" };
  const state = attemptState({ status: row.status, codeRetryAfter: asDateOrNull(row.code_retry_after) }, at);
  if (state.locked) return { ok: false, reason: "locked" };
  if (state.retryAt) return { ok: false, reason: "wait", retryAt: state.retryAt };
  const credentials = readCredentials(row.credentials);
  if (credentials.length === 0 || !signInMethods(policyRules(row), row.methods).includes("passkey")) return { ok: false, reason: "none" };
  if (!row.issued) return { ok: false, reason: "busy" };
  return { ok: true, options: await assertionOptions(rp, issued.challenge, credentials) };
}

/** "Confirm it's you" with a passkey: a challenge bound to this session, for the person's passkeys; one statement. */
export async function stepUpPasskeyOptions(
  db: Queryable,
  rp: RelyingParty,
  session: { userId: string; sessionId: string },
): Promise<Options | { ok: false; reason: "none" | "busy" }> {
  const at = now();
  const hasPasskey = sql`exists (select 1 from passkeys p where p.user_id = ${session.userId}::uuid)`;
  const issued = issueChallengeParts({ purpose: "step_up", ...session }, at, hasPasskey);
  const [row] = await query<{ issued: boolean; credentials: StoredCredential[] }>(
    db,
    sql`${withParts(issued.parts)} select exists (select 1 from issued) as issued, ${credentialsJson(sql`${session.userId}::uuid`)} as credentials`,
  );
  const credentials = readCredentials(row.credentials);
  if (credentials.length === 0) return { ok: false, reason: "none" };
  if (!row.issued) return { ok: false, reason: "busy" };
  return { ok: true, options: await assertionOptions(rp, issued.challenge, credentials) };
}
