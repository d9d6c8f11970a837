// How wrong passwords are held back, at sign-in and at "Confirm it's you" alike:
// - per account, growing delays: three failures in a row are free (typos), then the next try waits
//   1 s, 2 s, 4 s ... 32 s, then 60 s at most. The account is the resolved user, so `eve` and
//   `eve@example.com` are one account; an account that does not exist is keyed on what was typed and
//   held back the same way, so the answer does not say whether it exists.
// - per known device: a browser where the account's password was given right before (a sealed cookie,
//   lib/auth/flow-cookies.ts) tries in a bucket of its own, with the same delays. Guessers elsewhere,
//   even one who times a guess to the end of every wait, cannot keep the owner waiting there; a
//   browser new to the account shares the account's bucket and can be kept waiting.
// - per client address, a fixed 15-minute window of failures (password spraying across accounts).
// Worst case, written down in docs/SECURITY.md: 68 guesses in the first hour at one account and 60 an
// hour after, from any number of addresses; an owner on a known browser never held back by others.
import { sql, type SQL } from "drizzle-orm";
import { asDateOrNull, timestamptz } from "@/db/sql";
import { DAY, MINUTE, addMs, now } from "../clock";
import { countHits, countedHits, readHits, refundHits, refusedUntil, sweepNowAndThen, type Counter, type Limit } from "../rate-limit";

export const ADDRESS_LIMIT: Limit = { max: 100, windowMs: 15 * MINUTE };

export const FREE_FAILURES = 3;
export const FIRST_DELAY_MS = 1000;
export const MAX_DELAY_MS = 60_000;
/** A day after its last failure an account's count starts over (and its row is swept). */
export const FAILURES_FORGOTTEN_AFTER_MS = DAY;

/** How long the next try waits after the `failures`-th failure in a row. */
export function delayAfter(failures: number): number {
  if (failures <= FREE_FAILURES) return 0;
  return Math.min(FIRST_DELAY_MS * 2 ** (failures - FREE_FAILURES - 1), MAX_DELAY_MS);
}

/** The key of an account's delays: its user, once resolved; else the account as typed (lower-case). */
export function accountDelayKey(account: { userId: string } | { typed: string }): string {
  return "userId" in account ? `user:${account.userId}` : `account:${account.typed}`;
}

/** The key of the delays of one known device of a user (lib/auth/flow-cookies.ts): its own bucket. */
export function deviceDelayKey(device: { userId: string; deviceId: string }): string {
  return `device:${device.userId}:${device.deviceId}`;
}

/**
 * A statement part that books one try at the password of the account `key` (SQL text) names, before
 * the password is checked, so parallel tries cannot slip past: it returns the `key` it booked on when
 * the try may go ahead, and no row while the account is waiting. A booked try counts as a
 * failure until the right password forgives it (forgivePasswordFailures). `onlyIf` (SQL, a condition)
 * books nothing when false, for a try another limit has already refused.
 */
function bookPasswordTry(key: SQL, at: Date, onlyIf?: SQL): SQL {
  const forgottenBefore = timestamptz(addMs(at, -FAILURES_FORGOTTEN_AFTER_MS));
  // The failures so far: none once the last one is a day old. The wait after n failures is delayAfter(n).
  const previous = sql`(case when d.last_failed_at < ${forgottenBefore} then 0 else d.failures end)`;
  const wait = (failures: SQL) => sql`make_interval(secs => case when ${failures} <= ${FREE_FAILURES} then 0
    else least(${FIRST_DELAY_MS / 1000}::float8 * power(2, ${failures} - ${FREE_FAILURES + 1}), ${MAX_DELAY_MS / 1000}::float8) end)`;
  return sql`insert into password_delays as d (key, failures, last_failed_at, retry_at)
    select ${key}, 1, ${timestamptz(at)}, ${timestamptz(at)} + ${wait(sql`1`)}
    ${onlyIf ? sql`where ${onlyIf}` : sql``}
    on conflict (key) do update set failures = ${previous} + 1, last_failed_at = excluded.last_failed_at,
      retry_at = excluded.last_failed_at + ${wait(sql`(${previous} + 1)`)}
    where d.retry_at <= excluded.last_failed_at
    returning key`;
}

/** SQL: when the account `key` names may try again, as this statement's snapshot has it (null: now). */
function passwordRetryAt(key: SQL): SQL {
  return sql`(select retry_at from password_delays where key = ${key})`;
}

/** A statement part that forgives the account's failures: the right password was given. */
function forgivePasswordFailures(key: SQL): SQL {
  return sql`delete from password_delays where key = ${key}`;
}

/** A statement part that removes accounts whose last failure is forgotten (run now and then). */
function sweepPasswordDelays(at: Date): SQL {
  return sql`delete from password_delays where last_failed_at < ${timestamptz(addMs(at, -FAILURES_FORGOTTEN_AFTER_MS))}`;
}

/**
 * When a refused try may go again: the stored time, or (when a parallel try booked the row after this
 * statement's snapshot was taken) one first delay from now.
 */
function retryAtOf(stored: Date | null, at: Date): Date {
  return stored && stored > at ? stored : addMs(at, FIRST_DELAY_MS);
}

/** The columns a statement with a password try's parts returns, for judging it. */
export type PasswordTryRow = { hits: Record<string, number | string> | null; booked: string | null; retry_at: unknown };

export type PasswordTry = {
  /** Statement parts: the address's hit, the account's booking (only while the address is allowed), now and then the sweeps. */
  parts: Record<string, SQL | null>;
  /** Whether this statement sweeps (a caller may fold in sweeps of its own). */
  sweeping: boolean;
  /** SQL: the columns of PasswordTryRow. */
  columns: SQL;
  /**
   * The refusal the row says, or, for a try that may go ahead, what forgives it once the password is
   * right: statement parts that give the address's hit back and clear the delays the try was booked on.
   */
  judge(
    row: PasswordTryRow,
  ): { refused: { retryAt: Date; limit: "address" | "account" } } | { refused: null; forgive: Record<string, SQL | null> };
};

/**
 * One try at a password, for a statement that sends it with what it reads: counted against the
 * client address's window and booked against the account's delays (`key`: SQL naming the account,
 * see accountDelayKey), the same at sign-in and for a signed-in user, so a stolen session cannot try
 * more passwords than the sign-in page allows.
 */
export function passwordTry(ip: string | null, key: SQL, at: Date): PasswordTry {
  const counters: Counter[] = ip ? [{ key: `password:ip:${ip}`, limit: ADDRESS_LIMIT }] : [];
  const counted = counters.length > 0;
  const sweep = sweepNowAndThen(at);
  return {
    parts: {
      hits: counted ? countHits(counters, at) : null,
      booked: bookPasswordTry(key, at, counted ? sql`not exists (select 1 from hits where count > ${ADDRESS_LIMIT.max})` : undefined),
      sweep,
      delays: sweep && sweepPasswordDelays(at),
    },
    sweeping: sweep !== null,
    columns: sql`${counted ? countedHits : sql`null`} as hits, (select key from booked) as booked, ${passwordRetryAt(key)} as retry_at`,
    judge(row) {
      const hits = readHits(counters, row.hits ?? {}, at);
      const addressRetryAt = refusedUntil(hits);
      if (addressRetryAt) return { refused: { retryAt: addressRetryAt, limit: "address" } };
      if (row.booked === null) return { refused: { retryAt: retryAtOf(asDateOrNull(row.retry_at), at), limit: "account" } };
      return {
        refused: null,
        forgive: { refunded: counted ? refundHits(hits) : null, forgiven: forgivePasswordFailures(sql`${row.booked}`) },
      };
    },
  };
}

/** The sentence that says when a refused password try may go again. */
export function tryAgain(retryAt: Date, at: Date = now()): string {
  const seconds = Math.max(1, Math.ceil((retryAt.getTime() - at.getTime()) / 1000));
  if (seconds <= 2 * 60) return `Please wait ${seconds} ${seconds === 1 ? "second" : "seconds"} and try again.`;
  return `Please try again after ${retryAt.toISOString().slice(11, 16)} UTC.`;
}
