// Cells → flux edges → logic samples: the analogue end of the track encoder.
//
// Cell width (spec §0): H0 = sampleRate / (2 · dataRate) samples. A 1-cell at
// index i becomes an edge at
//
//     edge = startOffset + T(i) + g · jitter · w(i),   rounded to a whole sample
//
//   w(k) = H0 · (1 + drift · ((k + ½)/N − ½))   cell width, growing linearly by
//                                               `drift` (relative) over the N cells,
//                                               centred on H0 so the mean stays H0
//   T(i) = Σ_{k<i} w(k) = H0 · i · (1 + drift · (i/(2N) − ½))
//   g    = standard normal deviate from a seeded mulberry32 (Box–Muller)
//
// Logic samples (unitSize 1): channel 0 = data, a short high pulse starting
// exactly at each edge (the leading edge is rising, as `leading_edge=rising`
// expects); optional channel 1 = index, high normally, low (active low, §1.1)
// for `width` samples at each position.
//
//     sample:   e-1  e   e+1 …  e+w-1  e+w
//     bit 0:     0   1    1  …    1     0        (pulse width w, clipped before the next edge)

import type { EdgeCapture, LogicCapture } from "../capture.js";
import { DiskfluxError } from "../errors.js";

/** mulberry32: a tiny seeded PRNG returning floats in [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Standard normal deviates from a uniform source (Box–Muller, one value per call). */
export function gaussian(rand: () => number): () => number {
  return () => {
    const u = 1 - rand(); // (0, 1]
    const v = rand();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  };
}

export interface FluxOptions {
  /** Samples per second. */
  readonly sampleRate: number;
  /** Data bits per second (the decoder's data_rate). */
  readonly dataRate: number;
  /** Gaussian edge jitter, standard deviation in cells (default 0). */
  readonly jitter?: number;
  /** Relative change of the cell width from the start to the end of the track (default 0). */
  readonly drift?: number;
  /** PRNG seed for the jitter (default 1). */
  readonly seed?: number;
  /** Sample of cell 0 (default 10 cells). */
  readonly startOffset?: number;
}

/** Half-up rounding to a whole sample (any rule works; this one is explicit). */
function toSample(x: number): number {
  return Math.floor(x + 0.5);
}

/**
 * One edge per 1-cell, in samples: strictly increasing, each ≥ 1, and at least
 * 2 samples apart (so edgesToLogic can always draw them); rounded to integers.
 */
export function cellsToEdges(cells: Uint8Array, opts: FluxOptions): Float64Array {
  const { sampleRate, dataRate } = opts;
  if (!(sampleRate > 0) || !(dataRate > 0)) throw new DiskfluxError("E_ARGUMENT", "sampleRate and dataRate must be positive");
  const h0 = sampleRate / (2 * dataRate);
  const jitter = opts.jitter ?? 0;
  const drift = opts.drift ?? 0;
  if (!(jitter >= 0) || !(Math.abs(drift) < 1)) throw new DiskfluxError("E_ARGUMENT", "jitter must be ≥ 0 and |drift| < 1");
  const start = opts.startOffset ?? 10 * h0;
  const gauss = gaussian(mulberry32(opts.seed ?? 1));
  const n = Math.max(1, cells.length);

  let count = 0;
  for (let i = 0; i < cells.length; i++) count += cells[i] & 1;
  const edges = new Float64Array(count);
  let prev = -Infinity;
  let k = 0;
  for (let i = 0; i < cells.length; i++) {
    if ((cells[i] & 1) === 0) continue;
    const w = h0 * (1 + drift * ((i + 0.5) / n - 0.5));
    const t = start + h0 * i * (1 + drift * (i / (2 * n) - 0.5));
    let e = toSample(jitter > 0 ? t + gauss() * jitter * w : t);
    if (e < 1) e = 1;
    if (e < prev + 2) e = prev + 2;
    edges[k++] = e;
    prev = e;
  }
  return edges;
}

export interface LogicOptions {
  /** Samples per second; required unless `edges` is an EdgeCapture (whose rate is used). */
  readonly sampleRate?: number;
  /** Total samples (default: last edge + 2·pulseWidth + 1, and past the index pulses). */
  readonly sampleCount?: number;
  /** High time of each data pulse in samples (default 4; clipped to end before the next edge). */
  readonly pulseWidth?: number;
  /** Index pulses on channel 1: low for `width` samples from each position. */
  readonly index?: { readonly positions: readonly number[]; readonly width: number };
  readonly source?: string;
}

/**
 * Draws edges as logic samples (unitSize 1): bit 0 carries a high pulse starting
 * at each edge, bit 1 (only with `index`) the active-low index line.
 * Edges must be integers ≥ 1, each at least 2 samples after the previous one.
 */
export function edgesToLogic(edges: Float64Array | EdgeCapture, opts: LogicOptions = {}): LogicCapture {
  const sampleRate = opts.sampleRate ?? (edges instanceof Float64Array ? undefined : edges.sampleRate);
  if (sampleRate === undefined || !(sampleRate > 0)) throw new DiskfluxError("E_ARGUMENT", "edgesToLogic needs a positive sampleRate");
  if (!(edges instanceof Float64Array)) edges = edges.edges;
  const pw = opts.pulseWidth ?? 4;
  if (!Number.isInteger(pw) || pw < 1) throw new DiskfluxError("E_ARGUMENT", `pulseWidth must be a positive integer, got ${pw}`);
  let prev = 0;
  for (let i = 0; i < edges.length; i++) {
    const e = edges[i];
    if (!Number.isInteger(e) || e < 1 || (i > 0 && e < prev + 2)) {
      throw new DiskfluxError("E_ARGUMENT", `edge ${i} (${e}) must be an integer ≥ 1 and ≥ 2 samples after the previous one`);
    }
    prev = e;
  }
  const last = edges.length ? edges[edges.length - 1] : 0;
  let need = last + 2 * pw + 1;
  const idx = opts.index;
  if (idx) {
    if (!Number.isInteger(idx.width) || idx.width < 1) throw new DiskfluxError("E_ARGUMENT", "index width must be a positive integer");
    for (const p of idx.positions) {
      if (!Number.isInteger(p) || p < 0) throw new DiskfluxError("E_ARGUMENT", `index position ${p} must be a non-negative integer`);
      need = Math.max(need, p + idx.width + 1);
    }
  }
  const sampleCount = opts.sampleCount ?? need;
  if (!Number.isInteger(sampleCount) || sampleCount <= last) {
    throw new DiskfluxError("E_ARGUMENT", `sampleCount ${sampleCount} must be an integer beyond the last edge ${last}`);
  }
  const samples = new Uint8Array(sampleCount);
  if (idx) {
    samples.fill(2);
    for (const p of idx.positions) samples.fill(0, Math.min(p, sampleCount), Math.min(p + idx.width, sampleCount));
  }
  for (let i = 0; i < edges.length; i++) {
    const e = edges[i];
    const end = Math.min(e + pw, i + 1 < edges.length ? edges[i + 1] - 1 : sampleCount, sampleCount);
    for (let s = e; s < end; s++) samples[s] |= 1;
  }
  const channels = idx
    ? [
        { index: 0, name: "0" },
        { index: 1, name: "1" },
      ]
    : [{ index: 0, name: "0" }];
  return { kind: "logic", sampleRate, sampleCount, unitSize: 1, channels, samples, source: opts.source ?? "synthetic" };
}

/** Index level (0/1) at each edge for an EdgeCapture, from the same index pulses. */
export function indexAtEdges(edges: Float64Array, index: { readonly positions: readonly number[]; readonly width: number }): Uint8Array {
  const lv = new Uint8Array(edges.length).fill(1);
  for (const p of index.positions) {
    for (let i = 0; i < edges.length; i++) if (edges[i] >= p && edges[i] < p + index.width) lv[i] = 0;
  }
  return lv;
}

/** An EdgeCapture of edges (optionally with the index level at each edge). */
export function edgeCapture(
  edges: Float64Array,
  sampleRate: number,
  opts: { sampleCount?: number; index?: { readonly positions: readonly number[]; readonly width: number }; source?: string } = {},
): EdgeCapture {
  return {
    kind: "edges",
    sampleRate,
    edges,
    ...(opts.index ? { index: indexAtEdges(edges, opts.index) } : {}),
    sampleCount: opts.sampleCount ?? (edges.length ? edges[edges.length - 1] + 1 : 0),
    source: opts.source ?? "synthetic",
  };
}
