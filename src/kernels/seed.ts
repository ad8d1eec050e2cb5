// The seed benchmark's harness — TypeScript twin of assembly/seed.ts. Spec §9.
//
//     SR = (SR << w) | 1 ;  P += w ;  if P + D >= 16 → decode one byte (at most one a pulse)
//
// FM: 0x5555 fold (§4.2); RLL: IBM table decoder (§4.3). seedHash is an FNV-1a
// of the decoded bytes, to check that both backends decode the same stream.
//
// scalar() is that harness, pulse by pulse. Two fast paths give the same
// bytes, hash and end state on the inputs they accept and hand everything
// else back to it:
//
// FM (every width 1 or 2, P < 16). A pulse of width w shifts w cells in,
// "1" or "01", so 8 pulses shift in a cell pattern that depends only on which
// of them are 2 wide: FM_TABLE[key] = pattern | count << 16 (8..16 cells).
// With P <= 15 before and at most 16 cells added, at most one byte falls out
// per 8 pulses, and bytes only depend on the cell stream, so
//
//     SR = (SR << count) | pattern ; P += count ; if P >= 16 → P -= 16, byte = fold(SR >> P)
//
// gives the harness's bytes, SR and P. (The Wasm twin takes 16 pulses a step
// with a 64-bit register; same bytes.)
//
// RLL (valid IBM RLL(2,7) cells). The code is prefix-free and each pulse ends
// in a 1 while every code word ends in 0, so after any pulse the cells not yet
// in a complete code word are an unfinished word: "" or one of 7 proper
// prefixes ending in 1 (1, 01, 001, 0001, 00001, 1001, 001001). That is a DFA
// with 8 states; RLL_TABLE[state][w0, w1, w2] holds what 3 pulses do from a
// state: the data bits of the words they complete (≤ 15), a mark at each
// word's last bit, how many bits the last pulse completed, and the next state
// (0 if the cells cannot be valid code: the harness takes over).
//
// The harness decodes lazily (only when P + D >= 16, stopping after a byte),
// the DFA eagerly; the bytes are the same. With nb = eagerly decoded bits not
// yet in a byte, the harness emits a byte at a pulse exactly when nb >= 8
// after it, and as a pulse completes at most 7 bits (≤ 14 cells of words),
// nb <= 7 between pulses and no byte is ever delayed — so after 3 pulses
// floor(nb / 8) bytes are due. To hand over, the harness's own state is
// rebuilt: X = P + D = prefix cells + 2·nb (cells past the last byte
// boundary); D = 2·nb if the last pulse gave no byte but X >= 16 (the loop
// ran and decoded every complete word), else D = 2·(bits from the boundary to
// the first word end at or after it) — where the last byte's loop stopped, or
// where the harness was on entry (a mark is planted there).
//
// Here the decoded bytes go to a buffer (two candidates stored a step, nb >> 3
// kept: no branch) and are hashed when the fast path stops; the Wasm twin
// keeps the bits in a 64-bit register and hashes one byte a step instead.
import { fmFold, rllDecodeStep, RLL_NONE } from "./cells.js";

const FNV_PRIME = 0x01000193;
const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/** 8 pulses of width 1 or 2 (bit j = pulse j is 2, pulse 0 oldest) → cells | count << 16. */
const FM_TABLE = new Int32Array(256);

// IBM RLL(2,7) code words: cells (oldest cell = MSB), length in cells, data bits.
const WORD_CELLS = [0x8, 0x4, 0x24, 0x08, 0x04, 0x24, 0x08];
const WORD_LEN = [4, 4, 6, 6, 6, 8, 8];
const WORD_DATA = [0x3, 0x2, 0x2, 0x3, 0x0, 0x2, 0x3];

const RLL_STATES = 8;
const STATE_CELLS = new Int32Array(RLL_STATES);
const STATE_LEN = new Int32Array(RLL_STATES);

// RLL_TABLE: two int32 per entry, both 0 = invalid cells.
//   lo: bits 0..15 next state * 512 (its first entry), 16..19 data bits completed (count),
//       20..22 of those completed by the last pulse
//   hi: bits 0..14 the data bits (oldest = MSB), 15..29 word ends (bit at each word's last data bit)
const RLL_KEYS = 512; // (w0-1) | (w1-1) << 3 | (w2-1) << 6
const RLL_TABLE = new Int32Array(RLL_STATES * RLL_KEYS * 2);

function stateOf(cells: number, len: number): number {
  for (let s = 0; s < RLL_STATES; s++) if (STATE_LEN[s] === len && STATE_CELLS[s] === cells) return s;
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
    FM_TABLE[m] = cells | (len << 16);
  }
  let n = 1; // state 0: nothing pending
  for (let wi = 0; wi < 7; wi++) {
    const L = WORD_LEN[wi];
    for (let k = 1; k < L; k++) {
      const c = WORD_CELLS[wi] >> (L - k);
      if ((c & 1) === 0 || stateOf(c, k) >= 0) continue;
      STATE_CELLS[n] = c;
      STATE_LEN[n] = k;
      n++;
    }
  }
  for (let s = 0; s < RLL_STATES; s++) {
    for (let key = 0; key < RLL_KEYS; key++) {
      let cells = STATE_CELLS[s], len = STATE_LEN[s];
      let bits = 0, marks = 0, nbits = 0, lastBits = 0, next = -1;
      for (let j = 0; j < 3; j++) {
        const w = 1 + ((key >> (3 * j)) & 7);
        cells = (cells << w) | 1;
        len += w;
        for (;;) { // complete code words at the top (prefix-free: at most one matches)
          let wi = 0;
          for (; wi < 7; wi++) if (len > WORD_LEN[wi] && cells >> (len - WORD_LEN[wi]) === WORD_CELLS[wi]) break;
          if (wi === 7) break;
          const k = WORD_LEN[wi] >> 1;
          bits = (bits << k) | WORD_DATA[wi];
          marks = (marks << k) | 1;
          nbits += k;
          if (j === 2) lastBits += k;
          len -= WORD_LEN[wi];
          cells &= (1 << len) - 1;
        }
        next = stateOf(cells, len);
        if (next < 0) break;
      }
      const o = (s * RLL_KEYS + key) * 2;
      if (next < 0) {
        RLL_TABLE[o] = 0; RLL_TABLE[o + 1] = 0;
      } else {
        RLL_TABLE[o] = (next * RLL_KEYS) | (nbits << 16) | (lastBits << 20);
        RLL_TABLE[o + 1] = bits | (marks << 15);
      }
    }
  }
}
/** The tables are built by the first Seed (the twin's backend), not when the module loads: 8.6 ms of every CLI start, profiled. */
let tablesBuilt = false;

export class Seed {
  private sr = 0; private p = 0; private d = 0; private acc = 0; private hash = 0x811c9dc5;
  /** Decoded bytes of the RLL fast path, hashed when it stops. */
  private bytesOut = new Uint8Array(0);
  private wordsOf: Uint8Array | null = null;
  private words: Uint32Array = new Uint32Array(0);

  constructor() {
    if (!tablesBuilt) {
      buildTables();
      tablesBuilt = true;
    }
  }

  seedReset(): void {
    this.sr = 0; this.p = 0; this.d = 0; this.acc = 0; this.hash = 0x811c9dc5;
  }

  seedHash(): number {
    return this.hash >>> 0;
  }

  /** rll = 0: FM fold; 1: IBM RLL. Widths in samples[0, len). */
  seedRun(samples: Uint8Array, len: number, rll: number): number {
    let bytes = 0, i = 0;
    while (i < len) {
      const j = rll === 0 ? this.fmFast(samples, i, len) : this.rllFast(samples, i, len);
      bytes += this.fastBytes;
      // the exact harness for what the fast path did not take (at least one pulse, up to a block)
      const to = j >= len ? len : Math.min(len, j + (rll === 0 ? 8 : 48));
      bytes += this.scalar(samples, j, to, rll);
      i = to;
    }
    return bytes;
  }

  /** Bytes the last fmFast/rllFast call decoded. */
  private fastBytes = 0;

  /** Pulses [from, to) one by one, exactly as spec §9. Returns bytes decoded. */
  private scalar(samples: Uint8Array, from: number, to: number, rll: number): number {
    let bytes = 0;
    let sr = this.sr, p = this.p, d = this.d, acc = this.acc, hash = this.hash;
    if (rll === 0) {
      for (let i = from; i < to; i++) {
        const w = samples[i];
        sr = (sr << w) | 1;
        p += w;
        if (p >= 16) {
          p -= 16;
          hash = Math.imul(hash ^ fmFold(sr >>> p), FNV_PRIME);
          bytes++;
        }
      }
    } else {
      for (let i = from; i < to; i++) {
        const w = samples[i];
        sr = (sr << w) | 1;
        p += w;
        if (p + d < 16) continue;
        for (;;) { // one byte from the IBM RLL decoder (§4.3), as decodeByte in track.ts
          if (d >= 16) {
            d -= 16;
            hash = Math.imul(hash ^ ((acc >>> (d >> 1)) & 0xff), FNV_PRIME);
            acc &= 0xf;
            bytes++;
            break;
          }
          const step = rllDecodeStep(sr >>> 0, p, 0);
          if (step === RLL_NONE) {
            if (p >= 8) { p -= 16 - d; d = 0; }
            break;
          }
          const l = step >>> 8;
          acc = (acc << (l >>> 1)) | (step & 0xff);
          d += l;
          p -= l;
        }
      }
    }
    this.sr = sr >>> 0; this.p = p; this.d = d; this.acc = acc >>> 0; this.hash = hash >>> 0;
    return bytes;
  }

  /** Little-endian words over the samples' buffer (null when it is not 4-byte aligned). */
  private wordView(s: Uint8Array): Uint32Array | null {
    if ((s.byteOffset & 3) !== 0 || !LITTLE_ENDIAN) return null;
    if (this.wordsOf !== s || this.words.buffer !== s.buffer) {
      this.words = new Uint32Array(s.buffer, s.byteOffset, s.byteLength >> 2);
      this.wordsOf = s;
    }
    return this.words;
  }

  /** FM fast path from pulse i (4-aligned), 8 pulses a step. Returns where it stopped; bytes in fastBytes. */
  private fmFast(samples: Uint8Array, i: number, len: number): number {
    this.fastBytes = 0;
    const words = this.wordView(samples);
    if (words === null || (i & 3) !== 0 || this.p < 0 || this.p >= 16) return i;
    let sr = this.sr, p = this.p, hash = this.hash, bytes = 0;
    for (; i + 8 <= len; i += 8) {
      // widths - 1: each byte 0 or 1 when valid (a 0 width borrows and shows up too)
      const a = (words[i >> 2] - 0x01010101) | 0, b = (words[(i >> 2) + 1] - 0x01010101) | 0;
      if (((a | b) & 0xfefefefe) !== 0) break;
      // gather the 8 low bits: byte j's bit lands on bit 28 + j (no two partial products collide)
      const key = (Math.imul(a, 0x10204080) >>> 28) | ((Math.imul(b, 0x10204080) >>> 28) << 4);
      const e = FM_TABLE[key];
      sr = (sr << (e >>> 16)) | (e & 0xffff);
      p += e >>> 16;
      if (p >= 16) {
        p -= 16;
        hash = Math.imul(hash ^ fmFold(sr >>> p), FNV_PRIME);
        bytes++;
      }
    }
    this.sr = sr >>> 0; this.p = p; this.hash = hash >>> 0;
    this.fastBytes = bytes;
    return i;
  }

  /** RLL fast path from pulse start (see the header). Returns where it stopped; bytes in fastBytes. */
  private rllFast(samples: Uint8Array, start: number, len: number): number {
    this.fastBytes = 0;
    // --- enter: harness (sr, p, d, acc) → (state, bits, word ends) ---
    if (this.p < 0 || this.p > 30 || this.d < 0 || this.d >= 16 || (this.d & 1) !== 0) return start;
    const pending = this.sr;
    let plen = this.p, ab = this.acc, wm = 1, nb = this.d >> 1; // mark at the harness's last decoded word end
    for (;;) {
      let wi = 0;
      for (; wi < 7; wi++) {
        const L = WORD_LEN[wi];
        if (plen >= L && ((pending >>> (plen - L)) & ((1 << L) - 1)) === WORD_CELLS[wi]) break;
      }
      if (wi === 7) break;
      const k = WORD_LEN[wi] >> 1;
      ab = (ab << k) | WORD_DATA[wi];
      wm = (wm << k) | 1;
      nb += k;
      plen -= WORD_LEN[wi];
    }
    if (nb >= 8) return start; // a byte is due: leave it to the harness
    const s0 = stateOf(plen === 0 ? 0 : pending & ((1 << plen) - 1), plen);
    if (s0 < 0) return start;

    // --- run: 3 pulses a step while the widths are 1..8 and the cells valid code ---
    if (this.bytesOut.length < ((len - start) >> 1) + 8) this.bytesOut = new Uint8Array(((len - start) >> 1) + 64);
    const out = this.bytesOut, table = RLL_TABLE;
    let base = s0 * RLL_KEYS, o = 0, i = start, lastLo = 0, nbBefore = 0;
    for (; i + 3 <= len; i += 3) {
      const w0 = samples[i] - 1, w1 = samples[i + 1] - 1, w2 = samples[i + 2] - 1;
      if ((w0 | w1 | w2) >>> 0 >= 8) break;
      const x = (base + (w0 | (w1 << 3) | (w2 << 6))) << 1;
      const lo = table[x];
      if (lo === 0) break;
      const hi = table[x + 1];
      base = lo & 0xffff;
      const k = (lo >>> 16) & 0xf;
      ab = (ab << k) | (hi & 0x7fff);
      wm = (wm << k) | ((hi >>> 15) & 0x7fff);
      nbBefore = nb;
      nb += k;
      // up to 2 bytes are due (nb <= 22): store both candidates, keep nb >> 3 of them
      const top = ab << (32 - nb); // nb = 0: shifts by 0, stored but not kept
      out[o] = top >>> 24;
      out[o + 1] = top >>> 16;
      o += nb >> 3;
      nb &= 7;
      lastLo = lo;
    }
    if (i === start) return start;

    // --- leave: hash the bytes, rebuild (sr, p, d, acc) ---
    let hash = this.hash;
    for (let j = 0; j < o; j++) hash = Math.imul(hash ^ out[j], FNV_PRIME);
    this.hash = hash >>> 0;
    this.fastBytes = o;
    let from = i, cells = 0;
    while (from > start && cells < 32) cells += samples[--from];
    let sr = from === start ? this.sr : 0;
    for (let j = from; j < i; j++) sr = (sr << samples[j]) | 1;
    const x = STATE_LEN[(lastLo & 0xffff) / RLL_KEYS] + 2 * nb;
    const tot = nbBefore + ((lastLo >>> 16) & 0xf);
    const byteAtLast = tot >> 3 !== (tot - ((lastLo >>> 20) & 7)) >> 3;
    let dh: number;
    if (!byteAtLast && x >= 16) {
      dh = 2 * nb;
    } else {
      const marks = wm & ((2 << nb) - 1);
      dh = 2 * (nb - (31 - Math.clz32(marks)));
    }
    this.sr = sr >>> 0;
    this.p = x - dh;
    this.d = dh;
    this.acc = (ab >>> (nb - (dh >> 1))) >>> 0;
    return i;
  }
}
