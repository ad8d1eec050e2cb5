// GF(2)[x] polynomial kernel — twin of src/kernels/gf2.ts. For CRC poly/init
// solving (../shared/docs/recovery-facts.md §B.2): the XOR of two equal-length
// codewords is a multiple of the generator g, so g divides gcd(D1, D2, ...);
// once g is known, init is found by running the CRC register backwards.
//
// Slots (constants in src/kernels/gf2-abi.ts), bit i = coefficient of x^i:
//
//   slot s:  word 0            word 1             ...  word GF2_SLOT_WORDS-1
//            [x^31 ...... x^0] [x^63 ...... x^32]  ...  [... x^(32*words-32)]
//   (read here as u64 pairs: u64 k = u32 words 2k (low half) and 2k+1 (high half))
//
// gf2Load(slot, len), MSB first:  bytes[0] bytes[1] ... bytes[len-1]
//                                 x^(8len-1) ......................... x^0
//   i.e. bytes[len-1-j] = coefficients x^(8j+7)..x^(8j), which is byte j of the
//   slot in (little-endian) memory.
//
// Degrees are found by scanning down from the top word; a zero slot has
// degree -1. A kernel that refuses (mod by zero, a product that does not fit)
// returns GF2_REFUSED (-2) and leaves its slots unchanged. Slot numbers and
// lengths are not checked here: the loader (src/kernels/gf2-load.ts) does it.
// Static memory only, no allocation (--runtime stub).
import { GF2_SLOTS, GF2_SLOT_WORDS, GF2_SLOT_BITS, GF2_BYTES_CAP, GF2_REFUSED } from "../src/kernels/gf2-abi";
import { crcBuildTable, crcUpdate } from "./crc";

const SLOT_BYTES: usize = <usize>GF2_SLOT_WORDS * 4;
const SLOT_U64: i32 = GF2_SLOT_WORDS >> 1;

const G_WORDS: usize = memory.data(GF2_SLOTS * GF2_SLOT_WORDS * 4, 16);
const G_BYTES: usize = memory.data(GF2_BYTES_CAP, 16);
const G_SCRATCH: usize = memory.data(GF2_SLOT_WORDS * 4, 16);
const G_TABLE: usize = memory.data(256 * 8, 16);

export function gf2WordsPtr(): usize { return G_WORDS; }
export function gf2BytesPtr(): usize { return G_BYTES; }

@inline function slotPtr(s: i32): usize { return G_WORDS + <usize>s * SLOT_BYTES; }

/** Degree of the polynomial at p whose u64 words above `top` are zero; -1 when zero. */
function degFrom(p: usize, top: i32): i32 {
  for (let k = top; k >= 0; k--) {
    const v = load<u64>(p + (<usize>k << 3));
    if (v != 0) return (k << 6) + 63 - <i32>clz<u64>(v);
  }
  return -1;
}

/** Clears u64 words [0, top] of p (nothing when top < 0). */
@inline function clearTo(p: usize, top: i32): void {
  if (top >= 0) memory.fill(p, 0, (<usize>top + 1) << 3);
}

/**
 * dst ^= src · x^shift, where src's top nonzero u64 word is srcTop and the
 * result fits dst's slot (no word above the result's degree is written).
 */
function xorShl(dst: usize, src: usize, srcTop: i32, shift: i32): void {
  const d = dst + (<usize>(shift >>> 6) << 3);
  const bs = <u64>(shift & 63);
  if (bs == 0) {
    for (let j = 0; j <= srcTop; j++) {
      const o = <usize>j << 3;
      store<u64>(d + o, load<u64>(d + o) ^ load<u64>(src + o));
    }
    return;
  }
  const rs: u64 = 64 - bs;
  let prev: u64 = 0;
  for (let j = 0; j <= srcTop; j++) {
    const o = <usize>j << 3;
    const v = load<u64>(src + o);
    store<u64>(d + o, load<u64>(d + o) ^ ((v << bs) | (prev >> rs)));
    prev = v;
  }
  const carry = prev >> rs;
  if (carry != 0) {
    const o = (<usize>srcTop + 1) << 3;
    store<u64>(d + o, load<u64>(d + o) ^ carry);
  }
}

/** a = a mod b in place (a != b, db >= 0); returns the new degree of a. */
function modInto(a: usize, da: i32, b: usize, db: i32): i32 {
  const bTop = db >> 6;
  while (da >= db) {
    xorShl(a, b, bTop, da - db);
    da = degFrom(a, da >> 6);
  }
  return da;
}

/** Loads bytes[0, len) into slot, MSB of bytes[0] highest; returns the degree. */
export function gf2Load(slot: i32, len: i32): i32 {
  const p = slotPtr(slot);
  const n = <usize>len;
  for (let j: usize = 0; j < n; j++) store<u8>(p + j, load<u8>(G_BYTES + n - 1 - j));
  memory.fill(p + n, 0, SLOT_BYTES - n);
  return degFrom(p, (<i32>n * 8 - 1) >> 6);
}

/** Degree of a slot (-1 when zero). */
export function gf2Degree(slot: i32): i32 {
  return degFrom(slotPtr(slot), SLOT_U64 - 1);
}

/** dst ^= src; returns the degree of dst. */
export function gf2Xor(dst: i32, src: i32): i32 {
  const pd = slotPtr(dst);
  if (dst == src) {
    memory.fill(pd, 0, SLOT_BYTES);
    return -1;
  }
  const ps = slotPtr(src);
  const top = degFrom(ps, SLOT_U64 - 1) >> 6;
  for (let k = 0; k <= top; k++) {
    const o = <usize>k << 3;
    store<u64>(pd + o, load<u64>(pd + o) ^ load<u64>(ps + o));
  }
  return degFrom(pd, SLOT_U64 - 1);
}

/** a = a mod b; returns the degree of a, or GF2_REFUSED when b is zero. */
export function gf2Mod(a: i32, b: i32): i32 {
  const pb = slotPtr(b);
  const db = degFrom(pb, SLOT_U64 - 1);
  if (db < 0) return GF2_REFUSED;
  const pa = slotPtr(a);
  if (a == b) {
    clearTo(pa, db >> 6);
    return -1;
  }
  return modInto(pa, degFrom(pa, SLOT_U64 - 1), pb, db);
}

/** a = gcd(a, b) and b = 0 (a == b: unchanged); returns the degree of the gcd (-1 when both are zero). */
export function gf2Gcd(a: i32, b: i32): i32 {
  const pa = slotPtr(a);
  let dx = degFrom(pa, SLOT_U64 - 1);
  if (a == b) return dx;
  const pb = slotPtr(b);
  let dy = degFrom(pb, SLOT_U64 - 1);
  let x = pa, y = pb;
  while (dy >= 0) {
    dx = modInto(x, dx, y, dy);
    const t = x; x = y; y = t;
    const td = dx; dx = dy; dy = td;
  }
  // x holds the gcd, y is zero
  if (x != pa) {
    const n = (<usize>(dx >> 6) + 1) << 3;
    if (dx >= 0) {
      memory.copy(pa, pb, n);
      memory.fill(pb, 0, n);
    }
  }
  return dx;
}

/** Divides the slot by x while its constant term is 0; returns how many times (0 for zero). */
export function gf2StripX(slot: i32): i32 {
  const p = slotPtr(slot);
  const d = degFrom(p, SLOT_U64 - 1);
  if (d < 0) return 0;
  let k0 = 0;
  while (load<u64>(p + (<usize>k0 << 3)) == 0) k0++;
  const tz = (k0 << 6) + <i32>ctz<u64>(load<u64>(p + (<usize>k0 << 3)));
  if (tz == 0) return 0;
  const top = d >> 6;
  const bs = <u64>(tz & 63);
  const last = top - k0; // new top word
  if (bs == 0) {
    memory.copy(p, p + (<usize>k0 << 3), (<usize>last + 1) << 3);
  } else {
    const rs: u64 = 64 - bs;
    for (let k = 0; k <= last; k++) {
      const lo = load<u64>(p + (<usize>(k + k0) << 3));
      const hi: u64 = k + k0 + 1 <= top ? load<u64>(p + (<usize>(k + k0 + 1) << 3)) : 0;
      store<u64>(p + (<usize>k << 3), (lo >> bs) | (hi << rs));
    }
  }
  for (let k = last + 1; k <= top; k++) store<u64>(p + (<usize>k << 3), 0);
  return tz;
}

/** slot = hi:lo (higher words cleared). */
export function gf2Set64(slot: i32, hi: u32, lo: u32): void {
  const p = slotPtr(slot);
  memory.fill(p, 0, SLOT_BYTES);
  store<u32>(p, lo);
  store<u32>(p + 4, hi);
}

/** a = a · b (carry-less); returns the degree, or GF2_REFUSED (a unchanged) when the product does not fit a slot. */
export function gf2Mul(a: i32, b: i32): i32 {
  const pa = slotPtr(a);
  const pb = slotPtr(b);
  const da = degFrom(pa, SLOT_U64 - 1);
  const db = degFrom(pb, SLOT_U64 - 1);
  if (da < 0) return -1;
  if (db < 0) {
    clearTo(pa, da >> 6);
    return -1;
  }
  const d = da + db;
  if (d >= GF2_SLOT_BITS) return GF2_REFUSED;
  const top = d >> 6;
  clearTo(G_SCRATCH, top);
  const bTop = db >> 6;
  const aTop = da >> 6;
  for (let k = 0; k <= aTop; k++) {
    let v = load<u64>(pa + (<usize>k << 3));
    while (v != 0) {
      const i = <i32>ctz<u64>(v);
      xorShl(G_SCRATCH, pb, bTop, (k << 6) + i);
      v &= v - 1;
    }
  }
  memory.copy(pa, G_SCRATCH, (<usize>top + 1) << 3);
  return d;
}

@inline function mask64(width: i32): u64 {
  return (<u64>1 << <u64>width) - 1;
}

@inline function join64(hi: u32, lo: u32): u64 {
  return ((<u64>hi & 0xffffffff) << 32) | (<u64>lo & 0xffffffff);
}

/**
 * The init from which the MSB-first CRC (width W, poly, no final XOR) over
 * bytes[0, len) ends in `final`: the register run backwards, bit by bit.
 */
export function crcReverse(width: i32, polyHi: u32, polyLo: u32, finalHi: u32, finalLo: u32, len: i32): u64 {
  const mask = mask64(width);
  const poly = join64(polyHi, polyLo) & mask;
  const topShift = <u64>(width - 1);
  let r = join64(finalHi, finalLo) & mask;
  for (let i = len - 1; i >= 0; i--) {
    const b = <u64>load<u8>(G_BYTES + <usize>i);
    for (let k: u64 = 0; k < 8; k++) {
      const t = r & 1;
      if (t != 0) r ^= poly;
      r = (r >> 1) | ((t ^ ((b >> k) & 1)) << topShift);
    }
  }
  return r;
}

/**
 * Counts the records (offset, msgLen) = (words[2i], words[2i+1]) of slot 0
 * whose CRC over bytes[offset, offset+msgLen) equals the W/8 big-endian check
 * bytes that follow. A record that runs past the byte region does not count.
 */
export function crcCountMatches(width: i32, polyHi: u32, polyLo: u32, initHi: u32, initLo: u32, nrec: i32): i32 {
  const mask = mask64(width);
  crcBuildTable(G_TABLE, width, join64(polyHi, polyLo) & mask);
  const init = join64(initHi, initLo) & mask;
  const checkLen = <u64>(width >> 3);
  let n = 0;
  for (let i = 0; i < nrec; i++) {
    const off = <u64>load<u32>(G_WORDS + (<usize>i << 3));
    const len = <u64>load<u32>(G_WORDS + (<usize>i << 3) + 4);
    if (off + len + checkLen > <u64>GF2_BYTES_CAP) continue;
    const crc = crcUpdate(G_TABLE, width, init, G_BYTES + <usize>off, <i32>len);
    const cp = G_BYTES + <usize>(off + len);
    let check: u64 = 0;
    for (let j: usize = 0; j < <usize>checkLen; j++) check = (check << 8) | <u64>load<u8>(cp + j);
    if (crc == check) n++;
  }
  return n;
}
