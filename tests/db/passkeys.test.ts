// Passkeys, the domain (lib/passkeys/, lib/auth/passkey-sign-in.ts, the passkey branch of the attempt
// rules): adding, renaming and removing one; an assertion as the second factor, as the first factor
// (passkey sign-in) and for "Confirm it's you"; the resets that remove them; and what each step costs
// in statements. The answers come from a software authenticator (tests/support/soft-authenticator.ts)
// and, for the ceremonies as a browser really words them, from Chromium (tests/fixtures/webauthn/).
import { and, eq } from "drizzle-orm";
import { beforeEach, describe, expect, it } from "vitest";
import { getDb, statementCount } from "@/db/client";
import {
  auditEvents,
  backupCodes,
  passkeys,
  settings,
  signInChallenges,
  trustedBrowsers,
  twoFactorMethods,
  userSessions,
  users,
  webauthnChallenges,
  type MethodKind,
  type User,
  type WebAuthnPurpose,
} from "@/db/schema";
import { passkeySignInOptions, passkeySignInStep, secondFactorPasskeyOptions, stepUpPasskeyOptions } from "@/lib/auth/passkey-sign-in";
import { reauthenticateWithCode } from "@/lib/auth/reauthenticate";
import { afterFirstFactor, codeStep, loadChallenge, passwordStep, type ChallengeClaim } from "@/lib/auth/sign-in-flow";
import { policyRules } from "@/lib/two-factor/policy";
import { DAY, MINUTE, addMs, advanceClock, freezeClock, now } from "@/lib/clock";
import { LIVE_CHALLENGES_PER_BINDING, WEBAUTHN_CHALLENGE_MS } from "@/lib/passkeys/challenges";
import {
  MAX_PASSKEYS,
  addPasskey,
  readAssertion,
  readRegistration,
  registrationOptions,
  removePasskey,
  renamePasskey,
} from "@/lib/passkeys/passkeys";
import { relyingPartyOf, type RelyingParty } from "@/lib/passkeys/relying-party";
import type { RequestContext } from "@/lib/request";
import { beginAppSetup, confirmAppSetup } from "@/lib/two-factor/app-method";
import { generateBackupCodes } from "@/lib/two-factor/backup-codes";
import { resetTwoFactorByAdmin, turnOffMethod } from "@/lib/two-factor/methods";
import { totpCodeAt } from "@/lib/two-factor/totp";
import chromium from "../fixtures/webauthn/chromium.json";
import { TEST_PASSWORD, createTestUser, createUserSession, resetDatabase } from "../support/db";
import { challengeFor } from "../support/sign-in";
import {
  TEST_RP,
  UNKNOWN_AAGUID,
  assertionResponse,
  createCredential,
  registrationResponse,
  userHandleOf,
  type AssertionOptions,
  type Ceremony,
  type SoftCredential,
} from "../support/soft-authenticator";

const CHROME_ON_LINUX = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36";
const context: RequestContext = { ip: "198.51.100.23", userAgent: CHROME_ON_LINUX };
// Five seconds into a 30-second TOTP step: moving by whole minutes never lands on a step boundary.
const START = new Date("2030-03-01T08:00:05Z");
const YUBIKEY_5 = "cb69481e-8ff7-4039-93ec-0a2729a154a8";
// Another site's origin and RP ID: what a phishing page or a look-alike domain would get signed.
const EVIL_ORIGIN = "https://tessera.evil.test";
const EVIL_RP_ID = "evil.test";

type Person = { user: User; sessionId: string };

async function signedInPerson(): Promise<Person> {
  const user = await createTestUser();
  return { user, sessionId: await createUserSession(user.id, context) };
}

/** "Add a passkey" as the browser runs it: the options, the authenticator's answer, the check. */
async function register(person: Person, credential: SoftCredential, ceremony: Ceremony = {}) {
  const db = await getDb();
  const { user, sessionId } = person;
  const options = await registrationOptions(db, TEST_RP, { userId: user.id, sessionId, email: user.email, name: user.name });
  if ("refused" in options) throw new Error(`registration options refused: ${options.refused}`);
  return addPasskey(db, TEST_RP, { userId: user.id, sessionId }, registrationResponse(credential, options.challenge, ceremony), context);
}

/** A person with passkeys already added (through the product), and their credentials. */
async function personWithPasskeys(count: number): Promise<Person & { credentials: SoftCredential[]; passkeyIds: string[] }> {
  const who = await signedInPerson();
  const credentials: SoftCredential[] = [];
  const passkeyIds: string[] = [];
  for (let i = 0; i < count; i++) {
    const credential = createCredential(who.user.id);
    const added = await register(who, credential);
    if (!added.ok) throw new Error(`passkey refused: ${added.reason}`);
    credentials.push(credential);
    passkeyIds.push(added.passkey.id);
  }
  return { ...who, credentials, passkeyIds };
}

/** The authenticator app on, confirmed with a real code; the clock moves one step so that code is spent. */
async function enableApp(user: User): Promise<string> {
  const db = await getDb();
  const { secret } = await beginAppSetup(db, user);
  expect(await confirmAppSetup(db, user.id, totpCodeAt(secret, now()), context)).toMatchObject({ ok: true });
  advanceClock(30_000);
  return secret;
}

/** "Use a passkey" on the code page: the options for this sign-in, then the answer through the code step. */
async function answerSecondFactor(claim: ChallengeClaim, credential: SoftCredential, options: AssertionOptions = {}) {
  const db = await getDb();
  const asked = await secondFactorPasskeyOptions(db, TEST_RP, claim);
  if (!asked.ok) throw new Error(`second-factor options refused: ${asked.reason}`);
  return codeStep(db, claim, secondFactorInput(claim, assertionResponse(credential, asked.options.challenge, options)), context);
}

function secondFactorInput(claim: ChallengeClaim, response: ReturnType<typeof assertionResponse>, rp: RelyingParty = TEST_RP) {
  const binding = { purpose: "second_factor" as const, userId: claim.userId, signInChallengeId: claim.challengeId };
  return { kind: "passkey" as const, response, rp, binding, remember: false };
}

/** "Sign in with a passkey": the options this browser gets (the sealed cookie names `id`), and the answer. */
async function passkeySignIn(credential: SoftCredential, options: AssertionOptions = {}) {
  const db = await getDb();
  const started = await passkeySignInOptions(db, TEST_RP, context);
  if (!started.ok) throw new Error("passkey sign-in options refused");
  const response = assertionResponse(credential, started.options.challenge, options);
  return passkeySignInStep(db, TEST_RP, { id: started.id }, response, context);
}

/** A WebAuthn challenge stored as the product stores one, for an answer recorded with a fixed challenge. */
async function storeChallenge(
  purpose: WebAuthnPurpose,
  challenge: string,
  bound: { userId?: string; sessionId?: string; signInChallengeId?: string } = {},
): Promise<string> {
  const db = await getDb();
  const [row] = await db
    .insert(webauthnChallenges)
    .values({ purpose, challenge, ...bound, createdAt: now(), expiresAt: addMs(now(), WEBAUTHN_CHALLENGE_MS) })
    .returning({ id: webauthnChallenges.id });
  return row.id;
}

async function userRow(userId: string) {
  const [row] = await (await getDb()).select().from(users).where(eq(users.id, userId));
  return row;
}

async function passkeysOf(userId: string) {
  return (await getDb()).select().from(passkeys).where(eq(passkeys.userId, userId)).orderBy(passkeys.createdAt);
}

async function passkeyMethod(userId: string) {
  const db = await getDb();
  const where = and(eq(twoFactorMethods.userId, userId), eq(twoFactorMethods.kind, "passkey"));
  const [row] = await db.select().from(twoFactorMethods).where(where);
  return row ?? null;
}

async function events(type: string, subjectId?: string) {
  const rows = await (await getDb()).select().from(auditEvents).where(eq(auditEvents.type, type)).orderBy(auditEvents.id);
  return subjectId ? rows.filter((row) => row.subjectId === subjectId) : rows;
}

async function signInChallenge(challengeId: string) {
  const [row] = await (await getDb()).select().from(signInChallenges).where(eq(signInChallenges.id, challengeId));
  return row;
}

async function signInChallengesOf(userId: string) {
  return (await getDb()).select().from(signInChallenges).where(eq(signInChallenges.userId, userId));
}

async function sessionsOf(userId: string) {
  return (await getDb()).select().from(userSessions).where(eq(userSessions.userId, userId));
}

async function storedChallenges() {
  return (await getDb()).select().from(webauthnChallenges);
}

async function trustBrowser(userId: string) {
  const db = await getDb();
  const [row] = await db
    .insert(trustedBrowsers)
    .values({ userId, createdAt: now(), expiresAt: addMs(now(), 30 * DAY) })
    .returning();
  return row.id;
}

async function browserRevoked(browserId: string): Promise<boolean> {
  const [row] = await (await getDb()).select().from(trustedBrowsers).where(eq(trustedBrowsers.id, browserId));
  return row.revokedAt !== null;
}

beforeEach(async () => {
  await resetDatabase();
  freezeClock(START);
});

describe("adding a passkey", () => {
  it("the first passkey: stored, the method on, other sessions ended, trusted browsers forgotten, both events audited", async () => {
    const db = await getDb();
    const person = await signedInPerson();
    const { user, sessionId } = person;
    const browserId = await trustBrowser(user.id);
    const options = await registrationOptions(db, TEST_RP, { userId: user.id, sessionId, email: user.email, name: user.name });
    if ("refused" in options) throw new Error(options.refused);
    // The authenticator keeps the person's id as its user handle, and this site as its RP.
    expect(options).toMatchObject({
      rp: { id: TEST_RP.id },
      user: { id: userHandleOf(user.id), name: user.email },
      excludeCredentials: [],
    });

    const credential = createCredential(user.id);
    const added = await addPasskey(
      db,
      TEST_RP,
      { userId: user.id, sessionId },
      registrationResponse(credential, options.challenge),
      context,
    );
    expect(added).toEqual({
      ok: true,
      passkey: { id: expect.any(String), name: "Passkey on Chrome on Linux" },
      firstMethod: true,
      firstPasskey: true,
    });
    const [stored] = await passkeysOf(user.id);
    expect(stored).toMatchObject({
      credentialId: credential.id,
      counter: 0,
      transports: ["internal"],
      aaguid: UNKNOWN_AAGUID,
      backedUp: false,
    });
    expect((await passkeyMethod(user.id))?.enabledAt).toEqual(now());
    expect((await userRow(user.id)).sessionVersion).toBe(user.sessionVersion + 1);
    expect(await browserRevoked(browserId)).toBe(true);
    expect((await events("passkey.added")).map((event) => event.details)).toEqual([
      { passkeyId: stored.id, name: "Passkey on Chrome on Linux", aaguid: UNKNOWN_AAGUID, userVerified: true },
    ]);
    expect((await events("two_factor.method_enabled")).map((event) => event.details)).toEqual([{ method: "passkey" }]);
    // The challenge answered once: it is gone.
    expect(await storedChallenges()).toEqual([]);
  });

  it("a second passkey is named after its authenticator when the AAGUID is known, and enables nothing new", async () => {
    const db = await getDb();
    const person = await personWithPasskeys(1);
    const { user, sessionId } = person;
    const options = await registrationOptions(db, TEST_RP, { userId: user.id, sessionId, email: user.email, name: user.name });
    if ("refused" in options) throw new Error(options.refused);
    // The authenticator is told which credentials it already holds for this person.
    expect(options.excludeCredentials).toEqual([{ id: person.credentials[0].id, type: "public-key", transports: ["internal"] }]);

    const key = createCredential(user.id, { aaguid: YUBIKEY_5 });
    const added = await addPasskey(db, TEST_RP, { userId: user.id, sessionId }, registrationResponse(key, options.challenge), context);
    expect(added).toMatchObject({ ok: true, passkey: { name: "YubiKey 5 Series" }, firstMethod: false, firstPasskey: false });
    expect(await events("passkey.added")).toHaveLength(2);
    expect(await events("two_factor.method_enabled")).toHaveLength(1);
  });

  it("refuses an answer made on another origin, and audits it", async () => {
    const person = await signedInPerson();
    expect(await register(person, createCredential(person.user.id), { origin: EVIL_ORIGIN })).toEqual({ ok: false, reason: "refused" });
    expect(await passkeysOf(person.user.id)).toEqual([]);
    expect(await passkeyMethod(person.user.id)).toBeNull();
    expect((await userRow(person.user.id)).sessionVersion).toBe(person.user.sessionVersion);
    expect((await events("passkey.refused")).map((event) => event.details)).toEqual([{ step: "add" }]);
  });

  it("refuses an answer scoped to another RP ID", async () => {
    const person = await signedInPerson();
    expect(await register(person, createCredential(person.user.id), { rpId: EVIL_RP_ID })).toEqual({ ok: false, reason: "refused" });
    expect(await passkeysOf(person.user.id)).toEqual([]);
    expect(await events("passkey.refused")).toHaveLength(1);
  });

  it("the same answer twice: the second finds its challenge taken", async () => {
    const db = await getDb();
    const { user, sessionId } = await signedInPerson();
    const options = await registrationOptions(db, TEST_RP, { userId: user.id, sessionId, email: user.email, name: user.name });
    if ("refused" in options) throw new Error(options.refused);
    const response = registrationResponse(createCredential(user.id), options.challenge);
    expect(await addPasskey(db, TEST_RP, { userId: user.id, sessionId }, response, context)).toMatchObject({ ok: true });
    expect(await addPasskey(db, TEST_RP, { userId: user.id, sessionId }, response, context)).toEqual({ ok: false, reason: "expired" });
    expect(await passkeysOf(user.id)).toHaveLength(1);
    expect(await events("passkey.added")).toHaveLength(1);
  });

  it("refuses an answer once its challenge is five minutes old", async () => {
    const db = await getDb();
    const { user, sessionId } = await signedInPerson();
    const options = await registrationOptions(db, TEST_RP, { userId: user.id, sessionId, email: user.email, name: user.name });
    if ("refused" in options) throw new Error(options.refused);
    advanceClock(WEBAUTHN_CHALLENGE_MS);
    const response = registrationResponse(createCredential(user.id), options.challenge);
    expect(await addPasskey(db, TEST_RP, { userId: user.id, sessionId }, response, context)).toEqual({ ok: false, reason: "expired" });
    expect(await passkeysOf(user.id)).toEqual([]);
  });

  it("refuses a challenge that was issued to another session of the same person", async () => {
    const db = await getDb();
    const { user, sessionId } = await signedInPerson();
    const otherSession = await createUserSession(user.id, context);
    const options = await registrationOptions(db, TEST_RP, { userId: user.id, sessionId, email: user.email, name: user.name });
    if ("refused" in options) throw new Error(options.refused);
    const response = registrationResponse(createCredential(user.id), options.challenge);
    expect(await addPasskey(db, TEST_RP, { userId: user.id, sessionId: otherSession }, response, context)).toEqual({
      ok: false,
      reason: "expired",
    });
    expect(await passkeysOf(user.id)).toEqual([]);
    // Not taken by the wrong session: the session it was issued to may still answer it.
    expect(await addPasskey(db, TEST_RP, { userId: user.id, sessionId }, response, context)).toMatchObject({ ok: true });
  });

  it("refuses a credential already registered, to the same person or to another", async () => {
    const person = await personWithPasskeys(1);
    const [credential] = person.credentials;
    expect(await register(person, credential)).toEqual({ ok: false, reason: "duplicate" });
    const other = await signedInPerson();
    expect(await register(other, credential)).toEqual({ ok: false, reason: "duplicate" });
    expect(await passkeysOf(person.user.id)).toHaveLength(1);
    expect(await passkeysOf(other.user.id)).toEqual([]);
    expect(await passkeyMethod(other.user.id)).toBeNull();
    expect(await events("passkey.added")).toHaveLength(1);
  });

  it(`holds at most ${MAX_PASSKEYS}: no options past them, and an answer to options given earlier is refused`, async () => {
    const db = await getDb();
    const person = await personWithPasskeys(MAX_PASSKEYS - 1);
    const { user, sessionId } = person;
    const earlier = await registrationOptions(db, TEST_RP, { userId: user.id, sessionId, email: user.email, name: user.name });
    if ("refused" in earlier) throw new Error(earlier.refused);
    expect(await register(person, createCredential(user.id))).toMatchObject({ ok: true });

    expect(await registrationOptions(db, TEST_RP, { userId: user.id, sessionId, email: user.email, name: user.name })).toEqual({
      refused: "too_many",
    });
    const late = registrationResponse(createCredential(user.id), earlier.challenge);
    expect(await addPasskey(db, TEST_RP, { userId: user.id, sessionId }, late, context)).toEqual({ ok: false, reason: "too_many" });
    expect(await passkeysOf(user.id)).toHaveLength(MAX_PASSKEYS);
  });
});

describe("renaming and removing a passkey", () => {
  it("renames: blanks trimmed and collapsed, audited with the name before and after", async () => {
    const db = await getDb();
    const { user, passkeyIds } = await personWithPasskeys(1);
    expect(await renamePasskey(db, user.id, passkeyIds[0], "  Work \t  laptop ", context)).toEqual({ ok: true, name: "Work laptop" });
    expect((await passkeysOf(user.id))[0].name).toBe("Work laptop");
    expect((await events("passkey.renamed")).map((event) => ({ actorId: event.actorId, details: event.details }))).toEqual([
      {
        actorId: user.id,
        details: { passkeyId: passkeyIds[0], before: { name: "Passkey on Chrome on Linux" }, after: { name: "Work laptop" } },
      },
    ]);
  });

  it("a name is 1 to 64 characters", async () => {
    const db = await getDb();
    const { user, passkeyIds } = await personWithPasskeys(1);
    for (const typed of ["", "   ", "x".repeat(65)]) {
      expect(await renamePasskey(db, user.id, passkeyIds[0], typed, context)).toEqual({ ok: false, reason: "bad_name" });
    }
    expect(await renamePasskey(db, user.id, passkeyIds[0], "x".repeat(64), context)).toEqual({ ok: true, name: "x".repeat(64) });
    expect(await events("passkey.renamed")).toHaveLength(1);
  });

  it("nobody renames another person's passkey", async () => {
    const db = await getDb();
    const owner = await personWithPasskeys(1);
    const other = await signedInPerson();
    expect(await renamePasskey(db, other.user.id, owner.passkeyIds[0], "Mine now", context)).toEqual({ ok: false, reason: "not_found" });
    expect((await passkeysOf(owner.user.id))[0].name).toBe("Passkey on Chrome on Linux");
    expect(await events("passkey.renamed")).toEqual([]);
  });

  it("nobody removes another person's passkey", async () => {
    const db = await getDb();
    const owner = await personWithPasskeys(1);
    const other = await personWithPasskeys(1);
    const versions = async () => [(await userRow(owner.user.id)).sessionVersion, (await userRow(other.user.id)).sessionVersion];
    const before = await versions();
    expect(await removePasskey(db, other.user.id, owner.passkeyIds[0], context)).toEqual({ ok: false, reason: "not_found" });
    expect(await passkeysOf(owner.user.id)).toHaveLength(1);
    expect(await versions()).toEqual(before);
    expect(await events("passkey.removed")).toEqual([]);
  });

  it("removing one of two: the method stays on, other sessions end, trusted browsers are forgotten, audited", async () => {
    const db = await getDb();
    const { user, passkeyIds } = await personWithPasskeys(2);
    const version = (await userRow(user.id)).sessionVersion;
    const browserId = await trustBrowser(user.id);
    expect(await removePasskey(db, user.id, passkeyIds[0], context)).toEqual({
      ok: true,
      name: "Passkey on Chrome on Linux",
      lastPasskey: false,
      lastMethod: false,
    });
    expect((await passkeysOf(user.id)).map((row) => row.id)).toEqual([passkeyIds[1]]);
    expect((await passkeyMethod(user.id))?.enabledAt).not.toBeNull();
    expect((await userRow(user.id)).sessionVersion).toBe(version + 1);
    expect(await browserRevoked(browserId)).toBe(true);
    expect((await events("passkey.removed")).map((event) => event.details)).toEqual([
      { passkeyId: passkeyIds[0], name: "Passkey on Chrome on Linux" },
    ]);
    expect(await events("two_factor.method_disabled")).toEqual([]);
  });

  it("removing the last passkey turns the method off, and with no other method the backup codes go", async () => {
    const db = await getDb();
    const { user, passkeyIds } = await personWithPasskeys(1);
    await generateBackupCodes(db, user.id, context);
    expect(await removePasskey(db, user.id, passkeyIds[0], context)).toMatchObject({ ok: true, lastPasskey: true, lastMethod: true });
    expect(await passkeysOf(user.id)).toEqual([]);
    expect(await passkeyMethod(user.id)).toBeNull();
    expect(await db.select().from(backupCodes).where(eq(backupCodes.userId, user.id))).toEqual([]);
    expect((await events("two_factor.method_disabled")).map((event) => event.details)).toEqual([{ method: "passkey", lastMethod: true }]);
  });

  it("removing the last passkey while the app is on keeps the backup codes", async () => {
    const db = await getDb();
    const { user, passkeyIds } = await personWithPasskeys(1);
    await enableApp(user);
    await generateBackupCodes(db, user.id, context);
    expect(await removePasskey(db, user.id, passkeyIds[0], context)).toMatchObject({ ok: true, lastPasskey: true, lastMethod: false });
    expect(await passkeyMethod(user.id)).toBeNull();
    expect(await db.select().from(backupCodes).where(eq(backupCodes.userId, user.id))).toHaveLength(10);
    expect((await events("two_factor.method_disabled")).map((event) => event.details)).toEqual([{ method: "passkey", lastMethod: false }]);
  });
});

describe("a passkey as the second factor", () => {
  /** A person whose one method is a passkey, past the right password: the pending sign-in. */
  async function pendingSignIn() {
    const person = await personWithPasskeys(1);
    const step = await passwordStep(await getDb(), { account: person.user.username, password: TEST_PASSWORD }, context, null);
    expect(step).toMatchObject({ kind: "challenge", methods: ["passkey"] });
    if (step.kind !== "challenge") throw new Error(step.kind);
    return { ...person, claim: { challengeId: step.challengeId, userId: step.userId }, credential: person.credentials[0] };
  }

  it("a right assertion signs in: the challenge completed by 'passkey', the counter stored, the use audited", async () => {
    const { user, claim, credential, passkeyIds } = await pendingSignIn();
    expect(await answerSecondFactor(claim, credential, { counter: 7 })).toEqual({
      kind: "signed_in",
      userId: user.id,
      ticket: expect.any(String),
      mustEnroll: false,
      trustedBrowser: null,
    });
    expect(await signInChallenge(claim.challengeId)).toMatchObject({ method: "passkey", completedAt: now() });
    expect((await passkeysOf(user.id))[0]).toMatchObject({ counter: 7, lastUsedAt: now() });
    expect((await events("passkey.used")).map((event) => event.details)).toEqual([
      { passkeyId: passkeyIds[0], name: "Passkey on Chrome on Linux", userVerified: true, step: "second_factor" },
    ]);
    expect(await sessionsOf(user.id)).toHaveLength(2);
    expect((await userRow(user.id)).failedCodeAttempts).toBe(0);
  });

  it("an assertion made on another origin is refused and counted like a wrong code", async () => {
    const { user, claim, credential, passkeyIds } = await pendingSignIn();
    expect(await answerSecondFactor(claim, credential, { origin: EVIL_ORIGIN })).toEqual({ kind: "invalid" });
    expect((await userRow(user.id)).failedCodeAttempts).toBe(1);
    expect((await events("passkey.refused")).map((event) => event.details)).toEqual([
      { step: "second_factor", reason: "refused", passkeyId: passkeyIds[0] },
    ]);
    expect((await events("two_factor.code_failed")).map((event) => event.details)).toEqual([{ failures: 1, method: "passkey" }]);
    expect((await signInChallenge(claim.challengeId)).completedAt).toBeNull();
  });

  it("an assertion scoped to another RP ID is refused and counted", async () => {
    const { user, claim, credential } = await pendingSignIn();
    expect(await answerSecondFactor(claim, credential, { rpId: EVIL_RP_ID })).toEqual({ kind: "invalid" });
    expect((await userRow(user.id)).failedCodeAttempts).toBe(1);
    expect(await events("passkey.refused")).toHaveLength(1);
  });

  it("an answer that is right for another site (its origin and its RP ID) is refused here", async () => {
    const { user, claim, credential } = await pendingSignIn();
    const elsewhere = relyingPartyOf(EVIL_ORIGIN, "Evil");
    const answer = { origin: elsewhere.origin, rpId: elsewhere.id };
    expect(await answerSecondFactor(claim, credential, answer)).toEqual({ kind: "invalid" });
    expect((await userRow(user.id)).failedCodeAttempts).toBe(1);
  });

  it("an assertion replayed at a later sign-in finds its challenge gone: ask again, nothing counted", async () => {
    const db = await getDb();
    const { user, claim, credential } = await pendingSignIn();
    const asked = await secondFactorPasskeyOptions(db, TEST_RP, claim);
    if (!asked.ok) throw new Error(asked.reason);
    const captured = assertionResponse(credential, asked.options.challenge);
    expect(await codeStep(db, claim, secondFactorInput(claim, captured), context)).toMatchObject({ kind: "signed_in" });

    const later = await challengeFor(user, context);
    expect(await codeStep(db, later, secondFactorInput(later, captured), context)).toEqual({ kind: "retry" });
    expect((await userRow(user.id)).failedCodeAttempts).toBe(0);
    expect((await signInChallenge(later.challengeId)).completedAt).toBeNull();
  });

  it("a refused assertion spends its challenge: the same answer sent again is asked again, and counted once", async () => {
    const db = await getDb();
    const { user, claim, credential } = await pendingSignIn();
    const asked = await secondFactorPasskeyOptions(db, TEST_RP, claim);
    if (!asked.ok) throw new Error(asked.reason);
    const response = assertionResponse(credential, asked.options.challenge);
    const wrongSite = relyingPartyOf(EVIL_ORIGIN);
    expect(await codeStep(db, claim, secondFactorInput(claim, response, wrongSite), context)).toEqual({ kind: "invalid" });
    expect(await codeStep(db, claim, secondFactorInput(claim, response), context)).toEqual({ kind: "retry" });
    expect((await userRow(user.id)).failedCodeAttempts).toBe(1);
  });

  it("an assertion for a challenge five minutes old is asked again, nothing counted", async () => {
    const db = await getDb();
    const { user, claim, credential } = await pendingSignIn();
    const asked = await secondFactorPasskeyOptions(db, TEST_RP, claim);
    if (!asked.ok) throw new Error(asked.reason);
    advanceClock(WEBAUTHN_CHALLENGE_MS);
    const response = assertionResponse(credential, asked.options.challenge);
    expect(await codeStep(db, claim, secondFactorInput(claim, response), context)).toEqual({ kind: "retry" });
    expect((await userRow(user.id)).failedCodeAttempts).toBe(0);
    // The sign-in itself (10 minutes) is still live: a new ceremony passes.
    expect(await answerSecondFactor(claim, credential)).toMatchObject({ kind: "signed_in" });
  });

  it("a signature counter that goes back is a cloned authenticator: refused, counted, audited as such", async () => {
    const { user, claim, credential, passkeyIds } = await pendingSignIn();
    expect(await answerSecondFactor(claim, credential, { counter: 7 })).toMatchObject({ kind: "signed_in" });
    const again = await challengeFor(user, context);
    expect(await answerSecondFactor(again, credential, { counter: 3 })).toEqual({ kind: "invalid" });
    expect((await userRow(user.id)).failedCodeAttempts).toBe(1);
    expect((await passkeysOf(user.id))[0].counter).toBe(7);
    expect((await events("passkey.refused")).map((event) => event.details)).toEqual([
      { step: "second_factor", reason: "counter_regressed", passkeyId: passkeyIds[0] },
    ]);
    // The same value again is no rise either.
    const third = await challengeFor(user, context);
    expect(await answerSecondFactor(third, credential, { counter: 7 })).toEqual({ kind: "invalid" });
  });

  it("a synced passkey that keeps no counter (0 every time) answers every time; one that counted cannot drop to 0", async () => {
    const person = await signedInPerson();
    const synced = createCredential(person.user.id, { synced: true });
    expect(await register(person, synced)).toMatchObject({ ok: true });
    expect((await passkeysOf(person.user.id))[0].backedUp).toBe(true);
    for (let i = 0; i < 2; i++) {
      expect(await answerSecondFactor(await challengeFor(person.user, context), synced, { counter: 0 })).toMatchObject({
        kind: "signed_in",
      });
    }
    expect(await answerSecondFactor(await challengeFor(person.user, context), synced, { counter: 1 })).toMatchObject({ kind: "signed_in" });
    expect(await answerSecondFactor(await challengeFor(person.user, context), synced, { counter: 0 })).toEqual({ kind: "invalid" });
    expect((await events("passkey.refused")).map((event) => event.details.reason)).toEqual(["counter_regressed"]);
  });

  it("another person's passkey cannot answer, nor a key that signs under this person's credential id", async () => {
    const { user, claim, credential } = await pendingSignIn();
    const stranger = await personWithPasskeys(1);
    expect(await answerSecondFactor(claim, stranger.credentials[0])).toEqual({ kind: "invalid" });
    const forged = createCredential(user.id);
    expect(await answerSecondFactor(claim, forged, { claimId: credential.id })).toEqual({ kind: "invalid" });
    expect((await userRow(user.id)).failedCodeAttempts).toBe(2);
    expect((await events("passkey.refused", user.id)).map((event) => event.details.reason)).toEqual(["unknown_credential", "refused"]);
    expect((await signInChallenge(claim.challengeId)).completedAt).toBeNull();
  });

  /** `count` assertions made on another site, each after the wait the one before earned; their outcomes, and the last sign-in. */
  async function refusedAssertions(user: User, credential: SoftCredential, count: number, first?: ChallengeClaim) {
    const db = await getDb();
    const kinds = [];
    let claim = first ?? (await challengeFor(user, context));
    for (let i = 0; i < count; i++) {
      const retryAt = (await userRow(user.id)).codeRetryAfter;
      if (retryAt && retryAt > now()) advanceClock(retryAt.getTime() - now().getTime());
      // The waits outlast a sign-in's 10 minutes: the next assertion then comes with a new one.
      if (!(await loadChallenge(db, claim))) claim = await challengeFor(user, context);
      kinds.push((await answerSecondFactor(claim, credential, { origin: EVIL_ORIGIN })).kind);
    }
    return { kinds, claim };
  }

  it("five refused assertions lock the account as five wrong codes do", async () => {
    const { user, claim: first, credential } = await pendingSignIn();
    const { kinds, claim } = await refusedAssertions(user, credential, 5, first);
    expect(kinds).toEqual(["invalid", "invalid", "wait", "wait", "locked"]);
    expect(await userRow(user.id)).toMatchObject({ status: "locked", failedCodeAttempts: 5 });
    expect(await events("user.locked")).toHaveLength(1);
    expect(await events("passkey.refused")).toHaveLength(5);
    expect((await signInChallenge(claim.challengeId)).cancelledAt).toEqual(now());
  });

  it("during a wait no ceremony starts, and a right assertion is not looked at", async () => {
    const db = await getDb();
    const { user, claim, credential } = await pendingSignIn();
    const asked = await secondFactorPasskeyOptions(db, TEST_RP, claim);
    expect((await refusedAssertions(user, credential, 3, claim)).kinds).toEqual(["invalid", "invalid", "wait"]);
    const retryAt = addMs(now(), 5 * MINUTE);
    expect(await secondFactorPasskeyOptions(db, TEST_RP, claim)).toEqual({ ok: false, reason: "wait", retryAt });
    if (!asked.ok) throw new Error(asked.reason);
    const early = assertionResponse(credential, asked.options.challenge);
    expect(await codeStep(db, claim, secondFactorInput(claim, early), context)).toEqual({ kind: "wait", retryAt });
    expect((await userRow(user.id)).failedCodeAttempts).toBe(3);
    expect(await events("passkey.used")).toEqual([]);
  });

  it("a passkey the policy does not allow is not offered and does not answer, when the person has the app", async () => {
    const db = await getDb();
    const { user, credentials } = await personWithPasskeys(1);
    const [credential] = credentials;
    await enableApp(user);
    const claim = await challengeFor(user, context);
    const asked = await secondFactorPasskeyOptions(db, TEST_RP, claim);
    if (!asked.ok) throw new Error(asked.reason);
    await db.update(settings).set({ allowPasskeyMethod: false }).where(eq(settings.id, 1));

    expect((await loadChallenge(db, claim))?.methods).toEqual(["app"]);
    expect(await secondFactorPasskeyOptions(db, TEST_RP, claim)).toEqual({ ok: false, reason: "none" });
    const response = assertionResponse(credential, asked.options.challenge);
    expect(await codeStep(db, claim, secondFactorInput(claim, response), context)).toEqual({ kind: "invalid" });
    // Refused without looking, and without counting: no passkey answer could have been right.
    expect((await userRow(user.id)).failedCodeAttempts).toBe(0);
    expect(await events("passkey.used")).toEqual([]);
    expect((await signInChallenge(claim.challengeId)).completedAt).toBeNull();
    const fresh = await passwordStep(db, { account: user.username, password: TEST_PASSWORD }, context, null);
    expect(fresh).toMatchObject({ kind: "challenge", methods: ["app"] });
  });
});

describe("signing in with a passkey", () => {
  it("with user verification the passkey is both factors: signed in, the session proved by a second factor", async () => {
    const { user, credentials, passkeyIds } = await personWithPasskeys(1);
    const db = await getDb();
    const started = await passkeySignInOptions(db, TEST_RP, context);
    if (!started.ok) throw new Error("refused");
    // Any discoverable credential of this site: the browser offers the person's own.
    expect(started.options).toMatchObject({ rpId: TEST_RP.id, userVerification: "preferred" });
    expect(started.options.allowCredentials ?? []).toEqual([]);

    const response = assertionResponse(credentials[0], started.options.challenge, { userVerified: true });
    expect(await passkeySignInStep(db, TEST_RP, { id: started.id }, response, context)).toEqual({
      kind: "signed_in",
      via: "passkey",
      userId: user.id,
      ticket: expect.any(String),
      mustEnroll: false,
    });
    const pending = (await sessionsOf(user.id)).find((session) => session.activatedAt === null);
    expect(pending).toMatchObject({ reauthenticatedWith: "second_factor", ip: context.ip });
    expect((await passkeysOf(user.id))[0]).toMatchObject({ counter: 1, lastUsedAt: now() });
    expect((await events("passkey.used")).map((event) => event.details)).toEqual([
      { passkeyId: passkeyIds[0], name: "Passkey on Chrome on Linux", userVerified: true, step: "sign_in" },
    ]);
    expect(await signInChallengesOf(user.id)).toEqual([]);
  });

  it("without user verification it stands for the password: a challenge that names it, and it is no second factor", async () => {
    const db = await getDb();
    const { user, credentials, passkeyIds } = await personWithPasskeys(1);
    await enableApp(user);
    const result = await passkeySignIn(credentials[0], { userVerified: false });
    expect(result).toMatchObject({ kind: "challenge", userId: user.id, methods: ["app", "passkey"] });
    if (result.kind !== "challenge") throw new Error(result.kind);
    const claim = { challengeId: result.challengeId, userId: user.id };
    expect((await signInChallenge(claim.challengeId)).firstFactorPasskeyId).toBe(passkeyIds[0]);
    expect((await sessionsOf(user.id)).filter((session) => session.activatedAt === null)).toEqual([]);
    // That was the only passkey: the code page offers the app alone.
    expect((await loadChallenge(db, claim))?.methods).toEqual(["app"]);
    expect(await secondFactorPasskeyOptions(db, TEST_RP, claim)).toEqual({ ok: false, reason: "none" });
  });

  it("after a passkey without user verification a trusted browser skips nothing: a PIN-less key left in a stolen laptop is not enough", async () => {
    const db = await getDb();
    const { user, passkeyIds } = await personWithPasskeys(1);
    await enableApp(user);
    await db.update(settings).set({ twoFactorMode: "skip_allowed", skipDays: 30 });
    const browserId = await trustBrowser(user.id);
    const [row] = await db.select().from(users).where(eq(users.id, user.id));
    const person = {
      id: user.id,
      name: row.name,
      email: row.email,
      methods: ["app", "passkey"] as MethodKind[],
      policy: policyRules({
        two_factor_mode: "skip_allowed",
        skip_days: 30,
        require_enrollment: false,
        allow_email_method: true,
        allow_passkey_method: true,
        grace_until: null,
      }),
    };
    const trusted = { browserId, userId: user.id };
    const step = { context, trusted, at: now(), parts: {} };
    // The same browser after a password skips the code; after the passkey it is asked for one.
    expect(await afterFirstFactor(db, person, { ...step, firstFactorPasskeyId: null })).toMatchObject({
      kind: "signed_in",
      via: "trusted_browser",
    });
    expect(await afterFirstFactor(db, person, { ...step, firstFactorPasskeyId: passkeyIds[0] })).toMatchObject({ kind: "challenge" });
  });

  it("after a passkey without user verification only another passkey answers the second factor", async () => {
    const db = await getDb();
    const { user, credentials } = await personWithPasskeys(2);
    const [first, second] = credentials;
    const result = await passkeySignIn(first, { userVerified: false });
    if (result.kind !== "challenge") throw new Error(result.kind);
    const claim = { challengeId: result.challengeId, userId: user.id };
    expect((await loadChallenge(db, claim))?.methods).toEqual(["passkey"]);
    const asked = await secondFactorPasskeyOptions(db, TEST_RP, claim);
    if (!asked.ok) throw new Error(asked.reason);
    expect(asked.options.allowCredentials?.map((credential) => credential.id)).toEqual([second.id]);

    expect(await codeStep(db, claim, secondFactorInput(claim, assertionResponse(first, asked.options.challenge)), context)).toEqual({
      kind: "invalid",
    });
    expect((await userRow(user.id)).failedCodeAttempts).toBe(1);
    expect(await answerSecondFactor(claim, second)).toMatchObject({ kind: "signed_in" });
  });

  it("a locked or a disabled account answers as an unknown passkey does", async () => {
    const db = await getDb();
    const { user, credentials } = await personWithPasskeys(1);
    expect(await passkeySignIn(createCredential(user.id))).toEqual({ kind: "invalid" });
    for (const status of ["locked", "disabled"] as const) {
      await db.update(users).set({ status }).where(eq(users.id, user.id));
      expect(await passkeySignIn(credentials[0])).toEqual({ kind: "invalid" });
    }
    expect((await events("sign_in.failed")).map((event) => event.details.reason)).toEqual(["unknown_passkey", "disabled"]);
    // As at the password step, the admins see that a locked account's own passkey answered.
    expect((await events("sign_in.locked_account")).map((event) => event.details)).toEqual([{ via: "passkey" }]);
    expect(await sessionsOf(user.id)).toHaveLength(1);
    expect(await signInChallengesOf(user.id)).toEqual([]);
  });

  it("an unknown credential signs in no one, and its challenge is spent", async () => {
    const db = await getDb();
    const started = await passkeySignInOptions(db, TEST_RP, context);
    if (!started.ok) throw new Error("refused");
    const stranger = createCredential("00000000-0000-4000-8000-000000000000");
    const response = assertionResponse(stranger, started.options.challenge);
    expect(await passkeySignInStep(db, TEST_RP, { id: started.id }, response, context)).toEqual({ kind: "invalid" });
    expect((await events("sign_in.failed")).map((event) => ({ subjectId: event.subjectId, details: event.details }))).toEqual([
      { subjectId: null, details: { reason: "unknown_passkey" } },
    ]);
    expect(await storedChallenges()).toEqual([]);
  });

  it("an answer whose user handle is not the one its person was given is refused", async () => {
    const { credentials } = await personWithPasskeys(1);
    const other = await createTestUser();
    expect(await passkeySignIn(credentials[0], { userHandle: userHandleOf(other.id) })).toEqual({ kind: "invalid" });
    expect(await passkeySignIn(credentials[0], { userHandle: "c29tZW9uZQ" })).toEqual({ kind: "invalid" });
    // Passkey sign-in asks for a discoverable credential, which always sends its user handle: none is refused too.
    expect(await passkeySignIn(credentials[0], { userHandle: null })).toEqual({ kind: "invalid" });
    expect((await events("sign_in.failed")).map((event) => event.details.reason)).toEqual([
      "passkey_refused",
      "passkey_refused",
      "passkey_refused",
    ]);
    expect(await events("passkey.used")).toEqual([]);
  });

  it("an assertion made on another origin or for another RP ID is refused and audited", async () => {
    const { user, credentials } = await personWithPasskeys(1);
    expect(await passkeySignIn(credentials[0], { origin: EVIL_ORIGIN })).toEqual({ kind: "invalid" });
    expect(await passkeySignIn(credentials[0], { rpId: EVIL_RP_ID })).toEqual({ kind: "invalid" });
    expect((await events("passkey.refused", user.id)).map((event) => event.details)).toEqual([
      { step: "sign_in", reason: "refused", passkeyId: expect.any(String) },
      { step: "sign_in", reason: "refused", passkeyId: expect.any(String) },
    ]);
    expect(await sessionsOf(user.id)).toHaveLength(1);
  });

  it("a passkey the policy does not allow signs in no one", async () => {
    const db = await getDb();
    const { user, credentials } = await personWithPasskeys(1);
    await enableApp(user);
    await db.update(settings).set({ allowPasskeyMethod: false }).where(eq(settings.id, 1));
    expect(await passkeySignIn(credentials[0])).toEqual({ kind: "invalid" });
    expect((await events("sign_in.failed")).map((event) => event.details.reason)).toEqual(["passkey_not_allowed"]);
  });

  it("an answer to another browser's challenge is refused unread, and that browser's own answer still passes", async () => {
    const db = await getDb();
    const { user, credentials } = await personWithPasskeys(1);
    const mine = await passkeySignInOptions(db, TEST_RP, context);
    const theirs = await passkeySignInOptions(db, TEST_RP, context);
    if (!mine.ok || !theirs.ok) throw new Error("refused");
    const response = assertionResponse(credentials[0], theirs.options.challenge);
    expect(await passkeySignInStep(db, TEST_RP, { id: mine.id }, response, context)).toEqual({ kind: "expired" });
    expect(await events("passkey.used")).toEqual([]);
    expect(await passkeySignInStep(db, TEST_RP, { id: theirs.id }, response, context)).toMatchObject({
      kind: "signed_in",
      userId: user.id,
    });
  });

  it("the same answer twice: the second finds its challenge taken", async () => {
    const db = await getDb();
    const { credentials } = await personWithPasskeys(1);
    const started = await passkeySignInOptions(db, TEST_RP, context);
    if (!started.ok) throw new Error("refused");
    const response = assertionResponse(credentials[0], started.options.challenge);
    expect(await passkeySignInStep(db, TEST_RP, { id: started.id }, response, context)).toMatchObject({ kind: "signed_in" });
    expect(await passkeySignInStep(db, TEST_RP, { id: started.id }, response, context)).toEqual({ kind: "expired" });
  });

  it("an address gets 300 challenges in 15 minutes; another address is not held back, nor one with no address", async () => {
    const db = await getDb();
    for (let i = 0; i < 300; i++) expect(await passkeySignInOptions(db, TEST_RP, context)).toMatchObject({ ok: true });
    const windowEnd = new Date("2030-03-01T08:15:00Z");
    expect(await passkeySignInOptions(db, TEST_RP, context)).toEqual({ ok: false, retryAt: windowEnd });
    expect(await storedChallenges()).toHaveLength(300);
    // No shared bucket for requests without an address, which anyone could fill for everyone.
    expect(await passkeySignInOptions(db, TEST_RP, { ...context, ip: null })).toMatchObject({ ok: true });
    expect(await passkeySignInOptions(db, TEST_RP, { ...context, ip: "198.51.100.24" })).toMatchObject({ ok: true });
    advanceClock(windowEnd.getTime() - now().getTime());
    expect(await passkeySignInOptions(db, TEST_RP, context)).toMatchObject({ ok: true });
  });
});

describe("confirming it's you with a passkey", () => {
  it("opens this session's window as a second factor, audited", async () => {
    const db = await getDb();
    const { user, sessionId, credentials } = await personWithPasskeys(1);
    advanceClock(11 * MINUTE);
    const asked = await stepUpPasskeyOptions(db, TEST_RP, { userId: user.id, sessionId });
    if (!asked.ok) throw new Error(asked.reason);
    const input = {
      kind: "passkey" as const,
      response: assertionResponse(credentials[0], asked.options.challenge),
      rp: TEST_RP,
      binding: { purpose: "step_up" as const, userId: user.id, sessionId },
    };
    expect(await reauthenticateWithCode(db, { userId: user.id, sessionId }, input, context)).toEqual({ kind: "ok" });
    const [session] = await db.select().from(userSessions).where(eq(userSessions.id, sessionId));
    expect(session).toMatchObject({ reauthenticatedAt: now(), reauthenticatedWith: "second_factor" });
    expect((await events("reauth.succeeded")).map((event) => event.details)).toEqual([{ method: "passkey" }]);
    expect((await events("passkey.used")).map((event) => event.details.step)).toEqual(["step_up"]);
  });

  it("a challenge issued to another session does not confirm this one", async () => {
    const db = await getDb();
    const { user, sessionId, credentials } = await personWithPasskeys(1);
    const otherSession = await createUserSession(user.id, context);
    advanceClock(11 * MINUTE);
    const asked = await stepUpPasskeyOptions(db, TEST_RP, { userId: user.id, sessionId: otherSession });
    if (!asked.ok) throw new Error(asked.reason);
    const input = {
      kind: "passkey" as const,
      response: assertionResponse(credentials[0], asked.options.challenge),
      rp: TEST_RP,
      binding: { purpose: "step_up" as const, userId: user.id, sessionId },
    };
    expect(await reauthenticateWithCode(db, { userId: user.id, sessionId }, input, context)).toEqual({ kind: "retry" });
    const [session] = await db.select().from(userSessions).where(eq(userSessions.id, sessionId));
    expect(session.reauthenticatedAt).toEqual(addMs(now(), -11 * MINUTE));
  });
});

describe("the resets remove every passkey", () => {
  it("an admin's 2FA reset", async () => {
    const db = await getDb();
    const admin = await createTestUser({ role: "admin" });
    const { user, credentials } = await personWithPasskeys(2);
    await resetTwoFactorByAdmin(db, { userId: user.id, adminId: admin.id, context });
    expect(await passkeysOf(user.id)).toEqual([]);
    expect(await passkeyMethod(user.id)).toBeNull();
    expect((await events("two_factor.reset_by_admin"))[0].details).toEqual({ methods: ["passkey"] });
    expect(await passkeySignIn(credentials[1])).toEqual({ kind: "invalid" });
  });

  it("turning the passkey method off", async () => {
    const db = await getDb();
    const { user, credentials } = await personWithPasskeys(2);
    await enableApp(user);
    await generateBackupCodes(db, user.id, context);
    expect(await turnOffMethod(db, user.id, "passkey", context)).toEqual({ ok: true, lastMethod: false });
    expect(await passkeysOf(user.id)).toEqual([]);
    expect(await passkeyMethod(user.id)).toBeNull();
    expect(await db.select().from(backupCodes).where(eq(backupCodes.userId, user.id))).toHaveLength(10);
    expect(await passkeySignIn(credentials[0])).toEqual({ kind: "invalid" });
  });
});

describe("answers recorded in Chromium", () => {
  // Chromium's virtual authenticator made an Ed25519 credential for the fixed user id and origin
  // (localhost on the port the recording used); the soft authenticator above makes ES256 ones.
  const rp = relyingPartyOf(chromium.origin);
  const browser: RequestContext = { ip: context.ip, userAgent: chromium.userAgent };
  const registration = readRegistration(JSON.stringify(chromium.registration))!;
  const authentication = readAssertion(JSON.stringify(chromium.authentication))!;

  async function recordedPerson() {
    const user = await createTestUser({ id: chromium.userId });
    return { user, sessionId: await createUserSession(user.id, context) };
  }

  async function addRecorded(person: { user: User; sessionId: string }, site: RelyingParty = rp) {
    const { user, sessionId } = person;
    await storeChallenge("register", chromium.registrationChallenge, { userId: user.id, sessionId });
    return addPasskey(await getDb(), site, { userId: user.id, sessionId }, registration, browser);
  }

  async function signInRecorded(site: RelyingParty = rp) {
    const id = await storeChallenge("sign_in", chromium.authenticationChallenge);
    return passkeySignInStep(await getDb(), site, { id }, authentication, browser);
  }

  it("the browser's JSON passes the product's reading of an answer", () => {
    expect(registration).toMatchObject({ id: chromium.registration.id, type: "public-key" });
    expect(authentication).toMatchObject({ id: chromium.registration.id, response: { userHandle: userHandleOf(chromium.userId) } });
  });

  it("its registration is added for its origin and RP ID", async () => {
    const person = await recordedPerson();
    expect(await addRecorded(person)).toMatchObject({ ok: true, passkey: { name: "Passkey on Chrome on Linux" }, firstPasskey: true });
    expect((await passkeysOf(person.user.id))[0]).toMatchObject({ credentialId: chromium.registration.id, counter: 1 });
  });

  it("its registration is refused for another origin, and for another RP ID", async () => {
    const person = await recordedPerson();
    expect(await addRecorded(person, relyingPartyOf("http://localhost:1"))).toEqual({ ok: false, reason: "refused" });
    expect(await addRecorded(person, { ...rp, id: "example.com" })).toEqual({ ok: false, reason: "refused" });
    expect(await passkeysOf(person.user.id)).toEqual([]);
  });

  it("its registration sent twice: the second finds its challenge taken", async () => {
    const db = await getDb();
    const person = await recordedPerson();
    expect(await addRecorded(person)).toMatchObject({ ok: true });
    const again = await addPasskey(db, rp, { userId: person.user.id, sessionId: person.sessionId }, registration, browser);
    expect(again).toEqual({ ok: false, reason: "expired" });
  });

  it("its assertion signs in with the passkey it registered, user verified", async () => {
    const person = await recordedPerson();
    await addRecorded(person);
    expect(await signInRecorded()).toMatchObject({ kind: "signed_in", via: "passkey", userId: person.user.id });
    expect((await passkeysOf(person.user.id))[0].counter).toBe(2);
  });

  it("its assertion is refused for another origin and for another RP ID, and when replayed", async () => {
    const db = await getDb();
    const person = await recordedPerson();
    await addRecorded(person);
    expect(await signInRecorded(relyingPartyOf("http://localhost:1"))).toEqual({ kind: "invalid" });
    expect(await signInRecorded({ ...rp, id: "example.com" })).toEqual({ kind: "invalid" });

    const id = await storeChallenge("sign_in", chromium.authenticationChallenge);
    expect(await passkeySignInStep(db, rp, { id }, authentication, browser)).toMatchObject({ kind: "signed_in" });
    expect(await passkeySignInStep(db, rp, { id }, authentication, browser)).toEqual({ kind: "expired" });
    // Even were its challenge handed out again, the counter it carries has been used.
    expect(await signInRecorded()).toEqual({ kind: "invalid" });
    expect((await events("passkey.refused")).map((event) => event.details.reason)).toEqual(["refused", "refused", "counter_regressed"]);
  });
});

describe("the challenges one session or one sign-in may hold", () => {
  it("ten live at once, then none until some expire: prompts opened and closed cannot flood the table", async () => {
    const db = await getDb();
    const { user, sessionId } = await personWithPasskeys(1);
    const session = { userId: user.id, sessionId };
    for (let i = 0; i < LIVE_CHALLENGES_PER_BINDING; i++)
      expect(await stepUpPasskeyOptions(db, TEST_RP, session)).toMatchObject({ ok: true });
    expect(await stepUpPasskeyOptions(db, TEST_RP, session)).toEqual({ ok: false, reason: "busy" });

    const claim = await challengeFor(user, context);
    for (let i = 0; i < LIVE_CHALLENGES_PER_BINDING; i++)
      expect(await secondFactorPasskeyOptions(db, TEST_RP, claim)).toMatchObject({ ok: true });
    expect(await secondFactorPasskeyOptions(db, TEST_RP, claim)).toEqual({ ok: false, reason: "busy" });

    advanceClock(WEBAUTHN_CHALLENGE_MS);
    expect(await stepUpPasskeyOptions(db, TEST_RP, session)).toMatchObject({ ok: true });
    expect(await secondFactorPasskeyOptions(db, TEST_RP, claim)).toMatchObject({ ok: true });
  });
});

describe("statement budgets of the passkey steps", () => {
  /** The statements `run` sends, BEGIN and COMMIT included (db/client.ts: statementCount). */
  async function statements(run: () => Promise<unknown>): Promise<number> {
    const before = statementCount();
    await run();
    return statementCount() - before;
  }

  it("passkey sign-in: the options in one statement, the answer with user verification in two", async () => {
    const db = await getDb();
    const { credentials } = await personWithPasskeys(1);
    let started: Awaited<ReturnType<typeof passkeySignInOptions>> | undefined;
    expect(await statements(async () => (started = await passkeySignInOptions(db, TEST_RP, context)))).toBe(1);
    if (!started?.ok) throw new Error("refused");
    const { id, options } = started;
    const response = assertionResponse(credentials[0], options.challenge);
    let result: Awaited<ReturnType<typeof passkeySignInStep>> | undefined;
    expect(await statements(async () => (result = await passkeySignInStep(db, TEST_RP, { id }, response, context)))).toBe(2);
    expect(result).toMatchObject({ kind: "signed_in", via: "passkey" });
  });

  it("adding a passkey and confirming it's you: the options in one statement each", async () => {
    const db = await getDb();
    const { user, sessionId } = await personWithPasskeys(1);
    const person = { userId: user.id, sessionId, email: user.email, name: user.name };
    expect(await statements(() => registrationOptions(db, TEST_RP, person))).toBe(1);
    expect(await statements(() => stepUpPasskeyOptions(db, TEST_RP, { userId: user.id, sessionId }))).toBe(1);
  });

  it("the second factor: the options in one statement, an assertion costs what a code costs", async () => {
    const db = await getDb();
    const { user, credentials } = await personWithPasskeys(1);
    const secret = await enableApp(user);

    const byCode = await challengeFor(user, context);
    const codeCost = await statements(() =>
      codeStep(db, byCode, { kind: "code", code: totpCodeAt(secret, now()), remember: false }, context),
    );

    const byPasskey = await challengeFor(user, context);
    let asked: Awaited<ReturnType<typeof secondFactorPasskeyOptions>> | undefined;
    expect(await statements(async () => (asked = await secondFactorPasskeyOptions(db, TEST_RP, byPasskey)))).toBe(1);
    if (!asked?.ok) throw new Error("refused");
    const input = secondFactorInput(byPasskey, assertionResponse(credentials[0], asked.options.challenge));
    const passkeyCost = await statements(() => codeStep(db, byPasskey, input, context));

    expect(await signInChallenge(byCode.challengeId)).toMatchObject({ method: "app" });
    expect(await signInChallenge(byPasskey.challengeId)).toMatchObject({ method: "passkey" });
    // BEGIN, the user's row locked, the read, the write, COMMIT: the same for either answer.
    expect({ codeCost, passkeyCost }).toEqual({ codeCost: 5, passkeyCost: 5 });
  });
});
