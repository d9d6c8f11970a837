import { EnrollmentBanner } from "@/components/console/enrollment-banner";
import { Sidebar } from "@/components/console/sidebar";
import { ReauthProvider } from "@/components/two-factor/reauth";
import { requireViewer } from "@/lib/auth/viewer";
import { now } from "@/lib/clock";
import { relyingParty } from "@/lib/passkeys/relying-party";
import { orUnavailablePage } from "@/lib/unavailable";

export default async function ConsoleLayout({ children }: { children: React.ReactNode }) {
  // The shell itself stays open during required enrolment; each page decides for itself.
  // While the database cannot be reached: the 503 page, with "Try again" back to this one.
  const { user, codeMethods, mustEnroll, enrollmentDeadline } = await orUnavailablePage(() => requireViewer({ allowEnrollment: true }));
  // Without a relying party (production without AUTH_URL) "Confirm it's you" offers no passkey.
  const stepUpMethods = (await relyingParty()) ? codeMethods : codeMethods.filter((method) => method !== "passkey");
  return (
    <div className="flex min-h-screen flex-col md:flex-row">
      <Sidebar user={{ name: user.name, email: user.email, role: user.role }} mustEnroll={mustEnroll} />
      {/* min-w-0: a wide table scrolls inside its card instead of widening the page. */}
      <main id="content" className="min-w-0 flex-1 px-4 py-6 md:px-10 md:py-10">
        {/* "Confirm it's you" for every page's sensitive changes: the profile's and the admin's rescues alike. */}
        <ReauthProvider methods={stepUpMethods}>
          <div className="mx-auto max-w-5xl">
            {/* Inside the grace period of required 2FA: the deadline, on every page. */}
            {enrollmentDeadline ? <EnrollmentBanner deadline={enrollmentDeadline} at={now()} /> : null}
            {children}
          </div>
        </ReauthProvider>
      </main>
    </div>
  );
}
