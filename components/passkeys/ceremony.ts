// The browser's side of a passkey ceremony, through @simplewebauthn/browser: what the authenticator
// answered, as JSON text for a server action, or why there is no answer. A person who closes the
// browser's passkey prompt has cancelled: nothing was sent, so nothing is counted against them.
"use client";

import {
  WebAuthnAbortService,
  WebAuthnError,
  browserSupportsWebAuthn,
  browserSupportsWebAuthnAutofill,
  startAuthentication,
  startRegistration,
  type PublicKeyCredentialCreationOptionsJSON,
  type PublicKeyCredentialRequestOptionsJSON,
} from "@simplewebauthn/browser";

export type Ceremony = { ok: true; response: string } | { ok: false; cancelled: boolean; message: string };

const CANCELLED = "The passkey prompt ended without an answer. Nothing was sent.";
const UNSUPPORTED = "This browser cannot use passkeys. Use another method.";

function failed(error: unknown): Ceremony {
  // NotAllowedError is what the browser says when the prompt was dismissed, timed out, or no passkey
  // here matched: to the person, all three are "it did not happen".
  const name = error instanceof WebAuthnError ? (error.cause as Error | undefined)?.name : (error as Error | undefined)?.name;
  if (name === "NotAllowedError" || name === "AbortError" || (error instanceof WebAuthnError && error.code === "ERROR_CEREMONY_ABORTED")) {
    return { ok: false, cancelled: true, message: CANCELLED };
  }
  if (error instanceof WebAuthnError && error.code === "ERROR_AUTHENTICATOR_PREVIOUSLY_REGISTERED") {
    return { ok: false, cancelled: false, message: "This passkey is already on your account." };
  }
  return { ok: false, cancelled: false, message: "The passkey did not answer. Please try again, or use another method." };
}

export function passkeysSupported(): boolean {
  return typeof window !== "undefined" && browserSupportsWebAuthn();
}

export async function createPasskey(optionsJSON: PublicKeyCredentialCreationOptionsJSON): Promise<Ceremony> {
  if (!passkeysSupported()) return { ok: false, cancelled: false, message: UNSUPPORTED };
  try {
    return { ok: true, response: JSON.stringify(await startRegistration({ optionsJSON })) };
  } catch (error) {
    return failed(error);
  }
}

export async function answerWithPasskey(optionsJSON: PublicKeyCredentialRequestOptionsJSON, autofill = false): Promise<Ceremony> {
  if (!passkeysSupported()) return { ok: false, cancelled: false, message: UNSUPPORTED };
  try {
    return { ok: true, response: JSON.stringify(await startAuthentication({ optionsJSON, useBrowserAutofill: autofill })) };
  } catch (error) {
    return failed(error);
  }
}

export async function autofillSupported(): Promise<boolean> {
  return passkeysSupported() && (await browserSupportsWebAuthnAutofill());
}

/** Ends a ceremony waiting in the background (the Account field's autofill) before another starts. */
export function cancelCeremony(): void {
  WebAuthnAbortService.cancelCeremony();
}
