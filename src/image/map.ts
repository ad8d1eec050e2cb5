// The sector map of an assembled image, as text (one line per track, one
// character per sector) and as JSON.
//
//   # diskflux sector map
//   # geometry: 1 cylinder x 1 head x 17 sectors x 512 bytes, first sector 0, first cylinder 0; image 8704 bytes
//   # inferred: cylinders, heads, firstSector, sectorsPerTrack, sectorSize
//   # legend: . good  c corrected  r recovered  v voted  C conflict  B bad  - missing; one column per sector, lowest number first
//   cyl 0 head 0  ....v....B.-.....  14 good, 1 voted, 1 bad, 1 missing
//   totals: 14 good, 0 corrected, 0 recovered, 1 voted, 0 conflict, 1 bad, 1 missing (17 sectors)
//   problems:
//     cyl 0 head 0 sec 4: voted (3 bad copies; a bit-wise vote over 3 verifies, 2 contested bits)
//     cyl 0 head 0 sec 9: bad (1 read: 1 bad CRC)
//     cyl 0 head 0 sec 11: missing (no ID record found)
//
// Symbols, one per status (src/recover/status.ts; the "B" status was called
// "bad-crc" before the statuses were unified):
//
//   .  good        c  corrected (ECC)     r  recovered (another separator)
//   v  voted       C  conflict            B  bad          -  missing
//
// The JSON has every sector's status and its evidence (src/recover/merge.ts
// MergeEvidence: copies per status, the vote, the chosen copy's recovery).

import type { DiskImage, SectorEntry } from "./assemble.js";
import { SECTOR_STATUSES, type SectorStatus } from "../recover/status.js";
import { statusCounts, type MergeEvidence } from "../recover/merge.js";

/** An assembled image as its map needs it: a DiskImage, or an image written elsewhere (src/image/slots.ts SinkImage). */
export type MappedImage = Omit<DiskImage, "image">;

/** The image's size in bytes (its geometry's). */
const imageBytesOf = (img: MappedImage): number => img.geometry.cylinders * img.geometry.heads * img.geometry.sectorsPerTrack * img.geometry.sectorSize;

/** Anything with merge evidence: an image's SectorEntry, a MergedSector. */
type Evidenced = { readonly evidence?: MergeEvidence };

/**
 * One character per status in the text map (see the header).
 *
 * @example
 * import { MAP_SYMBOLS, SECTOR_STATUSES } from "diskflux";
 * console.log(SECTOR_STATUSES.map((s) => MAP_SYMBOLS[s]).join("")); // ".crvCB-"
 */
export const MAP_SYMBOLS: Readonly<Record<SectorStatus, string>> = { good: ".", corrected: "c", recovered: "r", voted: "v", conflict: "C", bad: "B", missing: "-" };

/**
 * The map's legend line (after "# legend: ").
 *
 * @example
 * import { MAP_LEGEND } from "diskflux";
 * console.log(MAP_LEGEND); // ". good  c corrected  r recovered  v voted  C conflict  B bad  - missing"
 */
export const MAP_LEGEND = SECTOR_STATUSES.map((k) => `${MAP_SYMBOLS[k]} ${k}`).join("  ");

/**
 * Every status with its count, best first: "19 good, 0 corrected, 0 recovered, 0 voted, 1 conflict, 1 bad, 3 missing".
 *
 * @example
 * import { assembleImage, countsText, decode, synthTrack } from "diskflux";
 * const t = synthTrack({ format: "MFM_floppy", badSectors: [2] });
 * const img = assembleImage([{ result: await decode(t.capture, t.options) }]);
 * console.log(countsText(img.counts)); // "17 good, 0 corrected, 0 recovered, 0 voted, 0 conflict, 1 bad, 0 missing"
 */
export function countsText(n: Readonly<Record<SectorStatus, number>>): string {
  return SECTOR_STATUSES.map((k) => `${n[k] ?? 0} ${k}`).join(", ");
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

function trackSummary(sectors: readonly SectorEntry[]): string {
  const c = statusCounts(sectors);
  return SECTOR_STATUSES.filter((k) => c[k] > 0 || k === "good").map((k) => `${c[k]} ${k}`).join(", ");
}

function voteText(s: Evidenced): string {
  const v = s.evidence?.vote;
  if (!v) return "";
  const ecc = v.ecc ? `, then ECC corrected a ${v.ecc.bits}-bit burst at bit ${v.ecc.startBit}` : "";
  return v.refused === undefined
    ? `a bit-wise vote over ${v.copies} verifies, ${plural(v.contested, "contested bit")}${v.erasures ? `, ${plural(v.erasures, "erasure")} tried` : ""}${ecc}`
    : `no vote: ${v.refused}`;
}

function recoveryText(s: Evidenced): string {
  const r = s.evidence?.recovery;
  if (!r) return "";
  return r.how === "ecc" ? `ECC: ${r.bits}-bit burst at bit ${r.startBit}` : r.how === "pll" ? `PLL kp=${r.kp} ki=${r.ki} tol=${r.syncTolerance}, ${r.agreeing} agree` : String((r as { how: unknown }).how);
}

function overruledText(s: Evidenced): string {
  const n = s.evidence?.overruled ?? 0;
  return n ? `${plural(n, "lower-ranked verifying copy", "lower-ranked verifying copies")} differed` : "";
}

/**
 * How a sector's copies were merged, as one line of text ("" when there is
 * nothing to say): the chosen copy's recovery, the vote, overruled copies.
 * Takes an image's SectorEntry or a MergedSector (src/recover/merge.ts).
 *
 * @example
 * import { assembleImage, decode, howText, synthTrack } from "diskflux";
 * const t = synthTrack({ format: "MFM_WD", badSectors: [4] });
 * const result = await decode(t.capture, t.options, { recover: true });
 * const img = assembleImage([{ result }]);
 * for (const s of img.tracks[0].sectors) if (howText(s)) console.log(s.sec, s.status, howText(s)); // 4 corrected ECC: 1-bit burst at bit 4143
 */
export function howText(s: Evidenced): string {
  return [recoveryText(s), voteText(s), overruledText(s)].filter((x) => x !== "").join("; ");
}

function problem(s: SectorEntry): string {
  const vote = voteText(s);
  const overruled = overruledText(s);
  switch (s.status) {
    case "bad":
      return `bad (${plural(s.reads, "read")}: ${s.bad} bad CRC${s.noData ? `, ${s.noData} without data` : ""}${vote ? `; ${vote}` : ""})`;
    case "voted":
      return `voted (${plural(s.bad, "bad copy", "bad copies")}; ${vote})`;
    case "corrected":
    case "recovered": {
      const how = recoveryText(s);
      return `${s.status} (${plural(s.reads, "read")}${how ? `; ${how}` : ""}${overruled ? `; ${overruled}` : ""})`;
    }
    case "missing":
      return s.reads === 0 ? "missing (no ID record found)" : `missing (${plural(s.reads, "ID record")}, no data record)`;
    case "conflict":
    {
      // the copies of the best verifying rank differ (src/recover/merge.ts)
      const e = s.evidence;
      const rank = !e || e.good > 0 ? "good" : e.corrected > 0 ? "corrected" : "recovered";
      const n = e ? e[rank] : s.good;
      return `conflict (${n} ${rank} copies, ${s.variants} different payloads; the most frequent is in the image${overruled ? `; ${overruled}` : ""})`;
    }
    default:
      return `good${overruled ? ` (${overruled})` : ""}`;
  }
}

/**
 * The sector map as text: one line per track with a symbol per sector
 * (MAP_SYMBOLS: `. c r v C B -`), its counts, and why each problem sector is so.
 *
 * @example
 * import { assembleImage, decode, readCaptureFile, sectorMapText } from "diskflux";
 * const options = "data_rate=5000000:format=MFM:header_format=3";
 * const result = await decode(await readCaptureFile("c0h0.sr"), options, { recover: true });
 * process.stdout.write(sectorMapText(assembleImage([{ result, source: "c0h0.sr" }])));
 */
export function sectorMapText(img: MappedImage): string {
  const g = img.geometry;
  const out: string[] = [];
  out.push("# diskflux sector map");
  out.push(
    `# geometry: ${plural(g.cylinders, "cylinder")} x ${plural(g.heads, "head")} x ${plural(g.sectorsPerTrack, "sector")} x ${g.sectorSize} bytes, ` +
      `first sector ${g.firstSector}, first cylinder ${g.firstCylinder}; image ${imageBytesOf(img)} bytes`,
  );
  if (img.inferred.length) out.push(`# inferred: ${img.inferred.join(", ")}`);
  const f = img.floppy;
  if (f) {
    const g = f.geometry;
    const how =
      f.how === "given" ? "given" :
      f.how === "exact" ? "matches the geometry read" :
      `completed from ${plural(f.cylindersRead ?? 0, "cylinder")} read: cylinders ${f.cylindersRead}-${g.cylinders - 1} are reported missing`;
    out.push(`# floppy: ${g.name}, ${g.title} (${g.cylinders} x ${g.heads} x ${g.sectorsPerTrack} x ${g.sectorSize}, ${g.encoding} ${g.dataRate / 1000} kbit/s); ${how}`);
    for (const w of f.warnings) out.push(`# warning: ${w}`);
  }
  out.push(`# legend: ${MAP_LEGEND}; one column per sector, lowest number first`);
  const cw = String(Math.max(...img.tracks.map((t) => t.cyl))).length;
  const hw = String(Math.max(...img.tracks.map((t) => t.head))).length;
  for (const t of img.tracks) {
    const symbols = t.sectors.map((s) => MAP_SYMBOLS[s.status]).join("");
    out.push(`cyl ${String(t.cyl).padStart(cw)} head ${String(t.head).padStart(hw)}  ${symbols}  ${trackSummary(t.sectors)}`);
  }
  const n = img.counts;
  const total = SECTOR_STATUSES.reduce((a, k) => a + (n[k] ?? 0), 0);
  out.push(`totals: ${countsText(n)} (${plural(total, "sector")})`);
  const problems = img.tracks.flatMap((t) => t.sectors.filter((s) => s.status !== "good" || s.evidence?.overruled).map((s) => `  cyl ${t.cyl} head ${t.head} sec ${s.sec}: ${problem(s)}`));
  if (problems.length) out.push("problems:", ...problems);
  if (img.outside.length) {
    out.push("outside the geometry (not in the image):");
    for (const o of img.outside) out.push(`  cyl ${o.cyl} head ${o.head} sec ${o.sec}: ${o.status} (${plural(o.reads, "read")})`);
  }
  if (img.badHeaders) out.push(`ID records with a bad CRC (not placed): ${img.badHeaders}`);
  return out.join("\n") + "\n";
}

/**
 * The sector map as a JSON-ready object: geometry, counts per status, and per
 * track each sector's status, reads and evidence.
 *
 * @example
 * import { assembleImage, decode, readCaptureFile, sectorMapJson } from "diskflux";
 * const result = await decode(await readCaptureFile("c0h0.sr"), "data_rate=5000000:format=MFM:header_format=3");
 * console.log(JSON.stringify(sectorMapJson(assembleImage([{ result }])).counts));
 */
export function sectorMapJson(img: MappedImage): {
  geometry: DiskImage["geometry"];
  inferred: readonly string[];
  imageBytes: number;
  counts: DiskImage["counts"];
  badHeaders: number;
  orphanData: number;
  tracks: { cyl: number; head: number; offset: number; map: string; sectors: SectorEntry[] }[];
  outside: DiskImage["outside"];
  floppy?: { name: string; title: string; how: string; cylindersRead?: number; warnings: string[] };
} {
  return {
    geometry: img.geometry,
    inferred: img.inferred,
    imageBytes: imageBytesOf(img),
    counts: img.counts,
    badHeaders: img.badHeaders,
    orphanData: img.orphanData,
    tracks: img.tracks.map((t) => ({
      cyl: t.cyl,
      head: t.head,
      offset: t.offset,
      map: t.sectors.map((s) => MAP_SYMBOLS[s.status]).join(""),
      sectors: t.sectors.map((s) => ({ ...s, sources: [...s.sources], ...(s.evidence ? { evidence: { ...s.evidence } } : {}) })),
    })),
    outside: img.outside,
    ...(img.floppy
      ? {
          floppy: {
            name: img.floppy.geometry.name,
            title: img.floppy.geometry.title,
            how: img.floppy.how,
            ...(img.floppy.cylindersRead !== undefined ? { cylindersRead: img.floppy.cylindersRead } : {}),
            warnings: [...img.floppy.warnings],
          },
        }
      : {}),
  };
}
