// End to end: every shared capture (DTC7287 tracks excluded) from unpacked
// samples to verified sectors with decode(), on both backends, side by side.
//
// The captures are read once (readCaptureFile: zip + inflate), outside the
// decode timing; that container cost is timed and reported on its own. Before
// anything is timed, both backends' binary `data` stream must equal the
// oracle's data.bin for every capture.
//
//   npm run bench:e2e            table
//   npm run bench:e2e -- --json  ... last line: {"captures":<n>,"js_ms":<total>,"wasm_ms":<total>}
//   npm run bench:e2e -- --recover   also decode({ recover: true }) per backend, side by side
//                                    with the plain decode: on a clean track recovery must cost
//                                    nothing (no retry decode; only the status pass)
//
// Real time: a capture covers sampleCount / sampleRate seconds of disk (one
// 3600 rpm hard-disk track is 16.7 ms); "× real time" = that / Wasm decode time.
import { readFileSync } from "node:fs";
import { bench, run, do_not_optimize } from "mitata";
import { readCaptureFile } from "../src/readers/index.js";
import { decode } from "../src/decode.js";
import type { LogicCapture } from "../src/capture.js";
import { SAMPLES_DIR, ORACLE_DIR, JSON_OUT, benchCaptures, machineLine, fail, equalBytes, medianNs, pad } from "./common.js";

const RECOVER = process.argv.includes("--recover");
const list = benchCaptures();
const captures = new Map<string, LogicCapture>();
for (const c of list) captures.set(c.stem, await readCaptureFile(`${SAMPLES_DIR}/${c.file}`));

// validate before timing
for (const c of list) {
  const expected = new Uint8Array(readFileSync(`${ORACLE_DIR}/${c.stem}/data.bin`));
  for (const backend of ["js", "wasm"] as const) {
    const r = await decode(captures.get(c.stem)!, c.options, { backend });
    if (!equalBytes(r.binary.data, expected)) fail(`${c.stem}: ${backend} backend's data stream differs from the oracle's data.bin`);
    if (RECOVER) {
      const rec = await decode(captures.get(c.stem)!, c.options, { backend, recover: true });
      if (!equalBytes(rec.binary.data, expected)) fail(`${c.stem}: ${backend} with recover: data stream differs from the oracle's data.bin`);
      if (rec.recovery!.retryDecodes > 0) console.log(`note: ${c.stem} (${backend}) is not whole (a record without its check): recovery made ${rec.recovery!.retryDecodes} retry decodes and ${rec.recovery!.softTrials ?? 0} soft trials`);
    }
  }
}

for (const c of list) {
  const capture = captures.get(c.stem)!;
  bench(`read ${c.stem}`, async () => do_not_optimize(await readCaptureFile(`${SAMPLES_DIR}/${c.file}`)));
  for (const backend of ["js", "wasm"] as const) {
    bench(`${backend} ${c.stem}`, async () => do_not_optimize(await decode(capture, c.options, { backend })));
    if (RECOVER) bench(`${backend}+rec ${c.stem}`, async () => do_not_optimize(await decode(capture, c.options, { backend, recover: true })));
  }
}
const out = await run({ format: "quiet" });

const ms = (alias: string) => medianNs(out, alias) / 1e6;
console.log(`end to end (decode() from unpacked samples to verified sectors) — ${machineLine(out.context)}`);
console.log("capture                        Msamples  MS/s  disk ms   read ms     TS ms   Wasm ms  Wasm/TS  Wasm × real time");
let js = 0, wasm = 0, read = 0, disk = 0;
const hdTracks: number[] = []; // Wasm ms of the 200 MS/s tracks (3.3 M samples, one 3600 rpm revolution)
for (const c of list) {
  const cap = captures.get(c.stem)!;
  const t = { read: ms(`read ${c.stem}`), js: ms(`js ${c.stem}`), wasm: ms(`wasm ${c.stem}`) };
  if (cap.sampleRate === 200e6) hdTracks.push(t.wasm);
  const diskMs = (cap.sampleCount / cap.sampleRate) * 1e3;
  js += t.js; wasm += t.wasm; read += t.read; disk += diskMs;
  console.log(
    `${c.stem.padEnd(29)} ${pad((cap.sampleCount / 1e6).toFixed(2), 9)} ${pad(cap.sampleRate / 1e6, 5)} ${pad(diskMs.toFixed(1), 8)}` +
      ` ${pad(t.read.toFixed(2), 9)} ${pad(t.js.toFixed(2), 9)} ${pad(t.wasm.toFixed(3), 9)} ${pad((t.js / t.wasm).toFixed(2), 7)}×` +
      ` ${pad((diskMs / t.wasm).toFixed(1), 10)}×`,
  );
}
console.log(
  `${"total".padEnd(29)} ${" ".repeat(15)} ${pad(disk.toFixed(1), 8)} ${pad(read.toFixed(2), 9)} ${pad(js.toFixed(2), 9)}` +
    ` ${pad(wasm.toFixed(3), 9)} ${pad((js / wasm).toFixed(2), 7)}× ${pad((disk / wasm).toFixed(1), 10)}×`,
);
console.log("(read = readCaptureFile: file read + zip inflate + sample unpacking, not part of the decode times; times are medians)");
const mean = hdTracks.reduce((a, b) => a + b, 0) / hdTracks.length;
console.log(`Wasm / TS end to end: ${(js / wasm).toFixed(2)}× (target ≥ 3×: ${js / wasm >= 3 ? "met" : "NOT met"})`);
console.log(
  `200 MS/s tracks (${hdTracks.length}): Wasm ${Math.min(...hdTracks).toFixed(2)}–${Math.max(...hdTracks).toFixed(2)} ms, mean ${mean.toFixed(2)} ms` +
    ` (target ≤ 1 ms: ${hdTracks.filter((x) => x <= 1).length} of ${hdTracks.length} met)`,
);
if (RECOVER) {
  console.log("");
  console.log("with --recover (clean tracks: no retry decode unless a record is cut short)");
  console.log("capture                           TS ms  TS+rec ms   ratio    Wasm ms  Wasm+rec ms   ratio");
  let a = 0, b = 0, x = 0, y = 0;
  for (const c of list) {
    const t = { js: ms(`js ${c.stem}`), jr: ms(`js+rec ${c.stem}`), w: ms(`wasm ${c.stem}`), wr: ms(`wasm+rec ${c.stem}`) };
    a += t.js; b += t.jr; x += t.w; y += t.wr;
    console.log(`${c.stem.padEnd(29)} ${pad(t.js.toFixed(2), 9)} ${pad(t.jr.toFixed(2), 10)} ${pad((t.jr / t.js).toFixed(2), 6)}× ${pad(t.w.toFixed(3), 10)} ${pad(t.wr.toFixed(3), 12)} ${pad((t.wr / t.w).toFixed(2), 6)}×`);
  }
  console.log(`${"total".padEnd(29)} ${pad(a.toFixed(2), 9)} ${pad(b.toFixed(2), 10)} ${pad((b / a).toFixed(2), 6)}× ${pad(x.toFixed(3), 10)} ${pad(y.toFixed(3), 12)} ${pad((y / x).toFixed(2), 6)}×`);
}
if (JSON_OUT) {
  const r = (x: number) => Number(x.toFixed(3));
  console.log(JSON.stringify({ captures: list.length, js_ms: r(js), wasm_ms: r(wasm) }));
}
