// The edge-safe IP check of lib/request.ts against Node's own (node:net isIP), which the middleware's
// runtime does not have.
import { isIP } from "node:net";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { canonicalAddress } from "@/lib/request";

// Strings near the grammar: real addresses, addresses with a character changed, and junk made of the
// characters addresses are made of.
const nearAddresses = fc.oneof(
  fc.ipV4(),
  fc.ipV4Extended(),
  fc.ipV6(),
  fc.ipV6().map((address) => address.toUpperCase()),
  fc.ipV4().map((address) => `::ffff:${address}`),
  fc
    .tuple(fc.oneof(fc.ipV4(), fc.ipV6()), fc.nat(60), fc.constantFrom(...":.0fg1 ]/%x,"))
    .map(([address, at, char]) => address.slice(0, at % (address.length + 1)) + char + address.slice(at % (address.length + 1))),
  fc.string({ unit: fc.constantFrom(..."0123456789abcdefABCDEF:."), maxLength: 46 }),
);

describe("canonicalAddress", () => {
  it("takes what isIP takes, and nothing else (but IPv6 zone ids, which no proxy sends)", () => {
    fc.assert(
      fc.property(nearAddresses, (value) => {
        if (value.includes("%")) return;
        expect(canonicalAddress(value) !== null, value).toBe(isIP(value) !== 0);
      }),
      { numRuns: 20_000, seed: 10 },
    );
  });

  it("gives an address the way isIP reads it, one form per address", () => {
    fc.assert(
      fc.property(fc.oneof(fc.ipV4(), fc.ipV6()), (value) => {
        const canonical = canonicalAddress(value)!;
        expect(isIP(canonical)).not.toBe(0);
        expect(canonicalAddress(canonical)).toBe(canonical);
        expect(canonicalAddress(value.toUpperCase())).toBe(canonical);
      }),
      { numRuns: 5_000, seed: 11 },
    );
    expect(canonicalAddress("2001:0DB8:0000:0000:0000:0000:0000:0001")).toBe("2001:db8::1");
    expect(canonicalAddress("::ffff:127.0.0.2")).toBe("127.0.0.2");
    expect(canonicalAddress("::ffff:c000:0201")).toBe("192.0.2.1");
    expect(canonicalAddress("::1")).toBe("::1");
  });

  it("refuses ports, brackets, lists and text that would steer a URL parser", () => {
    for (const value of ["203.0.113.9:443", "[::1]", "::1]/x?[", "1.2.3.4, 5.6.7.8", "unknown", "", " 1.2.3.4", "01.2.3.4", "1.2.3"]) {
      expect(canonicalAddress(value), value).toBeNull();
    }
  });
});
