// @vitest-environment jsdom
import { render, screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it, vi } from "vitest";

const actions = vi.hoisted(() => ({
  generateNewBackupCodes: vi.fn(),
  reauthenticate: vi.fn(),
  emailReauthCode: vi.fn(),
}));
vi.mock("@/app/(console)/profile/security/actions", () => actions);

import { BackupCodesCard } from "@/components/two-factor/backup-codes-card";
import { ReauthProvider } from "@/components/two-factor/reauth";

const CODES = Array.from({ length: 10 }, (_, index) => `newer-code${index}`);

beforeEach(() => vi.resetAllMocks());

function renderCard(methods: ("email" | "app")[] = ["app"]) {
  render(
    <ReauthProvider methods={methods}>
      <BackupCodesCard
        available
        remaining={2}
        total={10}
        createdAt="Jan 1, 2030, 9:00 AM UTC"
        account="maria@example.com"
        appName="Tessera"
      />
    </ReauthProvider>,
  );
}

async function askForNewCodes(user: ReturnType<typeof userEvent.setup>) {
  await user.click(screen.getByRole("button", { name: "Generate new codes" }));
  const confirm = screen.getByRole("dialog", { name: "Generate new backup codes?" });
  await user.click(within(confirm).getByRole("button", { name: "Generate new codes" }));
}

describe("a sensitive change without a recent re-authentication", () => {
  it('asks "Confirm it\'s you" for a code (no password field when a method is on), then makes the change', async () => {
    const user = userEvent.setup();
    actions.generateNewBackupCodes.mockResolvedValueOnce({ reauth: true }).mockResolvedValueOnce({ ok: true, backupCodes: CODES });
    actions.reauthenticate.mockResolvedValueOnce({ ok: true });
    renderCard(["app"]);

    await askForNewCodes(user);
    const reauth = await screen.findByRole("dialog", { name: "Confirm it's you" });
    expect(screen.queryByRole("dialog", { name: "Generate new backup codes?" })).toBeNull();
    expect(within(reauth).queryByLabelText("Password")).toBeNull();
    await user.type(within(reauth).getByLabelText("Authentication code"), "123 456");
    await user.click(within(reauth).getByRole("button", { name: "Confirm" }));

    expect(Object.fromEntries(actions.reauthenticate.mock.calls[0][0] as FormData)).toEqual({ method: "code", code: "123456" });
    const codes = await screen.findByRole("dialog", { name: "Save your backup codes" });
    expect(within(codes).getAllByRole("listitem")).toHaveLength(10);
    expect(actions.generateNewBackupCodes).toHaveBeenCalledTimes(2);
    expect(screen.queryByRole("dialog", { name: "Confirm it's you" })).toBeNull();
  });

  it("a wrong code keeps the dialog open with the error, and the change does not run", async () => {
    const user = userEvent.setup();
    actions.generateNewBackupCodes.mockResolvedValue({ reauth: true });
    actions.reauthenticate.mockResolvedValue({
      ok: false,
      error: "Invalid authentication code.",
      fieldErrors: { code: "Invalid authentication code." },
    });
    renderCard(["app"]);

    await askForNewCodes(user);
    const reauth = await screen.findByRole("dialog", { name: "Confirm it's you" });
    await user.type(within(reauth).getByLabelText("Authentication code"), "000000");
    await user.click(within(reauth).getByRole("button", { name: "Confirm" }));

    expect(await within(reauth).findByText("Invalid authentication code.")).toBeVisible();
    expect(within(reauth).getByLabelText("Authentication code")).toHaveAttribute("aria-invalid", "true");
    expect(actions.generateNewBackupCodes).toHaveBeenCalledTimes(1);
  });

  it('takes a backup code after "Use a backup code"', async () => {
    const user = userEvent.setup();
    actions.generateNewBackupCodes.mockResolvedValueOnce({ reauth: true }).mockResolvedValueOnce({ ok: true, backupCodes: CODES });
    actions.reauthenticate.mockResolvedValueOnce({ ok: true });
    renderCard(["app"]);

    await askForNewCodes(user);
    const reauth = await screen.findByRole("dialog", { name: "Confirm it's you" });
    await user.click(within(reauth).getByRole("button", { name: "Use a backup code" }));
    expect(within(reauth).getByText(/this one will be used up/)).toBeVisible();
    await user.type(within(reauth).getByLabelText("Backup code"), "abcde-12345");
    await user.click(within(reauth).getByRole("button", { name: "Confirm" }));

    expect(Object.fromEntries(actions.reauthenticate.mock.calls[0][0] as FormData)).toEqual({ method: "backup", code: "abcde-12345" });
    expect(await screen.findByRole("dialog", { name: "Save your backup codes" })).toBeVisible();
  });

  it("offers an emailed code when email is a method", async () => {
    const user = userEvent.setup();
    actions.generateNewBackupCodes.mockResolvedValue({ reauth: true });
    actions.emailReauthCode.mockResolvedValue({ ok: true, sent: true, resendAt: new Date(Date.now() + 60_000).toISOString() });
    renderCard(["email"]);

    await askForNewCodes(user);
    const reauth = await screen.findByRole("dialog", { name: "Confirm it's you" });
    await user.click(within(reauth).getByRole("button", { name: "Email me a code" }));

    expect(actions.emailReauthCode).toHaveBeenCalledOnce();
    expect(await within(reauth).findByText(/We sent a code to your email/)).toBeVisible();
    expect(within(reauth).getByRole("button", { name: "Resend" })).toBeDisabled();
  });

  it("asks for the password of an account with no method", async () => {
    const user = userEvent.setup();
    actions.generateNewBackupCodes.mockResolvedValueOnce({ reauth: true }).mockResolvedValueOnce({ ok: true, backupCodes: CODES });
    actions.reauthenticate.mockResolvedValueOnce({ ok: true });
    renderCard([]);

    await askForNewCodes(user);
    const reauth = await screen.findByRole("dialog", { name: "Confirm it's you" });
    expect(within(reauth).queryByLabelText("Authentication code")).toBeNull();
    expect(within(reauth).queryByRole("button", { name: "Use a backup code" })).toBeNull();
    await user.type(within(reauth).getByLabelText("Password"), "correct horse battery staple");
    await user.click(within(reauth).getByRole("button", { name: "Confirm" }));
    expect(Object.fromEntries(actions.reauthenticate.mock.calls[0][0] as FormData)).toEqual({
      method: "password",
      password: "correct horse battery staple",
    });
    expect(await screen.findByRole("dialog", { name: "Save your backup codes" })).toBeVisible();
  });
});
