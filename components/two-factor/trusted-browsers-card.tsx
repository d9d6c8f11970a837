// Trusted browsers ("Don't ask again"): shown only after a recent re-authentication, each revocable.
"use client";

import { useState } from "react";
import { revokeAllBrowsers, revokeBrowser } from "@/app/(console)/profile/security/actions";
import { Alert } from "@/components/ui/alert";
import { Button, SubmitButton } from "@/components/ui/button";
import { useReauth } from "./reauth";
import { SettingsCard } from "./settings-card";
import { useSecurityAction } from "./use-security-action";

export type TrustedBrowserRow = {
  id: string;
  name: string;
  createdAt: React.ReactNode;
  lastUsedAt: React.ReactNode;
  expiresAt: React.ReactNode;
  thisBrowser: boolean;
};

type Props = {
  /** Null until the user has re-authenticated in the last 10 minutes. */
  browsers: TrustedBrowserRow[] | null;
  everyLogin: boolean;
  hasTwoFactor: boolean;
};

export function TrustedBrowsersCard({ browsers, everyLogin, hasTwoFactor }: Props) {
  const confirmIdentity = useReauth();
  const [notice, setNotice] = useState<string | null>(null);
  const revokeOne = useSecurityAction(revokeBrowser, {
    onDone: () => setNotice("The browser was revoked. It will ask for a code at its next sign-in."),
  });
  const revokeAll = useSecurityAction(() => revokeAllBrowsers(), {
    onDone: (result) =>
      setNotice(
        result.count === 0 ? "No browser was trusted." : "Every trusted browser was revoked. Each will ask for a code at its next sign-in.",
      ),
  });
  const failure = revokeOne.failure ?? revokeAll.failure;

  return (
    <SettingsCard
      title="Trusted browsers"
      description={
        <p>
          Browsers where you chose &ldquo;Don&apos;t ask again&rdquo; at sign-in skip the code until they expire. Revoke any you do not
          recognise or no longer use.
        </p>
      }
    >
      {browsers === null ? (
        <div className="flex flex-col items-start gap-3 rounded-lg border border-dashed border-slate-300 px-4 py-4">
          <p className="text-sm text-slate-600">For your safety, this list is shown after you confirm it&apos;s you.</p>
          <Button variant="secondary" onClick={() => confirmIdentity(async () => {})}>
            Confirm it&apos;s you to see trusted browsers
          </Button>
        </div>
      ) : (
        <>
          {notice ? <Alert tone="success">{notice}</Alert> : null}
          {failure ? <Alert>{failure.error}</Alert> : null}
          {browsers.length === 0 ? (
            <p className="rounded-lg border border-dashed border-slate-300 px-4 py-3 text-sm text-slate-500">
              {!hasTwoFactor
                ? "No browser is trusted. Browsers can skip the code only once two-factor authentication is on."
                : everyLogin
                  ? "No browser is trusted: the 2FA policy asks for a code at every sign-in."
                  : "No browser is trusted. When you tick “Don't ask again” at sign-in, that browser appears here."}
            </p>
          ) : (
            <>
              <div className="scroll-cue relative -mx-5 overflow-x-auto sm:-mx-6">
                <table className="min-w-full divide-y divide-slate-200 text-sm">
                  <caption className="sr-only">Trusted browsers</caption>
                  <thead className="text-left text-xs font-medium tracking-wide text-slate-500 uppercase">
                    <tr>
                      <th scope="col" className="px-5 py-2 sm:px-6">
                        Browser
                      </th>
                      <th scope="col" className="px-3 py-2">
                        Added
                      </th>
                      <th scope="col" className="px-3 py-2">
                        Last used
                      </th>
                      <th scope="col" className="px-3 py-2">
                        Expires
                      </th>
                      <th scope="col" className="px-5 py-2 sm:px-6">
                        <span className="sr-only">Actions</span>
                      </th>
                    </tr>
                  </thead>
                  <tbody className="divide-y divide-slate-100">
                    {browsers.map((browser) => (
                      <tr key={browser.id}>
                        <td className="px-5 py-3 whitespace-nowrap sm:px-6">
                          <span className="font-medium text-slate-900">{browser.name}</span>
                          {browser.thisBrowser ? (
                            <span className="ml-2 rounded-full bg-brand-50 px-2 py-0.5 text-xs font-medium text-brand-700">
                              This browser
                            </span>
                          ) : null}
                        </td>
                        <td className="px-3 py-3 whitespace-nowrap text-slate-600">{browser.createdAt}</td>
                        <td className="px-3 py-3 whitespace-nowrap text-slate-600">{browser.lastUsedAt}</td>
                        <td className="px-3 py-3 whitespace-nowrap text-slate-600">{browser.expiresAt}</td>
                        <td className="px-5 py-2 text-right sm:px-6">
                          <form action={revokeOne.run} onSubmit={() => setNotice(null)}>
                            <input type="hidden" name="browserId" value={browser.id} />
                            <SubmitButton variant="ghost" className="px-3 py-1.5 text-red-700" pendingLabel="Revoking…">
                              Revoke
                            </SubmitButton>
                          </form>
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
              <form action={revokeAll.run} onSubmit={() => setNotice(null)} className="flex justify-end">
                <SubmitButton variant="secondary" pendingLabel="Revoking…">
                  Revoke all
                </SubmitButton>
              </form>
            </>
          )}
        </>
      )}
    </SettingsCard>
  );
}
