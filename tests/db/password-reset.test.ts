import { beforeEach, describe, expect, it } from "vitest";
import { and, eq } from "drizzle-orm";
import { getDb } from "@/db/client";
import { auditEvents, passkeys, passwordDelays, signInChallenges, trustedBrowsers, twoFactorMethods, users } from "@/db/schema";
import { resetPasswordFromCommandLine } from "@/lib/auth/password-reset";
import { passwordStep } from "@/lib/auth/sign-in-flow";
import { now } from "@/lib/clock";
import { TEST_PASSWORD, createTestUser, createUserSession, resetDatabase } from "../support/db";
import { challengeFor, viewerOf } from "../support/sign-in";

const context = { ip: "198.51.100.30", userAgent: "vitest" };
const COMMAND_LINE = { ip: null, userAgent: "npm run admin:reset-password" };

describe("admin:reset-password", () => {
  beforeEach(resetDatabase);

  it("sets a new random password that signs in, and the old one no longer does", async () => {
    const db = await getDb();
    const user = await createTestUser();
    const { password } = await resetPasswordFromCommandLine(db, user.id, COMMAND_LINE);
    expect(password).toMatch(/^[A-Za-z0-9_-]{24}$/);
    expect((await resetPasswordFromCommandLine(db, user.id, COMMAND_LINE)).password).not.toBe(password);
    const { password: latest } = await resetPasswordFromCommandLine(db, user.id, COMMAND_LINE);
    expect((await passwordStep(db, { account: user.email, password: TEST_PASSWORD }, context, null)).kind).toBe("invalid");
    expect((await passwordStep(db, { account: user.email, password: latest }, context, null)).kind).toBe("signed_in");
  });

  it("ends every session, trusted browser and waiting sign-in, clears the account's delays, and is audited", async () => {
    const db = await getDb();
    const user = await createTestUser();
    const sessionId = await createUserSession(user.id, context);
    await db.insert(trustedBrowsers).values({ userId: user.id, createdAt: now(), expiresAt: new Date(now().getTime() + 86_400_000) });
    await db.insert(twoFactorMethods).values({ userId: user.id, kind: "app", enabledAt: now(), secretEncrypted: "sealed" });
    const pending = await challengeFor(user, context);
    await db.insert(passwordDelays).values([
      { key: `user:${user.id}`, failures: 6, lastFailedAt: now(), retryAt: now() },
      { key: `device:${user.id}:0b7e9b52-8a0e-4f53-9d6b-7c2f1c1f3a10`, failures: 4, lastFailedAt: now(), retryAt: now() },
    ]);
    await db.insert(passkeys).values({ userId: user.id, credentialId: "cred-1", publicKey: "key", name: "Work laptop", createdAt: now() });

    const { password, passkeys: left } = await resetPasswordFromCommandLine(db, user.id, COMMAND_LINE);
    // The passkeys still sign in: whoever ran the command is told which.
    expect(left).toEqual(["Work laptop"]);

    expect(await viewerOf(sessionId, user)).toBeNull();
    const [row] = await db.select().from(users).where(eq(users.id, user.id));
    expect(row.sessionVersion).toBe(user.sessionVersion + 1);
    expect((await db.select().from(trustedBrowsers).where(eq(trustedBrowsers.userId, user.id))).every((b) => b.revokedAt)).toBe(true);
    const [challenge] = await db.select().from(signInChallenges).where(eq(signInChallenges.id, pending.challengeId));
    expect(challenge.cancelledAt).not.toBeNull();
    expect(
      await db
        .select()
        .from(passwordDelays)
        .where(eq(passwordDelays.key, `user:${user.id}`)),
    ).toEqual([]);
    const events = await db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.subjectId, user.id), eq(auditEvents.type, "password.reset")));
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ actorId: null, userAgent: "npm run admin:reset-password", details: { by: "command_line" } });
    // The new password appears nowhere but in what the command prints.
    expect(JSON.stringify(await db.select().from(auditEvents))).not.toContain(password);
  });
});
