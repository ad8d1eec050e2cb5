// Inputs and a reference for the fused inflate→edges kernel's tests
// (test/inflate-edges.test.ts, test/parity-inflate-edges.test.ts): sample
// generators (random bytes, run-heavy "captures"), zlib's deflate at every
// level and strategy, the naive edge test of spec §1.1, and a driver that
// records everything a kernel says call by call.
import zlib from "node:zlib";
import fc from "fast-check";
import { mulberry32 } from "../../src/encode/flux";
import { INDEX_ABSENT } from "../../src/kernels/abi";
import { IE_IN_CAP, IE_DONE, IE_NEED_INPUT, IE_PIECE_DONE, IE_CRC_HOST } from "../../src/kernels/inflate-edges-abi";
import type { InflateEdgesKernel } from "../../src/kernels/inflate-edges";

export interface EdgeParams {
  dataBit: number;
  indexBit: number;
  suppressBit: number;
  rising: boolean;
}

export interface Edges {
  edges: number[];
  index: number[];
}

/** Spec §1.1 over whole samples, edge by edge (sample 0 never is one). */
export function naiveEdges(s: Uint8Array, p: EdgeParams, out: Edges = { edges: [], index: [] }, base = 0, prev = -1): Edges {
  if (!(p.dataBit >= 0 && p.dataBit <= 7)) return out;
  const bit = (v: number, b: number) => (v >> b) & 1;
  for (let i = 0; i < s.length; i++) {
    const before = i === 0 ? prev : s[i - 1];
    if (before < 0) continue;
    const was = bit(before, p.dataBit);
    const now = bit(s[i], p.dataBit);
    const leading = p.rising ? was === 0 && now === 1 : was === 1 && now === 0;
    const suppressed = p.suppressBit >= 0 && p.suppressBit <= 7 && bit(s[i], p.suppressBit) === 1;
    if (leading && !suppressed) {
      out.edges.push(base + i);
      out.index.push(p.indexBit >= 0 && p.indexBit <= 7 ? bit(s[i], p.indexBit) : INDEX_ABSENT);
    }
  }
  return out;
}

export type SampleKind = "random" | "runs" | "pulses" | "zeros" | "text" | "periodic";

/** Samples of a kind: run-heavy ones look like a logic analyser's (long runs of one byte). */
export function makeSamples(kind: SampleKind, len: number, seed: number): Uint8Array {
  const s = new Uint8Array(len);
  const rnd = mulberry32(seed);
  switch (kind) {
    case "random":
      for (let i = 0; i < len; i++) s[i] = (rnd() * 256) | 0;
      break;
    case "zeros":
      break;
    case "runs": {
      let i = 0;
      while (i < len) {
        const v = (rnd() * 8) | 0;
        const n = 1 + ((rnd() ** 2 * 400) | 0);
        s.fill(v, i, Math.min(len, i + n));
        i += n;
      }
      break;
    }
    case "pulses": {
      // A 200 MS/s-like track: data pulses 40..160 samples apart, index and suppress now and then.
      let level = 0;
      let i = 0;
      while (i < len) {
        const gap = 40 * (1 + ((rnd() * 4) | 0)) + ((rnd() * 3) | 0) - 1;
        s.fill(level, i, Math.min(len, i + gap));
        i += gap;
        const w = 8 + ((rnd() * 4) | 0);
        s.fill(level | 1, i, Math.min(len, i + w));
        i += w;
        if (rnd() < 0.01) level ^= 2;
        if (rnd() < 0.005) level ^= 4;
      }
      break;
    }
    case "text":
      for (let i = 0; i < len; i++) s[i] = "the quick brown fox jumps over the lazy dog "[(i * 7 + ((rnd() * 3) | 0)) % 44].charCodeAt(0);
      break;
    case "periodic": {
      // A pattern repeated at a long period, so matches reach far back (up to 32 KiB).
      const period = 1 + ((rnd() * 40000) | 0);
      const pat = new Uint8Array(Math.min(period, len));
      for (let i = 0; i < pat.length; i++) pat[i] = rnd() < 0.9 && i > 0 ? pat[i - 1] : (rnd() * 256) | 0;
      for (let i = 0; i < len; i++) s[i] = pat[i % pat.length] ^ (rnd() < 0.0005 ? 1 : 0);
      break;
    }
  }
  return s;
}

export const STRATEGIES = [
  zlib.constants.Z_DEFAULT_STRATEGY,
  zlib.constants.Z_FILTERED,
  zlib.constants.Z_HUFFMAN_ONLY,
  zlib.constants.Z_RLE,
  zlib.constants.Z_FIXED,
] as const;

export function deflate(s: Uint8Array, level: number, strategy: number, memLevel = 8): Uint8Array {
  return zlib.deflateRawSync(s, { level, strategy, memLevel });
}

export const kindArb = fc.constantFrom<SampleKind>("random", "runs", "pulses", "zeros", "text", "periodic");
export const bitArb = fc.integer({ min: -1, max: 7 });
export const paramsArb = fc.record({ dataBit: fc.integer({ min: 0, max: 7 }), indexBit: bitArb, suppressBit: bitArb, rising: fc.boolean() });
/** A stream: samples of a kind, deflated at a level and strategy. */
export const streamArb = fc.record({
  kind: kindArb,
  len: fc.oneof(fc.integer({ min: 0, max: 300 }), fc.integer({ min: 0, max: 400_000 })),
  seed: fc.integer(),
  level: fc.integer({ min: 0, max: 9 }),
  strategy: fc.constantFrom(...STRATEGIES),
  memLevel: fc.integer({ min: 1, max: 9 }),
});
/** Input piece sizes: tiny (every step split), odd, and whole regions. */
export const feedArb = fc.oneof(fc.integer({ min: 1, max: 7 }), fc.integer({ min: 8, max: 5000 }), fc.constant(IE_IN_CAP));

/** Everything a kernel says while running one stream. */
export interface Transcript {
  /** ieRun's results and the edge count of each, in order. */
  calls: number[];
  edges: number[];
  index: number[];
  status: number;
  produced: number;
  crc: number;
  inputLeft: number;
  /** With the host's CRC ("host"): the length of each run of samples handed over, in order. */
  handed: number[];
}

/**
 * Runs `data` through k as one stream (configure + begin unless `keep`),
 * feeding `feed(i)` bytes at the i-th input. Bounded: a kernel that stops
 * making progress fails the test instead of hanging it.
 */
export function runStream(k: InflateEdgesKernel, data: Uint8Array, p: EdgeParams, feed: (i: number) => number, crc: boolean | "host" = true, keep = false): Transcript {
  if (!keep) k.configure(p.dataBit, p.indexBit, p.suppressBit, p.rising ? 1 : 0, crc === "host" ? IE_CRC_HOST : crc ? 1 : 0);
  const t: Transcript = { calls: [], edges: [], index: [], status: 0, produced: 0, crc: 0, inputLeft: 0, handed: [] };
  // (the host's CRC: zlib.crc32 over what the kernel hands over, continued call after call)
  let hostCrc = 0;
  if (crc === "host") {
    k.setHostBytes((bytes) => {
      t.handed.push(bytes.length);
      hostCrc = zlib.crc32(bytes, hostCrc);
    });
  }
  try {
    runCalls(k, data, feed, t);
  } finally {
    k.setHostBytes(undefined);
  }
  t.produced = k.produced();
  t.crc = t.status === IE_DONE ? (crc === "host" ? hostCrc >>> 0 : k.crc()) : 0;
  t.inputLeft = t.status === IE_DONE ? k.inputLeft() : 0;
  return t;
}

function runCalls(k: InflateEdgesKernel, data: Uint8Array, feed: (i: number) => number, t: Transcript): void {
  k.begin();
  let at = 0;
  let feeds = 0;
  for (let guard = 0; ; guard++) {
    if (guard > 1e6) throw new Error("the kernel made no progress");
    const r = k.run();
    const n = k.edgeCount();
    t.calls.push(r, n);
    for (let j = 0; j < n; j++) {
      t.edges.push(k.edges[j]);
      t.index.push(k.index[j]);
    }
    if (r === IE_PIECE_DONE) continue;
    if (r === IE_NEED_INPUT) {
      const off = k.inputSpace();
      const len = Math.max(0, Math.min(IE_IN_CAP - off, feed(feeds++), data.length - at));
      k.input.set(data.subarray(at, at + len), off);
      at += len;
      const f = k.feed(len, at >= data.length ? 1 : 0);
      if (f < 0) {
        t.status = f;
        break;
      }
      continue;
    }
    t.status = r;
    break;
  }
}

/** zlib's verdict on a raw deflate stream: its bytes, or null when it refuses it. */
export function zlibInflate(data: Uint8Array): Uint8Array | null {
  try {
    return zlib.inflateRawSync(data);
  } catch {
    return null;
  }
}

export function crc32(s: Uint8Array): number {
  return zlib.crc32(s) >>> 0;
}

/** -1 when a and b hold the same numbers, else the first index where they differ (fast on 100 000s of edges). */
export function firstDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return i;
  return a.length === b.length ? -1 : n;
}
