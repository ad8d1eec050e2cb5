// KryoFlux stream files (trackNN.S.raw: one file per track, NN the cylinder,
// S the head), as the KryoFlux "Stream Protocol" document (Software
// Preservation Society, softpres.org/kryoflux:stream) and Jean Louis-Guérin's
// "KryoFlux Stream File Documentation" (rev 1.1, 2013) describe them. Written
// from those documents' facts alone.
//
// A stream is a run of blocks, told apart by their first byte:
//
//   0x00-0x07  Flux2   2 bytes   value = (header << 8) + next byte
//   0x08       Nop1    1 byte    skipped
//   0x09       Nop2    2 bytes   skipped
//   0x0A       Nop3    3 bytes   skipped
//   0x0B       Ovl16   1 byte    add 0x10000 to the next flux value
//   0x0C       Flux3   3 bytes   value = (byte1 << 8) + byte2
//   0x0D       OOB     4 + size  0x0D, type, size (16-bit LE), size bytes of data
//   0x0E-0xFF  Flux1   1 byte    value = header
//
// Every block but OOB is "in stream buffer" (ISB): the stream position is the
// count of ISB bytes before a point. A flux value is the number of sample
// clocks (sck) since the previous transition. OOB types (32-bit LE fields):
//
//   0x01 StreamInfo  stream position, transfer time (ms)           (size 8)
//   0x02 Index       stream position of the flux just after the index,
//                    sample counter at the index (sck since the previous
//                    transition), index counter (free running, ick)   (size 12)
//   0x03 StreamEnd   stream position, result (0 ok, 1 buffer, 2 no index) (size 8)
//   0x04 KFInfo      NUL-terminated ASCII "name=value, name=value" (sck=, ick=)
//   0x0D EOF         end of the stream (its size field, 0x0D0D, means nothing)
//
// Clocks: sck = ((18432000 × 73) / 14) / 2 / 2 ≈ 24027428.57 Hz and
// ick = sck / 8 unless a KFInfo block gives sck= / ick=.
//
// diskflux gives a track as one EdgeCapture in sck samples (edges at the running
// sum of the flux values) holding the whole stream, with the index line at the
// index times (the flux before the index position plus the sample counter); the
// revolutions are the spans between consecutive indexes (see flux.ts).

import type { EdgeCapture } from "../capture.js";
import { DiskfluxError } from "../errors.js";
import { escapeName } from "../escape.js";
import { fluxCapture, lazyFluxTrack, type FluxTrack, type Revolution } from "./flux.js";

/** Default KryoFlux master clock and the sample / index clocks derived from it. */
export const KF_MCK = (18432000 * 73) / 14 / 2;
export const KF_SCK = KF_MCK / 2;
export const KF_ICK = KF_MCK / 16;

const OOB = 0x0d;
export const KF_OOB_INVALID = 0x00;
export const KF_OOB_STREAM_INFO = 0x01;
export const KF_OOB_INDEX = 0x02;
export const KF_OOB_STREAM_END = 0x03;
export const KF_OOB_KFINFO = 0x04;
export const KF_OOB_EOF = 0x0d;

/** Longest KFInfo text read (the device sends ~100 bytes). */
const MAX_KFINFO = 4096;

export interface KryofluxReadOptions {
  /** Read a stream whose positions disagree, or that has no end block, with a warning instead of E_CORRUPT. */
  readonly force?: boolean;
}

export interface KryofluxIndex {
  /** Stream position (ISB bytes) of the flux just after the index. */
  readonly streamPos: number;
  /** Sample counter at the index (sck since the previous transition). */
  readonly sampleCounter: number;
  /** Index counter (ick, free running). */
  readonly indexCounter: number;
  /** The index time in samples of the track's capture. */
  readonly at: number;
}

export interface KryofluxStream {
  /** Sample clock in Hz: from KFInfo when it says, else KF_SCK. */
  readonly sck: number;
  /** Index clock in Hz: from KFInfo when it says, else sck / 8. */
  readonly ick: number;
  /** name=value pairs of every KFInfo block, in order (later ones win). */
  readonly info: Readonly<Record<string, string>>;
  readonly indexes: readonly KryofluxIndex[];
  /** Flux transitions in the stream. */
  readonly transitions: number;
  /** Result code of the StreamEnd block (0 ok), undefined when there is none. */
  readonly result?: number;
  readonly revolutions: readonly Revolution[];
  /** The whole stream in sck samples (built on access). */
  readonly capture: EdgeCapture;
  readonly warnings: string[];
}

/** Is the OOB header at `at` one a stream could start with (a known type of the right size)? */
function plausibleOob(bytes: Uint8Array, at: number): boolean {
  if (at + 4 > bytes.length || bytes[at] !== OOB) return false;
  const type = bytes[at + 1];
  const size = bytes[at + 2] | (bytes[at + 3] << 8);
  if (at + 4 + size > bytes.length) return false;
  switch (type) {
    case KF_OOB_STREAM_INFO:
    case KF_OOB_STREAM_END:
      return size === 8;
    case KF_OOB_INDEX:
      return size === 12;
    case KF_OOB_KFINFO: {
      if (size === 0 || size > MAX_KFINFO) return false;
      for (let i = at + 4; i < at + 4 + size; i++) {
        const c = bytes[i];
        if (c === 0) return i > at + 4;
        if (c < 0x20 || c > 0x7e) return false;
      }
      return true;
    }
    default:
      return false;
  }
}

/**
 * True when the bytes look like a KryoFlux stream: they open with an OOB block
 * of a known type and size (KFInfo, StreamInfo or Index: what the device and
 * the tools that write streams put first).
 */
export function isKryoflux(bytes: Uint8Array): boolean {
  return plausibleOob(bytes, 0);
}

/** Cylinder and head from a stream file name: <prefix><cyl>.<head>.raw (trackNN.S.raw). */
export function kryofluxTrackName(name: string): { prefix: string; cyl: number; head: number } | undefined {
  const base = name.split(/[\\/]/).pop() ?? name;
  const m = /^(.*?)(\d+)\.(\d)\.raw$/i.exec(base);
  if (!m) return undefined;
  return { prefix: m[1], cyl: Number(m[2]), head: Number(m[3]) };
}

/** The first i with a[i] >= v (a sorted). */
function lowerBound(a: Uint32Array, v: number): number {
  let lo = 0, hi = a.length;
  while (lo < hi) {
    const m = (lo + hi) >>> 1;
    if (a[m] < v) lo = m + 1;
    else hi = m;
  }
  return lo;
}

function parseInfo(text: string, into: Record<string, string>): void {
  for (const part of text.split(",")) {
    const eq = part.indexOf("=");
    if (eq <= 0) continue;
    into[part.slice(0, eq).trim()] = part.slice(eq + 1).trim();
  }
}

/** Reads one stream file. `source` names it in messages (and in the capture). */
export function readKryoflux(bytes: Uint8Array, source = "track00.0.raw", opts: KryofluxReadOptions = {}): KryofluxStream {
  const name = escapeName(source);
  const corrupt = (msg: string) => new DiskfluxError("E_CORRUPT", `${name}: ${msg}`);
  const warnings: string[] = [];
  const damaged = (msg: string) => {
    if (!opts.force) throw corrupt(`${msg} (read it anyway with force)`);
    warnings.push(`${name}: ${msg}; read anyway (force)`);
  };
  const n = bytes.length;
  if (n === 0) throw new DiskfluxError("E_FORMAT", `${name}: an empty file, not a KryoFlux stream`);

  // Pass 1: walk the blocks, check them, count transitions and overflows, read the OOB blocks.
  let pos = 0, isb = 0, transitions = 0, overflows = 0;
  let pendingOvl = 0;
  let ended = false, sawEnd = false, eof = false;
  let result: number | undefined;
  const info: Record<string, string> = {};
  const rawIndexes: { streamPos: number; sampleCounter: number; indexCounter: number }[] = [];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const blockName = (b: number) => (b <= 0x07 ? "Flux2" : b === 0x09 ? "Nop2" : b === 0x0a ? "Nop3" : b === 0x0c ? "Flux3" : "block");
  while (pos < n) {
    const b = bytes[pos];
    if (b === OOB) {
      if (pos + 4 > n) throw corrupt(`the file ends inside an OOB block header at offset ${pos}; it is truncated`);
      const type = bytes[pos + 1];
      if (type === KF_OOB_EOF) {
        eof = true;
        break;
      }
      const size = view.getUint16(pos + 2, true);
      const data = pos + 4;
      if (data + size > n) throw corrupt(`the file ends inside a ${size}-byte OOB block (type ${type}) at offset ${pos}; it is truncated`);
      const need = (len: number, what: string) => {
        if (size < len) throw corrupt(`${what} block at offset ${pos} has ${size} bytes, expected ${len}; the file is damaged`);
      };
      switch (type) {
        case KF_OOB_INVALID:
          throw corrupt(`an invalid OOB block (type 0) at offset ${pos}: the device reported a problem, or the file is damaged`);
        case KF_OOB_STREAM_INFO: {
          need(8, "StreamInfo");
          const sp = view.getUint32(data, true);
          if (sp !== isb) damaged(`StreamInfo at offset ${pos} gives stream position ${sp} but ${isb} stream bytes precede it; bytes were lost`);
          break;
        }
        case KF_OOB_INDEX: {
          need(12, "Index");
          rawIndexes.push({ streamPos: view.getUint32(data, true), sampleCounter: view.getUint32(data + 4, true), indexCounter: view.getUint32(data + 8, true) });
          break;
        }
        case KF_OOB_STREAM_END: {
          need(8, "StreamEnd");
          const sp = view.getUint32(data, true);
          result = view.getUint32(data + 4, true);
          sawEnd = true;
          if (sp !== isb) damaged(`StreamEnd at offset ${pos} gives stream position ${sp} but the stream holds ${isb} bytes; bytes were lost`);
          if (result === 1) warnings.push(`${name}: the device reported a buffering problem (StreamEnd result 1): flux was lost while reading`);
          else if (result === 2) warnings.push(`${name}: the device saw no index signal (StreamEnd result 2)`);
          else if (result !== 0) warnings.push(`${name}: StreamEnd result ${result} (not 0, ok)`);
          break;
        }
        case KF_OOB_KFINFO: {
          // several NUL-terminated strings may share a block
          let s = data;
          while (s < data + size) {
            let e = s;
            while (e < data + size && bytes[e] !== 0) e++;
            if (e > s) parseInfo(new TextDecoder("latin1").decode(bytes.subarray(s, Math.min(e, s + MAX_KFINFO))), info);
            s = e + 1;
          }
          break;
        }
        default:
          warnings.push(`${name}: unknown OOB block type ${type} at offset ${pos}; skipped`);
      }
      pos = data + size;
      continue;
    }
    if (sawEnd && !ended) {
      ended = true;
      warnings.push(`${name}: stream data after the StreamEnd block at offset ${pos}; read on`);
    }
    if (b >= 0x0e) {
      transitions++;
      pendingOvl = 0;
      pos += 1; isb += 1;
    } else if (b <= 0x07 || b === 0x09 || b === 0x0a || b === 0x0c) {
      const len = b <= 0x07 || b === 0x09 ? 2 : 3;
      if (pos + len > n) throw corrupt(`the file ends inside a ${blockName(b)} block at offset ${pos}; it is truncated`);
      if (b <= 0x07 || b === 0x0c) {
        transitions++;
        pendingOvl = 0;
      }
      pos += len; isb += len;
    } else if (b === 0x0b) {
      overflows++;
      pendingOvl++;
      pos += 1; isb += 1;
    } else {
      // 0x08 Nop1
      pos += 1; isb += 1;
    }
  }
  if (!sawEnd) damaged(eof ? "no StreamEnd block before the EOF block; the stream is incomplete" : "no StreamEnd block: the file is truncated");
  if (pendingOvl > 0 && transitions > 0) {
    warnings.push(`${name}: the stream ends inside an overflow run (${pendingOvl} Ovl16 blocks with no flux after them); that time holds no transition`);
  }

  let sck = KF_SCK, ick = KF_ICK;
  const clock = (key: string, fallback: number) => {
    if (info[key] === undefined) return fallback;
    const v = Number(info[key]);
    if (Number.isFinite(v) && v >= 1e5 && v <= 1e10) return v;
    warnings.push(`${name}: KFInfo ${key}=${info[key].slice(0, 40)} is not a clock rate; using ${fallback} Hz`);
    return fallback;
  };
  sck = clock("sck", KF_SCK);
  ick = clock("ick", info.sck !== undefined ? sck / 8 : KF_ICK);

  // Pass 2: transition times, each flux's stream range, overflow positions; then the index times.
  const edges = new Float64Array(transitions);
  /** ISB position just after flux k's block. */
  const fluxEnd = new Uint32Array(transitions);
  const ovlPos = new Uint32Array(overflows);
  let t = 0, k = 0, o = 0, ovl = 0;
  pos = 0; isb = 0;
  while (pos < n) {
    const b = bytes[pos];
    if (b === OOB) {
      if (bytes[pos + 1] === KF_OOB_EOF) break;
      pos += 4 + view.getUint16(pos + 2, true);
      continue;
    }
    let v = -1, len = 1;
    if (b >= 0x0e) v = b;
    else if (b <= 0x07) { v = (b << 8) | bytes[pos + 1]; len = 2; }
    else if (b === 0x0c) { v = (bytes[pos + 1] << 8) | bytes[pos + 2]; len = 3; }
    else if (b === 0x09) len = 2;
    else if (b === 0x0a) len = 3;
    else if (b === 0x0b) { ovlPos[o++] = isb; ovl++; }
    pos += len; isb += len;
    if (v >= 0) {
      const d = ovl * 65536 + v;
      ovl = 0;
      if (d > 0) t += d;
      else if (k > 0) { fluxEnd[k - 1] = isb; continue; } // a zero-length flux merges into the one before
      // (a zero first flux at t = 0 would not be an edge > 0: dropped below)
      edges[k] = t;
      fluxEnd[k] = isb;
      k++;
    }
  }
  const tail = ovl * 65536;
  let first = 0;
  while (first < k && edges[first] <= 0) first++;
  const kept = first > 0 || k < transitions ? edges.slice(first, k) : edges;
  const keptEnd = first > 0 || k < transitions ? fluxEnd.slice(first, k) : fluxEnd;

  // index time = time of the last transition before the index's stream position
  //            + its sample counter (+ 65536 per overflow between them when the
  //              counter is 16 bits wide), never past the next transition
  const indexes: KryofluxIndex[] = [];
  for (const r of rawIndexes) {
    let lo = 0, hi = kept.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (keptEnd[mid] <= r.streamPos) lo = mid + 1;
      else hi = mid;
    }
    // kept[lo] is the first flux whose block ends after the index position
    const prevT = lo > 0 ? kept[lo - 1] : 0;
    const prevEnd = lo > 0 ? keptEnd[lo - 1] : 0;
    let extra = 0;
    if (r.sampleCounter < 65536) {
      // overflows written in [prevEnd, streamPos): before the index
      extra = (lowerBound(ovlPos, r.streamPos) - lowerBound(ovlPos, prevEnd)) * 65536;
      if (extra < 0) extra = 0;
    }
    let at = prevT + r.sampleCounter + extra;
    if (lo < kept.length && at > kept[lo]) at = kept[lo];
    indexes.push({ ...r, at });
  }
  for (let i = 1; i < indexes.length; i++) {
    if (indexes[i].at < indexes[i - 1].at) {
      damaged(`index ${i + 1} lies before index ${i} (stream positions ${indexes[i].streamPos} < ${indexes[i - 1].streamPos})`);
      indexes.sort((a, b) => a.at - b.at);
      break;
    }
  }
  const revolutions: Revolution[] = [];
  for (let i = 1; i < indexes.length; i++) {
    const ticks = (indexes[i].indexCounter - indexes[i - 1].indexCounter) >>> 0;
    revolutions.push({ start: indexes[i - 1].at, end: indexes[i].at, ...(ticks > 0 ? { indexTime: ticks / ick } : {}) });
  }
  const total = t + tail;
  const marks = indexes.map((x) => x.at);
  const src = source;
  let built: EdgeCapture | undefined;
  return {
    sck, ick, info, indexes, transitions: kept.length, ...(result !== undefined ? { result } : {}), revolutions, warnings,
    get capture(): EdgeCapture {
      // the edges are already in memory (two passes need them for the index times)
      return (built ??= fluxCapture(kept, sck, marks, total + 1, src));
    },
  };
}

export interface KryofluxFile {
  /** The file's name (trackNN.S.raw; a path is fine, its base name is used). */
  readonly name: string;
  readonly bytes: Uint8Array;
}

export interface KryofluxTrack extends FluxTrack {
  /** The stream's file name. */
  readonly file: string;
  readonly sck: number;
  readonly ick: number;
}

export interface KryofluxSet {
  /** One per file with flux, in (cyl, head) order. */
  readonly tracks: readonly KryofluxTrack[];
  /** Tracks absent from the set (a gap in the cylinders of a head), or files without a transition. */
  readonly missing: readonly { readonly cyl: number; readonly head: number }[];
  readonly cylinders: number;
  readonly heads: number;
  readonly warnings: string[];
}

function toTrack(stream: KryofluxStream, file: string, cyl: number, head: number, parse: () => KryofluxStream): KryofluxTrack {
  // The capture is parsed again from the file on each access, so a whole set
  // does not keep every track's edges in memory.
  return lazyFluxTrack(cyl, head, stream.revolutions, () => parse().capture, { file, sck: stream.sck, ick: stream.ick }) as KryofluxTrack;
}

/**
 * A KryoFlux set: one stream file per track, named <prefix>NN.S.raw (NN the
 * cylinder, S the head). Tracks missing from the set (gaps in a head's
 * cylinders) and streams without a transition are listed in `missing`.
 */
export function readKryofluxSet(files: readonly KryofluxFile[], opts: KryofluxReadOptions = {}): KryofluxSet {
  if (files.length === 0) throw new DiskfluxError("E_ARGUMENT", "a KryoFlux set needs at least one stream file (trackNN.S.raw)");
  const warnings: string[] = [];
  const seen = new Map<string, string>();
  const named = files.map((f) => {
    const base = f.name.split(/[\\/]/).pop() || f.name;
    const p = kryofluxTrackName(base);
    if (!p) throw new DiskfluxError("E_ARGUMENT", `${escapeName(base)}: not named like a KryoFlux stream (trackNN.S.raw), so its cylinder and head are unknown`);
    const key = `${p.cyl}/${p.head}`;
    const other = seen.get(key);
    if (other !== undefined) throw new DiskfluxError("E_ARGUMENT", `${escapeName(base)}: cylinder ${p.cyl} head ${p.head} is also ${escapeName(other)}; give one stream per track`);
    seen.set(key, base);
    return { ...f, base, ...p };
  });
  named.sort((a, b) => a.cyl - b.cyl || a.head - b.head);
  const tracks: KryofluxTrack[] = [];
  const missing: { cyl: number; head: number }[] = [];
  for (const f of named) {
    const parse = () => readKryoflux(f.bytes, f.base, opts);
    const s = parse();
    warnings.push(...s.warnings);
    if (s.transitions === 0) {
      missing.push({ cyl: f.cyl, head: f.head });
      warnings.push(`${escapeName(f.base)}: cyl ${f.cyl} head ${f.head} holds no flux transition; reported missing`);
      continue;
    }
    tracks.push(toTrack(s, f.base, f.cyl, f.head, parse));
  }
  const cyls = named.map((f) => f.cyl);
  const lo = Math.min(...cyls), hi = Math.max(...cyls);
  const headSet = [...new Set(named.map((f) => f.head))].sort((a, b) => a - b);
  for (const h of headSet) {
    const gaps: number[] = [];
    for (let c = lo; c <= hi; c++) if (!seen.has(`${c}/${h}`)) gaps.push(c);
    for (const c of gaps) missing.push({ cyl: c, head: h });
    if (gaps.length > 0) {
      const list = gaps.length > 8 ? `${gaps.slice(0, 8).join(", ")}, … (${gaps.length})` : gaps.join(", ");
      warnings.push(`KryoFlux set: no stream file for head ${h} cylinder${gaps.length === 1 ? "" : "s"} ${list} (between ${lo} and ${hi}); reported missing`);
    }
  }
  missing.sort((a, b) => a.cyl - b.cyl || a.head - b.head);
  return { tracks, missing, cylinders: hi + 1, heads: Math.max(...headSet) + 1, warnings };
}

/** A single stream as a one-track set: cylinder and head from its name when it has the trackNN.S.raw form (else 0 / 0, with a warning). */
export function readKryofluxFile(bytes: Uint8Array, source = "track00.0.raw", opts: KryofluxReadOptions = {}): KryofluxSet {
  const base = source.split(/[\\/]/).pop() || source;
  const p = kryofluxTrackName(base);
  if (p) return readKryofluxSet([{ name: base, bytes }], opts);
  const s = readKryoflux(bytes, base, opts);
  const warnings = [...s.warnings, `${escapeName(base)}: not named trackNN.S.raw, so its cylinder and head are unknown; read as cylinder 0 head 0`];
  if (s.transitions === 0) {
    warnings.push(`${escapeName(base)}: the stream holds no flux transition; reported missing`);
    return { tracks: [], missing: [{ cyl: 0, head: 0 }], cylinders: 1, heads: 1, warnings };
  }
  return { tracks: [toTrack(s, base, 0, 0, () => readKryoflux(bytes, base, opts))], missing: [], cylinders: 1, heads: 1, warnings };
}
