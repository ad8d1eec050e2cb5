// decodeMany for Node.js: a pool of worker_threads.
//
// Where the worker is (resolved against this module's own URL):
//   - built (dist/): this code is bundled into dist/index.js (or a chunk beside
//     it), so the worker is `new URL("./worker-node.js", import.meta.url)` =
//     dist/worker-node.js, which the build emits from src/pool/worker-node.ts.
//   - from source (tsx, vitest: this module's URL ends in .ts): a worker_threads
//     entry cannot be TypeScript, even when the parent runs tsx's loader (the
//     worker fails with "Unknown file extension .ts"), so the worker starts
//     src/pool/worker-tsx.mjs, which registers tsx in its thread and imports
//     src/pool/worker-node.ts (tsx is a devDependency: only source runs need it).
//   - `workerUrl` overrides both (a bundler that moved the file elsewhere).
//
// Node built-ins are imported dynamically, when the first worker is needed: the
// package's entry imports no Node built-in at load time.
import type { DecodeOptions } from "../options.js";
import type { FromWorker, ToWorker } from "./protocol.js";
import {
  countWorker, runAnnotateMany, runDecodeMany, runDecodeManyReads, type ImageReadsOption, type PoolReadsResult,
  type AnnotateManyOptions, type DecodeManyOptions, type PoolInputs, type PoolPlatform, type PoolResult, type PoolTextResult,
  type WorkerEvents, type WorkerHandle,
} from "./core.js";

export { liveWorkers } from "./core.js";
export type { DecodeManyOptions, PoolInput, PoolInputs, PoolItem, PoolResult, TrackInput, FileInput, TrTrackInput, PoolError, PoolErrorCode } from "./core.js";

export interface NodeDecodeManyOptions extends DecodeManyOptions {
  /** The worker module to start instead of diskflux's own (see above). */
  workerUrl?: URL | string;
}

/** The worker entry and its workerData for this module's location. */
export function nodeWorkerEntry(): { url: URL; workerData: { entry?: string } } {
  const here = import.meta.url;
  if (/\.[cm]?tsx?$/.test(new URL(here).pathname)) {
    return { url: new URL("./worker-tsx.mjs", here), workerData: { entry: new URL("./worker-node.ts", here).href } };
  }
  return { url: new URL("./worker-node.js", here), workerData: {} };
}

/**
 * Decodes many captures on worker threads, yielding each one's outcome in input
 * order: `{ index, ok: true, result }` (exactly what decode() returns) or
 * `{ index, ok: false, error: { code, message } }` for a capture that failed;
 * the others still decode. `jobs` (default os.availableParallelism()) counts the
 * calling thread, which decodes whenever no worker can take an input: jobs 1 is
 * a plain decode() loop with no worker, jobs N starts N − 1 workers once the
 * input has taken ~20 ms (useCallingThread: false = N workers and a calling
 * thread that only feeds them). Breaking out of the loop, an exception or
 * `signal` stops every worker.
 *
 * @example
 * import { decodeMany, readAnyCaptureFile } from "diskflux";
 * const drive = await readAnyCaptureFile("st225.tr"); // { kind: "tracks", tracks: [{ cyl, head, capture }] }
 * if (drive.kind === "tracks") {
 *   // .tr tracks travel packed (1 byte a transition) and are unpacked in the workers
 *   for await (const t of decodeMany(drive.tracks, "data_rate=5000000:format=MFM", { jobs: 4 })) {
 *     if (t.ok) console.log(t.cyl, t.head, t.result.records.length); else console.error(t.error.message);
 *   }
 * }
 */
export function decodeMany(
  inputs: PoolInputs,
  options: string | DecodeOptions = {},
  opts: NodeDecodeManyOptions = {},
): AsyncGenerator<PoolResult, void, undefined> {
  const { workerUrl, ...rest } = opts;
  return runDecodeMany(inputs, options, rest, nodePlatform(workerUrl));
}

/**
 * decodeMany for a disk image (internal: the CLI's `image`): lean decodes whose
 * workers answer with each track's sector reads (src/image/reads-pack.ts)
 * instead of its result; an input decoded on the calling thread gives its lean result.
 */
export function decodeManyImageReads(
  inputs: PoolInputs,
  options: string | DecodeOptions,
  opts: NodeDecodeManyOptions & ImageReadsOption,
): AsyncGenerator<PoolResult | PoolReadsResult, void, undefined> {
  const { workerUrl, ...rest } = opts;
  return runDecodeManyReads(inputs, options, rest, nodePlatform(workerUrl));
}

/**
 * decodeMany making each input's annotation stream (what `diskflux decode -A`
 * prints for it) where it is decoded, instead of its result: the CLI's `-A` over
 * many captures. Pieces of whole lines, in input order.
 */
export function annotateMany(
  inputs: PoolInputs,
  options: string | DecodeOptions,
  opts: AnnotateManyOptions & { workerUrl?: URL | string },
): AsyncGenerator<PoolTextResult, void, undefined> {
  const { workerUrl, ...rest } = opts;
  return runAnnotateMany(inputs, options, rest, nodePlatform(workerUrl));
}

/** A worker started before a pool needed it: what it said and whether it failed, until a pool adopts it. */
interface Parked {
  readonly href: string;
  readonly worker: import("node:worker_threads").Worker;
  readonly early: unknown[];
  failure?: string;
  readonly detach: () => void;
}

const parked: Parked[] = [];

/** Options of the decode workers (a small young generation: see load() below). */
const WORKER_OPTIONS = { name: "diskflux-decode", resourceLimits: { maxYoungGenerationSizeMb: 2 } };

/**
 * Starts `n` decode workers now, before a decodeMany or annotateMany needs them,
 * so that their start-up (a Node environment, the worker bundle, the kernels:
 * 100-160 ms each on a 2-core EPYC) runs beside the caller's own (reading its
 * options and files); the next pool adopts them instead of starting its own, and
 * starts them with its first input. Workers never adopted are unreferenced: they
 * do not keep the process alive. Internal: for a caller that knows a pool will
 * follow (the CLI, given several captures); the package's users call decodeMany.
 */
export async function prestartDecodeWorkers(n: number, o: { backend?: "wasm" | "js" | "auto"; workerUrl?: URL | string } = {}): Promise<void> {
  const { Worker } = await import("node:worker_threads");
  const entry = nodeWorkerEntry();
  const url = o.workerUrl !== undefined ? new URL(String(o.workerUrl), import.meta.url) : entry.url;
  for (let k = 0; k < n; k++) {
    const worker = new Worker(url, { workerData: entry.workerData, ...WORKER_OPTIONS });
    countWorker(1);
    const p: Parked = {
      href: url.href,
      worker,
      early: [],
      detach: () => {
        worker.off("message", onMessage);
        worker.off("error", onError);
        worker.off("exit", onExit);
      },
    };
    const onMessage = (m: unknown) => void p.early.push(m);
    const onError = (e: unknown) => (p.failure ??= e instanceof Error ? `${e.name}: ${e.message}` : String(e));
    const onExit = () => {
      countWorker(-1);
      const i = parked.indexOf(p);
      if (i >= 0) parked.splice(i, 1);
    };
    worker.on("message", onMessage);
    worker.on("error", onError);
    worker.once("exit", onExit);
    worker.unref();
    // (its kernels compiled now too; the pool's own "warm" is answered again, harmlessly)
    worker.postMessage({ type: "warm", backend: o.backend ?? "auto" } satisfies ToWorker);
    parked.push(p);
  }
}

function nodePlatform(workerUrl: URL | string | undefined): PoolPlatform {
  return {
    useCallingThread: true,
    prestarted: () => parked.length,
    defaultJobs: async () => {
      const os = await import("node:os");
      return typeof os.availableParallelism === "function" ? os.availableParallelism() : os.cpus().length;
    },
    load: async () => {
      const { Worker } = await import("node:worker_threads");
      const entry = nodeWorkerEntry();
      const url = workerUrl !== undefined ? new URL(String(workerUrl), import.meta.url) : entry.url;
      return (events: WorkerEvents): WorkerHandle => {
        // (a small young generation: V8 grows it to ~48 MB a thread on a long decode, RSS the decode does not need;
        // 2 MB gives 1 MB semi-spaces, as the CLI's own thread: src/cli/limited-worker.ts)
        const i = parked.findIndex((p) => p.href === url.href);
        const adopted = i >= 0 ? parked.splice(i, 1)[0] : undefined;
        adopted?.detach();
        const worker = adopted?.worker ?? new Worker(url, { workerData: entry.workerData, ...WORKER_OPTIONS });
        if (!adopted) countWorker(1);
        let stopping = false;
        let exited = false;
        const exit = new Promise<void>((resolve) => {
          worker.once("exit", (code) => {
            exited = true;
            countWorker(-1);
            resolve();
            if (!stopping) events.failed(`exit code ${code}`);
          });
        });
        worker.on("message", (m) => events.message(m));
        worker.on("error", (e) => {
          if (!stopping) events.failed(e instanceof Error ? `${e.name}: ${e.message}` : String(e));
        });
        worker.on("messageerror", (e) => {
          // A result that could not be read back would never answer its job: give the worker up.
          if (!stopping) events.failed(`a message could not be read (${String(e)})`);
        });
        if (adopted) {
          // what it said (or how it failed) before this pool took it, in order, once the pool has its handle
          queueMicrotask(() => {
            for (const m of adopted.early) events.message(m as FromWorker);
            if (adopted.failure !== undefined && !stopping) events.failed(adopted.failure);
          });
        }
        return {
          post: (m, transfer) => worker.postMessage(m, transfer),
          busy: (b) => (b ? worker.ref() : worker.unref()),
          terminate: async () => {
            stopping = true;
            if (!exited) await worker.terminate();
            await exit;
          },
        };
      };
    },
  };
}
