// Parity of the leading-edge kernel: Wasm (assembly/edges.ts) vs its TypeScript
// twin (src/kernels/edges.ts) vs a naive reference loop. Spec §1.
// Needs build/diskflux-wasm.ts: run `npm run asbuild` first (npm test does).
import { describe, it, expect, beforeAll } from "vitest";
import fc from "fast-check";
import { existsSync, readFileSync } from "node:fs";
import { unzipSync } from "fflate";
import { getKernels } from "../src/kernels/load";
import { mulberry32 } from "../src/encode/flux";
import { SAMPLE_CAP, INDEX_ABSENT } from "../src/kernels/abi";
import { allocateMemory, type KernelMemory } from "../src/kernels/backend";
import { Edges } from "../src/kernels/edges";

// ---- Backends: the shared Wasm loader, and the TS twin over its own memory ----

interface EdgeBackend {
  readonly samples: Uint8Array;
  readonly edges: Float64Array;
  readonly index: Uint8Array;
  reset(): void;
  extract(len: number, base: number, dataBit: number, indexBit: number, suppressBit: number, rising: number): number;
}

async function instantiateWasmEdges(): Promise<EdgeBackend> {
  const k = await getKernels("wasm");
  return {
    samples: k.samples, edges: k.edges, index: k.index,
    reset: () => k.edgesReset(),
    extract: (len, base, d, i, s, r) => k.edgesExtract(len, base, d, i, s, r),
  };
}

/** The TS twin over its own memory; samplesOffset shifts the samples view (alignment paths). */
function tsEdges(samplesOffset = 0): EdgeBackend {
  const base = allocateMemory();
  const mem: KernelMemory = samplesOffset === 0 ? base : {
    ...base,
    samples: new Uint8Array(new ArrayBuffer(SAMPLE_CAP + 16 + samplesOffset), samplesOffset, SAMPLE_CAP + 16),
  };
  const k = new Edges();
  return {
    samples: mem.samples, edges: mem.edges, index: mem.index,
    reset: () => k.reset(),
    extract: (len, b, d, i, s, r) => k.extract(mem, len, b, d, i, s, r),
  };
}

// ---- Reference and helpers ----

interface Params { base: number; dataBit: number; indexBit: number; suppressBit: number; rising: number }
interface Result { counts: number[]; edges: number[]; index: number[] }

/** Plain reference over a whole capture whose first sample is base (spec §1.1). */
function naive(s: Uint8Array, p: Params): Result {
  const edges: number[] = [];
  const index: number[] = [];
  if (p.dataBit >= 0 && p.dataBit <= 7) {
    for (let i = 1; i < s.length; i++) {
      const before = (s[i - 1] >> p.dataBit) & 1;
      const now = (s[i] >> p.dataBit) & 1;
      const leading = p.rising ? before === 0 && now === 1 : before === 1 && now === 0;
      const suppressed = p.suppressBit >= 0 && p.suppressBit <= 7 && ((s[i] >> p.suppressBit) & 1) === 1;
      if (leading && !suppressed && p.base + i !== 0) {
        edges.push(p.base + i);
        index.push(p.indexBit >= 0 && p.indexBit <= 7 ? (s[i] >> p.indexBit) & 1 : INDEX_ABSENT);
      }
    }
  }
  return { counts: [edges.length], edges, index };
}

/** Resets, then feeds s in chunks of the given lengths (summing to s.length). */
function feed(k: EdgeBackend, s: Uint8Array, chunks: number[], p: Params): Result {
  const out: Result = { counts: [], edges: [], index: [] };
  k.reset();
  let at = 0;
  for (const len of chunks) {
    k.samples.set(s.subarray(at, at + len));
    const n = k.extract(len, p.base + at, p.dataBit, p.indexBit, p.suppressBit, p.rising);
    out.counts.push(n);
    for (let j = 0; j < n; j++) { out.edges.push(k.edges[j]); out.index.push(k.index[j]); }
    at += len;
  }
  return out;
}

type Kind = "random" | "pulses" | "slow" | "zeros" | "ones" | "alternating";

function makeSamples(kind: Kind, len: number, seed: number): Uint8Array {
  const s = new Uint8Array(len);
  const rnd = mulberry32(seed);
  switch (kind) {
    case "random":
      for (let i = 0; i < len; i++) s[i] = (rnd() * 256) | 0;
      break;
    case "zeros":
      break;
    case "ones":
      s.fill(0xff);
      break;
    case "alternating":
      for (let i = 0; i < len; i++) s[i] = (i & 1) ? 0xff : 0x00;
      break;
    case "pulses": {
      // Sparse pulse trains: baseline byte, pulses (baseline ^ mask) 1..5 wide
      // every 5..60 samples; now and then the baseline itself changes (index,
      // suppress windows on other bits).
      let baseline = (rnd() * 256) | 0;
      let pulseMask = 1 + ((rnd() * 255) | 0);
      let i = 0;
      while (i < len) {
        const gap = 5 + ((rnd() * 56) | 0);
        for (let g = 0; g < gap && i < len; g++) s[i++] = baseline;
        const width = 1 + ((rnd() * 5) | 0);
        for (let w = 0; w < width && i < len; w++) s[i++] = baseline ^ pulseMask;
        if (rnd() < 0.05) baseline ^= 1 << ((rnd() * 8) | 0);
        if (rnd() < 0.02) pulseMask = 1 + ((rnd() * 255) | 0);
      }
      break;
    }
    case "slow": {
      // Each bit toggles independently with its own probability (some very rare).
      const prob = Array.from({ length: 8 }, () => rnd() ** 3 * 0.5);
      let v = (rnd() * 256) | 0;
      for (let i = 0; i < len; i++) {
        for (let b = 0; b < 8; b++) if (rnd() < prob[b]) v ^= 1 << b;
        s[i] = v;
      }
      break;
    }
  }
  return s;
}

const kindArb = fc.constantFrom<Kind>("random", "pulses", "slow", "zeros", "ones", "alternating");
const bitArb = fc.integer({ min: -1, max: 7 });
const baseArb = fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 1000 }), fc.maxSafeNat().map((x) => x % 2 ** 52));
const lenArb = fc.oneof(
  fc.constantFrom(0, 1, 2, 3, 4, 5, 7, 8, 15, 16, 17, 31, 32, 33, 47, 48, 49, 63, 64, 65,
    SAMPLE_CAP - 17, SAMPLE_CAP - 16, SAMPLE_CAP - 15, SAMPLE_CAP - 1, SAMPLE_CAP),
  fc.tuple(fc.integer({ min: 1, max: 200 }), fc.integer({ min: -1, max: 1 })).map(([k, d]) => 16 * k + d),
  fc.integer({ min: 0, max: 3000 }),
  fc.integer({ min: 0, max: SAMPLE_CAP }),
);
const paramsArb = fc.record({
  base: baseArb,
  dataBit: fc.oneof({ arbitrary: fc.integer({ min: 0, max: 7 }), weight: 8 }, { arbitrary: fc.constant(-1), weight: 1 }),
  indexBit: bitArb,
  suppressBit: bitArb,
  rising: fc.integer({ min: 0, max: 1 }),
});

// ---- Tests ----

describe("edges kernel parity (Wasm SIMD vs TS twin vs naive)", () => {
  let wasm: EdgeBackend;
  const twins = [0, 1, 2, 3].map((off) => tsEdges(off));

  beforeAll(async () => {
    wasm = await instantiateWasmEdges();
  });

  it("single chunk: random data, lengths and channels", () => {
    fc.assert(
      fc.property(kindArb, lenArb, fc.nat(), paramsArb, fc.integer({ min: 0, max: 3 }), (kind, len, seed, p, off) => {
        const s = makeSamples(kind, len, seed);
        const chunks = len === 0 ? [] : [len];
        const ref = naive(s, p);
        const w = feed(wasm, s, chunks, p);
        const t = feed(twins[off], s, chunks, p);
        expect(w).toEqual(t);
        expect(w.edges).toEqual(ref.edges);
        expect(w.index).toEqual(ref.index);
      }),
      { numRuns: 400 },
    );
  });

  it("chunked feeding carries the previous sample across calls", () => {
    const chunkedArb = fc.record({
      total: fc.oneof(fc.integer({ min: 0, max: 200 }), fc.integer({ min: 0, max: 5000 }), fc.integer({ min: 0, max: SAMPLE_CAP + SAMPLE_CAP / 2 })),
      cuts: fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 20 }),
    }).map(({ total, cuts }) => {
      // Cut points from fractions; split further so no chunk exceeds SAMPLE_CAP.
      const points = [...new Set(cuts.map((c) => Math.floor(c * total)))].sort((a, b) => a - b);
      const chunks: number[] = [];
      let prev = 0;
      for (const q of [...points, total]) {
        let len = q - prev;
        while (len > SAMPLE_CAP) { chunks.push(SAMPLE_CAP); len -= SAMPLE_CAP; }
        chunks.push(len); // zero-length chunks are allowed and must be no-ops
        prev = q;
      }
      return { total, chunks };
    });
    fc.assert(
      fc.property(kindArb, chunkedArb, fc.nat(), paramsArb, fc.integer({ min: 0, max: 3 }), (kind, { total, chunks }, seed, p, off) => {
        const s = makeSamples(kind, total, seed);
        const ref = naive(s, p);
        const w = feed(wasm, s, chunks, p);
        const t = feed(twins[off], s, chunks, p);
        expect(w).toEqual(t);
        expect(w.edges).toEqual(ref.edges);
        expect(w.index).toEqual(ref.index);
      }),
      { numRuns: 250 },
    );
  });

  it("reset forgets the previous sample; global sample 0 is never an edge", () => {
    for (const k of [wasm, ...twins]) {
      const one = (v: number, base: number) => { k.samples[0] = v; return k.extract(1, base, 0, 1, -1, 1); };
      k.reset();
      expect(one(0, 0)).toBe(0);
      expect(one(1, 1)).toBe(1); // carried 0 -> 1
      expect(k.edges[0]).toBe(1);
      expect(k.index[0]).toBe(0);
      expect(one(0, 2)).toBe(0);
      k.reset();
      expect(one(1, 3)).toBe(0); // no predecessor after reset
      expect(one(0, 4)).toBe(0);
      expect(one(3, 0)).toBe(0); // carried 0 -> 1, but at global sample 0
      expect(one(0, 6)).toBe(0);
      expect(one(3, 7)).toBe(1);
      expect(k.index[0]).toBe(1);
      // Rising edges with suppress on the data bit itself never match; falling always pass.
      k.reset();
      k.samples.set([0, 1, 0, 1, 0]);
      expect(k.extract(5, 10, 0, -1, 0, 1)).toBe(0);
      k.reset();
      k.samples.set([0, 1, 0, 1, 0]);
      expect(k.extract(5, 10, 0, -1, 0, 0)).toBe(2);
      expect(Array.from(k.edges.subarray(0, 2))).toEqual([12, 14]);
      expect(Array.from(k.index.subarray(0, 2))).toEqual([INDEX_ABSENT, INDEX_ABSENT]);
    }
  });

  const capture = "/work/shared/samples/hdd_mfm_RQDX3_sector.sr";
  const haveCapture = existsSync(capture);
  if (!haveCapture) console.warn(`parity-edges: ${capture} missing, skipping the real-capture test`);
  (haveCapture ? it : it.skip)("real capture: hdd_mfm_RQDX3_sector.sr has 3753 rising edges on bit 0", () => {
    const s = unzipSync(new Uint8Array(readFileSync(capture)))["logic-1-1"];
    expect(s).toBeDefined();
    const p: Params = { base: 0, dataBit: 0, indexBit: -1, suppressBit: -1, rising: 1 };
    const chunks: number[] = [];
    for (let at = 0; at < s.length; at += SAMPLE_CAP) chunks.push(Math.min(SAMPLE_CAP, s.length - at));
    const w = feed(wasm, s, chunks, p);
    const t = feed(twins[0], s, chunks, p);
    expect(w.edges.length).toBe(3753);
    expect(t.edges.length).toBe(3753);
    expect(w).toEqual(t);
    expect(w.edges).toEqual(naive(s, p).edges);
    // Also in small odd chunks, to exercise the carried state on real data.
    const small: number[] = [];
    for (let at = 0; at < s.length; at += 1001) small.push(Math.min(1001, s.length - at));
    const ws = feed(wasm, s, small, p);
    const ts = feed(twins[1], s, small, p);
    expect(ws).toEqual(ts);
    expect(ws.edges).toEqual(w.edges);
    expect(ws.index).toEqual(w.index);
  });
});
