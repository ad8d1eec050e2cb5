// Encoding presets chosen by the `format` option — formats as data. Spec §2.2, §2.3.
//
// A preset gives the allowed pulse widths (cells), the RLL code table, the
// preamble pulse width S, the sync marks as pulse sequences with their byte
// alignment (§4.4), and the byte lists that the framer treats as marks (§5.1).
// Presets never set the header format or CRC parameters: those are options.

export type Limits = "FM" | "MFM" | "RLL" | "GCR";
export type Codemap = "FM/MFM" | "IBM" | "WD";

export interface MarkLists {
  IDData_mark: MarkSet;
  ID_mark: MarkSet;
  Data_mark: MarkSet;
  ID_prefix_mark: MarkSet;
  nop_mark: MarkSet;
  nop_A1_mark: MarkSet;
}

/** A list of byte values, or "*" for the set that matches every byte. */
export type MarkSet = readonly number[] | "*";

export interface Preset {
  limits: Limits;
  codemap: Codemap;
  syncPulse: number;
  syncMarks: readonly (readonly number[])[];
  /** As written: one common value or one per mark. */
  shiftIndex: readonly number[];
  marks: MarkLists;
}

/** Allowed cell counts per pulse (§2.2). */
export const LIMITS: Record<Limits, readonly number[]> = {
  FM: [1, 2],
  MFM: [2, 3, 4],
  RLL: [3, 4, 5, 6, 7, 8],
  GCR: [1, 2, 3],
};

const none: MarkSet = [];
function lists(m: Partial<MarkLists>): MarkLists {
  return { IDData_mark: none, ID_mark: none, Data_mark: none, ID_prefix_mark: none, nop_mark: none, nop_A1_mark: none, ...m };
}

const MFM_MARKS = [[3, 4, 3, 4, 3], [3, 2, 3, 4, 3, 4]];
const ADAPTEC_MARKS = [[4, 3, 8, 3], [5, 6, 8, 3], [8, 3]];
const dtcMark = (fours: number) => [5, 4, 4, 4, 4, 3, 8, ...new Array<number>(fours).fill(4), 6, 6, 7];

/**
 * The values of the `format` option: the encoding presets (PRESETS), and
 * "custom", which the custom_encoder_* options describe.
 *
 * @example
 * import { FORMATS } from "diskflux";
 * console.log(FORMATS.join(" ")); // FM MFM RLL_Seagate RLL_Adaptec RLL_Adaptec4070 RLL_WD … custom
 * const arg = "rll_wd"; // e.g. from a command line
 * const format = FORMATS.find((f) => f.toLowerCase() === arg.toLowerCase()); // "RLL_WD"
 */
export const FORMATS = [
  "FM", "MFM", "RLL_Seagate", "RLL_Adaptec", "RLL_Adaptec4070", "RLL_WD", "RLL_OMTI",
  "RLL_DTC7287_unknown", "RQDX3_badbloks", "custom",
] as const;
export type FormatName = (typeof FORMATS)[number];

/**
 * The encoding preset of each named format: the allowed pulse widths
 * (`limits`), the RLL code table, the preamble pulse, the sync marks and the
 * bytes the framer takes as marks.
 *
 * @example
 * import { PRESETS } from "diskflux";
 * const wd = PRESETS.RLL_WD;
 * console.log(wd.limits, wd.codemap, wd.syncPulse, wd.syncMarks.length); // RLL WD 3 3
 * console.log(PRESETS.MFM.marks.IDData_mark); // [ 161 ]: 0xA1 starts both ID and data records
 */
export const PRESETS: Record<Exclude<FormatName, "custom">, Preset> = {
  FM: {
    limits: "FM", codemap: "FM/MFM", syncPulse: 2,
    syncMarks: [[1, 1, 1, 2, 2, 2, 1, 1, 1, 1, 1, 2], [1, 1, 1, 2, 2, 2, 1, 2, 1, 1, 1], [1, 1, 1, 2, 1, 1, 2, 1, 1, 1, 2, 2]],
    shiftIndex: [17],
    marks: lists({ ID_mark: [0xfe], Data_mark: [0xfb] }),
  },
  MFM: {
    limits: "MFM", codemap: "FM/MFM", syncPulse: 2, syncMarks: MFM_MARKS, shiftIndex: [16, 18],
    marks: lists({ IDData_mark: [0xa1] }),
  },
  RLL_Seagate: {
    limits: "RLL", codemap: "IBM", syncPulse: 3, syncMarks: [[4, 3, 8, 3], [5, 6, 8, 3]], shiftIndex: [18],
    marks: lists({ IDData_mark: [0xa1], ID_prefix_mark: [0x1e], nop_mark: [0xde] }),
  },
  RLL_Adaptec: {
    limits: "RLL", codemap: "IBM", syncPulse: 3, syncMarks: ADAPTEC_MARKS, shiftIndex: [18],
    marks: lists({ IDData_mark: [0xa0], ID_mark: [0xa1], nop_mark: [0x1e, 0x5e, 0xde] }),
  },
  RLL_Adaptec4070: {
    limits: "RLL", codemap: "IBM", syncPulse: 3, syncMarks: ADAPTEC_MARKS, shiftIndex: [18],
    marks: lists({ ID_mark: [0xa1], Data_mark: [0xa0], nop_mark: [0x1e, 0x5e, 0xde] }),
  },
  RLL_WD: {
    limits: "RLL", codemap: "WD", syncPulse: 3, syncMarks: [[8, 3], [5, 8, 3], [7, 8, 3]], shiftIndex: [12],
    marks: lists({ IDData_mark: [0xf0] }),
  },
  RLL_OMTI: {
    limits: "RLL", codemap: "IBM", syncPulse: 4, syncMarks: [[6, 8, 3, 3], [5, 3, 8, 3, 3]], shiftIndex: [17],
    marks: lists({ IDData_mark: [0x62] }),
  },
  RLL_DTC7287_unknown: {
    limits: "RLL", codemap: "WD", syncPulse: 4, syncMarks: [dtcMark(19), dtcMark(18), dtcMark(17)], shiftIndex: [18],
    marks: lists({ ID_mark: [0x90, 0x91, 0x92, 0x93, 0x95, 0x96, 0x97], Data_mark: [0x02, 0x03], nop_mark: [0x36, 0x83] }),
  },
  RQDX3_badbloks: {
    limits: "MFM", codemap: "FM/MFM", syncPulse: 2, syncMarks: MFM_MARKS, shiftIndex: [16, 18],
    marks: lists({ ID_mark: [0xfa], Data_mark: [0xf8], nop_A1_mark: [0xa1] }),
  },
};

/**
 * The values of the `header_format` option: the ID record layouts.
 *
 * @example
 * import { HEADER_FORMATS, resolveOptions } from "diskflux";
 * for (const h of HEADER_FORMATS) console.log(h, resolveOptions({ header_format: h }).headerBytes); // 3 3, 4 4, Seagate 4, …
 */
export const HEADER_FORMATS = ["3", "4", "Seagate", "OMTI", "Adaptec", "Adaptec4070", "RLL_DTC7287_unknown"] as const;
export type HeaderFormat = (typeof HEADER_FORMATS)[number];
/** ID record length in bytes per header format (§2.1). */
export const HEADER_BYTES: Record<HeaderFormat, number> = {
  "3": 3, "4": 4, Seagate: 4, OMTI: 4, Adaptec: 4, Adaptec4070: 4, RLL_DTC7287_unknown: 3,
};

/**
 * Effective alignment bases B_i (§4.4): with one common shift_index X every
 * mark gets X − last pulse of mark #0; with one per mark, X_i − last of mark i.
 * Returns undefined when the counts do not fit.
 */
export function markBases(syncMarks: readonly (readonly number[])[], shiftIndex: readonly number[]): number[] | undefined {
  if (syncMarks.length === 0) return [];
  if (shiftIndex.length === 1) {
    const first = syncMarks[0];
    const b = shiftIndex[0] - first[first.length - 1];
    return syncMarks.map(() => b);
  }
  if (shiftIndex.length === syncMarks.length) {
    return syncMarks.map((m, i) => shiftIndex[i] - m[m.length - 1]);
  }
  return undefined;
}
