import type { Metadata } from "next";
import { redirect } from "next/navigation";
import { LoginForm } from "@/components/auth/login-form";
import { signInWithPassword } from "./actions";
import { getViewer } from "@/lib/auth/viewer";
import { relyingParty } from "@/lib/passkeys/relying-party";
import { safeCallbackPath } from "@/lib/safe-redirect";

export const metadata: Metadata = { title: "Sign in" };

export default async function LoginPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const params = await searchParams;
  const callbackUrl = safeCallbackPath(params.callbackUrl);
  if (await getViewer()) redirect(callbackUrl);
  const notice = params.reason === "locked" ? "Your account has been locked. Ask an admin to unlock it." : undefined;
  return (
    <>
      <h1 className="text-xl font-semibold tracking-tight">User Sign In</h1>
      <p className="mt-1 mb-6 text-sm text-slate-600">Sign in with your username or email.</p>
      <LoginForm action={signInWithPassword} callbackUrl={callbackUrl} notice={notice} passkeys={(await relyingParty()) !== null} />
    </>
  );
}
