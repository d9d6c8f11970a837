// Reading an action's answer (lib/action.ts: ActionResult) in a form: its success, or its refusal.
import type { ActionResult, Refusal } from "@/lib/action";

type Any = ActionResult<object, object>;

/** The success, or null (none yet, or refused). */
export function successOf<R extends Any>(result: R | null): Extract<R, { ok: true }> | null {
  return result?.ok ? (result as Extract<R, { ok: true }>) : null;
}

/** The refusal to show, or null. A request to re-authenticate shows as its message. */
export function refusalOf<R extends Any>(result: R | null): (Refusal & Partial<Extract<R, { ok: false }>>) | null {
  if (!result || result.ok) return null;
  return result as Refusal & Partial<Extract<R, { ok: false }>>;
}
