// After a run: reads the database and checks that every sign-in left exactly the rows and counters it
// should (audit events, sessions and their tickets, challenges, code attempts, TOTP steps, password counters).
import postgres from "postgres";
import { ADDRESS_LIMIT } from "../../lib/auth/password-limits";
import type { Agent } from "./load-runner";

export type Check = { ok: boolean; label: string; detail: string };

export type RunFacts = {
  agents: Agent[];
  /** Sign-ins that landed on the console. */
  completed: number;
  /** Sign-ins given up after the password was submitted (their challenge may stay open until it expires). */
  abandonedAfterPassword: number;
  /** Under faults, a request may have done its work on the server and lost its answer. */
  faults: boolean;
};

type Counts = Record<string, number>;

async function countRows(sql: postgres.Sql): Promise<Counts> {
  const [row] = await sql<[Counts]>`
    select
      (select count(*) from audit_events where type = 'sign_in.succeeded')::int as succeeded,
      (select count(*) from audit_events where type = 'sign_in.challenged')::int as challenged,
      (select count(*) from audit_events where type in ('two_factor.code_failed', 'two_factor.code_replayed', 'user.locked'))::int as code_trouble,
      (select count(*) from user_sessions where activated_at is not null)::int as sessions,
      (select count(*) from user_sessions s where s.activated_at is not null and not exists (
         select 1 from audit_events e where e.type = 'sign_in.succeeded' and e.details->>'sessionId' = s.id::text))::int as sessions_without_event,
      (select count(*) from audit_events e where e.type = 'sign_in.succeeded' and not exists (
         select 1 from user_sessions s where s.id::text = e.details->>'sessionId'))::int as events_without_session,
      (select count(*) from user_sessions where activated_at is null)::int as pending,
      (select count(*) from user_sessions where activated_at is null and ticket_hash is not null and created_at > now() - interval '1 minute')::int as pending_live,
      (select count(*) from sign_in_challenges)::int as challenges,
      (select count(*) from sign_in_challenges where completed_at is not null)::int as challenges_completed,
      (select count(*) from sign_in_challenges where completed_at is null and cancelled_at is null and expires_at > now())::int as challenges_open,
      (select count(*) from users where failed_code_attempts > 0 or code_retry_after is not null or status <> 'active')::int as users_in_trouble`;
  return row;
}

function totpSteps(agents: Agent[], steps: Map<string, number | null>, faults: boolean): Check {
  const wrong = agents.filter((agent) => {
    const server = steps.get(agent.user.id) ?? null;
    if (agent.lastAcceptedStep === null && agent.lastSubmittedStep < 0) return false;
    if (!faults) return server !== agent.lastAcceptedStep;
    // A code whose answer was lost may have been accepted: the step lies between the last
    // accepted and the last submitted one.
    return server === null || server < (agent.lastAcceptedStep ?? -1) || server > agent.lastSubmittedStep;
  });
  return {
    ok: wrong.length === 0,
    label: "TOTP replay guard: each agent's last used step is the step of its last accepted code",
    detail: `${wrong.length} of ${agents.length} agents differ${faults ? " (under faults: between last accepted and last submitted)" : ""}`,
  };
}

function passwordCounters(agents: Agent[], counters: Map<string, number>, faults: boolean): Check {
  const windows = new Set(agents.flatMap((agent) => [...agent.passwordSubmissions.keys()]));
  // The first hit of a new window clears the key's older windows, so across a boundary only "not more" holds.
  const exact = !faults && windows.size <= 1;
  let wrong = 0;
  for (const agent of agents) {
    const sent = [...agent.passwordSubmissions.values()].reduce((a, b) => a + b, 0);
    for (const key of [`delay:user:${agent.user.id}`, `password:ip:${agent.user.address}`]) {
      const counted = counters.get(key) ?? 0;
      // Every password sent is right, and the limits count failures only: a right one is forgiven or refunded.
      if (exact ? counted !== 0 : counted > sent) wrong++;
    }
  }
  return {
    ok: wrong === 0,
    label: `password counters: account delays and per-address windows, ${exact ? "zero (right passwords are forgiven)" : "not more than the submissions sent"}`,
    detail: `${wrong} of ${agents.length * 2} counters differ${windows.size > 1 ? ` (the run crossed a ${ADDRESS_LIMIT.windowMs / 60_000}-minute window boundary)` : ""}`,
  };
}

export async function checkDatabase(databaseUrl: string, facts: RunFacts): Promise<Check[]> {
  const sql = postgres(databaseUrl, { max: 1, onnotice: () => {} });
  try {
    const c = await countRows(sql);
    const steps = new Map(
      (
        await sql<
          { user_id: string; step: string | null }[]
        >`select user_id, last_used_step::text as step from two_factor_methods where kind = 'app'`
      ).map((row) => [row.user_id, row.step === null ? null : Number(row.step)]),
    );
    const counters = new Map(
      (
        await sql<{ key: string; total: number }[]>`select key, sum(count)::int as total from rate_limits group by key
          union all select 'delay:' || key, failures from password_delays`
      ).map((row) => [row.key, row.total]),
    );
    const { faults, completed } = facts;
    return [
      {
        ok: faults ? c.succeeded >= completed : c.succeeded === completed,
        label: `audit: a sign_in.succeeded event for every completed sign-in`,
        detail: `${c.succeeded} events, ${completed} sign-ins completed${faults ? ` (${c.succeeded - completed} succeeded on the server but lost their answer)` : ""}`,
      },
      {
        ok: c.sessions_without_event === 0 && c.events_without_session === 0,
        label: "sessions: every session row has its sign_in.succeeded event and every event its session",
        detail: `${c.sessions} sessions, ${c.sessions_without_event} without event, ${c.events_without_session} events without session`,
      },
      {
        ok: c.pending_live === 0 && (faults || c.pending === 0),
        label: "pending sessions: none still waiting for its ticket" + (faults ? "" : "; every one redeemed (activated) once"),
        detail: `${c.sessions} activated, ${c.pending} never activated, ${c.pending_live} of them still redeemable`,
      },
      {
        ok: faults ? c.challenges_open <= facts.abandonedAfterPassword : c.challenges_open === 0 && c.challenges_completed === completed,
        label: faults
          ? "challenges: open ones only for sign-ins abandoned after the password"
          : "challenges: none left open; one completed per sign-in",
        detail: `${c.challenges} created, ${c.challenges_completed} completed, ${c.challenges_open} open${faults ? `, ${facts.abandonedAfterPassword} sign-ins abandoned after the password` : ""}`,
      },
      {
        ok: c.challenged === c.challenges,
        label: "audit: a sign_in.challenged event for every challenge",
        detail: `${c.challenged} events, ${c.challenges} challenges`,
      },
      {
        ok: c.users_in_trouble === 0 && c.code_trouble === 0,
        label: "code attempts: no failed attempt, wait or lock for any user (only right codes were sent)",
        detail: `${c.users_in_trouble} users with failures, a wait or a lock; ${c.code_trouble} code_failed/code_replayed/user.locked events`,
      },
      totpSteps(facts.agents, steps, faults),
      passwordCounters(facts.agents, counters, faults),
    ];
  } finally {
    await sql.end();
  }
}

export function printChecks(checks: Check[]): boolean {
  for (const check of checks) console.log(`${check.ok ? "PASS" : "FAIL"}  ${check.label}: ${check.detail}`);
  return checks.every((check) => check.ok);
}
