// Packed .tr transitions to events in one call — twin of src/kernels/tr-deltas.ts.
// A dgesswein/mfm .tr track record holds its transitions as deltas of the
// 200 MHz clock, one byte each, with two escapes for long ones (the format
// description, README ".tr"; the reader is src/readers/tr.ts):
//
//   1..253            a delta of that many ticks
//   0                 nothing (skipped)
//   254 lo hi         a 16-bit delta, little-endian (0: nothing)
//   255 lo mid hi     a 24-bit delta, little-endian (0: nothing)
//
// The edges are the running sums, from t0 (0 at a track's start). trUnpack
// writes them straight into the edges region (index levels absent), so the
// decoder reads a track's ~60 KB of packed bytes instead of ~0.5 MB of f64
// edges unpacked and copied in by JavaScript; decodeTrDeltas then runs the
// track decoder over them (trackRun(0, n)), like decodeSamples (fused.ts).
//
// Input: samples[0, len). Stops at EDGE_CAP edges, or before an escape that
// len cuts (the caller passes the rest again; at the track's real end such a
// tail is ignored, as the reader's unpackDeltasInto does). Writes
// status[ST_TR_READ] = bytes consumed and status[ST_EDGES] = n.
import { SAMPLES, EDGES, INDEX, STATUS } from "./memory";
import { EDGE_CAP, INDEX_ABSENT, ST_EDGES, ST_TR_READ } from "../src/kernels/abi";
import { trackRun } from "./track";

/** Bytes 1..253 (plain deltas) in 16 lanes: (b - 1) < 253 unsigned. */
// @ts-ignore: decorator
@inline function plainLanes(v: v128): v128 {
  return i8x16.lt_u(i8x16.sub(v, i8x16.splat(1)), i8x16.splat(<i8>253));
}

/** Inclusive prefix sums of the 8 u16 lanes of x (lane j = x0 + … + xj). */
// @ts-ignore: decorator
@inline function prefix8(x: v128): v128 {
  const z = i16x8.splat(0);
  x = i16x8.add(x, i8x16.shuffle(z, x, 0, 1, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29));
  x = i16x8.add(x, i8x16.shuffle(z, x, 0, 1, 2, 3, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27));
  return i16x8.add(x, i8x16.shuffle(z, x, 0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23));
}

/** t + the four u32 lanes of s as f64 edges at `at` (two f64x2 stores). */
// @ts-ignore: decorator
@inline function store4(at: usize, t: v128, s: v128): void {
  v128.store(at, f64x2.add(t, f64x2.convert_low_i32x4_u(s)));
  v128.store(at + 16, f64x2.add(t, f64x2.convert_low_i32x4_u(i8x16.shuffle(s, s, 8, 9, 10, 11, 12, 13, 14, 15, 8, 9, 10, 11, 12, 13, 14, 15))));
}

// Sixteen plain deltas a step, while t is an integer of magnitude below 2^52
// (always, from a track's start: t0 = 0): every sum is then an integer below
// 2^53, exact in f64, so t + (d1 + … + dj) is the one-at-a-time sum bit for bit:
//
//   bytes   d1 d2 … d16, each 1..253              (a 0, 254 or 255 among them: scalar)
//   u16     p_j = d1 + … + dj  (three shifted adds a half; p ≤ 16 × 253 = 4048)
//   f64     edge_j = t + p_j   (convert, add, store two at a time), then t += p_16
export function trUnpack(len: i32, t0: f64): i32 {
  let t = t0;
  let k: i32 = 0;
  let i: i32 = 0;
  const exact = t0 == Math.floor(t0) && Math.abs(t0) < 4503599627370496.0; // 2^52
  while (i < len && k < EDGE_CAP) {
    if (exact && i + 16 <= len && k + 16 <= EDGE_CAP) {
      const v = v128.load(SAMPLES + <usize>i);
      const plain = <i32>i8x16.bitmask(plainLanes(v));
      if (plain == 0xffff) {
        const lo = prefix8(i16x8.extend_low_i8x16_u(v));
        const hi = i16x8.add(prefix8(i16x8.extend_high_i8x16_u(v)), i8x16.shuffle(lo, lo, 14, 15, 14, 15, 14, 15, 14, 15, 14, 15, 14, 15, 14, 15, 14, 15));
        const vt = f64x2.splat(t);
        const at = EDGES + (<usize>k << 3);
        store4(at, vt, i32x4.extend_low_i16x8_u(lo));
        store4(at + 32, vt, i32x4.extend_high_i16x8_u(lo));
        store4(at + 64, vt, i32x4.extend_low_i16x8_u(hi));
        store4(at + 96, vt, i32x4.extend_high_i16x8_u(hi));
        t += <f64>i16x8.extract_lane_u(hi, 7);
        k += 16;
        i += 16;
        continue;
      }
      // the plain deltas before the first other byte, one at a time; then that byte below
      const run = <i32>ctz<u32>(~(<u32>plain) & 0xffff);
      for (let j = 0; j < run; j++) {
        t += <f64>load<u8>(SAMPLES + <usize>i);
        store<f64>(EDGES + (<usize>k << 3), t);
        k++;
        i++;
      }
    }
    const b = <i32>load<u8>(SAMPLES + <usize>i);
    if (b != 0 && b < 254) {
      t += <f64>b;
      store<f64>(EDGES + (<usize>k << 3), t);
      k++;
      i++;
      continue;
    }
    let d: i32;
    if (b == 0) {
      i++;
      continue;
    } else if (b == 254) {
      if (i + 3 > len) break;
      d = <i32>load<u8>(SAMPLES + <usize>i + 1) | (<i32>load<u8>(SAMPLES + <usize>i + 2) << 8);
      i += 3;
    } else {
      if (i + 4 > len) break;
      d = <i32>load<u8>(SAMPLES + <usize>i + 1) | (<i32>load<u8>(SAMPLES + <usize>i + 2) << 8) | (<i32>load<u8>(SAMPLES + <usize>i + 3) << 16);
      i += 4;
    }
    if (d == 0) continue;
    t += <f64>d;
    store<f64>(EDGES + (<usize>k << 3), t);
    k++;
  }
  memory.fill(INDEX, <u8>INDEX_ABSENT, <usize>k);
  store<i32>(STATUS + (<usize>ST_TR_READ << 2), i);
  return k;
}

export function decodeTrDeltas(len: i32, t0: f64): i32 {
  const n = trUnpack(len, t0);
  store<i32>(STATUS + (<usize>ST_EDGES << 2), n);
  return trackRun(0, n);
}
