import { Logo } from "@/components/logo";

export default function AuthLayout({ children }: { children: React.ReactNode }) {
  return (
    <div className="flex min-h-screen flex-col items-center justify-center gap-8 bg-gradient-to-b from-slate-50 to-brand-50 px-4 py-12">
      {/* Every part of the page in a landmark: the mark in the banner, the note in the footer. */}
      <header>
        <Logo />
      </header>
      <main className="w-full max-w-sm rounded-2xl border border-slate-200 bg-white p-8 shadow-sm">{children}</main>
      <footer className="text-xs text-slate-600">Protected by two-factor authentication</footer>
    </div>
  );
}
