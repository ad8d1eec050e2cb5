#!/usr/bin/env node
// The `diskflux` command line, sigrok-cli style:
//
//   diskflux decode <capture>... -P mfm:<options> [-B mfm=<class>] [--json] [--backend wasm|js]
//   diskflux decode <capture>... -P mfm:<options> -A mfm[=<rows or classes>] [--protocol-decoder-samplenum] [--json]
//   diskflux decode --demo
//
// Exit codes: 0 ok, 1 unreadable input, 2 usage or option error.
import { parseArgs } from "node:util";
import { DiskfluxError, isDiskfluxError } from "../errors.js";

const USAGE = `usage: diskflux decode <capture.sr|capture.dsl>... -P mfm:<options> [-B mfm=<id|idcrc|data|datacrc|iddata>] [--json [--records]] [--backend wasm|js|auto]
       diskflux decode <capture>... -P mfm:<options> -A mfm[=<rows or classes>] [--protocol-decoder-samplenum] [--json]
       diskflux decode --demo            decode the built-in demo track
       diskflux convert <in> <out.tr|out.vcd|out.sr>      (diskflux convert --help)
       diskflux image <captures or .tr>... -P mfm:<options> -o disk.img [--map map.txt] [--json]
       diskflux synth --format MFM --sectors 17 -o out.sr|.tr|.vcd
options: the sigrok-disk option string, e.g. -P mfm:data_rate=5000000:format=MFM:header_format=3:data_crc_poly=0x140a0445
-A:      the original's annotation stream, as sigrok-cli prints it; -A mfm = every row, or pick rows
         (pulses windows prefixes bits bytes fields errors reports) and/or classes, ':'-separated`;

const BINARY_CLASSES = ["id", "idcrc", "data", "datacrc", "iddata"] as const;
type BinaryClass = (typeof BINARY_CLASSES)[number];

export async function main(argv: string[], out: NodeJS.WritableStream = process.stdout, err: NodeJS.WritableStream = process.stderr): Promise<number> {
  let debug = argv.includes("--debug");
  try {
    const [command, ...rest] = argv;
    if (command === undefined || command === "-h" || command === "--help" || command === "help") {
      out.write(USAGE + "\n");
      return command === undefined ? 2 : 0;
    }
    if (command === "convert") return (await import("./convert.js")).convertCommand(rest, out, err);
    if (command === "image") return (await import("./image.js")).imageCommand(rest, out, err);
    if (command === "synth") return (await import("./synth.js")).synthCommand(rest, out, err);
    if (command !== "decode") throw new DiskfluxError("E_USAGE", `unknown command '${command}'; commands: decode, convert, image, synth (try 'diskflux decode --help')`);
    const { values, positionals } = parseCommandLine(rest);
    debug = values.debug === true;
    if (values.help) {
      out.write(USAGE + "\n");
      return 0;
    }
    return await runDecode(values, positionals, out, err);
  } catch (e) {
    if (isDiskfluxError(e)) {
      err.write(`diskflux: ${e.message}\n`);
      if (debug && e.stack) err.write(e.stack + "\n");
      return e.code === "E_USAGE" || e.code === "E_OPTION" || e.code === "E_ARGUMENT" ? 2 : 1;
    }
    err.write(`diskflux: internal error: ${e instanceof Error ? e.message : String(e)} (rerun with --debug and report it)\n`);
    if (debug && e instanceof Error && e.stack) err.write(e.stack + "\n");
    return 1;
  }
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
        demo: { type: "boolean" },
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
    throw new DiskfluxError("E_USAGE", `binary output '${cls}' not found; use -B mfm=<${BINARY_CLASSES.join("|")}>`);
  }
  return cls as BinaryClass;
}

async function runDecode(
  values: ReturnType<typeof parseCommandLine>["values"],
  positionals: string[],
  out: NodeJS.WritableStream,
  err: NodeJS.WritableStream,
): Promise<number> {
  const { decode } = await import("../decode.js");
  const backend = (values.backend ?? "auto") as "wasm" | "js" | "auto";
  if (!["wasm", "js", "auto"].includes(backend)) throw new DiskfluxError("E_USAGE", `--backend must be wasm, js or auto, not '${backend}'`);
  const binary = values["protocol-decoder-binary"] !== undefined ? parseBinaryClass(values["protocol-decoder-binary"]) : undefined;
  const annSpec = values["protocol-decoder-annotations"];
  if (annSpec !== undefined && binary !== undefined) throw new DiskfluxError("E_USAGE", "-A and -B cannot be combined: both write to stdout; run twice");
  const annotations = annSpec !== undefined ? (await import("../annotate/classes.js")).parseAnnotationFilter(annSpec) : undefined;
  const pd = values["protocol-decoder"];
  if (pd !== undefined && pd !== "mfm" && !pd.startsWith("mfm:")) {
    throw new DiskfluxError("E_USAGE", `protocol decoder '${pd.split(":")[0]}' not found; diskflux provides 'mfm' (-P mfm:<options>)`);
  }
  const files = [...(values.input ?? []), ...positionals];
  if (pd !== undefined) {
    const { resolveOptions } = await import("../options.js");
    resolveOptions(pd); // options are checked before any file is read
  }

  type Capture = import("../capture.js").Capture;
  const jobs: { name: string; load: () => Promise<Capture>; options: string; streamFile?: string }[] = [];
  if (values.demo) {
    const { demoCapture } = await import("../encode/demo.js");
    const demo = demoCapture();
    jobs.push({ name: "demo track (synthesized)", load: async () => demo.capture, options: pd ?? demo.options });
    if (!values.json && binary === undefined && annotations === undefined) out.write(`${demo.description}\n`);
  }
  if (files.length === 0 && !values.demo) throw new DiskfluxError("E_USAGE", "no capture given; try 'diskflux decode --demo' or 'diskflux decode <file.sr> -P mfm:...'");
  const { readAnyCaptureFile } = await import("../readers/index.js");
  for (const f of files) {
    if (annotations === undefined && (await isLargeSigrok(f))) {
      jobs.push({ name: f, load: async () => { throw new Error("streamed"); }, options: pd ?? "", streamFile: f });
      continue;
    }
    const any = await readAnyCaptureFile(f);
    if (any.kind === "single") {
      jobs.push({ name: f, load: async () => any.capture, options: pd ?? "" });
    } else {
      for (const t of any.tracks) jobs.push({ name: `${f} [cyl ${t.cyl} head ${t.head}]`, load: async () => t.capture, options: pd ?? "" });
    }
  }

  const { sectorTable } = await import("../report/table.js");
  const jsonOut: unknown[] = [];
  for (const job of jobs) {
    const t0 = performance.now();
    const result = job.streamFile !== undefined
      ? await decodeStreaming(job.streamFile, job.options, backend, err)
      : await decode(await job.load(), job.options, { backend, ...(annotations ? { logBytes: true } : {}) });
    const ms = performance.now() - t0;
    if (annotations !== undefined) {
      const ann = await import("../annotate/index.js");
      if (values.json) {
        const extra = jobs.length > 1 ? { capture: job.name } : {};
        let buf = "";
        ann.annotationObjects(result, { classes: annotations }, (a) => {
          buf += JSON.stringify({ ...extra, ...a }) + "\n";
          if (buf.length > 1 << 20) { out.write(buf); buf = ""; }
        });
        if (buf) out.write(buf);
      } else {
        ann.annotationChunks(result, { classes: annotations, sampleNumbers: values["protocol-decoder-samplenum"] === true }, (c) => out.write(c));
      }
    } else if (binary !== undefined) {
      out.write(result.binary[binary]);
    } else if (values.json && values.records) {
      const extra = jobs.length > 1 ? { capture: job.name } : {};
      let buf = "";
      for (const r of result.records) buf += JSON.stringify({ ...extra, ...r, bytes: Buffer.from(r.bytes).toString("hex") }) + "\n";
      out.write(buf);
    } else if (values.json) {
      jsonOut.push({
        capture: job.name, backend: result.backend, sampleRate: result.sampleRate, sampleCount: result.sampleCount,
        decodeMs: Number(ms.toFixed(3)), stats: result.stats,
        records: result.records.map((r) => ({ ...r, bytes: Buffer.from(r.bytes).toString("hex") })),
      });
    } else {
      const o = result.options;
      out.write(`${job.name}: ${o.format}, header ${o.headerFormat}, ${(result.sampleRate / 1e6).toFixed(3).replace(/\.?0+$/, "")} MHz, ` +
        `${result.sampleCount} samples; ${result.backend} backend, ${ms.toFixed(1)} ms\n`);
      out.write(sectorTable(result));
    }
  }
  if (values.json && !values.records && annotations === undefined && binary === undefined) {
    out.write(JSON.stringify(jobs.length === 1 ? jsonOut[0] : jsonOut, null, 2) + "\n");
  }
  void err;
  return 0;
}

/** Captures with more than this many sample bytes are streamed (bounded memory, progress). */
const STREAM_BYTES = 64 << 20;

async function isLargeSigrok(path: string): Promise<boolean> {
  const { readFile } = await import("node:fs/promises");
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch {
    return false; // the reader reports it
  }
  const { looksLikeZip, ZipArchive } = await import("../readers/zip.js");
  if (!looksLikeZip(bytes)) return false;
  try {
    const zip = ZipArchive.open(bytes, path);
    if (!zip.has("metadata")) return false;
    let total = 0;
    for (const m of zip.members) if (/^logic-/.test(m.name)) total += m.uncompressedSize;
    return total > STREAM_BYTES;
  } catch {
    return false;
  }
}

/** Decodes a big .sr piece by piece, with a progress bar on a terminal (none when stderr is piped). */
async function decodeStreaming(path: string, options: string, backend: "wasm" | "js" | "auto", err: NodeJS.WritableStream) {
  const { openCaptureFileStream } = await import("../readers/stream.js");
  const { openTrackStream } = await import("../stream.js");
  const s = await openCaptureFileStream(path);
  const stream = await openTrackStream(s.setup, options, { backend });
  const total = s.setup.sampleCount * (s.setup.unitSize ?? 1);
  const tty = (err as { isTTY?: boolean }).isTTY === true;
  let done = 0, shown = -1;
  for await (const chunk of s.chunks(1 << 22)) {
    stream.pushSamples(chunk);
    done += chunk.length;
    const pct = Math.floor((100 * done) / total);
    if (tty && pct !== shown) {
      shown = pct;
      const bar = "#".repeat(Math.floor(pct / 4)).padEnd(25, ".");
      err.write(`\r${path}: [${bar}] ${pct}%`);
    }
  }
  if (tty) err.write("\n");
  return stream.finish();
}

// Run when executed directly (tsx src/cli/main.ts, or the installed dist/cli.js).
const invokedDirectly = typeof process !== "undefined" && process.argv[1] !== undefined &&
  /(?:cli[\\/]main\.ts|cli\.js|diskflux)$/.test(process.argv[1]);
if (invokedDirectly) {
  main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
