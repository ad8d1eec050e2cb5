// Peak memory of streaming a 1 GiB capture (issue: < 256 MiB RSS).
//   npm run bench:memory [-- --json]
// Builds (once, cached in the OS temp dir) a sigrok .sr holding a real 200 MHz
// track repeated to 1 GiB of samples in 256 MiB members, then decodes it in a
// fresh process with openCaptureFileStream + decodeChunks and reports the
// child's peak RSS, time and sectors.
import { existsSync, createWriteStream, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { spawnSync } from "node:child_process";
import { Zip, ZipDeflate, ZipPassThrough, strToU8 } from "fflate";
import { readCaptureFile } from "../src/readers/index.js";
import { openCaptureFileStream } from "../src/readers/stream.js";
import { decodeChunks } from "../src/stream.js";

const OPTIONS = "data_rate=7500000:format=RLL_WD:header_format=3:data_crc_size=56:data_crc_poly=0x140a0445000101";
const TARGET = 1 << 30;
const MEMBER = 256 << 20;

async function build(path: string): Promise<void> {
  const src = resolve(process.env.DISKFLUX_SAMPLES ?? "../shared/samples", "hdd_rll_WD1003V-SR1.sr");
  const track = (await readCaptureFile(src)).samples;
  const out = createWriteStream(path);
  const done = new Promise<void>((ok, fail) => { out.on("finish", ok); out.on("error", fail); });
  const zip = new Zip((err, chunk, final) => {
    if (err) throw err;
    out.write(chunk);
    if (final) out.end();
  });
  const add = (name: string, text: string) => {
    const f = new ZipPassThrough(name);
    zip.add(f);
    f.push(strToU8(text), true);
  };
  add("version", "2");
  add("metadata", "[global]\nsigrok version=0.5.2\n\n[device 1]\ncapturefile=logic-1\ntotal probes=1\nsamplerate=200 MHz\ntotal analog=0\nprobe1=0\nunitsize=1\n");
  let written = 0;
  for (let m = 1; written < TARGET; m++) {
    const f = new ZipDeflate(`logic-1-${m}`, { level: 1 });
    zip.add(f);
    let inMember = 0;
    while (inMember < MEMBER && written < TARGET) {
      const n = Math.min(track.length, MEMBER - inMember, TARGET - written);
      inMember += n;
      written += n;
      f.push(track.subarray(0, n), inMember >= MEMBER || written >= TARGET);
      await new Promise((r) => setImmediate(r));
    }
  }
  zip.end();
  await done;
}

if (process.argv[2] === "--child") {
  const t0 = performance.now();
  const s = await openCaptureFileStream(process.argv[3]);
  const gen = decodeChunks(s.chunks(1 << 20), s.setup, OPTIONS, { backend: "wasm" });
  let good = 0, records = 0;
  for (;;) {
    const step = await gen.next();
    if (step.done) break;
    records++;
    if (step.value.kind === "data" && step.value.crc?.ok) good++;
  }
  const ms = performance.now() - t0;
  console.log(JSON.stringify({ samples: s.setup.sampleCount, records, goodDataRecords: good, ms: Math.round(ms), maxRssMiB: Math.round(process.resourceUsage().maxRSS / 1024) }));
} else {
  const path = join(tmpdir(), "diskflux-1gib.sr");
  if (!existsSync(path)) {
    console.log(`building ${path} (1 GiB of samples) ...`);
    await build(path);
  }
  console.log(`${path}: ${(statSync(path).size / 2 ** 20).toFixed(1)} MiB compressed`);
  const r = spawnSync(process.execPath, ["--import", "tsx", new URL(import.meta.url).pathname, "--child", path], { encoding: "utf8" });
  if (r.status !== 0) {
    console.error(r.stderr);
    process.exit(1);
  }
  const result = JSON.parse(r.stdout.trim().split("\n").pop()!);
  console.log(`streamed ${result.samples} samples in ${result.ms} ms: ${result.records} records, ${result.goodDataRecords} good data records; peak RSS ${result.maxRssMiB} MiB`);
  if (process.argv.includes("--json")) console.log(JSON.stringify(result));
}
