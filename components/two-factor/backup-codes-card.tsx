// Backup codes: how many are left and when they were made. "View Backup Codes" shows the current batch
// again after the step-up (each view audited and emailed); a batch made before codes were kept to be
// shown again can only be replaced.
"use client";

import { useState } from "react";
import { generateNewBackupCodes, viewOwnBackupCodes } from "@/app/(console)/profile/security/actions";
import { Alert } from "@/components/ui/alert";
import { Button, SubmitButton } from "@/components/ui/button";
import { Dialog } from "@/components/ui/dialog";
import { BackupCodesDialog } from "./backup-codes-dialog";
import { Actions, SettingsCard, StatusBadge } from "./settings-card";
import { useSecurityAction } from "./use-security-action";

type Props = {
  /** Backup codes stand in for a method, so they exist only while one is on. */
  available: boolean;
  remaining: number;
  total: number;
  createdAt: React.ReactNode | null;
  account: string;
  appName: string;
};

const LOW = 3;

export function BackupCodesCard({ available, remaining, total, createdAt, account, appName }: Props) {
  const [dialog, setDialog] = useState<"view" | "generate" | null>(null);
  const [backupCodes, setBackupCodes] = useState<string[] | null>(null);
  const [viewed, setViewed] = useState<{ codes: string[]; used: boolean[]; createdAt: Date } | null>(null);
  const [notice, setNotice] = useState<string | null>(null);

  const view = useSecurityAction(() => viewOwnBackupCodes(), {
    onDone: (result) => {
      if (result.kind === "hash_only") return setDialog("view");
      setViewed({
        codes: result.codes.map((entry) => entry.code),
        used: result.codes.map((entry) => entry.used),
        createdAt: new Date(result.createdAt),
      });
    },
  });

  const generate = useSecurityAction(() => generateNewBackupCodes(), {
    onDone: (result) => {
      setDialog(null);
      setBackupCodes(result.backupCodes);
      setNotice("New backup codes were made. The earlier ones no longer work, and your other sessions were signed out.");
    },
    onReauth: () => setDialog(null),
  });

  function open(which: "view" | "generate") {
    setNotice(null);
    generate.clearFailure();
    view.clearFailure();
    if (which === "view") void view.run();
    else setDialog(which);
  }

  const noneLeft = available && remaining === 0;
  const summary = total > 0 ? `${remaining} of ${total} codes left` : "No backup codes yet";

  return (
    <>
      <SettingsCard
        title="Backup codes"
        badge={available ? <StatusBadge on={remaining > 0} onLabel={summary} offLabel={summary} /> : null}
        description={
          <>
            <p>Each code signs you in once when your phone or email is out of reach. Keep them somewhere safe, away from your phone.</p>
            {available && createdAt ? <p className="mt-1 text-xs text-slate-500">Made {createdAt}</p> : null}
          </>
        }
      >
        {!available ? (
          <p className="rounded-lg border border-dashed border-slate-300 px-4 py-3 text-sm text-slate-500">
            Backup codes become available when you turn on email or authenticator app authentication.
          </p>
        ) : (
          <>
            {total > 0 ? <Meter remaining={remaining} total={total} /> : null}
            {noneLeft ? (
              <Alert tone="warning">
                You have no backup codes left. Generate new ones now, so you can still sign in if you lose your phone.
              </Alert>
            ) : remaining <= LOW ? (
              <Alert tone="warning">You are running low on backup codes. Consider generating new ones.</Alert>
            ) : null}
            {notice ? <Alert tone="success">{notice}</Alert> : null}
            {generate.failure && dialog === null ? <Alert>{generate.failure.error}</Alert> : null}
            {view.failure ? <Alert>{view.failure.error}</Alert> : null}
            <Actions>
              <Button variant="secondary" onClick={() => open("view")}>
                View Backup Codes
              </Button>
              <Button variant={noneLeft ? "primary" : "secondary"} onClick={() => open("generate")}>
                Generate new codes
              </Button>
            </Actions>
          </>
        )}
      </SettingsCard>

      <Dialog open={dialog === "view"} onClose={() => setDialog(null)} title="Your backup codes">
        <div className="flex flex-col gap-4 text-sm text-slate-700">
          <p>
            These codes were made before {appName} kept them to be shown again: only their fingerprints are stored, so they cannot be shown.
            Use the copy you saved when they were made, or generate new ones, which you can see again later.
          </p>
          <dl className="grid grid-cols-2 gap-3 rounded-lg border border-slate-200 bg-slate-50 px-4 py-3">
            <div>
              <dt className="text-xs text-slate-500">Unused</dt>
              <dd className="font-medium text-slate-900">
                {remaining} of {total}
              </dd>
            </div>
            <div>
              <dt className="text-xs text-slate-500">Made</dt>
              <dd className="font-medium text-slate-900">{createdAt ?? "Never"}</dd>
            </div>
          </dl>
          <p>
            Which of your saved codes were used cannot be known: a used code simply stops working. Lost them, or not sure? Generate new
            ones.
          </p>
          {generate.failure ? <Alert>{generate.failure.error}</Alert> : null}
          <form action={generate.run} className="flex flex-wrap justify-end gap-2">
            <Button variant="secondary" onClick={() => setDialog(null)}>
              Close
            </Button>
            <SubmitButton pendingLabel="Generating…">Generate new codes</SubmitButton>
          </form>
        </div>
      </Dialog>

      <Dialog open={dialog === "generate"} onClose={() => setDialog(null)} title="Generate new backup codes?">
        <div className="flex flex-col gap-4 text-sm text-slate-700">
          <p>You get ten new codes, shown once. Your current codes stop working at once.</p>
          <p>Your other sessions will be signed out, and we will email you about the change.</p>
          {generate.failure ? <Alert>{generate.failure.error}</Alert> : null}
          <form action={generate.run} className="flex flex-wrap justify-end gap-2">
            <Button variant="secondary" onClick={() => setDialog(null)}>
              Cancel
            </Button>
            <SubmitButton pendingLabel="Generating…">Generate new codes</SubmitButton>
          </form>
        </div>
      </Dialog>

      <BackupCodesDialog codes={backupCodes} account={account} appName={appName} onClose={() => setBackupCodes(null)} />
      <BackupCodesDialog
        codes={viewed?.codes ?? null}
        viewed={viewed ?? undefined}
        account={account}
        appName={appName}
        onClose={() => setViewed(null)}
      />
    </>
  );
}

function Meter({ remaining, total }: { remaining: number; total: number }) {
  return (
    <div
      role="meter"
      aria-label="Backup codes left"
      aria-valuemin={0}
      aria-valuemax={total}
      aria-valuenow={remaining}
      aria-valuetext={`${remaining} of ${total} left`}
      className="flex gap-1"
    >
      {Array.from({ length: total }, (_, index) => (
        <span key={index} className={`h-1.5 flex-1 rounded-full ${index < remaining ? "bg-emerald-500" : "bg-slate-200"}`} />
      ))}
    </div>
  );
}
