"use client";

import { useEffect } from "react";

/**
 * Puts the address of the page the person asked for back in the address bar: the 503 page is reached
 * by a redirect (see lib/unavailable.ts), and with the page's own address there, reloading it or its
 * bookmark tries that page again. Next.js keeps its router in step with replaceState.
 */
export function RestoreAddress({ to }: { to: string }) {
  useEffect(() => {
    if (window.location.pathname + window.location.search !== to) window.history.replaceState(null, "", to);
  }, [to]);
  return null;
}
