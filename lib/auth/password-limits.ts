// How many wrong passwords are allowed: per account (also for accounts that do not exist, so the limit
// reveals nothing) and per client address, counted in fixed 15-minute windows.
import type { Limit } from "../rate-limit";

export const ACCOUNT_LIMIT: Limit = { max: 10, windowMs: 15 * 60_000 };
export const ADDRESS_LIMIT: Limit = { max: 100, windowMs: 15 * 60_000 };
