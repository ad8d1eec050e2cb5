// Auto-detection cost: decode(capture, "auto") (detection + decode) against
// decode() with the option string given, per shared capture (DTC7287 tracks
// excluded), both backends; and CRC polynomial solving for a 56-bit code from
// a track's data records (WD1003V-SR1: 26 records of 512 bytes).
//
// Before timing, every auto decode's binary id/idcrc/data/datacrc must equal the oracle's.
//
//   npm run bench:detect            table
//   npm run bench:detect -- --json  ... last line: {"captures":n,"wasm_ratio":x,"js_ratio":y,"solve56_ms":z}
import { readFileSync } from "node:fs";
import { bench, run, do_not_optimize } from "mitata";
import { readCaptureFile } from "../src/readers/index.js";
import { decode } from "../src/decode.js";
import { solveCrc } from "../src/detect/solve-crc.js";
import { getGf2Kernel } from "../src/kernels/gf2-load.js";
import type { LogicCapture } from "../src/capture.js";
import { SAMPLES_DIR, ORACLE_DIR, JSON_OUT, benchCaptures, machineLine, fail, equalBytes, medianNs, pad } from "./common.js";

const list = benchCaptures();
const captures = new Map<string, LogicCapture>();
for (const c of list) captures.set(c.stem, await readCaptureFile(`${SAMPLES_DIR}/${c.file}`));

// validate before timing
for (const c of list) {
  for (const backend of ["js", "wasm"] as const) {
    const r = await decode(captures.get(c.stem)!, "auto", { backend });
    for (const name of ["id", "idcrc", "data", "datacrc"] as const) {
      const expected = new Uint8Array(readFileSync(`${ORACLE_DIR}/${c.stem}/${name}.bin`));
      if (!equalBytes(r.binary[name], expected)) fail(`${c.stem}: ${backend} auto decode's ${name} stream differs from the oracle's`);
    }
  }
}

// the 56-bit solve: data records of the WD1003V-SR1 track, read with the code's width
const sr1 = await decode(captures.get("hdd_rll_WD1003V-SR1")!, list.find((c) => c.stem === "hdd_rll_WD1003V-SR1")!.options, { keepCrcInputs: true });
const records56 = sr1.records.filter((r) => r.kind === "data" && r.crcInput).map((r) => ({ msg: r.crcInput!.subarray(0, r.crcInput!.length - 7), check: r.crcInput!.subarray(r.crcInput!.length - 7) }));
const gfs = { wasm: await getGf2Kernel("wasm"), js: await getGf2Kernel("js") };
for (const [name, gf] of Object.entries(gfs)) {
  const s = solveCrc(gf, 56, records56);
  if (s?.poly !== 0x140a0445000101n || s.matches !== s.total) fail(`56-bit solve (${name}) did not find 0x140a0445000101 on every record`);
}

for (const c of list) {
  const capture = captures.get(c.stem)!;
  for (const backend of ["js", "wasm"] as const) {
    bench(`${backend} known ${c.stem}`, async () => do_not_optimize(await decode(capture, c.options, { backend })));
    bench(`${backend} auto ${c.stem}`, async () => do_not_optimize(await decode(capture, "auto", { backend })));
  }
}
// solving from scratch: the 56-bit polynomial is in the table, so the GCD path is timed on its own too
const { solvePoly } = await import("../src/detect/solve-crc.js");
for (const [name, gf] of Object.entries(gfs)) {
  bench(`${name} solve56`, () => do_not_optimize(solveCrc(gf, 56, records56)));
  bench(`${name} gcd56`, () => do_not_optimize(solvePoly(gf, 56, records56)));
}
const out = await run({ format: "quiet" });
const ms = (alias: string) => medianNs(out, alias) / 1e6;

console.log(`auto-detection cost (decode(capture, "auto") vs decode with the option string) — ${machineLine(out.context)}`);
console.log("capture                        TS known   TS auto  ratio   Wasm known  Wasm auto  ratio");
const tot = { jk: 0, ja: 0, wk: 0, wa: 0 };
let worst = 0;
for (const c of list) {
  const t = { jk: ms(`js known ${c.stem}`), ja: ms(`js auto ${c.stem}`), wk: ms(`wasm known ${c.stem}`), wa: ms(`wasm auto ${c.stem}`) };
  tot.jk += t.jk; tot.ja += t.ja; tot.wk += t.wk; tot.wa += t.wa;
  worst = Math.max(worst, t.wa / t.wk);
  console.log(`${c.stem.padEnd(29)} ${pad(t.jk.toFixed(2), 9)} ${pad(t.ja.toFixed(2), 9)} ${pad((t.ja / t.jk).toFixed(1), 5)}× ${pad(t.wk.toFixed(2), 11)} ${pad(t.wa.toFixed(2), 10)} ${pad((t.wa / t.wk).toFixed(1), 5)}×`);
}
console.log(`${"total".padEnd(29)} ${pad(tot.jk.toFixed(2), 9)} ${pad(tot.ja.toFixed(2), 9)} ${pad((tot.ja / tot.jk).toFixed(1), 5)}× ${pad(tot.wk.toFixed(2), 11)} ${pad(tot.wa.toFixed(2), 10)} ${pad((tot.wa / tot.wk).toFixed(1), 5)}×`);
console.log(`Wasm auto / known: ${(tot.wa / tot.wk).toFixed(2)}× over all captures, worst track ${worst.toFixed(2)}× (target ≤ 5× per track: ${worst <= 5 ? "met" : "NOT met"})`);
console.log(`56-bit solve from ${records56.length} records of 512 bytes: Wasm ${ms("wasm solve56").toFixed(2)} ms (GCD ${ms("wasm gcd56").toFixed(2)} ms), TS ${ms("js solve56").toFixed(2)} ms (GCD ${ms("js gcd56").toFixed(2)} ms) (target < 50 ms: ${ms("wasm solve56") < 50 ? "met" : "NOT met"})`);
if (JSON_OUT) {
  const r = (x: number) => Number(x.toFixed(3));
  console.log(JSON.stringify({ captures: list.length, wasm_ratio: r(tot.wa / tot.wk), js_ratio: r(tot.ja / tot.jk), worst_wasm_ratio: r(worst), solve56_ms: r(ms("wasm solve56")) }));
}
