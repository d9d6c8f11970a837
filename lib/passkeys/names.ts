// The name a new passkey gets until its owner changes it: the authenticator's product name from its
// AAGUID where it is one we know (the passkey providers and keys people use most), else the browser
// and system it was added in. It helps a person recognise a row; it decides nothing.
import { describeBrowser } from "@/components/two-factor/browser-name";

export const PASSKEY_NAME_MAX = 64;

const KNOWN_AAGUIDS: Record<string, string> = {
  "fbfc3007-154e-4ecc-8c0b-6e020557d7bd": "iCloud Keychain",
  "dd4ec289-e01d-41c9-bb89-70fa845d4bf2": "iCloud Keychain",
  "ea9b8d66-4d01-1d21-3ce4-b6b48cb575d4": "Google Password Manager",
  "adce0002-35bc-c60a-648b-0b25f1f05503": "Chrome on Mac",
  "08987058-cadc-4b81-b6e1-30de50dcbe96": "Windows Hello",
  "9ddd1817-af5a-4672-a2b9-3e3dd95000a9": "Windows Hello",
  "6028b017-b1d4-4c02-b4b3-afcdafc96bb2": "Windows Hello",
  "bada5566-a7aa-401f-bd96-45619a55120d": "1Password",
  "d548826e-79b4-db40-a3d8-11116f7e8349": "Bitwarden",
  "531126d6-e717-415c-9320-3d9aa6981239": "Dashlane",
  "0ea242b4-43c4-4a1b-8b17-dd6d0b6baec6": "Keeper",
  "50726f74-6f6e-5061-7373-50726f746f6e": "Proton Pass",
  "fdb141b2-5d84-443e-8a35-4698c205a502": "KeePassXC",
  "53414d53-554e-4700-0000-000000000000": "Samsung Pass",
  "cb69481e-8ff7-4039-93ec-0a2729a154a8": "YubiKey 5 Series",
  "ee882879-721c-4913-9775-3dfcce97072a": "YubiKey 5 Series",
};

/** The default name of a passkey added with the authenticator `aaguid` in the browser `userAgent`. */
export function defaultPasskeyName(aaguid: string | null, userAgent: string | null): string {
  const known = aaguid ? KNOWN_AAGUIDS[aaguid.toLowerCase()] : undefined;
  if (known) return known;
  const browser = describeBrowser(userAgent).replace(/ \d+(?= on |$)/, "");
  return `Passkey on ${browser}`.slice(0, PASSKEY_NAME_MAX);
}

// Control characters (NUL included, which PostgreSQL cannot store), and the invisible ones that reorder
// or hide text (bidirectional overrides, zero-width characters): a name must read as what it is.
const HIDDEN = /[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]/g;

/** A name as typed: hidden characters dropped, trimmed, inner runs of blanks made one space; null when empty or too long. */
export function cleanPasskeyName(typed: string): string | null {
  const name = typed.replace(HIDDEN, "").replace(/\s+/g, " ").trim();
  return name.length >= 1 && name.length <= PASSKEY_NAME_MAX ? name : null;
}
