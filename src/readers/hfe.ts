// HxC Floppy Emulator bit-cell images (.hfe), v1 ("HXCPICFE", revision 0) and
// v3 ("HXCHFEV3"), as the "HFE HxC Floppy Emulator file format" notes by
// Jean-François Del Nero (hxc2001.com/floppy_drive_emulator/HFE-file-format.html,
// v1.0–v3.1) describe them. Written from those notes' facts alone.
//
// Header (512 bytes, 16-bit fields little endian):
//
//   0x00  8  "HXCPICFE" (v1/v2) or "HXCHFEV3"
//   0x08  1  format revision (0 for v1; v2 files are revision 1)
//   0x09  1  number of tracks        0x0A  1  number of sides (1 or 2)
//   0x0B  1  track encoding (0 ISO/IBM MFM, 1 Amiga MFM, 2 ISO/IBM FM, 3 EMU FM, 0xFF unknown)
//   0x0C  2  bit rate in kbit/s (the data rate: 250 for DD MFM; cells go at twice it)
//   0x0E  2  RPM                     0x10  1  interface mode
//   0x11  1  (unused / write protect) 0x12  2  track list offset, in 512-byte blocks
//   0x14  1  write allowed           0x15  1  single step
//   0x16  1  track 0 side 0 alternate encoding off (0) / 0x17 its encoding
//   0x18  1  track 0 side 1 alternate encoding off (0) / 0x19 its encoding
//
// Track list: per track, offset (16 bits, 512-byte blocks) and length (16 bits,
// bytes, both sides together). Track data: 512-byte blocks, the first 256 bytes
// of each for side 0 and the next 256 for side 1; each side is length / 2
// bytes. Bits go out least significant first: bit k of byte j is cell 8j + k;
// a 1 is a flux transition in that cell, a 0 none. A track starts at the index.
//
// v3 opcodes: a byte whose bit-reversed value has the high nibble F (the low
// nibble F as stored) is an opcode, not cells (bit-reversed values):
//
//   0xF0 NOP         1 byte   nothing
//   0xF1 SETINDEX    1 byte   the index pulse is here
//   0xF2 SETBITRATE  2 bytes  cells from here on last v / 36 MHz (v = next byte,
//                             bit-reversed): the bit rate is 36 MHz / (2 v)
//   0xF3 SKIPBITS    2 bytes  the next data byte gives only its last 8 − n cells
//                             (n = next byte, bit-reversed, & 7)
//   0xF4 RAND        1 byte   8 cells of weak (random) bits
//
// diskflux gives each track and side as one EdgeCapture at 36 MHz (the HxC
// emulator's clock for v3 bit rates: 72 samples per 2 µs cell at 250 kbit/s
// MFM, 144 at 125 kbit/s FM): one revolution, the index at its start (or at
// SETINDEX). Weak bits (RAND) become a fixed pseudo-random pattern with at
// most one transition in two cells, so a read is repeatable.

import { DiskfluxError } from "../errors.js";
import { escapeName } from "../escape.js";
import { fluxCapture, lazyFluxTrack, type FluxTrack } from "./flux.js";

/** Samples per second of every HFE track capture (the HFE v3 bit-rate clock). */
export const HFE_SAMPLE_RATE = 36_000_000;

const SIG_V1 = "HXCPICFE";
const SIG_V3 = "HXCHFEV3";
const HEADER = 512;
const BLOCK = 512;
const HALF = 256;

export const HFE_NOP = 0xf0;
export const HFE_SETINDEX = 0xf1;
export const HFE_SETBITRATE = 0xf2;
export const HFE_SKIPBITS = 0xf3;
export const HFE_RAND = 0xf4;

export interface HfeTrack extends FluxTrack {
  /** File offset of the track's first block. */
  readonly offset: number;
  /** Bytes of this side. */
  readonly length: number;
}

export interface HfeFile {
  readonly version: 1 | 3;
  readonly revision: number;
  readonly cylinders: number;
  readonly sides: number;
  readonly encoding: number;
  /** kbit/s from the header. */
  readonly bitRate: number;
  readonly rpm: number;
  readonly interfaceMode: number;
  /** Tracks in (cyl, side) order. */
  readonly tracks: readonly HfeTrack[];
  /** Tracks whose length is 0 or whose side holds no transition. */
  readonly missing: readonly { readonly cyl: number; readonly head: number }[];
  readonly warnings: string[];
}

const REV = new Uint8Array(256);
for (let i = 0; i < 256; i++) {
  let r = 0;
  for (let b = 0; b < 8; b++) if (i & (1 << b)) r |= 0x80 >> b;
  REV[i] = r;
}

function signature(bytes: Uint8Array): string {
  let s = "";
  for (let i = 0; i < 8 && i < bytes.length; i++) s += String.fromCharCode(bytes[i]);
  return s;
}

/** True when the bytes start with an HFE signature (v1/v2 "HXCPICFE" or v3 "HXCHFEV3"). */
export function isHfe(bytes: Uint8Array): boolean {
  const s = signature(bytes);
  return s === SIG_V1 || s === SIG_V3;
}

/** Sample positions of the cells of one side: a transition per 1 cell, at the cell's end. */
interface Cells {
  edges: Float64Array;
  index: number[];
  total: number;
}

/**
 * Cells of one side to transition times at 36 MHz. `at(j)` is the file offset
 * of the side's byte j. v3 opcodes are interpreted when `v3` is set.
 */
function sideCells(bytes: Uint8Array, at: (j: number) => number, len: number, cellSamples: number, v3: boolean, seed: number, warn: (m: string) => void): Cells {
  // upper bound of transitions: the set bits (v3 RAND bytes give at most 4)
  let bound = 0;
  for (let j = 0; j < len; j++) {
    const b = bytes[at(j)];
    bound += v3 && (b & 0x0f) === 0x0f ? 8 : popcount(b);
  }
  const edges = new Float64Array(bound);
  const index: number[] = [];
  let k = 0;
  let t = 0; // exact time in samples (fractional when the cell length is)
  let cell = cellSamples;
  let skip = 0;
  let rng = (seed * 2654435761) >>> 0 || 1;
  const emit = (b: number, from: number) => {
    // b: a byte in transmission order (bit 0 first)
    for (let bit = from; bit < 8; bit++) {
      t += cell;
      if (b & (1 << bit)) edges[k++] = Math.round(t);
    }
  };
  let badRate = false;
  for (let j = 0; j < len; j++) {
    const raw = bytes[at(j)];
    if (v3 && (raw & 0x0f) === 0x0f) {
      const op = REV[raw];
      switch (op) {
        case HFE_NOP:
          continue;
        case HFE_SETINDEX:
          index.push(t);
          continue;
        case HFE_SETBITRATE: {
          if (j + 1 >= len) { warn("SETBITRATE at the end of the track has no value; ignored"); continue; }
          const v = REV[bytes[at(++j)]];
          if (v === 0) { if (!badRate) warn("SETBITRATE 0 (no rate); ignored"); badRate = true; }
          else cell = v; // 36 MHz samples per cell
          continue;
        }
        case HFE_SKIPBITS: {
          if (j + 1 >= len) { warn("SKIPBITS at the end of the track has no value; ignored"); continue; }
          skip = REV[bytes[at(++j)]] & 7;
          continue;
        }
        case HFE_RAND: {
          rng ^= rng << 13; rng >>>= 0; rng ^= rng >>> 17; rng ^= rng << 5; rng >>>= 0;
          emit(rng & 0x55, skip);
          skip = 0;
          continue;
        }
        default:
          continue; // unknown opcode: one byte, no cells
      }
    }
    emit(raw, skip);
    skip = 0;
  }
  return { edges: k === bound ? edges : edges.slice(0, k), index, total: t };
}

function popcount(b: number): number {
  b = b - ((b >> 1) & 0x55);
  b = (b & 0x33) + ((b >> 2) & 0x33);
  return (b + (b >> 4)) & 0x0f;
}

/** Reads an HFE v1 or v3 image; track captures are built on access. */
export function readHfe(bytes: Uint8Array, source = "disk.hfe"): HfeFile {
  const name = escapeName(source);
  const corrupt = (msg: string) => new DiskfluxError("E_CORRUPT", `${name}: ${msg}`);
  const sig = signature(bytes);
  if (sig !== SIG_V1 && sig !== SIG_V3) throw new DiskfluxError("E_FORMAT", `${name}: no HFE signature (HXCPICFE or HXCHFEV3), so not an HxC Floppy Emulator image`);
  if (bytes.length < 0x1a) throw corrupt(`the file ends inside its header (${bytes.length} bytes); it is truncated`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const u16 = (at: number) => view.getUint16(at, true);
  const version = sig === SIG_V3 ? 3 : 1;
  const revision = bytes[8];
  if (version === 1 && revision !== 0) {
    throw new DiskfluxError("E_FORMAT", `${name}: HFE format revision ${revision} (v2, the experimental opcode format) is not supported; diskflux reads v1 (revision 0) and v3 (HXCHFEV3)`);
  }
  const cylinders = bytes[9], sides = bytes[10], encoding = bytes[11];
  const bitRate = u16(0x0c), rpm = u16(0x0e), interfaceMode = bytes[0x10];
  const listAt = u16(0x12) * BLOCK;
  if (cylinders === 0) throw corrupt("the header says 0 tracks; the file is damaged");
  if (sides < 1 || sides > 2) throw corrupt(`the header says ${sides} sides (1 or 2); the file is damaged`);
  if (bitRate === 0) throw corrupt("the header's bit rate is 0 kbit/s; the file is damaged");
  if (bitRate > 4500) throw corrupt(`the header's bit rate ${bitRate} kbit/s is beyond any floppy (at most 4500 read); the file is damaged`);
  if (listAt < HEADER) throw corrupt(`the track list offset (${listAt}) points into the header; the file is damaged`);
  if (listAt + 4 * cylinders > bytes.length) throw corrupt(`the track list (${cylinders} tracks at offset ${listAt}) runs past the end of the ${bytes.length}-byte file; it is truncated`);

  const warnings: string[] = [];
  // one cell: 1 / (2 × bit rate) seconds = 18000 / kbit/s samples at 36 MHz
  const cellSamples = HFE_SAMPLE_RATE / (2 * bitRate * 1000);
  const tracks: HfeTrack[] = [];
  const missing: { cyl: number; head: number }[] = [];
  for (let c = 0; c < cylinders; c++) {
    const off = u16(listAt + 4 * c) * BLOCK;
    const len = u16(listAt + 4 * c + 2);
    const sideLen = len >> 1;
    if (sideLen === 0) {
      for (let h = 0; h < sides; h++) {
        missing.push({ cyl: c, head: h });
        warnings.push(`${name}: cyl ${c} head ${h} has a zero-length track; reported missing`);
      }
      continue;
    }
    // the last byte of side 1 (or 0): block floor((n-1)/256), half 1, byte (n-1) % 256
    const lastByte = off + Math.floor((sideLen - 1) / HALF) * BLOCK + (sides === 2 ? HALF : 0) + ((sideLen - 1) % HALF);
    if (off < HEADER) throw corrupt(`cyl ${c}: its data offset ${off} points into the header; the file is damaged`);
    if (lastByte >= bytes.length) {
      throw corrupt(`cyl ${c}: ${len} bytes of track data at offset ${off} run past the end of the ${bytes.length}-byte file; it is truncated or the offset is damaged`);
    }
    for (let h = 0; h < sides; h++) {
      const at = (j: number) => off + Math.floor(j / HALF) * BLOCK + h * HALF + (j % HALF);
      const seed = c * 2 + h + 1;
      // the revolution's length and index need a pass over the cells: done once here
      const first = sideCells(bytes, at, sideLen, cellSamples, version === 3, seed, (m) => warnings.push(`${name}: cyl ${c} head ${h}: ${m}`));
      if (first.edges.length === 0) {
        missing.push({ cyl: c, head: h });
        warnings.push(`${name}: cyl ${c} head ${h} holds no flux transition; reported missing`);
        continue;
      }
      const total = Math.round(first.total);
      const marks = first.index.length > 0 ? first.index.map((x) => Math.round(x)) : [0];
      const src = `${source} cyl ${c} head ${h}`;
      const unpack = () => fluxCapture(sideCells(bytes, at, sideLen, cellSamples, version === 3, seed, () => {}).edges, HFE_SAMPLE_RATE, marks, total + 1, src);
      tracks.push(lazyFluxTrack(c, h, [{ start: 0, end: total }], unpack, { offset: off, length: sideLen }) as HfeTrack);
    }
  }
  return { version, revision, cylinders, sides, encoding, bitRate, rpm, interfaceMode, tracks, missing, warnings };
}
