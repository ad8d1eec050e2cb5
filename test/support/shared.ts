// Where the shared reference material lives, and the capture list from the oracle.
import { existsSync, readFileSync } from "node:fs";
import { resolve } from "node:path";

export const SAMPLES_DIR = resolve(process.env.DISKFLUX_SAMPLES ?? "../shared/samples");
export const ORACLE_DIR = resolve(process.env.DISKFLUX_ORACLE ?? "../shared/oracle");
export const haveShared = existsSync(SAMPLES_DIR) && existsSync(`${ORACLE_DIR}/summary.tsv`);

export interface OracleCapture {
  /** File name in the samples folder. */
  file: string;
  /** Folder name in the oracle. */
  stem: string;
  options: string;
  sampleRate: number;
}

/** One row per capture of summary.tsv. */
export function oracleCaptures(): OracleCapture[] {
  if (!haveShared) return [];
  const [head, ...rows] = readFileSync(`${ORACLE_DIR}/summary.tsv`, "utf8").trim().split("\n").map((l) => l.split("\t"));
  const col = (name: string) => head.indexOf(name);
  return rows.map((r) => {
    const file = r[col("sample")].replace(" (converted)", "");
    const stem = file.endsWith(".dsl") ? file.replace(/\.dsl$/, "_dsl") : file.replace(/\.sr$/, "");
    return { file, stem, options: r[col("options")], sampleRate: Number(r[col("sample_rate")]) };
  });
}

export function warnMissing(what: string): void {
  console.warn(`SKIPPED ${what}: shared folders not found (samples: ${SAMPLES_DIR}, oracle: ${ORACLE_DIR}); set DISKFLUX_SAMPLES / DISKFLUX_ORACLE`);
}

/** First differing line with neighbours, for readable failures. */
export function firstDifference(expected: string, actual: string): string {
  const a = expected.split("\n"), b = actual.split("\n");
  const n = Math.max(a.length, b.length);
  for (let i = 0; i < n; i++) {
    if (a[i] !== b[i]) {
      const from = Math.max(0, i - 2);
      return `line ${i + 1} differs\n expected: ${a.slice(from, i + 3).join("\n           ")}\n actual:   ${b.slice(from, i + 3).join("\n           ")}`;
    }
  }
  return "identical";
}
