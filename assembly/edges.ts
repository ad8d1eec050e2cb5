// Leading-edge extraction (Wasm SIMD kernel). Twin: src/kernels/edges.ts.
// Semantics: decoder spec §1.1 (edge wait) and §1.3 (pulses are measured
// between these edges); memory layout: src/kernels/abi.ts.
//
// Reads samples[0, len) (one byte per sample, channel k = bit k), writes
// edges[j] = base + i (f64) and index[j] = index level at sample i (0/1, or
// INDEX_ABSENT when indexBit < 0) for every leading edge, and returns the count.
//
// A sample i is an edge when the data bit goes inactive -> active between
// sample i-1 and sample i (active = 1 for rising, 0 for falling) and the
// suppress bit of sample i is 0. Sample i-1 of samples[0] is the last sample of
// the previous call (carried state); after edgesReset() samples[0] has no
// predecessor. Global sample 0 is never an edge. A bit outside 0..7 means the
// channel is absent (no data channel: no edges).
//
// 16 samples per vector, two vectors (32 samples) per loop step:
//
//   address      ptr+i-1  ptr+i   ptr+i+1          ptr+i+15  ptr+i+16
//   prev lanes   [ s[i-1]  s[i]    ...    s[i+14] ]
//   cur  lanes            [ s[i]   s[i+1] ...      s[i+15] ]
//
//   per lane (byte):   7 6 5 4 3 2 1 0
//                      . . . . . S I D      e.g. D=bit0 data, I=bit1 index, S=bit2 suppress
//
//   okPrev = (prev & Dmask)          == prevTarget   (rising: 0,     falling: Dmask)
//   okCur  = (cur  & (Dmask|Smask))  == curTarget    (rising: Dmask, falling: 0)
//   lane   = okPrev & okCur          -> 0xFF / 0x00
//   m      = i8x16.bitmask(lane)     -> bit k set  <=>  edge at sample i+k
//   while m: k = ctz(m); store edge i+k; m &= m-1
//
// Samples 0 (carried predecessor) and the last len-1 mod 32 samples are done
// one at a time with the same test.
import { EDGES, INDEX, SAMPLES } from "./memory";
import { INDEX_ABSENT } from "../src/kernels/abi";

/** Last sample of the previous chunk, or -1 when there is none. */
let prevSample: i32 = -1;

export function edgesReset(): void {
  prevSample = -1;
}

export function edgesExtract(len: i32, base: f64, dataBit: i32, indexBit: i32, suppressBit: i32, rising: i32): i32 {
  if (len <= 0) return 0;
  const ptr = SAMPLES;
  const carried = prevSample;
  prevSample = <i32>load<u8>(ptr + <usize>(len - 1));
  if (<u32>dataBit > 7) return 0;

  const dMask: i32 = 1 << dataBit;
  const sMask: i32 = <u32>suppressBit <= 7 ? 1 << suppressBit : 0;
  // Rising edge with suppress on the data bit itself: the data bit would have
  // to be 1 and 0 at once, so nothing can match.
  if (rising != 0 && sMask == dMask) return 0;
  const cMask: i32 = dMask | sMask;
  const prevTarget: i32 = rising != 0 ? 0 : dMask;
  const curTarget: i32 = rising != 0 ? dMask : 0;
  // index[j] = ((s >> iShift) & iAnd) | iOr
  const iPresent = <u32>indexBit <= 7;
  const iShift: u32 = iPresent ? <u32>indexBit : 0;
  const iAnd: u32 = iPresent ? 1 : 0;
  const iOr: u32 = iPresent ? 0 : INDEX_ABSENT;

  let n: i32 = 0;

  // Sample 0 against the carried predecessor.
  if (carried >= 0 && base != 0) {
    const s0 = <i32>load<u8>(ptr);
    if ((carried & dMask) == prevTarget && (s0 & cMask) == curTarget) {
      store<f64>(EDGES, base);
      store<u8>(INDEX, ((<u32>s0 >> iShift) & iAnd) | iOr);
      n = 1;
    }
  }

  const vD = i8x16.splat(<i8>dMask);
  const vC = i8x16.splat(<i8>cMask);
  const vPT = i8x16.splat(<i8>prevTarget);
  const vCT = i8x16.splat(<i8>curTarget);

  let i: i32 = 1;
  for (; i + 32 <= len; i += 32) {
    const a = ptr + <usize>i;
    const p0 = v128.load(a - 1);
    const c0 = v128.load(a);
    const p1 = v128.load(a + 15);
    const c1 = v128.load(a + 16);
    const l0 = v128.and(i8x16.eq(v128.and(p0, vD), vPT), i8x16.eq(v128.and(c0, vC), vCT));
    const l1 = v128.and(i8x16.eq(v128.and(p1, vD), vPT), i8x16.eq(v128.and(c1, vC), vCT));
    let m: u32 = <u32>i8x16.bitmask(l0) | (<u32>i8x16.bitmask(l1) << 16);
    while (m != 0) {
      const k = <i32>ctz<u32>(m);
      const pos = i + k;
      store<f64>(EDGES + (<usize>n << 3), base + <f64>pos);
      store<u8>(INDEX + <usize>n, ((<u32>load<u8>(ptr + <usize>pos) >> iShift) & iAnd) | iOr);
      n++;
      m &= m - 1;
    }
  }

  // Scalar tail.
  let p = <i32>load<u8>(ptr + <usize>(i - 1));
  for (; i < len; i++) {
    const c = <i32>load<u8>(ptr + <usize>i);
    if ((p & dMask) == prevTarget && (c & cMask) == curTarget) {
      store<f64>(EDGES + (<usize>n << 3), base + <f64>i);
      store<u8>(INDEX + <usize>n, ((<u32>c >> iShift) & iAnd) | iOr);
      n++;
    }
    p = c;
  }
  return n;
}
