import type { Metadata } from "next";
import { AppMethodCard } from "@/components/two-factor/app-method-card";
import { BackupCodesCard } from "@/components/two-factor/backup-codes-card";
import { describeBrowser } from "@/components/two-factor/browser-name";
import { EmailMethodCard } from "@/components/two-factor/email-method-card";
import { PasskeysCard } from "@/components/two-factor/passkeys-card";
import { PasswordCard } from "@/components/two-factor/password-card";
import { SessionsCard } from "@/components/two-factor/sessions-card";
import { TrustedBrowsersCard, type TrustedBrowserRow } from "@/components/two-factor/trusted-browsers-card";
import { Alert } from "@/components/ui/alert";
import { LocalTime } from "@/components/ui/local-time";
import { getDb } from "@/db/client";
import { readTrustedBrowserCookie } from "@/lib/auth/flow-cookies";
import { requireViewer } from "@/lib/auth/viewer";
import { appName } from "@/lib/env";
import { relyingParty } from "@/lib/passkeys/relying-party";
import { ownSecurity, type TrustedBrowser } from "@/lib/two-factor/own-security";
import { consolePage } from "@/lib/unavailable";

export const metadata: Metadata = { title: "Two-Factor Authentication" };

async function SecurityPage() {
  // The viewer brings the methods, the policy and the re-authentication window; one statement more
  // reads the backup codes, the passkeys, the trusted browsers and the live sessions.
  const { sessionId, user, methods, enabledAt, policy, mustEnroll, reauthenticated } = await requireViewer({ allowEnrollment: true });
  const { backupCodes: backup, trustedBrowsers, passkeys, sessions } = await ownSecurity(await getDb(), user.id);
  const passkeysUnavailable = !policy.allowPasskeyMethod
    ? "Your admin does not allow passkeys."
    : (await relyingParty()) === null
      ? "Passkeys are not available at this site address."
      : null;
  // The list of trusted browsers is shown only after "Confirm it's you".
  const browsers = reauthenticated ? await trustedBrowserRows(trustedBrowsers, user.id) : null;
  const name = appName();
  const lastMethod = methods.length === 1;

  return (
    <div className="flex flex-col gap-6">
      <header>
        <p className="text-xs font-medium tracking-wide text-slate-500 uppercase">Profile · User Setting</p>
        <h1 className="text-2xl font-semibold tracking-tight">Two-Factor Authentication</h1>
        <p className="mt-1 max-w-2xl text-sm text-slate-600">
          A second step at sign-in, so that a stolen password alone cannot open your account.
        </p>
      </header>
      {mustEnroll ? (
        <Alert tone="warning">
          {methods.length === 0
            ? `Your admin requires two-factor authentication. Set up ${policy.allowPasskeyMethod ? "a passkey, " : ""}the authenticator app${policy.allowEmailMethod ? " or email" : ""} to keep using the console.`
            : `Your admin no longer allows the method you have. Set up ${policy.allowPasskeyMethod ? "a passkey or " : ""}the authenticator app to keep using the console.`}
        </Alert>
      ) : methods.length === 0 ? (
        <Alert tone="warning">
          Two-factor authentication is off for your account. Set up a passkey or the authenticator app (or email) to protect it.
        </Alert>
      ) : null}
      <PasskeysCard
        passkeys={passkeys.map((passkey) => ({
          id: passkey.id,
          name: passkey.name,
          createdAt: <LocalTime at={passkey.createdAt} />,
          lastUsedAt: passkey.lastUsedAt ? <LocalTime at={passkey.lastUsedAt} /> : "never",
        }))}
        unavailable={passkeysUnavailable}
        account={user.email}
        appName={name}
      />
      <div className="grid gap-6 lg:grid-cols-2">
        <EmailMethodCard
          enabled={methods.includes("email")}
          email={user.email}
          allowed={policy.allowEmailMethod}
          since={enabledAt.email ? <LocalTime at={enabledAt.email} /> : null}
          lastMethod={lastMethod}
          appName={name}
        />
        <AppMethodCard
          enabled={methods.includes("app")}
          since={enabledAt.app ? <LocalTime at={enabledAt.app} /> : null}
          lastMethod={lastMethod}
          account={user.email}
          appName={name}
        />
      </div>
      <BackupCodesCard
        available={methods.length > 0}
        remaining={backup.remaining}
        total={backup.total}
        createdAt={backup.createdAt ? <LocalTime at={backup.createdAt} /> : null}
        account={user.email}
        appName={name}
      />
      <TrustedBrowsersCard browsers={browsers} everyLogin={policy.twoFactorMode === "every_login"} hasTwoFactor={methods.length > 0} />
      <SessionsCard
        sessions={sessions.map((session) => ({
          id: session.id,
          browser: describeBrowser(session.userAgent),
          userAgent: session.userAgent,
          ip: session.ip,
          signedInAt: <LocalTime at={session.createdAt} />,
          lastActiveAt: <LocalTime at={session.lastSeenAt} />,
          thisBrowser: session.id === sessionId,
        }))}
      />
      <PasswordCard account={user.email} changedAt={<LocalTime at={user.passwordChangedAt} />} />
    </div>
  );
}

/** Only what the table shows: no address, and the user agent reduced to a readable name. */
async function trustedBrowserRows(rows: TrustedBrowser[], userId: string): Promise<TrustedBrowserRow[]> {
  const cookie = await readTrustedBrowserCookie();
  return rows.map((row) => ({
    id: row.id,
    name: describeBrowser(row.userAgent),
    createdAt: <LocalTime at={row.createdAt} />,
    lastUsedAt: row.lastUsedAt ? <LocalTime at={row.lastUsedAt} /> : "Never",
    expiresAt: <LocalTime at={row.expiresAt} />,
    thisBrowser: cookie?.browserId === row.id && cookie.userId === userId,
  }));
}

// While the database cannot be reached: the 503 page, with "Try again" back to this one.
export default consolePage(SecurityPage);
