import type { Metadata } from "next";
import Link from "next/link";
import { VerifyForm } from "@/components/auth/verify-form";
import { Alert } from "@/components/ui/alert";
import { getDb } from "@/db/client";
import { readChallengeCookie } from "@/lib/auth/flow-cookies";
import { loadChallenge, resendAt, type PendingSignIn } from "@/lib/auth/sign-in-flow";
import { relyingParty } from "@/lib/passkeys/relying-party";
import { skipDays } from "@/lib/two-factor/policy";
import { SIGN_IN_UNAVAILABLE, unlessDatabaseIsDown } from "@/lib/unavailable";

export const metadata: Metadata = { title: "Authentication code" };

function maskEmail(email: string): string {
  const [local, domain] = email.split("@");
  return `${local.slice(0, 1)}${"•".repeat(Math.max(1, Math.min(6, local.length - 1)))}@${domain}`;
}

type Loaded = { kind: "gone" } | { kind: "unavailable" } | { kind: "live"; pending: PendingSignIn };

async function load(): Promise<Loaded> {
  const claim = await readChallengeCookie();
  const pending = claim ? await loadChallenge(await getDb(), claim) : null;
  return pending ? { kind: "live", pending } : { kind: "gone" };
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
  const { pending } = loaded;
  // Without a relying party (production without AUTH_URL) no passkey can answer: none is offered.
  const methods = (await relyingParty()) ? pending.methods : pending.methods.filter((method) => method !== "passkey");
  return (
    <>
      <h1 className="text-xl font-semibold tracking-tight">Input Authentication Code</h1>
      <VerifyForm
        methods={methods}
        maskedEmail={maskEmail(pending.email)}
        rememberDays={skipDays(pending.policy)}
        retryAt={pending.attempts.retryAt?.toISOString() ?? null}
        locked={pending.attempts.locked}
        resendAt={resendAt(pending)?.toISOString() ?? null}
      />
    </>
  );
}
