// @vitest-environment jsdom
import { render, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import type { LoginResult } from "@/app/(auth)/login/actions";
import { LoginForm } from "@/components/auth/login-form";

describe("the sign-in form", () => {
  it("has the contract's fields and button, with autofill hints", () => {
    render(<LoginForm action={async () => ({ ok: true })} callbackUrl="/" />);
    expect(screen.getByLabelText("Account")).toHaveAttribute("autocomplete", "username");
    expect(screen.getByLabelText("Password")).toHaveAttribute("type", "password");
    expect(screen.getByLabelText("Password")).toHaveAttribute("autocomplete", "current-password");
    expect(screen.getByRole("button", { name: "Sign in" })).toBeEnabled();
  });

  it("posts the account, the password and the callback path, and shows the error it gets back", async () => {
    const received: Record<string, FormDataEntryValue>[] = [];
    // As the action kernel answers a refusal: the message and what was typed (never the password).
    const action = async (_previous: LoginResult | null, formData: FormData): Promise<LoginResult> => {
      received.push(Object.fromEntries(formData));
      return { ok: false, error: "Invalid account or password.", values: { account: formData.get("account") as string } };
    };
    render(<LoginForm action={action} callbackUrl="/settings/people/agents" />);
    await userEvent.type(screen.getByLabelText("Account"), "maria");
    await userEvent.type(screen.getByLabelText("Password"), "wrong password");
    await userEvent.click(screen.getByRole("button", { name: "Sign in" }));

    expect(await screen.findByRole("alert")).toHaveTextContent("Invalid account or password.");
    // Focus goes to what went wrong, not back to <body>.
    await waitFor(() => expect(document.activeElement).toContainElement(screen.getByRole("alert")));
    expect(received).toEqual([{ account: "maria", password: "wrong password", callbackUrl: "/settings/people/agents" }]);
    await waitFor(() => expect(screen.getByLabelText("Account")).toHaveValue("maria"));
    expect(screen.getByLabelText("Password")).toHaveValue("");
  });

  it("shows a notice (a locked account) until there is an error to show", () => {
    render(
      <LoginForm action={async () => ({ ok: true })} callbackUrl="/" notice="Your account has been locked. Ask an admin to unlock it." />,
    );
    expect(screen.getByRole("status")).toHaveTextContent("Your account has been locked");
  });
});
