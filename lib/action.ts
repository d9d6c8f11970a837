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
import { databaseIsDown, orUnavailablePage } from "./unavailable";

import type { ActionResult, NeedsReauth, Refusal } from "./action-result";

export type { FieldErrors } from "./forms";
export type { ActionResult, NeedsReauth, Refusal } from "./action-result";

export const NEEDS_REAUTH: NeedsReauth = { ok: false, reauth: true, error: "Confirm it's you to make this change." };
export const NEEDS_OWN_SECOND_FACTOR =
  "This change needs two-factor authentication on your own account. Set it up on your profile, then try again.";
export const CONSOLE_UNAVAILABLE = "The change could not be made: the service is unavailable right now. Please try again in a minute.";

export function refuse<E extends object = object>(error: string, extra?: E & { fieldErrors?: FieldErrors }): Refusal<E> {
  return { ok: false, error, ...extra } as Refusal<E>;
}

type Access = "public" | "signed_in" | "admin";
type StepUpNeed = boolean | "second_factor";
type Input<S extends z.ZodObject | undefined> = S extends z.ZodObject ? z.infer<S> : undefined;

/** The refusal of a viewer whose step-up falls short of `need`, or null when it is enough. */
function stepUpRefusal(viewer: Viewer, need: StepUpNeed): Refusal | NeedsReauth | null {
  if (need === false) return null;
  if (need === "second_factor") {
    if (viewer.methods.length === 0) return refuse(NEEDS_OWN_SECOND_FACTOR);
    return viewer.stepUp === "second_factor" ? null : NEEDS_REAUTH;
  }
  return viewer.reauthenticated ? null : NEEDS_REAUTH;
}

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
  /**
   * The step-up the change needs, always or as the function decides from the viewer and the input;
   * signed-in actions only. `true`: "Confirm it's you" within the last 10 minutes, with a code when
   * the viewer has a method (the password only when they have none). `"second_factor"`: the viewer
   * has a method and confirmed with a code within the last 10 minutes (admin rescues).
   */
  reauth?: A extends "public" ? never : StepUpNeed | ((viewer: Viewer, input: Input<S>) => StepUpNeed);
  /** The refusal while the database cannot be reached. */
  unavailable?: string;
};

export type ActionContext<A extends Access, S extends z.ZodObject | undefined> = {
  viewer: A extends "public" ? null : Viewer;
  input: Input<S>;
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
  if (viewer && reauth) {
    const refusal = stepUpRefusal(viewer, typeof reauth === "function" ? reauth(viewer, input as Input<S>) : reauth);
    if (refusal) return { ok: false, refusal };
  }
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
 * so a database that cannot be reached is left to the body (which decides what still happens), or else
 * answered with the 503 page, whose "Try again" leads back to the form's page.
 */
export function formAction<A extends Access>(
  options: Omit<Options<A, undefined>, "input" | "echo" | "inputError" | "unavailable">,
  body: (context: ActionContext<A, undefined>) => Promise<void>,
): (formData: FormData) => Promise<void> {
  return async (formData) =>
    orUnavailablePage(async () => {
      const prepared = await prepare<A, undefined>(options, formData instanceof FormData ? formData : new FormData());
      if (prepared.ok) await body(prepared.context);
    });
}

function echo(formData: FormData, keys: readonly string[]): Record<string, string> {
  const fields = formFields(formData, keys);
  return Object.fromEntries(keys.map((key) => [key, (fields[key] ?? "").slice(0, 254)]));
}
