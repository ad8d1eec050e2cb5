// decode(): a capture and options in, records in track order out.
//
// Orchestration only: samples go through the edge kernel in SAMPLE_CAP chunks,
// edges through the track kernel, and the event log into records, statistics
// and the binary streams of spec §6.7. Both backends are driven identically.
import type { BackendName } from "./kernels/backend.js";
import { getKernels, type BackendChoice } from "./kernels/load.js";
import type { Capture } from "./capture.js";
import { resolveOptions, type DecodeOptions, type ResolvedOptions } from "./options.js";
import { DiskfluxError } from "./errors.js";
import { TrackStream } from "./stream.js";

export interface ChannelMap {
  /** Data channel (index or name); default 0. */
  data?: number | string;
  /** Index channel; default 1 when the capture has it. null = none. */
  index?: number | string | null;
  /** Suppress channel; default 2 when the capture has it. null = none. */
  suppress?: number | string | null;
}

export interface DecodeRequest {
  backend?: BackendChoice;
  channels?: ChannelMap;
  /** Keep the raw event log (needed for annotations); costs memory. */
  keepEvents?: boolean;
  /** Log every decoded byte with its windows (annotations); implies keepEvents. */
  logBytes?: boolean;
}

export interface CrcVerdict {
  ok: boolean;
  /** The CRC read from the disk, upper-case hex at the CRC width. */
  read: string;
  /** The CRC computed over the record, upper-case hex at the CRC width. */
  computed: string;
  bits: number;
}

export interface IdRecord {
  kind: "id";
  /** Sample range of the ID record bytes (as in the `ID Record` annotation). */
  start: number;
  end: number;
  /** Sample range of the address mark. */
  markStart: number;
  cyl: number;
  head: number;
  sec: number;
  /** Sector length in bytes decoded from the header. */
  len: number;
  bytes: Uint8Array;
  crc?: CrcVerdict & { start: number; end: number };
}

export interface DataRecord {
  kind: "data";
  start: number;
  end: number;
  markStart: number;
  /** The data address mark byte (e.g. 0xF8, 0xFB, 0xA0). */
  mark: number;
  deleted: boolean;
  bytes: Uint8Array;
  crc?: CrcVerdict & { start: number; end: number };
}

export type TrackRecord = IdRecord | DataRecord;

/** The counters of the original's summary report (§6.5), over the whole capture. */
export interface DecodeStats {
  IAM: number; IDAM: number; DAM: number; DDAM: number;
  CRC_OK: number; CRC_err: number; EiPW: number; CkEr: number; OoTI: number; Intrvls: number;
}

export interface BinaryStreams {
  id: Uint8Array; idcrc: Uint8Array; data: Uint8Array; datacrc: Uint8Array; iddata: Uint8Array;
}

/** A field or error annotation as the original emits it (fields and errors rows). */
export interface FieldEvent {
  kind: "sync" | "mark" | "idrec" | "datarec" | "crc" | "unknown" | "clock";
  start: number;
  end: number;
  text: string;
}

export interface DecodeResult {
  backend: BackendName;
  sampleRate: number;
  sampleCount: number;
  options: ResolvedOptions;
  records: TrackRecord[];
  stats: DecodeStats;
  binary: BinaryStreams;
  fields: FieldEvent[];
  /** Raw event log (EVENT_STRIDE numbers per event), when requested. */
  events?: Float64Array;
  /** True when the event log holds every byte (EV_BYTE), i.e. decoded with logBytes (annotations need it). */
  bytesLogged?: boolean;
  /** Edges, cells and index levels, when events are requested. */
  edges?: { positions: Float64Array; cells: Int32Array; index: Uint8Array };
}

/** Decodes a capture. Options are a sigrok option string or an object with the same keys. */
export async function decode(capture: Capture, options: string | DecodeOptions = {}, request: DecodeRequest = {}): Promise<DecodeResult> {
  const opts = resolveOptions(options);
  if (!(capture.sampleRate > 0) || !Number.isFinite(capture.sampleRate)) {
    throw new DiskfluxError("E_ARGUMENT", "Cannot decode without samplerate: the capture has no valid sample rate");
  }
  if (opts.decoder === "legacy") {
    const { decodeLegacy } = await import("./legacy/decode.js");
    return decodeLegacy(capture, opts, request);
  }
  // decode() runs synchronously once it has the kernels, so the shared instance is safe here.
  const k = await getKernels(request.backend ?? "auto");
  if (capture.kind === "edges") {
    const stream = new TrackStream(k, opts, { sampleRate: capture.sampleRate, source: capture.source }, request);
    stream.pushEdges(capture.edges, capture.index);
    const e = capture.edges;
    return stream.finish(capture.sampleCount ?? (e.length ? e[e.length - 1] + 1 : 0));
  }
  const stream = new TrackStream(k, opts, capture, request);
  stream.pushSamples(capture.samples.subarray(0, capture.sampleCount * capture.unitSize));
  return stream.finish(capture.sampleCount);
}
