// Track encoder: sectors → one cell stream that the decoder of spec §3–§5 reads
// back. The reverse of the decoder, used for round-trip tests, the demo capture
// and `diskflux synth`.
//
// One sector on the track (FM/MFM bytes are 16 cells each; RLL bytes average 16):
//
//   gap │ preamble │ ID mark │ header │ CRC │ gap2 │ preamble │ data mark │ data │ CRC │ gap3 │ …
//       └─ S-cell pulses, ≥ round(32/S) of them, so the PLL locks (§3.4 step 4)
//
// Lock and alignment (§3.4 step 9, §4.4): after the preamble the pulse widths
// from its LAST transition must spell one of the preset's sync marks exactly.
// The mark byte then starts `eff` cells before the end of the mark's last pulse
// (eff = effective shift_index, §2.3), and it is the first byte decoded:
//
//   MFM A1 (mark A, eff 16)      …1 0 1 0│0 1 0 0 0 1 0 0 1 0 0 0 1 0 0 1│
//                                     ^ last preamble edge;  pulses 3 4 3 4 3
//   FM FE/C7 (mark A, eff 17)    …1 0│1 1 1 1 0 1 0 1 0 1 1 1 1 1 1 0│1
//                                  ^ pulses (2) 1 1 1 2 2 2 1 1 1 1 1 2 (ends on next clock)
//   RLL_WD F0 (mark [8,3], 12)   …1 0 0│1 0 0 0 X 0 0 0 1 0 0 1│0 0 …    (WD code of F0 FE…)
//                                       ^ pulses 8 3: the transition X of the code word is
//                                         removed; the decoder's §4.5 rewrite (SR ^= 0x10 on
//                                         the 8-cell pulse) puts it back before decoding.
//   RLL_Seagate 1E (mark [4,3,8,3], 18)  preamble edge, then 1E A1 in IBM code from the next
//                                         cell, transition 4 cells before the 8-pulse's end removed.
//   RLL_Seagate DE (mark [5,6,8,3], 18)  preamble edge, 4 empty cells, then DE A1 F8 …
//
// RLL fields are encoded from a fresh encoder starting at the mark byte (the
// decoder's code-word parse starts there too) and flushed after the gap bytes
// that follow the CRC. The decoder decodes exactly one gap byte after a CRC and
// then resets (§5.1 GAP1), so gaps are made of bytes whose pulses never form a
// run of S-cell pulses long enough to lock.
//
// Header formats (§5.3) and what the CRCs cover (§5.4) are in SYNTH_FORMATS.
// Every CRC is crcOf(width, poly, init, covered bytes), stored big endian; a
// layout's headerCrc / dataCrc replace the format's width, poly and init.

import { DiskfluxError } from "../errors.js";
import { crcOf } from "../kernels/crc.js";
import { PRESETS, LIMITS, markBases } from "../presets.js";
import {
  CellBuffer,
  FM_INDEX_CLOCK,
  FM_MARK_CLOCK,
  FmEncoder,
  MFM_A1_MISSING,
  MFM_C2_MISSING,
  MfmEncoder,
  encodeRll,
  pulseWidths,
  type RllCodemap,
} from "./cells.js";

export type SynthFormatName = "FM" | "MFM" | "MFM_floppy" | "MFM_WD" | "RLL_WD" | "RLL_Seagate";
export const SYNTH_FORMAT_NAMES: readonly SynthFormatName[] = ["FM", "MFM", "MFM_floppy", "MFM_WD", "RLL_WD", "RLL_Seagate"];

/** Header layouts used by the synth formats (§5.3). */
export type SynthHeaderFormat = "4" | "3" | "Seagate";

export interface CrcParams {
  /** Width in bits. */
  readonly width: 16 | 32 | 48 | 56;
  readonly poly: bigint;
  readonly init: bigint;
}

/** Gap and preamble sizes in bytes (RLL preambles: 16 cells per byte, cut into S-cell pulses). */
export interface GapSizes {
  /** Gap bytes at the start of the track. */
  readonly lead: number;
  /** Preamble before every address mark (FM/MFM: 00 bytes). */
  readonly preamble: number;
  /** Gap bytes after the index mark (only with indexMark). */
  readonly gap1: number;
  /** Gap bytes after the ID CRC. */
  readonly gap2: number;
  /** Gap bytes after the data CRC. */
  readonly gap3: number;
  /** Gap bytes at the end of the track. */
  readonly trail: number;
}

export interface SynthFormat {
  readonly name: SynthFormatName;
  readonly description: string;
  /** The sigrok `-P mfm:` option string that decodes this format. */
  readonly options: string;
  /** Decoder preset (`format=` option). */
  readonly preset: "FM" | "MFM" | "RLL_WD" | "RLL_Seagate";
  readonly encoding: "FM" | "MFM" | "RLL";
  readonly codemap: "FM/MFM" | RllCodemap;
  /** Data bits per second (`data_rate=`). */
  readonly dataRate: number;
  /** Default sample rate of synthesized captures. */
  readonly sampleRate: number;
  /** Preset sync_pulse S, sync marks (cell counts), shift_index as written, cell limits (§2.2, §2.3). */
  readonly syncPulse: number;
  readonly syncMarks: readonly (readonly number[])[];
  readonly shiftIndex: readonly number[];
  readonly limits: readonly [min: number, max: number];
  readonly headerFormat: SynthHeaderFormat;
  readonly headerBytes: number;
  readonly headerCrc: CrcParams;
  readonly dataCrc: CrcParams;
  /** On-disk bytes of the ID mark (0xFE stands for the WD cylinder mark with header format 3). */
  readonly idMark: readonly number[];
  /** Bytes the header CRC covers before the record (§5.4), same FE convention. */
  readonly idCrcPrefix: readonly number[];
  /** On-disk bytes of the data mark; the last one is the DAM byte. */
  readonly dataMark: readonly number[];
  /** Bytes the data CRC covers before the data; the last one is the DAM byte. */
  readonly dataCrcPrefix: readonly number[];
  /** On-disk bytes of the index mark, when the format has one. */
  readonly indexMark?: readonly number[];
  /** Gap filler byte (FM: FF, MFM and RLL: 4E). */
  readonly gapByte: number;
  readonly defaults: {
    readonly sectorsPerTrack: number;
    readonly sectorSize: number;
    readonly firstSector: number;
    readonly gaps: GapSizes;
  };
}

const CRC16: CrcParams = { width: 16, poly: 0x1021n, init: 0xffffn };

/** The synth formats, each with the decoder options that read it back. */
/** What the decoder preset already says (§2.2, §2.3): the encoder writes exactly what it will look for. */
function fromPreset(name: "FM" | "MFM" | "RLL_WD" | "RLL_Seagate") {
  const p = PRESETS[name];
  const cells = LIMITS[p.limits];
  return {
    codemap: p.codemap,
    syncPulse: p.syncPulse,
    syncMarks: p.syncMarks,
    shiftIndex: p.shiftIndex,
    limits: [Math.min(...cells), Math.max(...cells)] as const,
  };
}

export const SYNTH_FORMATS: Readonly<Record<SynthFormatName, SynthFormat>> = {
  FM: {
    name: "FM",
    description: "FM single-density floppy (IBM 3740 style): FE/C7 ID mark, FB/C7 data mark, CRC-16",
    options: "data_rate=125000:format=FM:data_crc_size=16:data_crc_poly=0x1021",
    preset: "FM",
    ...fromPreset("FM"),
    encoding: "FM",
    dataRate: 125000,
    sampleRate: 15_000_000,
    headerFormat: "4",
    headerBytes: 4,
    headerCrc: CRC16,
    dataCrc: CRC16,
    idMark: [0xfe],
    idCrcPrefix: [0xfe],
    dataMark: [0xfb],
    dataCrcPrefix: [0xfb],
    indexMark: [0xfc],
    gapByte: 0xff,
    defaults: {
      sectorsPerTrack: 10,
      sectorSize: 256,
      firstSector: 1,
      gaps: { lead: 16, preamble: 6, gap1: 26, gap2: 11, gap3: 20, trail: 16 },
    },
  },
  MFM: {
    name: "MFM",
    description: "MFM hard disk (ST-506, RQDX3/HDC9224 style): A1 FE ID, A1 F8 data, CRC-16 header, CRC-32 0xA00805 data",
    options: "data_rate=5000000:format=MFM",
    preset: "MFM",
    ...fromPreset("MFM"),
    encoding: "MFM",
    dataRate: 5_000_000,
    sampleRate: 100_000_000,
    headerFormat: "4",
    headerBytes: 4,
    headerCrc: CRC16,
    dataCrc: { width: 32, poly: 0xa00805n, init: 0xffffffffn },
    idMark: [0xa1, 0xfe],
    idCrcPrefix: [0xa1, 0xfe],
    dataMark: [0xa1, 0xf8],
    dataCrcPrefix: [0xa1, 0xf8],
    indexMark: [0xc2, 0xc2, 0xc2, 0xfc],
    gapByte: 0x4e,
    defaults: {
      sectorsPerTrack: 17,
      sectorSize: 512,
      firstSector: 0,
      gaps: { lead: 16, preamble: 13, gap1: 16, gap2: 5, gap3: 16, trail: 16 },
    },
  },
  MFM_floppy: {
    name: "MFM_floppy",
    description: "MFM double-density floppy (IBM System/34 style): A1 A1 A1 FE ID, A1 A1 A1 FB data, CRC-16",
    options: "data_rate=250000:format=MFM:data_crc_size=16:data_crc_poly=0x1021",
    preset: "MFM",
    ...fromPreset("MFM"),
    encoding: "MFM",
    dataRate: 250_000,
    sampleRate: 15_000_000,
    headerFormat: "4",
    headerBytes: 4,
    headerCrc: CRC16,
    dataCrc: CRC16,
    idMark: [0xa1, 0xa1, 0xa1, 0xfe],
    idCrcPrefix: [0xa1, 0xa1, 0xa1, 0xfe],
    dataMark: [0xa1, 0xa1, 0xa1, 0xfb],
    dataCrcPrefix: [0xa1, 0xa1, 0xa1, 0xfb],
    indexMark: [0xc2, 0xc2, 0xc2, 0xfc],
    gapByte: 0x4e,
    defaults: {
      sectorsPerTrack: 18,
      sectorSize: 256,
      firstSector: 1,
      gaps: { lead: 32, preamble: 12, gap1: 50, gap2: 22, gap3: 24, trail: 16 },
    },
  },
  MFM_WD: {
    name: "MFM_WD",
    description: "MFM hard disk, WD1003/WD1006 style: A1 FE ID with the high cylinder bits in the mark (header format 3, cylinders 0-2047), A1 F8 data, CRC-16 header, CRC-32 0x140a0445 data",
    options: "data_rate=5000000:format=MFM:header_format=3:data_crc_poly=0x140a0445",
    preset: "MFM",
    ...fromPreset("MFM"),
    encoding: "MFM",
    dataRate: 5_000_000,
    sampleRate: 100_000_000,
    headerFormat: "3",
    headerBytes: 3,
    headerCrc: CRC16,
    dataCrc: { width: 32, poly: 0x140a0445n, init: 0xffffffffn },
    idMark: [0xa1, 0xfe],
    idCrcPrefix: [0xa1, 0xfe],
    dataMark: [0xa1, 0xf8],
    dataCrcPrefix: [0xa1, 0xf8],
    indexMark: [0xc2, 0xc2, 0xc2, 0xfc],
    gapByte: 0x4e,
    defaults: {
      sectorsPerTrack: 17,
      sectorSize: 512,
      firstSector: 1,
      gaps: { lead: 16, preamble: 13, gap1: 16, gap2: 5, gap3: 16, trail: 16 },
    },
  },
  RLL_WD: {
    name: "RLL_WD",
    description: "RLL(2,7) WD1003V-SR1 style: F0 FE ID (header format 3), F0 F8 data, CRC-16 header, ECC-56 data",
    options: "data_rate=7500000:format=RLL_WD:header_format=3:data_crc_size=56:data_crc_poly=0x140a0445000101",
    preset: "RLL_WD",
    ...fromPreset("RLL_WD"),
    encoding: "RLL",
    dataRate: 7_500_000,
    sampleRate: 200_000_000,
    headerFormat: "3",
    headerBytes: 3,
    headerCrc: CRC16,
    dataCrc: { width: 56, poly: 0x140a0445000101n, init: 0xffffffffffffffn },
    idMark: [0xf0, 0xfe],
    idCrcPrefix: [0xa1, 0xfe],
    dataMark: [0xf0, 0xf8],
    dataCrcPrefix: [0xa1, 0xf8],
    gapByte: 0x4e,
    defaults: {
      sectorsPerTrack: 26,
      sectorSize: 512,
      firstSector: 1,
      gaps: { lead: 16, preamble: 12, gap1: 16, gap2: 5, gap3: 16, trail: 16 },
    },
  },
  RLL_Seagate: {
    name: "RLL_Seagate",
    description: "RLL(2,7) Seagate ST21R style: 1E A1 ID (Seagate header), DE A1 F8 data, CRC-32 0x41044185 init 0",
    options:
      "data_rate=7500000:format=RLL_Seagate:header_format=Seagate:header_crc_size=32:header_crc_poly=0x41044185:header_crc_init=0:sector_size=512:data_crc_poly=0x41044185:data_crc_init=0",
    preset: "RLL_Seagate",
    ...fromPreset("RLL_Seagate"),
    encoding: "RLL",
    dataRate: 7_500_000,
    sampleRate: 200_000_000,
    headerFormat: "Seagate",
    headerBytes: 4,
    headerCrc: { width: 32, poly: 0x41044185n, init: 0n },
    dataCrc: { width: 32, poly: 0x41044185n, init: 0n },
    idMark: [0x1e, 0xa1],
    idCrcPrefix: [0xa1],
    dataMark: [0xde, 0xa1, 0xf8],
    dataCrcPrefix: [0xa1, 0xf8],
    gapByte: 0x4e,
    defaults: {
      sectorsPerTrack: 26,
      sectorSize: 512,
      firstSector: 0,
      gaps: { lead: 16, preamble: 12, gap1: 16, gap2: 5, gap3: 16, trail: 16 },
    },
  },
};

// ---------------------------------------------------------------------------
// Layout

export interface SectorSpec {
  readonly cyl: number;
  readonly head: number;
  readonly sec: number;
  /** Payload; its length (128 << k, k = 0..7) gives the size code. Seagate: 512 only. */
  readonly data: Uint8Array;
  /** Flip bit 0 of the last ID CRC byte. */
  readonly badIdCrc?: boolean;
  /** Flip bit 0 of the last data CRC byte. */
  readonly badDataCrc?: boolean;
  /** Write the ID field only (no data mark, no data). */
  readonly missingData?: boolean;
  /** DAM byte (F8–FB; FM: FB only). Default: the format's. */
  readonly dataMark?: number;
}

export interface TrackLayout {
  readonly format: SynthFormatName;
  readonly sectors: readonly SectorSpec[];
  /** Overrides of the format's default gap sizes. */
  readonly gaps?: Partial<GapSizes>;
  /** Write an index address mark before the first sector (FM, MFM formats only). */
  readonly indexMark?: boolean;
  /** Header CRC replacing the format's (width 16 or 32; poly and init masked to the width). */
  readonly headerCrc?: CrcParams;
  /** Data CRC replacing the format's (width 16, 32, 48 or 56; poly and init masked to the width). */
  readonly dataCrc?: CrcParams;
}

/** The bytes of one ID or data field. */
export interface FieldBytes {
  /** Bytes as written on the track: mark bytes, record, CRC. */
  readonly onDisk: Uint8Array;
  /** Bytes the CRC covers (§5.4), e.g. A1 FE rec. */
  readonly covered: Uint8Array;
  /** The CRC as stored (big endian; flipped when deliberately bad). */
  readonly crc: Uint8Array;
  /** Whether the stored CRC is the correct one. */
  readonly crcOk: boolean;
}

function arg(message: string): DiskfluxError {
  return new DiskfluxError("E_ARGUMENT", message);
}

function checkInt(name: string, v: number, max: number): void {
  if (!Number.isInteger(v) || v < 0 || v > max) throw arg(`${name} must be an integer in 0..${max}, got ${v}`);
}

/** A CRC override checked and masked to its width: poly holds the low W bits (x^W implied). */
export function maskCrc(what: string, c: CrcParams, widths: readonly number[]): CrcParams {
  if (!widths.includes(c.width)) throw arg(`${what} CRC width must be ${widths.join(", ")} bits, got ${String(c.width)}`);
  if (typeof c.poly !== "bigint" || typeof c.init !== "bigint") throw arg(`${what} CRC poly and init must be bigints (e.g. 0x1021n)`);
  const mask = (1n << BigInt(c.width)) - 1n;
  return { width: c.width, poly: c.poly & mask, init: c.init & mask };
}

/** The format with the layout's CRC overrides in place (the format itself when there are none). */
export function withCrcs(fmt: SynthFormat, over: { readonly headerCrc?: CrcParams; readonly dataCrc?: CrcParams }): SynthFormat {
  if (!over.headerCrc && !over.dataCrc) return fmt;
  return {
    ...fmt,
    ...(over.headerCrc ? { headerCrc: maskCrc("header", over.headerCrc, [16, 32]) } : {}),
    ...(over.dataCrc ? { dataCrc: maskCrc("data", over.dataCrc, [16, 32, 48, 56]) } : {}),
  };
}

/** log2(length / 128) for a sector payload, or an E_ARGUMENT error. */
export function sizeCode(length: number): number {
  for (let k = 0; k <= 7; k++) if (128 << k === length) return k;
  throw arg(`sector data length must be 128, 256, …, 16384 bytes, got ${length}`);
}

/** WD header-format-3 ID mark carrying cylinder bits 8..10 (§5.3): FE FF FC FD F6 F7 F4 F5. */
export function wdIdMark(cyl: number): number {
  const hi = cyl >>> 8;
  const m = (hi & 3) | (hi & 4 ? 8 : 0);
  return 0xf0 | (m ^ 0x0e);
}

function crcBytes(p: CrcParams, covered: Uint8Array, bad: boolean): { crc: Uint8Array } {
  let v = crcOf(p.width, p.poly, p.init, covered);
  const n = p.width / 8;
  const crc = new Uint8Array(n);
  for (let i = n - 1; i >= 0; i--) {
    crc[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  if (bad) crc[n - 1] ^= 0x01;
  return { crc };
}

function concat(...parts: ArrayLike<number>[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((a, p) => a + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** The ID field of a sector: mark bytes, header record (§5.3), CRC. */
export function idField(fmt: SynthFormat, s: SectorSpec): FieldBytes {
  checkInt("sec", s.sec, 255);
  let rec: number[];
  let markByte = 0xfe;
  switch (fmt.headerFormat) {
    case "4":
      checkInt("cyl", s.cyl, 255);
      checkInt("head", s.head, 255);
      rec = [s.cyl, s.head, s.sec, sizeCode(s.data.length)];
      break;
    case "3":
      checkInt("cyl", s.cyl, 2047);
      checkInt("head", s.head, 15);
      rec = [s.cyl & 0xff, (sizeCode(s.data.length) << 4) | s.head, s.sec];
      markByte = wdIdMark(s.cyl);
      break;
    case "Seagate":
      checkInt("cyl", s.cyl, 1023);
      checkInt("head", s.head, 15);
      if (s.data.length !== 512) throw arg(`Seagate sectors are 512 bytes, got ${s.data.length}`);
      rec = [((s.cyl >>> 8) << 6) | s.head, s.cyl & 0xff, s.sec, 0];
      break;
  }
  const swap = (b: number) => (b === 0xfe ? markByte : b);
  const covered = concat(fmt.idCrcPrefix.map(swap), rec);
  const { crc } = crcBytes(fmt.headerCrc, covered, !!s.badIdCrc);
  return { onDisk: concat(fmt.idMark.map(swap), rec, crc), covered, crc, crcOk: !s.badIdCrc };
}

/** The data field of a sector: mark bytes, payload, CRC. */
export function dataField(fmt: SynthFormat, s: SectorSpec): FieldBytes {
  if (s.data.length > 16384) throw arg(`sector data longer than 16384 bytes (${s.data.length})`);
  const dam = s.dataMark ?? fmt.dataMark[fmt.dataMark.length - 1];
  if (fmt.encoding === "FM" ? dam !== 0xfb : dam < 0xf8 || dam > 0xfb) {
    throw arg(`data mark 0x${dam.toString(16)} is not decodable as a DAM in format ${fmt.name}`);
  }
  const withDam = (m: readonly number[]) => [...m.slice(0, -1), dam];
  const covered = concat(withDam(fmt.dataCrcPrefix), s.data);
  const { crc } = crcBytes(fmt.dataCrc, covered, !!s.badDataCrc);
  return { onDisk: concat(withDam(fmt.dataMark), s.data, crc), covered, crc, crcOk: !s.badDataCrc };
}

// ---------------------------------------------------------------------------
// Sync-mark bookkeeping (§2.3, §3.4, §4.4)

/** Effective cell offset of each sync mark (§4.4): common value minus mark 0's last pulse plus mark i's. */
export function effectiveShifts(fmt: Pick<SynthFormat, "syncMarks" | "shiftIndex">): number[] {
  const bases = markBases(fmt.syncMarks, fmt.shiftIndex);
  if (!bases) throw new DiskfluxError("E_ARGUMENT", "shift_index must have one value or one per sync mark");
  return fmt.syncMarks.map((m, i) => bases[i] + m[m.length - 1]);
}

/** Pulses needed to lock: round(32 / S) (16, 11, 8 for S = 2, 3, 4). */
export function lockPulses(syncPulse: number): number {
  return Math.floor(32 / syncPulse + 0.5); // 32/S is never exactly a half for S = 2, 3, 4
}

export interface SyncMatch {
  /** Index of the matched sync mark in the preset list. */
  readonly syncMark: number;
  /** Cell of the transition that completes the mark. */
  readonly markEnd: number;
  /** First cell of the first decoded byte (the mark byte): markEnd − eff + 1. */
  readonly byteStart: number;
  /** Preamble pulses counted (lock run plus extra S pulses while scanning). */
  readonly preamblePulses: number;
}

/**
 * Runs the lock / scan logic of §3.4 (steps 4, 5 and 9) on ideal pulse widths
 * from cells[from, to) and reports the first sync mark found. No PLL timing:
 * every pulse is taken at its exact cell count. Used to check encoded tracks.
 */
export function findSync(
  cells: Uint8Array,
  fmt: Pick<SynthFormat, "syncPulse" | "syncMarks" | "shiftIndex" | "limits">,
  from = 0,
  to = cells.length,
): SyncMatch | null {
  const S = fmt.syncPulse;
  const nLock = lockPulses(S);
  const [cmin, cmax] = fmt.limits;
  const marks = fmt.syncMarks;
  const eff = effectiveShifts(fmt);
  let scanning = false;
  let count = 0;
  const tried: number[] = [];
  const reset = () => {
    scanning = false;
    count = 0;
    tried.length = 0;
  };
  let prev = -1;
  for (let t = from; t < to; t++) {
    if (cells[t] === 0) continue;
    if (prev < 0) {
      prev = t;
      continue;
    }
    const n = t - prev;
    prev = t;
    if (!scanning) {
      if (n !== S) {
        reset();
        continue;
      }
      count++;
      if (count === 1) continue;
      if (count >= nLock) scanning = true;
    }
    if (n < cmin || n > cmax) {
      reset();
      continue;
    }
    if (!scanning) continue;
    if (tried.length === 0 && n === S) {
      count++;
      continue;
    }
    let hit = -1;
    for (let m = 0; m < marks.length && hit < 0; m++) {
      const mk = marks[m];
      if (mk.length <= tried.length || mk[tried.length] !== n) continue;
      let same = true;
      for (let j = 0; j < tried.length; j++) if (mk[j] !== tried[j]) same = false;
      if (same) hit = m;
    }
    if (hit < 0) {
      reset();
      continue;
    }
    tried.push(n);
    if (tried.length === marks[hit].length) {
      return { syncMark: hit, markEnd: t, byteStart: t - eff[hit] + 1, preamblePulses: count };
    }
  }
  return null;
}

/**
 * RLL mark construction. `code` = cells of the mark bytes and everything after
 * them from a fresh encoder. Finds the first preset sync mark that the code
 * can be made to spell by removing the one transition the §4.5 rewrite puts
 * back, and returns the cells from the last preamble transition on:
 *
 *   region[0] = 1 (last preamble transition), code placed at region[start],
 *   start = sum(mark) − eff + 1, transition at (end of 8-pulse) − 4 cleared.
 */
export function rllMarkRegion(
  fmt: Pick<SynthFormat, "syncMarks" | "shiftIndex">,
  code: Uint8Array,
): { region: Uint8Array; start: number; syncMark: number } | null {
  const eff = effectiveShifts(fmt);
  for (let m = 0; m < fmt.syncMarks.length; m++) {
    const mark = fmt.syncMarks[m];
    const sum = mark.reduce((a, b) => a + b, 0);
    const start = sum - eff[m] + 1;
    if (start < 0 || (start === 0 && code[0] !== 1) || start + code.length <= sum) continue;
    const region = new Uint8Array(start + code.length);
    region.set(code, start);
    region[0] = 1;
    let end = 0;
    let ok = true;
    for (const p of mark) {
      end += p;
      if (p !== 8) continue;
      const r = end - 4;
      if (r < start || region[r] !== 1) ok = false;
      else region[r] = 0;
    }
    if (!ok || region[sum] !== 1) continue;
    const pulses = pulseWidths(region, 0, sum + 1);
    if (pulses.length === mark.length && pulses.every((p, i) => p === mark[i])) return { region, start, syncMark: m };
  }
  return null;
}

// ---------------------------------------------------------------------------
// Track encoder

export type MarkKind = "index" | "id" | "data";

export interface MarkPlacement {
  readonly kind: MarkKind;
  /** Index into layout.sectors (−1 for the index mark). */
  readonly sector: number;
  /** First cell of the preamble before the mark. */
  readonly preambleCell: number;
  /** First cell of the first mark byte (the first byte the decoder yields). */
  readonly cell: number;
  /** Which preset sync mark it spells. */
  readonly syncMark: number;
  /** Bytes the decoder should yield from `cell` on: mark bytes, record, CRC, then the first gap byte. */
  readonly bytes: Uint8Array;
}

export interface EncodedTrack {
  readonly format: SynthFormat;
  readonly gaps: GapSizes;
  /** One cell per element (0/1). */
  readonly cells: Uint8Array;
  readonly marks: readonly MarkPlacement[];
  /** Per sector: its ID and data fields (data null when missing). */
  readonly fields: readonly { readonly id: FieldBytes; readonly data: FieldBytes | null }[];
}

function resolveGaps(fmt: SynthFormat, over?: Partial<GapSizes>): GapSizes {
  const g = { ...fmt.defaults.gaps, ...over };
  for (const [k, v] of Object.entries(g)) checkInt(`gaps.${k}`, v, 1 << 20);
  if (g.gap2 < 1 || g.gap3 < 1 || g.gap1 < 1) throw arg("gap1, gap2 and gap3 need at least 1 byte (the decoder reads one gap byte)");
  // The decoder needs round(32/S) pulses to lock; ask for a margin of 4.
  const pulses = Math.floor((g.preamble * 16) / fmt.syncPulse);
  const need = lockPulses(fmt.syncPulse) + 4;
  if (pulses < need) throw arg(`preamble of ${g.preamble} bytes gives ${pulses} sync pulses; ${need} needed to lock`);
  return g;
}

/** Encodes a track layout to cells (one per element). */
export function encodeTrack(layout: TrackLayout): Uint8Array {
  return encodeTrackDetailed(layout).cells;
}

/** Encodes a track layout and reports where every mark landed. */
export function encodeTrackDetailed(layout: TrackLayout): EncodedTrack {
  const base = SYNTH_FORMATS[layout.format];
  if (!base) throw arg(`unknown synth format '${String(layout.format)}'`);
  const fmt = withCrcs(base, layout);
  const gaps = resolveGaps(fmt, layout.gaps);
  if (layout.indexMark && !fmt.indexMark) throw arg(`format ${fmt.name} has no index mark`);
  const fields = layout.sectors.map((s) => ({ id: idField(fmt, s), data: s.missingData ? null : dataField(fmt, s) }));

  // A field: preamble, mark bytes + rest, `gap` gap bytes. nMark = leading mark bytes that are special.
  type Field = { kind: MarkKind; sector: number; bytes: Uint8Array; nMark: number; gap: number };
  const list: Field[] = [];
  if (layout.indexMark && fmt.indexMark) {
    list.push({ kind: "index", sector: -1, bytes: Uint8Array.from(fmt.indexMark), nMark: fmt.indexMark.length, gap: gaps.gap1 });
  }
  fields.forEach((f, i) => {
    list.push({ kind: "id", sector: i, bytes: f.id.onDisk, nMark: fmt.idMark.length, gap: gaps.gap2 });
    if (f.data) list.push({ kind: "data", sector: i, bytes: f.data.onDisk, nMark: fmt.dataMark.length, gap: gaps.gap3 });
  });

  const out = new CellBuffer(1 << 16);
  const marks: MarkPlacement[] = [];
  const gapBytes = (n: number) => new Uint8Array(n).fill(fmt.gapByte);

  if (fmt.encoding === "RLL") {
    const codemap = fmt.codemap as RllCodemap;
    const S = fmt.syncPulse;
    const pulses = Math.floor((gaps.preamble * 16) / S);
    out.pushCells(encodeRll(gapBytes(gaps.lead), codemap));
    for (const f of list) {
      const code = encodeRll(concat(f.bytes, gapBytes(f.gap)), codemap);
      const built = rllMarkRegion(fmt, code);
      if (!built) throw new Error(`internal: no ${fmt.name} sync mark fits mark bytes ${hex(f.bytes.subarray(0, f.nMark))}`);
      const preambleCell = out.length;
      // `pulses` S-cell pulses; the region starts with the last preamble transition.
      for (let i = 0; i < pulses; i++) out.pushWord(1 << (S - 1), S);
      const cell = out.length + built.start;
      out.pushCells(built.region);
      marks.push({ kind: f.kind, sector: f.sector, preambleCell, cell, syncMark: built.syncMark, bytes: concat(f.bytes, [fmt.gapByte]) });
    }
    out.pushCells(encodeRll(gapBytes(gaps.trail), codemap));
  } else {
    const fm = fmt.encoding === "FM";
    const fmEnc = new FmEncoder(out);
    const mfmEnc = new MfmEncoder(out);
    const put = (v: number, special: boolean) => {
      if (fm) fmEnc.byte(v, special ? (v === 0xfc ? FM_INDEX_CLOCK : FM_MARK_CLOCK) : 0xff);
      else mfmEnc.byte(v, special ? (v === 0xc2 ? MFM_C2_MISSING : MFM_A1_MISSING) : 0);
    };
    const putGap = (n: number) => {
      for (let i = 0; i < n; i++) put(fmt.gapByte, false);
    };
    putGap(gaps.lead);
    for (const f of list) {
      const preambleCell = out.length;
      for (let i = 0; i < gaps.preamble; i++) put(0x00, false);
      const cell = out.length;
      // FM: the single mark byte gets the C7/D7 clock. MFM: the leading A1/C2 bytes lose a clock.
      f.bytes.forEach((b, i) => put(b, fm ? i === 0 : i < f.nMark && (b === 0xa1 || b === 0xc2)));
      putGap(f.gap);
      marks.push({ kind: f.kind, sector: f.sector, preambleCell, cell, syncMark: -1, bytes: concat(f.bytes, [fmt.gapByte]) });
    }
    putGap(gaps.trail);
  }

  const cells = out.toCells();
  // Self-check: each preamble locks and its mark aligns on the mark byte (§3.4, §4.4).
  const placed = marks.map((m) => {
    const hit = findSync(cells, fmt, m.preambleCell, m.cell + 64);
    if (!hit || hit.byteStart !== m.cell) {
      throw new Error(`internal: ${fmt.name} ${m.kind} mark at cell ${m.cell} does not sync (${JSON.stringify(hit)})`);
    }
    return { ...m, syncMark: hit.syncMark };
  });
  return { format: fmt, gaps, cells, marks: placed, fields };
}

function hex(b: Uint8Array): string {
  return Array.from(b, (x) => x.toString(16).toUpperCase().padStart(2, "0")).join(" ");
}
