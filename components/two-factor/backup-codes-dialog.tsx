// The one time backup codes are readable: a new batch, with Download, Copy and Done.
"use client";

import { useState } from "react";
import { Alert } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { Dialog } from "@/components/ui/dialog";
import { backupCodesFileName, backupCodesFileText } from "./backup-codes-file";

type Props = { codes: string[] | null; account: string; appName: string; onClose: () => void };

export function BackupCodesDialog({ codes, account, appName, onClose }: Props) {
  return (
    <Dialog
      open={codes !== null}
      onClose={onClose}
      title="Save your backup codes"
      description={`Each code signs you in to ${appName} once, when you cannot use your authenticator app or email.`}
    >
      {codes ? <BackupCodesContent codes={codes} account={account} appName={appName} onDone={onClose} /> : null}
    </Dialog>
  );
}

function BackupCodesContent({
  codes,
  account,
  appName,
  onDone,
}: {
  codes: string[];
  account: string;
  appName: string;
  onDone: () => void;
}) {
  const [copyState, setCopyState] = useState<"idle" | "copied" | "blocked">("idle");

  // Built in the browser as a Blob: the codes never travel in a URL or a second request.
  function download() {
    const text = backupCodesFileText(codes, { appName, account, createdAt: new Date() });
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
      await navigator.clipboard.writeText(codes.join("\n"));
      setCopyState("copied");
    } catch {
      setCopyState("blocked");
    }
  }

  return (
    <div className="flex flex-col gap-4">
      <Alert tone="warning">
        These codes are shown only now. Save them somewhere safe before you close this window: you cannot see them again.
      </Alert>
      <ol
        aria-label="Backup codes"
        className="grid grid-cols-2 gap-x-6 gap-y-2 rounded-lg border border-slate-200 bg-slate-50 px-5 py-4 font-mono text-sm text-slate-900"
      >
        {codes.map((code) => (
          <li key={code} className="tracking-wide">
            {code}
          </li>
        ))}
      </ol>
      <p className="text-xs text-slate-500">Each code works once. Generating new codes makes these stop working.</p>
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
