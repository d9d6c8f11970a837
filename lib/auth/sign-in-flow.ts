// The sign-in flow, both steps: the password (signed in, a challenge, or refused) and the second factor
// (verified, challenge completed, browser trusted under the policy, lock notice sent). Each answer ends
// with a session written pending and its one-time ticket, which the caller hands to Auth.js. Every
// step costs few statements: what a step reads is read in one, what it writes is written in one.
// Cookies, messages and redirects are the actions' (app/(auth)/login/).
import { sql, type SQL } from "drizzle-orm";
import type { Database, Queryable } from "@/db/client";
import { asDate, asDateOrNull, asNumber, query, withParts } from "@/db/sql";
import type { MethodKind } from "@/db/schema";
import { auditPart } from "../audit";
import { now } from "../clock";
import { trySendEmail } from "../email/try-send";
import { accountLockedEmail } from "../email/templates";
import { noticeLockToAdmins } from "../notices";
import type { RequestContext } from "../request";
import { cancelChallenge, createChallenge, liveChallenge } from "../two-factor/challenge";
import { readRecentSends, recentSendsJson, sendRefusal, type RecentSend } from "../two-factor/email-codes";
import { enrollmentRequired, signInMethods } from "../two-factor/enrollment";
import { attemptSecondFactor, type CodeInput } from "../two-factor/attempt";
import { adminsToTell, attemptState } from "../two-factor/lockout";
import { enabledMethodsJson } from "../two-factor/methods";
import { policyColumns, policyRules, skipDays, type PolicyRules } from "../two-factor/policy";
import { honourTrustedBrowserPart, trustBrowserParts } from "../two-factor/trusted-browsers";
import { emailSignInCode, type SendCodeResult } from "./email-sign-in-code";
import { verifyPassword } from "./password";
import { accountDelayKey, deviceDelayKey, passwordTry, type PasswordTryRow } from "./password-limits";
import { pendingSession, sweepUnredeemedSessions } from "./sessions";

/** What the browser claims from its trusted-browser cookie (sealed, so it is ours, but maybe stale). */
export type TrustedBrowserClaim = { browserId: string; userId: string };

/** What the browser claims from its known-device cookie (sealed): a browser where this user's password was given right. */
export type DeviceClaim = { deviceId: string; userId: string };

/** The pending sign-in a challenge cookie names. */
export type ChallengeClaim = { challengeId: string; userId: string };

/** Signed in: hand `ticket` to Auth.js. `mustEnroll`: the policy wants a method first, so go to /profile/security. */
export type SignedIn = { kind: "signed_in"; userId: string; ticket: string; mustEnroll: boolean };

export type PasswordStepResult =
  | (SignedIn & { via: "no_two_factor" | "trusted_browser" | "passkey" })
  | { kind: "challenge"; userId: string; challengeId: string; methods: MethodKind[] }
  | { kind: "invalid" }
  | { kind: "throttled"; retryAt: Date };

type AccountRow = Parameters<typeof policyRules>[0] &
  PasswordTryRow & {
    id: string | null;
    name: string | null;
    email: string | null;
    password_hash: string | null;
    status: string | null;
    methods: MethodKind[];
  };

/**
 * The password step. One statement resolves the account, counts the try against the address's limit
 * and books it against the account's delays (lib/auth/password-limits.ts), and reads the account with
 * its methods and the policy; one more writes the outcome: the failure's audit row, or (the address's
 * hit given back and the account's failures forgiven, since both count failures only) the challenge
 * with its audit row, or the pending session. A locked or disabled account answers as a wrong password
 * does, right password or not: its owner learns of the lock from the email sent when it happened.
 */
export async function passwordStep(
  db: Database,
  input: { account: string; password: string },
  context: RequestContext,
  trusted: TrustedBrowserClaim | null,
  device: DeviceClaim | null = null,
): Promise<PasswordStepResult> {
  const account = input.account.trim().toLowerCase();
  const at = now();
  const attempt = passwordTry(context.ip, sql`(select key from delay_key)`, at);
  // A known device of the account it names tries in a bucket of its own; anyone else in the account's.
  const deviceKey = device
    ? sql`case when (select id from account) = ${device.userId}::uuid then ${deviceDelayKey(device)} end`
    : sql`null`;
  const [row] = await query<AccountRow>(
    db,
    sql`${withParts({
      account: sql`select * from users where username = ${account} or email = ${account} limit 1`,
      delay_key: sql`select coalesce(${deviceKey}, 'user:' || (select id::text from account), ${accountDelayKey({ typed: account })}) as key`,
      ...attempt.parts,
      // Now and then the statement also sweeps unredeemed sessions, with the try's own sweeps.
      unredeemed: attempt.sweeping ? sweepUnredeemedSessions(at) : null,
    })}
    select ${attempt.columns},
      u.id, u.name, u.email, u.password_hash, u.status, ${enabledMethodsJson(sql`u.id`)} as methods, ${policyColumns("s", "u")}
    from settings s
    left join account u on true
    where s.id = 1`,
  );
  const judged = attempt.judge(row);
  if (judged.refused) {
    const { retryAt, limit } = judged.refused;
    await db.execute(
      auditPart({ type: "sign_in.throttled", subjectId: row.id, context, details: { account: account.slice(0, 254), limit } }, { at }),
    );
    return { kind: "throttled", retryAt };
  }

  const passwordOk = await verifyPassword(row.password_hash, input.password);
  if (!row.id || !passwordOk || row.status !== "active") {
    // The try stays booked whatever the reason, so the delays and the answer say nothing of which it was.
    const event =
      row.id && passwordOk
        ? row.status === "locked"
          ? auditPart({ type: "sign_in.locked_account", subjectId: row.id, context }, { at })
          : auditPart({ type: "sign_in.failed", subjectId: row.id, context, details: { reason: "disabled" } }, { at })
        : auditPart(
            { type: "sign_in.failed", subjectId: row.id, context, details: { reason: row.id ? "wrong_password" : "unknown_account" } },
            { at },
          );
    await db.execute(event);
    return { kind: "invalid" };
  }
  // The right password: the address's hit is given back and the account's failures forgiven.
  const user = { id: row.id, name: row.name!, email: row.email!, methods: row.methods, policy: policyRules(row) };
  return afterFirstFactor(db, user, { context, trusted, at, parts: judged.forgive, firstFactorPasskeyId: null });
}

/** A person past their first factor, as the step that proved it read them. */
export type FirstFactorUser = { id: string; name: string; email: string; methods: MethodKind[]; policy: PolicyRules };

/**
 * What follows a first factor (the password, or a passkey without user verification, which stands
 * for it): signed in when there is no second factor to ask or a trusted browser skips it, else a
 * challenge; decided and written, with the first factor's own `parts`, in one statement.
 */
export async function afterFirstFactor(
  db: Database,
  user: FirstFactorUser,
  step: {
    context: RequestContext;
    trusted: TrustedBrowserClaim | null;
    at: Date;
    parts: Record<string, SQL | null>;
    firstFactorPasskeyId: string | null;
  },
): Promise<Exclude<PasswordStepResult, { kind: "invalid" | "throttled" }>> {
  const { context, trusted, at, parts, firstFactorPasskeyId } = step;
  const userId = user.id;
  const mustEnroll = enrollmentRequired(user.policy, user.methods, at);
  const methods = signInMethods(user.policy, user.methods);
  if (methods.length === 0) {
    const session = pendingSession(userId, context, at, "password");
    await db.execute(sql`${withParts({ ...parts, session: session.part })} select 1`);
    return { kind: "signed_in", via: "no_two_factor", userId, ticket: session.ticket, mustEnroll };
  }

  // A trusted browser skips the code when the policy and its row say so, after a password only: a
  // passkey that stood for the password is something held, as the browser is, and a stolen laptop with
  // a PIN-less key in it must still be asked for a second factor. Otherwise a challenge, decided and
  // written by the same statement.
  const days = skipDays(user.policy);
  const honour =
    trusted && trusted.userId === userId && days !== null && firstFactorPasskeyId === null
      ? honourTrustedBrowserPart(trusted.browserId, userId, days, at)
      : null;
  const session = honour ? pendingSession(userId, context, at, "password", "honoured") : null;
  const [written] = await query<{ challenge_id: string | null }>(
    db,
    sql`${withParts({
      ...parts,
      honoured: honour,
      session: session?.part,
      challenge: createChallenge(userId, at, honour ? "honoured" : undefined, firstFactorPasskeyId),
      challenged: auditPart({ type: "sign_in.challenged", subjectId: userId, context, details: { methods } }, { at, onlyIf: "challenge" }),
    })} select (select id from challenge) as challenge_id`,
  );
  if (!written.challenge_id) {
    if (!session) throw new Error("neither a challenge nor a session was written");
    return { kind: "signed_in", via: "trusted_browser", userId, ticket: session.ticket, mustEnroll };
  }
  // With email as the only method the code goes out at once (a send refused or failed is not fatal:
  // the code page offers "Resend" and says when); with the app it waits to be asked for.
  if (methods.length === 1 && methods[0] === "email") await emailSignInCode(db, { id: userId, name: user.name, email: user.email });
  return { kind: "challenge", userId, challengeId: written.challenge_id, methods };
}

export type CodeStepResult =
  | (SignedIn & { trustedBrowser: { id: string; expiresAt: Date } | null })
  | { kind: "invalid" }
  | { kind: "wait"; retryAt: Date }
  | { kind: "locked" }
  | { kind: "expired" }
  /** A passkey answered a WebAuthn challenge that is used or too old: nothing counted; ask again. */
  | { kind: "retry" };

/**
 * The code step: the attempt rules (lib/two-factor/lockout.ts) with the challenge, in one
 * transaction. A right code completes the challenge and writes the pending session (and, when asked
 * and the policy allows, the trusted browser) in the statement that spends the code. The code that
 * locks the account ends the challenge, and its owner is told.
 */
export async function codeStep(
  db: Database,
  claim: ChallengeClaim,
  input: CodeInput & { remember: boolean },
  context: RequestContext,
): Promise<CodeStepResult> {
  let ticket = "";
  const result = await attemptSecondFactor(db, {
    userId: claim.userId,
    input,
    context,
    challengeId: claim.challengeId,
    lockPolicy: input.remember,
    onSuccess: (_method, at, user) => {
      const session = pendingSession(claim.userId, context, at, "second_factor", "completed");
      ticket = session.ticket;
      const days = input.remember ? skipDays(user.policy) : null;
      if (days === null) return { parts: { session: session.part } };
      return {
        parts: { session: session.part, ...trustBrowserParts(claim.userId, days, context, at, "completed") },
        returning: sql`(select id from trusted where revoked_at is null) as trusted_id, (select expires_at from trusted where revoked_at is null) as trusted_expires_at`,
      };
    },
  });
  switch (result.kind) {
    case "ok":
      break;
    case "locked":
      if (result.justLocked && result.user) {
        await trySendEmail({ to: result.user.email, ...accountLockedEmail({ name: result.user.name }) }, "lock");
        await noticeLockToAdmins(adminsToTell(result.returned), result.user, now(), context.ip);
      }
      return { kind: "locked" };
    case "wait":
      return { kind: "wait", retryAt: result.retryAt };
    case "invalid":
    case "expired":
    case "retry":
      return { kind: result.kind };
  }
  const { trusted_id: trustedId, trusted_expires_at: trustedExpiresAt } = result.returned;
  const trustedBrowser = typeof trustedId === "string" ? { id: trustedId, expiresAt: asDate(trustedExpiresAt) } : null;
  const user = result.user!;
  return {
    kind: "signed_in",
    userId: claim.userId,
    ticket,
    mustEnroll: enrollmentRequired(user.policy, user.methods, now()),
    trustedBrowser,
  };
}

/** A pending sign-in as the code page shows it: whom it is for, how they may answer, and the waits. */
export type PendingSignIn = {
  userId: string;
  name: string;
  email: string;
  /** The methods that may answer (signInMethods); passkeys only when one other than a first factor's is left. */
  methods: MethodKind[];
  policy: PolicyRules;
  attempts: { locked: boolean; retryAt: Date | null };
  recentSends: RecentSend[];
};

/**
 * The one loader of a pending sign-in, for the code page and its Resend: the live challenge the
 * cookie names with its user, their methods, the policy, the attempt state and the recent email
 * sends, in one statement. Null once the challenge is completed, cancelled or expired.
 */
export async function loadChallenge(db: Queryable, claim: ChallengeClaim): Promise<PendingSignIn | null> {
  const at = now();
  const [row] = await query<
    Parameters<typeof policyRules>[0] & {
      name: string;
      email: string;
      status: string;
      code_retry_after: string | null;
      methods: MethodKind[];
      recent: { sentAt: string; purpose: "sign_in" | "setup" }[];
      passkeys: number | string;
    }
  >(
    db,
    sql`select u.name, u.email, u.status, u.code_retry_after, ${enabledMethodsJson(sql`u.id`)} as methods, ${policyColumns("s", "u")},
      ${recentSendsJson(sql`u.id`, at)} as recent,
      (select count(*) from passkeys p where p.user_id = u.id and p.id is distinct from c.first_factor_passkey_id) as passkeys
    from sign_in_challenges c
    join users u on u.id = c.user_id
    join settings s on s.id = 1
    where ${liveChallenge(claim.challengeId, claim.userId, at, "c")}`,
  );
  if (!row) return null;
  const policy = policyRules(row);
  const methods = signInMethods(policy, row.methods).filter((method) => method !== "passkey" || asNumber(row.passkeys) > 0);
  return {
    userId: claim.userId,
    name: row.name,
    email: row.email,
    methods,
    policy,
    attempts: attemptState({ status: row.status, codeRetryAfter: asDateOrNull(row.code_retry_after) }, at),
    recentSends: readRecentSends(row.recent),
  };
}

/** When "Resend" may be pressed again for this pending sign-in; null when now. */
export function resendAt(pending: PendingSignIn): Date | null {
  return sendRefusal(pending.recentSends, "sign_in", now())?.retryAt ?? null;
}

export type ResendResult = SendCodeResult | { ok: false; reason: "expired" | "no_email" };

/** "Resend" (or "Email me a code instead"): a new sign-in code to the pending user, under the send limits. */
export async function resendSignInCode(db: Database, claim: ChallengeClaim): Promise<ResendResult> {
  const pending = await loadChallenge(db, claim);
  if (!pending) return { ok: false, reason: "expired" };
  if (!pending.methods.includes("email")) return { ok: false, reason: "no_email" };
  return emailSignInCode(db, { id: pending.userId, name: pending.name, email: pending.email });
}

/** Cancel: the challenge ends and the event is written, in one statement. */
export async function cancelSignIn(db: Queryable, claim: ChallengeClaim, context: RequestContext): Promise<void> {
  const at = now();
  await db.execute(
    sql`${withParts({
      cancelled: cancelChallenge(claim.challengeId, claim.userId, at),
      event: auditPart({ type: "sign_in.cancelled", subjectId: claim.userId, context }, { at, onlyIf: "cancelled" }),
    })} select 1`,
  );
}
