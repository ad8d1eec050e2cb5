// The seed benchmark's harness — twin of src/kernels/seed.ts. Spec §9.
//
// Replays pulse widths (one byte each, in cells) through a shift register the
// way the original decode_bench.py does, and calls the byte decoder whenever
// 16 cells are pending:
//
//     SR = (SR << w) | 1 ;  P += w ;  if P + D >= 16 → decode once (at most one byte a pulse)
//
// FM uses the 0x5555 fold (§4.2), RLL the IBM table decoder (§4.3). State
// (SR, P, D, acc, hash) is kept across calls so a stream can be fed in chunks.
// Returns bytes decoded; seedHash() is an FNV-1a of every decoded byte.
//
// The exact pulse-by-pulse harness is seedScalar(). Two fast paths give the
// same bytes, hash and end state on the inputs they accept, and hand back to
// it on anything else (src/kernels/seed.ts explains both in detail):
//
//   FM   widths all 1 or 2 and P < 16: 16 pulses a step. i8x16.bitmask of
//        (w == 2) → two 8-pulse keys → table FM_TABLE: the 8..16 cells those
//        pulses shift in, and their count. 1 or 2 bytes fall out per step;
//        the second is hashed branch-free (select).
//
//   RLL  valid IBM RLL(2,7) cells: 3 pulses a step through a DFA whose state
//        is the unfinished code word (8 states). RLL_TABLE[state][w0,w1,w2]
//        gives the data bits of the code words the 3 pulses complete, their
//        word ends, the next state, and how many bits the last pulse
//        completed. The 16 keys of a 48-pulse block are computed at once
//        (swizzle de-interleave); the loop is then one table load on the
//        state chain plus bit shuffling, and hashes one byte a step straight
//        from the bit register (branch-free select), beside that chain.
//        The harness decodes lazily (only when P + D >= 16); the bytes and
//        their order are the same, and the exact (SR, P, D, acc) are rebuilt
//        when the fast path stops.
import { SAMPLES } from "./memory";
import { fmFold, rllDecodeStep, RLL_NONE } from "./cells";

const FNV_PRIME: u32 = 0x01000193;

let sr: u32 = 0, p: i32 = 0, d: i32 = 0, acc: u32 = 0, hash: u32 = 0x811c9dc5;

export function seedReset(): void {
  sr = 0; p = 0; d = 0; acc = 0; hash = 0x811c9dc5;
}

export function seedHash(): u32 {
  return hash;
}

// ---- tables ---------------------------------------------------------------

/** 8 pulses of width 1 or 2 (bit j = pulse j is 2, pulse 0 oldest) → cells | count << 16. */
const FM_TABLE: usize = memory.data(256 * 4, 16);

// IBM RLL(2,7) code words: cells (oldest cell = MSB), length in cells, data bits, bit count.
const WORD_CELLS_: usize = memory.data<i32>([0x8, 0x4, 0x24, 0x08, 0x04, 0x24, 0x08]);
const WORD_LEN_: usize = memory.data<i32>([4, 4, 6, 6, 6, 8, 8]);
const WORD_DATA_: usize = memory.data<i32>([0x3, 0x2, 0x2, 0x3, 0x0, 0x2, 0x3]);
// @ts-ignore: decorator
@inline function WORD_CELLS(i: i32): i32 { return load<i32>(WORD_CELLS_ + (<usize>i << 2)); }
// @ts-ignore: decorator
@inline function WORD_LEN(i: i32): i32 { return load<i32>(WORD_LEN_ + (<usize>i << 2)); }
// @ts-ignore: decorator
@inline function WORD_DATA(i: i32): i32 { return load<i32>(WORD_DATA_ + (<usize>i << 2)); }

/** DFA states: an unfinished code word (cells, length); state 0 = nothing pending. */
const RLL_STATES = 8;
const STATE_CELLS: usize = memory.data(RLL_STATES * 4, 16);
const STATE_LEN: usize = memory.data(RLL_STATES * 4, 16);

// RLL_TABLE entry, 8 bytes, next offset 0 = invalid cells:
//   u16 +0  next state's byte offset in the table (state << 12; state 0 is never next)
//   u8  +2  data bits completed by the 3 pulses (count)
//   u8  +3  of those, completed by the last pulse
//   u16 +4  the data bits, oldest first (MSB)
//   u16 +6  word ends: bit set at the last data bit of each code word
const RLL_KEYS = 512; // (w0-1) | (w1-1) << 3 | (w2-1) << 6
const RLL_TABLE: usize = memory.data(RLL_STATES * RLL_KEYS * 8, 16);

/** The 16 keys (byte offsets key << 3) of a 48-pulse block, u16 each. */
const KEYS: usize = memory.data(32, 16);

function stateOf(cells: i32, len: i32): i32 {
  for (let s = 0; s < RLL_STATES; s++) {
    if (load<i32>(STATE_LEN + (<usize>s << 2)) == len && load<i32>(STATE_CELLS + (<usize>s << 2)) == cells) return s;
  }
  return -1;
}

function buildTables(): void {
  for (let m = 0; m < 256; m++) {
    let cells = 0, len = 0;
    for (let j = 0; j < 8; j++) {
      const w = 1 + ((m >> j) & 1);
      cells = (cells << w) | 1;
      len += w;
    }
    store<u32>(FM_TABLE + (<usize>m << 2), <u32>cells | (<u32>len << 16));
  }
  // states: nothing pending, then every proper prefix of a code word that ends in a 1
  let n = 1;
  store<i32>(STATE_CELLS, 0);
  store<i32>(STATE_LEN, 0);
  for (let wi = 0; wi < 7; wi++) {
    const L = WORD_LEN(wi);
    for (let k = 1; k < L; k++) {
      const c = WORD_CELLS(wi) >> (L - k);
      if ((c & 1) == 0 || stateOf(c, k) >= 0) continue;
      store<i32>(STATE_CELLS + (<usize>n << 2), c);
      store<i32>(STATE_LEN + (<usize>n << 2), k);
      n++;
    }
  }
  for (let s = 0; s < RLL_STATES; s++) {
    for (let key = 0; key < RLL_KEYS; key++) {
      let cells = load<i32>(STATE_CELLS + (<usize>s << 2)), len = load<i32>(STATE_LEN + (<usize>s << 2));
      let bits = 0, marks = 0, nbits = 0, lastBits = 0, next = -1;
      for (let j = 0; j < 3; j++) {
        const w = 1 + ((key >> (3 * j)) & 7);
        cells = (cells << w) | 1;
        len += w;
        // complete code words at the top (the code is prefix-free: at most one matches)
        for (;;) {
          let wi = 0;
          for (; wi < 7; wi++) {
            const L = WORD_LEN(wi);
            if (len > L && (cells >> (len - L)) == WORD_CELLS(wi)) break;
          }
          if (wi == 7) break;
          const k = WORD_LEN(wi) >> 1;
          bits = (bits << k) | WORD_DATA(wi);
          marks = (marks << k) | 1;
          nbits += k;
          if (j == 2) lastBits += k;
          len -= WORD_LEN(wi);
          cells &= (1 << len) - 1;
        }
        next = stateOf(cells, len);
        if (next < 0) break;
      }
      const o = RLL_TABLE + ((<usize>s * RLL_KEYS + <usize>key) << 3);
      store<u16>(o, next < 0 ? 0 : next << 12);
      store<u8>(o, nbits, 2);
      store<u8>(o, lastBits, 3);
      store<u16>(o, <u16>bits, 4);
      store<u16>(o, <u16>marks, 6);
    }
  }
}
buildTables();

// ---- the exact harness ----------------------------------------------------

/** Pulses [from, to) one by one, exactly as spec §9. State in (sr, p, d, acc, hash); returns bytes. */
function seedScalar(from: i32, to: i32, rll: i32): i32 {
  let bytes = 0;
  let r = sr, pp = p, dd = d, a = acc, hh = hash;
  if (rll == 0) {
    for (let i = from; i < to; i++) {
      const w = <u32>load<u8>(SAMPLES + <usize>i);
      r = (r << w) | 1;
      pp += <i32>w;
      if (pp >= 16) {
        pp -= 16;
        hh = (hh ^ <u32>fmFold(r >> <u32>pp)) * FNV_PRIME;
        bytes++;
      }
    }
  } else {
    for (let i = from; i < to; i++) {
      const w = <u32>load<u8>(SAMPLES + <usize>i);
      r = (r << w) | 1;
      pp += <i32>w;
      if (pp + dd < 16) continue;
      // one byte from the IBM RLL decoder (§4.3), as decodeByte in track.ts
      for (;;) {
        if (dd >= 16) {
          dd -= 16;
          hh = (hh ^ ((a >> <u32>(dd >> 1)) & 0xff)) * FNV_PRIME;
          a &= 0xf;
          bytes++;
          break;
        }
        const step = rllDecodeStep(r, pp, 0);
        if (step == RLL_NONE) {
          if (pp >= 8) { pp -= 16 - dd; dd = 0; }
          break;
        }
        const l = step >>> 8;
        a = (a << <u32>(l >>> 1)) | <u32>(step & 0xff);
        dd += l;
        pp -= l;
      }
    }
  }
  sr = r; p = pp; d = dd; acc = a; hash = hh;
  return bytes;
}

// ---- FM fast path ---------------------------------------------------------

/** From pulse i while widths are 1 or 2 (and P < 16), 16 at a time. Returns the pulse it stopped at; adds to fmBytes. */
let fmBytes: i32 = 0;
function fmFast(i: i32, len: i32): i32 {
  if (p < 0 || p >= 16) return i;
  let cells: u64 = <u64>sr, pp = p, hh = hash, bytes = 0;
  const one = i8x16.splat(1), two = i8x16.splat(2);
  for (; i + 16 <= len; i += 16) {
    const v = v128.load(SAMPLES + <usize>i);
    if (!i8x16.all_true(i8x16.le_u(i8x16.sub(v, one), one))) break;
    const m = <u32>i8x16.bitmask(i8x16.eq(v, two));
    const e0 = load<u32>(FM_TABLE + (<usize>(m & 0xff) << 2));
    const e1 = load<u32>(FM_TABLE + (<usize>(m >> 8) << 2));
    const l1 = e1 >> 16;
    const n = (e0 >> 16) + l1; // 16..32 cells
    cells = (cells << <u64>n) | <u64>(((e0 & 0xffff) << l1) | (e1 & 0xffff));
    pp += <i32>n; // 16..47: one byte for sure, a second one when still >= 16
    pp -= 16;
    hh = (hh ^ <u32>fmFold(<u32>(cells >> <u64>pp))) * FNV_PRIME;
    const c = pp >= 16;
    pp -= <i32>c << 4;
    const h2 = (hh ^ <u32>fmFold(<u32>(cells >> <u64>pp))) * FNV_PRIME;
    hh = select<u32>(h2, hh, c);
    bytes += 1 + <i32>c;
  }
  sr = <u32>cells; p = pp; hash = hh;
  fmBytes += bytes;
  return i;
}

// ---- RLL fast path --------------------------------------------------------

let rllBytes: i32 = 0;

/**
 * From pulse i: turns the harness state into the DFA's (the P pending cells
 * decoded eagerly), runs 3 pulses a step while the cells are valid code, and
 * turns the state back. Returns the pulse it stopped at (i when it cannot start).
 */
function rllFast(start: i32, len: i32): i32 {
  // --- enter: harness (sr, p, d, acc) → (state, bits, word ends) ---
  if (p < 0 || p > 30 || d < 0 || d >= 16 || (d & 1) != 0) return start;
  let pending = <i32>sr, plen = p;
  let ab: u64 = <u64>acc, wm: u64 = 1, nb = d >> 1; // mark at the harness's last decoded word end
  for (;;) {
    let wi = 0;
    for (; wi < 7; wi++) {
      const L = WORD_LEN(wi);
      if (plen >= L && ((pending >> (plen - L)) & ((1 << L) - 1)) == WORD_CELLS(wi)) break;
    }
    if (wi == 7) break;
    const k = WORD_LEN(wi) >> 1;
    ab = (ab << <u64>k) | <u64>WORD_DATA(wi);
    wm = (wm << <u64>k) | 1;
    nb += k;
    plen -= WORD_LEN(wi);
  }
  if (nb >= 8) return start; // a byte is due: leave it to the harness
  const s0 = stateOf(plen == 0 ? 0 : pending & ((1 << plen) - 1), plen);
  if (s0 < 0) return start;

  // --- run: 3 pulses a step while the widths are 1..8 and the cells valid code ---
  // ab holds the decoded bits not yet hashed (nbt of them; byte boundaries at
  // multiples of 8 from the oldest); one byte is hashed a step, branch-free —
  // 0.9 bytes come a step on valid code, so it keeps up, and this chain runs
  // beside the DFA's (next offset → load) chain.
  let off = <u32>s0 << 12, i = start, last: u32 = 0, nbt = nb;
  let hh = hash, count = 0, wm32 = <u32>wm;
  const one = i8x16.splat(1), seven = i8x16.splat(7);
  while (i + 48 <= len) {
    // next 48 widths: all 1..8? then their 16 keys, de-interleaved with swizzles
    const b = SAMPLES + <usize>i;
    const v0 = i8x16.sub(v128.load(b), one), v1 = i8x16.sub(v128.load(b, 16), one), v2 = i8x16.sub(v128.load(b, 32), one);
    if (!i8x16.all_true(v128.and(v128.and(i8x16.le_u(v0, seven), i8x16.le_u(v1, seven)), i8x16.le_u(v2, seven)))) break;
    const w0 = v128.or(v128.or(
      i8x16.swizzle(v0, i8x16(0, 3, 6, 9, 12, 15, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1)),
      i8x16.swizzle(v1, i8x16(-1, -1, -1, -1, -1, -1, 2, 5, 8, 11, 14, -1, -1, -1, -1, -1))),
      i8x16.swizzle(v2, i8x16(-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, 1, 4, 7, 10, 13)));
    const w1 = v128.or(v128.or(
      i8x16.swizzle(v0, i8x16(1, 4, 7, 10, 13, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1)),
      i8x16.swizzle(v1, i8x16(-1, -1, -1, -1, -1, 0, 3, 6, 9, 12, 15, -1, -1, -1, -1, -1))),
      i8x16.swizzle(v2, i8x16(-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, 2, 5, 8, 11, 14)));
    const w2 = v128.or(v128.or(
      i8x16.swizzle(v0, i8x16(2, 5, 8, 11, 14, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1)),
      i8x16.swizzle(v1, i8x16(-1, -1, -1, -1, -1, 1, 4, 7, 10, 13, -1, -1, -1, -1, -1, -1))),
      i8x16.swizzle(v2, i8x16(-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, 0, 3, 6, 9, 12, 15)));
    const k01 = v128.or(w0, i8x16.shl(w1, 3)); // (w0-1) | (w1-1) << 3, 6 bits
    store<v128>(KEYS, i16x8.add(i16x8.shl(i16x8.extend_low_i8x16_u(k01), 3), i16x8.shl(i16x8.extend_low_i8x16_u(w2), 9)));
    store<v128>(KEYS, i16x8.add(i16x8.shl(i16x8.extend_high_i8x16_u(k01), 3), i16x8.shl(i16x8.extend_high_i8x16_u(w2), 9)), 16);
    let t = 0;
    for (; t < 16; t++) {
      const e = RLL_TABLE + <usize>(off + <u32>load<u16>(KEYS + (<usize>t << 1)));
      const next = <u32>load<u16>(e);
      if (next == 0) break;
      off = next;
      const k = <u32>load<u8>(e, 2);
      ab = (ab << <u64>k) | <u64>load<u16>(e, 4);
      wm32 = (wm32 << k) | <u32>load<u16>(e, 6);
      nbt += <i32>k;
      const more = nbt >= 8;
      const h2 = (hh ^ (<u32>(ab >> <u64>(nbt - 8)) & 0xff)) * FNV_PRIME;
      hh = select<u32>(h2, hh, more);
      nbt -= <i32>more << 3;
      count += <i32>more;
      if (nbt >= 40) { // more than one byte behind (never on real data): catch up
        nbt -= 8;
        hh = (hh ^ (<u32>(ab >> <u64>nbt) & 0xff)) * FNV_PRIME;
        count++;
      }
      last = <u32>e;
    }
    i += 3 * t;
    if (t < 16) break;
  }
  if (i == start) return start;

  // --- leave: hash what is left, rebuild (sr, p, d, acc) ---
  const nbBefore = nbt - <i32>load<u8>(last, 2); // bits past the boundary before the last step, mod 8
  while (nbt >= 8) {
    nbt -= 8;
    hh = (hh ^ (<u32>(ab >> <u64>nbt) & 0xff)) * FNV_PRIME;
    count++;
  }
  hash = hh;
  rllBytes += count;
  nb = nbt;
  // SR: the last 32 cells, replayed from the widths (from the entry SR when fewer were seen)
  let from = i, cells = 0;
  while (from > start && cells < 32) cells += <i32>load<u8>(SAMPLES + <usize>--from);
  let r: u32 = from == start ? sr : 0;
  for (let j = from; j < i; j++) r = (r << <u32>load<u8>(SAMPLES + <usize>j)) | 1;
  // Cells past the last byte boundary: X = P + D. The harness decoded lazily:
  // if the last pulse gave no byte and X >= 16 it decoded every complete word
  // (D = all pending bits); otherwise it stopped at the first word end past
  // the boundary (where the last byte's loop stopped, or where it was on entry).
  const sNext = <i32>load<u16>(last) >> 12;
  const x = load<i32>(STATE_LEN + (<usize>sNext << 2)) + 2 * nb;
  const tot = (nbBefore & 7) + <i32>load<u8>(last, 2);
  const byteAtLast = (tot >> 3) != ((tot - <i32>load<u8>(last, 3)) >> 3);
  let dh: i32;
  if (!byteAtLast && x >= 16) {
    dh = 2 * nb;
  } else {
    const marks = wm32 & ((2 << <u32>nb) - 1);
    dh = 2 * (nb - (31 - <i32>clz<u32>(marks)));
  }
  sr = r;
  p = x - dh;
  d = dh;
  acc = <u32>(ab >> <u64>(nb - (dh >> 1)));
  return i;
}

/** rll = 0: FM fold; 1: IBM RLL. Widths in SAMPLES[0, len). */
export function seedRun(len: i32, rll: i32): i32 {
  fmBytes = 0; rllBytes = 0;
  let bytes = 0, i = 0;
  while (i < len) {
    const j = rll == 0 ? fmFast(i, len) : rllFast(i, len);
    // the exact harness for what the fast path did not take (at least one pulse, up to a block)
    const to = j >= len ? len : min(len, j + (rll == 0 ? 16 : 48));
    bytes += seedScalar(j, to, rll);
    i = to;
  }
  return bytes + fmBytes + rllBytes;
}
