// A time in the reader's own time zone, with its name ("Dec 3, 2026, 1:55 PM GMT+1"). The server does
// not know the reader's zone: it writes the time in UTC, and the browser rewrites it in its own as the
// page hydrates (no mismatch: React renders the server's text first, then the browser's).
"use client";

import { useSyncExternalStore } from "react";

const FIELDS = { year: "numeric", month: "short", day: "numeric", hour: "numeric", minute: "2-digit" } as const;

export function formatTime(iso: string, options: { seconds?: boolean; timeZone?: string } = {}): string {
  const { seconds = false, timeZone } = options;
  return new Intl.DateTimeFormat("en", { ...FIELDS, ...(seconds ? { second: "2-digit" } : {}), timeZoneName: "short", timeZone }).format(
    new Date(iso),
  );
}

const unchanging = () => () => {};

export function LocalTime({ at, seconds = false }: { at: string | Date; seconds?: boolean }) {
  const iso = typeof at === "string" ? at : at.toISOString();
  const text = useSyncExternalStore(
    unchanging,
    () => formatTime(iso, { seconds }),
    () => formatTime(iso, { seconds, timeZone: "UTC" }),
  );
  return <time dateTime={iso}>{text}</time>;
}
