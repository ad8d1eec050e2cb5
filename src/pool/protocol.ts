// The decode pool's message protocol, shared by the main thread (core.ts), the
// worker body (worker-core.ts) and both platforms' entries (Node worker_threads,
// Web Workers). Platform-neutral: no Node built-in is reachable from here.
//
//   main → worker   { type: "warm", backend }            once, first: load the kernels
//                   { type: "job", id, capture, options, request }
//                   { type: "job", id, file: { bytes, source, read }, options, request }   (read there)
//                   { type: "job", id, tr: { packed, source }, options, request }   (a .tr track, unpacked there)
//                   (a job with lean: true answers without fields and binary streams)
//                   (a job with annotate: { classes, sampleNumbers, json, jsonExtra? } answers
//                   with its annotation text instead of a result: the CLI's `-A`)
//                   { type: "ack", id, size }   (annotate: `size` more of its text written: the worker may go on)
//   worker → main   { type: "ready" }                     after "warm" (kernels loaded or not)
//                   { type: "done", id, ok: true, result, packed, ms, cyl?, head? }   (cyl/head: a file of one track)
//                   { type: "piece", id, piece }   (an annotate job's text as it is made, whole lines; the worker
//                   waits once TEXT_CREDIT of it is not acknowledged: memory stays bounded however slow stdout is)
//                   { type: "done", id, ok: true, text, ms, cyl?, head? }   (an annotate job: the rest of its text)
//                   { type: "done", id, ok: true, reads, ms, cyl?, head? }   (an imageReads job: the track's sector reads)
//                   { type: "done", id, ok: false, error: { code, message } }
//
// Buffers travel as transferables: a capture's samples / edges / index levels go
// to the worker (moved, or copied first when the caller's buffer must stay
// usable: see captureForTransfer), a result's binary streams and event log come
// back moved; its records and fields (and reset notes) come back packed (pack.ts:
// three flat buffers instead of ~170 objects to clone) in `packed`, the result's
// own `records` and `fields` being empty until unpackResult puts them back.
import type { Capture, EdgeCapture, LogicCapture } from "../capture.js";
import type { PackedTrackReads } from "../image/reads-pack.js";
import { DiskfluxError, type DiskfluxErrorCode } from "../errors.js";
import { escapeName, oneLine } from "../escape.js";
import type { BackendChoice } from "../kernels/load.js";
import type { DecodeOptions } from "../options.js";
import type { DecodeRequest, DecodeResult, ResetNote } from "../types.js";
import { FAILING_CRC_INPUTS, MARK_AND_CHECK_FIELDS, NO_BINARY_STREAMS } from "../stream.js";
import type { AnyCaptureOptions } from "../readers/index.js";
import { packObjects, unpackObjects, type PackedObjects } from "./pack.js";

/**
 * A track's error code: a DiskfluxError's own code, E_WASM for a Wasm trap,
 * E_WORKER when the worker decoding it stopped (crashed, ran out of memory),
 * E_INPUT when the caller's function producing the input threw something other
 * than a DiskfluxError, E_INTERNAL for any other exception (a bug: please report it).
 */
export type PoolErrorCode = DiskfluxErrorCode | "E_WORKER" | "E_INPUT" | "E_INTERNAL";

/** One line, like every DiskfluxError message; `source` names the capture when it has a name. */
export interface PoolError {
  readonly code: PoolErrorCode;
  readonly message: string;
}

/** The decode request a worker gets: DecodeRequest without anything that cannot be cloned. */
export type WorkerRequest = Pick<DecodeRequest, "backend" | "channels" | "keepEvents" | "logBytes" | "keepCrcInputs" | "recover">;

/** A capture file's bytes, read where they are decoded (readAnyCapture: one capture, or a file of one track). */
export interface FileWork {
  readonly bytes: Uint8Array;
  readonly source?: string;
  readonly read?: AnyCaptureOptions;
}

/** A .tr track's packed transitions (TrTrack.packed), unpacked by the worker. */
export interface TrWork {
  readonly packed: Uint8Array;
  readonly source: string;
}

/** What a job decodes: a capture, a file to read first, or a .tr track to unpack first. */
export type Work =
  | { readonly capture: Capture; readonly file?: undefined; readonly tr?: undefined }
  | { readonly file: FileWork; readonly capture?: undefined; readonly tr?: undefined }
  | { readonly tr: TrWork; readonly capture?: undefined; readonly file?: undefined };

/**
 * What an annotate job makes instead of a result: the annotation stream as
 * `diskflux decode -A` prints it (text lines, or JSON objects one a line).
 */
export interface AnnotateWork {
  /** The selected classes (parseAnnotationFilter's filter). */
  readonly classes: Uint8Array;
  /** `<start>-<end> ` before each text line (--protocol-decoder-samplenum). */
  readonly sampleNumbers: boolean;
  /** One JSON object a line instead of text. */
  readonly json: boolean;
  /** Keys put first in every JSON object (the CLI's { capture } when several captures are given). */
  readonly jsonExtra?: Record<string, unknown>;
}

/** A piece of annotation output: whole lines, ASCII bytes (text) or a string (JSON). */
export type TextPiece = Uint8Array | string;

/** Its size, as flow control counts it (bytes, or characters). */
export function pieceSize(p: TextPiece): number {
  return typeof p === "string" ? p.length : p.byteLength;
}

/** An annotate job's text a worker sends ahead of what the main thread has written before it waits. */
export const TEXT_CREDIT = 4 << 20;

export type ToWorker =
  | { readonly type: "warm"; readonly backend: BackendChoice }
  | { readonly type: "ack"; readonly id: number; readonly size: number }
  | ({
    readonly type: "job"; readonly id: number; readonly options: string | DecodeOptions; readonly request: WorkerRequest; readonly lean?: boolean;
    readonly annotate?: AnnotateWork;
    /** A lean job answered with the track's sector reads (src/image/reads-pack.ts), placed by header or by this track. */
    readonly imageReads?: ImageReadsWork;
  } & Work);

/** What a worker needs to make a track's sector reads (sectorReads' placeBy, and the track's place for "track"). */
export interface ImageReadsWork {
  readonly placeBy: "header" | "track";
  readonly source?: string;
  readonly cyl?: number;
  readonly head?: number;
}

/** A file of one track says where the track is. */
export interface TrackPlace {
  readonly cyl?: number;
  readonly head?: number;
}

export type FromWorker =
  | { readonly type: "ready" }
  | { readonly type: "piece"; readonly id: number; readonly piece: TextPiece }
  | ({
    readonly type: "done"; readonly id: number; readonly ok: true; readonly result: DecodeResult; readonly packed?: PackedResult; readonly ms?: number;
    readonly text?: undefined; readonly reads?: undefined;
  } & TrackPlace)
  | ({
    readonly type: "done"; readonly id: number; readonly ok: true; readonly text: TextPiece[]; readonly ms?: number; readonly result?: undefined; readonly packed?: undefined;
    readonly reads?: undefined;
  } & TrackPlace)
  | ({
    readonly type: "done"; readonly id: number; readonly ok: true; readonly reads: PackedTrackReads; readonly ms?: number;
    readonly result?: undefined; readonly packed?: undefined; readonly text?: undefined;
  } & TrackPlace)
  | ({ readonly type: "done"; readonly id: number; readonly ok: false; readonly error: PoolError } & TrackPlace);

/** A result's records and fields (and its reset notes, when it has them), packed (pack.ts). */
export interface PackedResult {
  readonly records: PackedObjects;
  readonly fields: PackedObjects;
  readonly resets?: PackedObjects;
}

/**
 * A result as a disk image needs it (decodeMany's `lean`): no fields, empty
 * binary streams, and a record's crcInput only where a vote over bad copies
 * could use it: on a data record that does not verify (src/recover/merge.ts
 * votes only when no copy of a sector verifies).
 */
export function leanResult(r: DecodeResult): DecodeResult {
  const none = new Uint8Array(0);
  const records = r.records.map((rec) => {
    if (rec.crcInput === undefined) return rec;
    const verifies = rec.kind === "data" && (rec.status !== undefined ? rec.status !== "bad" : rec.crc?.ok === true);
    if (rec.kind === "data" && !verifies) return rec;
    const { crcInput: _, ...rest } = rec;
    return rest as typeof rec;
  });
  return { ...r, records, fields: [], binary: { id: none, idcrc: none, data: none, datacrc: none, iddata: none } };
}

/**
 * The request a lean decode runs with (where it is decoded: a worker or the
 * calling thread): no binary streams collected, of the fields only the marks
 * and checks that recovery reads (leanResult drops them all), and CRC inputs,
 * when asked for, kept only on records whose check fails (what leanResult
 * keeps anyway), so that a clean track copies none and strips none.
 */
export function leanRequest(r: DecodeRequest): DecodeRequest {
  const lean = { [NO_BINARY_STREAMS]: true, [MARK_AND_CHECK_FIELDS]: true };
  if (!r.keepCrcInputs) return { ...r, ...lean } as DecodeRequest;
  const { keepCrcInputs: _, ...rest } = r;
  return { ...rest, ...lean, [FAILING_CRC_INPUTS]: true } as DecodeRequest;
}

/** The worker's answer for a result: records and fields packed, and the buffers that move with it. */
export function packResult(r: DecodeResult): { result: DecodeResult; packed: PackedResult; transfer: ArrayBuffer[] } {
  const packed: PackedResult = { records: packObjects(r.records), fields: packObjects(r.fields), ...(r.resets ? { resets: packObjects(r.resets) } : {}) };
  const result: DecodeResult = { ...r, records: [], fields: [], ...(r.resets ? { resets: [] } : {}) };
  const transfer = resultTransfer(result);
  for (const p of [packed.records, packed.fields, ...(packed.resets ? [packed.resets] : [])]) {
    for (const b of [p.nums.buffer, p.bytes.buffer] as ArrayBuffer[]) if (b.byteLength > 0 && !transfer.includes(b)) transfer.push(b);
  }
  // (raw objects, rare: whatever buffers they hold are cloned with them)
  return { result, packed, transfer };
}

/** The result as the worker's decode() gave it, from a "done" message. */
export function unpackResult(m: { readonly result: DecodeResult; readonly packed?: PackedResult }): DecodeResult {
  if (!m.packed) return m.result;
  // (spread keeps the keys in their order: records and fields, and resets, are there, empty)
  const resets = m.packed.resets ? { resets: unpackObjects<ResetNote>(m.packed.resets) } : {};
  return { ...m.result, records: unpackObjects(m.packed.records), fields: unpackObjects(m.packed.fields), ...resets };
}

/** The buffers of annotation pieces (each its own: LineBuffer hands out copies), to move back. */
export function textTransfer(pieces: readonly TextPiece[]): ArrayBuffer[] {
  const out: ArrayBuffer[] = [];
  for (const p of pieces) {
    if (typeof p === "string" || !isPlainArrayBuffer(p.buffer) || !ownsBuffer(p) || p.byteLength === 0) continue;
    if (!out.includes(p.buffer)) out.push(p.buffer);
  }
  return out;
}

/** A .tr track's packed bytes to post to a worker, moved or copied as captureForTransfer does. */
export function trForTransfer(packed: Uint8Array, source: string, how: "move" | "copy"): { tr: TrWork; transfer: ArrayBuffer[] } {
  const transfer: ArrayBuffer[] = [];
  return { tr: { packed: takeView(packed, how, transfer, source), source }, transfer };
}

/** The request fields a worker needs, picked from the caller's (AbortSignals and the like stay behind). */
export function workerRequest(r: DecodeRequest): WorkerRequest {
  const out: { -readonly [K in keyof WorkerRequest]: WorkerRequest[K] } = {};
  if (r.backend !== undefined) out.backend = r.backend;
  if (r.channels !== undefined) out.channels = r.channels;
  if (r.keepEvents !== undefined) out.keepEvents = r.keepEvents;
  if (r.logBytes !== undefined) out.logBytes = r.logBytes;
  if (r.keepCrcInputs !== undefined) out.keepCrcInputs = r.keepCrcInputs;
  if (r.recover !== undefined) out.recover = r.recover;
  return out;
}

/** An exception as a track's one-line error (`input`: thrown by the caller's function producing the input). */
export function poolError(e: unknown, source?: string, input = false): PoolError {
  if (e instanceof DiskfluxError) return { code: e.code, message: e.message };
  const what = e instanceof Error ? e.message : String(e);
  const where = source !== undefined ? `${escapeName(source)}: ` : "";
  if (input) return { code: "E_INPUT", message: oneLine(`${where}${what}`) };
  if (typeof WebAssembly === "object" && e instanceof WebAssembly.RuntimeError) {
    return { code: "E_WASM", message: oneLine(`${where}the WebAssembly kernel trapped (${what}); try backend 'js'`) };
  }
  return { code: "E_INTERNAL", message: oneLine(`${where}internal error (${e instanceof Error ? e.name : typeof e}: ${what})`) };
}

function isPlainArrayBuffer(b: ArrayBufferLike): b is ArrayBuffer {
  return typeof SharedArrayBuffer === "undefined" || !(b instanceof SharedArrayBuffer);
}

/** A buffer moved away (to a worker): length 0 and no view can be made on it. */
function isDetached(b: ArrayBufferLike): boolean {
  if (b.byteLength > 0) return false;
  const flag = (b as { detached?: unknown }).detached;
  if (typeof flag === "boolean") return flag;
  try {
    new Uint8Array(b);
    return false;
  } catch {
    return true;
  }
}

/** A view that can be moved without touching anything else: it spans the whole of a plain ArrayBuffer. */
function ownsBuffer(v: ArrayBufferView): boolean {
  return isPlainArrayBuffer(v.buffer) && v.byteOffset === 0 && v.byteLength === v.buffer.byteLength;
}

/**
 * The capture to post to a worker and the buffers to move with it.
 *
 * - `move`: a sample/edge/index array that spans its whole ArrayBuffer is moved
 *   (the caller's array is detached afterwards: length 0); one that is a view
 *   into a larger buffer (a track of a whole .tr file, a Node Buffer from the
 *   pool) is copied first, so the rest of that buffer stays the caller's.
 * - `copy`: every array is copied; the caller's capture stays usable.
 */
export function captureForTransfer(c: Capture, how: "move" | "copy"): { capture: Capture; transfer: ArrayBuffer[] } {
  const transfer: ArrayBuffer[] = [];
  const take = <T extends Uint8Array | Float64Array>(v: T): T => takeView(v, how, transfer, c.source);
  // Known fields only: whatever else a reader hung on its capture stays behind (it might not clone).
  const source = c.source !== undefined ? { source: c.source } : {};
  if (c.kind === "logic") {
    const capture: LogicCapture = {
      kind: "logic", sampleRate: c.sampleRate, sampleCount: c.sampleCount, unitSize: c.unitSize,
      channels: c.channels.map((ch) => ({ index: ch.index, name: ch.name })), samples: take(c.samples), ...source,
    };
    return { capture, transfer };
  }
  if (c.kind === "edges") {
    const capture: EdgeCapture = {
      kind: "edges", sampleRate: c.sampleRate, edges: take(c.edges),
      ...(c.index ? { index: take(c.index) } : {}), ...(c.sampleCount !== undefined ? { sampleCount: c.sampleCount } : {}), ...source,
    };
    return { capture, transfer };
  }
  throw new DiskfluxError("E_ARGUMENT", `${escapeName(String((c as { source?: unknown }).source ?? "input"))}: not a capture (kind '${oneLine(String((c as { kind?: unknown }).kind))}'; want 'logic' or 'edges')`);
}

/** A file's bytes to post to a worker, moved or copied as captureForTransfer does. */
export function fileForTransfer(f: FileWork, how: "move" | "copy"): { file: FileWork; transfer: ArrayBuffer[] } {
  const transfer: ArrayBuffer[] = [];
  if (!(f.bytes instanceof Uint8Array)) throw new DiskfluxError("E_ARGUMENT", `${escapeName(f.source ?? "input")}: bytes must be a Uint8Array`);
  const bytes = takeView(f.bytes, how, transfer, f.source);
  return { file: { bytes, ...(f.source !== undefined ? { source: f.source } : {}), ...(f.read !== undefined ? { read: f.read } : {}) }, transfer };
}

/** The array to post (itself or a copy) and its buffer added to the transfer list. */
function takeView<T extends Uint8Array | Float64Array>(v: T, how: "move" | "copy", transfer: ArrayBuffer[], source: string | undefined): T {
  if (isDetached(v.buffer)) {
    throw new DiskfluxError(
      "E_ARGUMENT",
      `${escapeName(source ?? "capture")}: its buffer was already moved to a decode worker (the same input given twice?); pass transfer: false to copy instead`,
    );
  }
  const own = how === "move" && ownsBuffer(v) ? v : (v.slice() as T);
  // Never an empty buffer: Node drops, without a word, a message whose transfer list holds a detached one.
  if (own.byteLength > 0 && !transfer.includes(own.buffer as ArrayBuffer)) transfer.push(own.buffer as ArrayBuffer);
  return own;
}

/** The buffers of a result that can move back to the main thread (each once). */
export function resultTransfer(r: DecodeResult): ArrayBuffer[] {
  const seen = new Set<ArrayBuffer>();
  const add = (v: ArrayBufferView | undefined) => {
    if (v && isPlainArrayBuffer(v.buffer) && v.buffer.byteLength > 0) seen.add(v.buffer);
  };
  for (const k of ["id", "idcrc", "data", "datacrc", "iddata"] as const) add(r.binary?.[k]);
  for (const rec of r.records ?? []) {
    add(rec.bytes);
    add(rec.crcInput);
  }
  add(r.events);
  if (r.edges) {
    add(r.edges.positions);
    add(r.edges.cells);
    add(r.edges.index);
  }
  return [...seen];
}
