// decodeMany for browsers: a pool of module Web Workers speaking the same
// protocol as the Node pool (protocol.ts). Nothing here reaches a Node built-in.
//
// The worker is `new Worker(new URL("./worker-web.js", import.meta.url), { type: "module" })`:
// vite (the web app, from source) resolves ./worker-web.js to worker-web.ts and
// bundles it as a worker chunk; a library build must emit src/pool/worker-web.ts
// as worker-web.js beside the browser bundle. `createWorker` overrides it.
import type { DecodeOptions } from "../options.js";
import {
  countWorker, runDecodeMany,
  type DecodeManyOptions, type PoolInputs, type PoolResult, type WorkerEvents, type WorkerHandle,
} from "./core.js";

export { liveWorkers } from "./core.js";
export type { DecodeManyOptions, PoolInput, PoolInputs, PoolItem, PoolResult, TrackInput, FileInput, TrTrackInput, PoolError, PoolErrorCode } from "./core.js";

export interface WebDecodeManyOptions extends DecodeManyOptions {
  /** Starts one decode worker (a bundler that needs its own worker import, a CSP). */
  createWorker?: () => Worker;
}

function defaultWorker(): Worker {
  return new Worker(new URL("./worker-web.js", import.meta.url), { type: "module", name: "diskflux-decode" });
}

/**
 * Decodes many captures on Web Workers, yielding each one's outcome in input
 * order (see node.ts: the same API). `jobs` defaults to
 * navigator.hardwareConcurrency, all of them workers: the page's thread only
 * feeds them (useCallingThread: true makes it one of the jobs, and jobs 1 then
 * decodes on it with no worker).
 *
 * @example
 * import { decodeMany, readAnyCapture } from "diskflux/browser";
 * declare const files: File[]; // dropped on the page
 * const inputs = files.map((f) => async () => ({ bytes: new Uint8Array(await f.arrayBuffer()), source: f.name }));
 * for await (const r of decodeMany(inputs, "data_rate=5000000:format=MFM")) {
 *   console.log(r.source, r.ok ? r.result.stats.CRC_OK : r.error.message);
 * }
 * void readAnyCapture; // (a file of many tracks: read it with readAnyCapture, give decodeMany its tracks)
 */
export function decodeMany(
  inputs: PoolInputs,
  options: string | DecodeOptions = {},
  opts: WebDecodeManyOptions = {},
): AsyncGenerator<PoolResult, void, undefined> {
  const { createWorker = defaultWorker, ...rest } = opts;
  return runDecodeMany(inputs, options, rest, {
    useCallingThread: false,
    defaultJobs: () => (typeof navigator === "object" && navigator.hardwareConcurrency > 0 ? navigator.hardwareConcurrency : 1),
    load: async () => (events: WorkerEvents): WorkerHandle => {
      const worker = createWorker();
      countWorker(1);
      let gone = false;
      const stop = () => {
        if (gone) return;
        gone = true;
        worker.terminate();
        countWorker(-1);
      };
      worker.onmessage = (ev: MessageEvent) => events.message(ev.data);
      worker.onerror = (ev: ErrorEvent) => {
        ev.preventDefault();
        if (!gone) events.failed(ev.message || "the worker failed to load or threw");
      };
      worker.onmessageerror = () => {
        if (!gone) events.failed("a message could not be read");
      };
      return {
        post: (m, transfer) => worker.postMessage(m, transfer),
        busy: () => undefined,
        terminate: async () => stop(),
      };
    },
  });
}
