// HxC Floppy Emulator bit-cell images (.hfe), version 1 ("HXCPICFE",
// revision 0), as the "HFE HxC Floppy Emulator file format" notes by
// Jean-François Del Nero (hxc2001.com/floppy_drive_emulator/HFE-file-format.html,
// v1.1 header fields) describe them. Written from those notes' facts alone;
// the reader is src/readers/hfe.ts.
//
// What is written:
//
//   header (512 bytes; unused bytes 0xFF): "HXCPICFE", revision 0, number of
//   tracks (highest cylinder + 1), sides (2 when any head 1 track is given),
//   track encoding (0 ISO/IBM MFM, 2 ISO/IBM FM, 0xFF unknown), bit rate in
//   kbit/s (the data rate; cells go at twice it), rpm, interface mode (IBM PC
//   DD 0x00 up to 300 kbit/s, HD 0x01 at 500, ED 0x08 at 1000, else generic
//   Shugart 0x07), 0x00 (unused), track list offset 1 (block 1), write
//   allowed 0xFF, single step 0xFF, track 0 alternate encodings off (0xFF).
//   track list (block 1 on): per cylinder, the offset of its data in 512-byte
//   blocks and its length in bytes (both sides: 2 × the side's bytes; 0 for a
//   cylinder with no track).
//   track data: 512-byte blocks, the first 256 bytes of each for side 0, the
//   next 256 for side 1; bits least significant first (cell 8j + k is bit k of
//   byte j); a 1 cell is a flux transition.
//
// Both sides of a cylinder have one length: the shorter side, and the last
// byte of every side, are filled with the cell pattern 0 1 0 1 … (a
// transition every two cells: FM and MFM zero bytes, legal in both). A side
// no track was given for is all zero cells (no flux: the reader reports it
// missing).
//
// Flux → cells (fluxToCells): HFE holds one revolution per track, played at
// the bit rate from the index. The revolution written is the first a flux
// reader kept or the first between two index pulses (`revolution` picks
// another); a capture without index pulses is written whole from its first
// sample (so nothing is lost, but the track then lasts what the capture
// lasted). The transitions are read with a cell clock of our own, a simple
// phase-and-frequency loop (a software data separator):
//
//   clock = w = 1 / (2 × data rate), ref = the revolution's start
//   per transition at t:  n = round((t − ref) / clock) cells since the last one
//                         (n < 1: a second transition in one cell, dropped and
//                         counted in `merged`); it is a 1 in that cell;
//                         err = (t − ref) − n · clock
//                         ref += n · clock + 0.65 · err      (phase)
//                         clock += 0.04 · err / n, within ±15 % of w (speed)
//
// Rounding against a fixed nominal clock instead fails wherever the drive's
// speed error has walked the phase to half a cell (every few hundred cells at
// 0.2 % off, as the shared MFM capture is): each transition then rounds either
// way. Rounding each interval alone (phase gain 1) passes every jitter of an
// edge into both of its intervals; the 0.65 gain keeps most of the phase
// correction and halves that. The track is as many cells as the revolution
// lasts at the recovered clock.
//
// Bit cells can also be given directly (`cells`: one 0/1 per cell, as
// src/encode/synth.ts builds them).

import type { EdgeChannels } from "../capture.js";
import { DiskfluxError } from "../errors.js";
import { firstEdgeAfter, fluxPlan, type FluxWriteTrack } from "./flux.js";

const HEADER = 512;
const BLOCK = 512;
const HALF = 256;
/** An HFE track length is 16 bits for both sides: at most this many bytes per side. */
export const HFE_MAX_SIDE_BYTES = 32767;

export const HFE_ENCODING_MFM = 0x00;
export const HFE_ENCODING_FM = 0x02;
export const HFE_ENCODING_UNKNOWN = 0xff;
export const HFE_IF_IBMPC_DD = 0x00;
export const HFE_IF_IBMPC_HD = 0x01;
export const HFE_IF_GENERIC_SHUGART = 0x07;
export const HFE_IF_IBMPC_ED = 0x08;

export interface HfeWriteTrack extends Omit<FluxWriteTrack, "capture"> {
  /** Flux to turn into cells (see the header); or `cells`. */
  readonly capture?: FluxWriteTrack["capture"];
  /** Bit cells, one 0/1 byte per cell, from the index. */
  readonly cells?: Uint8Array;
}

export interface HfeWriteOptions {
  /** The data rate in bit/s (the decoder's data_rate: 250000 for DD MFM, 125000 for 5.25" FM); cells go at twice it. */
  readonly dataRate: number;
  /** "FM", "MFM" or the header's encoding byte (default 0xFF, unknown). */
  readonly encoding?: "FM" | "MFM" | number;
  /** Rotation speed for the header (default 300). */
  readonly rpm?: number;
  /** Interface mode byte (default from the data rate, see the header). */
  readonly interfaceMode?: number;
  /** Which revolution of a multi-revolution track to write, from 0 (default 0). */
  readonly revolution?: number;
  /** Tracks to write: at least this many cylinders (default the highest given + 1). */
  readonly cylinders?: number;
  /** How logic captures become transitions, and their index channel (decode()'s defaults). */
  readonly channels?: EdgeChannels;
}

export interface HfeTrackReport {
  readonly cyl: number;
  readonly head: number;
  readonly cells: number;
  readonly transitions: number;
  /** Transitions dropped because another one already took their cell. */
  readonly merged: number;
  readonly from: "cells" | "revolutions" | "index" | "none";
  /** The revolution written (from 0) and how many the track had. */
  readonly revolution?: number;
  readonly revolutions?: number;
}

export interface HfeWriteResult {
  readonly bytes: Uint8Array;
  readonly tracks: readonly HfeTrackReport[];
  readonly warnings: readonly string[];
}

/** Phase and frequency gains of fluxToCells' cell clock (see the header). */
export const CELL_PHASE_GAIN = 0.65;
export const CELL_FREQUENCY_GAIN = 0.04;
/** The cell clock stays within this share of the nominal cell. */
export const CELL_CLOCK_RANGE = 0.15;

/**
 * Cells of the transitions in (start, end] at the data rate (see the header):
 * one 0/1 byte per cell, as many cells as (end − start) lasts.
 *
 * @example
 * import { fluxToCells, synthTrack } from "diskflux";
 * const t = synthTrack({ format: "MFM_floppy", jitter: 0.1, drift: 0.002 }); // 250 kbit/s at 15 MHz
 * const { edges, sampleRate, sampleCount = 0 } = t.edges;
 * const { cells, transitions, merged } = fluxToCells(edges, sampleRate, 250000, 0, sampleCount);
 * console.log(cells.length, transitions, merged); // one 0/1 byte per 2 µs cell; 1 = a transition
 */
export function fluxToCells(edges: Float64Array, sampleRate: number, dataRate: number, start: number, end: number): { cells: Uint8Array; transitions: number; merged: number } {
  const w0 = sampleRate / (2 * dataRate);
  const lo = w0 * (1 - CELL_CLOCK_RANGE), hi = w0 * (1 + CELL_CLOCK_RANGE);
  const a = firstEdgeAfter(edges, start), b = firstEdgeAfter(edges, end, a);
  // first pass: the cell of each transition; at most one cell per sample of the span
  const at = new Int32Array(b - a);
  let clock = w0, ref = start, cell = -1, transitions = 0, merged = 0;
  for (let k = a; k < b; k++) {
    const d = edges[k] - ref;
    const n = Math.round(d / clock);
    if (n < 1) {
      merged++;
      continue;
    }
    const err = d - n * clock;
    cell += n;
    at[transitions++] = cell;
    ref += n * clock + CELL_PHASE_GAIN * err;
    clock = Math.min(hi, Math.max(lo, clock + (CELL_FREQUENCY_GAIN * err) / n));
  }
  const tail = Math.max(0, Math.round((end - ref) / clock));
  const cells = new Uint8Array(cell + 1 + tail);
  for (let i = 0; i < transitions; i++) cells[at[i]] = 1;
  return { cells, transitions, merged };
}

function encodingByte(e: HfeWriteOptions["encoding"]): number {
  if (e === undefined) return HFE_ENCODING_UNKNOWN;
  if (e === "MFM") return HFE_ENCODING_MFM;
  if (e === "FM") return HFE_ENCODING_FM;
  if (Number.isInteger(e) && e >= 0 && e <= 255) return e;
  throw new DiskfluxError("E_ARGUMENT", `the HFE encoding is FM, MFM or a byte, not ${String(e)}`);
}

/** The interface mode for a data rate (see the header). */
export function hfeInterfaceMode(dataRate: number): number {
  if (dataRate <= 300000) return HFE_IF_IBMPC_DD;
  if (dataRate === 500000) return HFE_IF_IBMPC_HD;
  if (dataRate === 1000000) return HFE_IF_IBMPC_ED;
  return HFE_IF_GENERIC_SHUGART;
}

/** Packs cells (0/1 bytes) LSB first into `len` bytes, filling after the cells with 0 1 0 1 … */
function packCells(cells: Uint8Array, len: number): Uint8Array {
  const out = new Uint8Array(len);
  const total = len * 8;
  for (let i = 0; i < total; i++) {
    const bit = i < cells.length ? cells[i] : (i - cells.length) & 1;
    if (bit) out[i >> 3] |= 1 << (i & 7);
  }
  return out;
}

/**
 * Writes an HFE v1 image of the tracks (see the header).
 *
 * @example
 * import { synthTrack, writeHfeDetailed } from "diskflux";
 * const tracks = [0, 1].map((head) => ({ cyl: 0, head, cells: synthTrack({ format: "MFM_floppy", head }).cells }));
 * const hfe = writeHfeDetailed(tracks, { dataRate: 250000, encoding: "MFM", rpm: 300 });
 * for (const t of hfe.tracks) console.log(t.cyl, t.head, t.cells, t.from); // 0 0 … "cells"
 * console.log(hfe.bytes.length, hfe.warnings);
 */
export function writeHfeDetailed(tracks: Iterable<HfeWriteTrack>, opts: HfeWriteOptions): HfeWriteResult {
  const rate = opts.dataRate;
  if (!(Number.isFinite(rate) && rate >= 1000 && rate <= 4_500_000)) {
    throw new DiskfluxError("E_ARGUMENT", `the HFE data rate must be 1 kbit/s to 4.5 Mbit/s (the header holds kbit/s), not ${rate}`);
  }
  if (rate % 1000 !== 0) throw new DiskfluxError("E_ARGUMENT", `the HFE header holds the data rate in whole kbit/s; ${rate} bit/s is not`);
  const rpm = opts.rpm ?? 300;
  if (!(Number.isInteger(rpm) && rpm >= 0 && rpm <= 65535)) throw new DiskfluxError("E_ARGUMENT", `rpm must be a whole number up to 65535, not ${rpm}`);
  const pick = opts.revolution ?? 0;
  if (!(Number.isInteger(pick) && pick >= 0)) throw new DiskfluxError("E_ARGUMENT", `the revolution to write is counted from 0, not ${pick}`);
  const warnings: string[] = [];
  const sides = new Map<string, { cells: Uint8Array; report: HfeTrackReport }>();
  let maxCyl = -1, anyHead1 = false;
  for (const t of tracks) {
    const where = `cyl ${t.cyl} head ${t.head}`;
    if (!Number.isInteger(t.cyl) || t.cyl < 0 || t.cyl > 255 || (t.head !== 0 && t.head !== 1)) {
      throw new DiskfluxError("E_ARGUMENT", `${where}: an HFE image holds heads 0 and 1 of cylinders 0-255`);
    }
    const key = `${t.cyl}/${t.head}`;
    if (sides.has(key)) throw new DiskfluxError("E_ARGUMENT", `${where} is given twice; an HFE image holds one revolution of each track`);
    let cells: Uint8Array;
    let report: HfeTrackReport;
    if (t.cells) {
      cells = t.cells;
      let n = 0;
      for (let i = 0; i < cells.length; i++) if (cells[i]) n++;
      report = { cyl: t.cyl, head: t.head, cells: cells.length, transitions: n, merged: 0, from: "cells" };
    } else if (t.capture) {
      const plan = fluxPlan({ capture: t.capture, ...(t.revolutions ? { revolutions: t.revolutions } : {}) }, opts.channels ?? {});
      let start = 0, end = plan.sampleCount - 1;
      let revolution: number | undefined;
      if (plan.revolutions.length > 0) {
        if (pick >= plan.revolutions.length) {
          throw new DiskfluxError("E_ARGUMENT", `${plan.source} (${where}) has ${plan.revolutions.length} revolution${plan.revolutions.length === 1 ? "" : "s"}; revolution ${pick + 1} is not one of them`);
        }
        const r = plan.revolutions[pick];
        start = r.start;
        end = r.end;
        revolution = pick;
      }
      const c = fluxToCells(plan.edges, plan.sampleRate, rate, start, end);
      cells = c.cells;
      report = {
        cyl: t.cyl, head: t.head, cells: cells.length, transitions: c.transitions, merged: c.merged, from: plan.from,
        ...(revolution !== undefined ? { revolution, revolutions: plan.revolutions.length } : {}),
      };
      if (c.merged > 0) warnings.push(`${where}: ${c.merged} transitions fell in a cell already holding one and were dropped`);
    } else {
      throw new DiskfluxError("E_ARGUMENT", `${where}: neither cells nor a capture to write`);
    }
    const bytes = Math.ceil(cells.length / 8);
    if (bytes > HFE_MAX_SIDE_BYTES) {
      throw new DiskfluxError("E_LIMIT", `${where}: ${cells.length} cells (${bytes} bytes) is more than an HFE v1 track side holds (${HFE_MAX_SIDE_BYTES} bytes, ${HFE_MAX_SIDE_BYTES * 8} cells)`);
    }
    sides.set(key, { cells, report });
    maxCyl = Math.max(maxCyl, t.cyl);
    if (t.head === 1) anyHead1 = true;
  }
  if (sides.size === 0) throw new DiskfluxError("E_ARGUMENT", "no track to write to the HFE image");
  const cylinders = Math.max(maxCyl + 1, opts.cylinders ?? 0);
  if (cylinders > 255) throw new DiskfluxError("E_ARGUMENT", `an HFE image holds at most 255 tracks, not ${cylinders}`);
  const nSides = anyHead1 ? 2 : 1;

  // layout: header, track list, then each cylinder's blocks
  const listBlocks = Math.ceil((4 * cylinders) / BLOCK);
  let block = 1 + listBlocks;
  const plan: { offset: number; sideBytes: number }[] = [];
  for (let c = 0; c < cylinders; c++) {
    const s0 = sides.get(`${c}/0`), s1 = sides.get(`${c}/1`);
    const sideBytes = Math.max(s0 ? Math.ceil(s0.cells.length / 8) : 0, s1 ? Math.ceil(s1.cells.length / 8) : 0);
    plan.push({ offset: sideBytes ? block : 0, sideBytes });
    if (sideBytes) block += Math.ceil(sideBytes / HALF);
  }
  if (block > 0xffff) throw new DiskfluxError("E_LIMIT", `the HFE image would need ${block} blocks; its offsets are 16-bit`);
  const bytes = new Uint8Array(block * BLOCK);
  const v = new DataView(bytes.buffer);
  bytes.fill(0xff, 0, HEADER);
  bytes.set(new TextEncoder().encode("HXCPICFE"), 0);
  bytes[0x08] = 0; // revision 0: v1
  bytes[0x09] = cylinders;
  bytes[0x0a] = nSides;
  bytes[0x0b] = encodingByte(opts.encoding);
  v.setUint16(0x0c, rate / 1000, true);
  v.setUint16(0x0e, rpm, true);
  bytes[0x10] = opts.interfaceMode ?? hfeInterfaceMode(rate);
  bytes[0x11] = 0x00;
  v.setUint16(0x12, 1, true);
  bytes[0x14] = 0xff; // write allowed
  bytes[0x15] = 0xff; // single step
  bytes[0x16] = 0xff; // track 0 side 0 alternate encoding: off
  bytes[0x17] = 0xff;
  bytes[0x18] = 0xff; // track 0 side 1 alternate encoding: off
  bytes[0x19] = 0xff;
  bytes.fill(0xff, BLOCK, (1 + listBlocks) * BLOCK);
  for (let c = 0; c < cylinders; c++) {
    const p = plan[c];
    v.setUint16(BLOCK + 4 * c, p.offset, true);
    v.setUint16(BLOCK + 4 * c + 2, 2 * p.sideBytes, true);
    if (!p.sideBytes) continue;
    for (let h = 0; h < 2; h++) {
      const s = sides.get(`${c}/${h}`);
      if (!s && h >= nSides) continue;
      const packed = s ? packCells(s.cells, p.sideBytes) : new Uint8Array(p.sideBytes);
      for (let j = 0; j < p.sideBytes; j += HALF) {
        bytes.set(packed.subarray(j, Math.min(j + HALF, p.sideBytes)), p.offset * BLOCK + (j / HALF) * BLOCK + h * HALF);
      }
    }
  }
  const reports = [...sides.values()].map((s) => s.report).sort((a, b) => a.cyl - b.cyl || a.head - b.head);
  return { bytes, tracks: reports, warnings };
}

/**
 * Writes an HFE v1 image of the tracks; see writeHfeDetailed for what is reported.
 *
 * @example
 * import { readAnyCaptureFile, writeHfe } from "diskflux";
 * import { writeFile } from "node:fs/promises";
 * const drive = await readAnyCaptureFile("ibm360.scp");
 * if (drive.kind !== "tracks") throw new Error("not a flux image");
 * await writeFile("ibm360.hfe", writeHfe(drive.tracks, { dataRate: 250000, encoding: "MFM" })); // 360K: DD MFM, 250 kbit/s
 */
export function writeHfe(tracks: Iterable<HfeWriteTrack>, opts: HfeWriteOptions): Uint8Array {
  return writeHfeDetailed(tracks, opts).bytes;
}
