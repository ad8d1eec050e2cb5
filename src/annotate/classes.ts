// Annotation classes and rows of the original decoder (spec §6.1), and the
// `-A mfm[=<rows or classes>]` filter of sigrok-cli.
import { quoteArg } from "../escape.js";
import { DiskfluxError } from "../errors.js";

/** Class names in index order (the index is the API). */
export const CLASSES = [
  "clk", "dat", "byt", "bit", "syn", "mrk", "rec", "crc", "cre", "rpt", "pfx", "pul", "erp", "erw", "unk", "erb", "err",
] as const;
export type AnnotationClass = (typeof CLASSES)[number];

export const CLS_CLK = 0;
export const CLS_DAT = 1;
export const CLS_BYT = 2;
export const CLS_BIT = 3;
export const CLS_SYN = 4;
export const CLS_MRK = 5;
export const CLS_REC = 6;
export const CLS_CRC = 7;
export const CLS_CRE = 8;
export const CLS_RPT = 9;
export const CLS_PFX = 10;
export const CLS_PUL = 11;
export const CLS_ERP = 12;
export const CLS_ERW = 13;
export const CLS_UNK = 14;
export const CLS_ERB = 15;
export const CLS_ERR = 16;

/** Rows in order, with their classes. */
export const ROWS = {
  pulses: [CLS_PUL, CLS_ERP],
  windows: [CLS_CLK, CLS_DAT, CLS_ERW, CLS_UNK],
  prefixes: [CLS_PFX],
  bits: [CLS_ERB, CLS_BIT],
  bytes: [CLS_BYT],
  fields: [CLS_SYN, CLS_MRK, CLS_REC, CLS_CRC, CLS_CRE],
  errors: [CLS_ERR],
  reports: [CLS_RPT],
} as const satisfies Record<string, readonly number[]>;
export type AnnotationRow = keyof typeof ROWS;

/** Row name of each class index. */
export const ROW_OF_CLASS: readonly AnnotationRow[] = (() => {
  const out: AnnotationRow[] = new Array(CLASSES.length);
  for (const [row, classes] of Object.entries(ROWS) as [AnnotationRow, readonly number[]][]) {
    for (const c of classes) out[c] = row;
  }
  return out;
})();

/** Which classes to emit: one flag per class index. */
export type ClassFilter = Uint8Array;

export function allClasses(): ClassFilter {
  return new Uint8Array(CLASSES.length).fill(1);
}

/**
 * Parses sigrok-cli's `-A` value: `mfm` (everything) or `mfm=<name>[:<name>...]`
 * where each name is a row (pulses, windows, prefixes, bits, bytes, fields,
 * errors, reports) or a class (clk, dat, ..., err). Throws E_USAGE on anything else.
 */
export function parseAnnotationFilter(spec: string): ClassFilter {
  const s = spec.trim();
  if (s === "mfm") return allClasses();
  const m = /^mfm=(.*)$/.exec(s);
  if (!m) {
    const pd = s.split("=")[0];
    throw new DiskfluxError("E_USAGE", `protocol decoder ${quoteArg(String(pd))} not found in -A; diskflux provides 'mfm' (-A mfm or -A mfm=<rows or classes>)`);
  }
  const on = new Uint8Array(CLASSES.length);
  for (const name of m[1].split(":")) {
    if (name in ROWS) {
      for (const c of ROWS[name as AnnotationRow]) on[c] = 1;
      continue;
    }
    const c = (CLASSES as readonly string[]).indexOf(name);
    if (c < 0) {
      throw new DiskfluxError("E_USAGE",
        `annotation row or class ${quoteArg(String(name))} not found in decoder mfm; rows: ${Object.keys(ROWS).join(", ")}; classes: ${CLASSES.join(", ")}`);
    }
    on[c] = 1;
  }
  return on;
}

/** A filter from a list of row/class names (API form); undefined or empty = everything. */
export function classFilter(names?: readonly string[] | ClassFilter): ClassFilter {
  if (names instanceof Uint8Array) return names;
  if (!names || names.length === 0) return allClasses();
  return parseAnnotationFilter(`mfm=${names.join(":")}`);
}

/**
 * What a selection of classes needs from the decode (spec §6):
 * - `bytes`: the EV_BYTE log (decode with logBytes) — windows and bits are read
 *   from the byte's ring offset, `byt` is the byte, and reports with
 *   report=Index restart at the end of whatever byte came last. What `errors`
 *   and the other reports need of bytes every decode logs anyway: EV_CLOCKERR
 *   (mask, ring offset), and EV_MARK / EV_CRC (their byte's start and end);
 * - `edges`: the per-edge walk — pulses and pulse errors (cell counts),
 *   reports (interval counts, OoTI, index levels), windows and bits (the ring);
 * - `ring`: the window ring replayed from the edges (windows, bits, Clock Error).
 * The `fields` row needs none of them: its events are in every event log.
 * `report` is the decoder's report option (default "Index", the one that needs the most).
 */
export function annotationNeeds(on: ClassFilter, report = "Index"): { bytes: boolean; edges: boolean; ring: boolean } {
  const any = (...cls: number[]) => cls.some((c) => on[c] !== 0);
  const ring = any(CLS_CLK, CLS_DAT, CLS_BIT, CLS_ERB, CLS_ERR);
  return {
    bytes: any(CLS_CLK, CLS_DAT, CLS_BIT, CLS_ERB, CLS_BYT) || (on[CLS_RPT] !== 0 && report === "Index"),
    edges: ring || any(CLS_PUL, CLS_ERP, CLS_RPT),
    ring,
  };
}
