// combine.ts: flip sets found through the check's linearity. Property: every
// planted set of 2–4 candidates whose syndrome changes add up to s0 is found;
// nothing is proposed whose changes do not add up; considered() counts sets.
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { combine, considered } from "../src/recover/combine.js";
import { crcOf } from "../src/kernels/crc.js";

const rand64 = fc.bigInt({ min: 1n, max: (1n << 56n) - 1n });

describe("combine (flip sets from syndrome changes)", () => {
  it("finds a planted set of 2, 3 or 4 among random changes, and proposes only sets that cancel s0", () => {
    fc.assert(
      fc.property(fc.array(rand64, { minLength: 8, maxLength: 30 }), fc.integer({ min: 2, max: 4 }), fc.integer(), (deltas, size, seed) => {
        const effects = deltas.map((delta, index) => ({ index, delta, cost: (index * 7919) % 13 }));
        // plant: s0 is the XOR of `size` distinct candidates
        const picks = new Set<number>();
        for (let k = 0; picks.size < size; k++) picks.add(Math.abs(seed + k * 31) % effects.length);
        const set = [...picks].sort((a, b) => a - b);
        const s0 = set.reduce((x, i) => x ^ effects[i].delta, 0n);
        const found = combine(s0, effects, 1000, 4);
        expect(found.map((f) => f.join(","))).toContain(set.join(","));
        for (const f of found) expect(f.reduce((x, i) => x ^ effects[i].delta, 0n)).toBe(s0);
      }),
      { numRuns: 200 },
    );
  });

  it("real CRC syndromes: flipping bits of a record changes the CRC-32 by the XOR of each flip's change", () => {
    const rec = new Uint8Array(64).map((_, i) => (i * 37 + 11) & 0xff);
    const poly = 0x140a0445n, init = 0xffffffffn;
    const crc = (b: Uint8Array) => crcOf(32, poly, init, b);
    const base = crc(rec);
    const flipped = (bits: number[]) => {
      const b = rec.slice();
      for (const bit of bits) b[bit >> 3] ^= 0x80 >> (bit & 7);
      return crc(b);
    };
    const effects = [3, 100, 257, 400, 511].map((bit, index) => ({ index, delta: flipped([bit]) ^ base, cost: index }));
    // the copy as read has bits 100 and 400 wrong: s0 = their changes
    const s0 = flipped([100, 400]) ^ base;
    expect(combine(s0, effects, 10, 3)).toEqual([[1, 3]]);
  });

  it("limits the set size and counts what it looks at", () => {
    const effects = [1n, 2n, 4n, 8n].map((delta, index) => ({ index, delta, cost: 0 }));
    expect(combine(15n, effects, 10, 3)).toEqual([]);
    expect(combine(15n, effects, 10, 4)).toEqual([[0, 1, 2, 3]]);
    expect(considered(40, 4)).toBe(40 + 780 + 9880 + 91390);
    expect(considered(20, 3)).toBe(20 + 190 + 1140);
    expect(considered(2, 4)).toBe(3);
  });
});
