// dgesswein/mfm transitions file (.tr) writer; the layout is in src/readers/tr.ts (spec §8).
//
// What dgesswein's own tools (mfm_util, mfm_read) expect, and so what is written:
// - the end record is a track record like the others: cyl = head = -1, N = 0,
//   then the CRC-32 of those 12 bytes (mfm_util reads that CRC and stops with
//   "Failed to read word from transition file" when it is missing);
// - the command-line field holds mfm_read options, which mfm_util parses as its
//   own when it opens the file. diskflux writes only what is true of every file
//   it writes, in mfm_read's syntax and order: `--heads H --cylinders C` (the
//   header's geometry; mfm_read always stores this pair too). Its own
//   description goes in the note field, which mfm_util only prints.
//
// writeTr() builds a whole file in memory; writeTrStream() (with trHeader,
// trRecord and TR_END_RECORD under it) writes one track record at a time to a
// sink, for drives of any size.
//
// Every capture is brought to the file's 200 MHz clock: a transition at sample
// t of a capture sampled at Fs lies at tick round(t · 200e6 / Fs). 200 MHz
// captures keep their sample numbers; 100 MHz ones double exactly; others
// (15 MHz: 13⅓ ticks per sample) round to the nearest 5 ns. Transitions that
// round onto the previous one are merged (a .tr delta is at least 1).
//
// Logic captures are reduced to their leading edges first (logicToEdges, the
// decoder's own rule), so the data channel and `leading_edge` matter; the
// index channel is not stored (a .tr has none).

import { concatBytes } from "../bytesink.js";
import { logicToEdges, type Capture, type EdgeChannels } from "../capture.js";
import { DiskfluxError } from "../errors.js";
import {
  TR_CLOCK, TR_MAGIC, TR_MAX_CYLINDERS, TR_MAX_DELTA, TR_MAX_HEADS, TR_TRACK_HEADER_SIZE, TR_VERSION_TRANSITIONS, trChecksum,
} from "../readers/tr.js";

export interface TrWriteTrack {
  readonly cyl: number;
  readonly head: number;
  readonly capture: Capture;
}

export interface TrWriteOptions {
  /** Header geometry; default: highest cylinder / head written + 1. */
  readonly cylinders?: number;
  readonly heads?: number;
  /**
   * The header's command-line field. mfm_util parses it as its own options when
   * it reads the file, so it must hold mfm_read options that are true for the
   * file (e.g. `--format WD_1006 --sectors 17,0 --heads 4 --cylinders 615`), or
   * be empty. Default: `--heads H --cylinders C`, the header's geometry.
   * Describe the file in `note`.
   */
  readonly commandLine?: string;
  /** Free text for people: what made the file (mfm_util prints it as "Note:"). */
  readonly note?: string;
  /** Start time after index, ns (default 0). */
  readonly startTimeNs?: number;
  /** How logic captures become transitions (data channel, leading edge). */
  readonly channels?: EdgeChannels;
}

/** Transition times of a capture in 200 MHz ticks (strictly increasing, ≥ 1). */
export function toTrTicks(capture: Capture, channels?: EdgeChannels): Float64Array {
  const ec = capture.kind === "edges" ? capture : logicToEdges(capture, channels);
  const rate = ec.sampleRate;
  if (!(rate > 0) || !Number.isFinite(rate)) {
    throw new DiskfluxError("E_ARGUMENT", `${capture.source ?? "capture"}: no valid sample rate, so its transitions cannot be put on the 200 MHz .tr clock`);
  }
  const src = ec.edges;
  const out = new Float64Array(src.length);
  let k = 0;
  let prev = 0;
  const same = rate === TR_CLOCK;
  for (let i = 0; i < src.length; i++) {
    const t = same ? Math.round(src[i]) : Math.round((src[i] * TR_CLOCK) / rate);
    if (t <= prev) continue;
    out[k++] = t;
    prev = t;
  }
  return k === out.length ? out : out.slice(0, k);
}

/** Packs transition ticks as .tr deltas. */
export function packDeltas(ticks: Float64Array, where = "track"): Uint8Array {
  const out = new Uint8Array(ticks.length * 4);
  let o = 0;
  let prev = 0;
  for (let i = 0; i < ticks.length; i++) {
    const d = ticks[i] - prev;
    prev = ticks[i];
    if (!(d >= 1) || !Number.isInteger(d)) throw new DiskfluxError("E_ARGUMENT", `${where}: transition ${i} at tick ${ticks[i]} is not after the previous one`);
    if (d < 254) {
      out[o++] = d;
    } else if (d <= 0xffff) {
      out[o++] = 254;
      out[o++] = d & 0xff;
      out[o++] = d >>> 8;
    } else if (d <= TR_MAX_DELTA) {
      out[o++] = 255;
      out[o++] = d & 0xff;
      out[o++] = (d >>> 8) & 0xff;
      out[o++] = d >>> 16;
    } else {
      throw new DiskfluxError(
        "E_LIMIT",
        `${where}: ${d} ticks (${(d / TR_CLOCK) * 1e3} ms) between transition ${i} and the one before it; a .tr delta holds at most ${TR_MAX_DELTA} ticks (83.9 ms)`,
      );
    }
  }
  return out.subarray(0, o);
}

function checkCount(name: string, v: number, max: number): void {
  if (!Number.isInteger(v) || v < 1 || v > max) throw new DiskfluxError("E_ARGUMENT", `${name} must be an integer in 1..${max}, got ${v}`);
}

/** The command-line field diskflux writes by default: the geometry, as mfm_read spells it. */
export function trGeometryOptions(cylinders: number, heads: number): string {
  return `--heads ${heads} --cylinders ${cylinders}`;
}

const le32 = (out: Uint8Array, at: number, v: number) => new DataView(out.buffer, out.byteOffset, out.byteLength).setUint32(at, v >>> 0, true);

/** Options of a streamed file: the geometry must be known before the first track. */
export interface TrStreamOptions extends TrWriteOptions {
  readonly cylinders: number;
  readonly heads: number;
}

/** The file header: magic, version, offsets, geometry, the two texts, start time and checksum. */
export function trHeader(opts: TrStreamOptions): Uint8Array {
  const { cylinders, heads } = opts;
  checkCount("cylinders", cylinders, TR_MAX_CYLINDERS);
  checkCount("heads", heads, TR_MAX_HEADS);
  const enc = new TextEncoder();
  const text = (s: string) => {
    const b = enc.encode(s);
    const z = new Uint8Array(b.length + 1); // NUL-terminated, length counting the NUL, as mfm_read writes it
    z.set(b);
    return z;
  };
  const cmd = text(opts.commandLine ?? trGeometryOptions(cylinders, heads));
  const note = text(opts.note ?? "");
  // magic, then 10 words (version, offset, track header size, cylinders, heads,
  // clock, command-line length, note length, start time, checksum) and the texts
  const length = TR_MAGIC.length + 4 * 10 + cmd.length + note.length;
  const out = new Uint8Array(length);
  out.set(TR_MAGIC);
  let at = TR_MAGIC.length;
  const word = (v: number) => {
    le32(out, at, v);
    at += 4;
  };
  word(TR_VERSION_TRANSITIONS);
  word(length);
  word(TR_TRACK_HEADER_SIZE);
  word(cylinders);
  word(heads);
  word(TR_CLOCK);
  word(cmd.length);
  out.set(cmd, at);
  at += cmd.length;
  word(note.length);
  out.set(note, at);
  at += note.length;
  word(opts.startTimeNs ?? 0);
  word(trChecksum(out, 0, at));
  return out;
}

function checkTrack(t: { cyl: number; head: number }, cylinders: number, heads: number): void {
  if (!Number.isInteger(t.cyl) || !Number.isInteger(t.head) || t.cyl < 0 || t.head < 0 || t.cyl >= cylinders || t.head >= heads) {
    throw new DiskfluxError("E_ARGUMENT", `track cyl ${t.cyl} head ${t.head} lies outside the ${cylinders} x ${heads} geometry`);
  }
}

/** One track record: cyl, head, N, N bytes of packed deltas, CRC-32 of all that. */
export function trRecord(track: TrWriteTrack, geometry: { readonly cylinders: number; readonly heads: number }, channels?: EdgeChannels): Uint8Array {
  checkTrack(track, geometry.cylinders, geometry.heads);
  const capture = track.capture; // may be a getter that unpacks a track: read it once
  const packed = packDeltas(toTrTicks(capture, channels), `${capture.source ?? "capture"} (cyl ${track.cyl} head ${track.head})`);
  const n = packed.length;
  const out = new Uint8Array(TR_TRACK_HEADER_SIZE + n + 4);
  const v = new DataView(out.buffer);
  v.setInt32(0, track.cyl, true);
  v.setInt32(4, track.head, true);
  v.setUint32(8, n, true);
  out.set(packed, TR_TRACK_HEADER_SIZE);
  v.setUint32(TR_TRACK_HEADER_SIZE + n, trChecksum(out, 0, TR_TRACK_HEADER_SIZE + n), true);
  return out;
}

/**
 * The end record: cyl = head = -1, N = 0 and the CRC-32 of those 12 bytes, like
 * any track record (16 bytes, ending 33 A5 3E A5). A fresh copy on each access.
 */
export function trEndRecord(): Uint8Array {
  const out = new Uint8Array(16);
  const v = new DataView(out.buffer);
  v.setInt32(0, -1, true);
  v.setInt32(4, -1, true);
  v.setUint32(8, 0, true);
  v.setUint32(12, trChecksum(out, 0, 12), true);
  return out;
}

/**
 * Writes tracks as a transitions file: header with checksum, one CRC'd record per track, the end record with its CRC.
 *
 * @example
 * import { synthTrack, writeTr } from "diskflux";
 * import { writeFile } from "node:fs/promises";
 * const tracks = [0, 1].flatMap((cyl) => [0, 1, 2, 3].map((head) => ({ cyl, head, capture: synthTrack({ format: "MFM", cyl, head }).edges })));
 * const bytes = writeTr(tracks, { note: "synthetic tracks from diskflux" }); // header: --heads 4 --cylinders 2
 * await writeFile("synth.tr", bytes); // mfm_util --transitions_file synth.tr …
 */
export function writeTr(tracks: readonly TrWriteTrack[], opts: TrWriteOptions = {}): Uint8Array {
  const geometry = trGeometry(tracks, opts);
  const header = trHeader({ ...opts, ...geometry });
  for (const t of tracks) checkTrack(t, geometry.cylinders, geometry.heads);
  return concatBytes([header, ...tracks.map((t) => trRecord(t, geometry, opts.channels)), trEndRecord()]);
}

/**
 * The geometry writeTr gives a file: the options' cylinders and heads, else the
 * highest cylinder / head of the tracks + 1 (for writeTrStream, which needs it
 * up front: `diskflux convert` streams a whole drive with it).
 */
export function trGeometry(tracks: readonly { readonly cyl: number; readonly head: number }[], opts: TrWriteOptions = {}): { cylinders: number; heads: number } {
  let maxCyl = 0;
  let maxHead = 0;
  for (const t of tracks) {
    maxCyl = Math.max(maxCyl, t.cyl);
    maxHead = Math.max(maxHead, t.head);
  }
  return { cylinders: opts.cylinders ?? maxCyl + 1, heads: opts.heads ?? maxHead + 1 };
}

/**
 * Writes a transitions file to a sink one track at a time: the header, then each
 * track's record as the (async) iterable yields it, then the end record. Only
 * one track is held at once, so a drive of any size streams through; the
 * geometry must be given up front (the header comes first). The sink's promise,
 * if it returns one, is awaited before the next track is made.
 *
 * @example
 * import { synthTrack, writeTrStream } from "diskflux";
 * import { open } from "node:fs/promises";
 * function* tracks() { for (let cyl = 0; cyl < 615; cyl++) for (let head = 0; head < 4; head++) yield { cyl, head, capture: synthTrack({ format: "MFM_WD", cyl, head }).edges }; }
 * const file = await open("st225.tr", "w");
 * const written = await writeTrStream(tracks(), async (chunk) => { await file.write(chunk); }, { cylinders: 615, heads: 4 });
 * await file.close(); // written: { tracks: 2460, bytes: … }
 */
export async function writeTrStream(
  tracks: Iterable<TrWriteTrack> | AsyncIterable<TrWriteTrack>,
  sink: (chunk: Uint8Array) => void | Promise<void>,
  opts: TrStreamOptions,
): Promise<{ readonly tracks: number; readonly bytes: number }> {
  const geometry = { cylinders: opts.cylinders, heads: opts.heads };
  const header = trHeader(opts);
  await sink(header);
  let bytes = header.length;
  let count = 0;
  for await (const t of tracks) {
    const r = trRecord(t, geometry, opts.channels);
    await sink(r);
    bytes += r.length;
    count++;
  }
  const end = trEndRecord();
  await sink(end);
  return { tracks: count, bytes: bytes + end.length };
}
