// Server-action input: read a form's text fields and validate them with a zod schema in one step.
import type { z } from "zod";

export type FieldErrors = Record<string, string>;

/** Text a person types: no control characters (a NUL byte cannot even be stored in PostgreSQL). */
export const PLAIN_TEXT = /^[^\u0000-\u001f\u007f]*$/;

export type Parsed<T> = { ok: true; data: T } | { ok: false; error: string; fieldErrors: FieldErrors };

/**
 * Text fields only: a file or a missing field reads as undefined, which the schema then refuses.
 * A server action can be called with any serialisable arguments, not only a form; anything but a
 * FormData reads as an empty form.
 */
export function formFields(formData: unknown, keys: readonly string[]): Record<string, string | undefined> {
  const values: Record<string, string | undefined> = {};
  for (const key of keys) {
    const value = formData instanceof FormData ? formData.get(key) : null;
    values[key] = typeof value === "string" ? value : undefined;
  }
  return values;
}

export function parseForm<S extends z.ZodObject>(schema: S, formData: unknown): Parsed<z.infer<S>> {
  const result = schema.safeParse(formFields(formData, Object.keys(schema.shape)));
  if (result.success) return { ok: true, data: result.data };
  const fieldErrors: FieldErrors = {};
  for (const issue of result.error.issues) {
    const key = String(issue.path[0] ?? "form");
    // A missing field gets the schema's own message when it has one, else a plain one (not zod's "Invalid input…").
    fieldErrors[key] ??=
      issue.code === "invalid_type" && issue.message.startsWith("Invalid input") ? "This field is required." : issue.message;
  }
  return { ok: false, error: "Please correct the fields below.", fieldErrors };
}
