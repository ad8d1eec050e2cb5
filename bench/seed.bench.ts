// The original's seed benchmark, reproduced (spec §9, ../shared/bench-data/README.md):
// replay its own pulse streams through the FM fold and the IBM RLL byte decoder,
// MiB/s = decoded bytes / 2^20 / seconds. Both backends are checked to decode the
// same bytes (count and hash) before anything is timed.
//
//   npm run bench:seed            table
//   npm run bench:seed -- --json  ... last line: {"fm":{"js":..,"wasm":..},"rll":{"js":..,"wasm":..}}
import { readFileSync, existsSync } from "node:fs";
import { resolve } from "node:path";
import { bench, run, do_not_optimize } from "mitata";
import { getKernels } from "../src/kernels/load.js";
import type { Kernels } from "../src/kernels/backend.js";
import { SAMPLE_CAP } from "../src/kernels/abi.js";

const dir = resolve(process.env.DISKFLUX_BENCH_DATA ?? "../shared/bench-data");
if (!existsSync(`${dir}/data_FM.bin`)) {
  console.error(`bench-data not found in ${dir}; set DISKFLUX_BENCH_DATA`);
  process.exit(1);
}
const streams = { fm: new Uint8Array(readFileSync(`${dir}/data_FM.bin`)), rll: new Uint8Array(readFileSync(`${dir}/data_RLL.bin`)) };
const PYTHON_BEST = { fm: 0.55, rll: 0.75 }; // MiB/s, bench-data/README.md (2-core VM, Python 3.11)
const kernels = { js: await getKernels("js"), wasm: await getKernels("wasm") };

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

// validate before timing
const decoded: Record<string, number> = {};
for (const name of ["fm", "rll"] as const) {
  const rll = name === "rll" ? 1 : 0;
  const js = [replay(kernels.js, streams[name], rll), kernels.js.seedHash()];
  const wasm = [replay(kernels.wasm, streams[name], rll), kernels.wasm.seedHash()];
  if (js[0] !== wasm[0] || js[1] !== wasm[1]) {
    console.error(`${name}: backends disagree (js ${js}, wasm ${wasm}); refusing to time`);
    process.exit(1);
  }
  if (name === "fm" && js[0] !== 65536) {
    console.error(`fm: decoded ${js[0]} bytes, expected 65536; refusing to time`);
    process.exit(1);
  }
  decoded[name] = js[0];
}

for (const name of ["fm", "rll"] as const) {
  for (const backend of ["js", "wasm"] as const) {
    bench(`${name} ${backend}`, () => do_not_optimize(replay(kernels[backend], streams[name], name === "rll" ? 1 : 0)));
  }
}
const out = await run({ format: "quiet" });
const mibs: Record<string, Record<string, number>> = { fm: {}, rll: {} };
for (const b of out.benchmarks) {
  const [name, backend] = b.alias.split(" ");
  const avgNs = b.runs[0].stats!.avg;
  mibs[name][backend] = decoded[name] / 2 ** 20 / (avgNs / 1e9);
}
const ctx = out.context as typeof out.context & { version?: string };
console.log(`seed benchmark — ${ctx.cpu.name} @ ${(ctx.cpu.freq).toFixed(2)} GHz, ${ctx.runtime} ${ctx.version ?? process.version} (${ctx.arch})`);
console.log("stream  pulses   bytes    TS MiB/s  Wasm MiB/s  Wasm/TS  Wasm/Python-best");
for (const name of ["fm", "rll"] as const) {
  const m = mibs[name];
  console.log(
    `${name.padEnd(6)}  ${String(streams[name].length).padEnd(7)}  ${String(decoded[name]).padEnd(7)}  ` +
      `${m.js.toFixed(1).padStart(8)}  ${m.wasm.toFixed(1).padStart(10)}  ${(m.wasm / m.js).toFixed(2).padStart(7)}  ` +
      `${(m.wasm / PYTHON_BEST[name]).toFixed(0).padStart(8)}×`,
  );
}
if (process.argv.includes("--json")) {
  const r = (x: number) => Number(x.toFixed(2));
  console.log(JSON.stringify({ fm: { js: r(mibs.fm.js), wasm: r(mibs.fm.wasm) }, rll: { js: r(mibs.rll.js), wasm: r(mibs.rll.wasm) } }));
}
