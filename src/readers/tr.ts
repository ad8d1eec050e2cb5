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
//   32      4+L   command line (length, text, trailing NULs stripped)
//   ..      4+L   note
//   ..      4     start time after index, ns
//   off-4   4     header checksum: CRC-32 poly 0x140a0445, init 0xFFFFFFFF
//                 (MSB first, no reflection, no final XOR) over [0, off-4)
//
// then track records from `off`:
//
//   int32 cyl │ int32 head │ uint32 N │ N bytes of packed deltas │ uint32 CRC
//   └──────── track header ─────────┘                              over header + deltas
//
// ending with cyl = head = -1. Packed deltas, in 200 MHz ticks between
// transitions: a byte b < 254 is a delta of b; 254 + 16-bit LE; 255 + 24-bit LE;
// a truncated final escape is dropped. A track's first transition lies at its
// first delta (ticks from the start of the track's capture).

import type { EdgeCapture } from "../capture.js";
import { DiskfluxError } from "../errors.js";
import { escapeName } from "../escape.js";
import { crcBuildTable, crcUpdate } from "../kernels/crc.js";

export const TR_MAGIC: readonly number[] = [0xee, 0x4d, 0x46, 0x4d, 0x0d, 0x0a, 0x1a, 0x00];
/** Transition clock of every .tr file: 200 MHz (5 ns ticks). */
export const TR_CLOCK = 200_000_000;
export const TR_VERSION_TRANSITIONS = 0x01020200;
export const TR_VERSION_EMULATOR = 0x02020200;
export const TR_TRACK_HEADER_SIZE = 12;
/** Largest packed delta (24 bits). */
export const TR_MAX_DELTA = 0xffffff;

const MAX_TRACK_HEADER = 1 << 16;
const MAX_CYLINDERS = 1 << 16;
const MAX_HEADS = 256;

export interface TrTrack {
  readonly cyl: number;
  readonly head: number;
  /**
   * Transitions at 200 MHz: edges are the running sums of the deltas. Unpacked
   * from the file on every access (a whole disk's edges would not fit in
   * memory at once); keep the result if you need it twice.
   */
  readonly capture: EdgeCapture;
  /** Packed delta bytes of the track (a view into the file). */
  readonly packed: Uint8Array;
}

export interface TrFile {
  /** The version word as stored (0x01020200). */
  readonly version: number;
  readonly cylinders: number;
  readonly heads: number;
  /** Transition clock in Hz (always 200 MHz). */
  readonly rate: number;
  readonly commandLine: string;
  readonly note: string;
  /** Start time after the index pulse, ns. */
  readonly startTimeNs: number;
  readonly trackHeaderSize: number;
  /** In file order (a track may occur more than once). */
  readonly tracks: TrTrack[];
  /** Whether the file ends with the cyl = head = -1 marker (a clean end without one is accepted). */
  readonly endMarker: boolean;
  /** Things worth telling the user that do not stop the read (an unexpected version, no end marker). */
  readonly warnings: string[];
}

// ---------------------------------------------------------------- checksum

let tables: { hi: Uint32Array; lo: Uint32Array } | undefined;

/** The .tr checksum (spec §8) of bytes[start, end): CRC-32 poly 0x140a0445, init 0xFFFFFFFF. */
export function trChecksum(bytes: Uint8Array, start = 0, end = bytes.length): number {
  if (!tables) {
    tables = { hi: new Uint32Array(256), lo: new Uint32Array(256) };
    crcBuildTable(tables.hi, tables.lo, 32, 0, 0x140a0445);
  }
  const state = new Uint32Array([0, 0xffffffff]);
  crcUpdate(tables.hi, tables.lo, 32, state, bytes, start, end);
  return state[1];
}

// ---------------------------------------------------------------- reader

/** True when the bytes start with the .tr magic. */
export function isTr(bytes: Uint8Array): boolean {
  if (bytes.length < TR_MAGIC.length) return false;
  return TR_MAGIC.every((b, i) => bytes[i] === b);
}

function hex32(v: number): string {
  return "0x" + (v >>> 0).toString(16).toUpperCase().padStart(8, "0");
}

/** Reads a transitions file. Every track's CRC and the header checksum are verified. */
export function readTr(bytes: Uint8Array, source = "capture.tr"): TrFile {
  const src = source;
  const name = escapeName(src);
  const corrupt = (msg: string) => new DiskfluxError("E_CORRUPT", `${name}: ${msg}`);
  if (!isTr(bytes)) {
    throw new DiskfluxError("E_FORMAT", `${name}: no .tr magic (EE 4D 46 4D 0D 0A 1A 00), so not a dgesswein/mfm transitions file`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const u32 = (at: number) => view.getUint32(at, true);
  if (bytes.length < 16) throw corrupt(`the file ends inside its header (${bytes.length} bytes); it is truncated`);
  const version = u32(8);
  const type = version >>> 24;
  if (type === 2) {
    throw new DiskfluxError("E_FORMAT", `${name}: emulator files are not transitions (.tr type 2, version ${hex32(version)}); diskflux reads transitions files (type 1) written by mfm_read --transitions_file`);
  }
  if (type !== 1) throw new DiskfluxError("E_FORMAT", `${name}: unknown .tr file type ${type} (version word ${hex32(version)}); expected 1, a transitions file`);
  const warnings: string[] = [];
  if (version !== TR_VERSION_TRANSITIONS) warnings.push(`${name}: version word ${hex32(version)}, expected ${hex32(TR_VERSION_TRANSITIONS)}; read as a transitions file anyway`);
  const off = u32(12);
  if (off > bytes.length) throw corrupt(`the header claims ${off} bytes but the file has ${bytes.length}; it is truncated`);
  if (off < 48) throw corrupt(`first-track offset ${off} is shorter than a .tr header; the file is damaged`);
  const headerEnd = off - 4;

  let at = 16;
  const need = (n: number, what: string) => {
    if (at + n > headerEnd) throw corrupt(`${what} runs past the end of the ${off}-byte header; the file is damaged`);
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
    throw corrupt(`header checksum ${hex32(stored)} does not match the header (${hex32(computed)}); the file is damaged`);
  }
  if (rate !== TR_CLOCK) {
    throw new DiskfluxError("E_FORMAT", `${name}: transition clock ${rate} Hz; transitions files are always 200 MHz (${TR_CLOCK})`);
  }
  if (trackHeaderSize < TR_TRACK_HEADER_SIZE || trackHeaderSize > MAX_TRACK_HEADER) {
    throw corrupt(`track header size ${trackHeaderSize} (expected ${TR_TRACK_HEADER_SIZE}); the file is damaged`);
  }
  if (cylinders > MAX_CYLINDERS || heads > MAX_HEADS) {
    throw corrupt(`${cylinders} cylinders x ${heads} heads is not a disk geometry; the file is damaged`);
  }

  const tracks: TrTrack[] = [];
  let endMarker = false;
  let pos = off;
  while (pos < bytes.length) {
    const k = tracks.length;
    if (pos + 8 > bytes.length) throw corrupt(`the file ends inside the header of track record ${k}; it is truncated`);
    const cyl = view.getInt32(pos, true);
    const head = view.getInt32(pos + 4, true);
    if (cyl === -1 && head === -1) {
      endMarker = true;
      break;
    }
    const where = `track record ${k} (cyl ${cyl} head ${head})`;
    if (pos + trackHeaderSize > bytes.length) throw corrupt(`the file ends inside the header of ${where}; it is truncated`);
    const n = u32(pos + 8);
    const dataAt = pos + trackHeaderSize;
    if (dataAt + n + 4 > bytes.length) {
      throw corrupt(`${where} needs ${n} bytes of transitions and a CRC but the file ends first; it is truncated`);
    }
    if (cyl < 0 || cyl >= cylinders || head < 0 || head >= heads) {
      throw corrupt(`${where} lies outside the ${cylinders} x ${heads} geometry of the header; the file is damaged`);
    }
    const crcStored = u32(dataAt + n);
    const crc = trChecksum(bytes, pos, dataAt + n);
    if (crcStored !== crc) {
      throw corrupt(`${where}: CRC ${hex32(crcStored)} does not match its data (${hex32(crc)}); the file is damaged`);
    }
    tracks.push(lazyTrack(cyl, head, bytes.subarray(dataAt, dataAt + n), `${src} cyl ${cyl} head ${head}`));
    pos = dataAt + n + 4;
  }
  if (!endMarker) warnings.push(`${name}: no end marker after track record ${tracks.length - 1}; the file may have been cut short`);
  return { version, cylinders, heads, rate, commandLine, note, startTimeNs, trackHeaderSize, tracks, endMarker, warnings };
}

function lazyTrack(cyl: number, head: number, packed: Uint8Array, source: string): TrTrack {
  return {
    cyl,
    head,
    packed,
    get capture(): EdgeCapture {
      const edges = unpackDeltas(packed);
      return { kind: "edges", sampleRate: TR_CLOCK, edges, sampleCount: edges.length ? edges[edges.length - 1] + 1 : 0, source };
    },
  };
}

/**
 * Packed deltas -> transition times (running sums). A zero delta would repeat
 * the previous transition; it is merged into it (edges stay strictly increasing).
 */
export function unpackDeltas(packed: Uint8Array): Float64Array {
  const n = packed.length;
  let count = 0;
  for (let i = 0; i < n; ) {
    const b = packed[i];
    const len = b < 254 ? 1 : b === 254 ? 3 : 4;
    if (i + len > n) break;
    count++;
    i += len;
  }
  const out = new Float64Array(count);
  let t = 0;
  let k = 0;
  for (let i = 0; i < n; ) {
    const b = packed[i];
    let d: number;
    if (b < 254) {
      d = b;
      i += 1;
    } else if (b === 254) {
      if (i + 3 > n) break;
      d = packed[i + 1] | (packed[i + 2] << 8);
      i += 3;
    } else {
      if (i + 4 > n) break;
      d = packed[i + 1] | (packed[i + 2] << 8) | (packed[i + 3] << 16);
      i += 4;
    }
    if (d === 0) continue;
    t += d;
    out[k++] = t;
  }
  return k === count ? out : out.slice(0, k);
}
