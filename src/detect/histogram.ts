// Encoding family and data rate from the pulse widths alone.
//
// A pulse is the distance between two leading edges. Each family allows a
// fixed set of pulse widths in code cells (spec §2.2), and one cell lasts
// 1 / (2 · data_rate) seconds for all of them (spec §3.1):
//
//   FM        1 2              cells   125 kb/s:  4 µs  8 µs
//   MFM         2 3 4          cells   5 Mb/s:    200 300 400 ns
//   RLL(2,7)      3 4 5 6 7 8  cells   7.5 Mb/s:  200 267 333 … 533 ns
//
// So for every (family, data rate) pair the widths divided by the cell must sit
// near allowed integers. The first peak alone cannot tell MFM 5 Mb/s from
// RLL 7.5 Mb/s (both 200 ns); the spacing of the peaks can (recovery-facts §C.1).
// Two readings can both fit: FM at r is MFM at 2r without its 3-cell pulses,
// and MFM at r is RLL at 2r without odd widths. The score therefore also asks
// for every allowed width to be present, and among readings that fit about as
// well the one with the longer cell (fewer cells per pulse) ranks first.
import { LIMITS } from "../presets.js";

export type Family = "FM" | "MFM" | "RLL";

/** data_rate values the decoder accepts (spec §2.1). */
export const DATA_RATES = [125000, 150000, 250000, 300000, 500000, 5000000, 7500000, 10000000] as const;

export interface RateGuess {
  family: Family;
  dataRate: number;
  /** Samples per code cell at this rate. */
  cell: number;
  /** Share of pulses within ±0.3 cell of an allowed width. */
  fit: number;
  /** Share of the family's widths that hold at least 0.3 % of the pulses. */
  coverage: number;
  /** fit × coverage. */
  score: number;
}

export interface Peak {
  /** Centre of the peak in samples (weighted mean). */
  samples: number;
  /** Pulses in it. */
  count: number;
}

export interface PulseHistogram {
  /** Pulses measured (edges − 1, capped). */
  pulses: number;
  /** Peaks of the width histogram, widest first by count. */
  peaks: Peak[];
  /** Readings ranked best first. */
  guesses: RateGuess[];
}

/** At most this many pulses are looked at (a track has ~50 000–90 000). */
const MAX_PULSES = 200_000;
const TOLERANCE = 0.3;
/** A width is present when it holds this share of the pulses. */
const PRESENT = 0.003;
/** Widths that must be present per family (RLL tracks rarely hold 7- and 8-cell pulses). */
const MIN_PRESENT: Record<Family, number> = { FM: 2, MFM: 3, RLL: 4 };
/** Width bins of 1/8 sample, at most this many (2^16 samples). */
const BINS = 1 << 19;

/**
 * Ranks every (family, data rate) reading of the pulse widths between
 * consecutive edges (sample numbers, increasing).
 */
export function pulseHistogram(edges: Float64Array, sampleRate: number): PulseHistogram {
  const n = Math.max(0, Math.min(edges.length - 1, MAX_PULSES));
  // distinct widths with their counts, in 1/8-sample bins: a few hundred on a real track
  // the longest pulse any reading allows: 8 cells at the slowest rate
  const size = Math.min(BINS, Math.ceil(((8.5 * sampleRate) / (2 * DATA_RATES[0])) * 8) + 1);
  const bins = new Uint32Array(size);
  for (let i = 0; i < n; i++) {
    const b = Math.round((edges[i + 1] - edges[i]) * 8);
    if (b < size) bins[b]++; // longer pulses fit no reading: they count against every fit
  }
  const widths: number[] = [], counts: number[] = [];
  for (let b = 0; b < size; b++) {
    if (bins[b] !== 0) {
      widths.push(b / 8);
      counts.push(bins[b]);
    }
  }
  const guesses: RateGuess[] = [];
  for (const family of ["FM", "MFM", "RLL"] as const) {
    const allowed = LIMITS[family];
    const lo = allowed[0], hi = allowed[allowed.length - 1];
    for (const dataRate of DATA_RATES) {
      const cell = sampleRate / (2 * dataRate);
      if (cell < 1.5) continue; // under-sampled: the decoder could not read it either
      const perWidth = new Float64Array(hi + 1);
      let inWindow = 0;
      for (let j = 0; j < widths.length; j++) {
        const c = widths[j] / cell;
        const r = Math.round(c);
        if (r >= lo && r <= hi && Math.abs(c - r) <= TOLERANCE) {
          inWindow += counts[j];
          perWidth[r] += counts[j];
        }
      }
      const fit = n > 0 ? inWindow / n : 0;
      let present = 0;
      for (const w of allowed) if (n > 0 && perWidth[w] / n >= PRESENT) present++;
      const coverage = present / allowed.length;
      const score = present >= MIN_PRESENT[family] ? fit : fit * coverage * 0.5;
      guesses.push({ family, dataRate, cell, fit, coverage, score });
    }
  }
  guesses.sort((a, b) => {
    // within 2 % of each other: the longer cell first (see the header comment)
    if (Math.abs(a.score - b.score) <= 0.02) return b.cell - a.cell;
    return b.score - a.score;
  });
  return { pulses: n, peaks: findPeaks(widths, counts, n), guesses };
}

/** Peaks of the width histogram in whole samples (evidence shown to users). */
function findPeaks(widths: readonly number[], counts: readonly number[], n: number): Peak[] {
  const bins = new Map<number, number>();
  widths.forEach((w, j) => {
    const b = Math.round(w);
    bins.set(b, (bins.get(b) ?? 0) + counts[j]);
  });
  const floor = n * 0.005;
  const keys = [...bins.keys()].filter((b) => bins.get(b)! >= floor).sort((a, b) => a - b);
  const peaks: Peak[] = [];
  for (let i = 0; i < keys.length;) {
    let sum = 0, weighted = 0, j = i;
    while (j < keys.length && (j === i || keys[j] === keys[j - 1] + 1)) {
      const c = bins.get(keys[j])!;
      sum += c;
      weighted += c * keys[j];
      j++;
    }
    peaks.push({ samples: weighted / sum, count: sum });
    i = j;
  }
  return peaks.sort((a, b) => b.count - a.count).slice(0, 12);
}
