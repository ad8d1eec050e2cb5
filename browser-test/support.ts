// Shared captures and oracle files for the browser tests, fetched from the vite
// server through /@fs/ (vitest.config.ts allows the folders and provides their paths).
import { inject } from "vitest";

export const samplesDir = inject("samplesDir");
export const oracleDir = inject("oracleDir");
export const haveShared = inject("haveShared");

export interface OracleCapture {
  file: string;
  stem: string;
  options: string;
}

async function get(path: string): Promise<Response> {
  const res = await fetch(`/@fs${path}`);
  if (!res.ok) throw new Error(`GET /@fs${path}: ${res.status} ${res.statusText}`);
  return res;
}

export async function fetchBytes(path: string): Promise<Uint8Array> {
  return new Uint8Array(await (await get(path)).arrayBuffer());
}

export async function fetchText(path: string): Promise<string> {
  return (await get(path)).text();
}

export const sampleBytes = (file: string) => fetchBytes(`${samplesDir}/${file}`);
export const oracleBytes = (stem: string, name: string) => fetchBytes(`${oracleDir}/${stem}/${name}`);

/** summary.tsv rows (file, oracle folder, option string). */
export async function oracleCaptures(): Promise<OracleCapture[]> {
  const [head, ...rows] = (await fetchText(`${oracleDir}/summary.tsv`)).trim().split("\n").map((l) => l.split("\t"));
  const col = (n: string) => head.indexOf(n);
  return rows.map((r) => {
    const file = r[col("sample")].replace(" (converted)", "");
    const stem = file.endsWith(".dsl") ? file.replace(/\.dsl$/, "_dsl") : file.replace(/\.sr$/, "");
    return { file, stem, options: r[col("options")] };
  });
}

/** The captures the browser tests use: FM and MFM floppies, MFM and RLL hard disks, the .dsl. */
export const BROWSER_SET = [
  "fdd_fm.sr",
  "fdd_mfm.sr",
  "hdd_mfm_RQDX3.sr",
  "hdd_mfm_RQDX3.dsl",
  "hdd_mfm_OMTI8240.sr",
  "hdd_rll_WD1003V-SR1.sr",
  "hdd_rll_ACB2370A.sr",
];

export function warnMissing(what: string): void {
  console.warn(`SKIPPED ${what}: shared folders not found (samples: ${samplesDir}, oracle: ${oracleDir}); set DISKFLUX_SAMPLES / DISKFLUX_ORACLE`);
}

export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
