// Shared pieces of the benchmarks: where the reference material is, the oracle's
// capture list, the machine line from mitata's context, and small formatters.
import { existsSync, readFileSync } from "node:fs";
import { resolve } from "node:path";

export const SAMPLES_DIR = resolve(process.env.DISKFLUX_SAMPLES ?? "../shared/samples");
export const ORACLE_DIR = resolve(process.env.DISKFLUX_ORACLE ?? "../shared/oracle");
export const JSON_OUT = process.argv.includes("--json");

export interface BenchCapture {
  /** File name in the samples folder. */
  file: string;
  /** Folder name in the oracle. */
  stem: string;
  options: string;
}

/** The oracle's captures (summary.tsv), DTC7287 tracks excluded (their records all fail CRC by design). */
export function benchCaptures(): BenchCapture[] {
  const tsv = `${ORACLE_DIR}/summary.tsv`;
  if (!existsSync(tsv) || !existsSync(SAMPLES_DIR)) {
    console.error(`shared samples/oracle not found (${SAMPLES_DIR}, ${ORACLE_DIR}); set DISKFLUX_SAMPLES / DISKFLUX_ORACLE`);
    process.exit(1);
  }
  const [head, ...rows] = readFileSync(tsv, "utf8").trim().split("\n").map((l) => l.split("\t"));
  const col = (name: string) => head.indexOf(name);
  return rows
    .map((r) => {
      const file = r[col("sample")].replace(" (converted)", "");
      const stem = file.endsWith(".dsl") ? file.replace(/\.dsl$/, "_dsl") : file.replace(/\.sr$/, "");
      return { file, stem, options: r[col("options")] };
    })
    .filter((c) => !c.stem.includes("DTC7287"));
}

interface MitataContext {
  arch: string | null;
  runtime: string | null;
  version?: string | null;
  cpu: { name: string | null; freq: number };
}

/** "AMD EPYC, clk ~2.85 GHz (mitata's estimate), node 20.20.2 (x64-linux)" */
export function machineLine(ctx: MitataContext): string {
  return `${ctx.cpu.name ?? "unknown cpu"}, clk ~${ctx.cpu.freq.toFixed(2)} GHz (mitata's estimate), ` +
    `${ctx.runtime ?? "?"} ${ctx.version ?? process.versions.node} (${ctx.arch ?? process.arch})`;
}

export function fail(message: string): never {
  console.error(`${message}; refusing to time`);
  process.exit(1);
}

export function equalBytes(a: ArrayBufferView, b: ArrayBufferView): boolean {
  const x = new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  const y = new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
  if (x.length !== y.length) return false;
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
  return true;
}

/**
 * Median time of a mitata bench, in ns (mitata's unit). The median, not the
 * mean: on these 2 shared cores other processes preempt some iterations, and
 * the mean follows them.
 */
export function medianNs(out: { benchmarks: { alias: string; runs: { stats?: { p50: number } }[] }[] }, alias: string): number {
  const b = out.benchmarks.find((x) => x.alias === alias);
  const p50 = b?.runs[0]?.stats?.p50;
  if (p50 === undefined) throw new Error(`no result for ${alias}`);
  return p50;
}

export function pad(s: string | number, n: number): string {
  return String(s).padStart(n);
}

export function kib(bytes: number): string {
  return bytes >= 1 << 20 ? `${bytes / (1 << 20)} MiB` : `${bytes / 1024} KiB`;
}
