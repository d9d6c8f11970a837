// Sends mail through Resend's official SDK and turns its error results into errors that carry no secrets.
import { Resend, type ErrorResponse } from "resend";
import type { EmailMessage, EmailTransport } from "./transport";

export type ResendSettings = { apiKey: string; from: string; baseUrl: string };

// A sign-in waits for its code email; a hung mail API must not hang the sign-in with it.
const SEND_TIMEOUT_MS = 10_000;

export function resendTransport(settings: ResendSettings): EmailTransport {
  const client = new Resend(settings.apiKey, { baseUrl: settings.baseUrl });
  return {
    kind: "resend",
    async send(message: EmailMessage) {
      const { error } = await client.emails.send(
        { from: settings.from, to: [message.to], subject: message.subject, text: message.text, html: message.html },
        { signal: AbortSignal.timeout(SEND_TIMEOUT_MS) },
      );
      if (error) throw new Error(`Resend did not accept the email (${describe(error)}).`);
    },
  };
}

// Only the error's kind and status: Resend's own message may quote the request, and the request holds the code.
function describe(error: ErrorResponse): string {
  const name = typeof error.name === "string" && /^[a-z_]{1,64}$/.test(error.name) ? error.name : "unknown_error";
  const status = Number.isInteger(error.statusCode) ? `status ${error.statusCode}` : "no status";
  return `${name}, ${status}`;
}
