// Passkeys and security keys as a person's own method: adding one (the registration ceremony, checked by
// @simplewebauthn/server), renaming, removing, and checking an assertion against a stored credential.
// While a person has a passkey their two_factor_methods row of kind 'passkey' is on, so every rule that
// counts methods (the policy, the viewer, the adoption figures) counts it; adding or removing one is a
// 2FA change like the others (other sessions end, trusted browsers are forgotten, all audited).
import {
  generateAuthenticationOptions,
  generateRegistrationOptions,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
  type AuthenticationResponseJSON,
  type AuthenticatorTransport,
  type PublicKeyCredentialCreationOptionsJSON,
  type PublicKeyCredentialRequestOptionsJSON,
  type RegistrationResponseJSON,
} from "@simplewebauthn/server";
import { isoBase64URL } from "@simplewebauthn/server/helpers";
import { sql } from "drizzle-orm";
import { z } from "zod";
import type { Database, Queryable } from "@/db/client";
import { asDate, asDateOrNull, asNumber, query, timestamptz, withParts } from "@/db/sql";
import { auditPart } from "../audit";
import { now } from "../clock";
import type { RequestContext } from "../request";
import { lockUserRow } from "../users";
import { claimedChallenge, issueChallengeParts, takeChallengePart, WEBAUTHN_CHALLENGE_MS, type ChallengeBinding } from "./challenges";
import { cleanPasskeyName, defaultPasskeyName } from "./names";
import type { RelyingParty } from "./relying-party";

/** At most this many per person: enough for a phone, a laptop and keys, few enough to read at a glance. */
export const MAX_PASSKEYS = 10;
// EdDSA, ES256, RS256: what the authenticators in use sign with, and what the library verifies.
const ALGORITHMS = [-8, -7, -257];
const TIMEOUT_MS = WEBAUTHN_CHALLENGE_MS;

export type StoredCredential = { id: string; credentialId: string; publicKey: string; counter: number; transports: string[]; name: string };

export type PasskeySummary = { id: string; name: string; createdAt: Date; lastUsedAt: Date | null };

// What a browser sends back, before the library reads it: base64url text of bounded size, nothing else.
const b64url = (max: number) =>
  z
    .string()
    .max(max)
    .regex(/^[A-Za-z0-9_-]*$/);
const extensions = z.record(z.string(), z.unknown()).default({});
const attachment = z.enum(["platform", "cross-platform"]).optional();
const registrationShape = z.object({
  id: b64url(1400).min(1),
  rawId: b64url(1400).min(1),
  type: z.literal("public-key"),
  response: z.object({
    clientDataJSON: b64url(4096).min(1),
    attestationObject: b64url(16384).min(1),
    transports: z.array(z.string().max(32)).max(8).optional(),
    publicKeyAlgorithm: z.number().optional(),
    publicKey: b64url(4096).optional(),
    authenticatorData: b64url(8192).optional(),
  }),
  clientExtensionResults: extensions,
  authenticatorAttachment: attachment,
});
const assertionShape = z.object({
  id: b64url(1400).min(1),
  rawId: b64url(1400).min(1),
  type: z.literal("public-key"),
  response: z.object({
    clientDataJSON: b64url(4096).min(1),
    authenticatorData: b64url(8192).min(1),
    signature: b64url(2048).min(1),
    userHandle: b64url(256).optional(),
  }),
  clientExtensionResults: extensions,
  authenticatorAttachment: attachment,
});

/** A registration answer from its JSON text, or null when it is not one. */
export function readRegistration(text: string): RegistrationResponseJSON | null {
  const parsed = registrationShape.safeParse(parseJson(text));
  return parsed.success ? parsed.data : null;
}

/** An assertion from its JSON text, or null when it is not one. */
export function readAssertion(text: string): AuthenticationResponseJSON | null {
  const parsed = assertionShape.safeParse(parseJson(text));
  return parsed.success ? parsed.data : null;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

function transportsOf(values: string[]): AuthenticatorTransport[] {
  return values as AuthenticatorTransport[];
}

/** The user handle of a person: their id's 16 bytes (opaque, no name or address in it). */
function userHandle(userId: string): Uint8Array<ArrayBuffer> {
  return Uint8Array.from(Buffer.from(userId.replace(/-/g, ""), "hex"));
}

/**
 * "Add a passkey": the options for the browser's ceremony, in one statement that stores the challenge
 * (bound to this session) and reads the person's credentials, which the authenticator must not add twice.
 */
export async function registrationOptions(
  db: Queryable,
  rp: RelyingParty,
  person: { userId: string; sessionId: string; email: string; name: string },
): Promise<PublicKeyCredentialCreationOptionsJSON | { refused: "too_many" | "busy" }> {
  const at = now();
  const issued = issueChallengeParts({ purpose: "register", userId: person.userId, sessionId: person.sessionId }, at);
  const [row] = await query<{ issued: boolean; existing: { credentialId: string; transports: string[] }[] }>(
    db,
    sql`${withParts(issued.parts)} select exists (select 1 from issued) as issued,
      coalesce((select json_agg(json_build_object('credentialId', p.credential_id, 'transports', p.transports))
      from passkeys p where p.user_id = ${person.userId}), '[]'::json) as existing`,
  );
  if (row.existing.length >= MAX_PASSKEYS) return { refused: "too_many" };
  if (!row.issued) return { refused: "busy" };
  return generateRegistrationOptions({
    rpName: rp.name,
    rpID: rp.id,
    userName: person.email,
    userDisplayName: person.name,
    userID: userHandle(person.userId),
    challenge: isoBase64URL.toBuffer(issued.challenge),
    timeout: TIMEOUT_MS,
    attestationType: "none",
    excludeCredentials: row.existing.map((credential) => ({
      id: credential.credentialId,
      transports: transportsOf(credential.transports),
    })),
    // A discoverable credential when the authenticator can keep one (passkey sign-in needs it); a
    // security key that cannot still serves as a second factor. User verification where it is offered.
    authenticatorSelection: { residentKey: "preferred", userVerification: "preferred" },
    supportedAlgorithmIDs: ALGORITHMS,
  });
}

export type AddPasskeyResult =
  | { ok: true; passkey: { id: string; name: string }; firstMethod: boolean; firstPasskey: boolean }
  | { ok: false; reason: "expired" | "refused" | "duplicate" | "too_many" };

/**
 * The browser's answer to "Add a passkey": the challenge it signs is taken (it answers once), the
 * attestation is checked against this site's RP ID and origin, and the credential is stored under the
 * default name. The person's row is locked, as by every 2FA change; the first passkey turns the
 * method on (and, as any first method, the caller then makes backup codes).
 */
export async function addPasskey(
  db: Database,
  rp: RelyingParty,
  person: { userId: string; sessionId: string },
  response: RegistrationResponseJSON,
  context: RequestContext,
): Promise<AddPasskeyResult> {
  const challenge = claimedChallenge(response.response.clientDataJSON);
  if (!challenge) return { ok: false, reason: "refused" };
  const binding: ChallengeBinding = { purpose: "register", userId: person.userId, sessionId: person.sessionId };
  const [taken] = await query<{ id: string }>(db, takeChallengePart(binding, challenge, now()));
  if (!taken) return { ok: false, reason: "expired" };

  let verified;
  try {
    verified = await verifyRegistrationResponse({
      response,
      expectedChallenge: challenge,
      expectedOrigin: rp.origin,
      expectedRPID: rp.id,
      requireUserVerification: false,
      supportedAlgorithmIDs: ALGORITHMS,
    });
  } catch {
    verified = null;
  }
  if (!verified?.verified) {
    await db.execute(
      auditPart({ type: "passkey.refused", actorId: person.userId, subjectId: person.userId, context, details: { step: "add" } }),
    );
    return { ok: false, reason: "refused" };
  }
  const { credential, aaguid, credentialBackedUp, userVerified } = verified.registrationInfo;
  const name = defaultPasskeyName(aaguid, context.userAgent);

  return db.transaction(async (tx): Promise<AddPasskeyResult> => {
    await lockUserRow(tx, person.userId);
    const at = now();
    const [state] = await query<{ passkeys: number | string; methods: number | string }>(
      tx,
      sql`select (select count(*) from passkeys where user_id = ${person.userId}) as passkeys,
        (select count(*) from two_factor_methods where user_id = ${person.userId} and enabled_at is not null) as methods`,
    );
    if (asNumber(state.passkeys) >= MAX_PASSKEYS) return { ok: false, reason: "too_many" };
    const firstPasskey = asNumber(state.passkeys) === 0;
    const firstMethod = asNumber(state.methods) === 0;
    const details = sql`json_build_object('passkeyId', id, 'name', name, 'aaguid', aaguid, 'userVerified', ${userVerified}::boolean)`;
    const [row] = await query<{ id: string | null }>(
      tx,
      sql`${withParts({
        added: sql`insert into passkeys (user_id, credential_id, public_key, counter, transports, aaguid, name, backed_up, created_at)
          values (${person.userId}::uuid, ${credential.id}, ${isoBase64URL.fromBuffer(credential.publicKey)}, ${credential.counter},
            ${JSON.stringify(credential.transports ?? [])}::jsonb, ${aaguid}, ${name}, ${credentialBackedUp}, ${timestamptz(at)})
          on conflict (credential_id) do nothing returning id, name, aaguid`,
        method: sql`insert into two_factor_methods (user_id, kind, enabled_at, updated_at)
          select ${person.userId}::uuid, 'passkey', ${timestamptz(at)}, ${timestamptz(at)} from added
          on conflict (user_id, kind) do update set enabled_at = coalesce(two_factor_methods.enabled_at, excluded.enabled_at), updated_at = excluded.updated_at
          returning id`,
        // A 2FA change (SECURITY.md 13): the other sessions end and no browser skips the code on the old setup.
        version: sql`update users set session_version = session_version + 1 where id = ${person.userId} and exists (select 1 from added)`,
        browsers: sql`update trusted_browsers set revoked_at = ${timestamptz(at)}
          where user_id = ${person.userId} and revoked_at is null and exists (select 1 from added)`,
        event: auditPart(
          { type: "passkey.added", actorId: person.userId, subjectId: person.userId, context, details },
          { at, onlyIf: "added" },
        ),
        enabled: firstPasskey
          ? auditPart(
              {
                type: "two_factor.method_enabled",
                actorId: person.userId,
                subjectId: person.userId,
                context,
                details: { method: "passkey" },
              },
              { at, onlyIf: "added" },
            )
          : null,
      })} select (select id from added) as id`,
    );
    if (!row.id) return { ok: false, reason: "duplicate" };
    return { ok: true, passkey: { id: row.id, name }, firstMethod, firstPasskey };
  });
}

/** "Rename": the person's own passkey only, in one statement with its audit row. */
export async function renamePasskey(
  db: Queryable,
  userId: string,
  passkeyId: string,
  typed: string,
  context: RequestContext,
): Promise<{ ok: true; name: string } | { ok: false; reason: "bad_name" | "not_found" }> {
  const name = cleanPasskeyName(typed);
  if (!name) return { ok: false, reason: "bad_name" };
  const at = now();
  const [row] = await query<{ renamed: number | string }>(
    db,
    sql`${withParts({
      before: sql`select name from passkeys where id = ${passkeyId}::uuid and user_id = ${userId}::uuid`,
      renamed: sql`update passkeys set name = ${name} where id = ${passkeyId}::uuid and user_id = ${userId}::uuid returning id`,
      event: auditPart(
        {
          type: "passkey.renamed",
          actorId: userId,
          subjectId: userId,
          context,
          details: sql`json_build_object('passkeyId', ${passkeyId}::text, 'before', json_build_object('name', (select name from before)),
            'after', json_build_object('name', ${name}::text))`,
        },
        { at, onlyIf: "renamed" },
      ),
    })} select count(*) as renamed from renamed`,
  );
  return asNumber(row.renamed) === 1 ? { ok: true, name } : { ok: false, reason: "not_found" };
}

export type RemovePasskeyResult =
  { ok: true; name: string; lastPasskey: boolean; lastMethod: boolean } | { ok: false; reason: "not_found" };

/**
 * "Remove": the passkey goes; with the last one the method turns off, and with the last method the
 * backup codes go too. A 2FA change: other sessions end and trusted browsers are forgotten.
 */
export async function removePasskey(
  db: Database,
  userId: string,
  passkeyId: string,
  context: RequestContext,
): Promise<RemovePasskeyResult> {
  return db.transaction(async (tx): Promise<RemovePasskeyResult> => {
    await lockUserRow(tx, userId);
    const at = now();
    const [row] = await query<{ name: string | null; passkeys_left: number | string; methods_left: number | string }>(
      tx,
      sql`${withParts({
        removed: sql`delete from passkeys where id = ${passkeyId}::uuid and user_id = ${userId}::uuid returning id, name`,
        version: sql`update users set session_version = session_version + 1 where id = ${userId} and exists (select 1 from removed)`,
        browsers: sql`update trusted_browsers set revoked_at = ${timestamptz(at)}
          where user_id = ${userId} and revoked_at is null and exists (select 1 from removed)`,
        event: auditPart(
          {
            type: "passkey.removed",
            actorId: userId,
            subjectId: userId,
            context,
            details: sql`json_build_object('passkeyId', id, 'name', name)`,
          },
          { at, onlyIf: "removed" },
        ),
      })} select (select name from removed) as name,
        (select count(*) from passkeys where user_id = ${userId} and id <> ${passkeyId}::uuid) as passkeys_left,
        (select count(*) from two_factor_methods where user_id = ${userId} and kind <> 'passkey' and enabled_at is not null) as methods_left`,
    );
    if (row.name === null) return { ok: false, reason: "not_found" };
    const lastPasskey = asNumber(row.passkeys_left) === 0;
    const lastMethod = lastPasskey && asNumber(row.methods_left) === 0;
    if (lastPasskey) {
      await tx.execute(
        sql`${withParts({
          method: sql`delete from two_factor_methods where user_id = ${userId} and kind = 'passkey' returning id`,
          codes: lastMethod ? sql`delete from backup_codes where user_id = ${userId} returning id` : null,
          event: auditPart(
            { type: "two_factor.method_disabled", actorId: userId, subjectId: userId, context, details: { method: "passkey", lastMethod } },
            { at },
          ),
        })} select 1`,
      );
    }
    return { ok: true, name: row.name, lastPasskey, lastMethod };
  });
}

/** The person's passkeys for Profile > Two-Factor Authentication, newest first. */
export async function listPasskeys(db: Queryable, userId: string): Promise<PasskeySummary[]> {
  const rows = await query<{ id: string; name: string; created_at: string | Date; last_used_at: string | Date | null }>(
    db,
    sql`select id, name, created_at, last_used_at from passkeys where user_id = ${userId} order by created_at desc, id`,
  );
  return rows.map((row) => ({ id: row.id, name: row.name, createdAt: asDate(row.created_at), lastUsedAt: asDateOrNull(row.last_used_at) }));
}

/** The options of an assertion: for these credentials (a person known), or any discoverable one (passkey sign-in). */
export async function assertionOptions(
  rp: RelyingParty,
  challenge: string,
  credentials: { credentialId: string; transports: string[] }[] | null,
): Promise<PublicKeyCredentialRequestOptionsJSON> {
  return generateAuthenticationOptions({
    rpID: rp.id,
    challenge: isoBase64URL.toBuffer(challenge),
    timeout: TIMEOUT_MS,
    userVerification: "preferred",
    allowCredentials: credentials?.map((credential) => ({ id: credential.credentialId, transports: transportsOf(credential.transports) })),
  });
}

export type AssertionCheck =
  { ok: true; counter: number; userVerified: boolean; backedUp: boolean } | { ok: false; reason: "refused" | "counter_regressed" };

/**
 * Checks an assertion against a stored credential: the challenge (taken by the caller), this site's
 * origin and RP ID, user presence, and the signature. A signature counter that does not go up (when
 * the authenticator keeps one) is a cloned authenticator: refused, and told apart for the audit.
 */
export async function checkAssertion(
  rp: RelyingParty,
  credential: StoredCredential,
  response: AuthenticationResponseJSON,
  challenge: string,
): Promise<AssertionCheck> {
  if (response.id !== credential.credentialId) return { ok: false, reason: "refused" };
  let verified;
  try {
    verified = await verifyAuthenticationResponse({
      response,
      expectedChallenge: challenge,
      expectedOrigin: rp.origin,
      expectedRPID: rp.id,
      requireUserVerification: false,
      // The counter is judged below, after the signature: only a genuine assertion can be a clone's.
      credential: {
        id: credential.credentialId,
        publicKey: isoBase64URL.toBuffer(credential.publicKey),
        counter: 0,
        transports: transportsOf(credential.transports),
      },
    });
  } catch {
    return { ok: false, reason: "refused" };
  }
  if (!verified.verified) return { ok: false, reason: "refused" };
  const { newCounter, userVerified, credentialBackedUp } = verified.authenticationInfo;
  if ((newCounter > 0 || credential.counter > 0) && newCounter <= credential.counter) return { ok: false, reason: "counter_regressed" };
  return { ok: true, counter: newCounter, userVerified, backedUp: credentialBackedUp };
}

/** SQL: the credentials of the user `userId` (a column or a value) as JSON, for a statement that reads them with the rest. */
export function credentialsJson(userId: ReturnType<typeof sql>, except: ReturnType<typeof sql> = sql`null::uuid`) {
  return sql`coalesce((select json_agg(json_build_object('id', p.id, 'credentialId', p.credential_id, 'publicKey', p.public_key,
    'counter', p.counter, 'transports', p.transports, 'name', p.name) order by p.created_at)
    from passkeys p where p.user_id = ${userId} and p.id is distinct from ${except}), '[]'::json)`;
}

/** Stored credentials as read by credentialsJson (the counter may come back as text). */
export function readCredentials(rows: StoredCredential[] | null): StoredCredential[] {
  return (rows ?? []).map((row) => ({ ...row, counter: asNumber(row.counter) }));
}

/**
 * A statement part that records a passkey's use: the counter raised (only from the value the check
 * was made against, so two answers racing cannot both pass) and when it was last used; returns `id`.
 */
export function spendPasskey(credential: StoredCredential, check: { counter: number; backedUp: boolean }, at: Date) {
  return sql`update passkeys set counter = ${check.counter}, backed_up = ${check.backedUp}, last_used_at = ${timestamptz(at)}
    where id = ${credential.id}::uuid and counter = ${credential.counter} returning id`;
}
