// The product mark: four tiles, one accent.
export function Logo({ compact = false }: { compact?: boolean }) {
  const name = process.env.APP_NAME || "Tessera";
  return (
    <span className="inline-flex items-center gap-2 font-semibold tracking-tight text-slate-900">
      <svg viewBox="0 0 24 24" className="size-7" aria-hidden="true">
        <rect x="2" y="2" width="9" height="9" rx="2" className="fill-brand-600" />
        <rect x="13" y="2" width="9" height="9" rx="2" className="fill-brand-100" />
        <rect x="2" y="13" width="9" height="9" rx="2" className="fill-brand-100" />
        <rect x="13" y="13" width="9" height="9" rx="2" className="fill-brand-500" />
      </svg>
      {compact ? null : <span className="text-lg">{name}</span>}
    </span>
  );
}
