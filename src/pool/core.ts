// decodeMany's engine, platform-neutral: captures in, DecodeResults out in input
// order, decoded by `jobs` threads: the calling thread and jobs − 1 workers that
// the platform starts (node.ts: worker_threads), or `jobs` workers and not the
// calling thread (web.ts: Web Workers, so that the page stays responsive).
// jobs 1 with the calling thread is plain sequential decode(): no worker at all.
//
// The calling thread decodes an input when no worker can take it: while the
// workers start (tens to hundreds of ms each; they start only once the input has
// taken ~20 ms to decode, so a short input never starts one, and, when the caller
// says how many inputs come, only when those left pay for them: start-rule.ts), and whenever each
// has its perWorker jobs. On two shared cores, measured (bench/drive.bench.ts,
// 400-2000 tracks, built worker): the calling thread + 1 worker decodes 1.1-1.6×
// as fast as one thread; 2 workers alone 0.85-1.1× (three busy threads on two
// cores, and a second start-up).
//
// Memory is bounded: each worker holds at most perWorker jobs (2, or 8 beside a
// decoding calling thread), and at most jobs × (perWorker + 1) inputs
// are taken from the input iterator and not yet handed to the caller, whether
// being decoded, queued in a worker, or done and waiting for an earlier one (the
// extra one per worker lets a worker go on while a slower track holds up the
// order). The iterator is only pulled when there is room (backpressure), so a
// lazy source (a huge .tr read track by track, a folder read file by file) is
// never held whole, and a caller that stops pulling results stops the reading.
//
// Without the calling thread, workers are started on demand up to `jobs` (two
// inputs never start sixteen). Each worker decodes its jobs one at a time with its own kernels, and every worker is
// terminated when the iterator finishes, is returned early (break), throws, or
// its AbortSignal fires.
import type { Capture } from "../capture.js";
import { decode } from "../decode.js";
import { DiskfluxError } from "../errors.js";
import { escapeName } from "../escape.js";
import type { DecodeOptions } from "../options.js";
import type { ChannelMap, DecodeRequest, DecodeResult } from "../types.js";
import type { AnyCaptureOptions } from "../readers/index.js";
import {
  captureForTransfer, fileForTransfer, leanResult, leanRequest, poolError, trForTransfer, unpackResult, workerRequest,
  pieceSize, type AnnotateWork, type FileWork, type FromWorker, type PoolError, type TextPiece, type ToWorker, type TrackPlace, type Work,
} from "./protocol.js";
import { keepsNoCapture, readFileWork, trackCapture, type FileReadHow } from "./read.js";
import type { PackedTrackReads } from "../image/reads-pack.js";
import { CallerPace, workersPay } from "./start-rule.js";

export type { AnnotateWork, PoolError, PoolErrorCode, TextPiece } from "./protocol.js";

/** A capture with where it came from (the tracks of readAnyCapture's `{ kind: "tracks" }` are these). */
export interface TrackInput {
  readonly capture: Capture;
  readonly cyl?: number;
  readonly head?: number;
  /** Names the input in its result and errors; default the capture's own source. */
  readonly source?: string;
  /** This capture's decoder options, instead of the ones decodeMany was given. */
  readonly options?: string | DecodeOptions;
  /** This capture's channel map, instead of the request's. */
  readonly channels?: ChannelMap;
  /** (annotateMany, --json) keys put first in each of its annotation objects. */
  readonly jsonExtra?: Record<string, unknown>;
}

/**
 * A capture file's bytes (any format readAnyCapture reads as one capture, or a
 * file of one track), read where it is decoded: in a worker, so that inflating a
 * .sr (often costlier than decoding it) runs in parallel too. Its bytes are moved
 * or copied like a capture's buffers. A file of many tracks (a whole .tr) is an
 * error here: read it with readAnyCapture and give decodeMany its tracks.
 */
export interface FileInput {
  readonly bytes: Uint8Array;
  /** The file's name, for the result and messages. */
  readonly source?: string;
  readonly options?: string | DecodeOptions;
  /** readAnyCapture's options (VCD, CSV, force). */
  readonly read?: AnyCaptureOptions;
  /** This file's channel map, instead of the request's. */
  readonly channels?: ChannelMap;
  /** (annotateMany, --json) keys put first in each of its annotation objects. */
  readonly jsonExtra?: Record<string, unknown>;
}

/**
 * A track of a .tr file (readTr, iterTr and openTrStream give these, or any
 * object with its packed transitions): its packed deltas travel to the worker,
 * one byte a transition against the 8 of an edge, and are unpacked there
 * (trCapture). Its capture getter is never called.
 */
export interface TrTrackInput {
  readonly packed: Uint8Array;
  readonly cyl?: number;
  readonly head?: number;
  /** Names the input in its result and errors; default "capture.tr". */
  readonly source?: string;
  readonly options?: string | DecodeOptions;
  /** (annotateMany, --json) keys put first in each of its annotation objects. */
  readonly jsonExtra?: Record<string, unknown>;
}

export type PoolInput = Capture | TrackInput | FileInput | TrTrackInput;

/**
 * An input, or a function that produces one when the pool takes it (a file read
 * lazily): when the function throws, that input's result is its error, in order,
 * and the others still decode.
 */
export type PoolItem = PoolInput | (() => PoolInput | Promise<PoolInput>);

/** Captures in any iterable or async iterable (a generator reading a drive track by track). */
export type PoolInputs = Iterable<PoolItem> | AsyncIterable<PoolItem>;

interface Where {
  /** Position in the input, from 0. */
  readonly index: number;
  readonly source?: string;
  readonly cyl?: number;
  readonly head?: number;
}

/**
 * One input's outcome, yielded in input order; `decodeMs`: the time decode()
 * took, in the thread that ran it (reading a file input not included).
 */
export type PoolResult = Where & ({ readonly ok: true; readonly result: DecodeResult; readonly decodeMs?: number } | { readonly ok: false; readonly error: PoolError });

/**
 * One input's annotation text (annotateMany), yielded in input order: pieces of
 * whole lines (ASCII bytes for text, strings for JSON); `decodeMs` the time its
 * decode and annotation took. An input's text may come in several results, all
 * but the last `partial` (a worker's text, handed over as it is made); a failed
 * input's error may follow partial text.
 */
export type PoolTextResult = Where & (
  | { readonly ok: true; readonly text: TextPiece[]; readonly decodeMs?: number; readonly partial?: boolean }
  | { readonly ok: false; readonly error: PoolError }
);

/** An imageReads input's outcome from a worker: the track's sector reads, packed (src/image/reads-pack.ts). */
export type PoolReadsResult = Where & { readonly ok: true; readonly reads: PackedTrackReads; readonly decodeMs?: number };

type AnyResult = PoolResult | PoolTextResult | PoolReadsResult;

/**
 * Internal (the CLI's `image`): a lean decodeMany whose workers answer with each
 * track's sector reads (PoolReadsResult) instead of its result; inputs decoded on
 * the calling thread still give their lean result.
 */
export interface ImageReadsOption {
  readonly imageReads?: "header" | "track";
}

/** decodeMany's options with the annotation stream to make instead of results (the CLI's `decode -A`). */
export interface AnnotateManyOptions extends Omit<DecodeManyOptions, "lean"> {
  readonly annotate: AnnotateWork;
}

export interface DecodeManyOptions extends DecodeRequest {
  /**
   * Threads decoding at once, the calling thread included when it decodes (see
   * useCallingThread); default the available cores (os.availableParallelism() in
   * Node, navigator.hardwareConcurrency in browsers). In Node, 1 decodes on the
   * calling thread: no worker, exactly a loop of decode(). At most 1024 (a
   * worker holds ~13 MB; more threads than cores only add memory).
   */
  jobs?: number;
  /**
   * Jobs queued in each worker, the one it decodes included: default 2 (a worker
   * never waits for its next), 8 when the calling thread decodes too (its own
   * decodes keep it from refilling the queues for a track's time: with 2, a
   * worker sat idle 18 % of the time, with 4, 5-15 %, with 8, 5 %; measured on
   * 2 cores, the last two in a 2 048-track `image --jobs 2`, 2026-11-27).
   */
  perWorker?: number;
  /**
   * The calling thread is one of the `jobs` (default true in Node, false in
   * browsers, whose page must stay responsive): it decodes an input whenever no
   * worker can take it (while the workers start, or when every one has perWorker
   * jobs), and the jobs − 1 workers start only once the input has taken ~20 ms of
   * decoding, so a short input never starts one (with expectedInputs, only once
   * the inputs left pay for them). Captures it decodes are neither
   * moved nor copied. false: `jobs` workers decode everything.
   */
  useCallingThread?: boolean;
  /**
   * true (default): each capture's samples / edges / index buffer is moved to its
   * worker and is detached (length 0) in the caller's capture afterwards; a view
   * into a larger buffer (one track of a whole file) is copied, leaving that
   * buffer alone. false: copied, so the caller's captures stay usable. A capture
   * decoded on the calling thread is neither moved nor copied. File inputs' bytes
   * likewise.
   */
  transfer?: boolean;
  /** Stops every worker; the iterator then throws the signal's reason. */
  signal?: AbortSignal;
  /**
   * How many inputs the iterable gives, when the caller knows it and the
   * iterable cannot tell (a generator over a list of files), or a function that
   * says so far as it knows whenever the pool asks (a count that grows as files
   * of many tracks are opened). With the calling thread decoding, the workers
   * then start only when the inputs left, at the pace of this thread's latest
   * decodes, take longer than the workers' start-up costs
   * (src/pool/start-rule.ts): a hundred small captures on two cores decode
   * faster without any. More inputs than announced, or a function's answer that
   * is not a count: as if not given.
   */
  expectedInputs?: number | (() => number);
  /**
   * true: results as a disk image needs them (assembleImage): `fields` is [],
   * the `binary` streams are empty, and records keep their crcInput only on data
   * records that do not verify (what a vote over bad copies reads): less to
   * build, send and hold. Default false: results exactly as decode() gives them.
   */
  lean?: boolean;
}

/** A started worker, as the pool drives it. */
export interface WorkerHandle {
  /** Throws (DataCloneError) when a buffer cannot move or the message cannot clone. */
  post(message: ToWorker, transfer: ArrayBuffer[]): void;
  /** Busy workers keep a Node process alive; idle ones do not (an abandoned iterator never hangs it). */
  busy(busy: boolean): void;
  /** Stops it; resolves once it is gone. Safe to call twice. */
  terminate(): Promise<void>;
}

export interface WorkerEvents {
  message(m: FromWorker): void;
  /** It stopped without being asked (load failure, crash, out of memory); called at most once per worker that matters. */
  failed(reason: string): void;
}

export interface PoolPlatform {
  defaultJobs(): number | Promise<number>;
  /** useCallingThread when the caller does not say. */
  readonly useCallingThread: boolean;
  /** Called when the first worker is needed (dynamic imports of platform modules go here). */
  load(): Promise<(events: WorkerEvents) => WorkerHandle>;
  /** Workers started ahead of need (Node's prestartDecodeWorkers): the calling thread then starts its jobs − 1 at once. */
  prestarted?(): number;
}

let live = 0;

/**
 * Workers started by decodeMany and not yet gone (for tests and leak checks).
 *
 * @example
 * import { decodeMany, liveWorkers, synthTrack } from "diskflux";
 * const t = synthTrack({ format: "MFM" });
 * for await (const r of decodeMany([t.capture], t.options, { jobs: 2 })) break; // leaving the loop stops the workers
 * console.log(liveWorkers()); // 0
 */
export function liveWorkers(): number {
  return live;
}

/** For platforms: count a worker in when started and out when it is gone. */
export function countWorker(delta: 1 | -1): void {
  live += delta;
}

function isTrInput(x: PoolInput): x is TrTrackInput {
  return typeof x === "object" && x !== null && "packed" in x && x.packed instanceof Uint8Array && !("kind" in x) && !("bytes" in x);
}

function isTrackInput(x: PoolInput): x is TrackInput {
  return typeof x === "object" && x !== null && "capture" in x && !("kind" in x) && !isTrInput(x);
}

function isFileInput(x: PoolInput): x is FileInput {
  return typeof x === "object" && x !== null && "bytes" in x && !("kind" in x) && !("capture" in x);
}

function where(index: number, input: PoolInput): Where {
  const tr = isTrInput(input);
  const placed = tr || isTrackInput(input);
  const source = isFileInput(input) ? input.source : tr ? input.source : isTrackInput(input) ? (input.source ?? input.capture?.source) : input?.source;
  return {
    index,
    ...(source !== undefined ? { source } : {}),
    ...(placed && input.cyl !== undefined ? { cyl: input.cyl } : {}),
    ...(placed && input.head !== undefined ? { head: input.head } : {}),
  };
}

/** The request for one input: its own channel map, if it has one. */
function requestOf<R extends { channels?: ChannelMap }>(input: PoolInput, request: R): R {
  const channels = (isTrackInput(input) || isFileInput(input)) ? input.channels : undefined;
  return channels !== undefined ? { ...request, channels } : request;
}

/** An annotate job's spec for one input: its own jsonExtra, if it has one. */
function annotateOf(input: PoolInput, a: AnnotateWork): AnnotateWork {
  const extra = (isTrackInput(input) || isFileInput(input) || isTrInput(input)) ? input.jsonExtra : undefined;
  return extra !== undefined ? { ...a, jsonExtra: extra } : a;
}

function optionsOf(input: PoolInput, fallback: string | DecodeOptions): string | DecodeOptions {
  return (isTrackInput(input) || isFileInput(input) || isTrInput(input)) && input.options !== undefined ? input.options : fallback;
}

function captureOf(input: PoolInput): Capture {
  const c = (isTrackInput(input) ? input.capture : input) as Capture;
  if (typeof c !== "object" || c === null || (c.kind !== "logic" && c.kind !== "edges")) {
    throw new DiskfluxError("E_ARGUMENT", "decodeMany: an input is not a capture (want a LogicCapture, an EdgeCapture, { capture, cyl, head } or { bytes, source })");
  }
  return c;
}

function fileOf(input: FileInput): FileWork {
  return { bytes: input.bytes, ...(input.source !== undefined ? { source: input.source } : {}), ...(input.read !== undefined ? { read: input.read } : {}) };
}

/** A worker's message for one input, and the buffers it moves. */
function workFor(input: PoolInput, how: "move" | "copy"): { work: Work; transfer: ArrayBuffer[] } {
  if (isTrInput(input)) {
    const { tr, transfer } = trForTransfer(input.packed, input.source ?? "capture.tr", how);
    return { work: { tr }, transfer };
  }
  if (isFileInput(input)) {
    const { file, transfer } = fileForTransfer(fileOf(input), how);
    return { work: { file }, transfer };
  }
  const { capture, transfer } = captureForTransfer(captureOf(input), how);
  return { work: { capture }, transfer };
}

async function resolveItem(item: PoolItem): Promise<PoolInput> {
  return typeof item === "function" ? await item() : item;
}

/** The most jobs decodeMany takes (as the CLI's --jobs): each worker is a thread holding ~13 MB. */
const MAX_JOBS = 1024;

function checkCount(name: string, v: number, most = Number.MAX_SAFE_INTEGER, least = 1): number {
  if (!Number.isInteger(v) || v < least || v > most) {
    throw new DiskfluxError("E_ARGUMENT", `decodeMany: ${name} must be a whole number from ${least}${most < Number.MAX_SAFE_INTEGER ? ` to ${most}` : " up"}, got ${String(v)}`);
  }
  return v;
}

function abortReason(signal: AbortSignal): unknown {
  return signal.reason ?? new DiskfluxError("E_ARGUMENT", "decodeMany: aborted");
}

/** decodeMany on a platform: the calling thread alone for jobs 1 (where it decodes), else with a pool of workers. */
export function runDecodeMany(
  inputs: PoolInputs,
  options: string | DecodeOptions,
  o: DecodeManyOptions,
  platform: PoolPlatform,
): AsyncGenerator<PoolResult, void, undefined> {
  return runMany(inputs, options, o, undefined, platform) as AsyncGenerator<PoolResult, void, undefined>;
}

/** decodeMany with imageReads (internal: the CLI's `image`): a worker's input comes back as its sector reads. */
export function runDecodeManyReads(
  inputs: PoolInputs,
  options: string | DecodeOptions,
  o: DecodeManyOptions & ImageReadsOption,
  platform: PoolPlatform,
): AsyncGenerator<PoolResult | PoolReadsResult, void, undefined> {
  return runMany(inputs, options, o, undefined, platform) as AsyncGenerator<PoolResult | PoolReadsResult, void, undefined>;
}

/**
 * decodeMany making each input's annotation stream instead of its result (where
 * it is decoded: a worker, or the calling thread), yielded in input order.
 */
export function runAnnotateMany(
  inputs: PoolInputs,
  options: string | DecodeOptions,
  o: AnnotateManyOptions,
  platform: PoolPlatform,
): AsyncGenerator<PoolTextResult, void, undefined> {
  const { annotate, ...rest } = o;
  return runMany(inputs, options, rest, annotate, platform) as AsyncGenerator<PoolTextResult, void, undefined>;
}

async function* runMany(
  inputs: PoolInputs,
  options: string | DecodeOptions,
  o: DecodeManyOptions,
  annotate: AnnotateWork | undefined,
  platform: PoolPlatform,
): AsyncGenerator<AnyResult, void, undefined> {
  const { jobs: jobsGiven, transfer = true, useCallingThread = platform.useCallingThread, signal, lean = false, imageReads, expectedInputs, ...request } = o as DecodeManyOptions & ImageReadsOption;
  const perWorker = o.perWorker ?? (useCallingThread ? 8 : 2);
  if (signal?.aborted) throw abortReason(signal);
  const iterable = (x: unknown) => typeof x === "object" && x !== null && (Symbol.iterator in x || Symbol.asyncIterator in x);
  if (!iterable(inputs)) {
    throw new DiskfluxError("E_ARGUMENT", "decodeMany: inputs must be an iterable or async iterable of captures (an array, a generator); for one capture use decode()");
  }
  const jobs = checkCount("jobs", jobsGiven ?? Math.max(1, (await platform.defaultJobs()) | 0), MAX_JOBS);
  checkCount("perWorker", perWorker);
  if (expectedInputs !== undefined && typeof expectedInputs !== "function") checkCount("expectedInputs", expectedInputs, Number.MAX_SAFE_INTEGER, 0);
  if (useCallingThread && jobs === 1) {
    yield* decodeInline(inputs, options, request, signal, lean, annotate);
  } else {
    yield* decodePooled(inputs, options, request, { jobs, perWorker, move: transfer, caller: useCallingThread, signal, lean: lean || imageReads !== undefined, annotate, imageReads, expected: expectedInputs }, platform);
  }
}

/**
 * One input's annotations made on this thread and handed to `write` as they are
 * made (waiting whenever it returns a promise): what a pool's annotate job
 * makes, with no worker and nothing held (annotateMany's jobs 1, streamed).
 */
export async function annotateInput(
  item: PoolItem, options: string | DecodeOptions, request: DecodeRequest, annotate: AnnotateWork,
  write: (piece: TextPiece) => void | Promise<void>,
): Promise<void> {
  let input: PoolInput;
  try {
    input = await resolveItem(item);
  } catch (e) {
    throw poolError(e, undefined, true);
  }
  const at = where(0, input);
  // the decode's errors as the pool gives them (PoolError); the writer's own (stdout's) as they are
  let writerFailed = false;
  const w = (piece: TextPiece) => {
    try {
      const wait = write(piece);
      return wait ? wait.catch((e: unknown) => {
        writerFailed = true;
        throw e;
      }) : undefined;
    } catch (e) {
      writerFailed = true;
      throw e;
    }
  };
  try {
    let capture: Capture;
    if (isFileInput(input)) ({ capture } = await readFileWork(fileOf(input), readHow(input, options, request)));
    else if (isTrInput(input)) capture = trackCapture(input.packed, input.source ?? "capture.tr", keepsNoCapture(request));
    else capture = captureOf(input);
    const { annotateWork } = await import("./annotate.js");
    await annotateWork(capture, optionsOf(input, options), requestOf(input, request), annotateOf(input, annotate), w);
  } catch (e) {
    throw writerFailed ? e : poolError(e, at.source);
  }
}

/** What reading a file input needs of its decode (the fused reader's leading edge and channels; whether the capture may be reused). */
function readHow(input: PoolInput, options: string | DecodeOptions, request: DecodeRequest): FileReadHow {
  const req = requestOf(input, request);
  const channels = req.channels;
  return { options: optionsOf(input, options), reuse: keepsNoCapture(req), ...(channels ? { channels } : {}) };
}

/** One input decoded on this thread, as its result (or its annotation text). */
async function decodeHere(
  at: Where, input: PoolInput, options: string | DecodeOptions, request: DecodeRequest, lean: boolean, annotate?: AnnotateWork,
): Promise<AnyResult> {
  let place: TrackPlace = {};
  try {
    let capture: Capture;
    if (isFileInput(input)) ({ capture, ...place } = await readFileWork(fileOf(input), readHow(input, options, request)));
    else if (isTrInput(input)) capture = trackCapture(input.packed, input.source ?? "capture.tr", keepsNoCapture(request));
    else capture = captureOf(input);
    const t0 = performance.now();
    const req = requestOf(input, request);
    if (annotate) {
      const { annotatePieces } = await import("./annotate.js");
      const text = await annotatePieces(capture, optionsOf(input, options), req, annotateOf(input, annotate));
      return { ...at, ...place, ok: true, text, decodeMs: performance.now() - t0 };
    }
    const result = await decode(capture, optionsOf(input, options), lean ? leanRequest(req) : req);
    const decodeMs = performance.now() - t0;
    return { ...at, ...place, ok: true, result: lean ? leanResult(result) : result, decodeMs };
  } catch (e) {
    return { ...at, ...place, ok: false, error: poolError(e, at.source) };
  }
}

/** Lets the event loop run (worker messages) between decodes on this thread: setImmediate, or a message (no 4 ms timer clamp). */
function turn(): Promise<void> {
  return new Promise((resolve) => {
    if (typeof setImmediate === "function") {
      setImmediate(resolve);
      return;
    }
    const ch = new MessageChannel();
    ch.port1.onmessage = () => {
      ch.port1.close();
      resolve();
    };
    ch.port2.postMessage(0);
  });
}

/**
 * Annotate jobs: the calling thread takes no input while this much text (its
 * own decodes' text, and workers' pieces not yet handed over) waits for earlier
 * inputs. A worker sends at most TEXT_CREDIT ahead of what was handed over.
 */
const HELD_TEXT = 16 << 20;

/** The inputs from input `id` on, this one included, as expectedInputs says; undefined when it cannot tell (or has been passed). */
function inputsLeft(expected: number | (() => number) | undefined, id: number): number | undefined {
  let n: unknown = expected;
  if (typeof expected === "function") {
    try {
      n = expected();
    } catch {
      return undefined; // (a hint that fails is no hint)
    }
  }
  return typeof n === "number" && Number.isInteger(n) && n > id ? n - id : undefined;
}

/** One thread, one capture at a time: exactly sequential decode(), nothing moved or copied. */
async function* decodeInline(
  inputs: PoolInputs, options: string | DecodeOptions, request: DecodeRequest, signal: AbortSignal | undefined, lean: boolean, annotate: AnnotateWork | undefined,
): AsyncGenerator<AnyResult, void, undefined> {
  let index = 0;
  for await (const item of inputs) {
    if (signal?.aborted) throw abortReason(signal);
    const i = index++;
    let input: PoolInput;
    try {
      input = await resolveItem(item);
    } catch (e) {
      yield { index: i, ok: false, error: poolError(e, undefined, true) };
      continue;
    }
    yield await decodeHere(where(i, input), input, options, request, lean, annotate);
  }
  if (signal?.aborted) throw abortReason(signal);
}

interface Slot {
  handle: WorkerHandle;
  /** Job ids posted and not answered, in posting order (the first is being decoded). */
  readonly inflight: Set<number>;
  ready: boolean;
  gone: boolean;
}

function asyncIterator(inputs: PoolInputs): AsyncIterator<PoolItem> {
  if (Symbol.asyncIterator in inputs) return (inputs as AsyncIterable<PoolItem>)[Symbol.asyncIterator]();
  const it = (inputs as Iterable<PoolItem>)[Symbol.iterator]();
  return {
    next: async () => it.next(),
    return: async () => it.return?.() ?? { done: true, value: undefined },
  };
}

async function* decodePooled(
  inputs: PoolInputs,
  options: string | DecodeOptions,
  request: DecodeRequest,
  cfg: {
    jobs: number; perWorker: number; move: boolean; caller: boolean; signal: AbortSignal | undefined; lean: boolean; annotate: AnnotateWork | undefined;
    imageReads: "header" | "track" | undefined;
    /** expectedInputs. */
    expected: number | (() => number) | undefined;
  },
  platform: PoolPlatform,
): AsyncGenerator<AnyResult, void, undefined> {
  const { jobs, perWorker, move, caller, signal, lean, annotate, imageReads, expected } = cfg;
  /** The calling thread's decodes: when the workers start (start-rule.ts). */
  const pace = new CallerPace();
  const window = jobs * (perWorker + 1);
  const wreq = workerRequest(request);
  const warm: ToWorker = { type: "warm", backend: request.backend ?? "auto" };
  const it = asyncIterator(inputs);
  const start = await platform.load();

  /**
   * Results not yet handed over, by input number. A worker's decode result stays
   * packed (a function that rebuilds it) until its turn: its records, made just
   * before the caller takes them, die young (a scavenge's garbage costs nothing;
   * records that wait out one or two are copied, then promoted).
   */
  const finished = new Map<number, AnyResult | (() => AnyResult)>();
  const pending = new Map<number, Where>();
  /** Annotate jobs in workers: their pieces not yet handed over, and the worker to acknowledge them to. */
  const streams = new Map<number, { pieces: TextPiece[]; size: number; slot: Slot }>();
  /** Text held here: the calling thread's finished annotate jobs and the pieces in streams. */
  let held = 0;
  const textSize = (r: AnyResult) => ("text" in r && r.ok ? r.text.reduce((n, p) => n + pieceSize(p), 0) : 0);
  const slots: Slot[] = [];
  /** Terminations of workers that failed on their own. */
  const gone: Promise<void>[] = [];
  let nextIn = 0;
  let nextOut = 0;
  let inputDone = false;
  let pulling = false;
  let inputError: { e: unknown } | undefined;
  let fatal: { e: unknown } | undefined;
  let wake: (() => void) | undefined;
  const notify = () => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  const ABORTED = Symbol("aborted");
  /** p, or ABORTED as soon as the signal fires (no listener is left behind: a long race would keep every input alive). */
  const orAbort = <T>(p: Promise<T>): Promise<T | typeof ABORTED> => {
    if (!signal) return p;
    return new Promise((resolve, reject) => {
      const stop = () => resolve(ABORTED);
      signal.addEventListener("abort", stop, { once: true });
      p.then(
        (v) => (signal.removeEventListener("abort", stop), resolve(v)),
        (e: unknown) => (signal.removeEventListener("abort", stop), reject(e)),
      );
    });
  };
  // (a function: fatal is set from callbacks, which flow analysis does not see)
  const checkFatal = () => {
    if (fatal) throw fatal.e;
  };
  const onAbort = () => {
    fatal ??= { e: abortReason(signal!) };
    notify();
  };
  signal?.addEventListener("abort", onAbort, { once: true });

  const spawn = (): Slot => {
    const slot: Slot = { handle: undefined as unknown as WorkerHandle, inflight: new Set(), ready: false, gone: false };
    slot.handle = start({
      message(m) {
        if (slot.gone) return;
        if (m.type === "ready") {
          slot.ready = true;
          return;
        }
        if (m.type === "piece") {
          const st = slot.inflight.has(m.id) ? streams.get(m.id) : undefined;
          if (st) {
            const n = pieceSize(m.piece);
            st.pieces.push(m.piece);
            st.size += n;
            held += n;
            if (m.id === nextOut) notify();
          }
          return;
        }
        if (m.type !== "done" || !slot.inflight.delete(m.id)) return;
        if (slot.inflight.size === 0) slot.handle.busy(false);
        const at = pending.get(m.id) ?? { index: m.id };
        pending.delete(m.id);
        const place = { ...(m.cyl !== undefined ? { cyl: m.cyl } : {}), ...(m.head !== undefined ? { head: m.head } : {}) };
        if (!m.ok) finished.set(m.id, { ...at, ...place, ok: false, error: m.error });
        else if (m.text !== undefined) finished.set(m.id, { ...at, ...place, ok: true, text: m.text, decodeMs: m.ms });
        else if (m.reads !== undefined) finished.set(m.id, { ...at, ...place, ok: true, reads: m.reads, decodeMs: m.ms });
        else {
          const packed = m;
          finished.set(m.id, () => ({ ...at, ...place, ok: true, result: unpackResult(packed), decodeMs: packed.ms }));
        }
        notify();
      },
      failed(reason) {
        if (slot.gone) return;
        slot.gone = true;
        slots.splice(slots.indexOf(slot), 1);
        gone.push(slot.handle.terminate()); // (awaited before the iterator ends: no worker outlives it)
        if (!slot.ready) {
          // It never started: the worker file is missing or does not load. Not one track's fault.
          fatal ??= { e: new DiskfluxError("E_FILE", `decodeMany: a decode worker did not start (${reason}); decode with jobs: 1, or rebuild diskflux`) };
        } else {
          let first = true;
          for (const id of slot.inflight) {
            const at = pending.get(id) ?? { index: id };
            pending.delete(id);
            const name = at.source !== undefined ? `${escapeName(at.source)}: ` : "";
            const message = first
              ? `${name}the decode worker stopped while decoding this capture (${reason})`
              : `${name}not decoded: its worker stopped while decoding an earlier capture (${reason})`;
            finished.set(id, { ...at, ok: false, error: { code: "E_WORKER", message: message.replace(/[\r\n]+/g, " ") } });
            first = false;
          }
        }
        slot.inflight.clear();
        notify();
      },
    });
    slots.push(slot);
    slot.handle.post(warm, []);
    slot.handle.busy(false); // until it has a job
    return slot;
  };

  /** The least busy worker with room, a new one while fewer than jobs run and all are busy, or none. */
  const pick = (): Slot | undefined => {
    let best: Slot | undefined;
    for (const s of slots) if (!best || s.inflight.size < best.inflight.size) best = s;
    if (!best || (best.inflight.size > 0 && slots.length < jobs)) return spawn();
    return best.inflight.size < perWorker ? best : undefined;
  };
  const room = () => (annotate !== undefined && held > HELD_TEXT) ? false : caller || slots.length < jobs || slots.some((s) => s.inflight.size < perWorker);
  const readyWithRoom = (): Slot | undefined => {
    let best: Slot | undefined;
    for (const s of slots) if (s.ready && s.inflight.size < perWorker && (!best || s.inflight.size < best.inflight.size)) best = s;
    return best;
  };

  const dispatch = (id: number, input: PoolInput, chosen?: Slot) => {
    const at = where(id, input);
    const fail = (e: unknown) => finished.set(id, { ...at, ok: false, error: poolError(e, at.source) });
    let job: { work: Work; transfer: ArrayBuffer[] };
    try {
      job = workFor(input, move ? "move" : "copy");
    } catch (e) {
      fail(e);
      return;
    }
    const slot = chosen ?? pick()!; // (the feed loop only takes an input when there is room)
    const opts = optionsOf(input, options);
    const extra = {
      ...(lean ? { lean } : {}), ...(annotate ? { annotate: annotateOf(input, annotate) } : {}),
      ...(imageReads ? { imageReads: { placeBy: imageReads, ...(at.source !== undefined ? { source: at.source } : {}), ...(at.cyl !== undefined ? { cyl: at.cyl } : {}), ...(at.head !== undefined ? { head: at.head } : {}) } } : {}),
    };
    try {
      slot.handle.post({ type: "job", id, options: opts, request: requestOf(input, wreq), ...extra, ...job.work }, job.transfer);
    } catch (e) {
      // A buffer that may not move, or a message that may not clone: copy and try once more.
      try {
        const copied = workFor(input, "copy");
        slot.handle.post({ type: "job", id, options: opts, request: requestOf(input, wreq), ...extra, ...copied.work }, copied.transfer);
      } catch {
        fail(e);
        return;
      }
    }
    pending.set(id, at);
    if (annotate) streams.set(id, { pieces: [], size: 0, slot });
    slot.inflight.add(id);
    if (slot.inflight.size === 1) slot.handle.busy(true);
  };

  try {
    for (;;) {
      checkFatal();
      // Feed: take inputs while the window has room.
      while (!inputDone && !fatal && nextIn - nextOut < window && room()) {
        let r: IteratorResult<PoolItem> | typeof ABORTED;
        pulling = true;
        try {
          r = await orAbort(it.next().finally(() => (pulling = false)));
        } catch (e) {
          inputDone = true;
          inputError = { e };
          break;
        }
        if (r === ABORTED) break;
        if (r.done) {
          inputDone = true;
          break;
        }
        const id = nextIn++;
        let input: PoolInput | typeof ABORTED;
        try {
          input = await orAbort(resolveItem(r.value));
        } catch (e) {
          finished.set(id, { index: id, ok: false, error: poolError(e, undefined, true) });
          continue;
        }
        if (input === ABORTED) break;
        if (caller) {
          // The calling thread is a job: a ready worker with room takes the input, else it is decoded
          // here; the other jobs − 1 start once the input proves long enough to pay for them.
          if (slots.length === 0 && ((platform.prestarted?.() ?? 0) > 0 || workersPay(pace, inputsLeft(expected, id), jobs))) {
            for (let k = 0; k < jobs - 1; k++) spawn();
          }
          const slot = readyWithRoom();
          if (slot) {
            dispatch(id, input, slot);
            continue;
          }
          const t0 = performance.now();
          const done = await decodeHere(where(id, input), input, options, request, lean, annotate);
          finished.set(id, done);
          pace.add(performance.now() - t0);
          await turn(); // let the workers' messages in
          if (annotate) held += textSize(done);
          // next in order: handed over before the next input (its text written, its records let go of):
          // with no worker yet, results would otherwise pile up a window deep here, to be promoted and
          // collected as old (-B of 100 captures: GC 14 → 42 ms, +9 MiB RSS)
          if (id === nextOut) break;
          continue;
        }
        dispatch(id, input);
      }
      checkFatal();
      // Yield: the next result in input order, when it is there (an annotate job's text as it comes).
      const st = streams.get(nextOut);
      if (st && st.pieces.length > 0) {
        const text = st.pieces.splice(0);
        const size = st.size;
        st.size = 0;
        held -= size;
        yield { ...(pending.get(nextOut) ?? { index: nextOut }), ok: true, text, partial: true };
        // written: the worker may send as much more
        if (!st.slot.gone) st.slot.handle.post({ type: "ack", id: nextOut, size }, []);
        continue;
      }
      const got = finished.get(nextOut);
      if (got) {
        const next = typeof got === "function" ? got() : got;
        finished.delete(nextOut);
        if (annotate) {
          if (!st) held -= textSize(next); // (the calling thread's)
          streams.delete(nextOut);
        }
        nextOut++;
        yield next;
        continue;
      }
      if (inputDone && nextOut === nextIn) break;
      // Wait for a worker (or the abort signal).
      await new Promise<void>((res) => (wake = res));
    }
    // Everything taken before the input failed has been yielded; now its error.
    if (inputError) throw inputError.e;
  } finally {
    signal?.removeEventListener("abort", onAbort);
    const stopping = slots.splice(0).map((s) => {
      s.gone = true;
      return s.handle.terminate();
    });
    if (!inputDone) {
      inputDone = true;
      // Close the caller's iterator (its finally blocks run). Not awaited while a
      // next() is still pending (an abort during a slow read): an async generator
      // answers return() only after that next() settles.
      const closing = Promise.resolve()
        .then(() => it.return?.())
        .catch(() => undefined); // failing to close is not ours to report over the real outcome
      if (!pulling) await closing;
    }
    await Promise.allSettled([...stopping, ...gone]);
  }
}
