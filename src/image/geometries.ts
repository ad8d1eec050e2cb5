// Standard floppy geometries as data: what `diskflux image --geometry NAME`
// picks, what image assembly matches an inferred geometry against (to name it,
// to complete a disk whose last cylinders were not read, and to report the
// sectors missing from it), and what the IMD/HFE writers take a track's mode
// from when nothing else says.
//
//   name       disk                            cyl hd sec  size  encoding rate (data)  rpm
//   pc160      IBM PC 160K 5.25" SS DD          40  1   8   512  MFM  250 kbit/s       300
//   pc180      IBM PC 180K 5.25" SS DD          40  1   9   512  MFM  250 kbit/s       300
//   pc320      IBM PC 320K 5.25" DS DD          40  2   8   512  MFM  250 kbit/s       300
//   pc360      IBM PC 360K 5.25" DS DD          40  2   9   512  MFM  250 kbit/s       300
//   pc720      IBM PC 720K 3.5" DS DD           80  2   9   512  MFM  250 kbit/s       300
//   pc1200     IBM PC 1.2M 5.25" DS HD          80  2  15   512  MFM  500 kbit/s       360
//   pc1440     IBM PC 1.44M 3.5" DS HD          80  2  18   512  MFM  500 kbit/s       300
//   pc2880     IBM PC 2.88M 3.5" DS ED          80  2  36   512  MFM    1 Mbit/s       300
//   ibm8sssd   8" SS SD, IBM 3740 (250K)        77  1  26   128  FM   250 kbit/s       360
//
// Sector numbers start at 1 on every one of them (the IBM formats number ID
// fields from 1), and the physical order is 1, 2, 3, … (1:1; IBM 3740 disks
// were formatted 1:1 too, CP/M's skew being applied by software). The sector
// order actually seen on each track is kept by image assembly (TrackMap.order)
// and written to IMD's sector numbering map.
//
// "Data rate" is the decoder's `data_rate` (bits of data per second); ImageDisk
// and PC controllers speak of the transfer rate, which is twice it for FM.
// The decoder has no 1 Mbit/s rate, so 2.88M disks are listed for their shape
// (an image of that size) but cannot be decoded or written as IMD.

import { DiskfluxError } from "../errors.js";
import { quoteArg } from "../escape.js";

export interface FloppyGeometry {
  /** Short name, as `--geometry` takes it. */
  readonly name: string;
  /** Other names `--geometry` accepts (lower case). */
  readonly aliases: readonly string[];
  readonly title: string;
  readonly cylinders: number;
  readonly heads: number;
  readonly sectorsPerTrack: number;
  readonly sectorSize: number;
  /** Number of the first sector of a track. */
  readonly firstSector: number;
  readonly encoding: "FM" | "MFM";
  /** The decoder's data_rate (bit/s). */
  readonly dataRate: number;
  readonly rpm: number;
}

const pc = (name: string, aliases: string[], title: string, cylinders: number, heads: number, sectorsPerTrack: number, dataRate: number, rpm: number): FloppyGeometry => ({
  name, aliases, title, cylinders, heads, sectorsPerTrack, sectorSize: 512, firstSector: 1, encoding: "MFM", dataRate, rpm,
});

/**
 * The geometries, smallest first.
 *
 * @example
 * import { FLOPPY_GEOMETRIES } from "diskflux";
 * for (const g of FLOPPY_GEOMETRIES) console.log(g.name, g.cylinders, g.heads, g.sectorsPerTrack, g.title);
 */
export const FLOPPY_GEOMETRIES: readonly FloppyGeometry[] = [
  pc("pc160", ["160k", "160"], 'IBM PC 160K 5.25" single-sided double density', 40, 1, 8, 250000, 300),
  pc("pc180", ["180k", "180"], 'IBM PC 180K 5.25" single-sided double density', 40, 1, 9, 250000, 300),
  {
    name: "ibm8sssd", aliases: ["8sssd", "ibm3740", "sssd", "250k", "fm250"], title: '8" single-sided single density (IBM 3740, 250K)',
    cylinders: 77, heads: 1, sectorsPerTrack: 26, sectorSize: 128, firstSector: 1, encoding: "FM", dataRate: 250000, rpm: 360,
  },
  pc("pc320", ["320k", "320"], 'IBM PC 320K 5.25" double-sided double density', 40, 2, 8, 250000, 300),
  pc("pc360", ["360k", "360"], 'IBM PC 360K 5.25" double-sided double density', 40, 2, 9, 250000, 300),
  pc("pc720", ["720k", "720"], 'IBM PC 720K 3.5" double-sided double density', 80, 2, 9, 250000, 300),
  pc("pc1200", ["1200k", "1.2m", "1200", "pc1.2m"], 'IBM PC 1.2M 5.25" double-sided high density', 80, 2, 15, 500000, 360),
  pc("pc1440", ["1440k", "1.44m", "1440", "pc1.44m"], 'IBM PC 1.44M 3.5" double-sided high density', 80, 2, 18, 500000, 300),
  pc("pc2880", ["2880k", "2.88m", "2880", "pc2.88m"], 'IBM PC 2.88M 3.5" double-sided extra density', 80, 2, 36, 1000000, 300),
];

/** Bytes of a geometry's image. */
export function geometryBytes(g: Pick<FloppyGeometry, "cylinders" | "heads" | "sectorsPerTrack" | "sectorSize">): number {
  return g.cylinders * g.heads * g.sectorsPerTrack * g.sectorSize;
}

/**
 * A geometry by name or alias (case-insensitive), undefined when none.
 *
 * @example
 * import { findGeometry } from "diskflux";
 * const g = findGeometry("pc1440"); // { cylinders: 80, heads: 2, sectorsPerTrack: 18, sectorSize: 512, ... }
 * if (!g) console.log("no such geometry");
 */
export function findGeometry(name: string): FloppyGeometry | undefined {
  const n = name.trim().toLowerCase();
  return FLOPPY_GEOMETRIES.find((g) => g.name === n || g.aliases.includes(n));
}

/**
 * A geometry by name, or E_ARGUMENT listing the names.
 *
 * @example
 * import { geometryByName } from "diskflux";
 * const g = geometryByName("pc360"); // throws DiskfluxError E_ARGUMENT for an unknown name
 * console.log(g.cylinders * g.heads * g.sectorsPerTrack * g.sectorSize); // 368640
 */
export function geometryByName(name: string): FloppyGeometry {
  const g = findGeometry(name);
  if (!g) {
    throw new DiskfluxError("E_ARGUMENT", `no floppy geometry ${quoteArg(name)}; diskflux knows ${FLOPPY_GEOMETRIES.map((x) => x.name).join(", ")}`);
  }
  return g;
}

/** What is known of a disk's layout when matching it against the geometries. */
export interface GeometryShape {
  readonly cylinders: number;
  readonly heads: number;
  readonly sectorsPerTrack: number;
  readonly sectorSize: number;
  readonly firstSector: number;
  readonly encoding?: string;
  readonly dataRate?: number;
}

/** Share of a geometry's cylinders that must have been read before the rest are added as missing. */
export const COMPLETE_SHARE = 0.9;

/**
 * The standard geometry a disk's shape belongs to: same heads, sectors per
 * track, sector size and first sector, the same encoding and data rate when
 * they are known, and `cylinders` equal (`how: "exact"`) or short of it by at
 * most 10 % (`how: "short"`: the disk's last cylinders were not read, or hold
 * no sector). Undefined when none fits. Geometries of the same shape differ in
 * cylinders by more than that (pc360 and pc720), so the answer is unique.
 *
 * @example
 * import { matchGeometry } from "diskflux";
 * const m = matchGeometry({ cylinders: 79, heads: 2, sectorsPerTrack: 9, sectorSize: 512, firstSector: 1 });
 * console.log(m?.geometry.name, m?.how); // "pc720" "short": the last cylinder was not read
 */
export function matchGeometry(shape: GeometryShape): { geometry: FloppyGeometry; how: "exact" | "short" } | undefined {
  for (const g of FLOPPY_GEOMETRIES) {
    if (g.heads !== shape.heads || g.sectorsPerTrack !== shape.sectorsPerTrack || g.sectorSize !== shape.sectorSize || g.firstSector !== shape.firstSector) continue;
    if (shape.encoding !== undefined && shape.encoding !== g.encoding) continue;
    if (shape.dataRate !== undefined && shape.dataRate !== g.dataRate) continue;
    if (shape.cylinders === g.cylinders) return { geometry: g, how: "exact" };
    if (shape.cylinders < g.cylinders && shape.cylinders >= Math.ceil(COMPLETE_SHARE * g.cylinders)) return { geometry: g, how: "short" };
  }
  return undefined;
}

/**
 * Differences between a geometry and the decode options / a disk's shape, as
 * sentences for a warning (empty when they agree).
 */
export function geometryMismatch(g: FloppyGeometry, shape: Partial<GeometryShape>): string[] {
  const out: string[] = [];
  if (shape.encoding !== undefined && shape.encoding !== g.encoding) out.push(`${g.name} is ${g.encoding} but the tracks were decoded as ${shape.encoding}`);
  if (shape.dataRate !== undefined && shape.dataRate !== g.dataRate) out.push(`${g.name} is ${g.dataRate / 1000} kbit/s but the tracks were decoded at ${shape.dataRate / 1000} kbit/s`);
  return out;
}
