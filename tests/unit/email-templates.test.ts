import { afterEach, describe, expect, it, vi } from "vitest";
import {
  accountLockedEmail,
  accountUnlockedEmail,
  adminBackupCodeIssuedEmail,
  backupCodesGeneratedEmail,
  setupCodeEmail,
  signInCodeEmail,
  twoFactorDisabledEmail,
  twoFactorEnabledEmail,
  twoFactorMethodResetEmail,
  twoFactorResetByAdminEmail,
  welcomeEmail,
  type Email,
} from "@/lib/email/templates";

afterEach(() => vi.unstubAllEnvs());

const HOSTILE = `<script>alert("x")</script> & 'Bob'`;

const all = (name: string): Record<string, Email> => ({
  welcome: welcomeEmail({ name, username: "maria", signInUrl: "https://tessera.example.com/login" }),
  signInCode: signInCodeEmail({ name, code: "493027" }),
  setupCode: setupCodeEmail({ name, code: "493027" }),
  enabled: twoFactorEnabledEmail({ name, method: "app" }),
  disabled: twoFactorDisabledEmail({ name, method: "email" }),
  reset: twoFactorMethodResetEmail({ name, method: "app" }),
  backupCodes: backupCodesGeneratedEmail({ name }),
  adminCode: adminBackupCodeIssuedEmail({ name, adminName: name }),
  locked: accountLockedEmail({ name }),
  resetByAdmin: twoFactorResetByAdminEmail({ name, adminName: name }),
  unlocked: accountUnlockedEmail({ name, adminName: name }),
});

// What a sign-in code or a backup code looks like, anywhere in a message.
const SIX_DIGITS = /(?<!\d)\d{6}(?!\d)/;
const BACKUP_CODE = /\b[a-z0-9]{5}-[a-z0-9]{5}\b/i;
// The words a reader sees: tags and their inline styles (colours like #334155) left out.
const withoutTags = (html: string) => html.replace(/<[^>]*>/g, "");

describe("email templates", () => {
  it("escape every interpolated value in the HTML", () => {
    for (const [kind, email] of Object.entries(all(HOSTILE))) {
      expect(email.html, kind).not.toContain("<script");
      expect(email.html, kind).toContain("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;Bob&#39;");
      expect(email.text, kind).toContain(HOSTILE);
    }
  });

  it("keep names out of subjects", () => {
    for (const [kind, email] of Object.entries(all(HOSTILE))) expect(email.subject, kind).not.toMatch(/script|Bob/);
  });

  it("escape the username and the link in the welcome email", () => {
    const email = welcomeEmail({ name: "Maria", username: "<b>maria</b>", signInUrl: 'https://x.example/login?a="1"&b=<2>' });
    expect(email.html).toContain("&lt;b&gt;maria&lt;/b&gt;");
    expect(email.html).toContain('href="https://x.example/login?a=%221%22&amp;b=%3C2%3E"');
    expect(email.html).not.toContain("<b>");
  });

  it("refuse a sign-in link that is not a web address", () => {
    expect(() => welcomeEmail({ name: "Maria", username: "maria", signInUrl: "javascript:alert(1)" })).toThrow(/http\(s\)/);
  });

  it("welcome a new account with its username and sign-in link, never a password", () => {
    // A caller that passes the whole new-user form along must still not mail the password.
    const form = { name: "Maria", username: "maria", signInUrl: "https://tessera.example.com/login", password: "Tr0ub4dor&3-horse" };
    const email = welcomeEmail(form);
    expect(email.subject).not.toContain("Tr0ub4dor");
    for (const part of [email.text, email.html]) {
      expect(part).not.toContain("Tr0ub4dor");
      expect(part).toContain("maria");
      expect(part).toContain("https://tessera.example.com/login");
      expect(part).not.toMatch(/password:|your password is/i);
    }
  });

  it("put the code in the sign-in and setup code emails, in the body only", () => {
    for (const email of [signInCodeEmail({ name: "Maria", code: "493027" }), setupCodeEmail({ name: "Maria", code: "493027" })]) {
      expect(email.text).toContain("493027");
      expect(email.html).toContain("493027");
      expect(email.subject).not.toContain("493027");
      expect(email.text).toContain("10 minutes");
    }
  });

  it("refuse a code that is not six digits", () => {
    expect(() => signInCodeEmail({ name: "Maria", code: "49302" })).toThrow();
    expect(() => setupCodeEmail({ name: "Maria", code: "<b>123456</b>" })).toThrow();
  });

  it("never carry anything that looks like a code in the other emails", () => {
    const { signInCode, setupCode, ...others } = all("Maria Lopez");
    expect(signInCode.text).toMatch(SIX_DIGITS);
    expect(setupCode.text).toMatch(SIX_DIGITS);
    for (const [kind, email] of Object.entries(others)) {
      for (const part of [email.subject, email.text, withoutTags(email.html)]) {
        expect(part, kind).not.toMatch(SIX_DIGITS);
        expect(part, kind).not.toMatch(BACKUP_CODE);
      }
    }
  });

  it("say who issued a backup code and for how long it works", () => {
    const email = adminBackupCodeIssuedEmail({ name: "Maria", adminName: "Ada Admin" });
    expect(email.text).toContain("Ada Admin");
    expect(email.text).toContain("30 minutes");
  });

  it("name the method that changed", () => {
    expect(twoFactorEnabledEmail({ name: "Maria", method: "app" }).subject).toBe("Authenticator app authentication was turned on");
    expect(twoFactorDisabledEmail({ name: "Maria", method: "email" }).subject).toBe("Email authentication was turned off");
    expect(twoFactorMethodResetEmail({ name: "Maria", method: "app" }).subject).toBe("Authenticator app authentication was reset");
  });

  it("ask a locked-out user to go to an admin", () => {
    expect(accountLockedEmail({ name: "Maria" }).text).toMatch(/Ask an administrator to unlock it/);
  });

  it("carry the configured app name", () => {
    vi.stubEnv("APP_NAME", "Acme <Desk>");
    const email = signInCodeEmail({ name: "Maria", code: "493027" });
    expect(email.subject).toBe("Your Acme <Desk> sign-in code");
    expect(email.html).toContain("Acme &lt;Desk&gt;");
    expect(email.html).not.toContain("<Desk>");
  });
});
