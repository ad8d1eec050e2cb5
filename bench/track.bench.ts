// Track decoder (leading edges → cells, events, record bytes), TS twin vs Wasm,
// on the edges of real captures: the first 4 Ki, 16 Ki, 64 Ki edges and the
// whole track. One timed call = trackConfigure (state reset, CRC tables) +
// copying the edges into the kernel's region + trackRun until every edge is
// consumed, as decode() drives it (without turning events into records).
// Both backends must write identical cells, events and output bytes before
// anything is timed.
//
//   npm run bench:track            table
//   npm run bench:track -- --json  ... last line: {"<capture> <edges>":{"js":Medges/s,"wasm":Medges/s},...}
import { bench, run, do_not_optimize } from "mitata";
import { getKernels } from "../src/kernels/load.js";
import type { Kernels } from "../src/kernels/backend.js";
import * as A from "../src/kernels/abi.js";
import { writeTrackConfig } from "../src/kernels/config.js";
import { resolveOptions } from "../src/options.js";
import { readCaptureFile } from "../src/readers/index.js";
import { decode } from "../src/decode.js";
import { SAMPLES_DIR, JSON_OUT, benchCaptures, machineLine, fail, equalBytes, medianNs, pad } from "./common.js";

const PICK = ["fdd_fm", "hdd_mfm_EV346", "hdd_rll_WD1003V-SR1"];
const SIZES = [4096, 16384, 65536];

const kernels = { js: await getKernels("js"), wasm: await getKernels("wasm") };

interface Input { stem: string; options: string; rate: number; edges: Float64Array; index: Uint8Array }
const inputs: Input[] = [];
for (const c of benchCaptures().filter((x) => PICK.includes(x.stem))) {
  const capture = await readCaptureFile(`${SAMPLES_DIR}/${c.file}`);
  const r = await decode(capture, c.options, { backend: "wasm", keepEvents: true });
  inputs.push({ stem: c.stem, options: c.options, rate: capture.sampleRate, edges: r.edges!.positions, index: r.edges!.index });
}
if (inputs.length !== PICK.length) fail(`captures missing: want ${PICK.join(", ")}`);

/** One track decode on a backend; sink (validation only) sees every trackRun's output. */
function track(k: Kernels, edges: Float64Array, index: Uint8Array, sink?: (k: Kernels, first: number, used: number) => void): number {
  k.trackConfigure();
  let events = 0;
  for (let base = 0; base < edges.length; base += A.EDGE_CAP) {
    const n = Math.min(A.EDGE_CAP, edges.length - base);
    k.edges.set(edges.subarray(base, base + n));
    k.index.set(index.subarray(base, base + n));
    for (let done = 0; done < n; ) {
      const used = k.trackRun(done, n - done);
      sink?.(k, done, used);
      events += k.status[A.ST_EVENTS];
      done += used;
    }
  }
  return events;
}

interface Case { label: string; input: Input; edges: Float64Array; index: Uint8Array }
const cases: Case[] = [];
for (const input of inputs) {
  for (const size of [...SIZES.filter((s) => s < input.edges.length), input.edges.length]) {
    const label = `${input.stem} ${size === input.edges.length ? `${size} (all)` : size}`;
    cases.push({ label, input, edges: input.edges.subarray(0, size), index: input.index.subarray(0, size) });
  }
}

// validate before timing
for (const c of cases) {
  const got = { js: [] as Uint8Array[], wasm: [] as Uint8Array[] };
  for (const name of ["js", "wasm"] as const) {
    const k = kernels[name];
    writeTrackConfig(k, resolveOptions(c.input.options), c.input.rate, 0);
    track(k, c.edges, c.index, (k, first, used) => {
      const ev = k.events.subarray(0, k.status[A.ST_EVENTS] * A.EVENT_STRIDE);
      got[name].push(new Uint8Array(k.cells.slice(first, first + used).buffer));
      got[name].push(new Uint8Array(ev.slice().buffer)); // bit-exact, -0 included
      got[name].push(k.out.slice(0, k.status[A.ST_OUT]));
    });
  }
  if (got.js.length !== got.wasm.length || !got.js.every((a, i) => equalBytes(a, got.wasm[i]))) fail(`${c.label}: the backends disagree`);
}

for (const c of cases) {
  for (const name of ["js", "wasm"] as const) {
    const k = kernels[name];
    bench(`${name} ${c.label}`, function* () {
      writeTrackConfig(k, resolveOptions(c.input.options), c.input.rate, 0);
      yield () => do_not_optimize(track(k, c.edges, c.index));
    });
  }
}
const out = await run({ format: "quiet" });

console.log(`track decoder (edges → cells, events, bytes) — ${machineLine(out.context)}`);
console.log("capture edges                       TS ns/edge  Wasm ns/edge  Wasm Medges/s  Wasm/TS   Wasm µs");
const json: Record<string, { js: number; wasm: number }> = {};
for (const c of cases) {
  const js = medianNs(out, `js ${c.label}`) / c.edges.length, wasm = medianNs(out, `wasm ${c.label}`) / c.edges.length;
  json[c.label] = { js: Number((1e3 / js).toFixed(2)), wasm: Number((1e3 / wasm).toFixed(2)) };
  console.log(
    `${c.label.padEnd(34)} ${pad(js.toFixed(1), 10)} ${pad(wasm.toFixed(1), 13)} ${pad((1e3 / wasm).toFixed(1), 14)}` +
      ` ${pad((js / wasm).toFixed(2), 7)}× ${pad(((wasm * c.edges.length) / 1e3).toFixed(0), 9)}`,
  );
}
if (JSON_OUT) console.log(JSON.stringify(json));
