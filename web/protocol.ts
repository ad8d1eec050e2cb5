// Messages between the page (web/main.ts) and the decoding worker (web/worker.ts).
//
// Every big array crosses the thread boundary by *transfer* (postMessage's
// transfer list), never by copy: the page hands the file's ArrayBuffer to the
// worker (the page's copy becomes detached), and the worker hands back the
// decoded records, binary streams, histogram and timeline rows in buffers it
// does not keep. See transferList() below.
import type { BinaryStreams, DecodeStats, FieldEvent, ResetNote, TrackRecord } from "../src/types.js";
import type { CrcEvidence, DetectResult } from "../src/detect/detect.js";
import type { TimelineRows } from "./rows.js";
import type { ImageGeometry, OutsideSector } from "../src/image/assemble.js";
import type { SectorStatus } from "../src/recover/status.js";

export type Backend = "wasm" | "js";

/**
 * Disk requests' `jobs`: the tracks of a disk decode on that many Web Workers
 * (src/pool/web.ts, started by the page's worker); 1 decodes them in the page's
 * worker, one after another. Default navigator.hardwareConcurrency from 4 cores up, else 1.
 */
export type WorkerRequest =
  /**
   * A capture file: bytes (transferred), its name, then decode it. A file of
   * tracks (SuperCard Pro .scp, HxC .hfe, a KryoFlux stream, dgesswein/mfm .tr)
   * opens as a disk: "progress" messages, then "disk" (not "decoded"). A sigrok
   * .sr is read by the fused inflate→edges kernel where it pays (src/readers/fused-edges.ts);
   * `fused: false` reads its samples as before (`?fused=0`, for measuring).
   */
  | { type: "open"; seq: number; name: string; bytes: ArrayBuffer; options: string; backend: Backend; jobs?: number; fused?: boolean }
  /**
   * Several files given together: a KryoFlux set (trackNN.S.raw; other names are skipped with a warning), or,
   * when none is named like a stream, capture files of one track each (a drive's tracks as .sr files), placed by
   * their sector headers. Answered like a disk "open".
   */
  | { type: "open-set"; seq: number; files: { name: string; bytes: ArrayBuffer }[]; options: string; backend: Backend; jobs?: number }
  /** Decode every track of the held disk again (new options or backend); detection first when the options ask for it. */
  | { type: "disk"; seq: number; options: string; backend: Backend; jobs?: number }
  /** Decode one track of the held disk (its index in DecodedDisk.tracks) for the track views; answered by "decoded". */
  | { type: "track"; seq: number; index: number; options: string; backend: Backend }
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
  /** A sigrok .sr read by the fused inflate→edges kernel (its edges, not its samples, are held). */
  fused?: boolean;
  /** Flux tracks: the revolutions in the capture. */
  revolutions?: number;
  /** A session too long for the page: its whole sample count (sampleCount is the part decoded, from its start). */
  sessionSamples?: number;
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
  /** diskflux-only: why the PLL reset while a mark or record was being decoded (the table's notes for missing records). */
  resets?: ResetNote[];
  stats: DecodeStats;
  binary: BinaryStreams;
  fields: FieldEvent[];
  histogram: Histogram;
  /** Annotation rows for the timeline (src/annotate, the original decoder's rows). */
  rows: TimelineRows;
  /** Set when the options were detected first. */
  detection?: TrackDetection;
  /**
   * One status per sector over the track's copies (revolutions), as
   * src/recover/merge.ts gives it (the records carry each copy's own status).
   */
  sectors?: TrackSector[];
  /** A track of the held disk: its index in DecodedDisk.tracks and its place. */
  place?: { index: number; cyl: number; head: number };
}

/** A sector of the track shown, merged over its copies. */
export interface TrackSector {
  cyl: number;
  head: number;
  sec: number;
  status: SectorStatus;
  /** Copies with data. */
  copies: number;
  /** How the copies were merged, as text (src/image/map.ts howText); empty when plain. */
  how: string;
}

/** One physical track of a disk file, as decoded for the whole-disk view. */
export interface DiskTrackInfo {
  cyl: number;
  head: number;
  /** "ibm360.scp cyl 3 head 1": the source of its sector reads in the image map. */
  source: string;
  revolutions: number;
  /** ID records, and sectors with a good ID and data CRC (every revolution counts). */
  ids: number;
  good: number;
  /** Why the track gave nothing, when its decode failed. */
  error?: string;
}

/** A sector of the image, as the grid shows it. */
export interface DiskCell {
  sec: number;
  status: SectorStatus;
  reads: number;
  good: number;
  bad: number;
  noData: number;
  variants: number;
  /** How the copies were merged, as text ("ECC: 3-bit burst at bit 1042", "vote over 3 copies, 4 contested bits"); empty when plain. */
  how: string;
  /** The physical track (index in DecodedDisk.tracks) that read it first; -1 when none did. */
  track: number;
}

/** A track of the image (cylinder, head) with its sectors. */
export interface DiskRow {
  cyl: number;
  head: number;
  cells: DiskCell[];
  /** The physical track with this cylinder and head (else the one that read its first sector); -1 when the file has none. */
  track: number;
}

/** What the worker made of a disk file (or set): every track decoded with one option string, and the image. */
export interface DecodedDisk {
  /** File name, or "acorn00.0.raw … acorn39.0.raw" for a set. */
  source: string;
  /** Base name for downloads ("ibm360", "acorn"). */
  stem: string;
  format: string;
  /** Files and bytes read. */
  files: number;
  fileBytes: number;
  readMs: number;
  backend: Backend;
  /** The option string every track was decoded with. */
  options: string;
  detection?: TrackDetection;
  /** Wall time of decoding every track, ms (detection not included). */
  decodeMs: number;
  /** Who decoded the tracks: a pool of Web Workers (jobs > 1), or the page's worker alone (jobs 1, started 0). */
  workers: DiskWorkers;
  tracks: DiskTrackInfo[];
  /** Tracks the file should hold but does not (or that hold no flux). */
  missing: { cyl: number; head: number }[];
  /** The reader's and the decoder's warnings, as text. */
  warnings: string[];
  geometry: ImageGeometry;
  inferred: string[];
  counts: Record<SectorStatus, number>;
  rows: DiskRow[];
  outside: OutsideSector[];
  badHeaders: number;
  orphanData: number;
  /** The flat image (assembleImage) and its sector map as text. */
  image: Uint8Array;
  map: string;
  /** The ImageDisk file of the image (src/writers/imd.ts), or why there is none (an encoding or rate IMD has no mode for, more than 2 heads…). */
  imd?: Uint8Array;
  imdError?: string;
}

/** The pool that decoded a disk's tracks. */
export interface DiskWorkers {
  /** Workers asked for (the request's jobs, at most one per track). */
  jobs: number;
  /** Workers started. */
  started: number;
  /** Workers that decoded at least one track. */
  used: number;
}

/** Progress of a disk: reading, detecting over the first tracks, decoding every track. */
export interface DiskProgress {
  phase: "read" | "detect" | "decode";
  done: number;
  total: number;
  /** What is being done, as text ("cyl 3 head 1"). */
  text: string;
}

export type WorkerResponse =
  | { type: "ready"; wasm: boolean }
  | { type: "decoded"; seq: number; track: DecodedTrack }
  | { type: "progress"; seq: number; progress: DiskProgress }
  | { type: "disk"; seq: number; disk: DecodedDisk }
  | { type: "compared"; seq: number; ms: Record<Backend, number>; identical: boolean; differences: string[] }
  /** held: whether the worker still holds a capture or disk (a read failed: no; a decode or detection failed: yes). */
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
