// The .tr checksum (spec §8) — twin of src/kernels/tr-checksum.ts.
// CRC-32, polynomial 0x140a0445, MSB first, no reflection, no final XOR; the
// caller starts from 0xFFFFFFFF and folds a record in pieces of bytes[0, len).
//
// Eight bytes a step (slice-by-8): T0 is the byte-wise table and
// T_k[b] = (T_{k-1}[b] << 8) ^ T0[T_{k-1}[b] >>> 24], the CRC of b followed by
// k zero bytes. With c the state XORed with the next four bytes (big endian):
//
//   bytes   b0 b1 b2 b3 | b4 b5 b6 b7
//   c ^= b0b1b2b3        (one u64 load, the low word byte-swapped)
//   c'  = T7[c>>24] ^ T6[c>>16 & ff] ^ T5[c>>8 & ff] ^ T4[c & ff]
//       ^ T3[b4] ^ T2[b5] ^ T1[b6] ^ T0[b7]
//
// then byte by byte for the last len % 8.
import { TRCK_BYTES_CAP, TRCK_POLY } from "../src/kernels/tr-checksum-abi";

const BYTES: usize = memory.data(TRCK_BYTES_CAP + 8, 16);
const TABLES: usize = memory.data(8 * 256 * 4, 16);
let built = false;

function buildTables(): void {
  for (let b: u32 = 0; b < 256; b++) {
    let c: u32 = b << 24;
    for (let j = 0; j < 8; j++) c = (c & 0x80000000) != 0 ? (c << 1) ^ TRCK_POLY : c << 1;
    store<u32>(TABLES + (<usize>b << 2), c);
  }
  for (let k: usize = 1; k < 8; k++) {
    for (let b: usize = 0; b < 256; b++) {
      const p = load<u32>(TABLES + ((k - 1) << 10) + (b << 2));
      store<u32>(TABLES + (k << 10) + (b << 2), (p << 8) ^ load<u32>(TABLES + (<usize>(p >>> 24) << 2)));
    }
  }
  built = true;
}

// @ts-ignore: decorator
@inline function t(k: usize, i: u32): u32 {
  return load<u32>(TABLES + (k << 10) + (<usize>i << 2));
}

export function trckBytesPtr(): usize {
  return BYTES;
}

/** The checksum state `crc` (a uint32) carried over bytes[0, len), len ≤ TRCK_BYTES_CAP. */
export function trChecksumUpdate(crc: u32, len: i32): u32 {
  if (!built) buildTables();
  let c = crc;
  let p = BYTES;
  const end = BYTES + <usize>min(max(len, 0), TRCK_BYTES_CAP);
  while (p + 8 <= end) {
    const w = load<u64>(p);
    const hi = <u32>(w >>> 32);
    c ^= bswap<u32>(<u32>w);
    c = t(7, c >>> 24) ^ t(6, (c >>> 16) & 0xff) ^ t(5, (c >>> 8) & 0xff) ^ t(4, c & 0xff) ^
      t(3, hi & 0xff) ^ t(2, (hi >>> 8) & 0xff) ^ t(1, (hi >>> 16) & 0xff) ^ t(0, hi >>> 24);
    p += 8;
  }
  while (p < end) {
    c = (c << 8) ^ t(0, ((c >>> 24) ^ <u32>load<u8>(p)) & 0xff);
    p++;
  }
  return c;
}
