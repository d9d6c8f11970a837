// Whether a user must set up an allowed second factor before using the console: the policy may
// require 2FA of everyone, and may stop counting email (the weaker factor) as a method.
import type { Queryable } from "@/db/client";
import type { MethodKind } from "@/db/schema";
import { listEnabledMethods } from "./methods";
import { getPolicy, type Policy } from "./policy";

/** The methods the policy lets users sign in with. */
export function allowedMethods(policy: Pick<Policy, "allowEmailMethod">): MethodKind[] {
  return policy.allowEmailMethod ? ["app", "email"] : ["app"];
}

/**
 * True when the user has no enabled method and the policy requires one, or when every method
 * the user has is one the policy no longer allows (email only, with email not allowed).
 */
export async function enrollmentRequired(db: Queryable, userId: string): Promise<boolean> {
  const policy = await getPolicy(db);
  const methods = await listEnabledMethods(db, userId);
  if (methods.length === 0) return policy.requireEnrollment;
  const allowed = allowedMethods(policy);
  return !methods.some((method) => allowed.includes(method));
}
