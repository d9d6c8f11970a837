// @vitest-environment jsdom
import { render, screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it, vi } from "vitest";

const actions = vi.hoisted(() => ({
  startEmailSetup: vi.fn(),
  confirmEmailMethod: vi.fn(),
  turnOffTwoFactorMethod: vi.fn(),
  reauthenticate: vi.fn(),
  emailReauthCode: vi.fn(),
}));
vi.mock("@/app/(console)/profile/security/actions", () => actions);

import { EmailMethodCard } from "@/components/two-factor/email-method-card";
import { ReauthProvider } from "@/components/two-factor/reauth";

beforeEach(() => vi.resetAllMocks());

function renderCard(props: Partial<React.ComponentProps<typeof EmailMethodCard>> = {}) {
  render(
    <ReauthProvider methods={props.enabled ? ["email"] : []}>
      <EmailMethodCard enabled={false} email="maria@example.com" allowed lastMethod={false} appName="Tessera" {...props} />
    </ReauthProvider>,
  );
  return screen.getByRole("region", { name: "Email authentication" });
}

describe("the email authentication section", () => {
  it("offers Set up when off", () => {
    const off = renderCard();
    expect(within(off).getByText("Off")).toBeVisible();
    expect(within(off).getByRole("button", { name: "Set up" })).toBeVisible();
    expect(within(off).queryByRole("button", { name: "Turn off" })).toBeNull();
  });

  it("when on, offers Reset and Turn off", () => {
    const on = renderCard({ enabled: true });
    expect(within(on).getByText("On")).toBeVisible();
    expect(within(on).getByRole("button", { name: "Reset" })).toBeVisible();
    expect(within(on).getByRole("button", { name: "Turn off" })).toBeVisible();
    expect(within(on).queryByRole("button", { name: "Set up" })).toBeNull();
  });

  it("does not offer Set up when the admin allows only the authenticator app, and says why", () => {
    const section = renderCard({ allowed: false });
    expect(within(section).queryByRole("button", { name: "Set up" })).toBeNull();
    expect(section).toHaveTextContent("Your admin allows only the authenticator app");
  });

  it("Set up mails a code and asks for it; the right code turns email on and shows the first backup codes", async () => {
    const user = userEvent.setup();
    actions.startEmailSetup.mockResolvedValue({
      ok: true,
      sentTo: "maria@example.com",
      resendAt: new Date(Date.now() + 60_000).toISOString(),
    });
    actions.confirmEmailMethod
      .mockResolvedValueOnce({ ok: false, error: "Invalid authentication code.", fieldErrors: { code: "Invalid authentication code." } })
      .mockResolvedValueOnce({
        ok: true,
        notice: "Email authentication is on.",
        backupCodes: Array.from({ length: 10 }, (_, i) => `aaaaa-0000${i}`),
      });
    const section = renderCard();

    await user.click(within(section).getByRole("button", { name: "Set up" }));
    const dialog = await screen.findByRole("dialog", { name: "Enter the Authentication Code" });
    expect(dialog).toHaveTextContent("maria@example.com");
    expect(within(dialog).getByRole("button", { name: "Resend" })).toBeDisabled();

    await user.type(within(dialog).getByLabelText("Authentication code"), "111111");
    await user.click(within(dialog).getByRole("button", { name: "Verify" }));
    expect(await within(dialog).findByText("Invalid authentication code.")).toBeVisible();

    await user.type(within(dialog).getByLabelText("Authentication code"), "222222");
    await user.click(within(dialog).getByRole("button", { name: "Verify" }));
    expect(Object.fromEntries(actions.confirmEmailMethod.mock.calls[1][0] as FormData)).toEqual({ code: "222222" });
    const codes = await screen.findByRole("dialog", { name: "Save your backup codes" });
    expect(within(codes).getAllByRole("listitem")).toHaveLength(10);
    expect(section).toHaveTextContent("Email authentication is on.");
  });

  it("Turn off asks first and says what goes with the last method", async () => {
    const user = userEvent.setup();
    actions.turnOffTwoFactorMethod.mockResolvedValue({ ok: true, notice: "Email authentication is off." });
    const section = renderCard({ enabled: true, lastMethod: true });

    await user.click(within(section).getByRole("button", { name: "Turn off" }));
    const dialog = screen.getByRole("dialog", { name: "Turn off email authentication?" });
    expect(dialog).toHaveTextContent("backup codes will be deleted");
    await user.click(within(dialog).getByRole("button", { name: "Turn off" }));

    expect(Object.fromEntries(actions.turnOffTwoFactorMethod.mock.calls[0][0] as FormData)).toEqual({ method: "email" });
    expect(await within(section).findByText("Email authentication is off.")).toBeVisible();
  });
});
