import Link from "next/link";
import { getViewer } from "@/lib/auth/viewer";

// A section, not a main: inside the console the layout's <main> already holds it, and outside it the
// named section is the page's landmark.
const FRAME = "mx-auto flex min-h-[60vh] max-w-md flex-col items-center justify-center gap-3 p-8 text-center";

export default async function Forbidden() {
  // The viewer is already read by the request that was refused (React's cache), so this costs nothing.
  const viewer = await getViewer().catch(() => null);
  if (viewer?.mustSetUpTwoFactorFirst) {
    return (
      <section aria-labelledby="forbidden-title" className={FRAME}>
        <p className="text-sm font-semibold text-brand-600">403</p>
        <h1 id="forbidden-title" className="text-2xl font-semibold tracking-tight">
          Set up two-factor authentication first
        </h1>
        <p className="text-sm text-slate-600">
          Global Settings open once your account has a second factor, as every admin&apos;s does here:{" "}
          <Link href="/profile/security" className="font-medium text-brand-600 underline hover:no-underline">
            set up two-factor authentication
          </Link>
          .
        </p>
        <Link href="/" className="mt-2 text-sm font-medium text-brand-600 hover:underline">
          Back to the console
        </Link>
      </section>
    );
  }
  return (
    <section aria-labelledby="forbidden-title" className={FRAME}>
      <p className="text-sm font-semibold text-brand-600">403</p>
      <h1 id="forbidden-title" className="text-2xl font-semibold tracking-tight">
        You don&apos;t have access to this page
      </h1>
      <p className="text-sm text-slate-600">Only admins can open this page. Ask an admin if you need something changed.</p>
      <Link href="/" className="mt-2 text-sm font-medium text-brand-600 hover:underline">
        Back to the console
      </Link>
    </section>
  );
}
