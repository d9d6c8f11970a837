// Seconds left until an ISO time, ticking each second: the visible "Resend" cooldown.
"use client";

import { useEffect, useState } from "react";

export function useSecondsUntil(iso: string | null | undefined): number {
  const [seconds, setSeconds] = useState(0);
  useEffect(() => {
    const tick = () => setSeconds(iso ? Math.max(0, Math.ceil((new Date(iso).getTime() - Date.now()) / 1000)) : 0);
    tick();
    const timer = setInterval(tick, 1000);
    return () => clearInterval(timer);
  }, [iso]);
  return seconds;
}
