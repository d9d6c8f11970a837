// Bad input at scale, below HTTP: fast-check throws generated strings at the redirect guard, the sealed
// cookies and the code-consuming domain functions, and checks that nothing opens and no row changes.
import fc from "fast-check";
import { eq, sql } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { getDb } from "@/db/client";
import { twoFactorMethods, users } from "@/db/schema";
import { rowsOf } from "@/db/sql";
import { seal, unseal } from "@/lib/auth/sealed-cookies";
import { now } from "@/lib/clock";
import { safeCallbackPath } from "@/lib/safe-redirect";
import { issueAdminBackupCode } from "@/lib/two-factor/admin-codes";
import { generateBackupCodes } from "@/lib/two-factor/backup-codes";
import { consumeEmailCode, issueEmailCode } from "@/lib/two-factor/email-codes";
import { type CodeInput } from "@/lib/two-factor/attempt";
import { verifySignInCode } from "../support/rules";
import { createTestUser, resetDatabase } from "../support/db";

const context = { ip: "203.0.113.9", userAgent: "fast-check" };

// Strings an attacker would try: any unicode, look-alike digits, NUL bytes, slashes and schemes.
const hostile = fc.oneof(
  fc.string({ unit: "binary", maxLength: 80 }),
  fc.string({ unit: fc.constantFrom(..."/\\.:@%#?\u0000\t\n ".split("")), maxLength: 20 }),
  fc
    .tuple(
      fc.constantFrom("/", "//", "/\\", "\\\\", "https:", "javascript:", "/%2F", "/./", "/a/..", "\u3000/", "%00"),
      fc.string({ maxLength: 30 }),
    )
    .map(([head, tail]) => head + tail),
  fc.string({
    unit: fc.constantFrom(..."0123456789\u0660\u0661\u06f1\uff11\u0967\u09e7-abcdefghjkmnpqrstuvwxyz ".split("")),
    maxLength: 14,
  }),
);

describe("open redirects (10,000 generated callback URLs)", () => {
  it("every callbackUrl resolves to a path on this site", () => {
    fc.assert(
      fc.property(hostile, (value) => {
        const path = safeCallbackPath(value);
        expect(path.startsWith("/")).toBe(true);
        expect(path.startsWith("//") || path.startsWith("/\\")).toBe(false);
        expect(new URL(path, "https://tessera.example").origin).toBe("https://tessera.example");
        expect(/[\u0000-\u001f\\]/.test(path)).toBe(false);
      }),
      { numRuns: 10_000 },
    );
  });
});

describe("forged sealed cookies (10,000 generated values)", () => {
  it("no generated cookie value unseals as a challenge or a trusted browser", async () => {
    await fc.assert(
      fc.asyncProperty(hostile, async (value) => {
        expect(await unseal("challenge", value, 600)).toBeNull();
        expect(await unseal("trusted-browser", value, 600)).toBeNull();
      }),
      { numRuns: 10_000 },
    );
  });

  it("a challenge cookie does not unseal as a trusted-browser cookie", async () => {
    const sealed = await seal("challenge", { challengeId: "c", userId: "u" }, 600);
    expect(await unseal("trusted-browser", sealed, 600)).toBeNull();
    expect(await unseal("challenge", sealed, 600)).toMatchObject({ challengeId: "c" });
  });
});

async function codeRows() {
  const db = await getDb();
  const result = await db.execute(sql`
    select (select count(*) from backup_codes where used_at is null)::int as backup,
           (select count(*) from admin_backup_codes where used_at is null)::int as admin,
           (select count(*) from email_codes where used_at is null)::int as email,
           (select count(*) from users where status = 'active')::int as active`);
  return rowsOf(result)[0] as Record<string, unknown>;
}

describe("refused codes change no row (3,000 generated codes, most well formed, on the database)", () => {
  let userId: string;
  let before: Record<string, unknown>;
  const real = new Set<string>();
  const bare = (code: string) => code.toLowerCase().replace(/[\s-]/g, "");

  beforeAll(async () => {
    await resetDatabase();
    const db = await getDb();
    const user = await createTestUser();
    const admin = await createTestUser({ role: "admin" });
    userId = user.id;
    // Email on, so that a 6-digit code is checked against the sign-in codes (without a method it is refused unread).
    await db.insert(twoFactorMethods).values({ userId, kind: "email", enabledAt: now() });
    for (const code of await generateBackupCodes(db, userId, context)) real.add(bare(code));
    real.add(bare((await issueAdminBackupCode(db, { userId, issuedBy: admin.id, context })).code));
    for (const purpose of ["sign_in", "setup"] as const) {
      const email = await issueEmailCode(db, userId, purpose);
      if (email.ok) real.add(email.code);
    }
    expect(real.size).toBe(13);
    before = await codeRows();
  });

  /** A sign-in code attempt, which must be looked at and refused; the count starts over, so that no wait or lock answers the next one unread. */
  async function signInAttempt(input: CodeInput) {
    const db = await getDb();
    const result = await verifySignInCode(db, userId, input, context);
    await db.update(users).set({ failedCodeAttempts: 0, codeRetryAfter: null }).where(eq(users.id, userId));
    return result;
  }
  const refused = { kind: "invalid", failures: 1 };

  // Two in three are well formed, so they reach the database; the thirteen real codes are left out.
  const codes = fc
    .oneof(hostile, fc.stringMatching(/^[0-9]{6}$/), fc.stringMatching(/^[a-z0-9]{5}-[a-z0-9]{5}$/))
    .filter((code) => !real.has(bare(code)));
  // Personal and admin-issued backup codes are checked by the same attempt: each run tries both kinds of row.
  const backupRefused = async (code: string) => {
    expect(await signInAttempt({ kind: "backup", code })).toEqual(refused);
  };
  for (const [name, refuses] of [
    ["personal backup code", backupRefused],
    ["admin-issued backup code", backupRefused],
    [
      "email code",
      async (code: string) => {
        expect(await signInAttempt({ kind: "code", code })).toEqual(refused);
        expect(await consumeEmailCode(await getDb(), userId, "setup", code)).toBe(false);
      },
    ],
  ] as const) {
    it(`a generated ${name} is refused and uses up nothing`, async () => {
      await fc.assert(fc.asyncProperty(codes, refuses), { numRuns: 1_000 });
      expect(await codeRows()).toEqual(before);
    });
  }
});
