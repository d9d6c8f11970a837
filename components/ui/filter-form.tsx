// The parts the list filters share (people, audit log): plain GET forms, so a filtered view is a link.
import Link from "next/link";
import { buttonClass } from "./button";

export const filterInputClass =
  "rounded-lg border border-slate-300 bg-white px-3 py-2 text-sm shadow-xs focus:border-brand-500 focus:outline-none focus:ring-2 focus:ring-brand-500/30";

/** The submit button, and "Clear" back to `clearHref` while a filter is on. */
export function FilterButtons({ label, clearHref, filtered }: { label: string; clearHref: string; filtered: boolean }) {
  return (
    <>
      <button type="submit" className={buttonClass("secondary")}>
        {label}
      </button>
      {filtered ? (
        <Link href={clearHref} className={buttonClass("ghost")}>
          Clear
        </Link>
      ) : null}
    </>
  );
}
