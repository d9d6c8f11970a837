// Which methods count under the policy: whether a user must set up an allowed second factor before
// using the console, and which of their methods may answer a sign-in. Plain functions of the policy
// and the user's enabled methods, which the caller has read already.
import type { MethodKind } from "@/db/schema";
import { DAY } from "../clock";
import type { Policy, PolicyRules } from "./policy";

/** The methods the policy lets users sign in with. */
export function allowedMethods(policy: Pick<Policy, "allowEmailMethod" | "allowPasskeyMethod">): MethodKind[] {
  return ["app", ...(policy.allowEmailMethod ? (["email"] as const) : []), ...(policy.allowPasskeyMethod ? (["passkey"] as const) : [])];
}

/**
 * True when the user has no enabled method and the policy requires one (once their grace period, if
 * any, is over at `at`), or when every method the user has is one the policy no longer allows (email or
 * passkeys only, with those not allowed).
 */
export function enrollmentRequired(
  policy: Pick<PolicyRules, "allowEmailMethod" | "allowPasskeyMethod" | "requireEnrollment" | "graceUntil">,
  methods: MethodKind[],
  at: Date,
): boolean {
  if (methods.length === 0) return policy.requireEnrollment && !inGracePeriod(policy, methods, at);
  const allowed = allowedMethods(policy);
  return !methods.some((method) => allowed.includes(method));
}

/**
 * True while a person without a method may still use the console although 2FA is required: their
 * grace period (PolicyRules.graceUntil) has not ended at `at`.
 */
export function inGracePeriod(policy: Pick<PolicyRules, "requireEnrollment" | "graceUntil">, methods: MethodKind[], at: Date): boolean {
  return methods.length === 0 && policy.requireEnrollment && policy.graceUntil !== null && at < policy.graceUntil;
}

/**
 * The methods that may answer a sign-in: the ones the policy allows, or, when the user has none
 * of those, the ones they have, so they can sign in and then set up an allowed one.
 */
export function signInMethods(policy: Pick<Policy, "allowEmailMethod" | "allowPasskeyMethod">, methods: MethodKind[]): MethodKind[] {
  const allowed = allowedMethods(policy);
  const usable = methods.filter((method) => allowed.includes(method));
  return usable.length > 0 ? usable : methods;
}

/** The time left before a grace period's `deadline`, as the banner, the admin home and the reminder say it. */
export function timeLeft(deadline: Date, at: Date): string {
  const days = Math.ceil((deadline.getTime() - at.getTime()) / DAY);
  return days <= 1 ? "less than a day" : `${days} days`;
}
