// ECC burst correction by error trapping — twin of src/kernels/ecc.ts.
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
// UNCORRECTABLE with the record unchanged.
//
// Exports (re-exported by assembly/index.ts):
//   eccRecordPtr(), eccOutPtr()   regions (src/kernels/ecc-abi.ts)
//   eccCorrect(len, width, polyHi, polyLo, initHi, initLo, maxBurst): i32
import { crcBuildTable, crcUpdate } from "./crc";
import {
  ECC_RECORD_CAP, ECC_MAX_RECORD, ECC_MIN_WIDTH, ECC_MAX_WIDTH,
  ECC_CLEAN, ECC_CORRECTED, ECC_UNCORRECTABLE, ECC_BAD_ARGS,
  ECC_REASON_NONE, ECC_REASON_NO_TRAP, ECC_REASON_PAST_END, ECC_REASON_AMBIGUOUS, ECC_REASON_VERIFY, ECC_REASON_DISABLED,
  EO_STATUS, EO_START, EO_LENGTH, EO_PAT_HI, EO_PAT_LO, EO_SYN_HI, EO_SYN_LO, EO_CANDIDATES, EO_REASON, EO_LEN,
} from "../src/kernels/ecc-abi";

const E_RECORD: usize = memory.data(ECC_RECORD_CAP, 16);
const E_OUT: usize = memory.data(EO_LEN * 4, 16);
const E_TABLE: usize = memory.data(256 * 8, 16);
const E_REVERSE: usize = memory.data(256 * 8, 16);

let tableWidth: i32 = 0;
let tablePoly: u64 = 0;

export function eccRecordPtr(): usize { return E_RECORD; }
export function eccOutPtr(): usize { return E_OUT; }

function out(slot: i32, v: u32): void { store<u32>(E_OUT + (<usize>slot << 2), v); }

function finish(status: i32, start: i32, length: i32, pattern: u64, syn: u64, candidates: i32, reason: i32): i32 {
  out(EO_STATUS, <u32>status);
  out(EO_START, <u32>start);
  out(EO_LENGTH, <u32>length);
  out(EO_PAT_HI, <u32>(pattern >> 32));
  out(EO_PAT_LO, <u32>(pattern & 0xffffffff));
  out(EO_SYN_HI, <u32>(syn >> 32));
  out(EO_SYN_LO, <u32>(syn & 0xffffffff));
  out(EO_CANDIDATES, <u32>candidates);
  out(EO_REASON, <u32>reason);
  return status;
}

/** XORs `length` pattern bits (MSB first) into the record from bit `start`. */
function flipBurst(start: i32, length: i32, pattern: u64): void {
  for (let i = 0; i < length; i++) {
    if (((pattern >> <u64>(length - 1 - i)) & 1) != 0) {
      const p = start + i;
      const at = E_RECORD + <usize>(p >> 3);
      store<u8>(at, load<u8>(at) ^ <u8>(<u32>0x80 >> <u32>(p & 7)));
    }
  }
}

/**
 * Corrects record[0, len) in place: status ECC_CLEAN / ECC_CORRECTED /
 * ECC_UNCORRECTABLE (ECC_BAD_ARGS for arguments out of range); details in the
 * out region. poly is P (the x^W term implied), init the register's start.
 */
export function eccCorrect(len: i32, width: i32, polyHi: u32, polyLo: u32, initHi: u32, initLo: u32, maxBurst: i32): i32 {
  if (width < ECC_MIN_WIDTH || width > ECC_MAX_WIDTH || (width & 7) != 0 ||
      len < (width >> 3) || len > ECC_MAX_RECORD || maxBurst < 0 || maxBurst > width) {
    return finish(ECC_BAD_ARGS, 0, 0, 0, 0, 0, ECC_REASON_NONE);
  }
  const w = <u64>width;
  const mask: u64 = (<u64>1 << w) - 1;
  const poly: u64 = (((<u64>polyHi & 0xffffffff) << 32) | (<u64>polyLo & 0xffffffff)) & mask;
  const init: u64 = (((<u64>initHi & 0xffffffff) << 32) | (<u64>initLo & 0xffffffff)) & mask;
  if ((poly & 1) == 0) return finish(ECC_BAD_ARGS, 0, 0, 0, 0, 0, ECC_REASON_NONE);
  const top: u64 = <u64>1 << (w - 1);
  const step: u64 = (poly >> 1) | top; // (g / x) without the x^-1 term: XORed in when bit 0 was set
  if (tableWidth != width || tablePoly != poly) {
    crcBuildTable(E_TABLE, width, poly);
    for (let v = 0; v < 256; v++) {
      let r = <u64>v;
      for (let j = 0; j < 8; j++) r = (r >> 1) ^ ((<u64>0 - (r & 1)) & step);
      store<u64>(E_REVERSE + (<usize>v << 3), r);
    }
    tableWidth = width;
    tablePoly = poly;
  }

  const syn = crcUpdate(E_TABLE, width, init, E_RECORD, len);
  if (syn == 0) return finish(ECC_CLEAN, 0, 0, 0, 0, 0, ECC_REASON_NONE);
  if (maxBurst == 0) return finish(ECC_UNCORRECTABLE, 0, 0, 0, syn, 0, ECC_REASON_DISABLED);

  const n = len << 3;
  const lowBits = width - maxBurst;
  const test: u64 = ((<u64>1 << <u64>lowBits) - 1) | top;
  const filter: u64 = lowBits >= 8 ? (<u64>1 << <u64>(lowBits - 7)) - 1 : 0;
  let s = syn;
  let found = 0, pastEnd = 0;
  let foundK = 0;
  let foundS: u64 = 0;
  for (let k = 0; k < n; k += 8) {
    const s8 = (s >> 8) ^ load<u64>(E_REVERSE + (<usize>(s & 0xff) << 3));
    if ((s8 & filter) == 0) {
      let t = s;
      for (let j = 1; j <= 8; j++) {
        t = (t >> 1) ^ ((<u64>0 - (t & 1)) & step);
        if ((t & test) == top) {
          const length = width - <i32>ctz(t);
          if (length <= k + j) {
            if (found == 0) { foundK = k + j; foundS = t; }
            found++;
          } else {
            pastEnd++;
          }
        }
      }
    }
    s = s8;
  }
  if (found != 1) {
    return finish(ECC_UNCORRECTABLE, 0, 0, 0, syn, found,
      found > 1 ? ECC_REASON_AMBIGUOUS : pastEnd > 0 ? ECC_REASON_PAST_END : ECC_REASON_NO_TRAP);
  }

  const tz = <i32>ctz(foundS);
  const length = width - tz;
  const pattern = foundS >> <u64>tz;
  const start = n - foundK;
  flipBurst(start, length, pattern);
  if (crcUpdate(E_TABLE, width, init, E_RECORD, len) != 0) {
    flipBurst(start, length, pattern);
    return finish(ECC_UNCORRECTABLE, 0, 0, 0, syn, found, ECC_REASON_VERIFY);
  }
  return finish(ECC_CORRECTED, start, length, pattern, syn, found, ECC_REASON_NONE);
}
