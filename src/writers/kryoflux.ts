// KryoFlux stream files (trackNN.S.raw: one file per track, NN the cylinder in
// two digits, S the head) from any capture or multi-track source, as the
// KryoFlux "Stream Protocol" document (Software Preservation Society,
// softpres.org/kryoflux:stream) and Jean Louis-Guérin's "KryoFlux Stream File
// Documentation" (rev 1.1, 2013) describe them. Written from those documents'
// facts alone; the reader is src/readers/kryoflux.ts.
//
// What one file holds, in order:
//
//   OOB KFInfo     "name=diskflux, sck=<Hz>, ick=<Hz>" NUL-terminated (the
//                  clocks written in full, so a reader times the flux exactly)
//   OOB StreamInfo stream position 0, transfer time 0 ms
//   the flux, with an OOB Index block at each index (see below)
//   OOB StreamInfo stream position (ISB bytes written), transfer time: the
//                  stream's length in ms (no USB transfer took place)
//   OOB StreamEnd  stream position, result 0 (ok)
//   OOB EOF        0x0D 0x0D 0x0D 0x0D
//
// Flux: every transition t (a sample number at the capture's rate Fs) becomes
// the sample round(t · sck / Fs), sck 24027428.5714… Hz by default (the
// device's ((18432000 × 73) / 14) / 2 / 2); a flux value is the samples since
// the previous transition (the first since the start of the stream, time 0),
// and a transition that rounds onto the one before it is merged (counted in
// `merged`). A value v is written as floor(v / 65536) Ovl16 blocks (0x0B, each
// +0x10000) and then the rest r = v mod 65536 as
//
//   Flux1  0x0E ≤ r ≤ 0xFF      the byte r
//   Flux2  r ≤ 0x7FF (and < 0x0E) (r >> 8), r & 0xFF        header 0x00-0x07
//   Flux3  otherwise            0x0C, r >> 8, r & 0xFF (big-endian)
//
// Index blocks (type 2, 12 bytes: stream position, sample counter, index
// counter, 32-bit little-endian): an index at sample T inside the flux cell
// (P, E] (P the previous transition, or 0) is written just before that cell's
// blocks; its stream position is the ISB position there, i.e. the cell's
// first block, and its sample counter the samples from P to T. When the cell
// is 65536 samples or longer, the Ovl16 blocks that lie before the index
// (floor((T − P) / 65536)) come first and the counter is (T − P) mod 65536,
// as the device's 16-bit counter would give it; a reader that adds the
// overflows between the previous flux and the index position (as ours does)
// and one that takes the counter as it is agree. An index after the last
// transition is written after it, its counter the full T − P. The index
// counter is the index clock ick (sck / 8) free running from the start of the
// stream: round(T₀ · ick) at the first index, then + round(index time · ick)
// per revolution, the index time being the one the source recorded (a
// KryoFlux or SCP reader's), else the revolution's length — so a KryoFlux set
// read and written again keeps its index counters, and the reader's
// revolution index times are the source's.
//
// Revolutions (src/writers/flux.ts): a flux reader's, else the spans between
// index pulses; their boundaries are the index blocks. Flux before the first
// index and after the last is kept (KryoFlux streams hold it). A capture
// without index pulses gets simulated indexes one nominal rotation apart from
// its start (200 ms at 300 rpm, 166.7 ms at 360 rpm; as the SCP writer does),
// reported `indexCued: false`. Revolutions with a gap between them give an
// index at both ends of the gap (the gap reads back as a revolution of its
// own), with a warning.

import { DiskfluxError } from "../errors.js";
import type { EdgeChannels } from "../capture.js";
import type { Revolution } from "../readers/flux.js";
import { KF_OOB_EOF, KF_OOB_INDEX, KF_OOB_KFINFO, KF_OOB_STREAM_END, KF_OOB_STREAM_INFO, KF_SCK } from "../readers/kryoflux.js";
import { fluxPlan, type FluxWriteTrack } from "./flux.js";

export type KryofluxWriteTrack = FluxWriteTrack;

export interface KryofluxWriteOptions {
  /** How logic captures become transitions and which channel is the index (decode()'s defaults). */
  readonly channels?: EdgeChannels;
  /** Sample clock in Hz (default KF_SCK, 24027428.5714… Hz). */
  readonly sck?: number;
  /** Index clock in Hz (default sck / 8). */
  readonly ick?: number;
  /** Nominal speed of simulated indexes for captures without index pulses (default 300 rpm). */
  readonly rpm?: number;
  /** File name prefix (default "track": track00.0.raw). */
  readonly prefix?: string;
}

export interface KryofluxTrackReport {
  readonly cyl: number;
  readonly head: number;
  /** The file's name (<prefix>NN.S.raw). */
  readonly name: string;
  /** Index blocks written, and the revolutions between them. */
  readonly indexes: number;
  readonly revolutions: number;
  readonly indexCued: boolean;
  /** Where the revolutions came from (src/writers/flux.ts); "none": simulated indexes. */
  readonly from: "revolutions" | "index" | "none";
  /** Transitions written, and transitions merged onto the sample of the one before. */
  readonly transitions: number;
  readonly merged: number;
  /** Source sample rate. */
  readonly sampleRate: number;
  /** Stream bytes (ISB) and file bytes. */
  readonly streamBytes: number;
  readonly bytes: number;
}

export interface KryofluxWriteFile {
  readonly name: string;
  readonly bytes: Uint8Array;
}

export interface KryofluxWriteResult {
  /** One stream file per track, in (cyl, head) order. */
  readonly files: readonly KryofluxWriteFile[];
  readonly tracks: readonly KryofluxTrackReport[];
  readonly sck: number;
  readonly ick: number;
  readonly warnings: readonly string[];
}

/** A growing byte buffer with the ISB (stream) position. */
class StreamSink {
  buf = new Uint8Array(1 << 16);
  n = 0;
  isb = 0;
  private room(k: number): void {
    if (this.n + k <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.n + k) size *= 2;
    const b = new Uint8Array(size);
    b.set(this.buf.subarray(0, this.n));
    this.buf = b;
  }
  /** Stream (in-buffer) bytes: they count in the stream position. */
  isbBytes(...bytes: number[]): void {
    this.room(bytes.length);
    for (const x of bytes) this.buf[this.n++] = x;
    this.isb += bytes.length;
  }
  /** An OOB block: 0x0D, type, size (16-bit LE), data. */
  oob(type: number, data: Uint8Array): void {
    this.room(4 + data.length);
    const b = this.buf;
    b[this.n] = 0x0d;
    b[this.n + 1] = type;
    b[this.n + 2] = data.length & 0xff;
    b[this.n + 3] = data.length >> 8;
    b.set(data, this.n + 4);
    this.n += 4 + data.length;
  }
  words(type: number, ...values: number[]): void {
    const d = new Uint8Array(4 * values.length);
    const v = new DataView(d.buffer);
    values.forEach((x, i) => v.setUint32(4 * i, x >>> 0, true));
    this.oob(type, d);
  }
  take(): Uint8Array {
    return this.buf.slice(0, this.n);
  }
}

/** The flux blocks of one value (Ovl16 blocks for each 65536 first; `skipOvl` of them already written). */
export function kryofluxFluxBlocks(v: number, skipOvl = 0): number[] {
  if (!(Number.isInteger(v) && v >= 0)) throw new DiskfluxError("E_ARGUMENT", `a KryoFlux flux value is a whole number of samples, not ${v}`);
  const out: number[] = [];
  for (let q = Math.floor(v / 65536) - skipOvl; q > 0; q--) out.push(0x0b);
  const r = v % 65536;
  if (r >= 0x0e && r <= 0xff) out.push(r);
  else if (r <= 0x7ff) out.push(r >> 8, r & 0xff);
  else out.push(0x0c, r >> 8, r & 0xff);
  return out;
}

/** The file name of a track: <prefix>NN.S.raw (NN at least two digits). */
export function kryofluxFileName(cyl: number, head: number, prefix = "track"): string {
  return `${prefix}${String(cyl).padStart(2, "0")}.${head}.raw`;
}

/** Index times (source samples) and their index-to-index times (s) from the revolutions; see the header. */
function indexMarks(revs: readonly Revolution[], sampleRate: number): { marks: number[]; seconds: (number | undefined)[]; gaps: number } {
  const marks: number[] = [];
  const seconds: (number | undefined)[] = []; // seconds[i]: from mark i-1 to mark i
  let gaps = 0;
  for (const r of revs) {
    const last = marks.length ? marks[marks.length - 1] : undefined;
    if (last === undefined || r.start !== last) {
      if (last !== undefined) {
        if (r.start < last) throw new DiskfluxError("E_ARGUMENT", `revolutions overlap (one starts at sample ${r.start}, before the end of the one before at ${last})`);
        gaps++;
      }
      marks.push(r.start);
      seconds.push(last === undefined ? undefined : (r.start - last) / sampleRate);
    }
    marks.push(r.end);
    seconds.push(r.indexTime !== undefined && r.indexTime > 0 ? r.indexTime : (r.end - r.start) / sampleRate);
  }
  return { marks, seconds, gaps };
}

function writeTrack(t: KryofluxWriteTrack, opts: KryofluxWriteOptions, sck: number, ick: number, prefix: string, warnings: string[]): { file: KryofluxWriteFile; report: KryofluxTrackReport } {
  const where = `cyl ${t.cyl} head ${t.head}`;
  if (!Number.isInteger(t.cyl) || !Number.isInteger(t.head) || t.cyl < 0 || t.head < 0 || t.head > 9) {
    throw new DiskfluxError("E_ARGUMENT", `${where}: a KryoFlux stream name holds a cylinder ≥ 0 and a head 0-9`);
  }
  const plan = fluxPlan(t, opts.channels ?? {});
  const { edges, sampleRate } = plan;
  const scale = sck / sampleRate;
  const toSample = (x: number) => Math.round(x * scale);
  let revs: readonly Revolution[] = plan.revolutions;
  if (plan.from === "none") {
    // simulated indexes: one nominal rotation apart from the start (as the SCP writer)
    const per = (60 / (opts.rpm ?? 300)) * sampleRate;
    const last = edges.length ? edges[edges.length - 1] : 0;
    const list: Revolution[] = [];
    for (let s = 0; list.length === 0 || s < last; s += per) list.push({ start: s, end: Math.min(s + per, Math.max(last, s)) });
    revs = list;
  }
  const { marks, seconds, gaps } = indexMarks(revs, sampleRate);
  if (gaps > 0) warnings.push(`${plan.source} (${where}): ${gaps} gap${gaps === 1 ? "" : "s"} between revolutions; each is written between two index blocks and reads back as a revolution`);
  // index counters (ick, free running from the start of the stream)
  const counters: number[] = [];
  marks.forEach((m, i) => {
    const c = i === 0 ? Math.round((m / sampleRate) * ick) : counters[i - 1] + Math.round(seconds[i]! * ick);
    counters.push(c);
  });
  const at = marks.map(toSample);

  const s = new StreamSink();
  const info = `name=diskflux, sck=${sck}, ick=${ick}`;
  const text = new Uint8Array(info.length + 1);
  for (let i = 0; i < info.length; i++) text[i] = info.charCodeAt(i);
  s.oob(KF_OOB_KFINFO, text);
  s.words(KF_OOB_STREAM_INFO, 0, 0);

  let prev = 0, next = 0, written = 0, merged = 0;
  for (let k = 0; k < edges.length; k++) {
    const e = toSample(edges[k]);
    const d = e - prev;
    let ovlDone = 0;
    // the indexes in this cell (P, E] (or at the very start: T ≤ P)
    while (next < at.length && at[next] <= e) {
      const since = Math.max(0, at[next] - prev);
      const q = d >= 1 ? Math.floor(since / 65536) : 0;
      for (; ovlDone < q; ovlDone++) s.isbBytes(0x0b);
      s.words(KF_OOB_INDEX, s.isb, since - q * 65536, counters[next]);
      next++;
    }
    if (d < 1) {
      merged++;
      continue;
    }
    s.isbBytes(...kryofluxFluxBlocks(d, ovlDone));
    prev = e;
    written++;
  }
  for (; next < at.length; next++) s.words(KF_OOB_INDEX, s.isb, Math.max(0, at[next] - prev), counters[next]);
  if (s.isb > 0xffffffff) throw new DiskfluxError("E_LIMIT", `${plan.source} (${where}): the stream would be ${s.isb} bytes; its positions are 32-bit`);
  const end = Math.max(prev, at.length ? at[at.length - 1] : 0);
  s.words(KF_OOB_STREAM_INFO, s.isb, Math.round((end / sck) * 1000));
  s.words(KF_OOB_STREAM_END, s.isb, 0);
  s.oob(KF_OOB_EOF, new Uint8Array(0));
  const bytes = s.take();
  // the EOF block's size field reads 0x0D0D (the documents: it means nothing)
  bytes[bytes.length - 2] = 0x0d;
  bytes[bytes.length - 1] = 0x0d;
  if (merged > 0) warnings.push(`${plan.source} (${where}): ${merged} transitions fell on the sample of the one before (at ${(sck / 1e6).toFixed(3)} MHz) and were merged`);
  const name = kryofluxFileName(t.cyl, t.head, prefix);
  return {
    file: { name, bytes },
    report: {
      cyl: t.cyl, head: t.head, name, indexes: marks.length, revolutions: Math.max(0, marks.length - 1),
      indexCued: plan.indexCued, from: plan.from, transitions: written, merged, sampleRate, streamBytes: s.isb, bytes: bytes.length,
    },
  };
}

/** Writes every track as a KryoFlux stream file (see the header). */
export function writeKryofluxDetailed(tracks: Iterable<KryofluxWriteTrack>, opts: KryofluxWriteOptions = {}): KryofluxWriteResult {
  const sck = opts.sck ?? KF_SCK;
  if (!(Number.isFinite(sck) && sck >= 1e5 && sck <= 1e10)) throw new DiskfluxError("E_ARGUMENT", `the KryoFlux sample clock must be between 100 kHz and 10 GHz, not ${opts.sck}`);
  const ick = opts.ick ?? sck / 8;
  if (!(Number.isFinite(ick) && ick >= 1e5 && ick <= 1e10)) throw new DiskfluxError("E_ARGUMENT", `the KryoFlux index clock must be between 100 kHz and 10 GHz, not ${opts.ick}`);
  if (opts.rpm !== undefined && !(opts.rpm >= 1 && opts.rpm <= 65535)) throw new DiskfluxError("E_ARGUMENT", `rpm ${opts.rpm} is no disk speed`);
  const prefix = opts.prefix ?? "track";
  if (/[\\/\0]/.test(prefix)) throw new DiskfluxError("E_ARGUMENT", "a KryoFlux file name prefix holds no path separator");
  const warnings: string[] = [];
  const out: { file: KryofluxWriteFile; report: KryofluxTrackReport }[] = [];
  const seen = new Set<string>();
  // one track at a time: a flux reader's captures are unpacked on access
  for (const t of tracks) {
    const key = `${t.cyl}/${t.head}`;
    if (seen.has(key)) throw new DiskfluxError("E_ARGUMENT", `cyl ${t.cyl} head ${t.head} is given twice; a KryoFlux set holds one stream per track`);
    seen.add(key);
    out.push(writeTrack(t, opts, sck, ick, prefix, warnings));
  }
  if (out.length === 0) throw new DiskfluxError("E_ARGUMENT", "no track to write as KryoFlux streams");
  out.sort((a, b) => a.report.cyl - b.report.cyl || a.report.head - b.report.head);
  return { files: out.map((x) => x.file), tracks: out.map((x) => x.report), sck, ick, warnings };
}

/** Writes every track as a KryoFlux stream file; see writeKryofluxDetailed for what is reported. */
export function writeKryoflux(tracks: Iterable<KryofluxWriteTrack>, opts: KryofluxWriteOptions = {}): KryofluxWriteFile[] {
  return [...writeKryofluxDetailed(tracks, opts).files];
}
