import { afterEach, describe, expect, it } from "vitest";
import { ScureBase32Plugin } from "otplib";
import { formatSecretForDisplay, generateTotpSecret, totpCodeAt, totpUri, verifyTotp } from "@/lib/two-factor/totp";

const at = (unixSeconds: number) => new Date(unixSeconds * 1000);
const stepOf = (unixSeconds: number) => Math.floor(unixSeconds / 30);

describe("TOTP codes", () => {
  // RFC 6238 Appendix B, SHA-1 rows: the secret is the ASCII string "12345678901234567890"
  // (base32 below); the RFC prints 8-digit codes, whose last 6 digits are the 6-digit code.
  const RFC_SECRET = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";
  const RFC_VECTORS: [number, string][] = [
    [59, "94287082"],
    [1111111109, "07081804"],
    [1111111111, "14050471"],
    [1234567890, "89005924"],
    [2000000000, "69279037"],
    [20000000000, "65353130"],
  ];

  it("the RFC secret in base32 is the RFC's ASCII secret", () => {
    expect(Buffer.from(new ScureBase32Plugin().decode(RFC_SECRET)).toString("ascii")).toBe("12345678901234567890");
  });

  it.each(RFC_VECTORS)("matches the RFC 6238 SHA-1 test vector at %i", (time, eightDigits) => {
    expect(totpCodeAt(RFC_SECRET, at(time))).toBe(eightDigits.slice(-6));
  });

  // Produced by Debian's OATH Toolkit 2.6.7 with, for each row,
  //   oathtool --totp -b SECRET --now "@<unix time>"
  const OATHTOOL_FIXTURES: [string, number, string][] = [
    ["JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP", 0, "702218"],
    ["JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP", 29, "702218"],
    ["JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP", 30, "503347"],
    ["JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP", 59, "503347"],
    ["JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP", 1111111109, "088309"],
    ["JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP", 1111111111, "474382"],
    ["JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP", 1234567890, "401544"],
    ["JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP", 1700000000, "406058"],
    ["JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP", 1700000029, "661763"],
    ["JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP", 1700000030, "661763"],
    ["JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP", 2000000000, "978524"],
    ["JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP", 4102444799, "686732"],
    ["B6UYST36LKXM3OLZ37OLQ7QCAXR53V4X", 1, "045004"],
    ["B6UYST36LKXM3OLZ37OLQ7QCAXR53V4X", 1000000007, "269934"],
    ["B6UYST36LKXM3OLZ37OLQ7QCAXR53V4X", 1600000000, "051109"],
    ["B6UYST36LKXM3OLZ37OLQ7QCAXR53V4X", 1893456000, "989198"],
    ["B6UYST36LKXM3OLZ37OLQ7QCAXR53V4X", 3000000000, "891081"],
  ];

  it.each(OATHTOOL_FIXTURES)("matches oathtool for %s at %i", (secret, time, code) => {
    expect(totpCodeAt(secret, at(time))).toBe(code);
    expect(verifyTotp(secret, code, at(time))).toEqual({ valid: true, step: stepOf(time) });
  });
});

describe("TOTP verification", () => {
  const secret = "B6UYST36LKXM3OLZ37OLQ7QCAXR53V4X";
  // The middle of a step, and the code an app shows then.
  const issued = 1700000025;
  const code = totpCodeAt(secret, at(issued));

  it("accepts the code of the current step and names that step", () => {
    expect(verifyTotp(secret, code, at(issued))).toEqual({ valid: true, step: stepOf(issued) });
  });

  it("accepts one step of clock skew each way", () => {
    expect(verifyTotp(secret, code, at(issued + 30))).toEqual({ valid: true, step: stepOf(issued) });
    expect(verifyTotp(secret, code, at(issued - 30))).toEqual({ valid: true, step: stepOf(issued) });
  });

  it("refuses two steps of clock skew either way", () => {
    expect(verifyTotp(secret, code, at(issued + 60))).toEqual({ valid: false });
    expect(verifyTotp(secret, code, at(issued - 60))).toEqual({ valid: false });
  });

  it("counts skew in steps, not seconds: the last second of the next step is in, the next second out", () => {
    const stepStart = stepOf(issued) * 30;
    expect(verifyTotp(secret, code, at(stepStart + 59)).valid).toBe(true);
    expect(verifyTotp(secret, code, at(stepStart + 60)).valid).toBe(false);
    expect(verifyTotp(secret, code, at(stepStart - 30)).valid).toBe(true);
    expect(verifyTotp(secret, code, at(stepStart - 31)).valid).toBe(false);
  });

  it("refuses a code of another secret", () => {
    const other = totpCodeAt("JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP", at(issued));
    expect(other).not.toBe(code);
    expect(verifyTotp(secret, other, at(issued))).toEqual({ valid: false });
  });

  it.each(["12345", "1234567", "12a456", "١٢٣٤٥٦", " 123456", ""])("refuses the malformed token %j", (token) => {
    expect(verifyTotp(secret, token, at(issued))).toEqual({ valid: false });
  });

  it("refuses the right code when it is padded, has a newline or uses look-alike digits", () => {
    const arabicIndic = code.replace(/[0-9]/g, (d) => String.fromCharCode(0x0660 + Number(d)));
    const fullWidth = code.replace(/[0-9]/g, (d) => String.fromCharCode(0xff10 + Number(d)));
    for (const token of [` ${code}`, `${code} `, `${code}\n`, arabicIndic, fullWidth, `${code.slice(0, 3)} ${code.slice(3)}`]) {
      expect(verifyTotp(secret, token, at(issued))).toEqual({ valid: false });
    }
  });
});

describe("TOTP secrets and setup URI", () => {
  const originalAppName = process.env.APP_NAME;
  afterEach(() => {
    if (originalAppName === undefined) delete process.env.APP_NAME;
    else process.env.APP_NAME = originalAppName;
  });

  it("a secret is 160 random bits: 32 base32 characters, new each time", () => {
    const secret = generateTotpSecret();
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    expect(new ScureBase32Plugin().decode(secret)).toHaveLength(20);
    expect(generateTotpSecret()).not.toBe(secret);
  });

  it("the URI names the issuer, labels the account Issuer:email and spells out SHA1, 6 digits and 30 s", () => {
    delete process.env.APP_NAME;
    const secret = generateTotpSecret();
    const uri = totpUri({ secret, accountEmail: "maria@example.com" });
    expect(uri.startsWith("otpauth://totp/")).toBe(true);
    const url = new URL(uri);
    expect(url.host).toBe("totp");
    expect(decodeURIComponent(url.pathname)).toBe("/Tessera:maria@example.com");
    expect(Object.fromEntries(url.searchParams)).toEqual({
      secret,
      issuer: "Tessera",
      algorithm: "SHA1",
      digits: "6",
      period: "30",
    });
  });

  it("the issuer is APP_NAME, encoded so spaces and @ survive", () => {
    process.env.APP_NAME = "Acme Support";
    const uri = totpUri({ secret: generateTotpSecret(), accountEmail: "ana+cx@example.com" });
    expect(uri).toContain("otpauth://totp/Acme%20Support:ana%2Bcx%40example.com?");
    expect(new URL(uri).searchParams.get("issuer")).toBe("Acme Support");
  });

  it("shows the secret in groups of four", () => {
    expect(formatSecretForDisplay("B6UYST36LKXM3OLZ37OLQ7QCAXR53V4X")).toBe("B6UY ST36 LKXM 3OLZ 37OL Q7QC AXR5 3V4X");
  });
});
