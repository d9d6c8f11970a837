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
  it('asks "Confirm it\'s you", then makes the change it was asked for', async () => {
    const user = userEvent.setup();
    actions.generateNewBackupCodes.mockResolvedValueOnce({ reauth: true }).mockResolvedValueOnce({ ok: true, backupCodes: CODES });
    actions.reauthenticate.mockResolvedValueOnce({ ok: true });
    renderCard();

    await askForNewCodes(user);
    const reauth = await screen.findByRole("dialog", { name: "Confirm it's you" });
    expect(screen.queryByRole("dialog", { name: "Generate new backup codes?" })).toBeNull();
    await user.type(within(reauth).getByLabelText("Password"), "correct horse battery staple");
    await user.click(within(reauth).getByRole("button", { name: "Confirm" }));

    const sent = actions.reauthenticate.mock.calls[0][0] as FormData;
    expect(Object.fromEntries(sent)).toEqual({ method: "password", password: "correct horse battery staple" });
    const codes = await screen.findByRole("dialog", { name: "Save your backup codes" });
    expect(within(codes).getAllByRole("listitem")).toHaveLength(10);
    expect(actions.generateNewBackupCodes).toHaveBeenCalledTimes(2);
    expect(screen.queryByRole("dialog", { name: "Confirm it's you" })).toBeNull();
  });

  it("a wrong password keeps the dialog open with the error, and the change does not run", async () => {
    const user = userEvent.setup();
    actions.generateNewBackupCodes.mockResolvedValue({ reauth: true });
    actions.reauthenticate.mockResolvedValue({ ok: false, error: "Wrong password.", fieldErrors: { password: "Wrong password." } });
    renderCard();

    await askForNewCodes(user);
    const reauth = await screen.findByRole("dialog", { name: "Confirm it's you" });
    await user.type(within(reauth).getByLabelText("Password"), "not it");
    await user.click(within(reauth).getByRole("button", { name: "Confirm" }));

    expect(await within(reauth).findByText("Wrong password.")).toBeVisible();
    expect(within(reauth).getByLabelText("Password")).toHaveAttribute("aria-invalid", "true");
    expect(actions.generateNewBackupCodes).toHaveBeenCalledTimes(1);
  });

  it("takes a current authentication code instead of the password", async () => {
    const user = userEvent.setup();
    actions.generateNewBackupCodes.mockResolvedValueOnce({ reauth: true }).mockResolvedValueOnce({ ok: true, backupCodes: CODES });
    actions.reauthenticate.mockResolvedValueOnce({ ok: true });
    renderCard(["app"]);

    await askForNewCodes(user);
    const reauth = await screen.findByRole("dialog", { name: "Confirm it's you" });
    await user.click(within(reauth).getByRole("button", { name: "Use an authentication code instead" }));
    await user.type(within(reauth).getByLabelText("Authentication code"), "123 456");
    await user.click(within(reauth).getByRole("button", { name: "Confirm" }));

    expect(Object.fromEntries(actions.reauthenticate.mock.calls[0][0] as FormData)).toEqual({ method: "code", code: "123456" });
    expect(await screen.findByRole("dialog", { name: "Save your backup codes" })).toBeVisible();
  });

  it("offers an emailed code when email is a method", async () => {
    const user = userEvent.setup();
    actions.generateNewBackupCodes.mockResolvedValue({ reauth: true });
    actions.emailReauthCode.mockResolvedValue({ ok: true, sent: true, resendAt: new Date(Date.now() + 60_000).toISOString() });
    renderCard(["email"]);

    await askForNewCodes(user);
    const reauth = await screen.findByRole("dialog", { name: "Confirm it's you" });
    await user.click(within(reauth).getByRole("button", { name: "Use an authentication code instead" }));
    await user.click(within(reauth).getByRole("button", { name: "Email me a code" }));

    expect(actions.emailReauthCode).toHaveBeenCalledOnce();
    expect(await within(reauth).findByText(/We sent a code to your email/)).toBeVisible();
    expect(within(reauth).getByRole("button", { name: "Resend" })).toBeDisabled();
  });
});
