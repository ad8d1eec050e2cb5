// GF(2)[x] polynomial kernel — TypeScript twin of assembly/gf2.ts. For CRC
// poly/init solving (../shared/docs/recovery-facts.md §B.2): the XOR of two
// equal-length codewords is a multiple of the generator g, so g divides
// gcd(D1, D2, ...); once g is known, init is found by running the CRC
// register backwards.
//
// Slots (constants in ./gf2-abi.ts), bit i = coefficient of x^i:
//
//   slot s:  word 0            word 1             ...  word GF2_SLOT_WORDS-1
//            [x^31 ...... x^0] [x^63 ...... x^32]  ...  [... x^(32*words-32)]
//
// gf2Load(slot, len), MSB first:  bytes[0] bytes[1] ... bytes[len-1]
//                                 x^(8len-1) ......................... x^0
//   i.e. bytes[len-1-j] = coefficients x^(8j+7)..x^(8j): word k packs
//   bytes[len-1-4k] (low byte) .. bytes[len-4-4k] (high byte).
//
// The Wasm kernel works on u64 pairs of these words; this twin on the u32
// words themselves — the same bits. Degrees are found by scanning down from
// the top word; a zero slot has degree -1. A kernel that refuses (mod by
// zero, a product that does not fit) returns GF2_REFUSED (-2) and leaves its
// slots unchanged. Slot numbers and lengths are not checked here: getGf2Kernel
// (./gf2-load.ts) wraps both backends in the same argument checks.
import { GF2_SLOTS, GF2_SLOT_WORDS, GF2_SLOT_BITS, GF2_BYTES_CAP, GF2_REFUSED } from "./gf2-abi.js";
import { crcBuildTable, crcUpdate } from "./crc.js";

export interface Gf2Kernel {
  readonly backend: "wasm" | "js";
  /** GF2_SLOTS polynomial slots of GF2_SLOT_WORDS u32 words each; bit i of a slot = coefficient of x^i (word j holds x^(32j)..x^(32j+31)). */
  readonly words: Uint32Array;
  /** Input bytes (GF2_BYTES_CAP). */
  readonly bytes: Uint8Array;
  /** Loads bytes[0,len) into slot as a polynomial, MSB of bytes[0] = highest coefficient, last bit of bytes[len-1] = x^0. Returns the degree (-1 for zero). len*8 must fit a slot. */
  gf2Load(slot: number, len: number): number;
  /** Degree of a slot (-1 when zero). */
  gf2Degree(slot: number): number;
  /** dst ^= src; returns the degree of dst. */
  gf2Xor(dst: number, src: number): number;
  /** a = a mod b (b != 0); returns the degree of a. */
  gf2Mod(a: number, b: number): number;
  /** a = gcd(a, b) (b is clobbered: left zero unless a == b); returns the degree of the gcd (-1 when both zero). */
  gf2Gcd(a: number, b: number): number;
  /** Divides the slot by x while its constant term is 0; returns how many times (0 for the zero polynomial). */
  gf2StripX(slot: number): number;
  /** slot = the 64-bit value hi:lo (higher words cleared). */
  gf2Set64(slot: number, hi: number, lo: number): void;
  /** a = a * b (carry-less), result must fit a slot; returns the degree. */
  gf2Mul(a: number, b: number): number;
  /**
   * The CRC init that makes the MSB-first, unreflected, no-final-XOR CRC of width W (8..56, multiple of 8)
   * with polynomial poly (the low W bits, x^W implied; poly must be odd) over bytes[0,len) end in `final`.
   * Run the register backwards: per bit, if the low bit of R is 1 then R ^= poly and the shifted-out top bit t=1, else t=0;
   * R = (R >>> 1) | ((t ^ dataBit) << (W-1)), over the data bits in reverse order. Returns [hi, lo] of the init.
   */
  crcReverse(width: number, polyHi: number, polyLo: number, finalHi: number, finalLo: number, len: number): [number, number];
  /**
   * Batch trial: records are concatenated in bytes[]; `table` describes nrec records as (offset, msgLen) pairs in slot 0's
   * words (words[2i] = byte offset, words[2i+1] = message length; the W/8 check bytes follow each message, big endian).
   * Counts the records whose CRC(width, poly, init) over the message equals their check bytes.
   */
  crcCountMatches(width: number, polyHi: number, polyLo: number, initHi: number, initLo: number, nrec: number): number;
}

/** Degree of the polynomial at w[base..] whose words above `top` are zero; -1 when zero. */
function degFrom(w: Uint32Array, base: number, top: number): number {
  for (let k = top; k >= 0; k--) {
    const v = w[base + k];
    if (v !== 0) return (k << 5) + 31 - Math.clz32(v);
  }
  return -1;
}

/**
 * d[dst..] ^= s[src..] · x^shift, where the source's top nonzero word is srcTop
 * and the result fits the destination (no word above its degree is written).
 */
function xorShl(d: Uint32Array, dst: number, s: Uint32Array, src: number, srcTop: number, shift: number): void {
  const o = dst + (shift >>> 5);
  const bs = shift & 31;
  if (bs === 0) {
    for (let j = 0; j <= srcTop; j++) d[o + j] ^= s[src + j];
    return;
  }
  const rs = 32 - bs;
  let prev = 0;
  for (let j = 0; j <= srcTop; j++) {
    const v = s[src + j];
    d[o + j] ^= (v << bs) | (prev >>> rs);
    prev = v;
  }
  const carry = prev >>> rs;
  if (carry !== 0) d[o + srcTop + 1] ^= carry;
}

/** a = a mod b in place (disjoint slots, db >= 0); returns the new degree of a. */
function modInto(w: Uint32Array, a: number, da: number, b: number, db: number): number {
  const bTop = db >> 5;
  while (da >= db) {
    xorShl(w, a, w, b, bTop, da - db);
    da = degFrom(w, a, da >> 5);
  }
  return da;
}

const TOP = GF2_SLOT_WORDS - 1;

/** The TypeScript backend, over typed arrays of its own. Unchecked: use getGf2Kernel("js"). */
export class Gf2Js implements Gf2Kernel {
  readonly backend = "js" as const;
  readonly words = new Uint32Array(GF2_SLOTS * GF2_SLOT_WORDS);
  readonly bytes = new Uint8Array(GF2_BYTES_CAP);
  private readonly scratch = new Uint32Array(GF2_SLOT_WORDS);
  private readonly tabHi = new Uint32Array(256);
  private readonly tabLo = new Uint32Array(256);
  private readonly state = new Uint32Array(2);

  gf2Load(slot: number, len: number): number {
    const w = this.words;
    const bytes = this.bytes;
    const base = slot * GF2_SLOT_WORDS;
    const full = len >>> 2;
    let k = 0;
    for (; k < full; k++) {
      const e = len - 4 * k; // bytes[e-1] is the low byte
      w[base + k] = bytes[e - 1] | (bytes[e - 2] << 8) | (bytes[e - 3] << 16) | (bytes[e - 4] << 24);
    }
    const rest = len & 3;
    if (rest !== 0) {
      let v = 0;
      for (let t = 0; t < rest; t++) v |= bytes[rest - 1 - t] << (8 * t);
      w[base + k++] = v;
    }
    w.fill(0, base + k, base + GF2_SLOT_WORDS);
    return degFrom(w, base, k - 1);
  }

  gf2Degree(slot: number): number {
    return degFrom(this.words, slot * GF2_SLOT_WORDS, TOP);
  }

  gf2Xor(dst: number, src: number): number {
    const w = this.words;
    const d = dst * GF2_SLOT_WORDS;
    if (dst === src) {
      w.fill(0, d, d + GF2_SLOT_WORDS);
      return -1;
    }
    const s = src * GF2_SLOT_WORDS;
    const top = degFrom(w, s, TOP) >> 5;
    for (let k = 0; k <= top; k++) w[d + k] ^= w[s + k];
    return degFrom(w, d, TOP);
  }

  gf2Mod(a: number, b: number): number {
    const w = this.words;
    const pb = b * GF2_SLOT_WORDS;
    const db = degFrom(w, pb, TOP);
    if (db < 0) return GF2_REFUSED;
    const pa = a * GF2_SLOT_WORDS;
    if (a === b) {
      w.fill(0, pa, pa + (db >> 5) + 1);
      return -1;
    }
    return modInto(w, pa, degFrom(w, pa, TOP), pb, db);
  }

  gf2Gcd(a: number, b: number): number {
    const w = this.words;
    const pa = a * GF2_SLOT_WORDS;
    let dx = degFrom(w, pa, TOP);
    if (a === b) return dx;
    const pb = b * GF2_SLOT_WORDS;
    let dy = degFrom(w, pb, TOP);
    let x = pa;
    let y = pb;
    while (dy >= 0) {
      dx = modInto(w, x, dx, y, dy);
      const t = x; x = y; y = t;
      const td = dx; dx = dy; dy = td;
    }
    // x holds the gcd, y is zero
    if (x !== pa && dx >= 0) {
      const n = (dx >> 5) + 1;
      w.copyWithin(pa, pb, pb + n);
      w.fill(0, pb, pb + n);
    }
    return dx;
  }

  gf2StripX(slot: number): number {
    const w = this.words;
    const p = slot * GF2_SLOT_WORDS;
    const d = degFrom(w, p, TOP);
    if (d < 0) return 0;
    let k0 = 0;
    while (w[p + k0] === 0) k0++;
    const tz = (k0 << 5) + 31 - Math.clz32(w[p + k0] & -w[p + k0]);
    if (tz === 0) return 0;
    const top = d >> 5;
    const bs = tz & 31;
    const last = top - k0;
    if (bs === 0) {
      w.copyWithin(p, p + k0, p + top + 1);
    } else {
      const rs = 32 - bs;
      for (let k = 0; k <= last; k++) {
        const lo = w[p + k + k0];
        const hi = k + k0 + 1 <= top ? w[p + k + k0 + 1] : 0;
        w[p + k] = (lo >>> bs) | (hi << rs);
      }
    }
    w.fill(0, p + last + 1, p + top + 1);
    return tz;
  }

  gf2Set64(slot: number, hi: number, lo: number): void {
    const w = this.words;
    const p = slot * GF2_SLOT_WORDS;
    w.fill(0, p, p + GF2_SLOT_WORDS);
    w[p] = lo >>> 0;
    w[p + 1] = hi >>> 0;
  }

  gf2Mul(a: number, b: number): number {
    const w = this.words;
    const pa = a * GF2_SLOT_WORDS;
    const pb = b * GF2_SLOT_WORDS;
    const da = degFrom(w, pa, TOP);
    const db = degFrom(w, pb, TOP);
    if (da < 0) return -1;
    if (db < 0) {
      w.fill(0, pa, pa + (da >> 5) + 1);
      return -1;
    }
    const d = da + db;
    if (d >= GF2_SLOT_BITS) return GF2_REFUSED;
    const top = d >> 5;
    const sc = this.scratch;
    sc.fill(0, 0, top + 1);
    const bTop = db >> 5;
    const aTop = da >> 5;
    for (let k = 0; k <= aTop; k++) {
      let v = w[pa + k];
      while (v !== 0) {
        const i = 31 - Math.clz32(v & -v);
        xorShl(sc, 0, w, pb, bTop, (k << 5) + i);
        v &= v - 1;
      }
    }
    w.set(sc.subarray(0, top + 1), pa);
    return d;
  }

  crcReverse(width: number, polyHi: number, polyLo: number, finalHi: number, finalLo: number, len: number): [number, number] {
    const bytes = this.bytes;
    const hiMask = width > 32 ? (2 ** (width - 32) - 1) >>> 0 : 0;
    const loMask = width >= 32 ? 0xffffffff : (2 ** width - 1) >>> 0;
    const pHi = (polyHi & hiMask) >>> 0;
    const pLo = (polyLo & loMask) >>> 0;
    let hi = (finalHi & hiMask) >>> 0;
    let lo = (finalLo & loMask) >>> 0;
    if (width > 32) {
      const topShift = width - 33;
      for (let i = len - 1; i >= 0; i--) {
        const b = bytes[i];
        for (let k = 0; k < 8; k++) {
          const t = lo & 1;
          if (t !== 0) {
            hi ^= pHi;
            lo ^= pLo;
          }
          lo = ((lo >>> 1) | (hi << 31)) >>> 0;
          hi = ((hi >>> 1) | ((t ^ ((b >>> k) & 1)) << topShift)) >>> 0;
        }
      }
    } else {
      const topShift = width - 1;
      for (let i = len - 1; i >= 0; i--) {
        const b = bytes[i];
        for (let k = 0; k < 8; k++) {
          const t = lo & 1;
          if (t !== 0) lo ^= pLo;
          lo = ((lo >>> 1) | ((t ^ ((b >>> k) & 1)) << topShift)) >>> 0;
        }
      }
    }
    return [hi, lo];
  }

  crcCountMatches(width: number, polyHi: number, polyLo: number, initHi: number, initLo: number, nrec: number): number {
    const w = this.words;
    const bytes = this.bytes;
    const hiMask = width > 32 ? (2 ** (width - 32) - 1) >>> 0 : 0;
    const loMask = width >= 32 ? 0xffffffff : (2 ** width - 1) >>> 0;
    crcBuildTable(this.tabHi, this.tabLo, width, polyHi, polyLo);
    const iHi = (initHi & hiMask) >>> 0;
    const iLo = (initLo & loMask) >>> 0;
    const checkLen = width >>> 3;
    const state = this.state;
    let n = 0;
    for (let i = 0; i < nrec; i++) {
      const off = w[2 * i];
      const len = w[2 * i + 1];
      if (off + len + checkLen > GF2_BYTES_CAP) continue;
      state[0] = iHi;
      state[1] = iLo;
      crcUpdate(this.tabHi, this.tabLo, width, state, bytes, off, off + len);
      let cHi = 0;
      let cLo = 0;
      const cp = off + len;
      for (let j = 0; j < checkLen; j++) {
        cHi = ((cHi << 8) | (cLo >>> 24)) >>> 0;
        cLo = ((cLo << 8) | bytes[cp + j]) >>> 0;
      }
      if (state[0] === cHi && state[1] === cLo) n++;
    }
    return n;
  }
}
