import { describe, expect, it } from "vitest";
import { z } from "zod";
import { PLAIN_TEXT, formFields, parseForm } from "@/lib/forms";
import { form } from "../support/form";

const schema = z.object({ account: z.string().min(1).regex(PLAIN_TEXT, "Plain text only."), code: z.string().length(6, "Six digits.") });

describe("form input", () => {
  it("reads text fields and nothing else", () => {
    const data = form({ account: "maria", code: "123456", extra: "ignored" });
    expect(formFields(data, ["account", "code"])).toEqual({ account: "maria", code: "123456" });
    expect(parseForm(schema, data)).toEqual({ ok: true, data: { account: "maria", code: "123456" } });
  });

  it("reads a file where text belongs as missing", () => {
    const data = form({ account: new Blob(["maria"]), code: "123456" });
    expect(formFields(data, ["account"])).toEqual({ account: undefined });
    expect(parseForm(schema, data)).toMatchObject({ ok: false, fieldErrors: { account: "This field is required." } });
  });

  it("reads anything but a FormData, as a server action called directly may send, as an empty form", () => {
    for (const raw of [undefined, null, "garbage{{", 42, [], { account: "maria", code: "123456" }, [{ account: { $ne: 1 } }]]) {
      expect(formFields(raw, ["account", "code"])).toEqual({ account: undefined, code: undefined });
      expect(parseForm(schema, raw)).toMatchObject({ ok: false, error: "Please correct the fields below." });
    }
  });

  it("refuses control characters in plain text", () => {
    expect(parseForm(schema, form({ account: "ma\u0000ria", code: "123456" }))).toMatchObject({
      ok: false,
      fieldErrors: { account: "Plain text only." },
    });
  });
});
