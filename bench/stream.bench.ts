// Streamed vs separate: the same samples decoded as one long streamed capture
// and as many short captures in one call (issue 12: streamed ≤ 1.2× separate).
//   npm run bench:stream [-- --copies 323] [--runs 3] [--jobs N] [--mode "-A mfm=fields"] [--json]
// Builds (once, cached in the OS temp dir) a sigrok .sr holding hdd_mfm_EV346's
// track `copies` times (323 copies ≈ 1 GiB of samples, so the CLI streams it),
// then runs `diskflux decode ... -B mfm=data` (or --mode) on it and on `copies` × the short
// capture, each in a fresh process of the bundled CLI (bench/cli-bundle.ts), the
// two alternating, `runs` times; the best wall time of each, the ratio, CPU
// times and peak RSS. --jobs 1 (default) keeps the separate captures on one
// thread like the stream; --jobs 0 leaves the CLI's default (its worker pool).
import { JSON_OUT } from "./common.js";
import { bundleCli, runCli, type CliRun } from "./cli-bundle.js";
import { longCapture, SAMPLES } from "./longcapture.js";

const OPTIONS = "data_rate=5000000:format=MFM:header_format=3:data_crc_poly=0x140a0445";
const SAMPLE = "hdd_mfm_EV346.sr";

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

const copies = arg("copies", 323), runs = arg("runs", 3), jobs = arg("jobs", 1);
const modeAt = process.argv.indexOf("--mode");
const mode = modeAt >= 0 ? process.argv[modeAt + 1].split(/\s+/) : ["-B", "mfm=data"];
const long = await longCapture(`ev346x${copies}`, SAMPLE, { copies });
const runner = await bundleCli();
const common = ["-P", `mfm:${OPTIONS}`, ...mode, "--backend", "wasm"];
const jobArgs = jobs > 0 ? ["--jobs", String(jobs)] : [];
const streamed: CliRun[] = [], separate: CliRun[] = [];
for (let r = 0; r < runs; r++) {
  streamed.push(runCli(runner, ["decode", long.path, ...common]));
  separate.push(runCli(runner, ["decode", ...Array<string>(copies).fill(`${SAMPLES}/${SAMPLE}`), ...common, ...jobArgs]));
}
if (streamed[0].bytes !== separate[0].bytes) throw new Error(`the outputs differ: ${streamed[0].bytes} vs ${separate[0].bytes} bytes`);
const best = (list: CliRun[]) => list.reduce((a, b) => (b.ms < a.ms ? b : a));
const s = best(streamed), p = best(separate);
const mib = (long.sampleBytes / 2 ** 20).toFixed(0);
const line = (what: string, r: CliRun, all: CliRun[]) =>
  `${what.padEnd(34)} best ${(r.ms / 1000).toFixed(2)} s (runs: ${all.map((x) => (x.ms / 1000).toFixed(2)).join(", ")}), CPU ${(r.cpuMs / 1000).toFixed(2)} s, peak RSS ${r.maxRssMiB.toFixed(0)} MiB`;
console.log(`${copies} × ${SAMPLE} (${mib} MiB of samples), ${mode.join(" ")}, Wasm, best of ${runs}`);
console.log(line("one streamed capture", s, streamed));
console.log(line(`${copies} separate captures${jobs > 0 ? ` (--jobs ${jobs})` : ""}`, p, separate));
console.log(`streamed / separate: ${(s.ms / p.ms).toFixed(2)}× (target ≤ 1.2×)`);
if (JSON_OUT) console.log(JSON.stringify({ copies, sampleBytes: long.sampleBytes, jobs, streamed, separate, ratio: s.ms / p.ms }));
