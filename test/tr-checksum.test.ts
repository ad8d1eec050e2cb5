// The .tr checksum (spec §8: CRC-32, poly 0x140a0445, init 0xFFFFFFFF, MSB
// first, no final XOR) as trChecksum computes it eight bytes a step, against
// the definition one bit at a time, on random bytes and ranges (fast-check).
import { describe, it, expect } from "vitest";
import fc from "fast-check";
import { trChecksum } from "../src/readers/tr.js";

/** The definition: one bit at a time, MSB first. */
function bitwise(bytes: Uint8Array, start: number, end: number): number {
  let c = 0xffffffff;
  for (let i = start; i < end; i++) {
    c = (c ^ (bytes[i] << 24)) >>> 0;
    for (let k = 0; k < 8; k++) c = c & 0x80000000 ? ((c << 1) ^ 0x140a0445) >>> 0 : (c << 1) >>> 0;
  }
  return c;
}

describe("trChecksum", () => {
  it("is the bit-at-a-time CRC on random bytes and ranges", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.nat(), fc.nat(), (bytes, a, b) => {
        const start = bytes.length ? a % (bytes.length + 1) : 0;
        const end = start + (b % (bytes.length - start + 1));
        expect(trChecksum(bytes, start, end)).toBe(bitwise(bytes, start, end));
      }),
      { numRuns: 500 },
    );
  });

  it("takes the whole array by default, and high-bit states (all 0xFF) too", () => {
    const ff = new Uint8Array(1000).fill(0xff);
    expect(trChecksum(ff)).toBe(bitwise(ff, 0, ff.length));
    expect(trChecksum(new Uint8Array(0))).toBe(0xffffffff);
  });
});
