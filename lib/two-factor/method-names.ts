// The methods in the product's words, one place for every page, dialog and email.
import type { MethodKind } from "@/db/schema";

/** Short labels: badges, lists ("On, with Authenticator app and Passkeys"). */
export const METHOD_LABELS: Record<MethodKind, string> = { app: "Authenticator app", email: "Email", passkey: "Passkeys" };

/** Names in a sentence: "Email authentication is on." */
export const METHOD_NAMES: Record<MethodKind, string> = {
  email: "Email authentication",
  app: "Authenticator app authentication",
  passkey: "Passkey authentication",
};
