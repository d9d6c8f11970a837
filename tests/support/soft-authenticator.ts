// A software authenticator for the database tests: ES256 (P-256) keys from node:crypto, answers built
// byte by byte as the WebAuthn spec lays them out ("none" attestation), and knobs for what a browser or
// an attacker may change: the origin and RP ID, user verification, the signature counter, the user
// handle, and the credential id an assertion claims. The answers go through the product's functions
// and @simplewebauthn/server as a browser's would. tests/fixtures/webauthn/chromium.json holds a real
// browser's answers, which the tests check against the same functions.
import { createHash, generateKeyPairSync, sign, type KeyObject } from "node:crypto";
import type { AuthenticationResponseJSON, RegistrationResponseJSON } from "@simplewebauthn/server";
import { isoCBOR } from "@simplewebauthn/server/helpers";
import { relyingPartyOf, type RelyingParty } from "@/lib/passkeys/relying-party";

/** The site the tests' passkeys are for, unless a test says otherwise. */
export const TEST_RP: RelyingParty = relyingPartyOf("https://tessera.test", "Tessera");

/** An AAGUID no list knows (the default name then comes from the browser). */
export const UNKNOWN_AAGUID = "00000000-0000-0000-0000-000000000000";

const FLAG_UP = 0x01;
const FLAG_UV = 0x04;
const FLAG_BE = 0x08;
const FLAG_BS = 0x10;
const FLAG_AT = 0x40;

export type SoftCredential = {
  /** The credential id, base64url, as the browser sends it in `id` and `rawId`. */
  id: string;
  privateKey: KeyObject;
  /** The COSE public key: {1: 2 (EC2), 3: -7 (ES256), -1: 1 (P-256), -2: x, -3: y}. */
  cosePublicKey: Uint8Array;
  aaguid: string;
  /** The user handle the authenticator keeps with a discoverable credential: the user's id's 16 bytes, base64url. */
  userHandle: string;
  /** The signature counter, raised by each assertion unless the assertion says what to send. */
  counter: number;
  /** Whether the credential is synced (backup eligible and backed up), as a passkey provider's are. */
  synced: boolean;
};

/** The user handle of a person, as registrationOptions makes it: their id's 16 bytes, base64url. */
export function userHandleOf(userId: string): string {
  return Buffer.from(userId.replace(/-/g, ""), "hex").toString("base64url");
}

/** A new credential (a key pair and a random id) for the person `userId`. */
export function createCredential(userId: string, options: { aaguid?: string; synced?: boolean } = {}): SoftCredential {
  const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  const jwk = publicKey.export({ format: "jwk" });
  const cose = new Map<number, number | Uint8Array>([
    [1, 2],
    [3, -7],
    [-1, 1],
    [-2, Buffer.from(jwk.x!, "base64url")],
    [-3, Buffer.from(jwk.y!, "base64url")],
  ]);
  return {
    id: Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString("base64url"),
    privateKey,
    cosePublicKey: isoCBOR.encode(cose),
    aaguid: options.aaguid ?? UNKNOWN_AAGUID,
    userHandle: userHandleOf(userId),
    counter: 0,
    synced: options.synced ?? false,
  };
}

/** What a ceremony may be made to get wrong: the page's origin, the RP ID the authenticator scopes to, user verification. */
export type Ceremony = { origin?: string; rpId?: string; userVerified?: boolean };

function clientData(type: "webauthn.create" | "webauthn.get", challenge: string, origin: string): Buffer {
  return Buffer.from(JSON.stringify({ type, challenge, origin, crossOrigin: false }));
}

function sha256(data: Uint8Array | string): Buffer {
  return createHash("sha256").update(data).digest();
}

function u32(value: number): Buffer {
  const bytes = Buffer.alloc(4);
  bytes.writeUInt32BE(value);
  return bytes;
}

function flagsOf(credential: SoftCredential, userVerified: boolean, attested: boolean): number {
  return FLAG_UP | (userVerified ? FLAG_UV : 0) | (credential.synced ? FLAG_BE | FLAG_BS : 0) | (attested ? FLAG_AT : 0);
}

/**
 * The answer to "Add a passkey" for `challenge` (the options' `challenge`): the attestation object
 * with the credential's id and public key, in the shape a browser's toJSON() gives.
 */
export function registrationResponse(
  credential: SoftCredential,
  challenge: string,
  options: Ceremony & { counter?: number } = {},
): RegistrationResponseJSON {
  const rpId = options.rpId ?? TEST_RP.id;
  const rawId = Buffer.from(credential.id, "base64url");
  const length = Buffer.alloc(2);
  length.writeUInt16BE(rawId.length);
  const authData = Buffer.concat([
    sha256(rpId),
    Buffer.from([flagsOf(credential, options.userVerified ?? true, true)]),
    u32(options.counter ?? credential.counter),
    Buffer.from(credential.aaguid.replace(/-/g, ""), "hex"),
    length,
    rawId,
    credential.cosePublicKey,
  ]);
  const attestationObject = isoCBOR.encode(
    new Map<string, string | Uint8Array | Map<string, string>>([
      ["fmt", "none"],
      ["attStmt", new Map<string, string>()],
      ["authData", authData],
    ]),
  );
  return {
    id: credential.id,
    rawId: credential.id,
    type: "public-key",
    response: {
      clientDataJSON: clientData("webauthn.create", challenge, options.origin ?? TEST_RP.origin).toString("base64url"),
      attestationObject: Buffer.from(attestationObject).toString("base64url"),
      transports: ["internal"],
    },
    clientExtensionResults: {},
    authenticatorAttachment: "platform",
  };
}

export type AssertionOptions = Ceremony & {
  /** The counter to send; by default the credential's own, raised by one. */
  counter?: number;
  /** The user handle to send; null sends none (a security key's non-discoverable credential). */
  userHandle?: string | null;
  /** The credential id to claim, while the signature is still made with `credential`'s key. */
  claimId?: string;
};

/**
 * The answer to a sign-in or second-factor ceremony for `challenge`: authenticator data, client data,
 * and the DER ECDSA signature over authData || sha256(clientDataJSON).
 */
export function assertionResponse(
  credential: SoftCredential,
  challenge: string,
  options: AssertionOptions = {},
): AuthenticationResponseJSON {
  const counter = options.counter ?? credential.counter + 1;
  credential.counter = counter;
  const authData = Buffer.concat([
    sha256(options.rpId ?? TEST_RP.id),
    Buffer.from([flagsOf(credential, options.userVerified ?? true, false)]),
    u32(counter),
  ]);
  const data = clientData("webauthn.get", challenge, options.origin ?? TEST_RP.origin);
  const signature = sign("sha256", Buffer.concat([authData, sha256(data)]), { key: credential.privateKey, dsaEncoding: "der" });
  const id = options.claimId ?? credential.id;
  const userHandle = options.userHandle === undefined ? credential.userHandle : options.userHandle;
  return {
    id,
    rawId: id,
    type: "public-key",
    response: {
      clientDataJSON: data.toString("base64url"),
      authenticatorData: authData.toString("base64url"),
      signature: signature.toString("base64url"),
      ...(userHandle === null ? {} : { userHandle }),
    },
    clientExtensionResults: {},
    authenticatorAttachment: "platform",
  };
}
