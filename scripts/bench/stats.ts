// Collects what a benchmark run saw (latencies, statuses, errors, leaks) and prints it as a table.
import { leakIn } from "./leaks";
import { STEPS, type SignInResult, type Step } from "./sign-in";

export class Recorder {
  readonly fullSignIns: number[] = [];
  readonly stepLatencies = new Map<Step, number[]>(STEPS.map((step) => [step, []]));
  readonly statuses = new Map<Step, Map<number, number>>(STEPS.map((step) => [step, new Map()]));
  readonly errors = new Map<string, number>();
  readonly leaks: { step: Step; status: number; kind: string; excerpt: string }[] = [];
  /** The first body seen for each step and error status, to show what a failure looks like. */
  readonly errorBodies = new Map<string, string>();
  completed = 0;
  failed = 0;
  requests = 0;
  halfSignIns = 0;

  observe(step: Step, status: number, body: string, ms: number): void {
    this.requests++;
    this.stepLatencies.get(step)!.push(ms);
    const counts = this.statuses.get(step)!;
    counts.set(status, (counts.get(status) ?? 0) + 1);
    if (status >= 400 && !this.errorBodies.has(`${step} ${status}`)) this.errorBodies.set(`${step} ${status}`, body);
    const kind = leakIn(body);
    if (kind) this.leaks.push({ step, status, kind, excerpt: body.slice(0, 300) });
  }

  record(result: SignInResult): void {
    if (result.ok) {
      this.completed++;
      this.fullSignIns.push(result.finishedAt - result.startedAt);
    } else {
      this.failed++;
      this.errors.set(result.error!, (this.errors.get(result.error!) ?? 0) + 1);
      if (result.halfSignIn) this.halfSignIns++;
    }
  }
}

/** What a person would read on the page: scripts and tags removed, spaces collapsed. */
export function visibleText(body: string): string {
  return body
    .replace(/<script[\s\S]*?<\/script>/gi, " ")
    .replace(/<[^>]+>/g, " ")
    .replace(/\s+/g, " ")
    .trim();
}

/** Nearest-rank percentile of `values`, in ms. */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

const ms = (value: number) => (Number.isNaN(value) ? "-" : String(Math.round(value))).padStart(7);

function latencyRow(label: string, values: number[]): string {
  return `  ${label.padEnd(14)}${ms(percentile(values, 50))}${ms(percentile(values, 95))}${ms(percentile(values, 99))}${ms(values.length ? Math.max(...values) : NaN)}`;
}

/** The figures of a run as lines of text; `seconds` is the time traffic was sent. */
export function report(recorder: Recorder, seconds: number): string[] {
  const lines = [
    `Sign-ins completed     ${recorder.completed}`,
    `Sign-ins failed        ${recorder.failed}`,
    `Sign-ins per second    ${(recorder.completed / seconds).toFixed(1)} (over ${seconds.toFixed(1)} s)`,
    `Requests               ${recorder.requests} (${(recorder.requests / seconds).toFixed(1)}/s)`,
    `Latency (ms; full sign-in: completed ones; steps: every response)`,
    `                           p50    p95    p99    max`,
    latencyRow("full sign-in", recorder.fullSignIns),
    ...STEPS.map((step) => latencyRow(step, recorder.stepLatencies.get(step)!)),
    `Responses by step (status x count; 0 = no response)`,
    ...STEPS.map(
      (step) =>
        `  ${step.padEnd(14)}${
          [...recorder.statuses.get(step)!]
            .sort(([a], [b]) => a - b)
            .map(([status, count]) => `${status} x ${count}`)
            .join(", ") || "-"
        }`,
    ),
    `Errors by kind`,
    ...[...recorder.errors].sort(([, a], [, b]) => b - a).map(([kind, count]) => `  ${String(count).padStart(6)}  ${kind}`),
  ];
  if (recorder.errors.size === 0) lines.push("  none");
  return lines;
}
