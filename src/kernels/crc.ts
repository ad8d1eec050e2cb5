// CRC engine — TypeScript twin of assembly/crc.ts. Spec §5.4.
//
// MSB first, no reflection, no final XOR, width W in 8..56 (multiple of 8):
//
//   table[i] = i << (W-8), then 8 × { c = c<<1, ^ poly when bit W-1 was set }
//   per byte b:  c = (c << 8) ^ table[(c >> (W-8)) ^ b]        (all & (2^W - 1))
//
//        bit  W-1 ........ 32 | 31 ............ 0
//             [     hi       ] [       lo        ]     hi holds at most 24 bits
//
// Values above 2^53 do not fit a JS number, so the twin keeps every CRC as a
// (hi, lo) pair of uint32 — no BigInt on the per-byte path. The Wasm kernel
// uses one u64; both produce the same bits.

/** Fills a 256-entry table (as hi/lo halves) for a width and polynomial (poly & mask). */
export function crcBuildTable(tabHi: Uint32Array, tabLo: Uint32Array, width: number, polyHi: number, polyLo: number): void {
  const hiMask = width > 32 ? (2 ** (width - 32) - 1) >>> 0 : 0;
  const loMask = width >= 32 ? 0xffffffff : (2 ** width - 1) >>> 0;
  const pHi = (polyHi & hiMask) >>> 0;
  const pLo = (polyLo & loMask) >>> 0;
  for (let i = 0; i < 256; i++) {
    // c = i << (width - 8)
    let hi = 0;
    let lo = 0;
    const s = width - 8;
    if (s >= 32) {
      hi = (i << (s - 32)) >>> 0;
    } else {
      lo = (i << s) >>> 0;
      hi = s > 24 ? (i >>> (32 - s)) >>> 0 : 0;
    }
    hi &= hiMask;
    lo = (lo & loMask) >>> 0;
    for (let j = 0; j < 8; j++) {
      const top = width > 32 ? (hi >>> (width - 33)) & 1 : (lo >>> (width - 1)) & 1;
      hi = (((hi << 1) | (lo >>> 31)) & hiMask) >>> 0;
      lo = ((lo << 1) & loMask) >>> 0;
      if (top) {
        hi = (hi ^ pHi) >>> 0;
        lo = (lo ^ pLo) >>> 0;
      }
    }
    tabHi[i] = hi;
    tabLo[i] = lo;
  }
}

/**
 * Runs the CRC over data[start, end). state = [hi, lo] is read as the initial
 * value and receives the result. width decides masking and the table index,
 * whatever width the table was built for (the §5.4 shared-table quirk relies on it).
 */
export function crcUpdate(
  tabHi: Uint32Array,
  tabLo: Uint32Array,
  width: number,
  state: Uint32Array,
  data: Uint8Array,
  start: number,
  end: number,
): void {
  let hi = state[0];
  let lo = state[1];
  if (width > 32) {
    const hiMask = (2 ** (width - 32) - 1) >>> 0;
    const topShift = width - 40;
    for (let i = start; i < end; i++) {
      const idx = ((hi >>> topShift) ^ data[i]) & 0xff;
      hi = ((((hi << 8) | (lo >>> 24)) & hiMask) ^ tabHi[idx]) >>> 0;
      lo = ((lo << 8) ^ tabLo[idx]) >>> 0;
    }
  } else {
    const loMask = width === 32 ? 0xffffffff : (2 ** width - 1) >>> 0;
    const topShift = width - 8;
    for (let i = start; i < end; i++) {
      const idx = ((lo >>> topShift) ^ data[i]) & 0xff;
      lo = (((lo << 8) ^ tabLo[idx]) & loMask) >>> 0;
      hi = 0;
    }
  }
  state[0] = hi;
  state[1] = lo;
}

/** Convenience for tools and tests: the CRC of data as a bigint (one BigInt per call, not per byte). */
export function crcOf(width: number, poly: bigint, init: bigint, data: Uint8Array): bigint {
  const mask = (1n << BigInt(width)) - 1n;
  const p = poly & mask;
  const tabHi = new Uint32Array(256);
  const tabLo = new Uint32Array(256);
  crcBuildTable(tabHi, tabLo, width, Number(p >> 32n), Number(p & 0xffffffffn));
  const i = init & mask;
  const state = new Uint32Array([Number(i >> 32n), Number(i & 0xffffffffn)]);
  crcUpdate(tabHi, tabLo, width, state, data, 0, data.length);
  return (BigInt(state[0]) << 32n) | BigInt(state[1]);
}
