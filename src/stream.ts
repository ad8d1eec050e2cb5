// Chunk-by-chunk decoding with bounded memory. A TrackStream owns one kernel
// instance and carries the edge and track kernels' state across chunks, so any
// split of the input — 1 byte, odd sizes, a cut through a sync mark or a
// sample unit — decodes exactly like the whole capture at once.
import { quoteArg, escapeInput } from "./escape.js";
import type { EdgeCapture } from "./capture.js";
import * as A from "./kernels/abi.js";
import type { Kernels } from "./kernels/backend.js";
import { writeTrackConfig } from "./kernels/config.js";
import { createKernels, type BackendChoice } from "./kernels/load.js";
import { resolveOptions, type DecodeOptions, type ResolvedOptions } from "./options.js";
import { Collector } from "./collect.js";
import { DiskfluxError } from "./errors.js";
import type { ChannelMap, DecodeRequest, DecodeResult, FieldEvent, TrackRecord } from "./types.js";

/** What a stream of samples needs to know up front (what a capture's metadata says). */
export interface StreamSetup {
  sampleRate: number;
  /** Bytes per sample unit; default 1. */
  unitSize?: number;
  channels?: readonly { index: number; name: string }[];
  source?: string;
}

export interface StreamRequest {
  backend?: BackendChoice;
  channels?: ChannelMap;
  keepEvents?: boolean;
  logBytes?: boolean;
  /** Attach each record's CRC input and stored check (DecodeRequest.keepCrcInputs). */
  keepCrcInputs?: boolean;
  /**
   * Called after each kernel run with its logs (views into the kernel's
   * regions, valid during the call only); the logs are then not kept, even
   * with logBytes. Annotations are made this way while a capture streams.
   */
  onRun?: (run: KernelRun) => void;
  /**
   * With onRun: keep no records, fields or binary streams (finish() returns
   * none); each run's fields are dropped after onRun, so memory stays flat
   * however long the stream.
   */
  discard?: boolean;
}

/** One kernel run's logs: edges [from, from + count) of edges/cells/index and the events [0, eventCount) they produced. */
export interface KernelRun {
  edges: Float64Array;
  cells: Int32Array;
  index: Uint8Array;
  from: number;
  count: number;
  events: Float64Array;
  eventCount: number;
  /** The fields so far, this run's last (with discard, this run's only). */
  fields: readonly FieldEvent[];
}

export function resolveChannel(setup: StreamSetup, spec: number | string | null | undefined, fallback: number | null): number {
  const channels = setup.channels ?? [{ index: 0, name: "0" }];
  const unitSize = setup.unitSize ?? 1;
  const where = setup.source ?? "the capture";
  if (spec === null) return -1;
  if (spec === undefined) return fallback !== null && fallback < channels.length ? channels[fallback].index : -1;
  if (typeof spec === "number") {
    if (!Number.isInteger(spec) || spec < 0 || spec >= unitSize * 8 || (setup.channels && !channels.some((c) => c.index === spec))) {
      throw new DiskfluxError("E_ARGUMENT", `channel ${spec} does not exist in ${where} (it has ${channels.length})`);
    }
    return spec;
  }
  const ch = channels.find((c) => c.name === spec);
  if (!ch) throw new DiskfluxError("E_ARGUMENT", `no channel named ${quoteArg(String(spec))} in ${where}; channels: ${channels.slice(0, 16).map((c) => escapeInput(c.name)).join(", ")}`);
  return ch.index;
}

/**
 * Edge arrays that passed the strictly-increasing check whole. A typed array's
 * contents can still change after the check: only arrays that own their buffer
 * are remembered, and only until they are collected.
 */
const CHECKED_EDGES = new WeakSet<Float64Array>();

/**
 * Edge arrays a reader built strictly increasing, finite and below 2^52 (a .tr
 * track unpacked from its deltas, a sigrok session's edges from the fused
 * inflate→edges kernel: src/pool/read.ts), for one decode each: only their
 * first edge is checked against the previous push.
 */
const TRUSTED_EDGES = new WeakSet<Float64Array>();

/** Marks edges the caller built strictly increasing (see TRUSTED_EDGES); returns them. */
export function trustEdges(edges: Float64Array): Float64Array {
  TRUSTED_EDGES.add(edges);
  return edges;
}

/**
 * Edge captures that are a .tr track's packed deltas unpacked on demand
 * (src/pool/read.ts): decode() hands the kernel the packed bytes instead
 * (TrackStream.pushTrDeltas), so the edges are never built in JavaScript
 * unless something else reads them (recovery, detection, annotations).
 */
// (a non-enumerable symbol property: spreads and structured clones of the capture leave it behind)
const PACKED_DELTAS: unique symbol = Symbol("diskflux.packedDeltas");

/** Marks `capture` as the .tr deltas `packed` (its edges must be exactly their running sums); returns it. */
export function withPackedDeltas<C extends EdgeCapture>(capture: C, packed: Uint8Array): C {
  Object.defineProperty(capture, PACKED_DELTAS, { value: packed, enumerable: false });
  return capture;
}

/** The packed .tr deltas behind an edge capture (withPackedDeltas), if any. */
export function packedDeltasOf(capture: EdgeCapture): Uint8Array | undefined {
  return (capture as { [PACKED_DELTAS]?: Uint8Array })[PACKED_DELTAS];
}

/**
 * A request property (symbol-keyed: not part of DecodeRequest, and kept by the
 * spreads decode() makes of a request) for a caller that drops the binary
 * streams of the result at once (decodeMany's lean results): they are not
 * collected (five buffers a track for the garbage collector).
 */
export const NO_BINARY_STREAMS: unique symbol = Symbol("diskflux.noBinaryStreams");

/**
 * A request property (symbol-keyed, like NO_BINARY_STREAMS) for the same
 * callers: of the fields, only the address marks and CRC checks are made (what
 * decode()'s recovery reads), not the texts of every sync, record and unknown
 * byte that the caller drops.
 */
export const MARK_AND_CHECK_FIELDS: unique symbol = Symbol("diskflux.markAndCheckFields");

/**
 * A request property (symbol-keyed, like NO_BINARY_STREAMS) for decode()'s own
 * recovery: a record keeps its CRC input only when its check fails (what ECC,
 * the separators and a vote read), not on every record as keepCrcInputs does.
 * A clean track then allocates no copy, and no record has a property that
 * decode() must delete afterwards (which left every record a slow dictionary
 * object).
 */
export const FAILING_CRC_INPUTS: unique symbol = Symbol("diskflux.failingCrcInputs");

/** Whether a request asks for FAILING_CRC_INPUTS. */
export function failingCrcInputsOnly(request: DecodeRequest): boolean {
  return (request as { [FAILING_CRC_INPUTS]?: boolean })[FAILING_CRC_INPUTS] === true;
}

/**
 * One capture decoded as its samples (or edges) arrive, with the kernels'
 * state carried across pushes: any split decodes exactly like the whole.
 * Made by openTrackStream().
 *
 * @example
 * import { openTrackStream } from "diskflux";
 * const stream = await openTrackStream({ sampleRate: 200e6 }, "data_rate=5000000:format=MFM:header_format=3");
 * stream.pushSamples(new Uint8Array(1 << 20)); // samples as they come (bit 0 = data)
 * for (const record of stream.takeRecords()) console.log(record.kind);
 * const result = stream.finish();
 */
export class TrackStream {
  private readonly collector: Collector;
  private readonly unitSize: number;
  private readonly bits: [number, number, number];
  private readonly rising: number;
  /** Sample number of the next sample pushed. */
  private base = 0;
  /** Bytes of a sample unit split across pushes. */
  private readonly partial: Uint8Array;
  private partialLen = 0;
  private lastEdge = 0;
  private finished = false;

  constructor(
    private readonly k: Kernels,
    readonly options: ResolvedOptions,
    private readonly setup: StreamSetup,
    request: StreamRequest = {},
  ) {
    if (!(setup.sampleRate > 0) || !Number.isFinite(setup.sampleRate)) {
      throw new DiskfluxError("E_ARGUMENT", "Cannot decode without samplerate: the capture has no valid sample rate");
    }
    this.unitSize = setup.unitSize ?? 1;
    if (!Number.isInteger(this.unitSize) || this.unitSize < 1 || this.unitSize > 8) {
      throw new DiskfluxError("E_ARGUMENT", `unit size ${this.unitSize} is not 1..8 bytes`);
    }
    const dataBit = resolveChannel(setup, request.channels?.data, 0);
    if (dataBit < 0) throw new DiskfluxError("E_ARGUMENT", "the data channel is required");
    this.bits = [dataBit, resolveChannel(setup, request.channels?.index, 1), resolveChannel(setup, request.channels?.suppress, 2)];
    this.rising = options.leadingEdge === "rising" ? 1 : 0;
    this.partial = new Uint8Array(this.unitSize);
    const logBytes = request.logBytes === true;
    writeTrackConfig(k, options, setup.sampleRate, logBytes ? A.LOG_BYTES : 0);
    k.trackConfigure();
    k.edgesReset();
    const onRun = request.onRun;
    const keep = request.keepEvents === true || (logBytes && onRun === undefined);
    const collector = (this.collector = new Collector(k, options, keep, logBytes, request.keepCrcInputs === true));
    if ((request as { [NO_BINARY_STREAMS]?: boolean })[NO_BINARY_STREAMS] === true) collector.binary = false;
    if ((request as { [MARK_AND_CHECK_FIELDS]?: boolean })[MARK_AND_CHECK_FIELDS] === true) collector.marksAndChecksOnly = true;
    if (request.keepCrcInputs !== true && failingCrcInputsOnly(request)) collector.failingCrcInputs = true;
    const discard = onRun !== undefined && request.discard === true;
    if (discard) collector.retain = false;
    if (onRun) {
      const run: KernelRun = { edges: k.edges, cells: k.cells, index: k.index, from: 0, count: 0, events: k.events, eventCount: 0, fields: collector.fields };
      collector.onRun = (done, used, events) => {
        // the views of this moment (Wasm memory may have grown since the last run)
        run.edges = k.edges; run.cells = k.cells; run.index = k.index; run.events = k.events;
        run.from = done; run.count = used; run.eventCount = events;
        onRun(run);
        if (discard) collector.fields.length = 0;
      };
    }
  }

  /** Samples in unit order; any length, any split. */
  pushSamples(chunk: Uint8Array): void {
    this.checkOpen();
    const unit = this.unitSize;
    let bytes = chunk;
    if (unit > 1 && this.partialLen > 0) {
      const need = unit - this.partialLen;
      const take = Math.min(need, bytes.length);
      this.partial.set(bytes.subarray(0, take), this.partialLen);
      this.partialLen += take;
      bytes = bytes.subarray(take);
      if (this.partialLen < unit) return;
      this.partialLen = 0;
      this.pushUnits(this.partial, 1);
    }
    const whole = Math.floor(bytes.length / unit);
    this.pushUnits(bytes, whole);
    const rest = bytes.length - whole * unit;
    if (rest > 0) {
      this.partial.set(bytes.subarray(whole * unit));
      this.partialLen = rest;
    }
  }

  private pushUnits(bytes: Uint8Array, units: number): void {
    guardTraps(() => this.pushUnitsUnguarded(bytes, units));
  }

  private pushUnitsUnguarded(bytes: Uint8Array, units: number): void {
    const k = this.k;
    const [dataBit, indexBit, suppressBit] = this.bits;
    const direct = this.unitSize === 1;
    for (let at = 0; at < units; at += A.SAMPLE_CAP) {
      const len = Math.min(A.SAMPLE_CAP, units - at);
      // edges and track decoder in one kernel call; the collector finishes the chunk if the event log filled up
      let used: number;
      if (direct) {
        k.samples.set(bytes.subarray(at, at + len));
        used = k.decodeSamples(len, this.base, dataBit, indexBit, suppressBit, this.rising);
      } else {
        packChannels(bytes, this.unitSize, at, len, this.bits, k.samples);
        used = k.decodeSamples(len, this.base, 0, indexBit >= 0 ? 1 : -1, suppressBit >= 0 ? 2 : -1, this.rising);
      }
      this.base += len;
      this.collector.runFused(used);
    }
  }

  /** Leading-edge sample numbers (strictly increasing, continuing earlier pushes), with index levels if known. */
  pushEdges(edges: Float64Array, index?: Uint8Array): void {
    this.checkOpen();
    guardTraps(() => this.pushEdgesUnguarded(edges, index));
  }

  private pushEdgesUnguarded(edges: Float64Array, index?: Uint8Array): void {
    const k = this.k;
    // an edge list already checked whole (detection decodes one many times) needs only its first edge checked
    const checked = edges.length > 0 && (CHECKED_EDGES.has(edges) || TRUSTED_EDGES.has(edges)) && edges[0] > this.lastEdge;
    for (let at = 0; at < edges.length; at += A.EDGE_CAP) {
      const n = Math.min(A.EDGE_CAP, edges.length - at);
      const piece = edges.subarray(at, at + n);
      if (checked) this.lastEdge = piece[n - 1];
      else for (let i = 0; i < n; i++) {
        const t = piece[i];
        if (!(t > this.lastEdge) || !Number.isFinite(t) || t > 2 ** 52) {
          throw new DiskfluxError("E_ARGUMENT", `edge ${at + i} (${t}) is not a finite sample number after the previous edge (${this.lastEdge}); edges must increase strictly`);
        }
        this.lastEdge = t;
      }
      k.edges.set(piece);
      if (index) k.index.set(index.subarray(at, at + n));
      else k.index.fill(A.INDEX_ABSENT, 0, n);
      this.collector.run(n);
    }
    if (edges.length > 0 && edges.byteOffset === 0 && edges.length === edges.buffer.byteLength / 8) CHECKED_EDGES.add(edges);
    this.base = Math.max(this.base, this.lastEdge + 1);
  }

  /**
   * A .tr track's packed transitions (src/readers/tr.ts: one byte a delta of
   * the 200 MHz clock, escapes 254 and 255 for longer ones), decoded as the
   * edges their running sums from the last edge pushed give (from 0 on a new
   * stream: the .tr track's own edges). Unpacked by the kernel itself, in
   * pieces of up to SAMPLE_CAP bytes. Returns the last edge (0 if none yet).
   */
  pushTrDeltas(packed: Uint8Array): number {
    this.checkOpen();
    guardTraps(() => this.pushTrDeltasUnguarded(packed));
    return this.lastEdge;
  }

  private pushTrDeltasUnguarded(packed: Uint8Array): void {
    const k = this.k;
    let t = this.lastEdge;
    // (a byte adds at most 2^22 ticks: a 24-bit delta takes four)
    if (t + packed.length * 2 ** 22 > 2 ** 52) {
      throw new DiskfluxError("E_ARGUMENT", `${packed.length} bytes of .tr transitions after sample ${t} could pass sample 2^52; give a track record at a time`);
    }
    for (let at = 0; at < packed.length; ) {
      const len = Math.min(A.SAMPLE_CAP, packed.length - at);
      k.samples.set(packed.subarray(at, at + len));
      const used = k.decodeTrDeltas(len, t);
      const n = k.status[A.ST_EDGES], read = k.status[A.ST_TR_READ];
      if (n > 0) t = k.edges[n - 1];
      this.collector.runFused(used);
      if (read === 0) break; // only an escape that the track's end cuts is left: ignored, as the reader does
      at += read;
    }
    this.lastEdge = t;
    this.base = Math.max(this.base, t + 1);
  }

  /** Records completed since the last call (a record is complete once its CRC is read). */
  takeRecords(): TrackRecord[] {
    return this.collector.takeRecords(false);
  }

  /** Ends the stream: the whole result (records, statistics, binary streams). */
  finish(sampleCount = this.base): DecodeResult {
    this.checkOpen();
    this.finished = true;
    return this.collector.finish(this.setup.sampleRate, sampleCount);
  }

  /** Records not yet taken, after finish(). */
  takeRemaining(): TrackRecord[] {
    return this.collector.takeRecords(true);
  }

  private checkOpen(): void {
    if (this.finished) throw new DiskfluxError("E_ARGUMENT", "the stream is finished; open a new one");
  }
}

/** A Wasm trap is a diskflux bug, never a user's problem: report it as E_WASM, not as RuntimeError. */
function guardTraps(run: () => void): void {
  try {
    run();
  } catch (e) {
    if (typeof WebAssembly === "object" && e instanceof WebAssembly.RuntimeError) {
      throw new DiskfluxError("E_WASM", `the WebAssembly kernel trapped (${e.message}); retry with backend 'js' and please report this capture`, { cause: e });
    }
    throw e;
  }
}

/** Wide samples → one byte per sample with the three decoder channels in bits 0, 1, 2. */
export function packChannels(src: Uint8Array, unit: number, first: number, len: number, bits: readonly number[], dst: Uint8Array): void {
  dst.fill(0, 0, len);
  bits.forEach((bit, slot) => {
    if (bit < 0) return;
    const byte = bit >> 3, shift = bit & 7;
    let o = first * unit + byte;
    for (let i = 0; i < len; i++, o += unit) dst[i] |= ((src[o] >> shift) & 1) << slot;
  });
}

/**
 * A stream with a kernel instance of its own (streams can interleave with each other and with decode()).
 *
 * @example
 * import { openCaptureFileStream, openTrackStream } from "diskflux";
 * const cap = await openCaptureFileStream("long-session.sr");
 * const stream = await openTrackStream(cap.setup, "data_rate=5000000:format=MFM:header_format=3", { backend: "wasm" });
 * for await (const chunk of cap.chunks()) stream.pushSamples(chunk);
 * console.log(stream.finish().stats);
 */
export async function openTrackStream(setup: StreamSetup, options: string | DecodeOptions = {}, request: StreamRequest = {}): Promise<TrackStream> {
  const opts = resolveOptions(options);
  if (opts.decoder === "legacy") throw new DiskfluxError("E_OPTION", "decoder=legacy does not stream; use decode()");
  const k = await createKernels(request.backend ?? "auto");
  return new TrackStream(k, opts, setup, request);
}

/**
 * Decodes samples arriving in chunks and yields each record as soon as it is
 * complete; the generator's return value is the whole result.
 *
 * @example
 * import { decodeChunks, openCaptureFileStream } from "diskflux";
 * const cap = await openCaptureFileStream("long-session.sr");
 * for await (const r of decodeChunks(cap.chunks(), cap.setup, "data_rate=5000000:format=MFM:header_format=3")) {
 *   if (r.kind === "data") console.log(r.bytes.length, r.crc?.ok);
 * }
 */
export async function* decodeChunks(
  chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  setup: StreamSetup,
  options: string | DecodeOptions = {},
  request: StreamRequest = {},
): AsyncGenerator<TrackRecord, DecodeResult> {
  const stream = await openTrackStream(setup, options, request);
  for await (const chunk of chunks) {
    stream.pushSamples(chunk);
    yield* stream.takeRecords();
  }
  const result = stream.finish();
  yield* stream.takeRemaining();
  return result;
}
