// The frame of each section of Profile > Two-Factor Authentication: a titled card with an on/off badge.
import { useId } from "react";
import { Button, SubmitButton } from "@/components/ui/button";

export function StatusBadge({ on, onLabel = "On", offLabel = "Off" }: { on: boolean; onLabel?: string; offLabel?: string }) {
  return on ? (
    <span className="inline-flex items-center gap-1.5 rounded-full bg-emerald-50 px-2.5 py-0.5 text-xs font-medium text-emerald-700">
      <span className="size-1.5 rounded-full bg-emerald-500" aria-hidden="true" />
      {onLabel}
    </span>
  ) : (
    <span className="inline-flex items-center gap-1.5 rounded-full bg-slate-100 px-2.5 py-0.5 text-xs font-medium text-slate-600">
      <span className="size-1.5 rounded-full bg-slate-400" aria-hidden="true" />
      {offLabel}
    </span>
  );
}

type SettingsCardProps = {
  title: string;
  badge?: React.ReactNode;
  description: React.ReactNode;
  children?: React.ReactNode;
};

/** A <section> named by its heading, so assistive technology (and tests) find it as a region. */
export function SettingsCard({ title, badge, description, children }: SettingsCardProps) {
  const headingId = useId();
  return (
    <section aria-labelledby={headingId} className="flex flex-col gap-4 rounded-xl border border-slate-200 bg-white p-5 shadow-xs sm:p-6">
      <div className="flex flex-col gap-1">
        <div className="flex flex-wrap items-center gap-x-3 gap-y-1">
          <h2 id={headingId} className="text-base font-semibold text-slate-900">
            {title}
          </h2>
          {badge}
        </div>
        <div className="text-sm text-slate-600">{description}</div>
      </div>
      {children}
    </section>
  );
}

export function Actions({ children }: { children: React.ReactNode }) {
  return <div className="mt-auto flex flex-wrap items-center gap-2">{children}</div>;
}

/**
 * A method card's buttons: "Set up" (or "Reset" once it is on) submits `start`; "Turn off" opens the
 * caller's confirmation. `onBegin` runs first in both, to clear the card's last message.
 */
export function MethodActions({
  enabled,
  start,
  pendingLabel,
  onBegin,
  onTurnOff,
}: {
  enabled: boolean;
  /** The set-up form's action, or null when this method may not be set up. */
  start: ((formData: FormData) => void | Promise<void>) | null;
  pendingLabel: string;
  onBegin: () => void;
  onTurnOff: () => void;
}) {
  return (
    <Actions>
      {start ? (
        <form action={start} onSubmit={onBegin}>
          <SubmitButton variant={enabled ? "secondary" : "primary"} pendingLabel={pendingLabel}>
            {enabled ? "Reset" : "Set up"}
          </SubmitButton>
        </form>
      ) : null}
      {enabled ? (
        <Button
          variant="secondary"
          className="text-red-700"
          onClick={() => {
            onBegin();
            onTurnOff();
          }}
        >
          Turn off
        </Button>
      ) : null}
    </Actions>
  );
}
