// What every reader produces and every decoder consumes.

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
