// Messages between the page (web/main.ts) and the decoding worker (web/worker.ts).
//
// Every big array crosses the thread boundary by *transfer* (postMessage's
// transfer list), never by copy: the page hands the file's ArrayBuffer to the
// worker (the page's copy becomes detached), and the worker hands back the
// decoded records, binary streams, histogram and timeline rows in buffers it
// does not keep. See transferList() below.
import type { BinaryStreams, DecodeStats, FieldEvent, TrackRecord } from "../src/types.js";
import type { CrcEvidence, DetectResult } from "../src/detect/detect.js";
import type { TimelineRows } from "./rows.js";

export type Backend = "wasm" | "js";

export type WorkerRequest =
  /** A capture file: bytes (transferred), its name, then decode it. */
  | { type: "open"; seq: number; name: string; bytes: ArrayBuffer; options: string; backend: Backend }
  /** Synthesize the built-in demo track in the worker and decode it (options: undefined = the demo's own). */
  | { type: "demo"; seq: number; backend: Backend; options?: string }
  /**
   * Decode the capture the worker already holds again (new options or backend).
   * Options with "auto" in them (`auto`, `auto:format=RLL_WD`, `format=auto`) are
   * detected first, on the same backend; so are those of "open".
   */
  | { type: "decode"; seq: number; options: string; backend: Backend }
  /** Decode the held capture on both backends (no annotations) for timing and a parity check. */
  | { type: "compare"; seq: number; options: string };

export interface CaptureInfo {
  source: string;
  description?: string;
  sampleRate: number;
  sampleCount: number;
  channels: string[];
  /** Bytes of the file (0 for the demo). */
  fileBytes: number;
  /** Time to read (unzip/inflate) the file, ms. */
  readMs: number;
}

export interface Histogram {
  /** Bins per cell (bin i covers [i, i+1) / binsPerCell cells; a bin is a whole number of samples). */
  binsPerCell: number;
  counts: Uint32Array;
  /** Pulses longer than the last bin. */
  overflow: number;
  /** Nominal cell width in samples. */
  h0: number;
  /** Allowed pulse widths in cells for the format (e.g. 2, 3, 4 for MFM). */
  limits: number[];
  total: number;
}

/** What detection found, when the request's options asked for it. */
export interface TrackDetection {
  /** The options as the page asked (with "auto" in them). */
  requested: string;
  /** The detected options merged with the given ones; the track was decoded with it. */
  optionString: string;
  confidence: DetectResult["confidence"];
  /** What would raise the confidence (empty when high). */
  missing: string[];
  headerCrc?: CrcEvidence;
  dataCrc?: CrcEvidence;
  /** detect() wall time in the worker, ms (decodeMs is the decode after it). */
  detectMs: number;
}

export interface DecodedTrack {
  capture: CaptureInfo;
  backend: Backend;
  /** decode() wall time in the worker, ms (with the byte log the timeline needs). */
  decodeMs: number;
  /** The option string that was decoded. */
  options: string;
  /** For the demo: the option string the track was made for. */
  demoOptions?: string;
  records: TrackRecord[];
  stats: DecodeStats;
  binary: BinaryStreams;
  fields: FieldEvent[];
  histogram: Histogram;
  /** Annotation rows for the timeline (src/annotate, the original decoder's rows). */
  rows: TimelineRows;
  /** Set when the options were detected first. */
  detection?: TrackDetection;
}

export type WorkerResponse =
  | { type: "ready"; wasm: boolean }
  | { type: "decoded"; seq: number; track: DecodedTrack }
  | { type: "compared"; seq: number; ms: Record<Backend, number>; identical: boolean; differences: string[] }
  /** held: whether the worker still holds a capture (a read failed: no; a decode or detection failed: yes). */
  | { type: "error"; seq: number; code?: string; message: string; held: boolean };

/** Typed arrays that own their whole buffer can be transferred; others are copied into one that does. */
export function owned<T extends Uint8Array | Uint32Array | Int32Array | Float64Array>(a: T): T {
  if (a.byteOffset === 0 && a.byteLength === a.buffer.byteLength && a.buffer instanceof ArrayBuffer) return a;
  return a.slice() as T;
}

/** The distinct ArrayBuffers under a set of typed arrays, for postMessage's transfer list. */
export function transferList(views: Iterable<ArrayBufferView>): ArrayBuffer[] {
  const seen = new Set<ArrayBuffer>();
  for (const v of views) if (v.buffer instanceof ArrayBuffer && v.buffer.byteLength > 0) seen.add(v.buffer);
  return [...seen];
}
