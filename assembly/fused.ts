// Samples to events in one call — twin of src/kernels/fused.ts. Edge extraction
// of samples[0, len) (assembly/edges.ts) followed at once by the track decoder
// over the edges just found (assembly/track.ts, trackRun(0, n)): one crossing
// of the Wasm boundary per samples chunk, and the edges are still in cache.
//
// Writes status[ST_EDGES] = the edges extracted (n) and returns the edges the
// track decoder consumed: n, or fewer when the event log or the output filled
// up; the caller then drains the events and finishes with trackRun(used, n - used).
import { STATUS } from "./memory";
import { ST_EDGES } from "../src/kernels/abi";
import { edgesExtract } from "./edges";
import { trackRun } from "./track";

export function decodeSamples(len: i32, base: f64, dataBit: i32, indexBit: i32, suppressBit: i32, rising: i32): i32 {
  const n = edgesExtract(len, base, dataBit, indexBit, suppressBit, rising);
  store<i32>(STATUS + (<usize>ST_EDGES << 2), n);
  return trackRun(0, n);
}
