// SuperCard Pro flux images (.scp) from any capture or multi-track source, as
// the "SuperCard Pro Image File Specification" by Jim Drew (cbmstuff.com,
// scp_image_specs.txt, v2.5 of February 2024; layout facts from its v1.9 text)
// describes them. Written from that document's facts alone; the reader is
// src/readers/scp.ts.
//
// What is written:
//
//   0x00  "SCP", version 0x25 (the specification revision followed; no
//         extension footer, so the byte is not 0), disk type (default 0x80:
//         manufacturer "other"), revolutions per track (the most any track
//         has, at most 255), start and end track, flags, bit cell width 0
//         (16-bit words), heads (0 both sides, 1 side 0 only, 2 side 1 only),
//         resolution 0 (25 ns ticks), checksum (the 32-bit sum of every byte
//         from 0x10 to the end of the file);
//   0x10  the track offset table: 168 longwords (tracks 0-167, more when a
//         track number needs it, up to 255), 0 for a track not in the file;
//   0x2B0 per track in track order, the Track Data Header: "TRK", the track
//         number (cylinder × 2 + head, also for single-sided images, which
//         therefore use every other entry as the specification asks), then
//         per revolution index time (ticks), length (flux words) and the
//         offset of its words from the start of the TDH; then the words of
//         every revolution, one after the other.
//
// Flags: INDEX (bit 0) when every track's revolutions start at index pulses;
// TPI (bit 1) only when asked (`tpi96`); RPM (bit 2) when the revolutions
// last about 1/6 s (360 rpm) or `rpm: 360`; bit 7, which the specification
// (v2.3) asks third-party writers to set. No TYPE, MODE or FOOTER bit; no
// timestamp after the flux (optional in the specification), so the same
// tracks always give the same bytes.
//
// Times: every transition t (a sample number at the capture's rate Fs) becomes
// the tick round(t · 40 MHz / Fs); a tick that rounds onto the one before it
// is merged (counted in `merged`). A flux word is the ticks since the previous
// transition — across revolution boundaries too, so the flux stays
// continuous — or, for the first transition of the file, since the start of
// the first revolution. A gap of 65536 ticks or more is written as one 0x0000
// word per 65536 ticks before the remainder; a gap that is an exact multiple
// of 65536 cannot be written and comes out one tick (25 ns) short, the next
// gap one tick longer.
//
// Revolutions (src/writers/flux.ts): a flux reader's revolutions, or the spans
// between index pulses, are kept as they are (the index time of each is the
// recorded index-to-index time where the source has one, else its length).
// A capture without index pulses is not index-cued (INDEX clear) and is cut into
// revolutions of one nominal rotation from its start, 200 ms at 300 rpm or
// 166.7 ms at 360 rpm (the specification's simulated index), the last one as
// long as the flux left; nothing is dropped.

import type { EdgeChannels } from "../capture.js";
import { DiskfluxError } from "../errors.js";
import type { Revolution } from "../readers/flux.js";
import { SCP_FLAG_INDEX, SCP_FLAG_RPM, SCP_FLAG_TPI, SCP_SAMPLE_RATE, scpChecksum } from "../readers/scp.js";
import { firstEdgeAfter, fluxPlan, type FluxWriteTrack } from "./flux.js";

/** Flag bit 7: the image was made by a third-party writer (specification v2.3). */
export const SCP_FLAG_THIRD_PARTY = 0x80;
/** The version byte diskflux writes: the specification revision it follows. */
export const SCP_WRITER_VERSION = 0x25;
/** Disk type "other" (manufacturer 1000, sub-class 0). */
export const SCP_DISK_OTHER = 0x80;
/** Entries of the track offset table the specification fixes for floppies. */
export const SCP_TABLE_ENTRIES = 168;
const TDH_HEAD = 4;
const TICK = 1 / SCP_SAMPLE_RATE;

export type ScpWriteTrack = FluxWriteTrack;

export interface ScpWriteOptions {
  /** How logic captures become transitions and which channel is the index (decode()'s defaults). */
  readonly channels?: EdgeChannels;
  /** Nominal speed: the length of simulated revolutions (default 300 rpm) and the RPM flag (default: from the index times, else 300). */
  readonly rpm?: 300 | 360;
  /** The disk type byte (default 0x80, "other"). */
  readonly diskType?: number;
  /** Set the TPI flag (a 96 tpi 5.25" drive). */
  readonly tpi96?: boolean;
}

export interface ScpTrackReport {
  readonly cyl: number;
  readonly head: number;
  readonly track: number;
  readonly revolutions: number;
  readonly indexCued: boolean;
  /** Where the revolutions came from (src/writers/flux.ts). */
  readonly from: "revolutions" | "index" | "none";
  /** Transitions written, and transitions merged onto the previous tick. */
  readonly transitions: number;
  readonly merged: number;
  /** Transitions outside every revolution (before the first index pulse, after the last). */
  readonly outside: number;
  readonly sampleRate: number;
}

export interface ScpWriteResult {
  readonly bytes: Uint8Array;
  readonly tracks: readonly ScpTrackReport[];
  readonly flags: number;
  readonly revolutionsPerTrack: number;
  readonly warnings: readonly string[];
}

interface Planned {
  track: number;
  entries: { indexTicks: number; words: Uint16Array }[];
  report: ScpTrackReport;
  indexSeconds: number[];
}

/** Ticks of the words of one run of transitions (continuous), with the overflow words. */
class WordSink {
  words = new Uint16Array(1024);
  n = 0;
  push(v: number): void {
    if (this.n === this.words.length) {
      const w = new Uint16Array(this.words.length * 2);
      w.set(this.words);
      this.words = w;
    }
    this.words[this.n++] = v;
  }
  take(): Uint16Array {
    const out = this.words.slice(0, this.n);
    this.n = 0;
    return out;
  }
}

function planTrack(t: ScpWriteTrack, opts: ScpWriteOptions): Planned {
  const where = `cyl ${t.cyl} head ${t.head}`;
  if (!Number.isInteger(t.cyl) || !Number.isInteger(t.head) || t.cyl < 0 || t.head < 0 || t.head > 1) {
    throw new DiskfluxError("E_ARGUMENT", `${where}: an SCP image holds heads 0 and 1 of cylinders 0-127`);
  }
  const track = t.cyl * 2 + t.head;
  if (track > 255) throw new DiskfluxError("E_ARGUMENT", `${where}: SCP track numbers are one byte (cylinder × 2 + head ≤ 255), so cylinder ${t.cyl} cannot be written`);
  const plan = fluxPlan(t, opts.channels ?? {});
  const { edges, sampleRate } = plan;
  const scale = SCP_SAMPLE_RATE / sampleRate;
  const toTick = scale === 1 ? (x: number) => Math.round(x) : (x: number) => Math.round(x * scale);
  let revs: readonly Revolution[] = plan.revolutions;
  if (plan.from === "none") {
    // the specification's simulated index: one nominal rotation per revolution from the start
    const per = (60 / (opts.rpm ?? 300)) * sampleRate;
    const last = edges.length ? edges[edges.length - 1] : 0;
    const list: Revolution[] = [];
    for (let s = 0; list.length === 0 || s < last; s += per) list.push({ start: s, end: Math.min(s + per, Math.max(last, s)) });
    if (list.length > 255) throw new DiskfluxError("E_LIMIT", `${plan.source} (${where}): ${list.length} revolutions of ${(60 / (opts.rpm ?? 300)).toFixed(3)} s; an SCP track holds at most 255`);
    revs = list;
  }
  if (revs.length > 255) throw new DiskfluxError("E_LIMIT", `${plan.source} (${where}): ${revs.length} revolutions; an SCP track holds at most 255`);

  const sink = new WordSink();
  const entries: Planned["entries"] = [];
  const indexSeconds: number[] = [];
  let pos = toTick(revs.length ? revs[0].start : 0); // the tick the next word counts from
  let prevEnd = Infinity;
  let written = 0, merged = 0, inside = 0;
  for (const r of revs) {
    const startTick = toTick(r.start), endTick = toTick(r.end);
    if (r.start > prevEnd) pos = startTick; // a gap between revolutions: its flux is not written
    prevEnd = r.end;
    const a = firstEdgeAfter(edges, r.start), b = firstEdgeAfter(edges, r.end, a);
    inside += b - a;
    for (let k = a; k < b; k++) {
      const d = toTick(edges[k]) - pos;
      if (d < 1) {
        merged++;
        continue;
      }
      // a multiple of 65536 is not writable: one tick short (see the header)
      const w = d % 65536 === 0 ? d - 1 : d;
      let rest = w;
      for (; rest > 65535; rest -= 65536) sink.push(0);
      sink.push(rest);
      pos += w;
      written++;
    }
    const indexTicks = r.indexTime !== undefined && r.indexTime > 0 ? Math.round(r.indexTime / TICK) : Math.max(0, endTick - startTick);
    if (plan.from !== "none") indexSeconds.push(indexTicks * TICK);
    entries.push({ indexTicks, words: sink.take() });
  }
  const report: ScpTrackReport = {
    cyl: t.cyl, head: t.head, track, revolutions: entries.length, indexCued: plan.indexCued, from: plan.from,
    transitions: written, merged, outside: edges.length - inside, sampleRate,
  };
  return { track, entries, report, indexSeconds };
}

/**
 * Writes an SCP image of the tracks (see the header).
 *
 * @example
 * import { readAnyCaptureFile, writeScpDetailed } from "diskflux";
 * const drive = await readAnyCaptureFile("acorn-kryoflux"); // a directory of trackNN.S.raw stream files
 * if (drive.kind !== "tracks") throw new Error("not a flux set");
 * const scp = writeScpDetailed(drive.tracks);
 * for (const t of scp.tracks) if (t.merged > 0 || !t.indexCued) console.warn(`cyl ${t.cyl} head ${t.head}: ${t.merged} merged, from ${t.from}`);
 * console.log(scp.revolutionsPerTrack, scp.flags.toString(16), scp.warnings); // scp.bytes is the file
 */
export function writeScpDetailed(tracks: Iterable<ScpWriteTrack>, opts: ScpWriteOptions = {}): ScpWriteResult {
  if (opts.diskType !== undefined && !(Number.isInteger(opts.diskType) && opts.diskType >= 0 && opts.diskType <= 255)) {
    throw new DiskfluxError("E_ARGUMENT", `the SCP disk type is one byte, not ${opts.diskType}`);
  }
  if (opts.rpm !== undefined && opts.rpm !== 300 && opts.rpm !== 360) throw new DiskfluxError("E_ARGUMENT", `an SCP image says 300 or 360 rpm, not ${opts.rpm}`);
  const planned: Planned[] = [];
  const seen = new Set<number>();
  // one track at a time: a flux reader's captures are unpacked on access
  for (const t of tracks) {
    const p = planTrack(t, opts);
    if (seen.has(p.track)) throw new DiskfluxError("E_ARGUMENT", `cyl ${p.report.cyl} head ${p.report.head} is given twice; an SCP image holds one copy of each track`);
    seen.add(p.track);
    planned.push(p);
  }
  if (planned.length === 0) throw new DiskfluxError("E_ARGUMENT", "no track to write to the SCP image");
  planned.sort((a, b) => a.track - b.track);

  const warnings: string[] = [];
  const revs = Math.max(...planned.map((p) => p.entries.length));
  const cued = planned.filter((p) => p.report.indexCued).length;
  if (cued > 0 && cued < planned.length) {
    warnings.push(`${cued} of ${planned.length} tracks start at an index pulse and the others do not; the image is marked as not index-cued`);
  }
  for (const p of planned) {
    if (p.report.merged > 0) warnings.push(`cyl ${p.report.cyl} head ${p.report.head}: ${p.report.merged} transitions fell on the tick of the one before (25 ns) and were merged`);
    if (p.entries.length < revs) warnings.push(`cyl ${p.report.cyl} head ${p.report.head}: ${p.entries.length} of ${revs} revolutions; the others are written empty`);
  }
  const heads = new Set(planned.map((p) => p.report.head));
  const headsByte = heads.size === 2 ? 0 : heads.has(0) ? 1 : 2;
  const allIndex = planned.flatMap((p) => p.indexSeconds).filter((s) => s > 0.05 && s < 0.5);
  const rpm = opts.rpm ?? (allIndex.length ? (median(allIndex) < 0.1833 ? 360 : 300) : 300);
  const flags = (cued === planned.length ? SCP_FLAG_INDEX : 0) | (opts.tpi96 ? SCP_FLAG_TPI : 0) | (rpm === 360 ? SCP_FLAG_RPM : 0) | SCP_FLAG_THIRD_PARTY;

  const first = planned[0].track, last = planned[planned.length - 1].track;
  const entriesInTable = Math.max(SCP_TABLE_ENTRIES, last + 1);
  const tableEnd = 0x10 + 4 * entriesInTable;
  let size = tableEnd;
  const tdhAt: number[] = [];
  for (const p of planned) {
    tdhAt.push(size);
    size += TDH_HEAD + 12 * revs;
    for (const e of p.entries) size += 2 * e.words.length;
  }
  if (size > 0xffffffff) throw new DiskfluxError("E_LIMIT", `the SCP image would be ${size} bytes; its offsets are 32-bit`);
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(size);
  } catch (e) {
    throw new DiskfluxError("E_LIMIT", `cannot allocate ${size} bytes for the SCP image`, { cause: e });
  }
  const v = new DataView(bytes.buffer);
  bytes.set([0x53, 0x43, 0x50], 0);
  bytes[3] = SCP_WRITER_VERSION;
  bytes[4] = opts.diskType ?? SCP_DISK_OTHER;
  bytes[5] = revs;
  bytes[6] = first;
  bytes[7] = last;
  bytes[8] = flags;
  bytes[9] = 0;
  bytes[10] = headsByte;
  bytes[11] = 0;
  planned.forEach((p, i) => {
    const at = tdhAt[i];
    v.setUint32(0x10 + 4 * p.track, at, true);
    bytes.set([0x54, 0x52, 0x4b, p.track], at);
    let data = TDH_HEAD + 12 * revs;
    for (let r = 0; r < revs; r++) {
      const e = p.entries[r];
      const entry = at + TDH_HEAD + 12 * r;
      v.setUint32(entry, e ? e.indexTicks : 0, true);
      v.setUint32(entry + 4, e ? e.words.length : 0, true);
      v.setUint32(entry + 8, data, true);
      if (e) {
        let o = at + data;
        for (let k = 0; k < e.words.length; k++, o += 2) {
          bytes[o] = e.words[k] >> 8;
          bytes[o + 1] = e.words[k] & 0xff;
        }
        data += 2 * e.words.length;
      }
    }
  });
  v.setUint32(0x0c, scpChecksum(bytes), true);
  return { bytes, tracks: planned.map((p) => p.report), flags, revolutionsPerTrack: revs, warnings };
}

/**
 * Writes an SCP image of the tracks; see writeScpDetailed for what is reported.
 *
 * @example
 * import { readAnyCaptureFile, writeScp } from "diskflux";
 * import { writeFile } from "node:fs/promises";
 * const drive = await readAnyCaptureFile("ibm360.hfe"); // or a .tr, a KryoFlux set, …
 * if (drive.kind !== "tracks") throw new Error("not a multi-track capture");
 * await writeFile("ibm360.scp", writeScp(drive.tracks, { rpm: 300 }));
 */
export function writeScp(tracks: Iterable<ScpWriteTrack>, opts: ScpWriteOptions = {}): Uint8Array {
  return writeScpDetailed(tracks, opts).bytes;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1];
}
