// Child process of test/tr-drive.test.ts (run with node --expose-gc --import tsx):
// `diskflux synth` writes a many-track MFM drive to one .tr, then openTrStream
// reads it back track by track and each track is decoded. A sampler forces a GC
// and records live memory (V8 heap + array buffers, where samples and edges
// live) every few milliseconds while each phase runs; the peaks above the
// baseline are printed as JSON. A drive held whole would need hundreds of MB.
//
//   node --expose-gc --import tsx test/support/tr-drive-memory.ts <dir> <lastCyl> <lastHead>
import { createReadStream, statSync } from "node:fs";
import { join } from "node:path";
import { synthCommand } from "../../src/cli/synth.js";
import { decode } from "../../src/decode.js";
import { synthTrack } from "../../src/encode/synth.js";
import { openTrStream } from "../../src/readers/tr.js";

const [dir, lastCyl, lastHead] = process.argv.slice(2);
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error("run with node --expose-gc");
const live = () => {
  gc();
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
};

/** Runs f while sampling live memory; returns the peak seen. */
async function peakDuring(f: () => Promise<void>): Promise<number> {
  let peak = live();
  const timer = setInterval(() => (peak = Math.max(peak, live())), 5);
  try {
    await f();
  } finally {
    clearInterval(timer);
  }
  return Math.max(peak, live());
}

const sink = { write: () => true } as unknown as NodeJS.WritableStream;
const OPTIONS = "data_rate=5000000:format=MFM";

// Warm up: modules loaded, the Wasm instance grown to a track's size.
const warm = synthTrack({ format: "MFM", sampleRate: 200e6 });
await decode(warm.edges, OPTIONS);
const base = live();

const file = join(dir, "drive.tr");
const t0 = performance.now();
let code = 0;
const peakWrite = await peakDuring(async () => {
  code = await synthCommand(["--format", "MFM", "--cyl", `0-${lastCyl}`, "--head", `0-${lastHead}`, "-o", file], sink, sink);
});
const writeMs = performance.now() - t0;
if (code !== 0) throw new Error(`synth exited ${code}`);

let tracks = 0;
let goodSectors = 0;
let edges = 0;
const t1 = performance.now();
const peakRead = await peakDuring(async () => {
  const tr = await openTrStream(createReadStream(file, { highWaterMark: 64 * 1024 }), "drive.tr");
  for await (const t of tr.tracks) {
    const capture = t.capture;
    edges += capture.edges.length;
    const r = await decode(capture, OPTIONS);
    goodSectors += r.records.filter((x) => x.kind === "data" && x.crc?.ok).length;
    tracks++;
  }
  if (!tr.end?.endMarker || tr.warnings.length) throw new Error(`end ${JSON.stringify(tr.end)} warnings ${tr.warnings.join("; ")}`);
});
const readMs = performance.now() - t1;

const MB = 2 ** 20;
process.stdout.write(
  JSON.stringify({
    tracks,
    goodSectors,
    fileMB: statSync(file).size / MB,
    /** What the drive's edges alone take as Float64Arrays (the old reader's per-track arrays, all at once). */
    edgesMB: (edges * 8) / MB,
    baseMB: base / MB,
    writeGrowthMB: (peakWrite - base) / MB,
    readGrowthMB: (peakRead - base) / MB,
    writeMs,
    readMs,
  }) + "\n",
);
