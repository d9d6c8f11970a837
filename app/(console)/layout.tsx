import { Sidebar } from "@/components/console/sidebar";
import { ReauthProvider } from "@/components/two-factor/reauth";
import { requireViewer } from "@/lib/auth/viewer";
import { relyingParty } from "@/lib/passkeys/relying-party";

export default async function ConsoleLayout({ children }: { children: React.ReactNode }) {
  // The shell itself stays open during required enrolment; each page decides for itself.
  const { user, codeMethods, mustEnroll } = await requireViewer({ allowEnrollment: true });
  // Without a relying party (production without AUTH_URL) "Confirm it's you" offers no passkey.
  const stepUpMethods = (await relyingParty()) ? codeMethods : codeMethods.filter((method) => method !== "passkey");
  return (
    <div className="flex min-h-screen flex-col md:flex-row">
      <Sidebar user={{ name: user.name, email: user.email, role: user.role }} mustEnroll={mustEnroll} />
      {/* min-w-0: a wide table scrolls inside its card instead of widening the page. */}
      <main id="content" className="min-w-0 flex-1 px-4 py-6 md:px-10 md:py-10">
        {/* "Confirm it's you" for every page's sensitive changes: the profile's and the admin's rescues alike. */}
        <ReauthProvider methods={stepUpMethods}>
          <div className="mx-auto max-w-5xl">{children}</div>
        </ReauthProvider>
      </main>
    </div>
  );
}
