// The buttons on one row of the people table, with their dialogs and the outcome of the last action.
"use client";

import { useActionState, useState } from "react";
import {
  resetTwoFactor,
  signOutPersonEverywhere,
  unlockPerson,
  type RowActionResult,
} from "@/app/(console)/settings/people/agents/actions";
import { refusalOf } from "@/lib/action-result";
import { Button, SubmitButton } from "@/components/ui/button";
import { Dialog } from "@/components/ui/dialog";
import { useStepUpAction } from "@/components/two-factor/reauth";
import { BackupCodePanel } from "./backup-code-dialog";

type Props = { person: { id: string; name: string; locked: boolean; twoFactorOn: boolean } };

export function PersonActions({ person }: Props) {
  const [dialog, setDialog] = useState<"code" | "reset" | "sign-out" | null>(null);
  // The newest outcome of either action, shown under the buttons.
  const [outcome, setOutcome] = useState<RowActionResult | null>(null);
  // Rescues need the admin's own second factor, confirmed within 10 minutes: asked for when stale.
  const unlockWithStepUp = useStepUpAction<RowActionResult>(unlockPerson);
  const resetWithStepUp = useStepUpAction<RowActionResult>(resetTwoFactor);
  const [, unlock] = useActionState<RowActionResult | null, FormData>(async (previous, formData) => {
    const result = await unlockWithStepUp(previous, formData);
    setOutcome(result);
    return result;
  }, null);
  const [resetResult, reset] = useActionState<RowActionResult | null, FormData>(async (previous, formData) => {
    const result = await resetWithStepUp(previous, formData);
    if (result.ok) {
      setDialog(null);
      setOutcome(result);
    }
    return result;
  }, null);
  const resetRefusal = refusalOf(resetResult);
  // "Sign out everywhere" needs "Confirm it's you" when the admin's last confirmation is stale.
  const signOutWithStepUp = useStepUpAction<RowActionResult>(signOutPersonEverywhere);
  const [signOutResult, signOut] = useActionState<RowActionResult | null, FormData>(async (previous, formData) => {
    const result = await signOutWithStepUp(previous, formData);
    if (result.ok) {
      setDialog(null);
      setOutcome(result);
    }
    return result;
  }, null);
  const signOutRefusal = refusalOf(signOutResult);

  return (
    <div className="flex flex-col items-end gap-1.5">
      <div className="flex flex-wrap justify-end gap-1.5">
        <Button variant="secondary" className="px-2.5 py-1 text-xs whitespace-nowrap" onClick={() => setDialog("code")}>
          Get Backup Code
        </Button>
        {person.locked ? (
          <form action={unlock}>
            <input type="hidden" name="userId" value={person.id} />
            <SubmitButton variant="secondary" className="px-2.5 py-1 text-xs whitespace-nowrap" pendingLabel="Unlocking…">
              Unlock
            </SubmitButton>
          </form>
        ) : null}
        <Button variant="secondary" className="px-2.5 py-1 text-xs whitespace-nowrap" onClick={() => setDialog("sign-out")}>
          Sign out everywhere
        </Button>
        {person.twoFactorOn ? (
          <Button variant="secondary" className="px-2.5 py-1 text-xs whitespace-nowrap text-red-700" onClick={() => setDialog("reset")}>
            Reset 2FA
          </Button>
        ) : null}
      </div>
      {outcome ? (
        <p
          role={outcome.ok ? "status" : "alert"}
          className={`max-w-64 text-right text-xs ${outcome.ok ? "text-emerald-700" : "text-red-700"}`}
        >
          {outcome.ok ? outcome.done : outcome.error}
        </p>
      ) : null}

      <Dialog
        open={dialog === "code"}
        onClose={() => setDialog(null)}
        title="Get Backup Code"
        description={`A one-time code for ${person.name}, who cannot reach their second factor.`}
      >
        <BackupCodePanel person={person} onDone={() => setDialog(null)} />
      </Dialog>

      <Dialog
        open={dialog === "sign-out"}
        onClose={() => setDialog(null)}
        title={`Sign ${person.name} out everywhere?`}
        description="Use this when a browser of theirs may be in the wrong hands: a lost laptop, a shared computer."
      >
        <form action={signOut} className="flex flex-col gap-4">
          {signOutRefusal ? (
            <p role="alert" className="text-sm text-red-700">
              {signOutRefusal.error}
            </p>
          ) : null}
          <input type="hidden" name="userId" value={person.id} />
          <ul className="list-disc space-y-1 pl-5 text-sm text-slate-600">
            <li>Every browser they are signed in on goes to the sign-in page at its next click.</li>
            <li>Browsers they chose to remember ask for a code again.</li>
            <li>Their password and methods stay as they are.</li>
            <li>They are emailed that you did it.</li>
          </ul>
          <div className="flex justify-end gap-2">
            <Button variant="secondary" onClick={() => setDialog(null)}>
              Cancel
            </Button>
            <SubmitButton variant="danger" pendingLabel="Signing out…">
              Sign out everywhere
            </SubmitButton>
          </div>
        </form>
      </Dialog>

      <Dialog
        open={dialog === "reset"}
        onClose={() => setDialog(null)}
        title={`Reset 2FA for ${person.name}?`}
        description="Use this when they lost every method and have no backup codes left."
      >
        <form action={reset} className="flex flex-col gap-4">
          {resetRefusal ? (
            <p role="alert" className="text-sm text-red-700">
              {resetRefusal.error}
            </p>
          ) : null}
          <input type="hidden" name="userId" value={person.id} />
          <ul className="list-disc space-y-1 pl-5 text-sm text-slate-600">
            <li>Their authentication methods, backup codes and remembered browsers are removed.</li>
            <li>They are signed out everywhere, and emailed that you did it.</li>
            <li>They set up two-factor authentication again after their next sign-in.</li>
          </ul>
          <div className="flex justify-end gap-2">
            <Button variant="secondary" onClick={() => setDialog(null)}>
              Cancel
            </Button>
            <SubmitButton variant="danger" pendingLabel="Resetting…">
              Confirm reset
            </SubmitButton>
          </div>
        </form>
      </Dialog>
    </div>
  );
}
