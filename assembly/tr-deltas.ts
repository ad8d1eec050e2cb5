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

export function trUnpack(len: i32, t0: f64): i32 {
  let t = t0;
  let k: i32 = 0;
  let i: i32 = 0;
  while (i < len && k < EDGE_CAP) {
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
