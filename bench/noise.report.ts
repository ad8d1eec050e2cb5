// Robustness report: for each shared capture and increasing noise, how many
// sectors still decode with good ID and data CRCs (both backends agree), plain
// and with recovery (decode's `recover`: ECC, other data separators), as
// "plain→recover" per cell.
//   npm run report:noise [-- --json]
import { readCaptureFile } from "../src/readers/index.js";
import { decode } from "../src/decode.js";
import { addNoise } from "../src/encode/noise.js";
import { sectorRows } from "../src/report/table.js";
import type { DecodeResult } from "../src/decode.js";
import { oracleCaptures, SAMPLES_DIR, haveShared } from "../test/support/shared.js";

if (!haveShared) {
  console.error(`shared samples not found (${SAMPLES_DIR}); set DISKFLUX_SAMPLES / DISKFLUX_ORACLE`);
  process.exit(1);
}
const LEVELS = [
  { name: "clean", jitter: 0, dropout: 0, extra: 0 },
  { name: "jitter 0.05", jitter: 0.05, dropout: 0, extra: 0 },
  { name: "jitter 0.10", jitter: 0.1, dropout: 0, extra: 0 },
  { name: "jitter 0.15", jitter: 0.15, dropout: 0, extra: 0 },
  { name: "drop 1e-4", jitter: 0.05, dropout: 1e-4, extra: 0 },
  { name: "drop 1e-3", jitter: 0.05, dropout: 1e-3, extra: 0 },
  { name: "spikes 1e-3", jitter: 0.05, dropout: 0, extra: 1e-3 },
];
const good = (r: DecodeResult) => sectorRows(r).filter((row) => row.id?.crc?.ok && row.data?.crc?.ok).length;
/** Sectors whose ID verifies and whose data is good, corrected or recovered. */
const usable = (r: DecodeResult) => sectorRows(r).filter((row) => row.id?.crc?.ok && row.data?.status !== undefined && row.data.status !== "bad").length;

const rows: Record<string, Record<string, string>> = {};
const totals: Record<string, [number, number]> = {};
for (const c of oracleCaptures()) {
  if (c.stem.includes("DTC7287")) continue; // undeciphered format: no good CRCs to count
  const capture = await readCaptureFile(`${SAMPLES_DIR}/${c.file}`);
  const clean = await decode(capture, c.options, { keepEvents: true });
  const edges = { kind: "edges" as const, sampleRate: capture.sampleRate, edges: clean.edges!.positions, index: clean.edges!.index };
  const cell = capture.sampleRate / clean.options.dataRate / 2;
  rows[c.stem] = {};
  for (const level of LEVELS) {
    const noisy = addNoise(edges, { cell, jitter: level.jitter, dropout: level.dropout, extra: level.extra, seed: 7 });
    const w = await decode(noisy, c.options, { backend: "wasm" });
    const j = await decode(noisy, c.options, { backend: "js" });
    if (Buffer.compare(Buffer.from(w.binary.datacrc), Buffer.from(j.binary.datacrc)) !== 0) throw new Error(`${c.stem}: backends disagree`);
    const rec = await decode(noisy, c.options, { backend: "wasm", recover: true });
    rows[c.stem][level.name] = `${good(w)}→${usable(rec)}`;
    const t = (totals[level.name] ??= [0, 0]);
    t[0] += good(w);
    t[1] += usable(rec);
  }
}
const names = LEVELS.map((l) => l.name);
console.log(["capture".padEnd(26), ...names.map((n) => n.padStart(12))].join(""));
for (const [stem, r] of Object.entries(rows)) console.log([stem.padEnd(26), ...names.map((n) => String(r[n]).padStart(12))].join(""));
console.log(["total".padEnd(26), ...names.map((n) => `${totals[n][0]}→${totals[n][1]}`.padStart(12))].join(""));
if (process.argv.includes("--json")) console.log(JSON.stringify(rows));
