// Drives simulated browsers through full sign-ins for a bounded time. Each agent signs in at most once
// per TOTP time step (the server accepts a step once) and stays under the per-account password limit.
import { ADDRESS_LIMIT } from "../../lib/auth/password-limits";
import { TOTP_PERIOD_SECONDS, totpCodeAt } from "../../lib/two-factor/totp";
import type { BenchUser } from "./setup-users";
import { signInOnce, type SignInResult } from "./sign-in";
import type { Recorder } from "./stats";

const STEP_MS = TOTP_PERIOD_SECONDS * 1000;

/** What the client knows about one agent, for the consistency checks afterwards. */
export type Agent = {
  user: BenchUser;
  busy: boolean;
  lastSubmittedStep: number;
  lastAcceptedStep: number | null;
  /** Password submissions by the start of the password limit's window they were sent in. */
  passwordSubmissions: Map<number, number>;
};

export type LoadOptions = {
  origin: string;
  users: BenchUser[];
  concurrency: number;
  /** Whether to start another sign-in; sign-ins under way always finish. */
  keepGoing: () => boolean;
  maxSignIns: number;
  /** Where the responses seen at `at` (ms since epoch) are counted. */
  recorderAt: (at: number) => Recorder;
  /** A browser that failed waits this long before its next try, as a person would. */
  pauseAfterFailureMs: number;
  onResult?: (result: SignInResult) => void;
};

export type LoadRun = { agents: Agent[]; startedAt: number; endedAt: number; idleShare: number };

const stepAt = (ms: number) => Math.floor(ms / STEP_MS);
const windowAt = (ms: number) => ms - (ms % ADDRESS_LIMIT.windowMs);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function runLoad(options: LoadOptions): Promise<LoadRun> {
  const agents: Agent[] = options.users.map((user) => ({
    user,
    busy: false,
    lastSubmittedStep: -1,
    lastAcceptedStep: null,
    passwordSubmissions: new Map(),
  }));
  let cursor = 0;
  let started = 0;
  let idleMs = 0;

  // One below the address limit (each agent has an address of its own): a submission sent just before a
  // window ends may be counted in the next one.
  const mayTry = (agent: Agent, at: number) =>
    !agent.busy && agent.lastSubmittedStep < stepAt(at) && (agent.passwordSubmissions.get(windowAt(at)) ?? 0) < ADDRESS_LIMIT.max - 1;

  const nextAgent = (): Agent | null => {
    const at = Date.now();
    for (let scanned = 0; scanned < agents.length; scanned++) {
      const agent = agents[cursor];
      cursor = (cursor + 1) % agents.length;
      if (mayTry(agent, at)) return agent;
    }
    return null;
  };

  const signIn = async (agent: Agent) => {
    let step: number | null = null;
    const code = () => {
      step = stepAt(Date.now());
      agent.lastSubmittedStep = step;
      return totpCodeAt(agent.user.secret, new Date(step * STEP_MS));
    };
    const result = await signInOnce(options.origin, agent.user, code, (name, status, body, ms) => {
      const at = Date.now();
      if (name === "password") {
        const window = windowAt(at - ms);
        agent.passwordSubmissions.set(window, (agent.passwordSubmissions.get(window) ?? 0) + 1);
      }
      options.recorderAt(at).observe(name, status, body, ms);
    });
    if (result.ok) agent.lastAcceptedStep = step;
    options.recorderAt(result.finishedAt).record(result);
    options.onResult?.(result);
    return result;
  };

  const worker = async () => {
    while (options.keepGoing() && started < options.maxSignIns) {
      const agent = nextAgent();
      if (!agent) {
        // Every free agent has used this time step: wait for the next one.
        const wait = Math.min(250, STEP_MS - (Date.now() % STEP_MS));
        idleMs += wait;
        await sleep(wait);
        continue;
      }
      started++;
      agent.busy = true;
      try {
        const result = await signIn(agent);
        if (!result.ok) await sleep(options.pauseAfterFailureMs);
      } finally {
        agent.busy = false;
      }
    }
  };

  const startedAt = Date.now();
  await Promise.all(Array.from({ length: options.concurrency }, worker));
  const endedAt = Date.now();
  return { agents, startedAt, endedAt, idleShare: idleMs / (options.concurrency * (endedAt - startedAt)) };
}
