// Which methods count under the policy: whether a user must set up an allowed second factor before
// using the console, and which of their methods may answer a sign-in. Plain functions of the policy
// and the user's enabled methods, which the caller has read already.
import type { MethodKind } from "@/db/schema";
import type { Policy } from "./policy";

/** The methods the policy lets users sign in with. */
export function allowedMethods(policy: Pick<Policy, "allowEmailMethod" | "allowPasskeyMethod">): MethodKind[] {
  return ["app", ...(policy.allowEmailMethod ? (["email"] as const) : []), ...(policy.allowPasskeyMethod ? (["passkey"] as const) : [])];
}

/**
 * True when the user has no enabled method and the policy requires one, or when every method
 * the user has is one the policy no longer allows (email or passkeys only, with those not allowed).
 */
export function enrollmentRequired(
  policy: Pick<Policy, "allowEmailMethod" | "allowPasskeyMethod" | "requireEnrollment">,
  methods: MethodKind[],
): boolean {
  if (methods.length === 0) return policy.requireEnrollment;
  const allowed = allowedMethods(policy);
  return !methods.some((method) => allowed.includes(method));
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
