import { afterEach, describe, expect, it, vi } from "vitest";
import { seal, unseal } from "@/lib/auth/sealed-cookies";

const TTL = 600;
const data = { challengeId: "3f1c2a4e-0b7d-4e8a-9c61-5d2f7a9b1e03", userId: "8d0e6b52-7a41-4f3c-b2e9-1c5a6f4d7e80" };

/** Changes one character of the sealed value's MAC, ciphertext or expiry: `*` separates iron's parts. */
function tamper(sealed: string, part: number): string {
  const parts = sealed.split("*");
  const target = parts[part];
  const flipped = target[0] === "A" ? `B${target.slice(1)}` : `A${target.slice(1)}`;
  parts[part] = flipped;
  return parts.join("*");
}

describe("sealed cookie values", () => {
  afterEach(() => {
    vi.useRealTimers();
    vi.unstubAllEnvs();
  });

  it("opens for the purpose it was sealed for", async () => {
    const sealed = await seal("challenge", data, TTL);
    expect(sealed).not.toContain(data.userId);
    expect(await unseal("challenge", sealed, TTL)).toEqual(data);
  });

  it("does not open for another purpose", async () => {
    const challenge = await seal("challenge", data, TTL);
    expect(await unseal("trusted-browser", challenge, TTL)).toBeNull();
    const trusted = await seal("trusted-browser", data, TTL);
    expect(await unseal("challenge", trusted, TTL)).toBeNull();
  });

  it("does not open under another AUTH_SECRET", async () => {
    const sealed = await seal("challenge", data, TTL);
    vi.stubEnv("AUTH_SECRET", "another-secret-another-secret-another-secret-0123");
    expect(await unseal("challenge", sealed, TTL)).toBeNull();
  });

  it("refuses a tampered value", async () => {
    const sealed = await seal("challenge", data, TTL);
    // 4: ciphertext, 5: expiry, 7: MAC.
    for (const part of [4, 5, 7]) expect(await unseal("challenge", tamper(sealed, part), TTL)).toBeNull();
    const [body, version] = sealed.split("~");
    expect(await unseal("challenge", `${body.slice(0, -1)}~${version}`, TTL)).toBeNull();
    expect(await unseal("challenge", `${body}x~${version}`, TTL)).toBeNull();
  });

  it("refuses garbage, an empty value, no value and an overlong one", async () => {
    for (const value of ["garbage", "Fe26.2*1*a*b*c*d*e*f~2", "", undefined, "x".repeat(4097)]) {
      expect(await unseal("challenge", value, TTL)).toBeNull();
    }
  });

  it("refuses a value after its ttl and the minute of clock skew iron allows", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    const sealedAt = new Date("2030-03-01T08:00:00Z").getTime();
    vi.setSystemTime(sealedAt);
    const sealed = await seal("challenge", data, TTL);

    vi.setSystemTime(sealedAt + (TTL - 1) * 1000);
    expect(await unseal("challenge", sealed, TTL)).toEqual(data);
    vi.setSystemTime(sealedAt + (TTL + 60) * 1000);
    expect(await unseal("challenge", sealed, TTL)).toBeNull();
  });

  it("refuses to seal without a lifetime, which iron would read as forever", async () => {
    await expect(seal("challenge", data, 0)).rejects.toThrow();
    await expect(seal("challenge", data, -1)).rejects.toThrow();
  });
});
