// Email authentication: set up or reset with a code mailed to the user's own address, or turn it off.
"use client";

import { useState } from "react";
import {
  confirmEmailMethod,
  startEmailSetup,
  turnOffTwoFactorMethod,
  type EmailSetupStarted,
} from "@/app/(console)/profile/security/actions";
import { Alert } from "@/components/ui/alert";
import { SubmitButton } from "@/components/ui/button";
import { Dialog } from "@/components/ui/dialog";
import { BackupCodesDialog } from "./backup-codes-dialog";
import { CodeForm } from "./code-form";
import { MethodActions, SettingsCard, StatusBadge } from "./settings-card";
import { TurnOffDialog } from "./turn-off-dialog";
import { useSecondsUntil } from "./use-seconds-until";
import { useSecurityAction } from "./use-security-action";

type Props = {
  enabled: boolean;
  email: string;
  /** The admin's policy may allow only the authenticator app. */
  allowed: boolean;
  lastMethod: boolean;
  appName: string;
  /** When it was turned on, as the page formats times; null while off. */
  since?: React.ReactNode | null;
};

export function EmailMethodCard({ enabled, email, allowed, lastMethod, appName, since = null }: Props) {
  const [dialog, setDialog] = useState<"code" | "turn-off" | null>(null);
  const [sent, setSent] = useState<EmailSetupStarted | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [backupCodes, setBackupCodes] = useState<string[] | null>(null);
  const resendSeconds = useSecondsUntil(sent?.resendAt);

  const start = useSecurityAction(() => startEmailSetup(), {
    onDone: (result) => {
      const resent = dialog === "code" && !result.notice && !result.warning;
      setSent(resent ? { ...result, notice: "We sent a new code." } : result);
      setDialog("code");
    },
    onReauth: () => setDialog(null),
  });
  const confirm = useSecurityAction(confirmEmailMethod, {
    onDone: (result) => {
      setDialog(null);
      setSent(null);
      setNotice(result.notice);
      if (result.backupCodes) setBackupCodes(result.backupCodes);
    },
  });
  const turnOff = useSecurityAction(turnOffTwoFactorMethod, {
    onDone: (result) => {
      setDialog(null);
      setNotice(result.notice);
    },
    onReauth: () => setDialog(null),
  });

  const cardFailure = dialog === null ? (start.failure ?? turnOff.failure) : null;

  function beginChange() {
    setNotice(null);
    start.clearFailure();
    turnOff.clearFailure();
    confirm.clearFailure();
  }

  return (
    <>
      <SettingsCard
        title="Email authentication"
        badge={<StatusBadge on={enabled} />}
        description={
          enabled ? (
            <>
              <p>
                Sign-in codes go to <span className="font-medium text-slate-800">{email}</span>.
              </p>
              {since ? <p className="mt-1 text-xs text-slate-600">On since {since}</p> : null}
            </>
          ) : (
            <>
              <p>
                Get a 6-digit code at <span className="font-medium text-slate-800">{email}</span> each time you sign in.
              </p>
              <p className="mt-1 text-xs text-slate-500">Less secure than an app: anyone who can read your email can get the codes.</p>
            </>
          )
        }
      >
        {!allowed ? (
          <Alert tone="info">
            Your admin allows only the authenticator app as a second step
            {enabled ? ", so email cannot be reset. Set up the app, then turn this off." : "."}
          </Alert>
        ) : null}
        {notice ? <Alert tone="success">{notice}</Alert> : null}
        {cardFailure ? <Alert>{cardFailure.error}</Alert> : null}
        <MethodActions
          enabled={enabled}
          start={allowed ? start.run : null}
          pendingLabel="Sending code…"
          onBegin={beginChange}
          onTurnOff={() => setDialog("turn-off")}
        />
      </SettingsCard>

      <Dialog
        open={dialog === "code"}
        onClose={() => setDialog(null)}
        title="Enter the Authentication Code"
        description={`We sent a 6-digit code to ${sent?.sentTo ?? email}. It is valid for 10 minutes.`}
      >
        <div className="flex flex-col gap-4">
          {sent?.notice ? <Alert tone="info">{sent.notice}</Alert> : null}
          {sent?.warning ? <Alert tone="warning">{sent.warning}</Alert> : null}
          {start.failure ? <Alert>{start.failure.error}</Alert> : null}
          <CodeForm onVerify={confirm.run} error={confirm.failure?.error} />
          <form action={start.run} className="flex flex-wrap items-center justify-between gap-2 border-t border-slate-100 pt-3">
            <p className="text-xs text-slate-500">No email? Check your spam folder, or ask for a new code.</p>
            <SubmitButton variant="ghost" className="px-2" disabled={resendSeconds > 0} pendingLabel="Sending…" aria-label="Resend">
              {resendSeconds > 0 ? `Resend (${resendSeconds}s)` : "Resend"}
            </SubmitButton>
          </form>
        </div>
      </Dialog>

      <TurnOffDialog
        method="email"
        open={dialog === "turn-off"}
        lastMethod={lastMethod}
        error={turnOff.failure?.error}
        onConfirm={turnOff.run}
        onClose={() => setDialog(null)}
      />
      <BackupCodesDialog codes={backupCodes} account={email} appName={appName} onClose={() => setBackupCodes(null)} />
    </>
  );
}
