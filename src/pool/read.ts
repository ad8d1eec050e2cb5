// A file input of decodeMany, read where it is decoded (a worker, or the calling
// thread): readAnyCapture, which tells the format by content. The readers load
// on the first file, so pools of captures never load them. And a .tr track's
// packed transitions, unpacked where they are decoded.
import type { Capture } from "../capture.js";
import { DiskfluxError } from "../errors.js";
import { escapeName } from "../escape.js";
import type { FileWork, TrackPlace } from "./protocol.js";
import { TR_CLOCK, trCapture, unpackDeltasInto } from "../readers/tr.js";
import type { EdgeCapture } from "../capture.js";
import { trustEdges } from "../stream.js";

/** This thread's buffer for unpacked .tr tracks (grown as needed, never shrunk). */
let scratch = new Float64Array(0);

/**
 * A .tr track's capture for one decode on this thread. `reuse` (a request that
 * keeps nothing of the capture: no event log) unpacks into this thread's one
 * buffer, which the next track overwrites: a track's edges are 8 bytes a
 * transition (~0.5 MB), and a fresh array each track kept the garbage collector
 * busy (~10 % of a whole-drive image's time, profiled). Decoding is one track at
 * a time on a thread (the calling thread awaits each; a worker chains its
 * jobs), and decode() copies what it keeps, so no capture outlives its decode.
 */
export function trackCapture(packed: Uint8Array, source: string, reuse: boolean): EdgeCapture {
  if (!reuse) return trCapture(packed, source);
  if (scratch.length < packed.length) scratch = new Float64Array(Math.max(packed.length, scratch.length * 1.25) | 0);
  const k = unpackDeltasInto(packed, scratch);
  // strictly increasing by construction (positive deltas summed from 0): decode checks its first edge only
  const edges = trustEdges(scratch.subarray(0, k));
  return { kind: "edges", sampleRate: TR_CLOCK, edges, sampleCount: k ? edges[k - 1] + 1 : 0, source };
}

/** The one capture a file holds (a single capture, or a file of one track with its place). */
export async function readFileWork(f: FileWork): Promise<{ capture: Capture } & TrackPlace> {
  const { readAnyCapture } = await import("../readers/index.js");
  const any = await readAnyCapture(f.bytes, f.source, f.read ?? {});
  if (any.kind === "single") return { capture: any.capture };
  if (any.tracks.length === 1) {
    const t = any.tracks[0];
    return { capture: t.capture, cyl: t.cyl, head: t.head };
  }
  throw new DiskfluxError(
    "E_ARGUMENT",
    `${escapeName(f.source ?? "capture")}: holds ${any.tracks.length} tracks; read it with readAnyCapture() and give decodeMany its tracks`,
  );
}
