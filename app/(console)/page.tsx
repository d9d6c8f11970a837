import Link from "next/link";
import { requireUser } from "@/lib/auth/current-user";

export default async function HomePage() {
  const { user } = await requireUser();
  const admin = user.role === "admin";
  const cards = [
    { href: "/profile/security", title: "Two-Factor Authentication", body: "Set up email or an authenticator app, keep backup codes, manage trusted browsers." },
    ...(admin
      ? [
          { href: "/settings/people/agents", title: "Agents", body: "Add agents, see their 2FA status, unlock accounts and issue one-time backup codes." },
          { href: "/settings/security/2fa-policy", title: "2FA Policy", body: "Ask for a code at every login, or let agents skip it on a trusted browser." },
          { href: "/settings/security/audit-log", title: "Audit Log", body: "Every sign-in and security change, with time, person and address." },
        ]
      : []),
  ];
  return (
    <div className="flex flex-col gap-8">
      <header>
        <h1 className="text-2xl font-semibold tracking-tight">{admin ? "Admin console" : "Agent Panel"}</h1>
        <p className="mt-1 text-sm text-slate-600">Welcome back, {user.name}.</p>
      </header>
      <ul className="grid gap-4 sm:grid-cols-2">
        {cards.map((card) => (
          <li key={card.href}>
            <Link href={card.href} className="block h-full rounded-xl border border-slate-200 bg-white p-5 shadow-xs transition hover:border-brand-500/40 hover:shadow-sm">
              <h2 className="font-medium">{card.title}</h2>
              <p className="mt-1 text-sm text-slate-600">{card.body}</p>
            </Link>
          </li>
        ))}
      </ul>
    </div>
  );
}
