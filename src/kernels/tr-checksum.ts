// The .tr checksum (spec §8) — twin of assembly/tr-checksum.ts: CRC-32,
// polynomial 0x140a0445, MSB first, no reflection, no final XOR (a record's
// check starts from 0xFFFFFFFF). Eight bytes a step (slice-by-8):
//
//   bytes   b0 b1 b2 b3 | b4 b5 b6 b7
//   c ^= b0b1b2b3 (big endian)
//   c'  = T7[c>>24] ^ T6[c>>16 & ff] ^ T5[c>>8 & ff] ^ T4[c & ff]
//       ^ T3[b4] ^ T2[b5] ^ T1[b6] ^ T0[b7]
//
// T0 is the byte-wise table; T_k[b] = (T_{k-1}[b] << 8) ^ T0[T_{k-1}[b] >>> 24]
// (b followed by k zero bytes). Tables are Int32Array, not Uint32Array: a value
// above 2^31 read from a Uint32Array is a double to V8, and the loop ran at half
// the speed (~380 against ~740 MB/s on this project's 2-core machine).
import type { BackendName } from "./backend.js";
import { crcBuildTable } from "./crc.js";
import { TRCK_BYTES_CAP, TRCK_POLY } from "./tr-checksum-abi.js";

/** The kernel on either backend: bytes[0, len) folded into a checksum state. */
export interface TrChecksumKernel {
  readonly backend: BackendName;
  /** TRCK_BYTES_CAP bytes: the piece trChecksumUpdate reads. */
  readonly bytes: Uint8Array;
  /** The state `crc` (uint32) carried over bytes[0, len); returns the new state (uint32). */
  trChecksumUpdate(crc: number, len: number): number;
}

let slices: Int32Array[] | undefined;

function sliceTables(): Int32Array[] {
  if (slices) return slices;
  // T0: the CRC engine's byte-wise table (src/kernels/crc.ts), as int32
  const hi = new Uint32Array(256);
  const lo = new Uint32Array(256);
  crcBuildTable(hi, lo, 32, 0, TRCK_POLY);
  const t0 = Int32Array.from(lo);
  const t = [t0];
  for (let k = 1; k < 8; k++) {
    const prev = t[k - 1];
    const next = new Int32Array(256);
    for (let b = 0; b < 256; b++) next[b] = (prev[b] << 8) ^ t0[prev[b] >>> 24];
    t.push(next);
  }
  return (slices = t);
}

/**
 * The state `crc` (uint32) carried over data[start, end), on any array: the
 * twin's loop, and the reader's own when the Wasm kernel is not loaded (no copy).
 */
export function trChecksumFold(crc: number, data: Uint8Array, start: number, end: number): number {
  const [t0, t1, t2, t3, t4, t5, t6, t7] = sliceTables();
  let c = crc | 0;
  let i = start;
  for (const stop = end - 7; i < stop; i += 8) {
    c ^= (data[i] << 24) | (data[i + 1] << 16) | (data[i + 2] << 8) | data[i + 3];
    c = t7[c >>> 24] ^ t6[(c >>> 16) & 0xff] ^ t5[(c >>> 8) & 0xff] ^ t4[c & 0xff] ^
      t3[data[i + 4]] ^ t2[data[i + 5]] ^ t1[data[i + 6]] ^ t0[data[i + 7]];
  }
  for (; i < end; i++) c = (c << 8) ^ t0[((c >>> 24) ^ data[i]) & 0xff];
  return c >>> 0;
}

/** The TypeScript twin. */
export class TrChecksumJs implements TrChecksumKernel {
  readonly backend = "js" as const;
  readonly bytes = new Uint8Array(TRCK_BYTES_CAP);

  trChecksumUpdate(crc: number, len: number): number {
    return trChecksumFold(crc, this.bytes, 0, Math.min(Math.max(len | 0, 0), TRCK_BYTES_CAP));
  }
}

/** The checksum state `crc` carried over data[start, end) through a kernel, TRCK_BYTES_CAP bytes a call. */
export function trChecksumWith(k: TrChecksumKernel, crc: number, data: Uint8Array, start: number, end: number): number {
  let c = crc >>> 0;
  for (let at = start; at < end; at += TRCK_BYTES_CAP) {
    const n = Math.min(TRCK_BYTES_CAP, end - at);
    k.bytes.set(data.subarray(at, at + n));
    c = k.trChecksumUpdate(c, n);
  }
  return c;
}
