// The backup codes as a text file to keep: what app and account they open, and how they work.

export function backupCodesFileName(appName: string): string {
  const slug =
    appName
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, "-")
      .replace(/^-+|-+$/g, "") || "account";
  return `${slug}-backup-codes.txt`;
}

export function backupCodesFileText(
  codes: string[],
  { appName, account, createdAt }: { appName: string; account: string; createdAt: Date },
): string {
  return [
    `${appName} backup codes`,
    `Account: ${account}`,
    `Created: ${createdAt.toISOString().slice(0, 16).replace("T", " ")} UTC`,
    "",
    "Each code signs you in once when you cannot use your authenticator app or email.",
    "Keep this file somewhere safe. Generating new codes makes these stop working.",
    "",
    ...codes.map((code, index) => `${String(index + 1).padStart(2, " ")}. ${code}`),
    "",
  ].join("\n");
}
