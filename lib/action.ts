// The one kernel every server action goes through, top to bottom: who may call it (anyone, for the
// sign-in steps; else the viewer, with the role it needs, checked against the database), its input
// read from the FormData and parsed with zod, the re-authentication gate, the action itself, and the
// answer when the database cannot be reached. Every action answers with one result type.
import "server-only";
import type { z } from "zod";
import { getDb, type Database } from "@/db/client";
import { requireViewer, type Viewer } from "./auth/viewer";
import { formFields, parseForm, type FieldErrors } from "./forms";
import { requestContext, type RequestContext } from "./request";
import { databaseIsDown } from "./unavailable";

import type { ActionResult, NeedsReauth, Refusal } from "./action-result";

export type { FieldErrors } from "./forms";
export type { ActionResult, NeedsReauth, Refusal } from "./action-result";

export const NEEDS_REAUTH: NeedsReauth = { ok: false, reauth: true, error: "Confirm it's you to make this change." };
export const CONSOLE_UNAVAILABLE = "The change could not be made: the service is unavailable right now. Please try again in a minute.";

export function refuse<E extends object = object>(error: string, extra?: E & { fieldErrors?: FieldErrors }): Refusal<E> {
  return { ok: false, error, ...extra } as Refusal<E>;
}

type Access = "public" | "signed_in" | "admin";

type Options<A extends Access, S extends z.ZodObject | undefined> = {
  access: A;
  /** Signed-in actions that set up a required second factor stay open until it is set up. */
  allowEnrollment?: boolean;
  input?: S;
  /**
   * The message of a refused input: by default the field's own when one field is at fault, else
   * "Please correct the fields below."; "first": always the first field's (one-line forms); "form":
   * always the form's (forms that show each field's error beside it).
   */
  inputError?: "first" | "form";
  /** Plain-text fields sent back with every refusal, so the form keeps what was typed. */
  echo?: readonly string[];
  /** Needs a re-authentication within the last 10 minutes (always, or when the function says so); signed-in actions only. */
  reauth?: A extends "public" ? never : boolean | ((viewer: Viewer) => boolean);
  /** The refusal while the database cannot be reached. */
  unavailable?: string;
};

export type ActionContext<A extends Access, S extends z.ZodObject | undefined> = {
  viewer: A extends "public" ? null : Viewer;
  input: S extends z.ZodObject ? z.infer<S> : undefined;
  db: Database;
  request: RequestContext;
};

type Prepared<A extends Access, S extends z.ZodObject | undefined> =
  { ok: true; context: ActionContext<A, S> } | { ok: false; refusal: Refusal | NeedsReauth };

/** Everything before the action's own work: access, input, the re-authentication gate. */
async function prepare<A extends Access, S extends z.ZodObject | undefined>(
  options: Options<A, S>,
  formData: FormData,
): Promise<Prepared<A, S>> {
  const viewer =
    options.access === "public"
      ? null
      : await requireViewer({ allowEnrollment: options.allowEnrollment, admin: options.access === "admin" });
  let input: unknown = undefined;
  if (options.input) {
    const parsed = parseForm(options.input, formData);
    if (!parsed.ok) {
      const messages = Object.values(parsed.fieldErrors);
      const own = options.inputError === "first" || (options.inputError !== "form" && messages.length === 1);
      const error = own ? messages[0] : parsed.error;
      return { ok: false, refusal: refuse(error, { fieldErrors: parsed.fieldErrors }) };
    }
    input = parsed.data;
  }
  const { reauth } = options;
  if (reauth && !viewer) throw new Error("a public action cannot ask for re-authentication");
  if (viewer && reauth && (reauth === true || reauth(viewer)) && !viewer.reauthenticated) return { ok: false, refusal: NEEDS_REAUTH };
  return { ok: true, context: { viewer, input, db: await getDb(), request: await requestContext() } as ActionContext<A, S> };
}

/**
 * A server action whose answer the page shows: `(previous state, FormData)` for useActionState, or
 * `(FormData)` when called directly. Anything else a direct caller sends reads as an empty form.
 */
export function action<
  A extends Access,
  S extends z.ZodObject | undefined = undefined,
  T extends object = object,
  E extends object = object,
>(
  options: Options<A, S>,
  body: (context: ActionContext<A, S>) => Promise<ActionResult<T, E>>,
): (...args: unknown[]) => Promise<ActionResult<T, E>> {
  return async (...args) => {
    const formData = args.findLast((arg) => arg instanceof FormData) ?? new FormData();
    const echoed = options.echo ? echo(formData, options.echo) : undefined;
    const withValues = (result: ActionResult<T, E>): ActionResult<T, E> =>
      echoed && !result.ok && !("reauth" in result) && !result.values ? { ...result, values: echoed } : result;
    try {
      const prepared = await prepare(options, formData);
      if (!prepared.ok) return withValues(prepared.refusal as ActionResult<T, E>);
      return withValues(await body(prepared.context));
    } catch (error) {
      if (!databaseIsDown(error)) throw error;
      return withValues(refuse<E>(options.unavailable ?? CONSOLE_UNAVAILABLE));
    }
  };
}

/**
 * A server action that ends in a redirect (Cancel, Sign out), for a form's `action`: nothing to show,
 * so a refused input or a database that cannot be reached is left to the body (which decides what
 * still happens) or to the error page.
 */
export function formAction<A extends Access>(
  options: Omit<Options<A, undefined>, "input" | "echo" | "inputError" | "unavailable">,
  body: (context: ActionContext<A, undefined>) => Promise<void>,
): (formData: FormData) => Promise<void> {
  return async (formData) => {
    const prepared = await prepare(options, formData instanceof FormData ? formData : new FormData());
    if (prepared.ok) await body(prepared.context);
  };
}

function echo(formData: FormData, keys: readonly string[]): Record<string, string> {
  const fields = formFields(formData, keys);
  return Object.fromEntries(keys.map((key) => [key, (fields[key] ?? "").slice(0, 254)]));
}
