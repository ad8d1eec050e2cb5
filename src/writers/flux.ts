// What the flux-file writers (scp.ts, hfe.ts) share: a track of any capture as
// transition times plus the revolutions to write, found in this order:
//
//   1. the revolutions a flux reader kept (src/readers/flux.ts: sample ranges
//      between index pulses); index-cued when the capture has an index line;
//   2. index pulses: a logic capture's index channel (active low, as the
//      decoder reads it, spec §1.1: an index is where the line goes 1 → 0),
//      or an edge capture's index levels (the first edge seen low after one
//      seen high). A line that is low for more than half of the capture is no
//      index line (the shared floppy captures hold their index channel at 0,
//      with three one-sample glitches at the very end), and a pulse less than
//      1 ms after the one before is a glitch of it, not a new index (no disk
//      turns 60 000 times a minute). Two or more pulses give the revolutions
//      between consecutive pulses, index-cued. Flux before the first pulse
//      and after the last is not part of any revolution;
//   3. none: the writer decides (SCP: revolutions of one nominal rotation
//      from the start of the capture, as the SCP specification says a
//      non-index read is simulated; HFE: the whole capture as one track).

import { logicToEdges, type Capture, type EdgeCapture, type EdgeChannels, type LogicCapture } from "../capture.js";
import { DiskfluxError } from "../errors.js";
import type { Revolution } from "../readers/flux.js";

/** A track to write: any capture, with the revolutions a flux reader kept. */
export interface FluxWriteTrack {
  readonly cyl: number;
  readonly head: number;
  readonly capture: Capture;
  readonly revolutions?: readonly Revolution[];
}

export interface FluxPlan {
  readonly edges: Float64Array;
  readonly sampleRate: number;
  /** Sample ranges (start, end] to write, in order; empty when nothing marks a revolution. */
  readonly revolutions: readonly Revolution[];
  /** The revolutions start at index pulses. */
  readonly indexCued: boolean;
  readonly from: "revolutions" | "index" | "none";
  /** Samples of the capture (for a track with no revolution). */
  readonly sampleCount: number;
  readonly source: string;
}

/** Index pulses closer than this to the one before are glitches (see the header). */
export const MIN_INDEX_SECONDS = 0.001;

/** Drops marks less than `min` after the last one kept. */
function debounce(marks: number[], min: number): number[] {
  const out: number[] = [];
  for (const m of marks) if (out.length === 0 || m - out[out.length - 1] >= min) out.push(m);
  return out;
}

/**
 * Samples where a logic capture's index channel goes 1 → 0 (active low);
 * none when the line is low for more than half of the capture, glitches
 * within 1 ms of a pulse dropped (see the header).
 */
export function logicIndexTimes(c: LogicCapture, bit: number): number[] {
  const u = c.unitSize;
  if (!(Number.isInteger(bit) && bit >= 0 && bit < u * 8)) {
    throw new DiskfluxError("E_ARGUMENT", `${c.source ?? "capture"}: index channel ${bit} does not exist (samples have ${u * 8} bits)`);
  }
  const byte = bit >> 3, mask = 1 << (bit & 7);
  const out: number[] = [];
  let prev = c.sampleCount > 0 ? c.samples[byte] & mask : 0;
  let low = prev ? 0 : 1;
  for (let i = 1, o = u + byte; i < c.sampleCount; i++, o += u) {
    const v = c.samples[o] & mask;
    if (v === 0) low++;
    if (v !== prev) {
      if (v === 0) out.push(i);
      prev = v;
    }
  }
  if (low > c.sampleCount / 2) return [];
  return debounce(out, MIN_INDEX_SECONDS * c.sampleRate);
}

/** Index times of an edge capture from its index levels (see the header). */
export function edgeIndexTimes(c: EdgeCapture): number[] {
  const lv = c.index;
  if (!lv || lv.length === 0) return [];
  const out: number[] = [];
  let low = 0;
  for (let k = 0; k < lv.length; k++) {
    if (!lv[k]) {
      low++;
      if (k > 0 && lv[k - 1]) out.push(c.edges[k]);
    }
  }
  if (low > lv.length / 2) return [];
  // low at the first edge: an index at the start
  if (lv[0] === 0) out.unshift(0);
  return debounce(out, MIN_INDEX_SECONDS * c.sampleRate);
}

/** Which index channel a logic capture has (EdgeChannels.index rules: default 1 when there is a second channel). */
function indexBit(c: LogicCapture, channels: EdgeChannels): number | undefined {
  if (channels.index === null) return undefined;
  const bit = channels.index ?? (c.channels.length > 1 ? c.channels[1].index : undefined);
  return bit === (channels.data ?? 0) ? undefined : bit; // the data line is no index line
}

/** The edges and revolutions to write for a track (see the header). */
export function fluxPlan(track: Pick<FluxWriteTrack, "capture" | "revolutions">, channels: EdgeChannels = {}): FluxPlan {
  const c = track.capture;
  const ec = c.kind === "edges" ? c : logicToEdges(c, { ...channels, index: null });
  const source = c.source ?? "capture";
  if (!(ec.sampleRate > 0) || !Number.isFinite(ec.sampleRate)) {
    throw new DiskfluxError("E_ARGUMENT", `${source}: no valid sample rate, so its flux cannot be timed`);
  }
  const last = ec.edges.length ? ec.edges[ec.edges.length - 1] : 0;
  const sampleCount = Math.max(c.kind === "logic" ? c.sampleCount : (c.sampleCount ?? 0), last + 1);
  const base = { edges: ec.edges, sampleRate: ec.sampleRate, sampleCount, source };
  if (track.revolutions && track.revolutions.length > 0) {
    return { ...base, revolutions: track.revolutions, indexCued: ec.index !== undefined, from: "revolutions" };
  }
  let marks: number[] = [];
  if (c.kind === "logic") {
    const bit = indexBit(c, channels);
    if (bit !== undefined) marks = logicIndexTimes(c, bit);
  } else {
    marks = edgeIndexTimes(c);
  }
  if (marks.length >= 2) {
    const revolutions: Revolution[] = [];
    for (let i = 1; i < marks.length; i++) revolutions.push({ start: marks[i - 1], end: marks[i], indexTime: (marks[i] - marks[i - 1]) / ec.sampleRate });
    return { ...base, revolutions, indexCued: true, from: "index" };
  }
  return { ...base, revolutions: [], indexCued: false, from: "none" };
}

/** Index of the first edge after sample t (binary search). */
export function firstEdgeAfter(edges: Float64Array, t: number, from = 0): number {
  let lo = from, hi = edges.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (edges[mid] <= t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
