// Chooses how mail leaves Tessera: Resend when a key is set, the local outbox where allowed, else a refusal.
import "server-only";
import { appName, outboxEnabled } from "@/lib/env";
import { outboxTransport } from "./outbox";
import { resendTransport } from "./resend-transport";

export type EmailMessage = { to: string; subject: string; text: string; html: string };

export type EmailTransport = {
  kind: "resend" | "outbox";
  send(message: EmailMessage): Promise<void>;
};

/** The variables this module reads; process.env in production code, a plain object in tests. */
export type EmailEnv = Readonly<Record<string, string | undefined>>;

const RESEND_API = "https://api.resend.com";

// Header values must be visible ASCII; anything else would make the HTTP client throw an error quoting the key.
const HEADER_SAFE = /^[\x21-\x7e]+$/;

/** Picks the transport from `env`. Throws a configuration error that names variables, never their values. */
export function createTransport(env: EmailEnv = process.env): EmailTransport {
  const production = env.NODE_ENV === "production";
  const apiKey = env.RESEND_API_KEY?.trim();

  if (apiKey) {
    if (!HEADER_SAFE.test(apiKey)) throw new Error("RESEND_API_KEY contains characters that cannot be sent in an HTTP header.");
    const from = env.EMAIL_FROM?.trim();
    if (production && !from) {
      throw new Error(
        'EMAIL_FROM is not set: production mail through Resend needs a verified sender, e.g. "Tessera <security@example.com>".',
      );
    }
    return resendTransport({
      apiKey,
      from: from || `${appName()} <no-reply@localhost>`,
      // The SDK appends "/emails" to the base URL as it is, so a trailing slash would give "//emails".
      baseUrl: (env.RESEND_BASE_URL?.trim() || RESEND_API).replace(/\/+$/, ""),
    });
  }

  if (outboxEnabled(env)) return outboxTransport();

  throw new Error(
    "Email is not configured: set RESEND_API_KEY and EMAIL_FROM (EMAIL_OUTBOX=1 keeps the local outbox, for test servers only).",
  );
}
