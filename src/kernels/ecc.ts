// ECC burst correction by error trapping — TypeScript twin of assembly/ecc.ts.
// Method and figures: ../shared/docs/recovery-facts.md §A (A.3 algorithm, A.4 risk).
//
// Code: g(x) = x^W + P(x), MSB first, unreflected, init in the register, no
// final XOR (spec §5.4); P odd (x does not divide g, so x^-1 mod g exists).
//
// Record (len bytes, n = 8·len bits); bit p counts from the MSB of byte 0:
//
//   p:    0  1  2 ...                                                   n-1
//        [ message bytes ............................ | W/8 check bytes  ]
//          x^(n-1) = first bit sent                          x^0 = last bit
//
// An error pattern e(x) over the record. The syndrome is the register run
// from init over the whole record (message and stored check):
//
//   S = x^W · e(x) mod g          (init cancels; S = 0 ⇔ the check verifies)
//
// Reverse shifting, k = 1..n:  s_k = x^-k · S mod g, one step being
//   s = s >> 1                       when bit 0 of s is 0
//   s = ((s ^ P) >> 1) | 2^(W-1)     when it is 1       (= (s ^ g) / x)
//
// A burst e = x^(q-t)·B(x) (B odd, deg B = t < b, first error bit at
// from-end position q = n-1-p) is trapped at k = q+1, where s_k = x^(W-1-t)·B:
//
//   register bit   W-1 ............ W-b | W-b-1 ......................... 0
//                 [1 ·· burst window ··] [ all zero (the trap test)        ]
//                  ^ record bit n-k        register bit W-1-j ↔ record bit n-k+j
//
//   held as       bit W-1 ...... 32 | 31 ............ 0
//                [      hi        ] [       lo        ]   (hi: at most 24 bits)
//
// Speed: the scan steps a byte at a time, s_(k+8) = (s_k >> 8) ^ R[s_k & 0xff]
// (R = 8 reverse steps of each low byte), and replays the 8 single steps only
// when s_(k+8) has its low W-b-7 bits clear — which any trap inside (k, k+8]
// leaves behind (its low W-b bits are zero and only right shifts follow), so
// no trap is skipped and the results are those of the bit-by-bit scan.
//
// The scan runs over every k (no early exit) and counts the traps whose burst
// lies wholly inside the record (top bit set, low W-b bits clear, length ≤ k):
// exactly one → flip it, re-run the check (must be 0, else undo), status
// CORRECTED; none, or more than one (a span above the code's ceiling) →
// UNCORRECTABLE with the record unchanged. Same steps, same bits as the Wasm
// kernel, which keeps one u64 where this file keeps (hi, lo) uint32 halves.
import { crcBuildTable, crcUpdate } from "./crc.js";
import {
  ECC_RECORD_CAP, ECC_MAX_RECORD, ECC_MIN_WIDTH, ECC_MAX_WIDTH,
  ECC_CLEAN, ECC_CORRECTED, ECC_UNCORRECTABLE, ECC_BAD_ARGS,
  ECC_REASON_NONE, ECC_REASON_NO_TRAP, ECC_REASON_PAST_END, ECC_REASON_AMBIGUOUS, ECC_REASON_VERIFY, ECC_REASON_DISABLED,
  EO_STATUS, EO_START, EO_LENGTH, EO_PAT_HI, EO_PAT_LO, EO_SYN_HI, EO_SYN_LO, EO_CANDIDATES, EO_REASON, EO_LEN,
} from "./ecc-abi.js";

/** The kernel's shape on both backends: a record region, an out region and one call. */
export interface EccCore {
  readonly backend: "wasm" | "js";
  /** ECC_RECORD_CAP bytes: the record goes at offset 0. */
  readonly record: Uint8Array;
  /** EO_LEN slots, written by run(). */
  readonly out: Uint32Array;
  /** eccCorrect(len, width, polyHi, polyLo, initHi, initLo, maxBurst): an ECC_* status. */
  run(len: number, width: number, polyHi: number, polyLo: number, initHi: number, initLo: number, maxBurst: number): number;
}

/** Index of the lowest set bit of (hi, lo) ≠ 0. */
function ctz64(hi: number, lo: number): number {
  return lo !== 0 ? 31 - Math.clz32(lo & -lo) : 63 - Math.clz32(hi & -hi);
}

/** The pure-TypeScript kernel. */
export class JsEccCore implements EccCore {
  readonly backend = "js";
  readonly record = new Uint8Array(ECC_RECORD_CAP);
  readonly out = new Uint32Array(EO_LEN);
  private readonly tabHi = new Uint32Array(256);
  private readonly tabLo = new Uint32Array(256);
  private readonly revHi = new Uint32Array(256);
  private readonly revLo = new Int32Array(256);
  private readonly state = new Uint32Array(2);
  private tableWidth = 0;
  private tablePolyHi = 0;
  private tablePolyLo = 0;

  private finish(status: number, start: number, length: number, patHi: number, patLo: number,
    synHi: number, synLo: number, candidates: number, reason: number): number {
    const o = this.out;
    o[EO_STATUS] = status;
    o[EO_START] = start;
    o[EO_LENGTH] = length;
    o[EO_PAT_HI] = patHi;
    o[EO_PAT_LO] = patLo;
    o[EO_SYN_HI] = synHi;
    o[EO_SYN_LO] = synLo;
    o[EO_CANDIDATES] = candidates;
    o[EO_REASON] = reason;
    return status;
  }

  /** XORs `length` pattern bits (MSB first) into the record from bit `start`. */
  private flipBurst(start: number, length: number, patHi: number, patLo: number): void {
    const rec = this.record;
    for (let i = 0; i < length; i++) {
      const b = length - 1 - i;
      const bit = b >= 32 ? (patHi >>> (b - 32)) & 1 : (patLo >>> b) & 1;
      if (bit) {
        const p = start + i;
        rec[p >>> 3] ^= 0x80 >>> (p & 7);
      }
    }
  }

  /** The register over record[0, len) from init: (hi, lo) in this.state. */
  private check(width: number, initHi: number, initLo: number, len: number): void {
    this.state[0] = initHi;
    this.state[1] = initLo;
    crcUpdate(this.tabHi, this.tabLo, width, this.state, this.record, 0, len);
  }

  run(len: number, width: number, polyHi: number, polyLo: number, initHi: number, initLo: number, maxBurst: number): number {
    if (width < ECC_MIN_WIDTH || width > ECC_MAX_WIDTH || (width & 7) !== 0 ||
        len < (width >> 3) || len > ECC_MAX_RECORD || maxBurst < 0 || maxBurst > width) {
      return this.finish(ECC_BAD_ARGS, 0, 0, 0, 0, 0, 0, 0, ECC_REASON_NONE);
    }
    const hiMask = width > 32 ? (2 ** (width - 32) - 1) >>> 0 : 0;
    const loMask = width >= 32 ? 0xffffffff : (2 ** width - 1) >>> 0;
    const pHi = (polyHi & hiMask) >>> 0;
    const pLo = (polyLo & loMask) >>> 0;
    const iHi = (initHi & hiMask) >>> 0;
    const iLo = (initLo & loMask) >>> 0;
    if ((pLo & 1) === 0) return this.finish(ECC_BAD_ARGS, 0, 0, 0, 0, 0, 0, 0, ECC_REASON_NONE);
    // top = 2^(W-1); step = (P >> 1) | top, XORed in when bit 0 was set — as int32 halves
    const topHi = width > 32 ? 1 << (width - 33) : 0;
    const topLo = width > 32 ? 0 : (1 << (width - 1)) | 0;
    const stepHi = (pHi >>> 1) | topHi;
    const stepLo = ((pLo >>> 1) | (pHi << 31) | topLo) | 0;
    if (this.tableWidth !== width || this.tablePolyHi !== pHi || this.tablePolyLo !== pLo) {
      crcBuildTable(this.tabHi, this.tabLo, width, pHi, pLo);
      for (let v = 0; v < 256; v++) {
        let hi = 0;
        let lo = v;
        for (let j = 0; j < 8; j++) {
          const m = -(lo & 1);
          lo = ((lo >>> 1) | (hi << 31)) ^ (m & stepLo);
          hi = (hi >>> 1) ^ (m & stepHi);
        }
        this.revHi[v] = hi;
        this.revLo[v] = lo;
      }
      this.tableWidth = width;
      this.tablePolyHi = pHi;
      this.tablePolyLo = pLo;
    }

    this.check(width, iHi, iLo, len);
    const synHi = this.state[0];
    const synLo = this.state[1];
    if (synHi === 0 && synLo === 0) return this.finish(ECC_CLEAN, 0, 0, 0, 0, 0, 0, 0, ECC_REASON_NONE);
    if (maxBurst === 0) return this.finish(ECC_UNCORRECTABLE, 0, 0, 0, 0, synHi, synLo, 0, ECC_REASON_DISABLED);

    const n = len * 8;
    // test = (2^(W-b) - 1) | top; filter = 2^(W-b-7) - 1 when W-b >= 8, else 0 — as int32 halves
    const lowBits = width - maxBurst;
    const testHi = (lowBits > 32 ? (2 ** (lowBits - 32) - 1) | 0 : 0) | topHi;
    const testLo = (lowBits >= 32 ? -1 : (2 ** lowBits - 1) | 0) | topLo;
    const fBits = lowBits >= 8 ? lowBits - 7 : 0;
    const filterHi = fBits > 32 ? (2 ** (fBits - 32) - 1) | 0 : 0;
    const filterLo = fBits >= 32 ? -1 : (2 ** fBits - 1) | 0;
    const revHi = this.revHi;
    const revLo = this.revLo;
    let hi = synHi | 0;
    let lo = synLo | 0;
    let found = 0;
    let pastEnd = 0;
    let foundK = 0;
    let foundHi = 0;
    let foundLo = 0;
    for (let k = 0; k < n; k += 8) {
      const v = lo & 0xff;
      const lo8 = ((lo >>> 8) | (hi << 24)) ^ revLo[v];
      const hi8 = (hi >>> 8) ^ revHi[v];
      if ((lo8 & filterLo) === 0 && (hi8 & filterHi) === 0) {
        let th = hi;
        let tl = lo;
        for (let j = 1; j <= 8; j++) {
          const m = -(tl & 1);
          tl = ((tl >>> 1) | (th << 31)) ^ (m & stepLo);
          th = (th >>> 1) ^ (m & stepHi);
          if ((tl & testLo) === topLo && (th & testHi) === topHi) {
            const length = width - ctz64(th, tl);
            if (length <= k + j) {
              if (found === 0) {
                foundK = k + j;
                foundHi = th;
                foundLo = tl;
              }
              found++;
            } else {
              pastEnd++;
            }
          }
        }
      }
      hi = hi8;
      lo = lo8;
    }
    if (found !== 1) {
      return this.finish(ECC_UNCORRECTABLE, 0, 0, 0, 0, synHi, synLo, found,
        found > 1 ? ECC_REASON_AMBIGUOUS : pastEnd > 0 ? ECC_REASON_PAST_END : ECC_REASON_NO_TRAP);
    }

    const tz = ctz64(foundHi, foundLo);
    const length = width - tz;
    let patHi: number;
    let patLo: number;
    if (tz >= 32) {
      patHi = 0;
      patLo = foundHi >>> (tz - 32);
    } else if (tz === 0) {
      patHi = foundHi >>> 0;
      patLo = foundLo >>> 0;
    } else {
      patHi = foundHi >>> tz;
      patLo = ((foundLo >>> tz) | (foundHi << (32 - tz))) >>> 0;
    }
    const start = n - foundK;
    this.flipBurst(start, length, patHi, patLo);
    this.check(width, iHi, iLo, len);
    if (this.state[0] !== 0 || this.state[1] !== 0) {
      this.flipBurst(start, length, patHi, patLo);
      return this.finish(ECC_UNCORRECTABLE, 0, 0, 0, 0, synHi, synLo, found, ECC_REASON_VERIFY);
    }
    return this.finish(ECC_CORRECTED, start, length, patHi, patLo, synHi, synLo, found, ECC_REASON_NONE);
  }
}
