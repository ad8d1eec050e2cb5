// The interface both backends implement: the same memory regions (abi.ts) and
// the same kernel entry points. Orchestration code is written once against it.
import {
  SAMPLE_CAP, EDGE_CAP, EVENT_CAP, EVENT_STRIDE, OUT_CAP,
  CFG_F64_LEN, CFG_I32_LEN, MAX_MARKS, MARK_STRIDE, STATUS_LEN,
} from "./abi.js";

export type BackendName = "wasm" | "js";

export interface KernelMemory {
  readonly samples: Uint8Array;
  readonly edges: Float64Array;
  readonly index: Uint8Array;
  readonly cells: Int32Array;
  readonly events: Float64Array;
  readonly out: Uint8Array;
  readonly cfgF64: Float64Array;
  readonly cfgI32: Int32Array;
  readonly marks: Int32Array;
  readonly markClass: Uint8Array;
  readonly status: Int32Array;
}

export interface Kernels extends KernelMemory {
  readonly backend: BackendName;
  /** Forget the previous sample (start of a new capture). */
  edgesReset(): void;
  /**
   * Leading edges in samples[0, len): writes edges/index from 0 and returns
   * their count. base = sample number of samples[0]. Bits: -1 = channel absent.
   */
  edgesExtract(len: number, base: number, dataBit: number, indexBit: number, suppressBit: number, rising: number): number;
  /** Reads cfgF64/cfgI32/marks/markClass, builds CRC tables, resets all decoder state. */
  trackConfigure(): void;
  /**
   * Runs the track decoder over edges[first, first+count) (index levels alongside),
   * writing cells[] and appending events/out from 0 (counts in status). Returns
   * the number of edges consumed; fewer than count when the event log is full.
   */
  trackRun(first: number, count: number): number;
  /**
   * edgesExtract(len, ...) then trackRun(0, n) over the n edges found, in one call.
   * Writes status[ST_EDGES] = n and returns trackRun's result (the edges consumed;
   * fewer than n when the event log is full: continue with trackRun(used, n - used)).
   */
  decodeSamples(len: number, base: number, dataBit: number, indexBit: number, suppressBit: number, rising: number): number;
  /**
   * The packed .tr deltas in samples[0, len) unpacked from t0 into edges (index
   * levels absent), then trackRun(0, n) over them, in one call (tr-deltas.ts).
   * Writes status[ST_EDGES] = n and status[ST_TR_READ] = the bytes consumed
   * (fewer than len at EDGE_CAP edges, or before an escape that len cuts), and
   * returns trackRun's result, as decodeSamples does.
   */
  decodeTrDeltas(len: number, t0: number): number;
  /** The unpacking half of decodeTrDeltas alone (parity tests): returns n. */
  trUnpack(len: number, t0: number): number;
  /** Seed benchmark harness (spec §9): forget the shift register. */
  seedReset(): void;
  /** Replays pulse widths samples[0, len) through the FM (rll=0) or IBM RLL (rll=1) byte decoder; returns bytes decoded. */
  seedRun(len: number, rll: number): number;
  /** FNV-1a of every byte the seed harness decoded so far. */
  seedHash(): number;
  /** CRC of samples[0, len) (for tests and tools). Returns [hi, lo]. */
  crcCompute(width: number, polyHi: number, polyLo: number, initHi: number, initLo: number, len: number): [number, number];
}

/** Typed arrays of the ABI sizes, for the pure-TypeScript backend. */
export function allocateMemory(): KernelMemory {
  return {
    samples: new Uint8Array(SAMPLE_CAP + 16),
    edges: new Float64Array(EDGE_CAP),
    index: new Uint8Array(EDGE_CAP),
    cells: new Int32Array(EDGE_CAP),
    events: new Float64Array(EVENT_CAP * EVENT_STRIDE),
    out: new Uint8Array(OUT_CAP),
    cfgF64: new Float64Array(CFG_F64_LEN),
    cfgI32: new Int32Array(CFG_I32_LEN),
    marks: new Int32Array(MAX_MARKS * MARK_STRIDE),
    markClass: new Uint8Array(256),
    status: new Int32Array(STATUS_LEN),
  };
}
