// Parity of the .tr checksum kernel: Wasm (assembly/tr-checksum.ts) vs its
// TypeScript twin (src/kernels/tr-checksum.ts) vs the definition one bit at a
// time (spec §8: CRC-32, poly 0x140a0445, MSB first, no final XOR), on random
// and adversarial pieces and states; and the readers' trChecksum, which folds a
// record through the Wasm kernel piece by piece once a stream reader loaded it.
// Needs build/diskflux-wasm.ts: run `npm run asbuild` first (npm test does).
import { describe, it, expect, beforeAll } from "vitest";
import fc from "fast-check";
import { getTrChecksumKernel, type TrChecksumKernel } from "../src/kernels/tr-checksum-load";
import { trChecksumWith } from "../src/kernels/tr-checksum";
import { TRCK_BYTES_CAP } from "../src/kernels/tr-checksum-abi";
import { openTrStream, trChecksum } from "../src/readers/tr";
import { mulberry32 } from "../src/encode/flux";

/** The definition: one bit at a time, MSB first, from state `crc`. */
function bitwise(crc: number, bytes: Uint8Array, start: number, end: number): number {
  let c = crc >>> 0;
  for (let i = start; i < end; i++) {
    c = (c ^ (bytes[i] << 24)) >>> 0;
    for (let k = 0; k < 8; k++) c = c & 0x80000000 ? ((c << 1) ^ 0x140a0445) >>> 0 : (c << 1) >>> 0;
  }
  return c;
}

let wasm: TrChecksumKernel;
let js: TrChecksumKernel;

beforeAll(async () => {
  wasm = await getTrChecksumKernel("wasm");
  js = await getTrChecksumKernel("js");
});

function both(crc: number, piece: Uint8Array): [number, number] {
  wasm.bytes.set(piece);
  js.bytes.set(piece);
  return [wasm.trChecksumUpdate(crc, piece.length), js.trChecksumUpdate(crc, piece.length)];
}

describe("trChecksumUpdate: Wasm = twin = the definition", () => {
  it("loads the Wasm kernel and the twin", () => {
    expect(wasm.backend).toBe("wasm");
    expect(js.backend).toBe("js");
    expect(wasm.bytes.length).toBe(TRCK_BYTES_CAP);
  });

  it("a .tr end record (FF×8, 00×4) gives its published CRC, 33 A5 3E A5 little endian", () => {
    const end = new Uint8Array([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0]);
    expect(both(0xffffffff, end)).toEqual([0xa53ea533, 0xa53ea533]);
  });

  it("random pieces from random states (every length mod 8, empty included)", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 700 }), fc.integer({ min: 0, max: 0xffffffff }), (piece, crc) => {
        const want = bitwise(crc, piece, 0, piece.length);
        expect(both(crc, piece)).toEqual([want, want]);
      }),
      { numRuns: 400 },
    );
  });

  it("adversarial: all ones, all zeros, a whole region, one byte past it (clamped to the region by both)", () => {
    const rnd = mulberry32(20261127);
    for (const fill of [0xff, 0x00, -1]) {
      for (const len of [1, 7, 8, 9, 4095, 4096, TRCK_BYTES_CAP - 1, TRCK_BYTES_CAP]) {
        const piece = new Uint8Array(len);
        if (fill >= 0) piece.fill(fill);
        else for (let i = 0; i < len; i++) piece[i] = Math.floor(rnd() * 256);
        for (const crc of [0xffffffff, 0, 0x80000000]) {
          const want = bitwise(crc, piece, 0, len);
          expect(both(crc, piece)).toEqual([want, want]);
        }
      }
    }
    const region = wasm.bytes.slice();
    js.bytes.set(region);
    const want = bitwise(0xffffffff, region, 0, TRCK_BYTES_CAP);
    for (const len of [TRCK_BYTES_CAP + 1, TRCK_BYTES_CAP + 8, 1 << 30]) {
      expect(wasm.trChecksumUpdate(0xffffffff, len)).toBe(want);
      expect(js.trChecksumUpdate(0xffffffff, len)).toBe(want);
    }
    for (const len of [0, -1, -(1 << 30)]) {
      expect(wasm.trChecksumUpdate(0x12345678, len)).toBe(0x12345678);
      expect(js.trChecksumUpdate(0x12345678, len)).toBe(0x12345678);
    }
  });

  it("a record longer than the region, folded piece by piece (trChecksumWith), on both", () => {
    const rnd = mulberry32(7);
    const rec = new Uint8Array(3 * TRCK_BYTES_CAP + 13);
    for (let i = 0; i < rec.length; i++) rec[i] = Math.floor(rnd() * 256);
    const want = bitwise(0xffffffff, rec, 5, rec.length - 3);
    expect(trChecksumWith(wasm, 0xffffffff, rec, 5, rec.length - 3)).toBe(want);
    expect(trChecksumWith(js, 0xffffffff, rec, 5, rec.length - 3)).toBe(want);
  });

  it("the readers' trChecksum after a stream reader loaded the Wasm kernel: short and long ranges", async () => {
    // (a stream that is not a .tr file: opening it fails, after the kernel has loaded)
    await expect(openTrStream([new Uint8Array(16)], "x.tr")).rejects.toThrow(/no \.tr magic/);
    const rnd = mulberry32(11);
    const rec = new Uint8Array(200_000);
    for (let i = 0; i < rec.length; i++) rec[i] = Math.floor(rnd() * 256);
    for (const [s, e] of [[0, rec.length], [3, 4099], [17, 130_000], [0, 0], [100, 4000]] as const) {
      expect(trChecksum(rec, s, e)).toBe(bitwise(0xffffffff, rec, s, e));
    }
  });
});
