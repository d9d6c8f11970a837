// The password: change it with the current one; every other session and trusted browser ends.
"use client";

import { useState } from "react";
import { changeOwnPassword } from "@/app/(console)/profile/security/actions";
import { Alert } from "@/components/ui/alert";
import { Button, SubmitButton } from "@/components/ui/button";
import { Dialog } from "@/components/ui/dialog";
import { Field } from "@/components/ui/field";
import { Actions, SettingsCard } from "./settings-card";
import { useSecurityAction } from "./use-security-action";

export function PasswordCard({ account, changedAt }: { account: string; changedAt: React.ReactNode }) {
  const [open, setOpen] = useState(false);
  const [notice, setNotice] = useState<string | null>(null);
  const change = useSecurityAction(changeOwnPassword, {
    onDone: (result) => {
      setOpen(false);
      setNotice(result.notice);
    },
  });
  const errors = change.failure?.fieldErrors ?? {};
  const formError = change.failure && Object.keys(errors).length === 0 ? change.failure.error : null;

  return (
    <>
      <SettingsCard
        title="Password"
        description={
          <>
            <p>Your password is the first step of every sign-in. Use one you use nowhere else.</p>
            <p className="mt-1 text-xs text-slate-500">Last changed {changedAt}</p>
          </>
        }
      >
        {notice ? <Alert tone="success">{notice}</Alert> : null}
        <Actions>
          <Button
            variant="secondary"
            onClick={() => {
              setNotice(null);
              change.clearFailure();
              setOpen(true);
            }}
          >
            Change password
          </Button>
        </Actions>
      </SettingsCard>

      <Dialog
        open={open}
        onClose={() => setOpen(false)}
        title="Change password"
        description="Other sessions are signed out and trusted browsers forgotten."
      >
        <form action={change.run} className="flex flex-col gap-3" noValidate>
          {formError ? <Alert>{formError}</Alert> : null}
          {/* Lets password managers file the new password under the right account. */}
          <input type="text" name="username" autoComplete="username" defaultValue={account} readOnly hidden />
          <Field
            label="Current password"
            name="currentPassword"
            type="password"
            autoComplete="current-password"
            required
            maxLength={256}
            autoFocus
            error={errors.currentPassword}
          />
          <Field
            label="New password"
            name="newPassword"
            type="password"
            autoComplete="new-password"
            required
            minLength={12}
            maxLength={256}
            hint="At least 12 characters. A few unrelated words make a strong one."
            error={errors.newPassword}
          />
          <Field
            label="Confirm new password"
            name="confirmPassword"
            type="password"
            autoComplete="new-password"
            required
            maxLength={256}
            error={errors.confirmPassword}
          />
          <div className="mt-2 flex justify-end gap-2">
            <Button variant="secondary" onClick={() => setOpen(false)}>
              Cancel
            </Button>
            <SubmitButton pendingLabel="Changing…">Change password</SubmitButton>
          </div>
        </form>
      </Dialog>
    </>
  );
}
