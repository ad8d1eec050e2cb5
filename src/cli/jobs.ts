// `--jobs N` for the commands that decode many captures (decode, image): the
// files' captures as decodeMany inputs, read as the pool takes them, and their
// results handed back in input order.
//
//   files ──▶ fileJobs ──▶ runJobs ──▶ decodeMany (main thread + N − 1 workers) ──▶ emit(job, result), in order
//   files ──▶ fileJobs ──▶ runAnnotateJobs ──▶ annotateMany ──▶ each capture's -A text to stdout, in order
//
// - .sr/.dsl/.csv: the file's bytes are read when the pool takes it and parsed
//   (inflated) in the worker that decodes it (FileInput).
// - .tr: streamed track by track (openTrStream over a file stream): one record
//   in memory per track in flight; its packed transitions go to the worker.
// - flux files, VCD, directories: read here (they may hold many tracks).
// - a huge .sr/.dsl (more sample bytes than the decode command streams) is
//   decoded on this thread by the caller's `local` function, in its place.
//
// A file that cannot be read or decoded prints its one-line error on stderr in
// its place, the others still decode, and the exit status is 1. Ctrl-C aborts
// decodeMany (every worker is terminated) and exits with 130. --jobs 1 decodes
// on this thread alone, with no worker: the same inputs, the same order, the
// same output.
//
// -A (runAnnotateJobs): each worker decodes its capture and makes its annotation
// text (or JSON lines) itself, in pieces of whole lines (text pieces are bytes,
// moved back, not copied); this thread writes each capture's pieces in input
// order as it comes (the first capture's text while it is made), waiting for
// 'drain' when stdout is full, which holds the pool back: a worker sends at most
// 4 MiB of a capture's text ahead of what was written, and the calling thread
// takes no capture while 16 MiB of text wait (src/pool/core.ts). --jobs 1, or a
// single capture, makes the annotations on this thread and writes them as they
// are made (nothing held: annotate-out.ts's path), and so does a huge session
// (`write` jobs, streamed in its place); Ctrl-C then ends the process as it did
// before pools (no handler while such a job writes).
import { availableParallelism } from "node:os";
import { DiskfluxError } from "../errors.js";
import { oneLine, quoteArg } from "../escape.js";
import type { DecodeRequest, DecodeResult, ChannelMap } from "../types.js";
import type { AnyCaptureOptions } from "../readers/index.js";
import type { AnnotateWork, PoolItem, TextPiece } from "../pool/core.js";
import { baseName, reportTracks } from "./run.js";

type Out = NodeJS.WritableStream;

/** One capture to decode, in output order. */
export interface CliJob {
  /** What output calls it (table header, --json "capture"). */
  readonly name: string;
  /** Base file name and track: the image map's source. */
  readonly source: string;
  readonly cyl?: number;
  readonly head?: number;
  /** The cylinders and heads a .tr file's header gives its drive (a track of a .tr). */
  readonly drive?: { readonly cylinders: number; readonly heads: number };
  /** Its decoder options. */
  readonly options?: string;
  /** Decoded by the pool; */
  readonly item?: PoolItem;
  /** or on this thread, in its place (a huge session, streamed); */
  readonly local?: () => Promise<DecodeResult>;
  /** or (-A) its output written on this thread by this function, in its place (a huge session's annotations, streamed); */
  readonly write?: () => Promise<void>;
  /** or an error to print in its place. */
  readonly error?: unknown;
}

/**
 * The most threads --jobs starts: 4 for each available core, at least 8. More
 * only add memory: a worker holds ~13 MB (measured: --jobs 64 on 2 cores, 63
 * workers, 826 MiB), and --jobs 1024 would ask for ~13 GB.
 */
export function maxJobs(): number {
  return Math.min(1024, Math.max(8, 4 * availableParallelism()));
}

/** --jobs: a whole number ≥ 1, at most maxJobs() (a larger one is lowered, with a note on `err`); default the available cores. */
export function jobsArg(text: string | undefined, err?: Out): number {
  if (text === undefined) return Math.max(1, availableParallelism());
  const v = /^\s*\d+\s*$/.test(text) ? Number(text) : NaN;
  if (!(v >= 1 && v <= 1024)) throw new DiskfluxError("E_USAGE", `--jobs must be a whole number from 1 to 1024, not ${quoteArg(text)}`);
  const most = maxJobs();
  if (v <= most) return v;
  err?.write(`diskflux: --jobs ${v}: using ${most} (4 threads for each of the ${availableParallelism()} available cores; more would only add memory)\n`);
  return most;
}

export interface FileJobOptions {
  readonly options: string;
  readonly read: AnyCaptureOptions;
  readonly err: Out;
  /** Names tracks "<file> [cyl C head H]" (decode) or "<base> cyl C head H" (image). */
  readonly trackName: (file: string, cyl: number, head: number) => string;
  /** Names a single capture (decode: the path as given; image: the base name). */
  readonly singleName: (file: string) => string;
  /** A session whose samples should be decoded here, streamed (decode without -A); else undefined. */
  readonly large?: (bytes: Uint8Array, file: string) => Promise<(() => Promise<DecodeResult>) | undefined>;
  /** (-A) A session whose annotations should be written here, streamed: the function that writes them; else undefined. */
  readonly largeWrite?: (bytes: Uint8Array, file: string) => Promise<(() => Promise<void>) | undefined>;
  /** Data channel of logic captures. */
  readonly channel?: string;
  /** Counts the jobs to come as files are opened (a file of many tracks adds its tracks): the pool's expectedInputs. */
  readonly count?: JobCount;
}

/**
 * The jobs fileJobs will give, as far as known: one a file until a file of
 * several tracks is opened (a .tr's header: cylinders × heads; a flux file's
 * tracks). The pool asks it when it decides whether workers pay (src/pool/start-rule.ts).
 */
export class JobCount {
  constructor(public known: number) {}

  /** A file counted as one job gives `jobs`. */
  expand(jobs: number): void {
    this.known += Math.max(0, jobs - 1);
  }
}

/** The channel map for --channel N|NAME (a number is an index, anything else a name). */
function channelMap(channel: string | undefined): ChannelMap | undefined {
  if (channel === undefined) return undefined;
  return { data: /^\s*\d+\s*$/.test(channel) ? Number(channel) : channel };
}

/** Files up to this size are read whole at once; a bigger one (a .tr of a whole drive) is sniffed first. */
const READ_WHOLE_BYTES = 64 << 20;
/**
 * Files up to this size are read with one blocking call once their stat is in.
 * The read-ahead below moves one step a decode (a decode does not yield): an
 * asynchronous read's open, stat, read and close came one after another after
 * the decode, and 100 captures of 25 KB left the thread idle 12 % of the time
 * (profiled); a blocking read of a file this small takes tens of microseconds.
 */
const READ_AT_ONCE_BYTES = 1 << 20;

/**
 * What one stat and (for a file up to READ_WHOLE_BYTES, or a pipe or device,
 * read once: src/cli/inputs.ts) one read give of a path: a directory, the
 * file's bytes, or a big file to sniff; "unread" when either failed (the full
 * read then says why, E_FILE; a pipe's own error is kept, as it cannot be read again).
 */
type Lookup = { kind: "dir" } | { kind: "bytes"; bytes: Uint8Array; readOnce?: true } | { kind: "big" } | { kind: "unread"; error?: unknown };

async function lookUp(path: string): Promise<Lookup> {
  const { readFile } = await import("node:fs/promises");
  const { readFileSync } = await import("node:fs");
  const { inputBytes, readOnce, statOf } = await import("./inputs.js");
  try {
    const st = await statOf(path);
    if (!st) return { kind: "unread" };
    if (st.isDirectory()) return { kind: "dir" };
    // a pipe or device: read once, bounded (and kept no longer: detection, if any, has read it)
    if (readOnce(st)) return { kind: "bytes", bytes: (await inputBytes(path, { st, last: true })).bytes, readOnce: true };
    if (st.size > READ_WHOLE_BYTES) return { kind: "big" };
    const buf = st.size <= READ_AT_ONCE_BYTES ? readFileSync(path) : await readFile(path);
    return { kind: "bytes", bytes: new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength) };
  } catch (e) {
    return { kind: "unread", error: e };
  }
}

/** The first bytes of a file (format sniffing), or undefined when it cannot be read (the full read says why). */
async function head(path: string, n: number): Promise<Uint8Array | undefined> {
  const { open } = await import("node:fs/promises");
  try {
    const fh = await open(path, "r");
    try {
      const buf = new Uint8Array(n);
      const { bytesRead } = await fh.read(buf, 0, n, 0);
      return buf.subarray(0, bytesRead);
    } finally {
      await fh.close();
    }
  } catch {
    return undefined;
  }
}

/** The captures of the files, one job each, in order; nothing here throws (errors become jobs). */
export async function* fileJobs(files: readonly string[], o: FileJobOptions): AsyncGenerator<CliJob> {
  const { readFileBytes, readAnyCapture, readAnyCaptureFile, detectCaptureFormat } = await import("../readers/index.js");
  const channels = channelMap(o.channel);
  // Read-ahead: the next file is looked up and read (libuv's threads) while this one decodes.
  let next: Promise<Lookup> | undefined = files.length > 0 ? lookUp(files[0]) : undefined;
  for (let i = 0; i < files.length; i++) {
    const f = files[i];
    const base = baseName(f);
    const found = await next!;
    next = i + 1 < files.length ? lookUp(files[i + 1]) : undefined;
    try {
      if (found.kind === "dir") {
        const any = await readAnyCaptureFile(f, o.read);
        yield* captureJobs(any, f, base, o, channels);
        continue;
      }
      // (a pipe that could not be read says why here: reading it again would read what is left of it)
      if (found.kind === "unread" && found.error instanceof DiskfluxError) throw found.error;
      const { isTr } = await import("../readers/tr.js");
      const magic = found.kind === "bytes" ? found.bytes.subarray(0, 16) : await head(f, 16);
      if (magic && isTr(magic)) {
        yield* trJobs(f, base, o, found.kind === "bytes" && found.readOnce ? found.bytes : undefined);
        continue;
      }
      const bytes = found.kind === "bytes" ? found.bytes : (await readFileBytes(f, "readAnyCapture()")).bytes;
      const format = detectCaptureFormat(bytes);
      if (format === "zip" || format === "csv") {
        const local = format === "zip" ? await o.large?.(bytes, f) : undefined;
        if (local) {
          yield { name: o.singleName(f), source: base, options: o.options, local };
          continue;
        }
        const write = format === "zip" ? await o.largeWrite?.(bytes, f) : undefined;
        if (write) {
          yield { name: o.singleName(f), source: base, options: o.options, write };
          continue;
        }
        // Parsed (inflated) where it is decoded.
        yield { name: o.singleName(f), source: base, options: o.options, item: { bytes, source: base, options: o.options, read: o.read, ...(channels ? { channels } : {}) } };
        continue;
      }
      yield* captureJobs(await readAnyCapture(bytes, base, o.read), f, base, o, channels);
    } catch (e) {
      yield { name: o.singleName(f), source: base, error: e };
    }
  }
}

function* captureJobs(
  any: import("../readers/index.js").AnyCapture, f: string, base: string, o: FileJobOptions, channels: ChannelMap | undefined,
): Generator<CliJob> {
  if (any.kind === "single") {
    const c = any.capture;
    yield { name: o.singleName(f), source: base, options: o.options, item: { capture: c, source: base, options: o.options, ...(channels && c.kind === "logic" ? { channels } : {}) } };
    return;
  }
  reportTracks(any, f, o.err);
  o.count?.expand(any.tracks.length);
  for (const t of any.tracks) {
    const name = o.trackName(f, t.cyl, t.head);
    yield { name, source: o.trackName(base, t.cyl, t.head), cyl: t.cyl, head: t.head, options: o.options, item: { capture: t.capture, cyl: t.cyl, head: t.head, source: name, options: o.options } };
  }
}

/** A .tr file streamed: the header now, each track's record as the pool takes it (`bytes`: a pipe's, already read). */
async function* trJobs(f: string, base: string, o: FileJobOptions, bytes?: Uint8Array): AsyncGenerator<CliJob> {
  const { createReadStream } = await import("node:fs");
  const { openTrStream } = await import("../readers/tr.js");
  const stream = bytes ? undefined : createReadStream(f, { highWaterMark: 1 << 20 });
  const tr = await openTrStream(stream ?? [bytes!], base).catch((e: unknown) => {
    stream?.destroy();
    throw e;
  });
  const shown = tr.warnings.length;
  reportTracks({ warnings: tr.warnings }, f, o.err);
  o.count?.expand(tr.cylinders * tr.heads);
  let k = 0;
  const drive = { cylinders: tr.cylinders, heads: tr.heads };
  try {
    for await (const t of tr.tracks) {
      const name = o.trackName(f, t.cyl, t.head);
      yield { name, source: o.trackName(base, t.cyl, t.head), cyl: t.cyl, head: t.head, drive, options: o.options, item: { packed: t.packed, cyl: t.cyl, head: t.head, source: name, options: o.options } };
      k++;
    }
  } catch (e) {
    // A damaged record: the tracks before it were decoded; its error in its place.
    yield { name: `${f} [track record ${k}]`, source: base, error: e };
    return;
  }
  reportTracks({ warnings: tr.warnings.slice(shown) }, f, o.err);
}

export interface RunJobsOptions {
  readonly jobs: number;
  readonly request: DecodeRequest;
  /** Results without fields and binary streams (the consumer needs the records only). */
  readonly lean?: boolean;
  /** The captures to come, as far as known (fileJobs' count): the pool starts workers only when they pay (decodeMany's expectedInputs). */
  readonly expected?: JobCount;
  readonly err: Out;
}

/** One pool outcome, as the runner needs it. */
type Outcome<R> =
  | { readonly ok: true; readonly value: R; readonly ms: number; /** more of the same job follows */ readonly partial?: boolean }
  | { readonly ok: false; readonly error: unknown };

interface DriveOptions<J extends CliJob, R> {
  readonly err: Out;
  /** The pool over the items (decodeMany, annotateMany), results in order. */
  readonly many: (items: AsyncIterable<PoolItem>, signal: AbortSignal) => AsyncIterable<Outcome<R>>;
  /** A job that is not the pool's, run here in its place: its value to emit, or undefined (nothing to emit). */
  readonly here: (job: J) => Promise<{ value: R } | undefined>;
  /** Ctrl-C while `here` runs: the default (the process ends) instead of stopping after it. */
  readonly hereUninterruptible?: boolean;
}

/**
 * Decodes the jobs with `jobs` threads and calls emit for each result in job
 * order; an error is printed on stderr in its place. Returns the exit status:
 * 0, 1 when a capture failed, 130 after Ctrl-C (every worker stopped).
 */
export async function runJobs<J extends CliJob>(
  source: AsyncIterable<J>,
  o: RunJobsOptions,
  emit: (job: J, result: DecodeResult, ms: number) => void | Promise<void>,
): Promise<number> {
  const { decodeMany } = await import("../pool/node.js");
  return drive<J, DecodeResult>(source, {
    err: o.err,
    many: async function* (items, signal) {
      for await (const r of decodeMany(items, "", { ...o.request, jobs: o.jobs, lean: o.lean === true, signal, ...expectedOf(o.expected) })) {
        yield r.ok ? { ok: true, value: r.result, ms: r.decodeMs ?? 0 } : { ok: false, error: r.error };
      }
    },
    here: async (job) => (job.local ? { value: await job.local() } : undefined),
  }, emit);
}

/** decodeMany's expectedInputs from a job count (asked when the pool decides). */
function expectedOf(count: JobCount | undefined): { expectedInputs?: () => number } {
  return count ? { expectedInputs: () => count.known } : {};
}

/** A track for a disk image: its lean decode result (decoded on this thread), or its sector reads from a worker. */
export type ImageTrack = { readonly result: DecodeResult } | { readonly reads: import("../image/reads-pack.js").PackedTrackReads };

/**
 * runJobs for `image`: lean decodes whose workers send each track's sector
 * reads instead of its result (decodeManyImageReads), placed by `placeBy`.
 */
export async function runImageJobs<J extends CliJob>(
  source: AsyncIterable<J>,
  o: Omit<RunJobsOptions, "lean"> & { readonly placeBy: "header" | "track" },
  emit: (job: J, track: ImageTrack, ms: number) => void | Promise<void>,
): Promise<number> {
  const { decodeManyImageReads } = await import("../pool/node.js");
  return drive<J, ImageTrack>(source, {
    err: o.err,
    many: async function* (items, signal) {
      for await (const r of decodeManyImageReads(items, "", { ...o.request, jobs: o.jobs, lean: true, imageReads: o.placeBy, signal, ...expectedOf(o.expected) })) {
        if (!r.ok) yield { ok: false, error: r.error };
        else yield { ok: true, value: "reads" in r ? { reads: r.reads } : { result: r.result }, ms: r.decodeMs ?? 0 };
      }
    },
    here: async (job) => (job.local ? { value: { result: await job.local() } } : undefined),
  }, emit);
}

export interface RunAnnotateJobsOptions {
  readonly jobs: number;
  /** backend, recover (the legacy decoder's), channels. */
  readonly request: DecodeRequest;
  /** The annotation rows and format (-A, --protocol-decoder-samplenum, --json). */
  readonly annotate: AnnotateWork;
  /** --json: each object says which capture ({ capture: job name }): several captures given. */
  readonly names: boolean;
  /** As RunJobsOptions.expected. */
  readonly expected?: JobCount;
  readonly err: Out;
}

/**
 * `decode -A` over the jobs: each capture's annotation stream written to `out`
 * in job order (made in the pool's workers, or on this thread for --jobs 1 or a
 * single capture); an error is printed on stderr in its place. Returns the exit
 * status as runJobs does.
 */
export async function runAnnotateJobs(source: AsyncIterable<CliJob>, o: RunAnnotateJobsOptions, out: Out): Promise<number> {
  const { annotateMany } = await import("../pool/node.js");
  const { annotateInput } = await import("../pool/core.js");
  const { streamWriter } = await import("./annotate-out.js");
  const write = streamWriter(out);
  const named = (job: CliJob): PoolItem | undefined =>
    job.item !== undefined && o.annotate.json && o.names && typeof job.item === "object" && !("kind" in job.item)
      ? { ...job.item, jsonExtra: { capture: job.name } }
      : job.item;
  // --jobs 1, or one capture: no pool; each capture's text written as it is made
  const it = source[Symbol.asyncIterator]();
  const ahead: CliJob[] = [];
  if (o.jobs > 1) {
    for (let k = 0; k < 2; k++) {
      const r = await it.next();
      if (r.done) break;
      ahead.push(r.value);
    }
  }
  const pooled = o.jobs > 1 && ahead.length > 1;
  const jobs = (async function* (): AsyncGenerator<CliJob> {
    yield* ahead;
    for (;;) {
      const r = await it.next();
      if (r.done) return;
      yield r.value;
    }
  })();
  const inline = (async function* (): AsyncGenerator<CliJob> {
    for await (const job of jobs) {
      const item = named(job);
      if (item === undefined) yield job;
      else yield { ...job, item: undefined, write: () => annotateInput(item, job.options ?? "", o.request, o.annotate, write) };
    }
  })();
  return drive<CliJob, TextPiece[]>(pooled ? jobs : inline, {
    err: o.err,
    many: async function* (items, signal) {
      for await (const r of annotateMany(items, "", { ...o.request, jobs: pooled ? o.jobs : 1, annotate: o.annotate, signal, ...expectedOf(o.expected) })) {
        yield r.ok ? { ok: true, value: r.text, ms: r.decodeMs ?? 0, ...(r.partial ? { partial: true } : {}) } : { ok: false, error: r.error };
      }
    },
    here: async (job) => {
      if (job.write) await job.write();
      return undefined;
    },
    hereUninterruptible: true,
  }, async (_job, pieces) => {
    for (const p of pieces) {
      const wait = write(p);
      if (wait) await wait;
    }
  }, named);
}

/** Why decodeMany stopped on Ctrl-C. */
const INTERRUPTED = new Error("interrupted");

/** runJobs' loop: the pool takes jobs up to one that is not its own, which runs here in its place. */
async function drive<J extends CliJob, R>(
  source: AsyncIterable<J>,
  d: DriveOptions<J, R>,
  emit: (job: J, value: R, ms: number) => void | Promise<void>,
  itemOf: (job: J) => PoolItem | undefined = (job) => job.item,
): Promise<number> {
  const abort = new AbortController();
  // One handler for the whole run (adding and removing one around each job here was ~1 % of 100
  // small captures: Node starts and stops listening each time). While an uninterruptible job runs
  // here, Ctrl-C ends the process as it would with no handler: the signal raised again without it.
  let bare = false;
  const onInt = () => {
    process.removeListener("SIGINT", onInt);
    if (bare) process.kill(process.pid, "SIGINT");
    else abort.abort(INTERRUPTED);
  };
  process.on("SIGINT", onInt);
  let failed = 0;
  const fail = (e: unknown) => {
    failed++;
    const msg = e instanceof Error ? e.message : typeof e === "object" && e !== null && "message" in e ? String((e as { message: unknown }).message) : String(e);
    d.err.write(`diskflux: ${oneLine(msg)}\n`);
  };
  const it = source[Symbol.asyncIterator]();
  let done = false;
  try {
    while (!done) {
      // The pool takes jobs up to one that is not its own (local, or an error); that one runs here in its place.
      const queue: J[] = [];
      let stop: J | undefined;
      const items = async function* (): AsyncGenerator<PoolItem> {
        for (;;) {
          const r = await it.next();
          if (r.done) {
            done = true;
            return;
          }
          const item = r.value.item !== undefined ? itemOf(r.value) : undefined;
          if (item === undefined) {
            stop = r.value;
            return;
          }
          queue.push(r.value);
          yield item;
        }
      };
      for await (const r of d.many(items(), abort.signal)) {
        const job = r.ok && r.partial ? queue[0] : queue.shift()!;
        if (r.ok) await emit(job, r.value, r.ms);
        else fail(r.error);
      }
      const s = stop as J | undefined;
      if (s?.error !== undefined) fail(s.error);
      else if (s !== undefined) {
        const t0 = performance.now();
        let got: { value: R } | undefined;
        bare = d.hereUninterruptible === true;
        try {
          got = await d.here(s);
        } catch (e) {
          fail(e);
          continue;
        } finally {
          bare = false;
        }
        if (got !== undefined) await emit(s, got.value, performance.now() - t0);
      }
      if (abort.signal.aborted) throw INTERRUPTED;
    }
  } catch (e) {
    if (e !== INTERRUPTED) throw e;
    d.err.write("\ndiskflux: interrupted; every decode worker stopped\n");
    await it.return?.();
    return 130;
  } finally {
    process.removeListener("SIGINT", onInt);
  }
  return failed > 0 ? 1 : 0;
}
