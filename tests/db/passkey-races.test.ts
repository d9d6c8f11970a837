// Two answers of one authenticator at once, at passkey sign-in: each answers a challenge of its own, so
// only the signature counter tells them apart. Both are read and checked before either is written (a
// gate holds each check until the other's is done, which real timing allows but rarely shows), so the
// write that raises the counter from the value both were checked against decides: one passes.
import { eq } from "drizzle-orm";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { getDb } from "@/db/client";
import { userSessions } from "@/db/schema";
import { passkeySignInOptions, passkeySignInStep } from "@/lib/auth/passkey-sign-in";
import { freezeClock, now } from "@/lib/clock";
import { addPasskey, registrationOptions } from "@/lib/passkeys/passkeys";
import type * as Passkeys from "@/lib/passkeys/passkeys";
import { beginAppSetup, confirmAppSetup } from "@/lib/two-factor/app-method";
import { totpCodeAt } from "@/lib/two-factor/totp";
import { createTestUser, createUserSession, resetDatabase } from "../support/db";
import { TEST_RP, assertionResponse, createCredential, registrationResponse } from "../support/soft-authenticator";

const gate = vi.hoisted(() => {
  let expected = 0;
  let arrived = 0;
  let open: () => void = () => {};
  let opened = Promise.resolve();
  return {
    /** The next `count` checks wait for one another. */
    hold(count: number) {
      expected = count;
      arrived = 0;
      opened = new Promise((resolve) => (open = resolve));
    },
    async pass() {
      if (expected === 0) return;
      if (++arrived === expected) {
        expected = 0;
        open();
      }
      await opened;
    },
  };
});

vi.mock("@/lib/passkeys/passkeys", async (importOriginal) => {
  const original = await importOriginal<typeof Passkeys>();
  return {
    ...original,
    checkAssertion: async (...args: Parameters<typeof original.checkAssertion>) => {
      const result = await original.checkAssertion(...args);
      await gate.pass();
      return result;
    },
  };
});

const context = { ip: "198.51.100.31", userAgent: "vitest" };

/** A person with one passkey and the app (so a passkey without user verification leads to a code). */
async function personWithPasskey() {
  const db = await getDb();
  const user = await createTestUser();
  const sessionId = await createUserSession(user.id, context);
  const { secret } = await beginAppSetup(db, user);
  expect(await confirmAppSetup(db, user.id, totpCodeAt(secret, now()), context)).toMatchObject({ ok: true });
  const credential = createCredential(user.id);
  const options = await registrationOptions(db, TEST_RP, { userId: user.id, sessionId, email: user.email, name: user.name });
  if ("refused" in options) throw new Error(options.refused);
  const added = await addPasskey(db, TEST_RP, { userId: user.id, sessionId }, registrationResponse(credential, options.challenge), context);
  if (!added.ok) throw new Error(added.reason);
  return { user, credential };
}

/** Two sign-in ceremonies answered by the same authenticator (counters 1 and 2), sent at once. */
async function twoAnswersAtOnce(userVerified: boolean) {
  const db = await getDb();
  const { user, credential } = await personWithPasskey();
  const ceremonies = [];
  for (let i = 0; i < 2; i++) {
    const started = await passkeySignInOptions(db, TEST_RP, context);
    if (!started.ok) throw new Error("refused");
    ceremonies.push({ id: started.id, response: assertionResponse(credential, started.options.challenge, { userVerified }) });
  }
  gate.hold(2);
  const results = await Promise.all(ceremonies.map(({ id, response }) => passkeySignInStep(db, TEST_RP, { id }, response, context)));
  return { user, kinds: results.map((result) => result.kind).sort() };
}

describe("two answers of one authenticator at once", () => {
  beforeEach(async () => {
    await resetDatabase();
    freezeClock(new Date("2030-03-01T08:00:05Z"));
  });

  it("with user verification: one signs in, the other is refused", async () => {
    const { user, kinds } = await twoAnswersAtOnce(true);
    expect(kinds).toEqual(["invalid", "signed_in"]);
    const pending = (await (await getDb()).select().from(userSessions).where(eq(userSessions.userId, user.id))).filter(
      (session) => session.activatedAt === null,
    );
    expect(pending).toHaveLength(1);
  });

  // Found by this test: the counter was raised in the statement that wrote the challenge, which wrote it
  // whether or not the counter moved, so both answers passed. The counter is now raised first.
  it("without user verification: one passes the first factor, the other is refused", async () => {
    const { kinds } = await twoAnswersAtOnce(false);
    expect(kinds).toEqual(["challenge", "invalid"]);
  });
});
