// The banner on every console page while 2FA is required and the person has no method yet but is still
// inside their grace period: the deadline, the days left, and the way to set it up.
import Link from "next/link";
import { LocalTime } from "@/components/ui/local-time";
import { timeLeft } from "@/lib/two-factor/enrollment";

export function EnrollmentBanner({ deadline, at }: { deadline: Date; at: Date }) {
  const left = `${timeLeft(deadline, at)} left`;
  return (
    <section
      aria-label="Two-factor authentication required"
      className="mb-6 flex flex-col gap-3 rounded-xl border border-amber-300 bg-amber-50 px-4 py-3 sm:flex-row sm:items-center sm:justify-between"
    >
      <p className="text-sm text-amber-950">
        Your admin requires two-factor authentication. Set it up by <LocalTime at={deadline} /> ({left}); after that, only the page that
        sets it up opens until you do.
      </p>
      <Link
        href="/profile/security"
        className="shrink-0 self-start rounded-lg bg-amber-900 px-3 py-1.5 text-sm font-medium text-white hover:bg-amber-950 sm:self-auto"
      >
        Set up now
      </Link>
    </section>
  );
}
