// Backup codes on screen, with Download, Copy and Done: a new batch, or the current one seen again
// ("View Backup Codes", after the step-up), where the used ones are marked and left out of the copy.
"use client";

import { useState } from "react";
import { Alert } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { Dialog } from "@/components/ui/dialog";
import { backupCodesFileName, backupCodesFileText } from "./backup-codes-file";

type Props = {
  codes: string[] | null;
  account: string;
  appName: string;
  onClose: () => void;
  /** Seen again: which codes are used, and when the batch was made. */
  viewed?: { used: boolean[]; createdAt: Date };
};

export function BackupCodesDialog({ codes, account, appName, onClose, viewed }: Props) {
  return (
    <Dialog
      open={codes !== null}
      onClose={onClose}
      title={viewed ? "Your backup codes" : "Save your backup codes"}
      description={`Each code signs you in to ${appName} once, when you cannot use your other methods.`}
    >
      {codes ? <BackupCodesContent codes={codes} account={account} appName={appName} onDone={onClose} viewed={viewed} /> : null}
    </Dialog>
  );
}

function BackupCodesContent({
  codes,
  account,
  appName,
  onDone,
  viewed,
}: {
  codes: string[];
  account: string;
  appName: string;
  onDone: () => void;
  viewed?: { used: boolean[]; createdAt: Date };
}) {
  const [copyState, setCopyState] = useState<"idle" | "copied" | "blocked">("idle");
  const unused = codes.filter((_, index) => !viewed?.used[index]);

  // Built in the browser as a Blob: the codes never travel in a URL or a second request.
  function download() {
    const text = backupCodesFileText(unused, { appName, account, createdAt: viewed?.createdAt ?? new Date() });
    const url = URL.createObjectURL(new Blob([text], { type: "text/plain;charset=utf-8" }));
    const link = document.createElement("a");
    link.href = url;
    link.download = backupCodesFileName(appName);
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 1000);
  }

  async function copy() {
    try {
      await navigator.clipboard.writeText(unused.join("\n"));
      setCopyState("copied");
    } catch {
      setCopyState("blocked");
    }
  }

  return (
    <div className="flex flex-col gap-4">
      {viewed ? (
        <Alert tone="info">Anyone who sees these codes can use them. This view was recorded, and we emailed you about it.</Alert>
      ) : (
        <Alert tone="warning">
          Save these codes somewhere safe before you close this window. You can see them again later, after confirming it&apos;s you.
        </Alert>
      )}
      <ol
        aria-label="Backup codes"
        className="grid grid-cols-2 gap-x-6 gap-y-2 rounded-lg border border-slate-200 bg-slate-50 px-5 py-4 font-mono text-sm text-slate-900"
      >
        {codes.map((code, index) =>
          viewed?.used[index] ? (
            <li key={code} className="tracking-wide text-slate-600">
              <s>{code}</s> <span className="font-sans text-xs">used</span>
            </li>
          ) : (
            <li key={code} className="tracking-wide">
              {code}
            </li>
          ),
        )}
      </ol>
      <p className="text-xs text-slate-600">
        Each code works once. Generating new codes makes these stop working.{viewed ? " Download and Copy leave out the used ones." : ""}
      </p>
      <div className="flex flex-wrap items-center justify-end gap-2">
        <p role="status" className="mr-auto text-sm text-slate-600">
          {copyState === "copied" ? "Copied." : copyState === "blocked" ? "Copying was blocked: use Download." : ""}
        </p>
        <Button variant="secondary" onClick={download}>
          <DownloadIcon />
          Download
        </Button>
        <Button variant="secondary" onClick={copy}>
          <CopyIcon />
          Copy
        </Button>
        <Button onClick={onDone}>Done</Button>
      </div>
    </div>
  );
}

function DownloadIcon() {
  return (
    <svg viewBox="0 0 20 20" className="size-4" aria-hidden="true">
      <path
        d="M10 3v9m0 0l-3.5-3.5M10 12l3.5-3.5M4 15.5h12"
        stroke="currentColor"
        strokeWidth="1.7"
        fill="none"
        strokeLinecap="round"
        strokeLinejoin="round"
      />
    </svg>
  );
}

export function CopyIcon() {
  return (
    <svg viewBox="0 0 20 20" className="size-4" aria-hidden="true">
      <rect x="7" y="7" width="9" height="9" rx="1.5" stroke="currentColor" strokeWidth="1.6" fill="none" />
      <path d="M13 4.5A1.5 1.5 0 0011.5 3h-6A1.5 1.5 0 004 4.5v6A1.5 1.5 0 005.5 12" stroke="currentColor" strokeWidth="1.6" fill="none" />
    </svg>
  );
}
