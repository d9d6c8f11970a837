// The 5th wrong code, sent through the real sign-in code action with a stolen-or-not challenge cookie:
// the account locks, the challenge ends, and the owner gets the "account locked" email (ASVS 2.2.3).
import { beforeEach, describe, expect, it, vi } from "vitest";
import { getDb } from "@/db/client";
import { verifyCode } from "@/app/(auth)/login/verify/actions";
import { CHALLENGE_COOKIE } from "@/lib/auth/cookie-names";
import { seal } from "@/lib/auth/sealed-cookies";
import { advanceClock, freezeClock, now } from "@/lib/clock";
import { latestOutboxMessage } from "@/lib/email/outbox";
import { beginAppSetup, confirmAppSetup } from "@/lib/two-factor/app-method";
import { loadChallenge } from "@/lib/auth/sign-in-flow";
import { verifySignInCode } from "../support/rules";
import { totpCodeAt } from "@/lib/two-factor/totp";
import { codeAttemptState, createTestUser, resetDatabase } from "../support/db";
import { challengeFor } from "../support/sign-in";
import { CLIENT_ADDRESS, jar } from "../support/next-headers";

// The actions read cookies and headers from Next.js; here they come from a plain jar.
vi.mock("next/headers", () => import("../support/next-headers"));

// Finishing a sign-in goes through Auth.js, which needs a Next.js server; a lock never gets there.
vi.mock("@/lib/auth/finish-sign-in", () => ({ finishSignIn: vi.fn(async () => "unexpected sign-in") }));

const context = { ip: CLIENT_ADDRESS, userAgent: "vitest" };

describe("the account-locked email", () => {
  beforeEach(async () => {
    await resetDatabase();
    jar.clear();
    freezeClock(new Date("2030-03-01T08:00:05Z"));
  });

  it("goes to the owner when the 5th wrong code locks the account, and the challenge ends", async () => {
    const db = await getDb();
    const user = await createTestUser();
    const { secret } = await beginAppSetup(db, user);
    expect(await confirmAppSetup(db, user.id, totpCodeAt(secret, now()), context)).toMatchObject({ ok: true });
    const wrong = () => ("000000" === totpCodeAt(secret, now()) ? "111111" : "000000");
    for (let i = 0; i < 4; i += 1) {
      const state = await codeAttemptState(user.id);
      if (state.retryAt) advanceClock(state.retryAt.getTime() - now().getTime());
      expect((await verifySignInCode(db, user.id, { kind: "code", code: wrong() }, context)).kind).not.toBe("ok");
    }
    const { retryAt } = await codeAttemptState(user.id);
    advanceClock(retryAt!.getTime() - now().getTime() + 1000);
    const challenge = await challengeFor(user, context);
    jar.set(CHALLENGE_COOKIE, await seal("challenge", { ...challenge, callbackUrl: "/" }, 600));
    expect(await latestOutboxMessage(db, user.email)).toBeNull();

    const form = new FormData();
    form.set("kind", "code");
    form.set("code", wrong());
    expect(await verifyCode(null, form)).toMatchObject({ ok: false, locked: true });

    expect((await latestOutboxMessage(db, user.email))?.subject).toMatch(/locked/i);
    expect(await loadChallenge(db, challenge)).toBeNull();
  });
});
