// Passkeys and security keys: the strongest method, since a passkey signs only for this site and a fake
// sign-in page cannot pass it on. "Add a passkey" (after the step-up) runs the browser's ceremony, then
// the person names it; each one can be renamed or removed (after the step-up). Several per person.
"use client";

import { useState } from "react";
import {
  finishPasskeySetup,
  removeOwnPasskey,
  renameOwnPasskey,
  startPasskeySetup,
  type PasskeyAdded,
} from "@/app/(console)/profile/security/actions";
import { answerForm } from "@/components/passkeys/passkey-button";
import { createPasskey } from "@/components/passkeys/ceremony";
import { Alert } from "@/components/ui/alert";
import { Button, SubmitButton } from "@/components/ui/button";
import { Dialog } from "@/components/ui/dialog";
import { Field } from "@/components/ui/field";
import type { Refusal } from "@/lib/action-result";
import { BackupCodesDialog } from "./backup-codes-dialog";
import { SettingsCard, StatusBadge } from "./settings-card";
import { useSecurityAction } from "./use-security-action";

export type PasskeyRow = { id: string; name: string; createdAt: React.ReactNode; lastUsedAt: React.ReactNode };

type Props = {
  passkeys: PasskeyRow[];
  /** Null when passkeys can be added here; else why not, in one sentence. */
  unavailable: string | null;
  account: string;
  appName: string;
};

const NAME_MAX = 64;

export function PasskeysCard({ passkeys, unavailable, account, appName }: Props) {
  const [notice, setNotice] = useState<string | null>(null);
  const [ceremonyFailure, setCeremonyFailure] = useState<string | null>(null);
  const [adding, setAdding] = useState(false);
  // The passkey being named (just added) or renamed, and the one whose removal is being confirmed.
  const [naming, setNaming] = useState<{ id: string; name: string; added?: PasskeyAdded } | null>(null);
  const [removing, setRemoving] = useState<PasskeyRow | null>(null);
  const [backupCodes, setBackupCodes] = useState<string[] | null>(null);
  const [nameFailure, setNameFailure] = useState<Refusal | null>(null);

  /** The browser's ceremony with the options the server gave, then its answer, then the naming dialog. */
  async function ceremony(options: Parameters<typeof createPasskey>[0]) {
    setAdding(true);
    const answered = await createPasskey(options);
    if (!answered.ok) {
      setAdding(false);
      if (answered.cancelled) setNotice(answered.message);
      else setCeremonyFailure(answered.message);
      return;
    }
    const added = await finishPasskeySetup(answerForm(answered.response)).catch((): Refusal => ({
      ok: false,
      error: "Something went wrong. Please try again.",
    }));
    setAdding(false);
    if (!added.ok) return setCeremonyFailure(added.error);
    setNaming({ id: added.passkey.id, name: added.passkey.name, added });
  }

  const start = useSecurityAction(() => startPasskeySetup(), { onDone: (result) => void ceremony(result.options) });
  const remove = useSecurityAction(removeOwnPasskey, {
    onDone: (result) => {
      setRemoving(null);
      setNotice(result.notice);
    },
    onReauth: () => setRemoving(null),
  });

  function begin() {
    setNotice(null);
    setCeremonyFailure(null);
    start.clearFailure();
    remove.clearFailure();
  }

  /** The naming dialog closes: a new passkey's notice shows, and the first method's backup codes follow. */
  function doneNaming() {
    const added = naming?.added;
    setNaming(null);
    setNameFailure(null);
    if (added) {
      setNotice(added.notice);
      if (added.backupCodes) setBackupCodes(added.backupCodes);
    }
  }

  async function saveName(formData: FormData) {
    setNameFailure(null);
    const result = await renameOwnPasskey(formData).catch((): Refusal => ({ ok: false, error: "Something went wrong. Please try again." }));
    if (!result || "reauth" in result) return;
    if (!result.ok) return setNameFailure(result);
    if (!naming?.added) setNotice(`The passkey is now called “${result.name}”.`);
    doneNaming();
  }

  const failure = ceremonyFailure ?? start.failure?.error ?? (removing ? null : remove.failure?.error);

  return (
    <>
      <SettingsCard
        title="Passkeys and security keys"
        badge={<StatusBadge on={passkeys.length > 0} />}
        description={
          <>
            <p>
              Sign in with your fingerprint, face, screen lock or a security key. A passkey works only on this site, so a fake sign-in page
              cannot use it.
            </p>
            {passkeys.length === 0 && !unavailable ? (
              <p className="mt-1 text-xs font-medium text-emerald-700">The strongest method: nothing to type, nothing to phish.</p>
            ) : null}
          </>
        }
      >
        {notice ? <Alert tone="success">{notice}</Alert> : null}
        {failure ? <Alert>{failure}</Alert> : null}
        {passkeys.length > 0 ? (
          <ul className="divide-y divide-slate-100 rounded-lg border border-slate-200" aria-label="Your passkeys">
            {passkeys.map((passkey) => (
              <li key={passkey.id} className="flex flex-wrap items-center justify-between gap-3 px-4 py-3">
                <div className="min-w-0">
                  <p className="truncate text-sm font-medium text-slate-900">{passkey.name}</p>
                  <p className="text-xs text-slate-600">
                    Added {passkey.createdAt} · Last used {passkey.lastUsedAt}
                  </p>
                </div>
                <div className="flex gap-2">
                  <Button
                    variant="secondary"
                    aria-label={`Rename ${passkey.name}`}
                    onClick={() => {
                      begin();
                      setNaming({ id: passkey.id, name: passkey.name });
                    }}
                  >
                    Rename
                  </Button>
                  <Button
                    variant="secondary"
                    className="text-red-700"
                    aria-label={`Remove ${passkey.name}`}
                    onClick={() => {
                      begin();
                      setRemoving(passkey);
                    }}
                  >
                    Remove
                  </Button>
                </div>
              </li>
            ))}
          </ul>
        ) : null}
        {unavailable ? (
          <p className="text-sm text-slate-600">{unavailable}</p>
        ) : (
          <div>
            <Button
              variant={passkeys.length > 0 ? "secondary" : "primary"}
              onClick={() => {
                begin();
                void start.run();
              }}
              disabled={adding}
            >
              {adding ? "Waiting for your passkey…" : "Add a passkey"}
            </Button>
          </div>
        )}
      </SettingsCard>

      <Dialog
        open={naming !== null}
        onClose={doneNaming}
        title={naming?.added ? "Name your passkey" : "Rename passkey"}
        description={naming?.added ? "The passkey was added. A name helps you tell your passkeys apart." : undefined}
      >
        {naming ? (
          <form action={saveName} className="flex flex-col gap-4" noValidate>
            <input type="hidden" name="passkeyId" value={naming.id} />
            {nameFailure && !nameFailure.fieldErrors?.name ? <Alert>{nameFailure.error}</Alert> : null}
            <Field
              label="Passkey name"
              name="name"
              defaultValue={naming.name}
              maxLength={NAME_MAX}
              required
              autoFocus
              autoComplete="off"
              error={nameFailure?.fieldErrors?.name}
            />
            <div className="flex justify-end gap-2">
              <Button variant="ghost" onClick={doneNaming}>
                {naming.added ? "Skip" : "Cancel"}
              </Button>
              <SubmitButton pendingLabel="Saving…">Save</SubmitButton>
            </div>
          </form>
        ) : null}
      </Dialog>

      <Dialog
        open={removing !== null}
        onClose={() => setRemoving(null)}
        title="Remove this passkey?"
        description={
          removing
            ? `“${removing.name}” will no longer sign you in. ${passkeys.length === 1 ? "It is your last passkey." : ""}`.trim()
            : undefined
        }
      >
        {removing ? (
          <form action={remove.run} className="flex flex-col gap-4">
            <input type="hidden" name="passkeyId" value={removing.id} />
            {remove.failure ? <Alert>{remove.failure.error}</Alert> : null}
            <p className="text-sm text-slate-600">Your other sessions will be signed out, and trusted browsers forgotten.</p>
            <div className="flex justify-end gap-2">
              <Button variant="ghost" onClick={() => setRemoving(null)}>
                Cancel
              </Button>
              <SubmitButton variant="danger" pendingLabel="Removing…">
                Remove
              </SubmitButton>
            </div>
          </form>
        ) : null}
      </Dialog>
      <BackupCodesDialog codes={backupCodes} account={account} appName={appName} onClose={() => setBackupCodes(null)} />
    </>
  );
}
