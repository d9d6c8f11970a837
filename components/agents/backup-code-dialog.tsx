// "Get Backup Code": the admin issues a one-time code for someone who lost their device; it is shown once.
"use client";

import { useActionState, useState } from "react";
import { issueBackupCode, type IssueCodeResult } from "@/app/(console)/settings/people/agents/actions";
import { refusalOf, successOf } from "@/lib/action-result";
import { LocalTime } from "@/components/ui/local-time";
import { Alert } from "@/components/ui/alert";
import { Button, SubmitButton } from "@/components/ui/button";
import { useStepUpAction } from "@/components/two-factor/reauth";

type Person = { id: string; name: string; twoFactorOn: boolean };

function CopyButton({ text }: { text: string }) {
  const [copied, setCopied] = useState(false);
  return (
    <Button
      variant="secondary"
      onClick={async () => {
        await navigator.clipboard.writeText(text);
        setCopied(true);
      }}
    >
      {copied ? "Copied" : "Copy"}
    </Button>
  );
}

/** Lives only while the dialog is open, so closing it forgets the code. */
export function BackupCodePanel({ person, onDone }: { person: Person; onDone: () => void }) {
  const [result, action] = useActionState<IssueCodeResult | null, FormData>(useStepUpAction<IssueCodeResult>(issueBackupCode), null);
  const state = successOf(result);
  const refusal = refusalOf(result);

  if (!state) {
    return (
      <form action={action} className="flex flex-col gap-4">
        {refusal ? <Alert>{refusal.error}</Alert> : null}
        {person.twoFactorOn ? null : (
          <Alert tone="info">
            {person.name} has no two-factor method on, so they sign in with their password alone and need no code yet.
          </Alert>
        )}
        <input type="hidden" name="userId" value={person.id} />
        <ul className="list-disc space-y-1 pl-5 text-sm text-slate-600">
          <li>{person.name} enters it at &ldquo;Use a backup code&rdquo; when signing in.</li>
          <li>It is valid for 30 minutes and works once. A new code ends the previous one.</li>
          <li>{person.name} is emailed that you issued a code; the code itself is never emailed.</li>
        </ul>
        <div className="flex justify-end gap-2">
          <Button variant="secondary" onClick={onDone}>
            Cancel
          </Button>
          <SubmitButton pendingLabel="Generating…">Generate a Code</SubmitButton>
        </div>
      </form>
    );
  }

  return (
    <div className="flex flex-col gap-4">
      <div className="flex items-center justify-between gap-3 rounded-lg border border-slate-200 bg-slate-50 px-4 py-3">
        <output aria-label="Backup code" className="font-mono text-2xl tracking-widest text-slate-900 select-all">
          {state.code}
        </output>
        <CopyButton text={state.code} />
      </div>
      <p className="text-sm text-slate-600">
        Valid for 30 minutes (until <LocalTime at={state.expiresAt} />) and for one use. Give it to {person.name} yourself, by phone or in
        person. It is shown only this once.
      </p>
      <p className="text-sm text-slate-600">
        {state.emailed ? `We emailed ${person.name} that you issued a code.` : `${person.name} could not be emailed about this code.`}
      </p>
      {state.warning ? <Alert tone="warning">{state.warning}</Alert> : null}
      <div className="flex justify-end">
        <Button onClick={onDone}>Done</Button>
      </div>
    </div>
  );
}
