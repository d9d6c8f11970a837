// What a typed code may look like, for every form and check: six ASCII digits (authenticator and
// emailed codes) or a backup code (`xxxxx-xxxxx`, case, spaces and the dash ignored).
import { z } from "zod";

// Exactly six ASCII digits: digits of other scripts, full-width digits, spaces and newlines never make a code.
const SIX_DIGITS = /^[0-9]{6}$/;
const BACKUP_CODE = /^[a-z0-9]{10}$/;

export const ENTER_SIX_DIGITS = "Enter the 6-digit code.";
export const ENTER_BACKUP_CODE = "Enter a backup code like abcde-12345.";

export function isSixDigitCode(value: string): boolean {
  return SIX_DIGITS.test(value);
}

/** Backup-code input ignores case, spaces and dashes; null when it cannot be a code. */
export function normalizeBackupCode(input: string): string | null {
  const raw = input.toLowerCase().replace(/[\s-]/g, "");
  return BACKUP_CODE.test(raw) ? raw : null;
}

/** A form field holding a 6-digit code. */
export const sixDigitCode = z.string(ENTER_SIX_DIGITS).regex(SIX_DIGITS, ENTER_SIX_DIGITS);

/** A form field holding a backup code, as typed (the check normalizes it). */
export const backupCode = z
  .string(ENTER_BACKUP_CODE)
  .max(40, ENTER_BACKUP_CODE)
  .refine((value) => normalizeBackupCode(value) !== null, ENTER_BACKUP_CODE);
