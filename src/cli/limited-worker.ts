// The `diskflux` bin runs `image` on a worker thread with a small young
// generation, the main thread only waiting for it.
//
// Why: V8 grows a thread's young generation (two semi-spaces) to 16 MB each on
// a long run that allocates as a decode does: memory the run does not need,
// and a good part of its peak RSS. A flag (`node --max-semi-space-size=2`)
// cannot be set from a running script, and an `env -S` shebang breaks on
// BusyBox/Alpine; a Worker's resourceLimits can be set. The decode workers of
// the pool run with the same 2 MB (src/pool/node.ts; they had 6 MB, and --jobs 2
// then peaked at 124-129 MiB in a later round, 109-126 MiB with 2 MB).
//
// Measured (2026-11-26, 2 shared vCPUs, a busy host): max RSS from
// `/usr/bin/time` (MB = 10^6 bytes, as bench/drive.bench.ts's 128 MB target) of
// `diskflux image` over a 2 048-track MFM .tr, -o disk.img, 9-15 runs each:
//   --jobs 1: in-process 120-146 MB, on this worker 106-113 MB
//   --jobs 2: in-process 144-149 MB, on this worker 115-127 MB
// (in-process with `node --max-semi-space-size=2`, --jobs 2: 114-121 MB). A
// worker thread costs ~11 MB of RSS itself (`image --help`: 45 -> 56 MB) and
// ~0.1 s to start; wall and CPU time stayed within the host's noise (GC: ~450
// scavenges, ~0.55 s, instead of ~60, ~0.2 s, of ~7 s). V8 makes a semi-space
// a third of the young generation rounded up to a power of two: 2 and 3 MB
// give 1 MB semi-spaces, 4-6 MB 2 MB ones (--jobs 2 then peaked at 124-131 MB,
// over the target), 8 MB 4 MB ones.
// `convert` stays in-process: it holds its whole input (a 2 048-track .tr to
// .tr measured ~480 MB either way, 12 MB less on the worker, when it also held
// its output; that is now written track by track), not worth a thread.
//
// - main(argv, out, err) is unchanged (the tests call it in-process); only the
//   bin goes through runBin().
// - The worker runs the same module (dist/cli.js; from source, src/cli/main.ts
//   through src/pool/worker-tsx.mjs, which registers tsx in the thread) with the
//   same arguments (its process.argv[1] is the module it started: isCliWorker
//   says it is the command's thread); main()'s status becomes its exit code,
//   then the process's.
// - Output: a worker's process.stdout/stderr are forwarded to this thread's, in
//   order, and drained before its 'exit' event; the worker never calls
//   process.exit, it ends when its work is done.
// - Ctrl-C: signals reach the main thread only. Its SIGINT is posted to the
//   worker, which emits 'SIGINT' on its own process object when the command
//   listens for it (src/cli/jobs.ts: every decode worker stopped, the temporary
//   image removed, exit 130); when nothing listens there, this thread drops its
//   handler and raises SIGINT on itself: the process ends as it did in-process.
// - An uncaught error in the worker prints `diskflux: <message>`, exit 1 (a
//   temporary image is left behind, as when the process died of it before).
// - A worker that cannot be created, or that fails before it starts the
//   command (resourceLimits or workers unsupported, an unusual install), is
//   left for the command run in-process, as before.
import { setFlagsFromString } from "node:v8";
import { isMainThread, parentPort, Worker, workerData, type MessagePort } from "node:worker_threads";
import { oneLine } from "../escape.js";

/** The commands run on the limited thread. */
const LIMITED = new Set(["image"]);
/** The worker's young generation, MB: 1 MB semi-spaces (see above). */
export const CLI_YOUNG_GENERATION_MB = 2;
/**
 * For those commands, each thread's old generation may grow by 30 % over what
 * its last full GC kept before the next one (V8's --heap-growing-percent; by
 * default V8 lets it grow up to 4×, so a long run's threads hold promoted
 * garbage until then). Measured (2026-11-27, 2 shared vCPUs) with `image` and
 * --jobs 2, max RSS: an 8 192-track drive 137-139 → 115-118 MiB, the 2 048-track
 * bench drive 119-121 → 107-108 MiB (--jobs 1: 101-155 → 114-117 MiB on the
 * 8 192 tracks). Wall time: the 2 048 tracks 4.80-5.39 s against 4.74-5.33 s;
 * the 8 192 tracks 14.5-16.0 s against 13.9-15.0 s (alternated; up to ~7 %
 * slower: the full GCs come more often). A V8 flag, set before the
 * threads start (it is read at each full GC, process-wide): the library's
 * callers keep V8's defaults.
 */
const HEAP_GROWING_PERCENT = 30;
/** workerData's mark of the command's thread. */
const MARK = "diskfluxCli";

type Main = (argv: string[]) => Promise<number>;

/**
 * This thread is the command's worker (its process.argv[1] is the module the
 * Worker started: dist/cli.js, or src/pool/worker-tsx.mjs from source).
 */
export const isCliWorker = !isMainThread && (workerData as Record<string, unknown> | null | undefined)?.[MARK] === true;

/** Messages between the two threads. */
type ToWorker = { readonly t: "sigint" };
type FromWorker = { readonly t: "started" } | { readonly t: "sigint-default" };

/**
 * The bin: runs main(argv) on a limited worker thread for `image`, else here,
 * and sets process.exitCode. `self` is the bin module's URL
 * (import.meta.url of src/cli/main.ts, or dist/cli.js once built).
 */
export async function runBin(main: Main, argv: string[], self: string): Promise<void> {
  if (isCliWorker && parentPort) {
    await serve(main, argv, parentPort);
    return;
  }
  if (isMainThread) handleOutputErrors();
  if (isMainThread && LIMITED.has(argv[0] ?? "")) {
    try {
      setFlagsFromString(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
    } catch {
      // a runtime without V8's flags: its own heap growth
    }
    const code = await launch(argv, self);
    if (code !== undefined) {
      process.exitCode = code;
      return;
    }
  }
  process.exitCode = await main(argv);
}

/**
 * `diskflux ... | head`: once the reader closes the pipe, writes fail with EPIPE.
 * Like the Unix tools, stop quietly (the reader has what it wanted) instead of
 * dying on an unhandled 'error' event with a stack trace. Any other write error
 * (stdout on a full disk: ENOSPC; EIO) is one line on stderr and exit status 1.
 */
function handleOutputErrors(): void {
  for (const stream of [process.stdout, process.stderr]) {
    stream.on("error", (e: NodeJS.ErrnoException) => {
      if (e.code === "EPIPE") process.exit(process.exitCode ?? 0);
      if (stream === process.stdout) {
        const why = e.code === "ENOSPC" ? "no space left on the device" : oneLine(e.code ?? e.message);
        try {
          process.stderr.write(`diskflux: cannot write the output (${why}); the output is incomplete\n`);
        } catch {
          // (stderr gone too: the status says it)
        }
      }
      process.exit(1);
    });
  }
}

/** The worker's side: Ctrl-C from the main thread, then the command. */
async function serve(main: Main, argv: string[], port: MessagePort): Promise<void> {
  port.on("message", (m: ToWorker) => {
    if (m?.t !== "sigint") return;
    if (process.listenerCount("SIGINT") > 0) process.emit("SIGINT", "SIGINT");
    else port.postMessage({ t: "sigint-default" } satisfies FromWorker);
  });
  port.unref(); // (the port does not keep the thread alive: it ends when the command is done)
  port.postMessage({ t: "started" } satisfies FromWorker);
  process.exitCode = await main(argv);
}

/**
 * Starts the command's worker and waits for it: its exit status, or undefined
 * when it could not be created or failed before it started the command.
 */
function launch(argv: string[], self: string): Promise<number | undefined> {
  const fromSource = /\.[cm]?tsx?$/.test(new URL(self).pathname);
  const url = fromSource ? new URL("../pool/worker-tsx.mjs", self) : new URL(self);
  return new Promise((resolve) => {
    let worker: Worker;
    try {
      worker = new Worker(url, {
        argv,
        workerData: { [MARK]: true, ...(fromSource ? { entry: self } : {}) },
        name: "diskflux-cli",
        resourceLimits: { maxYoungGenerationSizeMb: CLI_YOUNG_GENERATION_MB },
      });
    } catch {
      resolve(undefined);
      return;
    }
    let started = false;
    let failure: { error: unknown } | undefined;
    const onSigint = () => worker.postMessage({ t: "sigint" } satisfies ToWorker);
    process.on("SIGINT", onSigint);
    worker.on("message", (m: FromWorker) => {
      if (m?.t === "started") started = true;
      else if (m?.t === "sigint-default") {
        // nothing listens in the command: the default action, as in-process
        process.removeListener("SIGINT", onSigint);
        process.kill(process.pid, "SIGINT");
      }
    });
    worker.on("error", (error) => {
      failure ??= { error };
    });
    worker.on("exit", (code) => {
      process.removeListener("SIGINT", onSigint);
      if (!started) {
        resolve(undefined);
        return;
      }
      if (failure !== undefined) {
        const e = failure.error;
        process.stderr.write(`diskflux: ${oneLine(e instanceof Error ? e.message : String(e))}\n`);
        resolve(code !== 0 ? code : 1);
        return;
      }
      resolve(code);
    });
  });
}
