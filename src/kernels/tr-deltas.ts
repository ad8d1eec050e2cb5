// Packed .tr transitions to events in one call — TypeScript twin of
// assembly/tr-deltas.ts (the byte layout and the stopping rules are described
// there). trUnpack writes the running sums of samples[0, len)'s deltas, from
// t0, into mem.edges (index levels absent) and status[ST_TR_READ] = bytes
// consumed; decodeTrDeltas then runs the track decoder over them. The loop
// itself, trDeltasInto, is also the .tr reader's unpackDeltasInto
// (src/readers/tr.ts): one unpacking rule in TypeScript.
import { EDGE_CAP, INDEX_ABSENT, ST_EDGES, ST_TR_READ } from "./abi.js";
import type { KernelMemory } from "./backend.js";
import type { Track } from "./track.js";

/**
 * The running sums of src[0, len)'s deltas from t0 into out[0, k), at most
 * `cap` of them; returns k and writes the bytes consumed to read[readAt] (fewer
 * than len at `cap` edges, or before an escape that len cuts).
 */
export function trDeltasInto(src: Uint8Array, len: number, out: Float64Array, cap: number, t0: number, read: Int32Array, readAt: number): number {
  let t = t0;
  let k = 0;
  let i = 0;
  while (i < len && k < cap) {
    const b = src[i];
    if (b !== 0 && b < 254) {
      t += b;
      out[k++] = t;
      i++;
      continue;
    }
    let d: number;
    if (b === 0) {
      i++;
      continue;
    } else if (b === 254) {
      if (i + 3 > len) break;
      d = src[i + 1] | (src[i + 2] << 8);
      i += 3;
    } else {
      if (i + 4 > len) break;
      d = src[i + 1] | (src[i + 2] << 8) | (src[i + 3] << 16);
      i += 4;
    }
    if (d === 0) continue;
    t += d;
    out[k++] = t;
  }
  read[readAt] = i;
  return k;
}

export function trUnpack(mem: KernelMemory, len: number, t0: number): number {
  const k = trDeltasInto(mem.samples, len, mem.edges, EDGE_CAP, t0, mem.status, ST_TR_READ);
  mem.index.fill(INDEX_ABSENT, 0, k);
  return k;
}

export function decodeTrDeltas(mem: KernelMemory, track: Track, len: number, t0: number): number {
  const n = trUnpack(mem, len, t0);
  mem.status[ST_EDGES] = n;
  return track.trackRun(0, n);
}
