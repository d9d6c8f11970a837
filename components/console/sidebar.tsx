// The left navigation: what the signed-in role may use, grouped as in the product.
import { Logo } from "@/components/logo";
import type { Role } from "@/db/schema";
import { signOutAction } from "@/app/(console)/actions";
import { MobileMenu } from "./mobile-menu";
import { NavLink } from "./nav-link";

type NavGroup = { title: string; sections: { title: string; links: { href: string; label: string }[] }[] };

function navigation(role: Role, mustEnroll: boolean): NavGroup[] {
  const groups: NavGroup[] = [
    {
      title: "Profile",
      sections: [{ title: "User Setting", links: [{ href: "/profile/security", label: "Two-Factor Authentication" }] }],
    },
  ];
  if (role === "admin" && !mustEnroll) {
    groups.push({
      title: "Global Settings",
      sections: [
        {
          title: "Security",
          links: [
            { href: "/settings/security/2fa-policy", label: "2FA Policy" },
            { href: "/settings/security/audit-log", label: "Audit Log" },
          ],
        },
        { title: "People", links: [{ href: "/settings/people/agents", label: "Agents" }] },
      ],
    });
  }
  return groups;
}

export function Sidebar({ user, mustEnroll }: { user: { name: string; email: string; role: Role }; mustEnroll: boolean }) {
  // The navigation and the signed-in person: in the sidebar from md up, behind "Menu" below it.
  const content = (
    <>
      <nav aria-label="Main" className="flex-1 overflow-y-auto px-3 pb-4">
        {mustEnroll ? null : (
          <NavLink href="/" exact>
            {user.role === "admin" ? "Admin console" : "Agent Panel"}
          </NavLink>
        )}
        {navigation(user.role, mustEnroll).map((group) => (
          <div key={group.title} className="mt-5">
            <p className="px-2 text-xs font-semibold tracking-wide text-slate-600 uppercase">{group.title}</p>
            {group.sections.map((section) => (
              <div key={section.title} className="mt-2">
                <p className="px-2 py-1 text-xs font-medium text-slate-600">{section.title}</p>
                <ul className="flex flex-col gap-0.5">
                  {section.links.map((link) => (
                    <li key={link.href}>
                      <NavLink href={link.href}>{link.label}</NavLink>
                    </li>
                  ))}
                </ul>
              </div>
            ))}
          </div>
        ))}
      </nav>
      <div className="flex items-center justify-between gap-2 border-t border-slate-200 px-5 py-4">
        <div className="min-w-0">
          <p className="truncate text-sm font-medium">{user.name}</p>
          <p className="truncate text-xs text-slate-600">{user.email}</p>
        </div>
        <form action={signOutAction}>
          <button
            type="submit"
            className="shrink-0 rounded-md px-2 py-1 text-sm font-medium whitespace-nowrap text-slate-600 hover:bg-slate-100 hover:text-slate-900"
          >
            Sign out
          </button>
        </form>
      </div>
    </>
  );
  return (
    <aside className="border-b border-slate-200 bg-white md:sticky md:top-0 md:flex md:h-screen md:w-64 md:shrink-0 md:flex-col md:border-r md:border-b-0">
      <a
        href="#content"
        className="sr-only focus:not-sr-only focus:absolute focus:top-2 focus:left-2 focus:rounded focus:bg-white focus:px-3 focus:py-2"
      >
        Skip to content
      </a>
      <div className="flex items-center justify-between px-5 py-4">
        <NavLink href="/" exact className="rounded-md">
          <Logo />
        </NavLink>
        <div className="flex items-center gap-3">
          <span className="rounded-full bg-slate-100 px-2 py-0.5 text-xs font-medium text-slate-600">
            {user.role === "admin" ? "Admin" : "Agent"}
          </span>
          <MobileMenu>{content}</MobileMenu>
        </div>
      </div>
      <div className="hidden md:flex md:min-h-0 md:flex-1 md:flex-col">{content}</div>
    </aside>
  );
}
