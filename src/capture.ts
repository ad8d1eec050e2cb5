// What every reader produces and every decoder consumes.
import { DiskfluxError } from "./errors.js";

/** Logic samples as a logic analyzer stores them: sampleCount units of unitSize bytes, channel k in bit k. */
export interface LogicCapture {
  readonly kind: "logic";
  /** Samples per second. */
  readonly sampleRate: number;
  readonly sampleCount: number;
  /** Bytes per sample (1 for up to 8 channels). */
  readonly unitSize: number;
  /** Channel k (bit k of a sample unit) and its name as the file gives it. */
  readonly channels: readonly { readonly index: number; readonly name: string }[];
  /** sampleCount * unitSize bytes, little-endian units. */
  readonly samples: Uint8Array;
  /** Where it came from, for messages ("fdd_fm.sr"). */
  readonly source?: string;
}

/**
 * Leading edges already extracted (flux readers, synthetic tracks): sample
 * numbers of the flux transitions on the data line, in increasing order.
 */
export interface EdgeCapture {
  readonly kind: "edges";
  readonly sampleRate: number;
  /** Leading-edge sample numbers, strictly increasing, each > 0. */
  readonly edges: Float64Array;
  /** Optional index level (0 or 1) at each edge; absent means no index channel. */
  readonly index?: Uint8Array;
  /** Total length in samples (for display); defaults to the last edge + 1. */
  readonly sampleCount?: number;
  readonly source?: string;
}

export type Capture = LogicCapture | EdgeCapture;

/** Which channels logicToEdges reads, as bit numbers of a sample unit (decode()'s defaults when absent). */
export interface EdgeChannels {
  /** Data channel bit; default 0. */
  readonly data?: number;
  /** Index channel bit; default 1 when the capture has a second channel; null = none. */
  readonly index?: number | null;
  /** Suppress channel bit; default 2 when the capture has a third channel; null = none. */
  readonly suppress?: number | null;
  /** Direction of the leading edge (the decoder's `leading_edge`, default rising). */
  readonly leadingEdge?: "rising" | "falling";
}

/**
 * The leading edges of a logic capture exactly as decode() extracts them
 * (spec §1.1): sample i is an edge when the data bit goes inactive -> active
 * between samples i-1 and i while the suppress bit of sample i is low; sample 0
 * never is. The index level at each edge is kept when there is an index channel.
 * Decoding the result gives the same records as decoding the samples.
 */
export function logicToEdges(capture: LogicCapture, opts: EdgeChannels = {}): EdgeCapture {
  const { samples, unitSize: u, sampleCount: n, channels } = capture;
  const bits = u * 8;
  const pick = (spec: number | null | undefined, fallback: number): number => {
    if (spec === null) return -1;
    if (spec === undefined) return fallback < channels.length ? channels[fallback].index : -1;
    return spec;
  };
  const data = opts.data ?? 0;
  const index = pick(opts.index, 1);
  const suppress = pick(opts.suppress, 2);
  for (const [what, bit] of [["data", data], ["index", index], ["suppress", suppress]] as const) {
    if (bit !== -1 && !(Number.isInteger(bit) && bit >= 0 && bit < bits)) {
      throw new DiskfluxError("E_ARGUMENT", `${capture.source ?? "capture"}: ${what} channel ${bit} does not exist (samples have ${bits} bits)`);
    }
  }
  const active = (opts.leadingEdge ?? "rising") === "rising" ? 1 : 0;
  const dByte = data >> 3, dShift = data & 7;
  const iByte = index >> 3, iShift = index & 7;
  const sByte = suppress >> 3, sShift = suppress & 7;
  let edges = new Float64Array(1024);
  let levels = index >= 0 ? new Uint8Array(1024) : undefined;
  let count = 0;
  let prev = n > 0 ? (samples[dByte] >> dShift) & 1 : 0;
  for (let i = 1, o = u; i < n; i++, o += u) {
    const v = (samples[o + dByte] >> dShift) & 1;
    if (v !== prev) {
      prev = v;
      if (v !== active) continue;
      if (suppress >= 0 && ((samples[o + sByte] >> sShift) & 1) !== 0) continue;
      if (count === edges.length) {
        const grown = new Float64Array(edges.length * 2);
        grown.set(edges);
        edges = grown;
        if (levels) {
          const l = new Uint8Array(levels.length * 2);
          l.set(levels);
          levels = l;
        }
      }
      edges[count] = i;
      if (levels) levels[count] = (samples[o + iByte] >> iShift) & 1;
      count++;
    }
  }
  return {
    kind: "edges",
    sampleRate: capture.sampleRate,
    edges: edges.slice(0, count),
    ...(levels ? { index: levels.slice(0, count) } : {}),
    sampleCount: n,
    ...(capture.source !== undefined ? { source: capture.source } : {}),
  };
}
