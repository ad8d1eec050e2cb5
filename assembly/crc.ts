// CRC engine — twin of src/kernels/crc.ts. Spec §5.4.
//
// MSB first, no reflection, no final XOR, width W in 8..56 (multiple of 8):
//   table[i] = i << (W-8), then 8 × { c = c<<1, ^ poly when bit W-1 was set }
//   per byte b:  c = (c << 8) ^ table[(c >> (W-8)) ^ b]        (all & (2^W - 1))
// One u64 per value here; the TS twin keeps (hi, lo) uint32 halves. Same bits.
import { SAMPLES } from "./memory";

/** Fills 256 u64 entries at `table`. */
export function crcBuildTable(table: usize, width: i32, poly: u64): void {
  const mask: u64 = width == 64 ? <u64>-1 : (<u64>1 << <u64>width) - 1;
  const p = poly & mask;
  const top: u64 = <u64>1 << <u64>(width - 1);
  for (let i = 0; i < 256; i++) {
    let c: u64 = (<u64>i << <u64>(width - 8)) & mask;
    for (let j = 0; j < 8; j++) {
      c = (c & top) != 0 ? ((c << 1) ^ p) & mask : (c << 1) & mask;
    }
    store<u64>(table + (<usize>i << 3), c);
  }
}

/** The CRC of bytes [ptr, ptr+len) from `crc`, with a table (possibly built for another width, §5.4). */
export function crcUpdate(table: usize, width: i32, crc: u64, ptr: usize, len: i32): u64 {
  const mask: u64 = (<u64>1 << <u64>width) - 1;
  const shift: u64 = <u64>(width - 8);
  let c = crc;
  for (let i = 0; i < len; i++) {
    const idx = <usize>(((c >> shift) ^ <u64>load<u8>(ptr + <usize>i)) & 0xff);
    c = ((c << 8) ^ load<u64>(table + (idx << 3))) & mask;
  }
  return c;
}

const SCRATCH_TABLE: usize = memory.data(256 * 8, 16);

/** CRC of samples[0, len): for parity tests and tools. */
export function crcCompute(width: i32, polyHi: u32, polyLo: u32, initHi: u32, initLo: u32, len: i32): u64 {
  crcBuildTable(SCRATCH_TABLE, width, ((<u64>polyHi & 0xffffffff) << 32) | (<u64>polyLo & 0xffffffff));
  const mask: u64 = (<u64>1 << <u64>width) - 1;
  return crcUpdate(SCRATCH_TABLE, width, (((<u64>initHi & 0xffffffff) << 32) | (<u64>initLo & 0xffffffff)) & mask, SAMPLES, len);
}
