// Peak memory of a 1 GiB capture (issue 12: < 256 MiB RSS), streamed.
//   npm run bench:memory [-- --json] [--skip-full]
// Builds (once, cached in the OS temp dir) a sigrok .sr holding a real 200 MHz
// track (hdd_rll_WD1003V-SR1) repeated to 1 GiB of samples in 256 MiB members,
// then, each in a fresh process:
//   - the API: openCaptureFileStream + decodeChunks (records as they complete);
//   - the CLI (bundled, bench/cli-bundle.ts; stdout counted, not kept):
//     -B mfm=data, -A mfm=fields and -A mfm (every row: about 2.4 GB of text;
//     --skip-full leaves it out);
// and reports each one's peak RSS, time and output.
import { spawnSync } from "node:child_process";
import { statSync } from "node:fs";
import { JSON_OUT } from "./common.js";
import { bundleCli, runCli, type CliRun } from "./cli-bundle.js";
import { longCapture } from "./longcapture.js";
import { openCaptureFileStream } from "../src/readers/stream.js";
import { decodeChunks } from "../src/stream.js";

const OPTIONS = "data_rate=7500000:format=RLL_WD:header_format=3:data_crc_size=56:data_crc_poly=0x140a0445000101";
const TARGET_MIB = 256;

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
  const { path } = await longCapture("1gib", "hdd_rll_WD1003V-SR1.sr", { target: 1 << 30 });
  console.log(`${path}: ${(statSync(path).size / 2 ** 20).toFixed(1)} MiB compressed, 1 GiB of samples; peak RSS target < ${TARGET_MIB} MiB`);
  const r = spawnSync(process.execPath, ["--import", "tsx", new URL(import.meta.url).pathname, "--child", path], { encoding: "utf8" });
  if (r.status !== 0) {
    console.error(r.stderr);
    process.exit(1);
  }
  const api = JSON.parse(r.stdout.trim().split("\n").pop()!);
  console.log(`API  decodeChunks          ${(api.ms / 1000).toFixed(2).padStart(6)} s, peak RSS ${String(api.maxRssMiB).padStart(4)} MiB (with the tsx loader): ${api.records} records, ${api.goodDataRecords} good data records`);
  const runner = await bundleCli();
  const cli: Record<string, CliRun> = {};
  const modes = [["-B", "mfm=data"], ["-A", "mfm=fields"], ...(process.argv.includes("--skip-full") ? [] : [["-A", "mfm"]])];
  for (const mode of modes) {
    const x = runCli(runner, ["decode", path, "-P", `mfm:${OPTIONS}`, ...mode, "--backend", "wasm"]);
    cli[mode.join(" ")] = x;
    const ok = x.maxRssMiB < TARGET_MIB ? "ok" : "OVER TARGET";
    console.log(`CLI  ${mode.join(" ").padEnd(20)} ${(x.ms / 1000).toFixed(2).padStart(6)} s, peak RSS ${x.maxRssMiB.toFixed(0).padStart(4)} MiB (${ok}), ${(x.bytes / 2 ** 20).toFixed(1)} MiB to stdout`);
  }
  if (JSON_OUT) console.log(JSON.stringify({ api, cli }));
}
