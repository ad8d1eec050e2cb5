// Which header layout (spec §5.3) reads the good ID records of a track best.
//
// All layouts of one byte count give the same binary outputs; they differ in
// the cylinder/head/sector they print and the sector length `auto` adopts. A
// track is one cylinder and one head with distinct sector numbers, so the
// layout under which the sectors differ and the cylinder and head stay put is
// the right one (OMTI 8240's 03 33 05 nn reads as cyl 819 head 5 sector nn;
// as layout 4 it would be head 51 with every sector number 5).
import { decodeHeader } from "../header.js";
import type { HeaderFormat } from "../presets.js";

/** The layout a vendor preset goes with (the pairs of spec §7 and the original's README). */
export const PRESET_HEADER: Record<string, HeaderFormat> = {
  FM: "4", MFM: "4", RQDX3_badbloks: "4", RLL_Seagate: "Seagate", RLL_Adaptec: "Adaptec",
  RLL_Adaptec4070: "Adaptec4070", RLL_WD: "3", RLL_OMTI: "OMTI", RLL_DTC7287_unknown: "RLL_DTC7287_unknown",
};

const LAYOUTS_BY_BYTES: Record<number, readonly HeaderFormat[]> = {
  3: ["3", "RLL_DTC7287_unknown"],
  4: ["4", "Seagate", "OMTI", "Adaptec", "Adaptec4070"],
};

/** WD-style ID marks that carry cylinder bits (format 3 needs one). */
const WD_MARKS = new Set([0xfe, 0xff, 0xfc, 0xfd, 0xf6, 0xf7, 0xf4, 0xf5]);

export interface HeaderReading {
  /** The ID record bytes after the mark. */
  rec: Uint8Array;
  /** The byte just before the record in the CRC input (the ID mark when there is one). */
  mark: number;
}

export interface LayoutScore {
  format: HeaderFormat;
  score: number;
  /** The sector length the layout decodes, most common value. */
  len: number;
}

/** Sector length that `sector_size=auto` adopts under a layout (spec §5.3). */
export function layoutLength(format: HeaderFormat, r: Uint8Array): number {
  if (format === "4") return 128 << (r[3] & 7);
  if (format === "3") return 128 << ((r[1] >> 4) & 7);
  if (format === "RLL_DTC7287_unknown") return ((r[1] ^ 0xff) & 1) !== 0 ? 64 : 512;
  return 512;
}

/** Layouts of this byte count ranked best first for these good headers. */
export function rankLayouts(bytes: number, headers: readonly HeaderReading[], preset: string): LayoutScore[] {
  const out: LayoutScore[] = [];
  for (const format of LAYOUTS_BY_BYTES[bytes] ?? []) {
    if (format === "RLL_DTC7287_unknown" && preset !== "RLL_DTC7287_unknown") continue;
    if (format === "3" && !headers.every((h) => WD_MARKS.has(h.mark))) continue;
    const decoded = headers.map((h) => decodeHeader(format, h.rec, layoutLength(format, h.rec), h.mark));
    // tracks (cylinder, head) and the distinct sectors on them: a layout that reads the sector
    // number where the controller put it gives many sectors per track
    const tracks = new Set(decoded.map((d) => `${d.cyl}/${d.head}`)).size;
    const sectors = new Set(decoded.map((d) => `${d.cyl}/${d.head}/${d.sec}`)).size;
    const maxHead = Math.max(0, ...decoded.map((d) => d.head));
    const lens = new Map<number, number>();
    for (const d of decoded) lens.set(d.len, (lens.get(d.len) ?? 0) + 1);
    const len = [...lens.entries()].sort((a, b) => b[1] - a[1])[0]?.[0] ?? 512;
    const score = (4 * sectors) / Math.max(1, tracks) + (maxHead < 16 ? 1 : 0) + (lens.size === 1 ? 1 : 0) +
      (PRESET_HEADER[preset] === format ? 1.5 : 0);
    out.push({ format, score, len });
  }
  return out.sort((a, b) => b.score - a.score);
}
