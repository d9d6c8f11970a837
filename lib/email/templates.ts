// The emails Tessera sends, as pure functions from plain values to { subject, text, html }.
// Only the sign-in and setup code emails carry a code; every value placed in the HTML is escaped.
import type { MethodKind } from "@/db/schema";
import { appName } from "@/lib/env";
import { METHOD_NAMES } from "@/lib/two-factor/method-names";
import { timeLeft } from "@/lib/two-factor/enrollment";

export type Email = { subject: string; text: string; html: string };

/** A paragraph, the code set apart in large type, or a button-like link. */
type Block = string | { code: string } | { link: string; label: string } | { facts: [label: string, value: string][] };

type Letter = { subject: string; heading: string; name: string; blocks: Block[] };

const NOT_YOU = "If this wasn't you, tell your administrator right away.";
const SESSIONS_ENDED = "For your safety, your other sessions were signed out and remembered browsers were forgotten.";

export function welcomeEmail(input: { name: string; username: string; signInUrl: string }): Email {
  const app = appName();
  return compose({
    subject: `Your ${app} account is ready`,
    heading: "Your account is ready",
    name: input.name,
    blocks: [
      `An administrator created a ${app} account for you. Your username is ${input.username}.`,
      "Sign in with the password your administrator gave you, then set up two-factor authentication.",
      { link: httpUrl(input.signInUrl), label: `Sign in to ${app}` },
    ],
  });
}

export function signInCodeEmail(input: { name: string; code: string }): Email {
  const app = appName();
  return compose({
    subject: `Your ${app} sign-in code`,
    heading: "Your sign-in code",
    name: input.name,
    blocks: [
      `Enter this code to finish signing in to ${app}:`,
      { code: sixDigits(input.code) },
      "It works once and expires in 10 minutes. Never share it: nobody from your team will ask for it.",
      "If you did not try to sign in, someone may know your password. Tell your administrator.",
    ],
  });
}

export function setupCodeEmail(input: { name: string; code: string }): Email {
  const app = appName();
  return compose({
    subject: `Confirm your email address for ${app}`,
    heading: "Confirm your email address",
    name: input.name,
    blocks: [
      `Enter this code in ${app} to turn on email authentication for your account:`,
      { code: sixDigits(input.code) },
      "It works once and expires in 10 minutes.",
      "If you did not ask for this, someone may be signed in to your account. Tell your administrator.",
    ],
  });
}

export function twoFactorEnabledEmail(input: { name: string; method: MethodKind }): Email {
  return methodNotice(input, "turned on");
}

export function twoFactorDisabledEmail(input: { name: string; method: MethodKind }): Email {
  return methodNotice(input, "turned off");
}

export function twoFactorMethodResetEmail(input: { name: string; method: MethodKind }): Email {
  return methodNotice(input, "reset");
}

function methodNotice(input: { name: string; method: MethodKind }, change: string): Email {
  const method = METHOD_NAMES[input.method];
  return compose({
    subject: `${method} was ${change}`,
    heading: `${method} was ${change}`,
    name: input.name,
    blocks: [`${method} was ${change} on your ${appName()} account.`, SESSIONS_ENDED, NOT_YOU],
  });
}

export function passkeyAddedEmail(input: { name: string; passkeyName: string }): Email {
  return passkeyNotice(input, "added to");
}

/** `twoFactorOff`: it was the last method, so two-factor authentication is off and the backup codes are gone. */
export function passkeyRemovedEmail(input: { name: string; passkeyName: string; twoFactorOff?: boolean }): Email {
  const off = input.twoFactorOff
    ? [`It was your last method: two-factor authentication is now off for your ${appName()} account, and your backup codes were deleted.`]
    : [];
  return passkeyNotice(input, "removed from", off);
}

function passkeyNotice(input: { name: string; passkeyName: string }, change: string, more: string[] = []): Email {
  return compose({
    subject: `A passkey was ${change} your account`,
    heading: `A passkey was ${change} your account`,
    name: input.name,
    blocks: [`The passkey “${input.passkeyName}” was ${change} your ${appName()} account.`, ...more, SESSIONS_ENDED, NOT_YOU],
  });
}

export function passwordResetEmail(input: { name: string }): Email {
  return compose({
    subject: "Your password was reset",
    heading: "Your password was reset",
    name: input.name,
    blocks: [
      `Your ${appName()} password was reset by an administrator of the server. Sign in with the new password they give you, then choose your own on your profile.`,
      "For your safety, your sessions were signed out and remembered browsers were forgotten.",
      NOT_YOU,
    ],
  });
}

export function backupCodesViewedEmail(input: { name: string }): Email {
  return compose({
    subject: "Your backup codes were viewed",
    heading: "Your backup codes were viewed",
    name: input.name,
    blocks: [
      `Someone signed in to your ${appName()} account confirmed it was them and viewed your backup codes.`,
      "If this wasn't you, generate new codes at once (the ones seen stop working) and tell your administrator.",
    ],
  });
}

export function backupCodesGeneratedEmail(input: { name: string }): Email {
  return compose({
    subject: "New backup codes were generated",
    heading: "New backup codes were generated",
    name: input.name,
    blocks: [
      `New backup codes were generated for your ${appName()} account, and the earlier codes no longer work.`,
      "Keep the new codes somewhere safe. They are shown only in your account, never sent by email.",
      SESSIONS_ENDED,
      NOT_YOU,
    ],
  });
}

export function passwordChangedEmail(input: { name: string }): Email {
  return compose({
    subject: "Your password was changed",
    heading: "Your password was changed",
    name: input.name,
    blocks: [`The password of your ${appName()} account was changed.`, SESSIONS_ENDED, NOT_YOU],
  });
}

export function adminBackupCodeIssuedEmail(input: { name: string; adminName: string }): Email {
  return compose({
    subject: "An administrator issued you a backup code",
    heading: "An administrator issued you a backup code",
    name: input.name,
    blocks: [
      `${input.adminName}, an administrator, issued a one-time backup code for your ${appName()} account. It works once and expires in 30 minutes.`,
      "Your administrator gives you the code directly; it is never sent by email.",
      "If you did not ask for help signing in, tell another administrator right away.",
    ],
  });
}

export function accountLockedEmail(input: { name: string }): Email {
  return compose({
    subject: "Your account is locked",
    heading: "Your account is locked",
    name: input.name,
    blocks: [
      `Your ${appName()} account was locked after too many wrong authentication codes.`,
      "Ask an administrator to unlock it.",
      "If you were not trying to sign in, someone may know your password. Tell your administrator.",
    ],
  });
}

export function twoFactorResetByAdminEmail(input: { name: string; adminName: string }): Email {
  return compose({
    subject: "An administrator reset your two-factor authentication",
    heading: "Your two-factor authentication was reset",
    name: input.name,
    blocks: [
      `${input.adminName}, an administrator, reset two-factor authentication on your ${appName()} account. Your authentication methods and backup codes were removed.`,
      "You can set up two-factor authentication again after you sign in.",
      SESSIONS_ENDED,
      NOT_YOU,
    ],
  });
}

export function accountUnlockedEmail(input: { name: string; adminName: string }): Email {
  return compose({
    subject: "Your account was unlocked",
    heading: "Your account was unlocked",
    name: input.name,
    blocks: [`${input.adminName}, an administrator, unlocked your ${appName()} account. You can sign in again.`, NOT_YOU],
  });
}

/** A moment as an email states it: the reader's time zone is unknown, so UTC, named. */
function utc(at: Date): string {
  return `${at.toISOString().slice(0, 16).replace("T", " ")} UTC`;
}

export function newSignInEmail(input: { name: string; browser: string; ip: string | null; at: Date; securityUrl: string | null }): Email {
  return compose({
    subject: `New sign-in to ${appName()}`,
    heading: `New sign-in to ${appName()}`,
    name: input.name,
    blocks: [
      `Your ${appName()} account was signed in to from a browser it had not been used from recently.`,
      {
        facts: [
          ["Browser", input.browser],
          ["IP address", input.ip ?? "unknown"],
          ["Time", utc(input.at)],
        ],
      },
      "If this was you, there is nothing to do. If not, change your password and sign out that session under \u201cWhere you're signed in\u201d, then tell your administrator.",
      input.securityUrl
        ? { link: httpUrl(input.securityUrl), label: "Review where you're signed in" }
        : "Review it in Profile, Two-Factor Authentication, under \u201cWhere you're signed in\u201d.",
    ],
  });
}

export function signedOutEverywhereEmail(input: { name: string; adminName: string }): Email {
  return compose({
    subject: "An administrator signed you out everywhere",
    heading: "You were signed out everywhere",
    name: input.name,
    blocks: [
      `${input.adminName}, an administrator, signed your ${appName()} account out of every browser, and browsers you chose to remember will ask for a code again. Sign in again to go on working.`,
      NOT_YOU,
    ],
  });
}

export function enrollmentReminderEmail(input: { name: string; deadline: Date; at: Date; setupUrl: string }): Email {
  const left = timeLeft(input.deadline, input.at);
  return compose({
    subject: `Set up two-factor authentication by ${utc(input.deadline)}`,
    heading: "Set up two-factor authentication",
    name: input.name,
    blocks: [
      `Your administrator requires two-factor authentication on ${appName()}. You have ${left} left to set it up: until ${utc(input.deadline)}.`,
      "After that, your account opens only the page that sets it up until you do. It takes a minute with a passkey, an authenticator app or email.",
      { link: httpUrl(input.setupUrl), label: "Set up two-factor authentication" },
    ],
  });
}

export function accountLockedAdminEmail(input: {
  adminName: string;
  person: { name: string; email: string };
  at: Date;
  ip: string | null;
  agentsUrl: string | null;
}): Email {
  return compose({
    subject: "An account was locked",
    heading: "An account was locked",
    name: input.adminName,
    blocks: [
      `${input.person.name} (${input.person.email}) was locked out of ${appName()} after too many wrong authentication codes.`,
      {
        facts: [
          ["Time", utc(input.at)],
          ["IP address", input.ip ?? "unknown"],
        ],
      },
      "If it was them, confirm who they are another way, then unlock the account from Agents. If not, someone may know their password: leave it locked and tell them.",
      input.agentsUrl ? { link: httpUrl(input.agentsUrl), label: "Open Agents" } : "Unlock is in Global Settings, People, Agents.",
    ],
  });
}

function sixDigits(code: string): string {
  if (!/^\d{6}$/.test(code)) throw new Error("A code email needs a 6-digit code.");
  return code;
}

// Only web addresses become links: a javascript: or data: URL must never reach a mail client.
function httpUrl(value: string): string {
  const url = new URL(value);
  if (url.protocol !== "https:" && url.protocol !== "http:") throw new Error("A link in an email must be an http(s) address.");
  return url.href;
}

function escapeHtml(value: string): string {
  return value.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;").replaceAll('"', "&quot;").replaceAll("'", "&#39;");
}

const FONT = "-apple-system, 'Segoe UI', Roboto, Helvetica, Arial, sans-serif";
const MONO = "ui-monospace, SFMono-Regular, Menlo, Consolas, monospace";

function compose(letter: Letter): Email {
  const app = appName();
  const footer = `This message was sent automatically by ${app}. Replies to it are not read.`;
  const text = [`Hello ${letter.name},`, ...letter.blocks.map(blockText), "--", footer].join("\n\n") + "\n";
  const html = `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light">
<title>${escapeHtml(letter.subject)}</title>
</head>
<body style="margin:0;padding:0;background-color:#f8fafc;">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" style="background-color:#f8fafc;">
<tr><td align="center" style="padding:32px 16px;">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" style="max-width:560px;background-color:#ffffff;border:1px solid #e2e8f0;border-radius:8px;">
<tr><td style="padding:24px 32px 0;font-family:${FONT};font-size:14px;font-weight:600;color:#3b55d9;">${escapeHtml(app)}</td></tr>
<tr><td style="padding:8px 32px 0;"><h1 style="margin:0;font-family:${FONT};font-size:20px;line-height:28px;font-weight:600;color:#0f172a;">${escapeHtml(letter.heading)}</h1></td></tr>
<tr><td style="padding:16px 32px 24px;font-family:${FONT};font-size:14px;line-height:22px;color:#334155;">
<p style="margin:0 0 16px;">Hello ${escapeHtml(letter.name)},</p>
${letter.blocks.map(blockHtml).join("\n")}
</td></tr>
<tr><td style="padding:16px 32px;border-top:1px solid #e2e8f0;font-family:${FONT};font-size:12px;line-height:18px;color:#64748b;">${escapeHtml(footer)}</td></tr>
</table>
</td></tr>
</table>
</body>
</html>
`;
  return { subject: letter.subject, text, html };
}

function blockText(block: Block): string {
  if (typeof block === "string") return block;
  if ("code" in block) return `    ${block.code}`;
  if ("facts" in block) return block.facts.map(([label, value]) => `${label}: ${value}`).join("\n");
  return `${block.label}: ${block.link}`;
}

function blockHtml(block: Block): string {
  if (typeof block === "string") return `<p style="margin:0 0 16px;">${escapeHtml(block)}</p>`;
  if ("facts" in block) {
    const rows = block.facts.map(([label, value]) => `<strong>${escapeHtml(label)}:</strong> ${escapeHtml(value)}`).join("<br>");
    return `<p style="margin:0 0 16px;">${rows}</p>`;
  }
  if ("code" in block) {
    return `<p style="margin:0 0 16px;font-family:${MONO};font-size:28px;line-height:36px;font-weight:600;letter-spacing:6px;color:#0f172a;">${escapeHtml(block.code)}</p>`;
  }
  return `<p style="margin:8px 0 16px;"><a href="${escapeHtml(block.link)}" style="display:inline-block;padding:10px 18px;border-radius:6px;background-color:#3b55d9;color:#ffffff;font-weight:600;text-decoration:none;">${escapeHtml(block.label)}</a></p>`;
}
