// SuperCard Pro flux images (.scp), as the "SuperCard Pro Image File
// Specification" by Jim Drew (cbmstuff.com, scp_image_specs.txt, v1.9 and the
// v2.x change notes) describes them. Written from that document's facts alone.
//
// All longwords little endian; the flux words big endian.
//
//   offset  size  field
//   0x00    3     "SCP"
//   0x03    1     version (nibbles major/minor; 0 when the footer carries it)
//   0x04    1     disk type (manufacturer << 4 | sub-class)
//   0x05    1     revolutions per track
//   0x06    1     start track      0x07  1  end track (inclusive)
//   0x08    1     flags: bit 0 INDEX (read started at the index), 1 TPI (96),
//                 2 RPM (360), 3 TYPE (normalized flux), 4 MODE (read/write image,
//                 no checksum), 5 FOOTER (extension footer present)
//   0x09    1     bit cell width: 0 = 16 bits (the only width ever used)
//   0x0A    1     heads: 0 = both, 1 = side 0 only, 2 = side 1 only
//   0x0B    1     resolution: a tick is 25 ns × (value + 1)
//   0x0C    4     checksum: the 32-bit sum of every byte from 0x10 to the end of
//                 the file (0 in read/write images)
//   0x10    4×n   track data header (TDH) offsets, entry n for track n (0 = none)
//
// Track n is cylinder n >> 1, head n & 1 (single-sided images skip every other
// entry). A TDH:
//
//   "TRK", track number, then per revolution three longwords:
//   index time (ticks, index to index), length (flux words), data offset
//   (from the TDH start, NOT from the start of the file)
//
// Flux data: 16-bit big-endian tick counts between transitions; a word of 0
// means "no transition for 65536 ticks": 65536 is added to the next non-zero
// word. Revolutions are stored as read, one after the other, no break.
//
// diskflux gives each track as one EdgeCapture at 40 MHz (one sample per 25 ns,
// ticks × (resolution + 1)) holding every revolution back to back (see flux.ts),
// with the index line when the read was index-cued (flag bit 0).

import { DiskfluxError } from "../errors.js";
import { escapeName } from "../escape.js";
import { fluxCapture, lazyFluxTrack, type FluxTrack, type Revolution } from "./flux.js";

/** Samples per second of every SCP track capture: 40 MHz, one sample per 25 ns. */
export const SCP_SAMPLE_RATE = 40_000_000;
/** Length of a TDH before its revolution entries ("TRK" + track number). */
const TDH_HEAD = 4;

export const SCP_FLAG_INDEX = 0x01;
export const SCP_FLAG_TPI = 0x02;
export const SCP_FLAG_RPM = 0x04;
export const SCP_FLAG_TYPE = 0x08;
export const SCP_FLAG_MODE = 0x10;
export const SCP_FLAG_FOOTER = 0x20;

export interface ScpReadOptions {
  /** Read a file whose checksum (or track header numbering) is wrong, with a warning instead of E_CORRUPT. */
  readonly force?: boolean;
}

export interface ScpRevolutionEntry {
  /** Index-to-index time in ticks, as stored. */
  readonly indexTicks: number;
  /** Flux words, as stored. */
  readonly length: number;
  /** File offset of the flux words. */
  readonly dataOffset: number;
}

export interface ScpTrack extends FluxTrack {
  /** SCP track number (cyl × 2 + head for double-sided numbering). */
  readonly track: number;
  readonly entries: readonly ScpRevolutionEntry[];
}

export interface ScpFile {
  /** Version byte (major << 4 | minor); 0 when the footer holds it. */
  readonly version: number;
  readonly diskType: number;
  readonly revolutionsPerTrack: number;
  readonly startTrack: number;
  readonly endTrack: number;
  readonly flags: number;
  /** 0 both sides, 1 side 0 only, 2 side 1 only. */
  readonly heads: number;
  /** Tick = 25 ns × (resolution + 1). */
  readonly resolution: number;
  readonly checksum: { readonly stored: number; readonly computed: number; readonly checked: boolean; readonly ok: boolean };
  /** Tracks with flux, in track-number order. */
  readonly tracks: readonly ScpTrack[];
  /** Tracks the table lists whose every revolution is empty, or holds no transition at all. */
  readonly missing: readonly { readonly cyl: number; readonly head: number }[];
  readonly warnings: string[];
}

/**
 * True when the bytes start with the "SCP" signature and a header that can be
 * one (at least one revolution, start track ≤ end track).
 */
export function isScp(bytes: Uint8Array): boolean {
  return bytes.length >= 0x10 && bytes[0] === 0x53 && bytes[1] === 0x43 && bytes[2] === 0x50 && bytes[5] > 0 && bytes[6] <= bytes[7];
}

function hex32(v: number): string {
  return "0x" + (v >>> 0).toString(16).toUpperCase().padStart(8, "0");
}

/** The SCP checksum: the 32-bit sum of bytes[from, end). */
export function scpChecksum(bytes: Uint8Array, from = 0x10): number {
  let sum = 0;
  // add in chunks well inside 2^53 before folding to 32 bits
  for (let i = from; i < bytes.length; ) {
    const end = Math.min(bytes.length, i + (1 << 20));
    let s = 0;
    for (; i < end; i++) s += bytes[i];
    sum = (sum + s) % 0x1_0000_0000;
  }
  return sum >>> 0;
}

/** Reads a SuperCard Pro image; the track captures are unpacked on access. */
export function readScp(bytes: Uint8Array, source = "disk.scp", opts: ScpReadOptions = {}): ScpFile {
  const name = escapeName(source);
  const corrupt = (msg: string) => new DiskfluxError("E_CORRUPT", `${name}: ${msg}`);
  const warnings: string[] = [];
  /** A damage that --force may pass with a warning. */
  const damaged = (msg: string) => {
    if (!opts.force) throw corrupt(`${msg} (read it anyway with force)`);
    warnings.push(`${name}: ${msg}; read anyway (force)`);
  };
  if (!(bytes.length >= 3 && bytes[0] === 0x53 && bytes[1] === 0x43 && bytes[2] === 0x50)) {
    throw new DiskfluxError("E_FORMAT", `${name}: no "SCP" signature, so not a SuperCard Pro image`);
  }
  if (bytes.length < 0x10) throw corrupt(`the file ends inside its 16-byte header (${bytes.length} bytes); it is truncated`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const u32 = (at: number) => view.getUint32(at, true);
  const version = bytes[3], diskType = bytes[4], revs = bytes[5], startTrack = bytes[6], endTrack = bytes[7];
  const flags = bytes[8], cellWidth = bytes[9], heads = bytes[10], resolution = bytes[11];
  if (cellWidth !== 0 && cellWidth !== 16) {
    throw new DiskfluxError("E_FORMAT", `${name}: ${cellWidth}-bit flux words; diskflux reads the 16-bit words every SCP writer uses (bit cell width 0)`);
  }
  if (revs === 0) throw corrupt("the header says 0 revolutions per track; the file is damaged");
  if (startTrack > endTrack) throw corrupt(`start track ${startTrack} is after end track ${endTrack}; the file is damaged`);
  if (heads > 2) warnings.push(`${name}: heads byte ${heads} is not 0, 1 or 2; tracks numbered as for a double-sided image`);

  const stored = u32(0x0c);
  const checked = (flags & SCP_FLAG_MODE) === 0;
  const computed = scpChecksum(bytes);
  const ok = !checked || stored === computed;
  if (!ok) damaged(`checksum ${hex32(stored)} does not match the file (${hex32(computed)}); the file is damaged`);

  const tableEnd = 0x10 + 4 * (endTrack + 1);
  if (tableEnd > bytes.length) throw corrupt(`the track table (tracks ${startTrack}-${endTrack}) runs past the end of the ${bytes.length}-byte file; it is truncated`);
  const mult = resolution + 1;
  const entryBytes = TDH_HEAD + 12 * revs;

  // Which numbering: n >> 1 / n & 1, unless a single-sided image numbers its tracks 0, 1, 2, …
  const present: number[] = [];
  for (let n = startTrack; n <= endTrack; n++) if (u32(0x10 + 4 * n) !== 0) present.push(n);
  const sequential = heads !== 0 && present.some((n) => (n & 1) !== (heads === 2 ? 1 : 0));
  if (sequential) warnings.push(`${name}: a single-sided image with consecutive track numbers; track n read as cylinder n, head ${heads === 2 ? 1 : 0}`);
  const place = (n: number) => (sequential ? { cyl: n, head: heads === 2 ? 1 : 0 } : { cyl: n >> 1, head: n & 1 });

  const tracks: ScpTrack[] = [];
  const missing: { cyl: number; head: number }[] = [];
  for (const n of present) {
    const { cyl, head } = place(n);
    const where = `track ${n} (cyl ${cyl} head ${head})`;
    const at = u32(0x10 + 4 * n);
    if (at < tableEnd) throw corrupt(`${where}: its header offset ${at} points into the file header and track table (${tableEnd} bytes); the offset is damaged`);
    if (at + entryBytes > bytes.length) {
      throw corrupt(`${where}: its ${entryBytes}-byte header at offset ${at} lies outside the file (${bytes.length} bytes); it is truncated or the offset is damaged`);
    }
    if (bytes[at] !== 0x54 || bytes[at + 1] !== 0x52 || bytes[at + 2] !== 0x4b) throw corrupt(`${where}: no "TRK" at offset ${at}; the track table or the file is damaged`);
    if (bytes[at + 3] !== n) damaged(`${where}: its header at offset ${at} says track ${bytes[at + 3]}`);
    const entries: ScpRevolutionEntry[] = [];
    let words = 0;
    for (let r = 0; r < revs; r++) {
      const e = at + TDH_HEAD + 12 * r;
      const indexTicks = u32(e), length = u32(e + 4), off = u32(e + 8);
      const dataOffset = at + off;
      if (length > 0 && (off < entryBytes || dataOffset + 2 * length > bytes.length)) {
        throw corrupt(`${where} revolution ${r + 1}: ${length} flux words at offset ${dataOffset} lie outside the file (${bytes.length} bytes)${dataOffset + 2 * length > bytes.length ? "; it is truncated or the offset is damaged" : ""}`);
      }
      entries.push({ indexTicks, length, dataOffset });
      words += length;
    }
    // transitions: every non-zero word (a zero adds 65536 ticks to the next)
    let transitions = 0;
    let lastRev = -1;
    entries.forEach((e, r) => {
      for (let i = 0, p = e.dataOffset; i < e.length; i++, p += 2) if (bytes[p] !== 0 || bytes[p + 1] !== 0) transitions++;
      if (e.length > 0) lastRev = r;
    });
    if (words === 0 || transitions === 0) {
      missing.push({ cyl, head });
      warnings.push(`${name}: ${where} ${words === 0 ? "has no flux (every revolution is empty)" : `holds no transition (${words} overflow words)`}; reported missing`);
      continue;
    }
    const last = entries[lastRev];
    const lp = last.dataOffset + 2 * (last.length - 1);
    if (bytes[lp] === 0 && bytes[lp + 1] === 0) {
      let run = 0;
      for (let p = lp; p >= last.dataOffset && bytes[p] === 0 && bytes[p + 1] === 0; p -= 2) run++;
      warnings.push(`${name}: ${where} ends inside an overflow run (${run} words of 0 with no closing value); that time holds no transition`);
    }
    const indexCued = (flags & SCP_FLAG_INDEX) !== 0;
    const src = `${source} cyl ${cyl} head ${head}`;
    // revolution boundaries need a pass over the words; they are computed once, here
    const revolutions: Revolution[] = [];
    let t = 0, carry = 0;
    const tickSeconds = 25e-9 * mult;
    for (const e of entries) {
      const start = t + carry * mult;
      for (let i = 0, p = e.dataOffset; i < e.length; i++, p += 2) {
        const v = (bytes[p] << 8) | bytes[p + 1];
        if (v === 0) carry += 65536;
        else {
          t += (carry + v) * mult;
          carry = 0;
        }
      }
      revolutions.push({ start, end: t + carry * mult, ...(e.indexTicks > 0 ? { indexTime: e.indexTicks * tickSeconds } : {}) });
    }
    const total = t + carry * mult;
    const unpack = () => {
      const edges = new Float64Array(transitions);
      let k = 0, tt = 0, c = 0;
      for (const e of entries) {
        for (let i = 0, p = e.dataOffset; i < e.length; i++, p += 2) {
          const v = (bytes[p] << 8) | bytes[p + 1];
          if (v === 0) c += 65536;
          else {
            tt += (c + v) * mult;
            c = 0;
            edges[k++] = tt;
          }
        }
      }
      const marks = indexCued ? [...revolutions.map((r) => r.start), total] : undefined;
      return fluxCapture(edges, SCP_SAMPLE_RATE, marks, total + 1, src);
    };
    tracks.push(lazyFluxTrack(cyl, head, revolutions, unpack, { track: n, entries }) as ScpTrack);
  }
  return {
    version, diskType, revolutionsPerTrack: revs, startTrack, endTrack, flags, heads, resolution,
    checksum: { stored, computed, checked, ok },
    tracks, missing, warnings,
  };
}
