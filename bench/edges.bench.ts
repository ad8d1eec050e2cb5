// Edge extraction (samples → leading edges), TS twin vs Wasm SIMD kernel, on
// real capture samples: 64 KiB .. 4 MiB taken from the shared captures laid
// end to end. Inputs larger than the kernel's input region (SAMPLE_CAP =
// 256 KiB) go through it chunk by chunk exactly as decode() does it: copy in
// with set(), extract. "kernel" rows time one resident 256 KiB chunk without
// the copy. Both backends must write the same edges and index levels on every
// input before anything is timed.
//
//   npm run bench:edges            table
//   npm run bench:edges -- --json  ... last line: {"<size>":{"js":GB/s,"wasm":GB/s},...}
import { bench, run, do_not_optimize } from "mitata";
import { getKernels } from "../src/kernels/load.js";
import type { Kernels } from "../src/kernels/backend.js";
import { SAMPLE_CAP } from "../src/kernels/abi.js";
import { readCaptureFile } from "../src/readers/index.js";
import { resolveOptions } from "../src/options.js";
import { SAMPLES_DIR, JSON_OUT, benchCaptures, machineLine, fail, equalBytes, medianNs, pad, kib } from "./common.js";

const SIZES = [64 << 10, 256 << 10, 1 << 20, 4 << 20];
const MAX = SIZES[SIZES.length - 1];

// Real samples: 200 MS/s hard-disk tracks (one byte per sample, data on bit 0,
// rising edges as their option strings say) laid end to end up to 4 MiB.
const pool = new Uint8Array(MAX);
let filled = 0;
for (const c of benchCaptures()) {
  if (filled >= MAX) break;
  const cap = await readCaptureFile(`${SAMPLES_DIR}/${c.file}`);
  if (cap.sampleRate !== 200e6 || cap.unitSize !== 1 || resolveOptions(c.options).leadingEdge !== "rising") continue;
  const n = Math.min(cap.sampleCount, MAX - filled);
  pool.set(cap.samples.subarray(0, n), filled);
  filled += n;
}
if (filled < MAX) fail(`only ${filled} bytes of 200 MS/s samples found`);

const kernels = { js: await getKernels("js"), wasm: await getKernels("wasm") };

/** Edges of input[0, len) through the kernel's region, SAMPLE_CAP at a time. Returns the edge count. */
function extract(k: Kernels, input: Uint8Array, sink?: (k: Kernels, n: number) => void): number {
  k.edgesReset();
  let total = 0;
  for (let base = 0; base < input.length; base += SAMPLE_CAP) {
    const len = Math.min(SAMPLE_CAP, input.length - base);
    k.samples.set(input.subarray(base, base + len));
    const n = k.edgesExtract(len, base, 0, -1, -1, 1);
    sink?.(k, n);
    total += n;
  }
  return total;
}

// validate before timing: same edges and index levels, chunk by chunk, for every size
const edgeCounts: Record<number, number> = {};
for (const size of SIZES) {
  const input = pool.subarray(0, size);
  const got = { js: [] as Uint8Array[], wasm: [] as Uint8Array[] };
  for (const name of ["js", "wasm"] as const) {
    extract(kernels[name], input, (k, n) => {
      got[name].push(new Uint8Array(k.edges.buffer.slice(k.edges.byteOffset, k.edges.byteOffset + n * 8)));
      got[name].push(k.index.slice(0, n));
    });
  }
  if (got.js.length !== got.wasm.length || !got.js.every((a, i) => equalBytes(a, got.wasm[i]))) {
    fail(`edges of ${kib(size)}: the backends disagree`);
  }
  edgeCounts[size] = extract(kernels.js, input);
}
// the resident-chunk rows: both kernels on the same 256 KiB already in place
for (const k of Object.values(kernels)) k.samples.set(pool.subarray(0, SAMPLE_CAP));
const residentEdges = kernels.js.edgesExtract(SAMPLE_CAP, 0, 0, -1, -1, 1);
if (residentEdges !== kernels.wasm.edgesExtract(SAMPLE_CAP, 0, 0, -1, -1, 1)) fail("resident chunk: edge counts differ");

for (const size of SIZES) {
  const input = pool.subarray(0, size);
  for (const name of ["js", "wasm"] as const) bench(`${name} ${size}`, () => do_not_optimize(extract(kernels[name], input)));
}
for (const name of ["js", "wasm"] as const) {
  const k = kernels[name];
  // the copy-in rows run first and reuse the region: put the chunk back before timing
  bench(`${name} kernel`, function* () {
    k.samples.set(pool.subarray(0, SAMPLE_CAP));
    yield () => do_not_optimize(k.edgesExtract(SAMPLE_CAP, 0, 0, -1, -1, 1));
  });
}
const out = await run({ format: "quiet" });

const gbs = (alias: string, bytes: number) => bytes / medianNs(out, alias); // bytes/ns = GB/s
console.log(`edge extraction (samples → leading edges) — ${machineLine(out.context)}`);
console.log("input                      edges     TS GB/s   Wasm GB/s  Wasm/TS   Wasm µs");
const json: Record<string, { js: number; wasm: number }> = {};
const row = (label: string, edges: number, alias: string, bytes: number) => {
  const js = gbs(`js ${alias}`, bytes), wasm = gbs(`wasm ${alias}`, bytes);
  json[label] = { js: Number(js.toFixed(2)), wasm: Number(wasm.toFixed(2)) };
  console.log(
    `${label.padEnd(22)} ${pad(edges, 9)} ${pad(js.toFixed(2), 11)} ${pad(wasm.toFixed(2), 11)} ${pad((wasm / js).toFixed(2), 7)}×` +
      ` ${pad((medianNs(out, `wasm ${alias}`) / 1e3).toFixed(1), 9)}`,
  );
};
for (const size of SIZES) row(`${kib(size)} (copy-in)`, edgeCounts[size], String(size), size);
row(`${kib(SAMPLE_CAP)} kernel only`, residentEdges, "kernel", SAMPLE_CAP);
if (JSON_OUT) console.log(JSON.stringify(json));
