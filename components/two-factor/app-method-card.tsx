// Authenticator app authentication: link an app with a QR code (or the key typed in), prove it with
// one code, reset it to a new phone, or turn it off. The secret lives only in this dialog's state.
"use client";

import { QRCodeSVG } from "qrcode.react";
import { useState } from "react";
import {
  cancelAppMethodSetup,
  confirmAppMethod,
  startAppSetup,
  turnOffTwoFactorMethod,
  type AppSetupStarted,
} from "@/app/(console)/profile/security/actions";
import { Alert } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { Dialog } from "@/components/ui/dialog";
import { BackupCodesDialog, CopyIcon } from "./backup-codes-dialog";
import { CodeForm } from "./code-form";
import { MethodActions, SettingsCard, StatusBadge } from "./settings-card";
import { TurnOffDialog } from "./turn-off-dialog";
import { useSecurityAction } from "./use-security-action";

type Props = { enabled: boolean; since: React.ReactNode | null; lastMethod: boolean; account: string; appName: string };

export function AppMethodCard({ enabled, since, lastMethod, account, appName }: Props) {
  const [dialog, setDialog] = useState<"setup" | "turn-off" | null>(null);
  const [setup, setSetup] = useState<AppSetupStarted | null>(null);
  const [step, setStep] = useState<"link" | "code">("link");
  const [notice, setNotice] = useState<string | null>(null);
  const [backupCodes, setBackupCodes] = useState<string[] | null>(null);

  const start = useSecurityAction(() => startAppSetup(), {
    onDone: (result) => {
      setSetup(result);
      setStep("link");
      setDialog("setup");
    },
  });
  const confirm = useSecurityAction(confirmAppMethod, {
    onDone: (result) => {
      setSetup(null);
      setDialog(null);
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

  function beginChange() {
    setNotice(null);
    start.clearFailure();
    turnOff.clearFailure();
    confirm.clearFailure();
  }

  /** Leaving without a verified code forgets the new secret, here and on the server. */
  function abandonSetup() {
    setDialog(null);
    setSetup(null);
    void cancelAppMethodSetup().catch(() => {});
  }

  const cardFailure = dialog === null ? (start.failure ?? turnOff.failure) : null;

  return (
    <>
      <SettingsCard
        title="Authenticator app authentication"
        badge={<StatusBadge on={enabled} />}
        description={
          enabled ? (
            <>
              <p>Sign-in codes come from the authenticator app on your phone.</p>
              {since ? <p className="mt-1 text-xs text-slate-500">On since {since}</p> : null}
            </>
          ) : (
            <>
              <p>Use an app such as Google Authenticator, Microsoft Authenticator or 1Password for a new code every 30 seconds.</p>
              <p className="mt-1 text-xs font-medium text-emerald-700">Recommended: it works offline and nobody else can read the codes.</p>
            </>
          )
        }
      >
        {notice ? <Alert tone="success">{notice}</Alert> : null}
        {cardFailure ? <Alert>{cardFailure.error}</Alert> : null}
        <MethodActions
          enabled={enabled}
          start={start.run}
          pendingLabel="Preparing…"
          onBegin={beginChange}
          onTurnOff={() => setDialog("turn-off")}
        />
      </SettingsCard>

      <Dialog
        open={dialog === "setup" && setup !== null}
        onClose={abandonSetup}
        title={step === "link" ? "Link the app to your account" : "Enter the Authentication Code"}
        description={
          step === "link"
            ? enabled
              ? "Your current app keeps working until you verify the new one."
              : undefined
            : `Enter the 6-digit code your app now shows for ${appName}.`
        }
      >
        {setup ? (
          step === "link" ? (
            <LinkStep setup={setup} onCancel={abandonSetup} onNext={() => setStep("code")} />
          ) : (
            <CodeForm
              onVerify={confirm.run}
              error={confirm.failure?.error}
              secondary={
                <Button
                  variant="ghost"
                  className="mr-auto px-2"
                  onClick={() => {
                    confirm.clearFailure();
                    setStep("link");
                  }}
                >
                  Back
                </Button>
              }
            />
          )
        ) : null}
      </Dialog>

      <TurnOffDialog
        method="app"
        open={dialog === "turn-off"}
        lastMethod={lastMethod}
        error={turnOff.failure?.error}
        onConfirm={turnOff.run}
        onClose={() => setDialog(null)}
      />
      <BackupCodesDialog codes={backupCodes} account={account} appName={appName} onClose={() => setBackupCodes(null)} />
    </>
  );
}

function LinkStep({ setup, onCancel, onNext }: { setup: AppSetupStarted; onCancel: () => void; onNext: () => void }) {
  const [copied, setCopied] = useState<"idle" | "copied" | "blocked">("idle");

  async function copyKey() {
    try {
      await navigator.clipboard.writeText(setup.secret);
      setCopied("copied");
    } catch {
      setCopied("blocked");
    }
  }

  return (
    <div className="flex flex-col gap-5 text-sm text-slate-700">
      <div className="flex flex-col gap-3">
        <p>
          <span className="font-semibold text-slate-900">1.</span> In your authenticator app, add an account and scan this QR code.
        </p>
        <div className="self-center rounded-xl border border-slate-200 bg-white p-1 shadow-xs">
          <QRCodeSVG value={setup.uri} size={192} level="M" marginSize={4} role="img" aria-label="QR code" />
        </div>
      </div>
      <div className="flex flex-col gap-2">
        <p>
          <span className="font-semibold text-slate-900">2.</span> Can&apos;t scan it? Enter this key instead, as a time-based key:
        </p>
        <div className="flex items-center gap-2 rounded-lg border border-slate-200 bg-slate-50 py-1.5 pr-1.5 pl-3">
          <code className="flex-1 font-mono text-sm tracking-wider break-all text-slate-900">{setup.groupedSecret}</code>
          <Button variant="ghost" className="shrink-0 px-2.5 py-1.5" onClick={copyKey} aria-label="Copy key">
            <CopyIcon />
            <span aria-hidden="true">{copied === "copied" ? "Copied" : "Copy"}</span>
          </Button>
        </div>
        <p role="status" className="text-xs text-slate-500">
          {copied === "copied" ? "Key copied." : copied === "blocked" ? "This browser blocked copying: type the key instead." : ""}
        </p>
      </div>
      <p className="rounded-lg bg-slate-50 px-3 py-2 text-xs text-slate-600">
        Codes depend on the time: make sure your phone sets its date and time automatically, or its codes will not match.
      </p>
      <div className="flex flex-wrap justify-end gap-2">
        <Button variant="secondary" onClick={onCancel}>
          Cancel
        </Button>
        <Button onClick={onNext}>Next</Button>
      </div>
    </div>
  );
}
