// @vitest-environment jsdom
import { render, screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import { BackupCodesDialog } from "@/components/two-factor/backup-codes-dialog";
import { backupCodesFileName, backupCodesFileText } from "@/components/two-factor/backup-codes-file";

const CODES = Array.from({ length: 10 }, (_, index) => `code${index}-abcd${index}`);

function renderDialog(onClose = vi.fn()) {
  render(<BackupCodesDialog codes={CODES} account="maria@example.com" appName="Tessera" onClose={onClose} />);
  return screen.getByRole("dialog", { name: "Save your backup codes" });
}

describe("the backup codes dialog", () => {
  it("shows the ten codes once, with the warning that this is the only time", () => {
    const dialog = renderDialog();
    const list = within(dialog).getByRole("list", { name: "Backup codes" });
    expect(
      within(list)
        .getAllByRole("listitem")
        .map((item) => item.textContent),
    ).toEqual(CODES);
    expect(dialog).toHaveTextContent(/Save these codes somewhere safe/);
  });

  it("opens on its first action, not on the close button", () => {
    const dialog = renderDialog();
    expect(document.activeElement).toBe(within(dialog).getByRole("button", { name: "Download" }));
  });

  it("seen again, marks the used codes and leaves them out of the copy", async () => {
    const writeText = vi.fn(async () => {});
    vi.stubGlobal("navigator", Object.assign(navigator, { clipboard: { writeText } }));
    const used = CODES.map((_, index) => index < 2);
    render(
      <BackupCodesDialog
        codes={CODES}
        viewed={{ used, createdAt: new Date("2030-01-01T09:00:00Z") }}
        account="maria@example.com"
        appName="Tessera"
        onClose={vi.fn()}
      />,
    );
    const dialog = screen.getByRole("dialog", { name: "Your backup codes" });
    const items = within(within(dialog).getByRole("list", { name: "Backup codes" })).getAllByRole("listitem");
    expect(items[0]).toHaveTextContent(`${CODES[0]} used`);
    expect(items[2]).toHaveTextContent(CODES[2]);
    expect(items[2]).not.toHaveTextContent("used");
    expect(dialog).toHaveTextContent("This view was recorded");
    await userEvent.click(within(dialog).getByRole("button", { name: "Copy" }));
    expect(writeText).toHaveBeenCalledWith(CODES.slice(2).join("\n"));
  });

  it("downloads a text file built in the browser, naming the app and the account", async () => {
    const blobs: Blob[] = [];
    const createObjectURL = vi.fn((blob: Blob) => {
      blobs.push(blob);
      return "blob:backup-codes";
    });
    vi.stubGlobal("URL", Object.assign(URL, { createObjectURL, revokeObjectURL: vi.fn() }));
    let downloaded: { href: string; download: string } | null = null;
    const click = vi.spyOn(HTMLAnchorElement.prototype, "click").mockImplementation(function (this: HTMLAnchorElement) {
      downloaded = { href: this.href, download: this.download };
    });

    const dialog = renderDialog();
    await userEvent.click(within(dialog).getByRole("button", { name: "Download" }));

    expect(downloaded).toEqual({ href: "blob:backup-codes", download: "tessera-backup-codes.txt" });
    const text = await blobs[0].text();
    for (const code of CODES) expect(text).toContain(code);
    expect(text).toContain("Tessera backup codes");
    expect(text).toContain("Account: maria@example.com");
    click.mockRestore();
    vi.unstubAllGlobals();
  });

  it("copies the codes, one a line", async () => {
    const user = userEvent.setup();
    const writeText = vi.spyOn(navigator.clipboard, "writeText");
    const dialog = renderDialog();
    await user.click(within(dialog).getByRole("button", { name: "Copy" }));
    expect(writeText).toHaveBeenCalledWith(CODES.join("\n"));
    expect(within(dialog).getByText("Copied.")).toHaveAttribute("role", "status");
  });

  it("Done closes it", async () => {
    const onClose = vi.fn();
    const dialog = renderDialog(onClose);
    await userEvent.click(within(dialog).getByRole("button", { name: "Done" }));
    expect(onClose).toHaveBeenCalledOnce();
  });
});

describe("the backup codes file", () => {
  it("is named after the app", () => {
    expect(backupCodesFileName("Tessera")).toBe("tessera-backup-codes.txt");
    expect(backupCodesFileName("Acme Support Desk")).toBe("acme-support-desk-backup-codes.txt");
  });

  it("lists every code with the app, the account and the time it was made", () => {
    const text = backupCodesFileText(["aaaaa-11111", "bbbbb-22222"], {
      appName: "Tessera",
      account: "maria@example.com",
      createdAt: new Date("2030-01-02T03:04:00Z"),
    });
    expect(text.split("\n")).toEqual(
      expect.arrayContaining([" 1. aaaaa-11111", " 2. bbbbb-22222", "Account: maria@example.com", "Created: 2030-01-02 03:04 UTC"]),
    );
  });
});
