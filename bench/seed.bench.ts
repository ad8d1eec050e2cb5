// The original's seed benchmark, reproduced (spec §9, ../shared/bench-data/README.md):
// replay its own pulse streams through the FM fold and the IBM RLL byte decoder,
// MiB/s = decoded bytes / 2^20 / seconds. Before anything is timed, both
// backends must decode the same bytes (count and FNV-1a hash) as a plain
// pulse-by-pulse transcription of the harness (bench/seed-reference.ts), on
// every input size and fed in chunks the way the timed loop feeds them.
//
// Sizes: the first 16 Ki and 128 Ki pulses of each stream, and the whole
// stream (the original's figure). Times are mitata's median per replay.
//
//   npm run bench:seed            table
//   npm run bench:seed -- --json  ... last line: {"fm":{"js":..,"wasm":..},"rll":{"js":..,"wasm":..}} (whole streams, MiB/s)
import { readFileSync, existsSync } from "node:fs";
import { resolve } from "node:path";
import { bench, run, do_not_optimize } from "mitata";
import { getKernels } from "../src/kernels/load.js";
import type { Kernels } from "../src/kernels/backend.js";
import { SAMPLE_CAP } from "../src/kernels/abi.js";
import { SeedReference } from "./seed-reference.js";
import { JSON_OUT, machineLine, fail, pad, medianNs } from "./common.js";

const dir = resolve(process.env.DISKFLUX_BENCH_DATA ?? "../shared/bench-data");
if (!existsSync(`${dir}/data_FM.bin`)) fail(`bench-data not found in ${dir}; set DISKFLUX_BENCH_DATA`);
const streams = { fm: new Uint8Array(readFileSync(`${dir}/data_FM.bin`)), rll: new Uint8Array(readFileSync(`${dir}/data_RLL.bin`)) };
const PYTHON_BEST = { fm: 0.55, rll: 0.75 }; // MiB/s, bench-data/README.md (2-core VM, Python 3.11)
const TARGET = { fm: 165, rll: 225 }; // MiB/s, 300× the Python best
const kernels = { js: await getKernels("js"), wasm: await getKernels("wasm") };
const STREAMS = ["fm", "rll"] as const;

function replay(k: Kernels, widths: Uint8Array, rll: number): number {
  k.seedReset();
  let bytes = 0;
  for (let pos = 0; pos < widths.length; pos += SAMPLE_CAP) {
    const chunk = widths.subarray(pos, Math.min(widths.length, pos + SAMPLE_CAP));
    k.samples.set(chunk);
    bytes += k.seedRun(chunk.length, rll);
  }
  return bytes;
}

interface Case { name: (typeof STREAMS)[number]; label: string; widths: Uint8Array; bytes: number }
const cases: Case[] = [];
for (const name of STREAMS) {
  const rll = name === "rll" ? 1 : 0;
  const all = streams[name];
  for (const n of [16384, 131072, all.length]) {
    const widths = all.subarray(0, n);
    // validate before timing: reference (chunked the same way), then both backends
    const ref = new SeedReference();
    let expected = 0;
    for (let pos = 0; pos < n; pos += SAMPLE_CAP) expected += ref.run(widths.subarray(pos, Math.min(n, pos + SAMPLE_CAP)), rll);
    for (const backend of ["js", "wasm"] as const) {
      const got = replay(kernels[backend], widths, rll);
      const hash = kernels[backend].seedHash();
      if (got !== expected || hash !== ref.hash) {
        fail(`${name} ${n} pulses: ${backend} decoded ${got} bytes, hash ${hash}; reference ${expected}, ${ref.hash}`);
      }
    }
    if (n === all.length && name === "fm" && expected !== 65536) fail(`fm: decoded ${expected} bytes, expected 65536`);
    cases.push({ name, label: n === all.length ? `${n} (all)` : String(n), widths, bytes: expected });
  }
}

for (const c of cases) {
  for (const backend of ["js", "wasm"] as const) {
    bench(`${c.name} ${c.label} ${backend}`, () => do_not_optimize(replay(kernels[backend], c.widths, c.name === "rll" ? 1 : 0)));
  }
}
const out = await run({ format: "quiet" });
const mibs = (alias: string, bytes: number) => bytes / 2 ** 20 / (medianNs(out, alias) / 1e9);

console.log(`seed benchmark (spec §9: the original's pulse streams, byte decoders only) — ${machineLine(out.context)}`);
console.log("stream  pulses         bytes    TS MiB/s  Wasm MiB/s  Wasm/TS  Wasm/Python-best  target");
const whole: Record<string, { js: number; wasm: number }> = {};
for (const c of cases) {
  const js = mibs(`${c.name} ${c.label} js`, c.bytes), wasm = mibs(`${c.name} ${c.label} wasm`, c.bytes);
  const all = c.widths.length === streams[c.name].length;
  if (all) whole[c.name] = { js: Number(js.toFixed(1)), wasm: Number(wasm.toFixed(1)) };
  console.log(
    `${c.name.padEnd(6)}  ${c.label.padEnd(13)} ${pad(c.bytes, 6)}  ${pad(js.toFixed(1), 8)}  ${pad(wasm.toFixed(1), 10)}  ${pad((wasm / js).toFixed(2), 6)}×` +
      `  ${pad((wasm / PYTHON_BEST[c.name]).toFixed(0), 15)}×  ${all ? `${TARGET[c.name]} ${wasm >= TARGET[c.name] ? "met" : "NOT met"}` : ""}`,
  );
}
if (JSON_OUT) console.log(JSON.stringify(whole));
