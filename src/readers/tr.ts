// dgesswein/mfm transitions files (.tr), spec §8. All integers little endian.
//
//   offset  size  field
//   0       8     magic EE 4D 46 4D 0D 0A 1A 00
//   8       4     version word: top byte = file type (1 transitions, 2 emulator),
//                 then major, minor, 0   (0x01020200 for transitions)
//   12      4     offset of the first track = header length
//   16      4     track header size (12)
//   20      4     cylinders
//   24      4     heads
//   28      4     transition clock, must be 200 000 000
//   32      4+L   command line (length, text, trailing NULs stripped): mfm_read's
//                 own options, which mfm_util parses as its own when it reads the file
//   ..      4+L   note (free text; mfm_util prints it)
//   ..      4     start time after index, ns
//   off-4   4     header checksum: CRC-32 poly 0x140a0445, init 0xFFFFFFFF
//                 (MSB first, no reflection, no final XOR) over [0, off-4)
//
// then track records from `off`:
//
//   int32 cyl │ int32 head │ uint32 N │ N bytes of packed deltas │ uint32 CRC
//   └──────── track header ─────────┘                              over header + deltas
//
// ending with an end record: cyl = head = -1, N = 0 and its CRC like any record
// (16 bytes: FF×8, 00×4, 33 A5 3E A5). Only its first 8 bytes are required here:
// earlier diskflux versions wrote the end record without its CRC. Packed deltas, in
// 200 MHz ticks between transitions: a byte b < 254 is a delta of b; 254 + 16-bit
// LE; 255 + 24-bit LE; a truncated final escape is dropped. A track's first
// transition lies at its first delta (ticks from the start of the track's capture).
//
// Three ways in, all checking the same things (header checksum, each track's
// CRC, geometry) with the same messages:
//   readTr(bytes)           the whole file in memory, every track checked up front
//   iterTr(bytes)           the same file, tracks checked as they are iterated
//   openTrStream(chunks)    a byte stream of any length (a Node ReadStream, a
//                           Blob's stream(), any async iterable of Uint8Array):
//                           one track record in memory at a time

import type { EdgeCapture } from "../capture.js";
import { DiskfluxError } from "../errors.js";
import { escapeName } from "../escape.js";
import { trChecksumFold, trChecksumWith, type TrChecksumKernel } from "../kernels/tr-checksum.js";
import { getTrChecksumKernel } from "../kernels/tr-checksum-load.js";
import { trDeltasInto } from "../kernels/tr-deltas.js";

export const TR_MAGIC: readonly number[] = [0xee, 0x4d, 0x46, 0x4d, 0x0d, 0x0a, 0x1a, 0x00];
/** Transition clock of every .tr file: 200 MHz (5 ns ticks). */
export const TR_CLOCK = 200_000_000;
export const TR_VERSION_TRANSITIONS = 0x01020200;
export const TR_VERSION_EMULATOR = 0x02020200;
export const TR_TRACK_HEADER_SIZE = 12;
/** Largest packed delta (24 bits). */
export const TR_MAX_DELTA = 0xffffff;

const MAX_TRACK_HEADER = 1 << 16;
/** Sanity limits on the header's geometry (the fields are 32-bit; no drive comes near these). */
export const TR_MAX_CYLINDERS = 1 << 16;
export const TR_MAX_HEADS = 256;
/** Longest header a stream reader buffers (mfm_read's command line is at most 2 KiB). */
const MAX_HEADER_BYTES = 16 << 20;
/** Longest track record a stream reader buffers (a revolution at 200 MHz is ~0.2 MB). */
const MAX_STREAM_TRACK_BYTES = 512 << 20;

export interface TrTrack {
  readonly cyl: number;
  readonly head: number;
  /**
   * Transitions at 200 MHz: edges are the running sums of the deltas. Unpacked
   * from the file on every access (a whole disk's edges would not fit in
   * memory at once); keep the result if you need it twice.
   */
  readonly capture: EdgeCapture;
  /** Packed delta bytes of the track (a view into the file, or into the track's own record when streamed). */
  readonly packed: Uint8Array;
  /** Names the track: "<file> cyl C head H" (its capture's source). */
  readonly source: string;
}

/** The file header. */
export interface TrHeader {
  /** The version word as stored (0x01020200). */
  readonly version: number;
  readonly cylinders: number;
  readonly heads: number;
  /** Transition clock in Hz (always 200 MHz). */
  readonly rate: number;
  /** The command-line field: in dgesswein's files, mfm_read's options for decoding the file. */
  readonly commandLine: string;
  readonly note: string;
  /** Start time after the index pulse, ns. */
  readonly startTimeNs: number;
  readonly trackHeaderSize: number;
  /** Offset of the first track record, which is the header's length. */
  readonly headerLength: number;
}

export interface TrFile extends TrHeader {
  /** In file order (a track may occur more than once). */
  readonly tracks: TrTrack[];
  /** Whether the file ends with the cyl = head = -1 marker (a clean end without one is accepted). */
  readonly endMarker: boolean;
  /** Things worth telling the user that do not stop the read (an unexpected version, no end marker). */
  readonly warnings: string[];
}

/** How a walk over the tracks ended. */
export interface TrEnd {
  /** Whether the end record (cyl = head = -1) was found. */
  readonly endMarker: boolean;
  /** Track records read. */
  readonly tracks: number;
}

/** A .tr file opened as a stream: the header now, the tracks one at a time. */
export interface TrStream extends TrHeader {
  /**
   * The tracks in file order, each one's CRC checked before it is yielded; only
   * the current track's record is held. Iterate once. A damaged or truncated
   * record throws (E_CORRUPT) when the iteration reaches it. The source is
   * released when the iteration ends, throws or is left (break, return()).
   */
  readonly tracks: AsyncIterableIterator<TrTrack>;
  /** Header warnings now; the missing end marker or a bad end-record CRC are added when the iteration ends. */
  readonly warnings: string[];
  /** Set when the iteration has ended (undefined before). */
  readonly end: TrEnd | undefined;
}

/** A byte stream: any (async) iterable of byte chunks, or a web ReadableStream. */
export type ByteChunks = AsyncIterable<Uint8Array> | Iterable<Uint8Array> | ReadableStream<Uint8Array>;

// ---------------------------------------------------------------- checksum

/** The Wasm checksum kernel once a stream reader has loaded it (the twin's loop until then). */
let wasmChecksum: TrChecksumKernel | undefined;
/** Records shorter than this are checked in place (copying them into Wasm memory costs more). */
const WASM_CHECKSUM_MIN = 4096;

/**
 * Loads the Wasm checksum kernel for the readers (openTrStream awaits it; readTr
 * and iterTr, synchronous, use it once loaded). Both kernels give the same bits;
 * where Wasm does not load, the TypeScript loop stays.
 */
async function loadWasmChecksum(): Promise<void> {
  if (wasmChecksum) return;
  try {
    const k = await getTrChecksumKernel("auto");
    if (k.backend === "wasm") wasmChecksum = k;
  } catch {
    // (the TypeScript loop checks as well)
  }
}

/**
 * The .tr checksum (spec §8) of bytes[start, end): CRC-32 poly 0x140a0445, init
 * 0xFFFFFFFF, MSB first (kernel: assembly/tr-checksum.ts and its twin). A reader
 * checks every track record (~60 KB each) on the thread that feeds the decode
 * workers: in Wasm, ~1.8× the TypeScript loop's speed with the copy into its memory.
 */
export function trChecksum(bytes: Uint8Array, start = 0, end = bytes.length): number {
  const k = wasmChecksum;
  if (k === undefined || end - start < WASM_CHECKSUM_MIN) return trChecksumFold(0xffffffff, bytes, start, end);
  return trChecksumWith(k, 0xffffffff, bytes, start, end);
}

// ---------------------------------------------------------------- shared checks

/** True when the bytes start with the .tr magic. */
export function isTr(bytes: Uint8Array): boolean {
  if (bytes.length < TR_MAGIC.length) return false;
  return TR_MAGIC.every((b, i) => bytes[i] === b);
}

function hex32(v: number): string {
  return "0x" + (v >>> 0).toString(16).toUpperCase().padStart(8, "0");
}

interface Ctx {
  readonly src: string;
  readonly name: string;
  readonly corrupt: (msg: string) => DiskfluxError;
  readonly warnings: string[];
}

function context(source: string): Ctx {
  const name = escapeName(source);
  return { src: source, name, corrupt: (msg) => new DiskfluxError("E_CORRUPT", `${name}: ${msg}`), warnings: [] };
}

function notTr(c: Ctx): DiskfluxError {
  return new DiskfluxError("E_FORMAT", `${c.name}: no .tr magic (EE 4D 46 4D 0D 0A 1A 00), so not a dgesswein/mfm transitions file`);
}

/** The first 16 bytes: magic, version (type), first-track offset. `length` = bytes known to exist. */
function parsePrefix(c: Ctx, bytes: Uint8Array, length: number): { version: number; off: number } {
  if (!isTr(bytes)) throw notTr(c);
  if (length < 16) throw c.corrupt(`the file ends inside its header (${length} bytes); it is truncated`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = view.getUint32(8, true);
  const type = version >>> 24;
  if (type === 2) {
    throw new DiskfluxError("E_FORMAT", `${c.name}: emulator files are not transitions (.tr type 2, version ${hex32(version)}); diskflux reads transitions files (type 1) written by mfm_read --transitions_file`);
  }
  if (type !== 1) throw new DiskfluxError("E_FORMAT", `${c.name}: unknown .tr file type ${type} (version word ${hex32(version)}); expected 1, a transitions file`);
  if (version !== TR_VERSION_TRANSITIONS) c.warnings.push(`${c.name}: version word ${hex32(version)}, expected ${hex32(TR_VERSION_TRANSITIONS)}; read as a transitions file anyway`);
  return { version, off: view.getUint32(12, true) };
}

function checkOffset(c: Ctx, off: number, length: number | undefined): void {
  if (length !== undefined && off > length) throw c.corrupt(`the header claims ${off} bytes but the file has ${length}; it is truncated`);
  if (off < 48) throw c.corrupt(`first-track offset ${off} is shorter than a .tr header; the file is damaged`);
  if (off > MAX_HEADER_BYTES) throw c.corrupt(`first-track offset ${off} is longer than any .tr header; the file is damaged`);
}

/** The whole header, bytes[0, off) present. */
function parseHeader(c: Ctx, bytes: Uint8Array, version: number, off: number): TrHeader {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const u32 = (at: number) => view.getUint32(at, true);
  const headerEnd = off - 4;
  let at = 16;
  const need = (n: number, what: string) => {
    if (at + n > headerEnd) throw c.corrupt(`${what} runs past the end of the ${off}-byte header; the file is damaged`);
  };
  const word = (what: string) => {
    need(4, what);
    const v = u32(at);
    at += 4;
    return v;
  };
  const text = (what: string) => {
    const len = word(`${what} length`);
    need(len, what);
    let end = at + len;
    while (end > at && bytes[end - 1] === 0) end--;
    const s = new TextDecoder("utf-8").decode(bytes.subarray(at, end));
    at += len;
    return s;
  };
  const trackHeaderSize = word("track header size");
  const cylinders = word("cylinder count");
  const heads = word("head count");
  const rate = word("transition clock");
  const commandLine = text("command line");
  const note = text("note");
  const startTimeNs = word("start time");

  const stored = u32(headerEnd);
  const computed = trChecksum(bytes, 0, headerEnd);
  if (stored !== computed) {
    throw c.corrupt(`header checksum ${hex32(stored)} does not match the header (${hex32(computed)}); the file is damaged`);
  }
  if (rate !== TR_CLOCK) {
    throw new DiskfluxError("E_FORMAT", `${c.name}: transition clock ${rate} Hz; transitions files are always 200 MHz (${TR_CLOCK})`);
  }
  if (trackHeaderSize < TR_TRACK_HEADER_SIZE || trackHeaderSize > MAX_TRACK_HEADER) {
    throw c.corrupt(`track header size ${trackHeaderSize} (expected ${TR_TRACK_HEADER_SIZE}); the file is damaged`);
  }
  if (cylinders > TR_MAX_CYLINDERS || heads > TR_MAX_HEADS) {
    throw c.corrupt(`${cylinders} cylinders x ${heads} heads is not a disk geometry; the file is damaged`);
  }
  return { version, cylinders, heads, rate, commandLine, note, startTimeNs, trackHeaderSize, headerLength: off };
}

/** What to say when the bytes run out inside record k (cyl/head known once 8 bytes are there). */
function truncated(c: Ctx, k: number, where?: string, n?: number): DiskfluxError {
  if (n !== undefined) return c.corrupt(`${where} needs ${n} bytes of transitions and a CRC but the file ends first; it is truncated`);
  return c.corrupt(`the file ends inside the header of ${where ?? `track record ${k}`}; it is truncated`);
}

/**
 * Checks one complete track record rec[0, trackHeaderSize + n + 4) (geometry,
 * CRC) and returns its track. `packed` views rec.
 */
function checkRecord(c: Ctx, h: TrHeader, k: number, rec: Uint8Array, cyl: number, head: number, n: number): TrTrack {
  const where = `track record ${k} (cyl ${cyl} head ${head})`;
  if (cyl < 0 || cyl >= h.cylinders || head < 0 || head >= h.heads) {
    throw c.corrupt(`${where} lies outside the ${h.cylinders} x ${h.heads} geometry of the header; the file is damaged`);
  }
  const dataEnd = h.trackHeaderSize + n;
  const crcStored = new DataView(rec.buffer, rec.byteOffset, rec.byteLength).getUint32(dataEnd, true);
  const crc = trChecksum(rec, 0, dataEnd);
  if (crcStored !== crc) {
    throw c.corrupt(`${where}: CRC ${hex32(crcStored)} does not match its data (${hex32(crc)}); the file is damaged`);
  }
  return lazyTrack(cyl, head, rec.subarray(h.trackHeaderSize, dataEnd), `${c.src} cyl ${cyl} head ${head}`);
}

/** The end record's optional CRC (bytes 12..16 of the record, when all there). */
function checkEnd(c: Ctx, rest: Uint8Array): void {
  if (rest.length < 16) return; // 8 or 12 bytes: earlier diskflux versions wrote no CRC
  const stored = new DataView(rest.buffer, rest.byteOffset, 16).getUint32(12, true);
  const crc = trChecksum(rest, 0, 12);
  if (stored !== crc) c.warnings.push(`${c.name}: the end record's CRC ${hex32(stored)} does not match it (${hex32(crc)}); the tracks before it are fine`);
}

function noEndWarning(c: Ctx, tracks: number): string {
  return `${c.name}: no end marker after track record ${tracks - 1}; the file may have been cut short`;
}

// ---------------------------------------------------------------- in memory

/**
 * Reads a transitions file. Every track's CRC and the header checksum are verified.
 *
 * @example
 * import { decode, readTr } from "diskflux";
 * import { readFile } from "node:fs/promises";
 * const tr = readTr(await readFile("st225.tr"), "st225.tr");
 * console.log(tr.cylinders, tr.heads, tr.commandLine); // mfm_read's options for the drive
 * for (const t of tr.tracks) console.log(t.cyl, t.head, (await decode(t.capture, "data_rate=5000000:format=MFM")).stats.CRC_OK);
 */
export function readTr(bytes: Uint8Array, source = "capture.tr"): TrFile {
  const it = iterTr(bytes, source);
  const tracks: TrTrack[] = [];
  for (;;) {
    const r = it.tracks.next();
    if (r.done) return { ...it.header, tracks, endMarker: r.value.endMarker, warnings: it.warnings };
    tracks.push(r.value);
  }
}

/**
 * Opens an in-memory transitions file: the header is read and checked now, the
 * tracks as the iterator reaches them (so a damaged track record throws then).
 *
 * @example
 * import { iterTr } from "diskflux";
 * import { readFile } from "node:fs/promises";
 * const { header, tracks } = iterTr(await readFile("st225.tr"), "st225.tr");
 * for (const t of tracks) console.log(header.cylinders, t.cyl, t.head, t.packed.length);
 */
export function iterTr(bytes: Uint8Array, source = "capture.tr"): { header: TrHeader; warnings: string[]; tracks: Generator<TrTrack, TrEnd, void> } {
  const c = context(source);
  const { version, off } = parsePrefix(c, bytes, bytes.length);
  checkOffset(c, off, bytes.length);
  const header = parseHeader(c, bytes, version, off);
  return { header, warnings: c.warnings, tracks: memoryTracks(c, header, bytes) };
}

function* memoryTracks(c: Ctx, h: TrHeader, bytes: Uint8Array): Generator<TrTrack, TrEnd, void> {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let k = 0;
  let pos = h.headerLength;
  while (pos < bytes.length) {
    if (pos + 8 > bytes.length) throw truncated(c, k);
    const cyl = view.getInt32(pos, true);
    const head = view.getInt32(pos + 4, true);
    if (cyl === -1 && head === -1) {
      checkEnd(c, bytes.subarray(pos, Math.min(bytes.length, pos + 16)));
      return { endMarker: true, tracks: k };
    }
    const where = `track record ${k} (cyl ${cyl} head ${head})`;
    if (pos + h.trackHeaderSize > bytes.length) throw truncated(c, k, where);
    const n = view.getUint32(pos + 8, true);
    const end = pos + h.trackHeaderSize + n + 4;
    if (end > bytes.length) throw truncated(c, k, where, n);
    yield checkRecord(c, h, k, bytes.subarray(pos, end), cyl, head, n);
    k++;
    pos = end;
  }
  c.warnings.push(noEndWarning(c, k));
  return { endMarker: false, tracks: k };
}

// ---------------------------------------------------------------- streamed

/** Pulls byte chunks and hands out exact-length pieces, holding only what is not yet taken. */
class ChunkQueue {
  private chunks: Uint8Array[] = [];
  private first = 0; // offset into chunks[0]
  private held = 0;
  private done = false;
  private readonly it: AsyncIterator<Uint8Array> | Iterator<Uint8Array>;

  constructor(source: ByteChunks) {
    if (typeof (source as ReadableStream<Uint8Array>).getReader === "function") {
      const reader = (source as ReadableStream<Uint8Array>).getReader();
      this.it = { next: () => reader.read().then((r) => (r.done ? { done: true, value: undefined } : { done: false, value: r.value })), return: async () => { await reader.cancel(); return { done: true, value: undefined }; } };
    } else if (Symbol.asyncIterator in (source as object)) {
      this.it = (source as AsyncIterable<Uint8Array>)[Symbol.asyncIterator]();
    } else {
      this.it = (source as Iterable<Uint8Array>)[Symbol.iterator]();
    }
  }

  /** Bytes available now. */
  get available(): number {
    return this.held;
  }

  /** Pulls until n bytes are held or the stream ends; false when it ended first. */
  async fill(n: number): Promise<boolean> {
    while (this.held < n && !this.done) {
      const r = await this.it.next();
      if (r.done) {
        this.done = true;
        break;
      }
      const chunk = r.value;
      if (!(chunk instanceof Uint8Array)) throw new DiskfluxError("E_ARGUMENT", "openTrStream: the stream gave a chunk that is not a Uint8Array");
      if (chunk.length === 0) continue;
      // a plain Uint8Array view (a Node Buffer's slice() is a view, not a copy: a track handed out must copy as a Uint8Array does)
      this.chunks.push(Object.getPrototypeOf(chunk) === Uint8Array.prototype ? chunk : new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
      this.held += chunk.length;
    }
    return this.held >= n;
  }

  /** The next n ≤ available bytes without taking them (a view while they lie in one chunk). */
  peek(n: number): Uint8Array {
    return this.copy(n, false);
  }

  /**
   * The next n ≤ available bytes, taken: the queue no longer references them. A
   * view of the chunk while they lie in one (a whole drive's track records are
   * not copied once more each; decodeMany copies a view it posts to a worker),
   * else a fresh array.
   */
  take(n: number): Uint8Array {
    return this.copy(n, true);
  }

  private copy(n: number, consume: boolean): Uint8Array {
    const c0 = this.chunks[0];
    if (c0 && c0.length - this.first >= n) {
      const view = c0.subarray(this.first, this.first + n);
      if (consume) {
        this.first += n;
        this.held -= n;
        if (this.first === c0.length) {
          this.chunks.shift();
          this.first = 0;
        }
      }
      return view;
    }
    const out = new Uint8Array(n);
    let o = 0;
    let i = 0;
    let at = this.first;
    while (o < n) {
      const c = this.chunks[i];
      const k = Math.min(n - o, c.length - at);
      out.set(c.subarray(at, at + k), o);
      o += k;
      at += k;
      if (at === c.length) {
        i++;
        at = 0;
      }
    }
    if (consume) {
      this.chunks.splice(0, i);
      this.first = at;
      this.held -= n;
    }
    return out;
  }

  /** Stops the source (after an error, or when the reader is abandoned). */
  async close(): Promise<void> {
    if (this.done) return;
    this.done = true;
    this.chunks = [];
    this.held = 0;
    try {
      await this.it.return?.();
    } catch {
      // a source that fails to close has nothing more to tell
    }
  }
}

/**
 * Opens a transitions file given as a byte stream of any length (e.g.
 * `fs.createReadStream(path)` in Node, `file.stream()` in a browser). The header
 * is read and checked now; the tracks come one at a time from `tracks`, each
 * record read, CRC-checked and handed out before the next is read, so memory
 * holds one track record whatever the file's size.
 *
 * @example
 * import { decodeMany, openTrStream } from "diskflux";
 * import { createReadStream } from "node:fs";
 * const tr = await openTrStream(createReadStream("st225.tr"), "st225.tr");
 * // a whole drive in bounded memory, decoded by a pool of workers in track order
 * for await (const r of decodeMany(tr.tracks, "data_rate=5000000:format=MFM")) console.log(r.cyl, r.head, r.ok && r.result.stats.CRC_OK);
 */
export async function openTrStream(chunks: ByteChunks, source = "capture.tr"): Promise<TrStream> {
  const c = context(source);
  const q = new ChunkQueue(chunks);
  try {
    await Promise.all([q.fill(16), loadWasmChecksum()]);
    const prefix = q.peek(Math.min(16, q.available));
    const { version, off } = parsePrefix(c, prefix, prefix.length);
    // Read up to the header's end (or just past the longest header there can be),
    // so a file shorter than its claimed header is called truncated, as readTr does.
    const whole = await q.fill(Math.min(off, MAX_HEADER_BYTES + 1));
    checkOffset(c, off, whole ? undefined : q.available);
    const header = parseHeader(c, q.take(off), version, off);
    let end: TrEnd | undefined;
    const gen = streamTracks(c, header, q, (e) => (end = e));
    return {
      ...header,
      tracks: gen,
      warnings: c.warnings,
      get end() {
        return end;
      },
    };
  } catch (e) {
    await q.close();
    throw e;
  }
}

async function* streamTracks(c: Ctx, h: TrHeader, q: ChunkQueue, done: (e: TrEnd) => void): AsyncGenerator<TrTrack, TrEnd, void> {
  let k = 0;
  try {
    for (;;) {
      if (!(await q.fill(1))) break;
      if (!(await q.fill(8))) throw truncated(c, k);
      const first = q.peek(8);
      const v8 = new DataView(first.buffer, first.byteOffset, 8);
      const cyl = v8.getInt32(0, true);
      const head = v8.getInt32(4, true);
      if (cyl === -1 && head === -1) {
        await q.fill(16);
        checkEnd(c, q.take(Math.min(16, q.available)));
        const e = { endMarker: true, tracks: k };
        done(e);
        return e;
      }
      const where = `track record ${k} (cyl ${cyl} head ${head})`;
      if (!(await q.fill(h.trackHeaderSize))) throw truncated(c, k, where);
      const th = q.peek(12);
      const n = new DataView(th.buffer, th.byteOffset, 12).getUint32(8, true);
      const size = h.trackHeaderSize + n + 4;
      // As for the header: a file that ends first is truncated, as readTr says.
      if (!(await q.fill(Math.min(size, h.trackHeaderSize + MAX_STREAM_TRACK_BYTES + 5)))) throw truncated(c, k, where, n);
      if (n > MAX_STREAM_TRACK_BYTES) {
        throw c.corrupt(`${where} claims ${n} bytes of transitions, more than a track holds (${MAX_STREAM_TRACK_BYTES} at most); the file is damaged`);
      }
      yield checkRecord(c, h, k, q.take(size), cyl, head, n);
      k++;
    }
    c.warnings.push(noEndWarning(c, k));
    const e = { endMarker: false, tracks: k };
    done(e);
    return e;
  } finally {
    await q.close();
  }
}

function lazyTrack(cyl: number, head: number, packed: Uint8Array, source: string): TrTrack {
  return {
    cyl,
    head,
    packed,
    source,
    get capture(): EdgeCapture {
      return trCapture(packed, source);
    },
  };
}

/**
 * A track's packed deltas (TrTrack.packed) as its EdgeCapture at 200 MHz: what
 * TrTrack.capture gives. decodeMany sends a .tr track's packed bytes (1 byte a
 * transition, against 8 for an edge) and unpacks them here in the worker.
 */
export function trCapture(packed: Uint8Array, source: string): EdgeCapture {
  const edges = unpackDeltas(packed);
  return { kind: "edges", sampleRate: TR_CLOCK, edges, sampleCount: edges.length ? edges[edges.length - 1] + 1 : 0, source };
}

/**
 * Packed deltas -> transition times (running sums). A zero delta would repeat
 * the previous transition; it is merged into it (edges stay strictly increasing).
 *
 * One pass into an array sized for one transition a byte (the usual case: at
 * 200 MHz every MFM/RLL interval below 1.27 µs is one byte), shrunk by a copy
 * only when long deltas or zeros made it shorter: the two-pass count-then-fill
 * took ~3× as long (a .tr drive's tracks: ~60 k transitions each).
 */
export function unpackDeltas(packed: Uint8Array): Float64Array {
  const out = new Float64Array(packed.length);
  const k = unpackDeltasInto(packed, out);
  return k === out.length ? out : out.slice(0, k);
}

/**
 * unpackDeltas into `out` (at least packed.length long); returns the number of
 * transitions written. For a caller that unpacks track after track into one
 * buffer of its own (decodeMany's threads: no 0.5 MB allocation a track for the
 * garbage collector to chase).
 */
export function unpackDeltasInto(packed: Uint8Array, out: Float64Array): number {
  const n = packed.length;
  if (out.length < n) throw new DiskfluxError("E_ARGUMENT", `unpackDeltasInto: the output holds ${out.length} transitions, the track may have ${n}`);
  // (the kernel twin's loop: one byte a transition at most, so n edges never stop it early)
  return trDeltasInto(packed, n, out, n, 0, BYTES_READ, 0);
}

/** Where trDeltasInto says how far it read (the reader always reads a whole track). */
const BYTES_READ = new Int32Array(1);
