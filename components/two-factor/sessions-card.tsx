// "Where you're signed in": every live session of the person, this browser marked, each other one with
// "Sign out", and "Sign out everywhere else" (after "Confirm it's you").
"use client";

import { useState } from "react";
import { endOtherOwnSessions, endOwnSession } from "@/app/(console)/profile/security/actions";
import { Alert } from "@/components/ui/alert";
import { SubmitButton } from "@/components/ui/button";
import { SettingsCard } from "./settings-card";
import { useSecurityAction } from "./use-security-action";

export type SessionRow = {
  id: string;
  /** "Chrome 131 on macOS", read from the user agent, with the raw string on hover. */
  browser: string;
  userAgent: string | null;
  ip: string | null;
  signedInAt: React.ReactNode;
  lastActiveAt: React.ReactNode;
  thisBrowser: boolean;
};

export function SessionsCard({ sessions }: { sessions: SessionRow[] }) {
  const [notice, setNotice] = useState<string | null>(null);
  const endOne = useSecurityAction(endOwnSession, {
    onDone: () => setNotice("That session was signed out. Its next page asks it to sign in again."),
  });
  const endOthers = useSecurityAction(() => endOtherOwnSessions(), {
    onDone: (result) =>
      setNotice(
        result.count === 0
          ? "You were not signed in anywhere else."
          : `Signed out everywhere else (${result.count === 1 ? "1 session" : `${result.count} sessions`}).`,
      ),
  });
  const failure = endOne.failure ?? endOthers.failure;
  const others = sessions.filter((session) => !session.thisBrowser).length;

  return (
    <SettingsCard
      title="Where you're signed in"
      description={
        <p>
          Every browser signed in to your account now. Sign out any you do not recognise, then change your password. &ldquo;Last
          active&rdquo; is kept to the nearest five minutes.
        </p>
      }
    >
      {notice ? <Alert tone="success">{notice}</Alert> : null}
      {failure ? <Alert>{failure.error}</Alert> : null}
      {/* Focusable, so a keyboard can scroll the table on a narrow screen. */}
      <div tabIndex={0} role="group" aria-label="Sessions" className="scroll-cue relative -mx-5 overflow-x-auto sm:-mx-6">
        <table className="min-w-full divide-y divide-slate-200 text-sm">
          <caption className="sr-only">Where you&apos;re signed in</caption>
          <thead className="text-left text-xs font-medium tracking-wide text-slate-500 uppercase">
            <tr>
              <th scope="col" className="px-5 py-2 sm:px-6">
                Browser
              </th>
              <th scope="col" className="px-3 py-2">
                IP address
              </th>
              <th scope="col" className="px-3 py-2">
                Signed in
              </th>
              <th scope="col" className="px-3 py-2">
                Last active
              </th>
              <th scope="col" className="px-5 py-2 sm:px-6">
                <span className="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody className="divide-y divide-slate-100">
            {sessions.map((session) => (
              <tr key={session.id}>
                <td className="px-5 py-3 whitespace-nowrap sm:px-6">
                  <span className="font-medium text-slate-900" title={session.userAgent ?? undefined}>
                    {session.browser}
                  </span>
                  {session.thisBrowser ? (
                    <span className="ml-2 rounded-full bg-brand-50 px-2 py-0.5 text-xs font-medium text-brand-700">This browser</span>
                  ) : null}
                </td>
                <td className="px-3 py-3 whitespace-nowrap text-slate-600 tabular-nums">{session.ip ?? "Unknown"}</td>
                <td className="px-3 py-3 whitespace-nowrap text-slate-600">{session.signedInAt}</td>
                <td className="px-3 py-3 whitespace-nowrap text-slate-600">{session.thisBrowser ? "Now" : session.lastActiveAt}</td>
                <td className="px-5 py-2 text-right sm:px-6">
                  {session.thisBrowser ? null : (
                    <form action={endOne.run} onSubmit={() => setNotice(null)}>
                      <input type="hidden" name="sessionId" value={session.id} />
                      <SubmitButton variant="ghost" className="px-3 py-1.5 text-red-700" pendingLabel="Signing out…">
                        Sign out
                      </SubmitButton>
                    </form>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {others > 0 ? (
        <form action={endOthers.run} onSubmit={() => setNotice(null)} className="flex justify-end">
          <SubmitButton variant="secondary" pendingLabel="Signing out…">
            Sign out everywhere else
          </SubmitButton>
        </form>
      ) : (
        <p className="text-sm text-slate-600">You are signed in on this browser only.</p>
      )}
    </SettingsCard>
  );
}
