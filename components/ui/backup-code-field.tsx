// The backup-code field: `xxxxx-xxxxx` as typed (case, spaces and the dash are ignored by the check),
// never autocompleted or spell-checked. The sign-in code page and "Confirm it's you" both use it.
import { Field } from "./field";

type BackupCodeFieldProps = { error?: string; disabled?: boolean };

export function BackupCodeField({ error, disabled }: BackupCodeFieldProps) {
  return (
    <Field
      label="Backup code"
      name="code"
      autoComplete="off"
      autoCapitalize="none"
      spellCheck={false}
      maxLength={40}
      placeholder="xxxxx-xxxxx"
      autoFocus
      disabled={disabled}
      error={error}
      // The code in a fixed-width face, so look-alike characters stand apart; the label reads as every other.
      inputClassName="font-mono"
    />
  );
}
