// Finding 5 of the adversarial review (SECURITY.md 6): the lock ends the account's sessions, so an
// admin's unlock later cannot bring back one a guesser may be holding.
import { eq } from "drizzle-orm";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { getDb } from "@/db/client";
import { users, type User } from "@/db/schema";
import { reauthenticate } from "@/app/(console)/profile/security/actions";
import { advanceClock, freezeClock, now } from "@/lib/clock";
import { beginAppSetup, confirmAppSetup } from "@/lib/two-factor/app-method";
import { LOCK_AFTER_FAILURES, WAIT_MS, unlockAccount } from "@/lib/two-factor/lockout";
import { totpCodeAt } from "@/lib/two-factor/totp";
import { createTestUser, createUserSession, resetDatabase } from "../support/db";
import { holdSessionCookie } from "../support/session-cookie";
import { jar } from "../support/next-headers";
import { viewerOf } from "../support/sign-in";
import { form } from "../support/form";

vi.mock("next/headers", async () => (await import("../support/session-cookie")).nextHeadersWithJar());
vi.mock("next/cache", () => ({ revalidatePath: () => {} }));

const context = { ip: "203.0.113.20", userAgent: "vitest" };

beforeEach(async () => {
  await resetDatabase();
  jar.clear();
  freezeClock(new Date("2030-07-01T08:00:05Z"));
});

describe("finding 5: locking an account ends its sessions", () => {
  it("wrong codes that lock the account end every session, and the unlock does not revive them", async () => {
    const db = await getDb();
    const created = await createTestUser();
    const { secret } = await beginAppSetup(db, created);
    await confirmAppSetup(db, created.id, totpCodeAt(secret, now()), context);
    const [user] = (await db.select().from(users).where(eq(users.id, created.id))) as User[];
    const held = await createUserSession(user.id, context);
    const other = await createUserSession(user.id, context);
    await holdSessionCookie(user, held);

    const wrong = String((Number(totpCodeAt(secret, now())) + 500_000) % 1_000_000).padStart(6, "0");
    for (let i = 0; i < LOCK_AFTER_FAILURES; i++) {
      await reauthenticate(form({ method: "code", code: wrong }));
      advanceClock(WAIT_MS);
    }
    const [locked] = await db.select().from(users).where(eq(users.id, user.id));
    expect(locked.status).toBe("locked");
    expect(await viewerOf(held, user)).toBeNull();
    expect(await viewerOf(other, user)).toBeNull();

    expect(await unlockAccount(db, user.id, null, context)).toBe(true);
    expect(await viewerOf(held, user)).toBeNull();
    expect(await viewerOf(other, user)).toBeNull();
    // Nor at the version the lock left: the rows themselves are ended.
    expect(await viewerOf(held, locked)).toBeNull();
  });
});
