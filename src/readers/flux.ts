// What the flux-file readers (scp.ts, kryoflux.ts, hfe.ts) share: how a track's
// revolutions are laid out in its EdgeCapture, the index line built from the
// index times, and the lazily unpacked track record.
//
// Revolutions: every reader gives ONE EdgeCapture per physical track holding all
// of its revolutions back to back, in the order the drive read them, on one time
// axis (sample 0 = the start of the track's flux data). Why:
//   - the flux is continuous across revolutions (SCP stores them "sequentially,
//     like the disk is spinning multiple times"; a KryoFlux stream is one read
//     with index blocks inside it), so a sector that straddles an index pulse is
//     read whole, which one capture per revolution would cut in two;
//   - decode() runs once per track with the PLL locked throughout;
//   - every revolution's copy of a sector is a separate record of the result,
//     and image assembly (src/image/assemble.ts) already keeps the best copy
//     per sector (a good CRC beats a bad one, differing good copies are a
//     reported conflict).
// The revolution boundaries are kept as data (`revolutions`: sample ranges between
// index pulses, with the index-to-index time where the file gives it) and as the
// capture's index line, so annotations and `report=Index` see the pulses.
// revolutionCaptures() cuts a track into one EdgeCapture per revolution for
// callers who want the revolutions apart.

import type { EdgeCapture } from "../capture.js";

/**
 * One revolution of a flux track: the samples after `start` up to and including
 * `end` of the track's capture (its last transition may lie on the index).
 */
export interface Revolution {
  readonly start: number;
  readonly end: number;
  /** Index-to-index time in seconds as the file records it (absent where it does not). */
  readonly indexTime?: number;
}

/** Width of the synthesized index pulse (the line is low for this long after each index). */
export const INDEX_PULSE_SECONDS = 0.002;

/**
 * The index level (active low, as diskflux's synthesizer writes it) at each edge:
 * 0 for the edges in [mark, mark + pulse) of each index mark, 1 elsewhere. The
 * first edge at or after a mark is always low, so every mark is seen even where
 * no flux falls inside the pulse. `marks` must be increasing.
 */
export function indexLevels(edges: Float64Array, sampleRate: number, marks: readonly number[]): Uint8Array {
  const lv = new Uint8Array(edges.length).fill(1);
  const width = Math.max(1, Math.round(sampleRate * INDEX_PULSE_SECONDS));
  let i = 0;
  for (const m of marks) {
    // first edge at or after m (binary search; marks are few, edges many)
    let lo = i, hi = edges.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (edges[mid] < m) lo = mid + 1;
      else hi = mid;
    }
    i = lo;
    if (i >= edges.length) break;
    lv[i] = 0;
    for (let j = i + 1; j < edges.length && edges[j] < m + width; j++) lv[j] = 0;
  }
  return lv;
}

/** An EdgeCapture of a flux track, with the index line when marks are known. */
export function fluxCapture(edges: Float64Array, sampleRate: number, marks: readonly number[] | undefined, sampleCount: number, source: string): EdgeCapture {
  return {
    kind: "edges",
    sampleRate,
    edges,
    ...(marks && marks.length > 0 ? { index: indexLevels(edges, sampleRate, marks) } : {}),
    sampleCount: Math.max(sampleCount, edges.length ? edges[edges.length - 1] + 1 : 0),
    source,
  };
}

/** A track of a flux file: cylinder, head, its revolutions, and the capture (unpacked on access). */
export interface FluxTrack {
  readonly cyl: number;
  readonly head: number;
  /** The revolutions in the capture, in read order. */
  readonly revolutions: readonly Revolution[];
  /**
   * All revolutions back to back (see the header of src/readers/flux.ts).
   * Unpacked from the file on every access (a whole disk's edges would not fit
   * in memory at once); keep the result if you need it twice.
   */
  readonly capture: EdgeCapture;
}

/** A FluxTrack whose capture is built by `unpack` on each access. */
export function lazyFluxTrack(cyl: number, head: number, revolutions: readonly Revolution[], unpack: () => EdgeCapture, extra: object = {}): FluxTrack {
  const t = { cyl, head, revolutions, ...extra };
  Object.defineProperty(t, "capture", { get: unpack, enumerable: true });
  return t as FluxTrack;
}

/**
 * One EdgeCapture per revolution of a track: the edges in (start, end] of each
 * (they keep their sample numbers, so each starts where its revolution starts;
 * the index line is kept).
 */
export function revolutionCaptures(track: Pick<FluxTrack, "capture" | "revolutions">): EdgeCapture[] {
  const c = track.capture;
  const out: EdgeCapture[] = [];
  /** The first edge after sample t. */
  const find = (t: number) => {
    let lo = 0, hi = c.edges.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (c.edges[mid] <= t) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  track.revolutions.forEach((r, k) => {
    const a = find(r.start), b = find(r.end);
    out.push({
      kind: "edges",
      sampleRate: c.sampleRate,
      edges: c.edges.slice(a, b),
      ...(c.index ? { index: c.index.slice(a, b) } : {}),
      sampleCount: Math.max(r.end, a < b ? c.edges[b - 1] + 1 : 0),
      source: `${c.source ?? "capture"} rev ${k + 1}`,
    });
  });
  return out;
}
