"use client";

import { useActionState, useState } from "react";
import { addAgent, type AddAgentResult } from "@/app/(console)/settings/people/agents/actions";
import { refusalOf } from "@/lib/action-result";
import { Alert } from "@/components/ui/alert";
import { Button, SubmitButton } from "@/components/ui/button";
import { Dialog } from "@/components/ui/dialog";
import { Field } from "@/components/ui/field";
import { useStepUpAction } from "@/components/two-factor/reauth";

export function AddAgentButton() {
  const [open, setOpen] = useState(false);
  const [formKey, setFormKey] = useState(0);
  const [notice, setNotice] = useState<string | null>(null);
  // Adding someone asks "Confirm it's you" first when the last confirmation is stale.
  const add = useStepUpAction<AddAgentResult>(addAgent);
  // A created agent closes the dialog and empties the form for the next one.
  const [result, action] = useActionState<AddAgentResult | null, FormData>(async (previous, formData) => {
    const result = await add(previous, formData);
    if (result.ok) {
      setOpen(false);
      setNotice(result.created);
      setFormKey((key) => key + 1);
    }
    return result;
  }, null);
  // A refusal keeps what was typed (never the password) and says which fields are at fault.
  const state = refusalOf(result) ?? { error: undefined, values: undefined, fieldErrors: undefined };

  return (
    <div className="flex flex-col items-end gap-2">
      <Button
        onClick={() => {
          setNotice(null);
          setOpen(true);
        }}
      >
        Add agent
      </Button>
      {notice ? <Alert tone="success">{notice}</Alert> : null}
      <Dialog
        open={open}
        onClose={() => setOpen(false)}
        title="Add agent"
        description="They get an email with the sign-in address. Share the initial password another way."
      >
        <form key={formKey} action={action} className="flex flex-col gap-3" noValidate>
          {state.error ? <Alert>{state.error}</Alert> : null}
          <Field
            label="Name"
            name="name"
            required
            maxLength={100}
            defaultValue={state.values?.name}
            error={state.fieldErrors?.name}
            autoComplete="off"
          />
          <Field
            label="Email"
            name="email"
            type="email"
            required
            maxLength={254}
            defaultValue={state.values?.email}
            error={state.fieldErrors?.email}
            autoComplete="off"
          />
          <Field
            label="Username"
            name="username"
            required
            maxLength={40}
            defaultValue={state.values?.username}
            error={state.fieldErrors?.username}
            autoComplete="off"
            autoCapitalize="none"
            spellCheck={false}
          />
          <Field
            label="Password"
            name="password"
            type="password"
            required
            maxLength={256}
            error={state.fieldErrors?.password}
            autoComplete="new-password"
            hint="At least 12 characters."
          />
          <div className="flex flex-col gap-1.5">
            <label htmlFor="new-agent-role" className="text-sm font-medium text-slate-800">
              Role
            </label>
            <select
              // A new key after a refusal: React keeps a select's first default, and the role chosen must survive.
              key={state.values?.role ?? "agent"}
              id="new-agent-role"
              name="role"
              defaultValue={state.values?.role ?? "agent"}
              className="rounded-lg border border-slate-300 bg-white px-3 py-2 text-sm"
            >
              <option value="agent">Agent</option>
              <option value="admin">Admin</option>
            </select>
            {state.fieldErrors?.role ? <p className="text-xs text-red-600">{state.fieldErrors.role}</p> : null}
          </div>
          <div className="mt-2 flex justify-end gap-2">
            <Button variant="secondary" onClick={() => setOpen(false)}>
              Cancel
            </Button>
            <SubmitButton pendingLabel="Creating…">Create</SubmitButton>
          </div>
        </form>
      </Dialog>
    </div>
  );
}
