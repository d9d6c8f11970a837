// The one source of "now" for domain code; tests move it instead of waiting.
let offsetMs = 0;
let frozenAt: number | null = null;

export function now(): Date {
  return new Date((frozenAt ?? Date.now()) + offsetMs);
}

/** Test hook: shift time forward (or back) by `ms`. */
export function advanceClock(ms: number): void {
  offsetMs += ms;
}

/** Test hook: stop time at `at` until `resetClock()`. */
export function freezeClock(at: Date): void {
  frozenAt = at.getTime();
  offsetMs = 0;
}

export function resetClock(): void {
  offsetMs = 0;
  frozenAt = null;
}

export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;

export function addMs(date: Date, ms: number): Date {
  return new Date(date.getTime() + ms);
}
