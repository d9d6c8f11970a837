import { describe, expect, it } from "vitest";
import { safeCallbackPath } from "@/lib/safe-redirect";

const APP = "https://tessera.example";

// Where a browser would land after a redirect to `path` from a page of the app.
const landsOn = (path: string) => new URL(path, `${APP}/login`).origin;

describe("safeCallbackPath", () => {
  it("keeps a same-origin path with its query and fragment", () => {
    expect(safeCallbackPath("/settings/people/agents?x=1#y")).toBe("/settings/people/agents?x=1#y");
    expect(safeCallbackPath("/")).toBe("/");
  });

  it.each([
    ["an absolute URL", "https://evil.example"],
    ["a scheme-relative URL", "//evil.example"],
    ["a backslash after the slash", "/\\evil.example"],
    ["a javascript: URL", "javascript:alert(1)"],
    ["two backslashes", "\\\\evil"],
    ["a relative path", "settings"],
    ["leading whitespace", " /settings"],
    ["a backslash further on", "/settings\\..\\evil"],
  ])("refuses %s", (_name, value) => {
    expect(safeCallbackPath(value)).toBe("/");
  });

  it.each([
    ["a dot-dot segment", "/a/..//evil.example"],
    ["a dot segment", "/.//evil.example"],
    ["an encoded dot-dot segment", "/a/%2e%2e//evil.example"],
    ["an encoded dot segment", "/%2e//evil.example"],
  ])("refuses %s that collapses into //host", (_name, value) => {
    expect(safeCallbackPath(value)).toBe("/");
  });

  it.each([
    ["a tab", "/\t/evil.example"],
    ["a newline", "/settings\n"],
    ["a carriage return", "/\r/evil.example"],
    ["a NUL", "/settings\u0000"],
    ["a DEL", "/settings\u007f"],
  ])("refuses a path with %s", (_name, value) => {
    expect(safeCallbackPath(value)).toBe("/");
  });

  it("keeps /%2F%2Fevil.example as a path of this site: the parser does not decode it into a host", () => {
    const path = safeCallbackPath("/%2F%2Fevil.example");
    expect(path).toBe("/%2F%2Fevil.example");
    expect(landsOn(path)).toBe(APP);
  });

  it("refuses paths that would loop back into sign-in or reach the auth API", () => {
    for (const value of ["/login", "/login?callbackUrl=/login", "/login/verify", "/./login", "/settings/../login", "/api/auth/signout"]) {
      expect(safeCallbackPath(value)).toBe("/");
    }
  });

  it("refuses an overlong value, an empty one and anything that is not a string", () => {
    expect(safeCallbackPath(`/${"a".repeat(512)}`)).toBe("/");
    expect(safeCallbackPath(`/${"a".repeat(511)}`)).toBe(`/${"a".repeat(511)}`);
    for (const value of ["", undefined, null, 42, ["/settings"], { toString: () => "/settings" }]) {
      expect(safeCallbackPath(value)).toBe("/");
    }
  });

  it("answers with the fallback it is given", () => {
    expect(safeCallbackPath("//evil.example", "/profile")).toBe("/profile");
  });

  it("never lands on another site, whatever it keeps", () => {
    const attempts = [
      "/a/..//evil.example",
      "/%5Cevil.example",
      "/%2F%2Fevil.example",
      "/@evil.example",
      "/.evil.example",
      "/?next=//evil.example",
      "/#//evil.example",
      "/..//..//evil.example",
      "/%09/evil.example",
      "/\u3000/evil.example",
      "/％２Ｆevil.example",
    ];
    for (const value of attempts) expect(landsOn(safeCallbackPath(value))).toBe(APP);
  });
});
