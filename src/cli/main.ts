#!/usr/bin/env node
// The `diskflux` command line, sigrok-cli style:
//
//   diskflux decode <capture>... -P mfm:<options> [-B mfm=<class>] [--json] [--backend wasm|js]
//   diskflux decode <capture>... -P mfm:<options> -A mfm[=<rows or classes>] [--protocol-decoder-samplenum] [--json]
//   diskflux decode --demo
//   diskflux decode <capture>...            (no -P, -P mfm or -P mfm:auto: every option detected)
//   diskflux detect <capture>... [-P mfm:<partial options>] [--json]
//
// Exit codes: 0 ok, 1 unreadable input, 2 usage or option error.
import { quoteArg } from "../escape.js";
import { parseArgs } from "node:util";
import { DiskfluxError } from "../errors.js";
import { isCliWorker, runBin } from "./limited-worker.js";
import { intArg, runCommand } from "./run.js";

const USAGE = `usage: diskflux decode <capture.sr|capture.dsl>... [-P mfm:<options>] [-B mfm=<id|idcrc|data|datacrc|iddata>] [--json [--records]] [--backend wasm|js|auto]
       diskflux decode <capture>... -P mfm:<options> -A mfm[=<rows or classes>] [--protocol-decoder-samplenum] [--json]
       diskflux decode --demo            decode the built-in demo track
       diskflux decode <capture>... --recover [--no-ecc] [--max-burst N]   recover failing data records
       diskflux decode <capture>... --recover --merge [--json [--records]]  one sector table per track from all reads
captures: .sr .dsl .tr .vcd .csv, flux files .scp .hfe and KryoFlux trackNN.S.raw (a file or a directory);
         --force reads a flux file whose checksum is wrong (a warning instead of an error)
       diskflux detect <capture>... [-P mfm:<partial options>] [--json]   find every option (diskflux detect --help)
       diskflux convert <in> <out.tr|out.vcd|out.sr>      (diskflux convert --help)
       diskflux image <captures or .tr>... -P mfm:<options> -o disk.img [--map map.txt] [--json]
       diskflux synth --format MFM --sectors 17 -o out.sr|.tr|.vcd
options: the sigrok-disk option string, e.g. -P mfm:data_rate=5000000:format=MFM:header_format=3:data_crc_poly=0x140a0445
         without -P (or with -P mfm, -P mfm:auto, or key=auto) diskflux detects the options first, once for all
         captures, and says on stderr what it found and how sure it is
--recover: a data record whose check fails is corrected by ECC (a burst within the code's span) or
         read again with other data separators; each gets a status (good corrected recovered bad) in
         the table and --json; -A, -B and fields stay the original's. --no-ecc, --max-burst N: less or more.
         A big .sr/.dsl (over 64 MiB of samples) is decoded streamed: recovery then works on a bounded
         window of recent edges around each failing sector (memory about a track's edges, whatever the
         capture's length); a window too noisy to hold stays bad, with a warning
--merge: (with --recover) the sectors of all captures, and of all revolutions of a flux capture, merged
         per track (the cylinder and head their good ID records name): best copy, conflict (verifying
         copies that differ), voted (no copy verifies; a bit vote does); each track says which captures
         went into it; --json: one object per track, --json --records: one line per sector
--jobs N: decode N captures (files, tracks) at once: this thread and N - 1 workers (default: the
         available cores, at most 4 a core; 1: no worker); output in input order, the same as --jobs 1
-A:      the original's annotation stream, as sigrok-cli prints it; -A mfm = every row, or pick rows
         (pulses windows prefixes bits bytes fields errors reports) and/or classes, ':'-separated`;

const BINARY_CLASSES = ["id", "idcrc", "data", "datacrc", "iddata"] as const;
type BinaryClass = (typeof BINARY_CLASSES)[number];

export async function main(argv: string[], out: NodeJS.WritableStream = process.stdout, err: NodeJS.WritableStream = process.stderr): Promise<number> {
  return runCommand(argv, err, async () => {
    const [command, ...rest] = argv;
    if (command === undefined || command === "-h" || command === "--help" || command === "help") {
      out.write(USAGE + "\n");
      return command === undefined ? 2 : 0;
    }
    if (command === "convert") return (await import("./convert.js")).convertCommand(rest, out, err);
    if (command === "image") return (await import("./image.js")).imageCommand(rest, out, err);
    if (command === "synth") return (await import("./synth.js")).synthCommand(rest, out, err);
    if (command === "detect") return (await import("./detect.js")).detectCommand(rest, out, err);
    if (command !== "decode") throw new DiskfluxError("E_USAGE", `unknown command ${quoteArg(String(command))}; commands: decode, detect, convert, image, synth (try 'diskflux decode --help')`);
    const { values, positionals } = parseCommandLine(rest);
    if (values.help) {
      out.write(USAGE + "\n");
      return 0;
    }
    return runDecode(values, positionals, out, err);
  });
}

function parseCommandLine(args: string[]) {
  try {
    return parseArgs({
      args,
      allowPositionals: true,
      options: {
        "protocol-decoder": { type: "string", short: "P" },
        "protocol-decoder-binary": { type: "string", short: "B" },
        "protocol-decoder-annotations": { type: "string", short: "A" },
        "protocol-decoder-samplenum": { type: "boolean" },
        input: { type: "string", short: "i", multiple: true },
        json: { type: "boolean" },
        records: { type: "boolean" },
        backend: { type: "string" },
        jobs: { type: "string", short: "j" },
        demo: { type: "boolean" },
        recover: { type: "boolean" },
        merge: { type: "boolean" },
        force: { type: "boolean" },
        "no-ecc": { type: "boolean" },
        "max-burst": { type: "string" },
        debug: { type: "boolean" },
        help: { type: "boolean", short: "h" },
      },
    });
  } catch (e) {
    throw new DiskfluxError("E_USAGE", `${e instanceof Error ? e.message.split("\n")[0] : String(e)}; see 'diskflux decode --help'`);
  }
}

function parseBinaryClass(spec: string): BinaryClass {
  const m = /^mfm=(.+)$/.exec(spec);
  const cls = m ? m[1] : spec;
  if (!(BINARY_CLASSES as readonly string[]).includes(cls)) {
    throw new DiskfluxError("E_USAGE", `binary output ${quoteArg(String(cls))} not found; use -B mfm=<${BINARY_CLASSES.join("|")}>`);
  }
  return cls as BinaryClass;
}

/**
 * Enough captures to pay for the workers whatever each takes, and --jobs above 1:
 * the pool's workers start now, beside this thread's own start-up (options,
 * detection, the first reads), instead of after its first decodes
 * (src/pool/node.ts prestartDecodeWorkers). Fewer: the pool starts them once
 * its first decodes show that the captures left pay for them (src/pool/start-rule.ts).
 */
async function prestartFor(inputs: number, jobsText: string | undefined, backend: "wasm" | "js" | "auto"): Promise<void> {
  if (inputs < 2) return;
  const { jobsArg } = await import("./jobs.js");
  let jobs: number;
  try {
    jobs = jobsArg(jobsText);
  } catch {
    return; // (a bad --jobs is refused where it is read, with its message)
  }
  const { prestartPays } = await import("../pool/start-rule.js");
  if (prestartPays(inputs, jobs)) await (await import("../pool/node.js")).prestartDecodeWorkers(jobs - 1, { backend });
}

async function runDecode(
  values: ReturnType<typeof parseCommandLine>["values"],
  positionals: string[],
  out: NodeJS.WritableStream,
  err: NodeJS.WritableStream,
): Promise<number> {
  const backend = (values.backend ?? "auto") as "wasm" | "js" | "auto";
  if (!["wasm", "js", "auto"].includes(backend)) throw new DiskfluxError("E_USAGE", `--backend must be wasm, js or auto, not ${quoteArg(String(backend))}`);
  let recover: import("../recover/recover.js").RecoverOptions | undefined;
  if (values.recover) {
    const maxBurst = values["max-burst"] !== undefined ? intArg("--max-burst", values["max-burst"], 0, 56) : undefined;
    recover = { ...(values["no-ecc"] ? { ecc: false } : {}), ...(maxBurst !== undefined ? { maxBurst } : {}) };
  } else if (values["no-ecc"] || values["max-burst"] !== undefined) {
    throw new DiskfluxError("E_USAGE", "--no-ecc and --max-burst go with --recover");
  }
  const binary = values["protocol-decoder-binary"] !== undefined ? parseBinaryClass(values["protocol-decoder-binary"]) : undefined;
  const annSpec = values["protocol-decoder-annotations"];
  if (annSpec !== undefined && binary !== undefined) throw new DiskfluxError("E_USAGE", "-A and -B cannot be combined: both write to stdout; run twice");
  const merge = values.merge === true;
  if (merge && !recover) throw new DiskfluxError("E_USAGE", "--merge goes with --recover (it merges the recovered copies of each sector): add --recover");
  if (merge && (annSpec !== undefined || binary !== undefined)) throw new DiskfluxError("E_USAGE", "--merge prints merged sectors; -A and -B print one capture's own streams: run without --merge");
  const annotations = annSpec !== undefined ? (await import("../annotate/classes.js")).parseAnnotationFilter(annSpec) : undefined;
  const pd = values["protocol-decoder"];
  if (pd !== undefined && pd !== "mfm" && !pd.startsWith("mfm:")) {
    throw new DiskfluxError("E_USAGE", `protocol decoder ${quoteArg(String(pd.split(":")[0]))} not found; diskflux provides 'mfm' (-P mfm:<options>)`);
  }
  const files = [...(values.input ?? []), ...positionals];
  await prestartFor(files.length, values.jobs, backend);
  const { isAuto, detectForFiles } = await import("./auto.js");
  const auto = await isAuto(pd);
  if (pd !== undefined && !auto) {
    const { resolveOptions } = await import("../options.js");
    resolveOptions(pd); // options are checked before any file is read
  }

  type Capture = import("../capture.js").Capture;
  interface Job { name: string; options: string; capture: Capture }
  if (files.length === 0 && !values.demo) throw new DiskfluxError("E_USAGE", "no capture given; try 'diskflux decode --demo' or 'diskflux decode <file.sr> -P mfm:...'");
  const force = values.force === true;
  // Detected once over the first captures, then used for all of them (the demo keeps its own options).
  let options = pd ?? "";
  let detected: { optionString: string; confidence: string } | undefined;
  if (auto && files.length > 0) {
    const found = await detectForFiles(files, pd, backend, err, values.force ? { force: true } : {});
    options = found.optionString;
    detected = { optionString: found.optionString, confidence: found.confidence };
  }
  // The demo capture (given first); the files are read by fileJobs (./jobs.ts), one capture at a time as the pool takes them.
  async function* captures(): AsyncGenerator<Job> {
    if (values.demo) {
      const { demoCapture } = await import("../encode/demo.js");
      const demo = demoCapture();
      if (!values.json && binary === undefined && annotations === undefined) out.write(`${demo.description}\n`);
      yield { name: "demo track (synthesized)", capture: demo.capture, options: pd !== undefined && !auto ? pd : demo.options };
    }
  }
  // several captures: more than one file, or a file of several tracks (.tr, flux: its tracks are jobs with a cylinder)
  let multi = files.length + (values.demo ? 1 : 0) > 1;
  // the pool's count of what comes, grown as files of many tracks are opened (fileJobs)
  const { JobCount } = await import("./jobs.js");
  const expected = new JobCount(files.length + (values.demo ? 1 : 0));

  if (annotations !== undefined) {
    // -A: each capture's annotations made in the pool's workers and written in input order (./jobs.ts
    // runAnnotateJobs); --jobs 1 or one capture: made on this thread as they are written. A big session
    // streams on this thread, in its place (annotate-out.ts), except where the legacy decoder must see it whole.
    // (--json objects name their capture when several files are given, not a multi-track file's tracks.)
    const annotateOut = await import("./annotate-out.js");
    const { fileJobs, jobsArg, runAnnotateJobs } = await import("./jobs.js");
    const jobs = jobsArg(values.jobs, err);
    const sampleNumbers = values["protocol-decoder-samplenum"] === true, json = values.json === true;
    const streams = await annotateOut.annotatesIncrementally(options);
    return runAnnotateJobs((async function* () {
      for await (const j of captures()) yield { name: j.name, source: j.name, options: j.options, item: { capture: j.capture, options: j.options } };
      yield* fileJobs(files, {
        options, read: { force }, err, count: expected, trackName: (f, c, h) => `${f} [cyl ${c} head ${h}]`, singleName: (f) => f,
        largeWrite: async (bytes, f) => (streams && (await isLargeSession(bytes, f.split(/[\\/]/).pop() || f))
          ? () => annotateOut.writeAnnotations({ name: f, options, stream: { bytes } }, { classes: annotations, sampleNumbers, json, multi, backend }, out, err)
          : undefined),
      });
    })(), { jobs, request: { backend, ...(recover ? { recover } : {}) }, annotate: { classes: annotations, sampleNumbers, json }, names: multi, expected, err }, out);
  }

  const { sectorTable } = await import("../report/table.js");
  const { oneLine } = await import("../escape.js");
  const merged = merge ? new (await import("./merge-out.js")).MergeCollector() : undefined;
  const jsonOut: unknown[] = [];
  // --jobs N: decoded by a pool of workers, printed in input order (./jobs.ts)
  const { fileJobs, jobsArg, runJobs } = await import("./jobs.js");
  const jobs = jobsArg(values.jobs, err);
  const status = await runJobs((async function* () {
    for await (const j of captures()) yield { name: j.name, source: j.name, options: j.options, item: { capture: j.capture, options: j.options } };
    yield* fileJobs(files, {
      options, read: { force }, err, count: expected, trackName: (f, c, h) => `${f} [cyl ${c} head ${h}]`, singleName: (f) => f,
      large: async (bytes, f) => ((await isLargeSession(bytes, f.split(/[\\/]/).pop() || f)) ? () => decodeStreaming(bytes, f, options, backend, err, recover, merge) : undefined),
    });
  })(), { jobs, request: { backend, ...(recover ? { recover } : {}), ...(merge ? { keepCrcInputs: true } : {}) }, expected, err }, (job, result, ms) => {
    if (job.cyl !== undefined) multi = true;
    if (merged) {
      // --merge: only the copies are kept, merged and printed at the end
      if (merged.add(job.name, result) === 0) err.write(`diskflux: ${oneLine(job.name)}: no ID record with a good check: nothing to merge\n`);
      return;
    }
    return emit(job, result, ms);
  });
  if (status === 130) return status;
  if (merged) {
    merged.write(out, { json: values.json === true, records: values.records === true });
    return status;
  }
  if (values.json && !values.records && binary === undefined) out.write(JSON.stringify(multi ? jsonOut : jsonOut[0], null, 2) + "\n");
  return status;
  async function emit(job: { name: string; options?: string }, result: import("../types.js").DecodeResult, ms: number): Promise<void> {
    if (binary !== undefined) {
      out.write(result.binary[binary]);
    } else if (values.json && values.records) {
      const extra = multi ? { capture: job.name } : {};
      let buf = "";
      for (const r of result.records) buf += JSON.stringify({ ...extra, ...r, bytes: Buffer.from(r.bytes).toString("hex") }) + "\n";
      out.write(buf);
    } else if (values.json) {
      jsonOut.push({
        capture: job.name, backend: result.backend, sampleRate: result.sampleRate, sampleCount: result.sampleCount,
        ...(detected && job.options === detected.optionString ? { detected } : {}),
        decodeMs: Number(ms.toFixed(3)), stats: result.stats,
        records: result.records.map((r) => ({ ...r, bytes: Buffer.from(r.bytes).toString("hex") })),
        // diskflux-only: why the PLL reset while a mark or record was being decoded (a cut record has its own `reset`)
        ...(result.resets ? { resets: result.resets } : {}),
      });
    } else {
      const o = result.options;
      out.write(`${job.name}: ${o.format}, header ${o.headerFormat}, ${(result.sampleRate / 1e6).toFixed(3).replace(/\.?0+$/, "")} MHz, ` +
        `${result.sampleCount} samples; ${result.backend} backend, ${ms.toFixed(1)} ms\n`);
      out.write(sectorTable(result));
    }
  }
}

/**
 * Captures with more than this many sample bytes are streamed (bounded memory, progress);
 * DISKFLUX_STREAM_BYTES lowers it (tests stream small captures that way).
 */
function streamBytes(): number {
  const env = typeof process !== "undefined" ? process.env.DISKFLUX_STREAM_BYTES : undefined;
  const v = env !== undefined && /^\s*\d+\s*$/.test(env) ? Number(env) : NaN;
  return Number.isFinite(v) ? v : 64 << 20;
}

/** A .sr or .dsl session with more sample bytes than streamBytes() (its metadata says so; no samples are inflated). */
async function isLargeSession(bytes: Uint8Array, source: string): Promise<boolean> {
  // A bound first, from the zip's directory alone: a session's samples are at most what all its members
  // inflate to. Below the threshold (every capture of a drive's worth) the metadata is not inflated here
  // (once per capture, a zlib object each time, only to be read again where the capture is decoded).
  const { looksLikeZip, ZipArchive } = await import("../readers/zip.js");
  if (looksLikeZip(bytes)) {
    try {
      let most = 0;
      for (const m of ZipArchive.open(bytes, source).members) most += m.uncompressedSize;
      if (most <= streamBytes()) return false;
    } catch {
      return false; // (the reader says what is wrong, where the capture is read)
    }
  }
  const { sessionSampleBytes } = await import("../readers/stream.js");
  return ((await sessionSampleBytes(bytes, source)) ?? 0) > streamBytes();
}

/**
 * Decodes a big .sr or .dsl piece by piece, with a progress bar on a terminal (none when stderr is piped).
 * With --recover, failing records are recovered as they stream, from a bounded ring of recent edges
 * (src/recover/stream.ts).
 */
async function decodeStreaming(
  bytes: Uint8Array, path: string, options: string, backend: "wasm" | "js" | "auto", err: NodeJS.WritableStream,
  recover?: import("../recover/recover.js").RecoverOptions, keepCrcInputs = false,
) {
  const { openCaptureStream } = await import("../readers/stream.js");
  const s = await openCaptureStream(bytes, path.split(/[\\/]/).pop() || path);
  let push: (chunk: Uint8Array) => void | Promise<void>;
  let finish: () => import("../types.js").DecodeResult | Promise<import("../types.js").DecodeResult>;
  if (recover !== undefined) {
    const { openRecoveringStream } = await import("../recover/stream.js");
    const { oneLine } = await import("../escape.js");
    const stream = await openRecoveringStream(s.setup, options, { backend, ...(keepCrcInputs ? { keepCrcInputs } : {}), onWarning: (m) => err.write(`diskflux: warning: ${oneLine(m)}\n`) }, recover);
    push = (chunk) => stream.pushSamples(chunk);
    finish = () => stream.finish();
  } else {
    const { openTrackStream } = await import("../stream.js");
    const stream = await openTrackStream(s.setup, options, { backend });
    push = (chunk) => stream.pushSamples(chunk);
    finish = () => stream.finish();
  }
  const total = s.setup.sampleCount * (s.setup.unitSize ?? 1);
  const tty = (err as { isTTY?: boolean }).isTTY === true;
  let done = 0, shown = -1;
  for await (const chunk of s.chunks(1 << 22)) {
    await push(chunk);
    done += chunk.length;
    const pct = Math.floor((100 * done) / total);
    if (tty && pct !== shown) {
      shown = pct;
      const bar = "#".repeat(Math.floor(pct / 4)).padEnd(25, ".");
      err.write(`\r${path}: [${bar}] ${pct}%`);
    }
  }
  if (tty) err.write("\n");
  return finish();
}

// Run when executed directly (tsx src/cli/main.ts, or the installed dist/cli.js): `image` on
// a worker thread with a small young generation (./limited-worker.ts), which runs this module
// again (isCliWorker) with the same arguments; the other commands here.
const invokedDirectly = typeof process !== "undefined" && process.argv[1] !== undefined &&
  /(?:cli[\\/]main\.ts|cli\.js|diskflux)$/.test(process.argv[1]);
if (invokedDirectly || isCliWorker) {
  void runBin(main, process.argv.slice(2), import.meta.url);
}
