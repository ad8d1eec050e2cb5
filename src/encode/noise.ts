// Noise for robustness testing: a transform on leading-edge lists that imitates
// worn media and imperfect capture hardware.
//
//   clean:   |    |      |    |    |        edges at multiples of the cell
//   jitter:  |   |        |    |  |         each edge moved by N(0, σ) cells
//   drift:   |    |       |     |     |     spindle speed changing along the track
//   dropout:  |    |             |    |     a weak transition missed
//   extra:   |    | |    |    |    |        a spurious transition (noise spike)
import { mulberry32, gaussian } from "./flux.js";
import type { EdgeCapture } from "../capture.js";

export interface NoiseOptions {
  /** Nominal cell width in samples (samplerate / (2 · data rate)), the unit of jitter. */
  cell: number;
  /** Standard deviation of the edge displacement, in cells. */
  jitter?: number;
  /** Relative speed change from the start to the end of the list (e.g. 0.02). */
  drift?: number;
  /** Probability that an edge is dropped. */
  dropout?: number;
  /** Probability that a spurious edge is added after an edge. */
  extra?: number;
  seed?: number;
}

/**
 * A noisy copy of the edges (strictly increasing, > 0); index levels follow their edges.
 *
 * @example
 * import { addNoise, decode, synthTrack } from "diskflux";
 * const t = synthTrack({ format: "MFM_floppy" });
 * const cell = t.edges.sampleRate / (2 * 250000); // 30 samples at 15 MHz
 * const worn = addNoise(t.edges, { cell, jitter: 0.08, drift: 0.01, dropout: 1e-4, extra: 1e-4, seed: 7 });
 * const result = await decode(worn, t.options);
 * console.log(result.stats.CRC_OK, result.stats.CRC_err);
 */
export function addNoise(capture: EdgeCapture, o: NoiseOptions): EdgeCapture {
  const rand = mulberry32(o.seed ?? 1);
  const normal = gaussian(rand);
  const src = capture.edges;
  const n = src.length;
  const edges = new Float64Array(n * 2 + 1);
  const index = capture.index ? new Uint8Array(n * 2 + 1) : undefined;
  const last = n > 0 ? src[n - 1] : 1;
  let out = 0;
  let prev = 0;
  const push = (t: number, level: number) => {
    const v = Math.max(prev + 1, Math.round(t));
    edges[out] = v;
    if (index) index[out] = level;
    out++;
    prev = v;
  };
  for (let i = 0; i < n; i++) {
    const level = capture.index ? capture.index[i] : 0;
    if (o.dropout && rand() < o.dropout) continue;
    const t = src[i];
    const stretched = o.drift ? t * (1 + (o.drift * t) / (2 * last)) : t;
    push(stretched + (o.jitter ? normal() * o.jitter * o.cell : 0), level);
    if (o.extra && rand() < o.extra && i + 1 < n) push((stretched + src[i + 1]) / 2, level);
  }
  return {
    kind: "edges",
    sampleRate: capture.sampleRate,
    edges: edges.slice(0, out),
    ...(index ? { index: index.slice(0, out) } : {}),
    ...(capture.source ? { source: capture.source } : {}),
  };
}
