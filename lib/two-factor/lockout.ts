// Second-factor attempts and the account lock: failures are counted per account across challenges;
// the 3rd and 4th wait five minutes, the 5th locks the account. One attempt is one transaction that
// locks the user's row first (the order every 2FA change takes it), so attempts of one user run one
// at a time and parallel guesses never earn more tries than the rules give. Under that lock the
// attempt reads the user's methods and live codes in one statement, checks the code here (constant
// time; a TOTP secret is decrypted once), and writes the outcome in one statement.
import { sql, type SQL } from "drizzle-orm";
import type { Database, Queryable, Transaction } from "@/db/client";
import { asDateOrNull, asNumber, query, timestamptz, withParts } from "@/db/sql";
import type { MethodKind } from "@/db/schema";
import { auditPart } from "../audit";
import { MINUTE, addMs, now } from "../clock";
import { hashCode, matchingHash } from "../crypto";
import type { RequestContext } from "../request";
import { checkAppCode, spendAppStep } from "./app-method";
import { spendAdminCode } from "./admin-codes";
import { spendBackupCode } from "./backup-codes";
import { cancelChallenge, completeChallenge, liveChallenge } from "./challenge";
import { isSixDigitCode, normalizeBackupCode } from "./code-format";
import { spendEmailCode } from "./email-codes";
import { signInMethods } from "./enrollment";
import type { Policy } from "./policy";

export const WAIT_AFTER_FAILURES = [3, 4];
export const LOCK_AFTER_FAILURES = 5;
export const WAIT_MS = 5 * MINUTE;

/** A 6-digit code (from the app or an email) or a backup code (personal or admin-issued). */
export type CodeInput = { kind: "code" | "backup"; code: string };

/** What a right code was: the method that answered. */
export type Method = "app" | "email" | "backup_code" | "admin_backup_code";

export type AttemptResult =
  | { kind: "ok"; method: Method }
  | { kind: "invalid"; failures: number }
  | { kind: "wait"; retryAt: Date; failures: number }
  | { kind: "locked"; justLocked: boolean }
  /** The sign-in challenge the code was for is no longer live: nothing was counted or spent. */
  | { kind: "expired" };

type AttemptPolicy = Pick<Policy, "twoFactorMode" | "skipDays" | "requireEnrollment" | "allowEmailMethod">;

/** The user as the attempt found them, under the lock: for the caller's notices and next steps. */
export type AttemptUser = { id: string; name: string; email: string; methods: MethodKind[]; policy: AttemptPolicy };

type State = {
  user: AttemptUser;
  failures: number;
  challengeLive: boolean;
  app: { id: string; secretEncrypted: string; lastUsedStep: number | null } | null;
  codes: { id: string; hash: string }[];
  adminCodes: { id: string; hash: string; issuedBy: string | null }[];
};

type StateRow = {
  name: string;
  email: string;
  methods: MethodKind[];
  two_factor_mode: AttemptPolicy["twoFactorMode"];
  skip_days: number;
  require_enrollment: boolean;
  allow_email_method: boolean;
  challenge_live: boolean;
  app_id: string | null;
  app_secret: string | null;
  app_step: number | string | null;
  codes: { id: string; hash: string }[] | null;
  admin_codes: { id: string; hash: string; issuedBy: string | null }[] | null;
};

/**
 * Reads, after the user's row is locked (a statement of its own, so this one's snapshot holds every
 * attempt that finished while this one waited), what a code of `kind` is checked against.
 */
async function readState(tx: Transaction, attempt: Attempt, failures: number, at: Date): Promise<State> {
  const { userId, input, challengeId } = attempt;
  const codes =
    input.kind === "code"
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
  const [row] = await query<StateRow>(
    tx,
    sql`select u.name, u.email, s.two_factor_mode, s.skip_days, s.require_enrollment, s.allow_email_method,
      coalesce((select json_agg(m.kind order by m.kind) from two_factor_methods m where m.user_id = u.id and m.enabled_at is not null), '[]'::json) as methods,
      ${challengeLive} as challenge_live,
      app.id as app_id, app.secret_encrypted as app_secret, app.last_used_step as app_step,
      ${codes} as codes, ${adminCodes} as admin_codes
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
      policy: {
        twoFactorMode: row.two_factor_mode,
        skipDays: row.skip_days,
        requireEnrollment: row.require_enrollment,
        allowEmailMethod: row.allow_email_method,
      },
    },
    failures,
    challengeLive: row.challenge_live,
    app:
      row.app_id && row.app_secret
        ? { id: row.app_id, secretEncrypted: row.app_secret, lastUsedStep: row.app_step === null ? null : asNumber(row.app_step) }
        : null,
    codes: row.codes ?? [],
    adminCodes: row.admin_codes ?? [],
  };
}

/** The challenge the attempt was for ended meanwhile: the transaction rolls back, nothing is counted or spent. */
class AttemptOutdated extends Error {
  constructor() {
    super("The sign-in this code was for has ended.");
  }
}

type Check =
  { ok: true; method: Method; spend: SQL; usedEvent: SQL | null } | { ok: false; method: string; replayed: boolean; uncounted?: true };

/** Checks the code against what the user has; nothing is written here. */
function checkCode(userId: string, input: CodeInput, state: State, context: RequestContext, at: Date): Check {
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

  const methods = signInMethods(state.user.policy, state.user.methods);
  // Without a method no 6-digit code can be right; counting it would only lock the user out for nothing.
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

/** The failure booked under the lock: the next count, and the wait or lock it earns. */
function failureParts(userId: string, state: State, check: Extract<Check, { ok: false }>, context: RequestContext, at: Date) {
  const failures = state.failures + 1;
  const locks = failures >= LOCK_AFTER_FAILURES;
  const retryAt = WAIT_AFTER_FAILURES.includes(failures) ? addMs(at, WAIT_MS) : null;
  const parts = {
    booked: sql`update users set failed_code_attempts = ${failures}, code_retry_after = ${retryAt ? timestamptz(retryAt) : null},
        status = ${locks ? "locked" : "active"}, locked_at = ${locks ? timestamptz(at) : null}
      where id = ${userId} and status = 'active' and failed_code_attempts = ${state.failures} returning id`,
    replayed: check.replayed
      ? auditPart({ type: "two_factor.code_replayed", subjectId: userId, context, details: { method: "app" } }, { at })
      : null,
    failed: auditPart(
      { type: "two_factor.code_failed", subjectId: userId, context, details: { failures, method: check.method } },
      { at, onlyIf: "booked" },
    ),
    locked: locks
      ? auditPart(
          { type: "user.locked", subjectId: userId, context, details: { reason: "too_many_code_failures" } },
          { at, onlyIf: "booked" },
        )
      : null,
  };
  const result: AttemptResult = locks
    ? { kind: "locked", justLocked: true }
    : retryAt
      ? { kind: "wait", retryAt, failures }
      : { kind: "invalid", failures };
  return { parts, result };
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
      const check = checkCode(userId, input, state, context, at);
      if (!check.ok && check.uncounted) return { kind: "invalid" as const, failures: state.failures, user: state.user, returned: {} };
      if (!check.ok) {
        const { parts, result } = failureParts(userId, state, check, context, at);
        const endChallenge = result.kind === "locked" && challengeId ? cancelChallenge(challengeId, userId, at) : null;
        const [row] = await query<{ booked: number | string }>(
          tx,
          sql`${withParts({ ...parts, ended: endChallenge })} select (select count(*) from booked) as booked`,
        );
        if (asNumber(row.booked) !== 1) throw new Error("the attempt count changed under the row lock");
        return { ...result, user: state.user, returned: {} };
      }

      const completed = challengeId ? completeChallenge(challengeId, userId, check.method, at) : null;
      const after = attempt.onSuccess?.(check.method, at, state.user);
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
      if (asNumber(row.spent) !== 1) throw new Error("the code changed under the row lock");
      return { kind: "ok" as const, method: check.method, user: state.user, returned: row };
    });
  } catch (error) {
    if (error instanceof AttemptOutdated) return { kind: "expired", ...none };
    throw error;
  }
}

/** A code that only proves who the user is (re-authentication, tests): the attempt rules, nothing after. */
export async function verifySignInCode(db: Database, userId: string, input: CodeInput, context: RequestContext): Promise<AttemptResult> {
  const { user: _user, returned: _returned, ...result } = await attemptSecondFactor(db, { userId, input, context });
  return result;
}

/** An admin ends a lock: the account is active again and its failure count starts over, audited in the same statement. */
export async function unlockAccount(db: Queryable, userId: string, adminId: string | null, context: RequestContext): Promise<boolean> {
  const at = now();
  const [row] = await query<{ unlocked: number | string }>(
    db,
    sql`${withParts({
      unlocked: sql`update users set status = 'active', locked_at = null, failed_code_attempts = 0, code_retry_after = null
        where id = ${userId} and status <> 'disabled' returning id`,
      event: auditPart({ type: "user.unlocked", actorId: adminId, subjectId: userId, context }, { at, onlyIf: "unlocked" }),
    })} select count(*) as unlocked from unlocked`,
  );
  return asNumber(row.unlocked) === 1;
}

/** When the account may next try a code (null: now), or whether it is locked, from its row. */
export function attemptState(user: { status: string; codeRetryAfter: Date | null }, at: Date): { locked: boolean; retryAt: Date | null } {
  if (user.status !== "active") return { locked: true, retryAt: null };
  return { locked: false, retryAt: user.codeRetryAfter && user.codeRetryAfter > at ? user.codeRetryAfter : null };
}
