// The body of a decode worker, the same for worker_threads (worker-node.ts) and
// Web Workers (worker-web.ts): jobs are decoded one at a time, in arrival order,
// with this thread's own kernels (one Wasm instance per worker: getKernels()
// instantiates the module once per thread and decode() reuses it).
//
// The Wasm module is compiled here, not posted from the main thread: measured on
// node 20 (2-core EPYC), a fresh worker spends ~6 ms decoding the base64 and
// compiling the 19 KB module against ~1 ms instantiating a posted Module, while
// the worker itself takes 45-80 ms to start (bundled) and ~450 ms from source
// under tsx. The ~5 ms is paid once per worker, off the main thread, and
// overlaps the main thread's first reads ("warm" is the first message).
import { decode } from "../decode.js";
import { getKernels } from "../kernels/load.js";
import {
  TEXT_CREDIT, leanResult, leanRequest, packResult, pieceSize, poolError, textTransfer, type FromWorker, type ImageReadsWork, type ToWorker, type TrackPlace,
} from "./protocol.js";
import type { PackedTrackReads } from "../image/reads-pack.js";
import type { DecodeResult } from "../types.js";
import { keepsNoCapture, readFileWork, trackCapture } from "./read.js";

export type Post = (message: FromWorker, transfer: ArrayBuffer[]) => void;

/** A lean result's sector reads, packed (sectorReads where the image would make them; source and input left to it). */
async function imageReadsOf(lean: DecodeResult, w: ImageReadsWork): Promise<{ reads: PackedTrackReads; transfer: ArrayBuffer[] }> {
  const [{ sectorReads }, { packTrackReads }, { dataCheckOf }] = await Promise.all([
    import("../image/assemble.js"), import("../image/reads-pack.js"), import("../recover/merge.js"),
  ]);
  const r = sectorReads({ result: lean, ...(w.source !== undefined ? { source: w.source } : {}), ...(w.cyl !== undefined ? { cyl: w.cyl } : {}), ...(w.head !== undefined ? { head: w.head } : {}) }, w.placeBy, 0);
  const { packed, transfer } = packTrackReads(r, dataCheckOf(lean), lean.options);
  return { reads: packed, transfer };
}

/** A message handler that serializes jobs and answers each with exactly one "done". */
export function workerHandler(post: Post): (message: ToWorker) => void {
  let chain: Promise<void> = Promise.resolve();
  const send = (m: FromWorker, transfer: ArrayBuffer[] = []) => {
    try {
      post(m, transfer);
    } catch (e) {
      // A buffer that would not move (or a result that would not clone): try a plain copy, then report the failure.
      if (m.type === "done" && m.ok) {
        try {
          post(m, []);
          return;
        } catch (again) {
          post({ type: "done", id: m.id, ok: false, error: poolError(again) }, []);
          return;
        }
      }
      throw e;
    }
  };
  // An annotate job's text sent and not acknowledged, and what waits for room (acks bypass the job chain).
  let unacked = 0;
  let room: (() => void) | undefined;
  return (m: ToWorker) => {
    if (m.type === "ack") {
      unacked -= m.size;
      if (unacked <= TEXT_CREDIT && room) {
        const go = room;
        room = undefined;
        go();
      }
      return;
    }
    chain = chain.then(async () => {
      if (m.type === "warm") {
        try {
          await getKernels(m.backend);
        } catch {
          // The jobs will report it (E_WASM) one by one, as sequential decode() would.
        }
        send({ type: "ready" });
        return;
      }
      if (m.type === "job") {
        let place: TrackPlace = {};
        try {
          let capture = m.capture;
          const reuse = keepsNoCapture(m.request);
          if (m.file) ({ capture, ...place } = await readFileWork(m.file, { options: m.options, reuse, ...(m.request.channels ? { channels: m.request.channels } : {}) }));
          else if (m.tr) capture = trackCapture(m.tr.packed, m.tr.source, reuse);
          const t0 = performance.now();
          if (m.annotate) {
            // an annotate job: the capture's annotation text sent as it is made (byte pieces moved), pausing
            // while TEXT_CREDIT of it waits to be written (acks); then done
            const { annotateWork } = await import("./annotate.js");
            await annotateWork(capture!, m.options, m.request, m.annotate, (piece) => {
              send({ type: "piece", id: m.id, piece }, textTransfer([piece]));
              unacked += pieceSize(piece);
              if (unacked > TEXT_CREDIT) return new Promise<void>((resolve) => (room = resolve));
            });
            send({ type: "done", id: m.id, ok: true, text: [], ms: performance.now() - t0, ...place });
            return;
          }
          const decoded = await decode(capture!, m.options, m.lean || m.imageReads ? leanRequest(m.request) : m.request);
          const ms = performance.now() - t0;
          if (m.imageReads) {
            // the track's sector reads, made here: what the image takes of the result (src/image/reads-pack.ts)
            const { reads, transfer } = await imageReadsOf(leanResult(decoded), m.imageReads);
            send({ type: "done", id: m.id, ok: true, reads, ms, ...place }, transfer);
            return;
          }
          const { result, packed, transfer } = packResult(m.lean ? leanResult(decoded) : decoded);
          send({ type: "done", id: m.id, ok: true, result, packed, ms, ...place }, transfer);
        } catch (e) {
          send({ type: "done", id: m.id, ok: false, error: poolError(e, m.capture?.source ?? m.file?.source ?? m.tr?.source), ...place });
        }
      }
    }).catch(() => undefined); // (a post that failed twice: the chain must go on for the jobs behind it)
  };
}
