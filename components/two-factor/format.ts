// Dates on the security page, written out on the server in one fixed zone so every reader sees the same.
const FORMAT = new Intl.DateTimeFormat("en", { dateStyle: "medium", timeStyle: "short", timeZone: "UTC" });

export function formatDateTime(date: Date): string {
  return `${FORMAT.format(date)} UTC`;
}
