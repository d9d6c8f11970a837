// One attempt at a second-factor code, as one transaction: the user's row locked first (as every 2FA
// change takes it), so attempts of one user run one at a time and parallel guesses never earn more
// tries than the rules of lib/two-factor/lockout.ts give. Under the lock it reads, in one statement,
// what the code is checked against; checks it here (constant time; a TOTP secret decrypted once); and
// writes the outcome in one statement: the code spent by a part whose WHERE is its one-time rule,
// with the count reset and whatever the caller adds, or the failure booked.
import type { AuthenticationResponseJSON } from "@simplewebauthn/server";
import { sql, type SQL } from "drizzle-orm";
import type { Database, Transaction } from "@/db/client";
import { asDateOrNull, asNumber, query, timestamptz, withParts } from "@/db/sql";
import type { MethodKind } from "@/db/schema";
import { auditPart } from "../audit";
import { hashCode, matchingHash } from "../crypto";
import { now } from "../clock";
import { claimedChallenge, takeChallengePart, type ChallengeBinding } from "../passkeys/challenges";
import { checkAssertion, credentialsJson, readCredentials, spendPasskey, type StoredCredential } from "../passkeys/passkeys";
import type { RelyingParty } from "../passkeys/relying-party";
import type { RequestContext } from "../request";
import { checkAppCode, spendAppStep } from "./app-method";
import { spendAdminCode } from "./admin-codes";
import { spendBackupCode } from "./backup-codes";
import { cancelChallenge, completeChallenge, liveChallenge } from "./challenge";
import { isSixDigitCode, normalizeBackupCode } from "./code-format";
import { spendEmailCode } from "./email-codes";
import { signInMethods } from "./enrollment";
import { adminsToTellColumn, failureParts, type FailureResult } from "./lockout";
import { enabledMethodsJson } from "./methods";
import { policyColumns, policyRules, type PolicyRules } from "./policy";

/**
 * A 6-digit code (from the app or an email), a backup code (personal or admin-issued), or a passkey's
 * assertion, which answers the WebAuthn challenge bound to this sign-in or session and is checked
 * against this site (`rp`).
 */
export type CodeInput =
  | { kind: "code" | "backup"; code: string }
  | {
      kind: "passkey";
      response: AuthenticationResponseJSON;
      rp: RelyingParty;
      binding: Extract<ChallengeBinding, { purpose: "second_factor" | "step_up" }>;
    };

/** What a right code was: the method that answered. */
export type Method = "app" | "email" | "backup_code" | "admin_backup_code" | "passkey";

export type AttemptResult =
  | { kind: "ok"; method: Method }
  | FailureResult
  /** The sign-in challenge the code was for is no longer live: nothing was counted or spent. */
  | { kind: "expired" }
  /** The passkey answered a WebAuthn challenge that is used or over 5 minutes old: nothing was counted; ask again. */
  | { kind: "retry" };

/** The user as the attempt found them, under the lock: for the caller's notices and next steps. */
export type AttemptUser = { id: string; name: string; email: string; methods: MethodKind[]; policy: PolicyRules };

type State = {
  user: AttemptUser;
  failures: number;
  challengeLive: boolean;
  app: { id: string; secretEncrypted: string; lastUsedStep: number | null } | null;
  codes: { id: string; hash: string }[];
  adminCodes: { id: string; hash: string; issuedBy: string | null }[];
  /** For a passkey: whether its WebAuthn challenge was live and is now taken, and the credentials that may answer. */
  passkey: { challenge: string | null; credentials: StoredCredential[] };
};

type StateRow = Parameters<typeof policyRules>[0] & {
  name: string;
  email: string;
  methods: MethodKind[];
  challenge_live: boolean;
  app_id: string | null;
  app_secret: string | null;
  app_step: number | string | null;
  codes: { id: string; hash: string }[] | null;
  admin_codes: { id: string; hash: string; issuedBy: string | null }[] | null;
  challenge_taken: boolean | null;
  credentials: StoredCredential[] | null;
};

/**
 * Reads, after the user's row is locked (a statement of its own, so this one's snapshot holds every
 * attempt that finished while this one waited), what a code of `kind` is checked against.
 */
async function readState(tx: Transaction, attempt: Attempt, failures: number, at: Date): Promise<State> {
  const { userId, input, challengeId } = attempt;
  const codes =
    input.kind === "passkey"
      ? sql`null::json`
      : input.kind === "code"
        ? sql`(select json_agg(json_build_object('id', e.id, 'hash', e.code_hash)) from email_codes e
          where e.user_id = u.id and e.purpose = 'sign_in' and e.used_at is null and e.expires_at > ${timestamptz(at)})`
        : sql`(select json_agg(json_build_object('id', b.id, 'hash', b.code_hash)) from backup_codes b where b.user_id = u.id and b.used_at is null)`;
  const adminCodes =
    input.kind === "backup"
      ? sql`(select json_agg(json_build_object('id', a.id, 'hash', a.code_hash, 'issuedBy', a.issued_by)) from admin_backup_codes a
          where a.user_id = u.id and a.used_at is null and a.expires_at > ${timestamptz(at)})`
      : sql`null::json`;
  const challengeLive = challengeId
    ? sql`exists (select 1 from sign_in_challenges where ${liveChallenge(challengeId, userId, at)})`
    : sql`true`;
  // A passkey's WebAuthn challenge is taken (deleted) by this read, so it answers once whatever the
  // outcome; a passkey that stood for the password at this sign-in cannot be the second factor too.
  const challenge = input.kind === "passkey" ? claimedChallenge(input.response.response.clientDataJSON) : null;
  const taken = input.kind === "passkey" && challenge ? takeChallengePart(input.binding, challenge, at) : null;
  const firstFactor = challengeId ? sql`(select first_factor_passkey_id from sign_in_challenges where id = ${challengeId})` : undefined;
  const passkeyColumns =
    input.kind === "passkey"
      ? sql`, ${taken ? sql`exists (select 1 from taken)` : sql`false`} as challenge_taken, ${credentialsJson(sql`u.id`, firstFactor)} as credentials`
      : sql``;
  const [row] = await query<StateRow>(
    tx,
    sql`${taken ? withParts({ taken }) : sql``} select u.name, u.email, ${policyColumns("s", "u")}, ${enabledMethodsJson(sql`u.id`)} as methods,
      ${challengeLive} as challenge_live,
      app.id as app_id, app.secret_encrypted as app_secret, app.last_used_step as app_step,
      ${codes} as codes, ${adminCodes} as admin_codes${passkeyColumns}
    from users u
    join settings s on s.id = 1
    left join two_factor_methods app on app.user_id = u.id and app.kind = 'app' and app.enabled_at is not null and app.secret_encrypted is not null
    where u.id = ${userId}`,
  );
  return {
    user: {
      id: userId,
      name: row.name,
      email: row.email,
      methods: row.methods,
      policy: policyRules(row),
    },
    failures,
    challengeLive: row.challenge_live,
    app:
      row.app_id && row.app_secret
        ? { id: row.app_id, secretEncrypted: row.app_secret, lastUsedStep: row.app_step === null ? null : asNumber(row.app_step) }
        : null,
    codes: row.codes ?? [],
    adminCodes: row.admin_codes ?? [],
    passkey: { challenge: row.challenge_taken ? challenge : null, credentials: readCredentials(row.credentials) },
  };
}

/** The passkey's counter moved under the attempt: the transaction rolls back, and the person is asked again. */
class PasskeyRaced extends Error {
  constructor() {
    super("The passkey was used elsewhere meanwhile.");
  }
}

/** The challenge the attempt was for ended meanwhile: the transaction rolls back, nothing is counted or spent. */
class AttemptOutdated extends Error {
  constructor() {
    super("The sign-in this code was for has ended.");
  }
}

type Check =
  | { ok: true; method: Method; spend: SQL; usedEvent: SQL | null }
  | { ok: false; method: string; replayed: boolean; uncounted?: true; retry?: true; refusedEvent?: SQL };

/**
 * Checks a passkey's assertion against the credentials that may answer: the person's own, under the
 * policy. Another person's credential, a failed signature, a wrong origin or RP ID, and a counter that
 * goes backwards each count as a wrong attempt, and are audited with the reason.
 */
async function checkPasskey(
  userId: string,
  input: Extract<CodeInput, { kind: "passkey" }>,
  state: State,
  context: RequestContext,
  at: Date,
): Promise<Check> {
  if (!signInMethods(state.user.policy, state.user.methods).includes("passkey"))
    return { ok: false, method: "passkey", replayed: false, uncounted: true };
  const challenge = state.passkey.challenge;
  if (!challenge) return { ok: false, method: "passkey", replayed: false, uncounted: true, retry: true };
  const credential = state.passkey.credentials.find((stored) => stored.credentialId === input.response.id);
  const check = credential
    ? await checkAssertion(input.rp, credential, input.response, challenge)
    : ({ ok: false, reason: "unknown_credential" } as const);
  if (!check.ok || !credential) {
    const reason = check.ok ? "unknown_credential" : check.reason;
    const refusedEvent = auditPart(
      {
        type: "passkey.refused",
        subjectId: userId,
        context,
        details: { step: input.binding.purpose, reason, passkeyId: credential?.id ?? null },
      },
      { at },
    );
    return { ok: false, method: "passkey", replayed: false, refusedEvent };
  }
  const usedEvent = auditPart(
    {
      type: "passkey.used",
      actorId: userId,
      subjectId: userId,
      context,
      details: { passkeyId: credential.id, name: credential.name, userVerified: check.userVerified, step: input.binding.purpose },
    },
    { at, onlyIf: "spent" },
  );
  return { ok: true, method: "passkey", spend: spendPasskey(credential, check, at), usedEvent };
}

/** Checks the answer against what the user has; nothing is written here. */
async function checkCode(userId: string, input: CodeInput, state: State, context: RequestContext, at: Date): Promise<Check> {
  if (input.kind === "passkey") return checkPasskey(userId, input, state, context, at);
  if (input.kind === "backup") {
    const normalized = normalizeBackupCode(input.code);
    if (!normalized) return { ok: false, method: "backup_code", replayed: false };
    const hash = hashCode(userId, normalized);
    const personal = matchingHash(hash, state.codes);
    const admin = matchingHash(hash, state.adminCodes);
    if (personal) {
      const remaining = state.codes.length - 1;
      const usedEvent = auditPart(
        { type: "backup_codes.used", actorId: userId, subjectId: userId, context, details: { remaining } },
        { at, onlyIf: "spent" },
      );
      return { ok: true, method: "backup_code", spend: spendBackupCode(personal, at), usedEvent };
    }
    if (admin) {
      const issuedBy = state.adminCodes.find((code) => code.id === admin)?.issuedBy ?? null;
      const usedEvent = auditPart(
        { type: "admin_backup_code.used", actorId: userId, subjectId: userId, context, details: { issuedBy } },
        { at, onlyIf: "spent" },
      );
      return { ok: true, method: "admin_backup_code", spend: spendAdminCode(admin, at), usedEvent };
    }
    return { ok: false, method: "backup_code", replayed: false };
  }

  const methods = signInMethods(state.user.policy, state.user.methods).filter((method) => method !== "passkey");
  // Without a code method no 6-digit code can be right; counting it would only lock the user out for nothing.
  if (methods.length === 0) return { ok: false, method: "none", replayed: false, uncounted: true };
  let replayed = false;
  if (methods.includes("app") && state.app) {
    const app = checkAppCode(userId, state.app, input.code, at);
    if (app.ok) return { ok: true, method: "app", spend: spendAppStep(state.app, app.step), usedEvent: null };
    replayed = app.reason === "replayed";
  }
  if (methods.includes("email") && isSixDigitCode(input.code)) {
    const email = matchingHash(hashCode(userId, input.code), state.codes);
    if (email) return { ok: true, method: "email", spend: spendEmailCode(email, at), usedEvent: null };
  }
  return { ok: false, method: methods.join("+"), replayed };
}

export type Attempt = {
  userId: string;
  input: CodeInput;
  context: RequestContext;
  /** The sign-in challenge the code answers: it must be live; a right code completes it (the part "completed"), a lock ends it. */
  challengeId?: string;
  /** Also share-lock the policy row, for a success that trusts the browser (see trustBrowserParts). */
  lockPolicy?: boolean;
  /** What a right code is followed by: statement parts written with its spending, and columns returned from them. */
  onSuccess?: (method: Method, at: Date, user: AttemptUser) => { parts: Record<string, SQL | null>; returning?: SQL };
};

// The attempt's own statement parts, which a caller's onSuccess parts may not replace.
const RESERVED_PARTS = ["spent", "used", "reset", "completed"];

/**
 * One attempt at a second-factor code, under the attempt rules. A wait or a lock answers without
 * looking at the code; so does a challenge that is no longer live, without counting anything.
 */
export async function attemptSecondFactor(
  db: Database,
  attempt: Attempt,
): Promise<AttemptResult & { user: AttemptUser | null; returned: Record<string, unknown> }> {
  const { userId, input, context, challengeId } = attempt;
  const none = { user: null, returned: {} };
  try {
    return await db.transaction(async (tx) => {
      const policyLock = attempt.lockPolicy ? sql` for share of s` : sql``;
      const [locked] = await query<{ status: string; failures: number; retry_after: string | null }>(
        tx,
        sql`select u.status, u.failed_code_attempts as failures, u.code_retry_after as retry_after
          from users u join settings s on s.id = 1 where u.id = ${userId} for update of u${policyLock}`,
      );
      // Read after the lock: a request that queued behind others must not judge the wait by the time it arrived.
      const at = now();
      if (!locked || locked.status !== "active") return { kind: "locked" as const, justLocked: false, ...none };
      const retryAfter = asDateOrNull(locked.retry_after);
      if (retryAfter && retryAfter > at) return { kind: "wait" as const, retryAt: retryAfter, failures: locked.failures, ...none };

      const state = await readState(tx, attempt, locked.failures, at);
      if (!state.challengeLive) return { kind: "expired" as const, ...none };
      const check = await checkCode(userId, input, state, context, at);
      // Nothing counted: the challenge the passkey answered is gone (its taking still stands), or no code could be right.
      if (!check.ok && check.retry) return { kind: "retry" as const, user: state.user, returned: {} };
      if (!check.ok && check.uncounted) return { kind: "invalid" as const, failures: state.failures, user: state.user, returned: {} };
      if (!check.ok) {
        const { parts, result } = failureParts(
          userId,
          { failures: state.failures, method: check.method, replayed: check.replayed },
          context,
          at,
        );
        const endChallenge = result.kind === "locked" && challengeId ? cancelChallenge(challengeId, userId, at) : null;
        // A lock also reads whom to tell of it (lib/notices.ts noticeLockToAdmins), in the same statement.
        const [row] = await query<{ booked: number | string } & Record<string, unknown>>(
          tx,
          sql`${withParts({ ...parts, ended: endChallenge, refused: check.refusedEvent ?? null })} select (select count(*) from booked) as booked${
            result.kind === "locked" ? sql`, ${adminsToTellColumn(userId)}` : sql``
          }`,
        );
        const { booked, ...returned } = row;
        if (asNumber(booked) !== 1) throw new Error("the attempt count changed under the row lock");
        return { ...result, user: state.user, returned };
      }

      const completed = challengeId ? completeChallenge(challengeId, userId, check.method, at) : null;
      const after = attempt.onSuccess?.(check.method, at, state.user);
      const taken = Object.keys(after?.parts ?? {}).filter((name) => RESERVED_PARTS.includes(name));
      if (taken.length > 0) throw new Error(`statement parts named ${taken.join(", ")} are the attempt's own`);
      const [row] = await query<Record<string, unknown> & { spent: number | string; completed: boolean }>(
        tx,
        sql`${withParts({
          spent: check.spend,
          used: check.usedEvent,
          reset: sql`update users set failed_code_attempts = 0, code_retry_after = null where id = ${userId}`,
          completed,
          ...after?.parts,
        })} select (select count(*) from spent) as spent, ${completed ? sql`exists (select 1 from completed)` : sql`true`} as completed
          ${after?.returning ? sql`, ${after.returning}` : sql``}`,
      );
      // The challenge was cancelled between the read and now (Cancel does not take the user's lock).
      if (!row.completed) throw new AttemptOutdated();
      // A passkey's counter moved since the read: a passkey sign-in (which needs no one's row lock) used
      // the same authenticator meanwhile. Nothing is written; the person is asked again.
      if (asNumber(row.spent) !== 1 && input.kind === "passkey") throw new PasskeyRaced();
      if (asNumber(row.spent) !== 1) throw new Error("the code changed under the row lock");
      return { kind: "ok" as const, method: check.method, user: state.user, returned: row };
    });
  } catch (error) {
    if (error instanceof AttemptOutdated) return { kind: "expired", ...none };
    if (error instanceof PasskeyRaced) return { kind: "retry", ...none };
    throw error;
  }
}
