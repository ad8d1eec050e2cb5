// Annotations of a capture of any length in bounded memory: the capture is
// decoded piece by piece (a TrackStream), each kernel run's logs go straight
// into an AnnotationWalker (window ring, reporter and previous edge carried
// over) and are dropped, and the text is handed to the writer after every
// piece, waiting while the writer asks to (backpressure). The output is the
// same, byte for byte, as decoding the whole capture with logBytes and walking it.
//
// Only what the selected rows need is logged (annotationNeeds): `-A mfm=fields`
// decodes without the byte log and walks the events alone.
import * as A from "../kernels/abi.js";
import type { Kernels } from "../kernels/backend.js";
import { createKernels, type BackendChoice } from "../kernels/load.js";
import { resolveOptionsShared, type DecodeOptions, type ResolvedOptions } from "../options.js";
import { TrackStream, type KernelRun, type StreamSetup } from "../stream.js";
import type { Capture } from "../capture.js";
import type { ChannelMap } from "../types.js";
import { CLASSES, ROW_OF_CLASS, classFilter, type ClassFilter } from "./classes.js";
import { AnnotationWalker } from "./stream.js";
import { LineBuffer } from "./lines.js";

export interface AnnotationStreamOptions {
  /** Row or class names (as in `-A mfm=fields:errors`), or a parsed filter; default everything. */
  classes?: readonly string[] | ClassFilter;
  /** Prefix each line with `<start>-<end> ` (sigrok-cli --protocol-decoder-samplenum). */
  sampleNumbers?: boolean;
  /** One JSON object per line ({ ...jsonExtra, start, end, class, row, texts }) instead of text. */
  json?: boolean;
  /** Keys put first in every JSON object (e.g. { capture }). */
  jsonExtra?: Record<string, unknown>;
  backend?: BackendChoice;
  channels?: ChannelMap;
}

/**
 * Receives the output in pieces of whole lines: ASCII bytes for text, strings
 * for JSON; a returned promise holds the next piece back until it settles.
 */
export type AnnotationWriter = (piece: Uint8Array | string) => void | Promise<void>;

/** Text is handed over in pieces of about this many characters. */
const PIECE = 1 << 20;
/** Edges pushed per step for edge captures (the text of one step stays small). */
const EDGE_STEP = 1 << 16;

/** Kernel instances of finished streams, reused by the next (one Wasm instantiation per backend, not per capture). */
const spare = new Map<string, Kernels[]>();

/**
 * A capture's annotations made as its samples (or edges) arrive. push*() decode
 * and queue text; take() hands the queued text over. Decoder PLL only (the
 * legacy decoder annotates a whole decode: annotationChunks()).
 *
 * @example
 * import { AnnotationStream, openCaptureFileStream } from "diskflux";
 * const cap = await openCaptureFileStream("long-session.sr");
 * const s = await AnnotationStream.open(cap.setup, "data_rate=5000000:format=MFM:header_format=3", { classes: ["fields"] });
 * for await (const chunk of cap.chunks()) {
 *   s.pushSamples(chunk);
 *   for (const piece of s.take()) process.stdout.write(piece);
 * }
 * for (const piece of s.finish()) process.stdout.write(piece);
 */
export class AnnotationStream {
  private readonly stream: TrackStream;
  private readonly walker: AnnotationWalker;
  private buf = "";
  private readonly queue: (Uint8Array | string)[] = [];
  private readonly lines: LineBuffer;
  private fieldAt = 0;
  private fields: KernelRun["fields"] = [];
  private released = false;

  private constructor(private readonly k: Kernels, private readonly choice: string, o: ResolvedOptions, setup: StreamSetup, opts: AnnotationStreamOptions) {
    const on = classFilter(opts.classes);
    this.lines = new LineBuffer(PIECE, (bytes) => void this.queue.push(bytes));
    const walker = (this.walker = new AnnotationWalker(o, setup.sampleRate, {
      on,
      alternates: opts.json === true,
      put: this.writerFor(opts),
    }));
    const idText = () => {
      const f = this.fields;
      while (this.fieldAt < f.length && f[this.fieldAt].kind !== "idrec") this.fieldAt++;
      return this.fieldAt < f.length ? f[this.fieldAt++].text : "ID Record";
    };
    this.stream = new TrackStream(k, o, setup, {
      ...(opts.channels ? { channels: opts.channels } : {}),
      logBytes: walker.needsBytes,
      discard: true,
      onRun: (run) => {
        // each run's fields only (discard): its ID records' texts
        this.fields = run.fields;
        this.fieldAt = 0;
        walker.run(run.edges, run.cells, run.index, run.from, run.count, run.events, run.eventCount, idText);
      },
    });
  }

  /** Opens a stream with a kernel instance of its own. */
  static async open(setup: StreamSetup, options: DecodeOptions | string, opts: AnnotationStreamOptions = {}): Promise<AnnotationStream> {
    const o = resolveOptionsShared(options);
    if (o.decoder === "legacy") {
      const { DiskfluxError } = await import("../errors.js");
      throw new DiskfluxError("E_OPTION", "decoder=legacy annotations are made from a whole decode; use annotationChunks()");
    }
    const choice = opts.backend ?? "auto";
    const k = spare.get(choice)?.pop() ?? (await createKernels(choice));
    return new AnnotationStream(k, choice, o, setup, opts);
  }

  private writerFor(opts: AnnotationStreamOptions) {
    if (opts.json) {
      const extra = opts.jsonExtra ?? {};
      return (start: number, end: number, cls: number, text: string, alts?: readonly string[]) => {
        this.add(JSON.stringify({ ...extra, start, end, class: CLASSES[cls], row: ROW_OF_CLASS[cls], texts: [text, ...(alts ?? [])] }) + "\n");
      };
    }
    const lines = this.lines, sn = opts.sampleNumbers === true;
    return (start: number, end: number, _cls: number, text: string) => lines.line(sn, start, end, text);
  }

  private add(line: string): void {
    this.buf += line;
    if (this.buf.length > PIECE) {
      this.queue.push(this.buf);
      this.buf = "";
    }
  }

  /** Samples in unit order; any length, any split. */
  pushSamples(chunk: Uint8Array): void {
    this.stream.pushSamples(chunk);
  }

  /** Leading-edge sample numbers (strictly increasing), with index levels if known. */
  pushEdges(edges: Float64Array, index?: Uint8Array): void {
    this.stream.pushEdges(edges, index);
  }

  /** The text queued so far, in pieces (whole lines); with `all`, the partly filled last piece too. */
  take(all = false): (Uint8Array | string)[] {
    if (all) {
      if (this.buf.length > 0) this.queue.push(this.buf);
      this.buf = "";
      this.lines.flush();
    }
    return this.queue.splice(0, this.queue.length);
  }

  /** Ends the stream: the rest of the text; the kernel instance goes back for the next stream. */
  finish(): (Uint8Array | string)[] {
    const rest = this.take(true);
    if (!this.released) {
      this.released = true;
      this.lines.release();
      const list = spare.get(this.choice) ?? [];
      if (list.length < 2) list.push(this.k);
      spare.set(this.choice, list);
    }
    return rest;
  }

  /** Ends a stream that failed: its text and its kernel instance are dropped. */
  abandon(): void {
    this.released = true;
    this.queue.length = 0;
    this.buf = "";
  }
}

/** Hands pieces to the writer, waiting whenever it returns a promise. */
async function drain(pieces: (Uint8Array | string)[], write: AnnotationWriter): Promise<void> {
  for (const p of pieces) {
    const wait = write(p);
    if (wait) await wait;
  }
}

/**
 * The annotations of samples arriving in chunks (e.g. openCaptureStream's), written
 * as they are made: memory stays bounded whatever the capture's length.
 *
 * @example
 * import { annotateSampleChunks, openCaptureFileStream } from "diskflux";
 * const cap = await openCaptureFileStream("long-session.sr");
 * await annotateSampleChunks(cap.chunks(), cap.setup, "data_rate=5000000:format=MFM:header_format=3", { classes: ["fields"] }, (piece) => {
 *   process.stdout.write(piece);
 * });
 */
export async function annotateSampleChunks(
  chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  setup: StreamSetup,
  options: DecodeOptions | string,
  opts: AnnotationStreamOptions,
  write: AnnotationWriter,
): Promise<void> {
  const s = await AnnotationStream.open(setup, options, opts);
  try {
    // at most one kernel chunk of samples between hand-overs, so the queued text stays small
    const step = A.SAMPLE_CAP * (setup.unitSize ?? 1);
    for await (const chunk of chunks) {
      for (let at = 0; at < chunk.length; at += step) {
        s.pushSamples(at === 0 && chunk.length <= step ? chunk : chunk.subarray(at, Math.min(chunk.length, at + step)));
        await drain(s.take(), write);
      }
    }
  } catch (e) {
    s.abandon();
    throw e;
  }
  await drain(s.finish(), write);
}

/**
 * The annotations of a capture in memory (logic samples or edges), written piece by piece.
 *
 * @example
 * import { annotateCapture, readCaptureFile } from "diskflux";
 * const chunks: (Uint8Array | string)[] = [];
 * await annotateCapture(await readCaptureFile("track.sr"), "data_rate=5000000:format=MFM:header_format=3", { json: true }, (piece) => void chunks.push(piece));
 */
export async function annotateCapture(capture: Capture, options: DecodeOptions | string, opts: AnnotationStreamOptions, write: AnnotationWriter): Promise<void> {
  if (capture.kind === "logic") {
    const data = capture.samples.subarray(0, capture.sampleCount * capture.unitSize);
    await annotateSampleChunks([data], capture, options, opts, write);
    return;
  }
  const s = await AnnotationStream.open({ sampleRate: capture.sampleRate, ...(capture.source ? { source: capture.source } : {}) }, options, opts);
  try {
    const e = capture.edges, idx = capture.index;
    for (let at = 0; at < e.length; at += EDGE_STEP) {
      const end = Math.min(e.length, at + EDGE_STEP);
      s.pushEdges(e.subarray(at, end), idx?.subarray(at, end));
      await drain(s.take(), write);
    }
  } catch (e) {
    s.abandon();
    throw e;
  }
  await drain(s.finish(), write);
}
