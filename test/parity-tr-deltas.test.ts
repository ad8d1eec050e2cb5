// Parity of the packed .tr transitions kernel: Wasm (assembly/tr-deltas.ts) vs
// its TypeScript twin (src/kernels/tr-deltas.ts) vs a naive reference loop, on
// random and adversarial byte streams; and decode() of a .tr track fed to the
// kernel packed (src/pool/read.ts trackCapture) = decode() of the same track's
// unpacked edges (src/readers/tr.ts trCapture), on both backends.
// Needs build/diskflux-wasm.ts: run `npm run asbuild` first (npm test does).
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { decode } from "../src/decode.js";
import { EDGE_CAP, INDEX_ABSENT, SAMPLE_CAP, ST_TR_READ } from "../src/kernels/abi.js";
import type { Kernels } from "../src/kernels/backend.js";
import { getKernels } from "../src/kernels/load.js";
import { trackCapture } from "../src/pool/read.js";
import { trCapture } from "../src/readers/tr.js";
import { synthTrack } from "../src/encode/synth.js";
import { packDeltas, toTrTicks } from "../src/writers/tr.js";

/** The reference: every complete token of bytes[0, len) from t0, at most `cap` edges. */
function reference(bytes: Uint8Array, len: number, t0: number, cap = EDGE_CAP): { edges: number[]; read: number } {
  const edges: number[] = [];
  let t = t0, i = 0;
  while (i < len && edges.length < cap) {
    const b = bytes[i];
    const size = b === 254 ? 3 : b === 255 ? 4 : 1;
    if (i + size > len) break;
    const d = b === 254 ? bytes[i + 1] + 256 * bytes[i + 2] : b === 255 ? bytes[i + 1] + 256 * bytes[i + 2] + 65536 * bytes[i + 3] : b;
    i += size;
    if (d === 0) continue;
    t += d;
    edges.push(t);
  }
  return { edges, read: i };
}

function run(k: Kernels, bytes: Uint8Array, t0: number): { n: number; read: number; edges: number[]; index: number[] } {
  k.samples.set(bytes);
  k.index.fill(7, 0, Math.min(EDGE_CAP, bytes.length + 1)); // (stale levels: the kernel must overwrite them)
  const n = k.trUnpack(bytes.length, t0);
  return { n, read: k.status[ST_TR_READ], edges: [...k.edges.subarray(0, n)], index: [...k.index.subarray(0, n)] };
}

/** Byte streams made of .tr tokens (short deltas, skips, both escapes, zero escapes), maybe cut anywhere. */
const token = fc.oneof(
  { weight: 8, arbitrary: fc.integer({ min: 1, max: 253 }).map((d) => [d]) },
  { weight: 1, arbitrary: fc.constant([0]) },
  { weight: 2, arbitrary: fc.integer({ min: 0, max: 0xffff }).map((d) => [254, d & 0xff, d >>> 8]) },
  { weight: 2, arbitrary: fc.integer({ min: 0, max: 0xffffff }).map((d) => [255, d & 0xff, (d >>> 8) & 0xff, d >>> 16]) },
);
const streams = fc.tuple(fc.array(token, { maxLength: 400 }), fc.nat({ max: 3 })).map(([toks, cut]) => {
  const flat = toks.flat();
  return Uint8Array.from(flat.slice(0, Math.max(0, flat.length - cut)));
});
// (the Wasm kernel sums 16 plain deltas at once only from an integer origin below 2^52, where
// every sum is exact; fractional, huge and negative origins take its one-at-a-time path)
const origins = fc.oneof(
  fc.constant(0),
  fc.integer({ min: 1, max: 2 ** 40 }),
  fc.integer({ min: -(2 ** 40), max: -1 }),
  fc.double({ min: -1e6, max: 1e15, noNaN: true }),
  fc.constantFrom(2 ** 52 - 1, 2 ** 52, 2 ** 52 + 2, 2 ** 53 - 4096, 0.5, 1e15 + 0.25),
);
/** Mostly plain deltas (runs of 16 and more, as on a real track), now and then another token. */
const plainHeavy = fc.array(
  fc.oneof({ weight: 60, arbitrary: fc.integer({ min: 1, max: 253 }).map((d) => [d]) }, { weight: 1, arbitrary: token }),
  { minLength: 16, maxLength: 1500, size: "max" }, // (fast-check's default size keeps arrays to a few dozen)
).map((toks) => Uint8Array.from(toks.flat()));

describe("trUnpack: Wasm = TS twin = reference", () => {
  it("random token streams, cut anywhere, from any origin", async () => {
    const wasm = await getKernels("wasm"), js = await getKernels("js");
    fc.assert(
      fc.property(streams, origins, (bytes, t0) => {
        const want = reference(bytes, bytes.length, t0);
        for (const k of [wasm, js]) {
          const got = run(k, bytes, t0);
          expect(got.n).toBe(want.edges.length);
          expect(got.read).toBe(want.read);
          expect(got.edges).toStrictEqual(want.edges);
          expect(got.index.every((x) => x === INDEX_ABSENT)).toBe(true);
        }
      }),
      { numRuns: 300 },
    );
  });

  /** Both backends against the reference: edge count, bytes read and the edges. */
  async function matchesReference(inputs: fc.Arbitrary<Uint8Array>): Promise<void> {
    const wasm = await getKernels("wasm"), js = await getKernels("js");
    fc.assert(
      fc.property(inputs, origins, (bytes, t0) => {
        const want = reference(bytes, bytes.length, t0);
        for (const k of [wasm, js]) {
          const got = run(k, bytes, t0);
          expect([got.n, got.read]).toStrictEqual([want.edges.length, want.read]);
          expect(got.edges).toStrictEqual(want.edges);
        }
      }),
      { numRuns: 200 },
    );
  }

  it("long runs of plain deltas with a token now and then, from any origin", () => matchesReference(plainHeavy));

  it("random bytes (any value anywhere)", () => matchesReference(fc.uint8Array({ maxLength: 2000 })));

  it("adversarial: more edges than EDGE_CAP, zero escapes only, a cut escape, skips only, the longest deltas", async () => {
    const cases: [string, Uint8Array, number, number][] = [
      // [name, bytes, edges, bytes read]
      ["EDGE_CAP + 1000 one-tick deltas", new Uint8Array(EDGE_CAP + 1000).fill(1), EDGE_CAP, EDGE_CAP],
      ["zero 24-bit escapes", Uint8Array.from({ length: 4000 }, (_, i) => (i % 4 === 0 ? 255 : 0)), 0, 4000],
      ["a delta, then a 16-bit escape cut by the end", Uint8Array.from([5, 254, 7]), 1, 1],
      ["a 24-bit escape cut by the end", Uint8Array.from([255, 1, 2]), 0, 0],
      ["skips only", new Uint8Array(SAMPLE_CAP), 0, SAMPLE_CAP],
      ["the longest deltas", Uint8Array.from({ length: 4000 }, (_, i) => (i % 4 === 0 ? 255 : 0xff)), 1000, 4000],
      ["253-tick deltas (the largest plain ones: 16 × 253 in one sum)", new Uint8Array(4096).fill(253), 4096, 4096],
      ["plain runs of 15, then a 16-bit escape (257) and a plain 1", Uint8Array.from({ length: 1900 }, (_, i) => (i % 19 < 15 ? 1 + (i % 253) : i % 19 === 15 ? 254 : 1)), 1700, 1900],
    ];
    for (const backend of ["wasm", "js"] as const) {
      const k = await getKernels(backend);
      for (const [name, bytes, n, read] of cases) {
        const got = run(k, bytes, 0);
        const want = reference(bytes, bytes.length, 0);
        expect([got.n, got.read], `${backend}: ${name}`).toStrictEqual([n, read]);
        expect(got.edges, `${backend}: ${name}`).toStrictEqual(want.edges);
      }
    }
  });
});

describe("decode() of a .tr track fed packed = decode() of its unpacked edges", () => {
  const tracks = [
    { name: "MFM", ...synthTrack({ format: "MFM", cyl: 3, head: 1, jitter: 0.04, seed: 2 }) },
    { name: "RLL_WD with bad sectors", ...synthTrack({ format: "RLL_WD", cyl: 700, head: 5, jitter: 0.06, seed: 9, badSectors: [2, 7] }) },
    { name: "MFM_floppy", ...synthTrack({ format: "MFM_floppy", seed: 4 }) },
  ];
  for (const backend of ["wasm", "js"] as const) {
    it(`${backend}: each track, and one track five times over (> SAMPLE_CAP packed bytes, cut into pieces)`, async () => {
      for (const t of tracks) {
        const one = packDeltas(toTrTicks(t.edges));
        // five revolutions: the deltas repeated (the first delta again after the last edge)
        const five = new Uint8Array(one.length * 5);
        for (let r = 0; r < 5; r++) five.set(one, r * one.length);
        expect(five.length).toBeGreaterThan(SAMPLE_CAP);
        for (const packed of [one, five]) {
          const want = await decode(trCapture(packed, "t.tr"), t.options, { backend });
          const lazy = trackCapture(packed, "t.tr", true);
          const got = await decode(lazy, t.options, { backend });
          expect(got.records.length, t.name).toBeGreaterThan(0);
          expect({ ...got, decodeMs: 0 }, t.name).toStrictEqual({ ...want, decodeMs: 0 });
        }
      }
    });
  }

  it("the packed capture's edges and sampleCount, when read, are the reader's", () => {
    const packed = packDeltas(toTrTicks(tracks[0].edges));
    const want = trCapture(packed, "t.tr");
    const lazy = trackCapture(packed, "t.tr", true);
    expect(lazy.sampleCount).toBe(want.sampleCount);
    expect([...lazy.edges]).toStrictEqual([...want.edges]);
  });
});
