// Samples to events in one call — TypeScript twin of assembly/fused.ts. Edge
// extraction of samples[0, len) (edges.ts) followed at once by the track
// decoder over the edges just found (track.ts, trackRun(0, n)).
//
// Writes status[ST_EDGES] = the edges extracted (n) and returns the edges the
// track decoder consumed: n, or fewer when the event log or the output filled
// up; the caller then drains the events and finishes with trackRun(used, n - used).
import { ST_EDGES } from "./abi.js";
import type { KernelMemory } from "./backend.js";
import type { Edges } from "./edges.js";
import type { Track } from "./track.js";

export function decodeSamples(
  mem: KernelMemory, edges: Edges, track: Track,
  len: number, base: number, dataBit: number, indexBit: number, suppressBit: number, rising: number,
): number {
  const n = edges.extract(mem, len, base, dataBit, indexBit, suppressBit, rising);
  mem.status[ST_EDGES] = n;
  return track.trackRun(0, n);
}
