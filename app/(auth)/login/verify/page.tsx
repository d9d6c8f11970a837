import type { Metadata } from "next";
import Link from "next/link";
import { VerifyForm } from "@/components/auth/verify-form";
import { Alert } from "@/components/ui/alert";
import { getDb } from "@/db/client";
import type { MethodKind, User } from "@/db/schema";
import { readChallengeCookie } from "@/lib/auth/flow-cookies";
import { signInMethods } from "@/lib/auth/second-factor";
import { findLiveChallenge } from "@/lib/two-factor/challenge";
import { emailCodeCooldown } from "@/lib/two-factor/email-codes";
import { codeAttemptState } from "@/lib/two-factor/lockout";
import { getPolicy, skipDays, type Policy } from "@/lib/two-factor/policy";
import { SIGN_IN_UNAVAILABLE, unlessDatabaseIsDown } from "@/lib/unavailable";
import { findUserById } from "@/lib/users";

export const metadata: Metadata = { title: "Authentication code" };

function maskEmail(email: string): string {
  const [local, domain] = email.split("@");
  return `${local.slice(0, 1)}${"•".repeat(Math.max(1, Math.min(6, local.length - 1)))}@${domain}`;
}

type Loaded =
  | { kind: "gone" }
  | { kind: "unavailable" }
  | {
      kind: "live";
      user: User;
      methods: MethodKind[];
      policy: Policy;
      attempts: { locked: boolean; retryAt: Date | null };
      resendAt: Date | null;
    };

async function load(): Promise<Loaded> {
  const cookie = await readChallengeCookie();
  const db = await getDb();
  const challenge = cookie ? await findLiveChallenge(db, cookie.challengeId, cookie.userId) : null;
  const user = challenge ? await findUserById(db, challenge.userId) : null;
  if (!challenge || !user) return { kind: "gone" };
  const [methods, policy, attempts, cooldown] = await Promise.all([
    signInMethods(db, user.id),
    getPolicy(db),
    codeAttemptState(db, user.id),
    emailCodeCooldown(db, user.id),
  ]);
  return { kind: "live", user, methods, policy, attempts, resendAt: cooldown.retryAt };
}

export default async function VerifyPage() {
  const loaded = await unlessDatabaseIsDown(load, { kind: "unavailable" } as const);
  if (loaded.kind === "unavailable") {
    return (
      <>
        <h1 className="text-xl font-semibold tracking-tight">Input Authentication Code</h1>
        <div className="mt-4">
          <Alert>{SIGN_IN_UNAVAILABLE}</Alert>
        </div>
        {/* A plain link: it loads this page again, with the sign-in still pending. */}
        <a href="/login/verify" className="mt-6 inline-block text-sm font-medium text-brand-600 hover:underline">
          Try again
        </a>
      </>
    );
  }
  if (loaded.kind === "gone") {
    return (
      <>
        <h1 className="text-xl font-semibold tracking-tight">Input Authentication Code</h1>
        <p className="mt-3 text-sm text-slate-600">This sign-in has expired or was cancelled. Please sign in again.</p>
        <Link href="/login" className="mt-6 inline-block text-sm font-medium text-brand-600 hover:underline">
          Back to User Sign In
        </Link>
      </>
    );
  }
  const { user, methods, policy, attempts, resendAt } = loaded;
  return (
    <>
      <h1 className="text-xl font-semibold tracking-tight">Input Authentication Code</h1>
      <VerifyForm
        methods={methods}
        maskedEmail={maskEmail(user.email)}
        rememberDays={skipDays(policy)}
        retryAt={attempts.retryAt?.toISOString() ?? null}
        locked={attempts.locked}
        resendAt={resendAt?.toISOString() ?? null}
      />
    </>
  );
}
