// The sector map of an assembled image, as text (one line per track, one
// character per sector) and as JSON.
//
//   # diskflux sector map
//   # geometry: 1 cylinder x 1 head x 17 sectors x 512 bytes, first sector 0, first cylinder 0; image 8704 bytes
//   # inferred: cylinders, heads, firstSector, sectorsPerTrack, sectorSize
//   # legend: . good  B bad CRC  - missing  C conflict; one column per sector, lowest number first
//   cyl 0 head 0  .........B.-.....  15 good, 1 bad-crc, 1 missing
//   totals: 15 good, 1 bad-crc, 1 missing, 0 conflict (17 sectors)
//   problems:
//     cyl 0 head 0 sec 9: bad-crc (1 read: 1 bad CRC)
//     cyl 0 head 0 sec 11: missing (no ID record found)

import type { DiskImage, SectorEntry, SectorStatus } from "./assemble.js";

export const MAP_SYMBOLS: Readonly<Record<SectorStatus, string>> = { good: ".", "bad-crc": "B", missing: "-", conflict: "C" };

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

function trackSummary(sectors: readonly SectorEntry[]): string {
  const c: Record<SectorStatus, number> = { good: 0, "bad-crc": 0, missing: 0, conflict: 0 };
  for (const s of sectors) c[s.status]++;
  const parts = (Object.keys(c) as SectorStatus[]).filter((k) => c[k] > 0 || k === "good").map((k) => `${c[k]} ${k}`);
  return parts.join(", ");
}

function problem(s: SectorEntry): string {
  switch (s.status) {
    case "bad-crc":
      return `bad-crc (${plural(s.reads, "read")}: ${s.bad} bad CRC${s.noData ? `, ${s.noData} without data` : ""})`;
    case "missing":
      return s.reads === 0 ? "missing (no ID record found)" : `missing (${plural(s.reads, "ID record")}, no data record)`;
    case "conflict":
      return `conflict (${s.good} good copies, ${s.variants} different payloads; the most frequent is in the image)`;
    default:
      return "good";
  }
}

/** The sector map as text. */
export function sectorMapText(img: DiskImage): string {
  const g = img.geometry;
  const out: string[] = [];
  out.push("# diskflux sector map");
  out.push(
    `# geometry: ${plural(g.cylinders, "cylinder")} x ${plural(g.heads, "head")} x ${plural(g.sectorsPerTrack, "sector")} x ${g.sectorSize} bytes, ` +
      `first sector ${g.firstSector}, first cylinder ${g.firstCylinder}; image ${img.image.length} bytes`,
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
  out.push("# legend: . good  B bad CRC  - missing  C conflict; one column per sector, lowest number first");
  const cw = String(Math.max(...img.tracks.map((t) => t.cyl))).length;
  const hw = String(Math.max(...img.tracks.map((t) => t.head))).length;
  for (const t of img.tracks) {
    const symbols = t.sectors.map((s) => MAP_SYMBOLS[s.status]).join("");
    out.push(`cyl ${String(t.cyl).padStart(cw)} head ${String(t.head).padStart(hw)}  ${symbols}  ${trackSummary(t.sectors)}`);
  }
  const n = img.counts;
  const total = n.good + n["bad-crc"] + n.missing + n.conflict;
  out.push(`totals: ${n.good} good, ${n["bad-crc"]} bad-crc, ${n.missing} missing, ${n.conflict} conflict (${plural(total, "sector")})`);
  const problems = img.tracks.flatMap((t) => t.sectors.filter((s) => s.status !== "good").map((s) => `  cyl ${t.cyl} head ${t.head} sec ${s.sec}: ${problem(s)}`));
  if (problems.length) out.push("problems:", ...problems);
  if (img.outside.length) {
    out.push("outside the geometry (not in the image):");
    for (const o of img.outside) out.push(`  cyl ${o.cyl} head ${o.head} sec ${o.sec}: ${o.status} (${plural(o.reads, "read")})`);
  }
  if (img.badHeaders) out.push(`ID records with a bad CRC (not placed): ${img.badHeaders}`);
  return out.join("\n") + "\n";
}

/** The sector map as a JSON-ready object. */
export function sectorMapJson(img: DiskImage): {
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
    imageBytes: img.image.length,
    counts: img.counts,
    badHeaders: img.badHeaders,
    orphanData: img.orphanData,
    tracks: img.tracks.map((t) => ({
      cyl: t.cyl,
      head: t.head,
      offset: t.offset,
      map: t.sectors.map((s) => MAP_SYMBOLS[s.status]).join(""),
      sectors: t.sectors.map((s) => ({ ...s, sources: [...s.sources] })),
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
