// The one answer every server action gives (lib/action.ts), and reading it in a form. No server code
// here: client components import it.
import type { FieldErrors } from "./forms";

/** A refusal the person can act on: a message, the fields at fault, and what they typed (never secrets). */
export type Refusal<E extends object = object> = {
  ok: false;
  error: string;
  fieldErrors?: FieldErrors;
  values?: Record<string, string>;
} & E;
/** The change needs "Confirm it's you" first; the page asks, then runs the action again. */
export type NeedsReauth = { ok: false; reauth: true; error: string };
export type ActionResult<T extends object = object, E extends object = object> = ({ ok: true } & T) | Refusal<E> | NeedsReauth;

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
