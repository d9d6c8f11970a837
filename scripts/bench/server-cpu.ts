// CPU time used by a process and its descendants, from /proc: the sum of every thread's run time in
// /proc/<pid>/task/<tid>/schedstat (nanoseconds, so one request's share can be read; /proc/<pid>/stat
// counts in 10 ms ticks). Linux only; a thread that has exited no longer counts.
import { readFileSync, readdirSync } from "node:fs";

function read(path: string): string | null {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return null;
  }
}

function childrenOf(pid: number): number[] {
  const found: number[] = [];
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    const text = read(`/proc/${pid}/task/${tid}/children`);
    if (text) for (const child of text.trim().split(/\s+/).filter(Boolean)) found.push(Number(child));
  }
  return found;
}

/** Nanoseconds of CPU the process `pid` and all its descendants have used so far. */
export function processTreeCpuNs(pid: number): number {
  let total = 0;
  const pending = [pid];
  while (pending.length > 0) {
    const current = pending.pop()!;
    let tasks: string[];
    try {
      tasks = readdirSync(`/proc/${current}/task`);
    } catch {
      continue;
    }
    for (const tid of tasks) {
      const stat = read(`/proc/${current}/task/${tid}/schedstat`);
      if (stat) total += Number(stat.split(" ")[0]);
    }
    pending.push(...childrenOf(current));
  }
  return total;
}

export function cpuTimingAvailable(): boolean {
  return read("/proc/self/schedstat") !== null;
}
