// A file input of decodeMany, read where it is decoded (a worker, or the calling
// thread): readAnyCapture, which tells the format by content. The readers load
// on the first file, so pools of captures never load them. And a .tr track's
// packed transitions, unpacked where they are decoded.
import type { Capture } from "../capture.js";
import { DiskfluxError } from "../errors.js";
import { escapeName } from "../escape.js";
import type { FileWork, TrackPlace } from "./protocol.js";
import type { ChannelMap } from "../types.js";
import { parseOptionString, type DecodeOptions } from "../options.js";
import { TR_CLOCK, trCapture, unpackDeltasInto } from "../readers/tr.js";
import type { EdgeCapture } from "../capture.js";
import { trustEdges, withPackedDeltas } from "../stream.js";
import { EdgeList } from "../edge-list.js";

/** This thread's buffer for unpacked .tr tracks (grown as needed, never shrunk). */
let scratch = new Float64Array(0);
/** This thread's buffer for the packed bytes of the .tr track being decoded (likewise). */
let packedScratch = new Uint8Array(0);

/**
 * A .tr track's capture for one decode on this thread. `reuse` (a request that
 * keeps nothing of the capture: no event log) gives a capture whose edges are
 * built only when something reads them: decode() hands the packed bytes to the
 * kernel, which unpacks them itself (withPackedDeltas, kernels/tr-deltas.ts;
 * the JavaScript unpack and the copy into the kernel were ~9 % of a whole-drive
 * image's time, profiled). Recovery, detection and annotations read `edges`:
 * they are unpacked then, into this thread's one buffer, which the next track
 * overwrites (a fresh ~0.5 MB array each track kept the garbage collector
 * busy). Decoding is one track at a time on a thread (the calling thread awaits
 * each; a worker chains its jobs), and decode() copies what it keeps, so no
 * capture outlives its decode.
 */
export function trackCapture(packed: Uint8Array, source: string, reuse: boolean): EdgeCapture {
  if (!reuse) return trCapture(packed, source);
  // the packed bytes too go to this thread's one buffer: the capture must not hold on to the caller's
  // (a view into a file chunk, or a buffer moved here), which it would otherwise keep alive for as long
  // as it lives (measured: a whole drive's such buffers raised --jobs 2 RSS from 138 to 175 MB)
  if (packedScratch.length < packed.length) packedScratch = new Uint8Array(Math.max(packed.length, packedScratch.length * 1.25) | 0);
  packedScratch.set(packed);
  const mine = packedScratch.subarray(0, packed.length);
  let edges: Float64Array | undefined;
  const unpacked = (): Float64Array => {
    if (edges) return edges;
    if (scratch.length < mine.length) scratch = new Float64Array(Math.max(mine.length, scratch.length * 1.25) | 0);
    const k = unpackDeltasInto(mine, scratch);
    // strictly increasing by construction (positive deltas summed from 0): decode checks its first edge only
    edges = trustEdges(scratch.subarray(0, k));
    return edges;
  };
  const capture: EdgeCapture = {
    kind: "edges",
    sampleRate: TR_CLOCK,
    get edges() {
      return unpacked();
    },
    get sampleCount() {
      const e = unpacked();
      return e.length ? e[e.length - 1] + 1 : 0;
    },
    source,
  };
  return withPackedDeltas(capture, mine);
}

/** What reading a file for a decode needs of the decode: the leading edge its options give, its channels. */
export interface FileReadHow {
  readonly options?: string | DecodeOptions;
  readonly channels?: ChannelMap;
  /** Read a .sr through the fused kernel: default where it pays (fusedPreferred()); true or false to choose. */
  readonly fused?: boolean;
  /**
   * The decode keeps nothing of the capture (no event log, as trackCapture's
   * `reuse`): a fused read's edges go to this thread's one list, which the
   * next file's read overwrites (a fresh 0.5-1.5 MB of arrays a capture, grown
   * twice and zeroed, was ~9 % of 100 captures' `-A mfm=fields`, profiled).
   */
  readonly reuse?: boolean;
}

/** Whether a decode with this request keeps nothing of its capture (no event log, no byte log): its capture may live in this thread's buffers. */
export function keepsNoCapture(r: { readonly keepEvents?: boolean; readonly logBytes?: boolean }): boolean {
  return !r.keepEvents && !r.logBytes;
}

/** This thread's edge list for fused reads with `reuse` (see FileReadHow). */
let edgeScratch: EdgeList | undefined;

/**
 * The one capture a file holds (a single capture, or a file of one track with its place).
 * Where the fused inflate→edges kernel pays (a browser's Web Worker: fusedPreferred(),
 * docs/fused-reader.md) a sigrok .sr becomes its leading edges straight from the
 * compressed members, for the edge and channels this decode uses; anything the kernel
 * leaves to today's path is read as before, and a damaged file is E_CORRUPT either way.
 */
export async function readFileWork(f: FileWork, how: FileReadHow = {}): Promise<{ capture: Capture } & TrackPlace> {
  const fused = await readFused(f, how);
  if (fused) return { capture: fused };
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

/** Whether this thread reads .sr files through the fused kernel (learnt on the first file). */
let fusedHere: boolean | undefined;

async function readFused(f: FileWork, how: FileReadHow): Promise<Capture | undefined> {
  if (how.fused === false || (how.fused === undefined && fusedHere === false)) return undefined;
  const { fusedPreferred, sigrokEdgesFused } = await import("../readers/fused-edges.js");
  fusedHere = fusedPreferred();
  if (how.fused === undefined && !fusedHere) return undefined;
  const { looksLikeZip, ZipArchive } = await import("../readers/zip.js");
  if (!looksLikeZip(f.bytes)) return undefined;
  const zip = ZipArchive.open(f.bytes, f.source ?? "capture");
  if (!zip.has("metadata")) return undefined;
  const given = typeof how.options === "string" ? parseOptionString(how.options) : (how.options ?? {});
  const leadingEdge = given.leading_edge === "falling" ? "falling" : "rising"; // (detection keeps the given one)
  try {
    const into = how.reuse ? (edgeScratch ??= new EdgeList(false)) : undefined;
    const capture = await sigrokEdgesFused(zip, { leadingEdge, ...(how.channels ? { channels: how.channels } : {}), ...(into ? { into } : {}) });
    // the kernel's sample numbers, strictly increasing by construction: decode checks the first edge only
    // (the per-edge check was ~0.1 ms a capture, more while the JIT warms up; the capture goes to one decode)
    if (capture) trustEdges(capture.edges);
    return capture;
  } catch (e) {
    if (e instanceof DiskfluxError && e.code === "E_CORRUPT") throw e;
    return undefined; // anything else (a kernel that fails to load): today's path reads it
  }
}
