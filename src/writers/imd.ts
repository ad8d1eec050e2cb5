// ImageDisk sector images (.imd), as Dave Dunfield's ImageDisk documentation
// (IMD.TXT, "ImageDisk — A Diskette Imaging program for Soft-Sector Formats",
// chapter 6 "Image file format", versions 1.11–1.19) describes them. Written
// from that document's facts alone; the reader is src/readers/imd.ts.
//
//   "IMD 1.18: dd/mm/yyyy hh:mm:ss" CR LF       ASCII header (the date is local time)
//   comment (ASCII, any length; CR LF lines)     so a .IMD can be TYPEd
//   0x1A                                         ASCII EOF ends the comment
//   per track:
//     mode         1 byte   0-5: 500/300/250 kbps FM, 500/300/250 kbps MFM
//                           (transfer rates: an FM track's data rate is half)
//     cylinder     1 byte   physical cylinder
//     head         1 byte   physical head (0/1); bit 7: a sector cylinder map
//                           follows, bit 6: a sector head map follows
//     sectors      1 byte   number of sectors in the track
//     size         1 byte   0-6: 128 << size bytes per sector; 0xFF (the
//                           extension §6.2 proposes): a table of 16-bit
//                           little-endian sizes follows the maps
//     sector numbering map      one ID sector number per sector, in the order
//                               the sectors pass the head (interleave kept)
//     sector cylinder map       (bit 7) the cylinder each sector's ID names
//     sector head map           (bit 6) the head each sector's ID names
//     [size table]              (size 0xFF)
//     one data record per sector, in map order:
//       00       unavailable: the data could not be read
//       01 data  normal                    02 xx  compressed: every byte is xx
//       03 data  deleted-data mark         04 xx  compressed, deleted
//       05 data  read with a data error    06 xx  compressed, data error
//       07 data  deleted, data error       08 xx  compressed, deleted, data error
//
// A record is compressed whenever all its bytes are equal. The mode of a track
// comes from its encoding and data rate (the decoder's data_rate, the rate of
// data bits): FM 250/150/125 kbit/s are modes 0/1/2 (ImageDisk's 500/300/250
// kbps FM), MFM 500/300/250 kbit/s modes 3/4/5; other rates, RLL and 1 Mbit/s
// have no IMD mode.
//
// imdFromImage() builds the tracks from an assembled disk image
// (src/image/assemble.ts): every track of the image's geometry, its sectors in
// the order they were read (TrackMap.order), with the image's copy of each:
//
//   image status            record
//   good, corrected,        01/02 (03/04 when the copy had a deleted-data mark)
//   recovered, voted,
//   conflict
//   bad                     05/06 (07/08 deleted): the most frequent bad copy
//   missing                 00 unavailable (its ID was read without data, or the
//                           sector of the geometry was never found)
//
// A sector whose ID names another cylinder or head than its track (possible
// with placement by physical track, `--by-track`) gets the cylinder/head maps.
// Sectors outside the geometry are not written (as in the IMG).

import { DiskfluxError } from "../errors.js";
import { concatBytes } from "../bytesink.js";
import type { DiskImage } from "../image/assemble.js";

export const IMD_UNAVAILABLE = 0x00;
export const IMD_NORMAL = 0x01;
export const IMD_COMPRESSED = 0x02;
export const IMD_DELETED = 0x03;
export const IMD_DELETED_COMPRESSED = 0x04;
export const IMD_ERROR = 0x05;
export const IMD_ERROR_COMPRESSED = 0x06;
export const IMD_DELETED_ERROR = 0x07;
export const IMD_DELETED_ERROR_COMPRESSED = 0x08;
export const IMD_FLAG_CYLINDER_MAP = 0x80;
export const IMD_FLAG_HEAD_MAP = 0x40;
export const IMD_SIZE_TABLE = 0xff;

/** The modes: index = mode value. */
export const IMD_MODES: readonly { readonly encoding: "FM" | "MFM"; readonly dataRate: number; readonly kbps: number }[] = [
  { encoding: "FM", dataRate: 250000, kbps: 500 },
  { encoding: "FM", dataRate: 150000, kbps: 300 },
  { encoding: "FM", dataRate: 125000, kbps: 250 },
  { encoding: "MFM", dataRate: 500000, kbps: 500 },
  { encoding: "MFM", dataRate: 300000, kbps: 300 },
  { encoding: "MFM", dataRate: 250000, kbps: 250 },
];

/**
 * The IMD mode of an encoding at a data rate (the decoder's data_rate), or E_ARGUMENT.
 *
 * @example
 * import { imdMode } from "diskflux";
 * imdMode("MFM", 250000); // 5: a 360K or 720K floppy
 * imdMode("MFM", 500000); // 3: 1.2M, 1.44M
 * imdMode("FM", 125000); // 2: 5.25" single density
 * imdMode("MFM", 5000000); // throws DiskfluxError E_ARGUMENT: hard disk rates have no IMD mode
 */
export function imdMode(encoding: string, dataRate: number): number {
  const m = IMD_MODES.findIndex((x) => x.encoding === encoding && x.dataRate === dataRate);
  if (m < 0) {
    throw new DiskfluxError(
      "E_ARGUMENT",
      `an IMD track is FM at 125, 150 or 250 kbit/s or MFM at 250, 300 or 500 kbit/s (ImageDisk's modes 0-5); ${encoding} at ${dataRate / 1000} kbit/s has no IMD mode`,
    );
  }
  return m;
}

/** One sector of an IMD track. */
export interface ImdSector {
  /** The sector number its ID names (the numbering map entry). */
  readonly sec: number;
  /** The cylinder / head its ID names, when not the track's (the cylinder / head maps). */
  readonly cyl?: number;
  readonly head?: number;
  /** Bytes of the sector (default: the track's sectorSize). */
  readonly size?: number;
  /** The data; absent = unavailable (record 00). */
  readonly data?: Uint8Array;
  readonly deleted?: boolean;
  /** Read with a data error (a bad CRC). */
  readonly dataError?: boolean;
}

export interface ImdTrack {
  /** 0-5 (see IMD_MODES). */
  readonly mode: number;
  readonly cyl: number;
  readonly head: number;
  /** Bytes per sector, 128 << n (other sizes, or sectors of several sizes, use the 0xFF size table). */
  readonly sectorSize: number;
  /** In the order they pass the head. */
  readonly sectors: readonly ImdSector[];
}

export interface ImdWriteOptions {
  /** The comment after the header line (line ends become CR LF, other than ASCII becomes "?", no 0x1A). */
  readonly comment?: string;
  /** The header's date (default now). */
  readonly date?: Date;
}

const pad2 = (n: number) => String(n).padStart(2, "0");

/** "IMD 1.18: dd/mm/yyyy hh:mm:ss" for a date (local time, as ImageDisk writes it). */
export function imdHeaderLine(date: Date): string {
  return `IMD 1.18: ${pad2(date.getDate())}/${pad2(date.getMonth() + 1)}/${date.getFullYear()} ${pad2(date.getHours())}:${pad2(date.getMinutes())}:${pad2(date.getSeconds())}`;
}

function allSame(d: Uint8Array): boolean {
  for (let i = 1; i < d.length; i++) if (d[i] !== d[0]) return false;
  return d.length > 0;
}

/** The size code of a sector size: 0-6 for 128 << n, else undefined. */
export function imdSizeCode(size: number): number | undefined {
  for (let n = 0; n <= 6; n++) if (128 << n === size) return n;
  return undefined;
}

/**
 * Writes an IMD file (see the header).
 *
 * @example
 * import { imdMode, writeImd } from "diskflux";
 * import { writeFile } from "node:fs/promises";
 * const sectors = [1, 3, 5, 7, 9, 2, 4, 6, 8].map((sec) => ({ sec, data: new Uint8Array(512).fill(0xf6) })); // 2:1 interleave
 * const track = { mode: imdMode("MFM", 250000), cyl: 0, head: 0, sectorSize: 512, sectors };
 * await writeFile("blank.imd", writeImd([track], { comment: "one formatted 360K track", date: new Date(2024, 0, 1) }));
 */
export function writeImd(tracks: readonly ImdTrack[], opts: ImdWriteOptions = {}): Uint8Array {
  const comment = (opts.comment ?? "").replace(/\r?\n/g, "\r\n");
  if (comment.includes("\x1a")) throw new DiskfluxError("E_ARGUMENT", "an IMD comment cannot hold 0x1A (it ends the comment)");
  // the comment is ASCII: anything else becomes "?"
  const head = (imdHeaderLine(opts.date ?? new Date()) + "\r\n" + comment).replace(/[^\x00-\x7e]/gu, "?");
  const parts: Uint8Array[] = [new TextEncoder().encode(head), new Uint8Array([0x1a])];
  const seen = new Set<string>();
  for (const t of tracks) {
    const where = `cyl ${t.cyl} head ${t.head}`;
    if (!(Number.isInteger(t.mode) && t.mode >= 0 && t.mode <= 5)) throw new DiskfluxError("E_ARGUMENT", `${where}: IMD mode ${t.mode} is not 0-5`);
    if (!(Number.isInteger(t.cyl) && t.cyl >= 0 && t.cyl <= 255)) throw new DiskfluxError("E_ARGUMENT", `${where}: an IMD cylinder is one byte`);
    if (t.head !== 0 && t.head !== 1) throw new DiskfluxError("E_ARGUMENT", `${where}: an IMD head is 0 or 1`);
    if (seen.has(`${t.cyl}/${t.head}`)) throw new DiskfluxError("E_ARGUMENT", `${where} is given twice`);
    seen.add(`${t.cyl}/${t.head}`);
    const n = t.sectors.length;
    if (n > 255) throw new DiskfluxError("E_ARGUMENT", `${where}: ${n} sectors; an IMD track holds at most 255`);
    const sizes = t.sectors.map((s) => s.size ?? t.sectorSize);
    const code = imdSizeCode(t.sectorSize);
    const table = code === undefined || sizes.some((z) => z !== t.sectorSize);
    for (const z of sizes) {
      if (!(Number.isInteger(z) && z >= 1 && z <= 65535)) throw new DiskfluxError("E_ARGUMENT", `${where}: sector size ${z} does not fit IMD's 16-bit size table`);
    }
    const cylMap = t.sectors.some((s) => s.cyl !== undefined && s.cyl !== t.cyl);
    const headMap = t.sectors.some((s) => s.head !== undefined && s.head !== t.head);
    const out: number[] = [t.mode, t.cyl, t.head | (cylMap ? IMD_FLAG_CYLINDER_MAP : 0) | (headMap ? IMD_FLAG_HEAD_MAP : 0), n, table ? IMD_SIZE_TABLE : code!];
    const byte = (v: number, what: string) => {
      if (!(Number.isInteger(v) && v >= 0 && v <= 255)) throw new DiskfluxError("E_ARGUMENT", `${where}: ${what} ${v} is not a byte`);
      return v;
    };
    for (const s of t.sectors) out.push(byte(s.sec, "sector number"));
    if (cylMap) for (const s of t.sectors) out.push(byte(s.cyl ?? t.cyl, "ID cylinder"));
    if (headMap) for (const s of t.sectors) out.push(byte(s.head ?? t.head, "ID head"));
    if (table) for (const z of sizes) out.push(z & 0xff, z >> 8);
    const chunks: Uint8Array[] = [Uint8Array.from(out)];
    t.sectors.forEach((s, i) => {
      if (!s.data) {
        chunks.push(Uint8Array.of(IMD_UNAVAILABLE));
        return;
      }
      if (s.data.length !== sizes[i]) throw new DiskfluxError("E_ARGUMENT", `${where} sector ${s.sec}: ${s.data.length} bytes of data for a ${sizes[i]}-byte sector`);
      const base = s.deleted ? (s.dataError ? IMD_DELETED_ERROR : IMD_DELETED) : s.dataError ? IMD_ERROR : IMD_NORMAL;
      if (allSame(s.data)) chunks.push(Uint8Array.of(base + 1, s.data[0]));
      else {
        const c = new Uint8Array(1 + s.data.length);
        c[0] = base;
        c.set(s.data, 1);
        chunks.push(c);
      }
    });
    parts.push(...chunks);
  }
  return concatBytes(parts);
}

export interface ImdFromImageOptions {
  /** "FM" or "MFM" (the decode options' family). */
  readonly encoding: string;
  /** The decoder's data_rate. */
  readonly dataRate: number;
}

/**
 * The IMD tracks of an assembled disk image (see the header).
 *
 * @example
 * import { assembleImage, decode, imdFromImage, readAnyCaptureFile, writeImd } from "diskflux";
 * const drive = await readAnyCaptureFile("ibm360.scp");
 * if (drive.kind !== "tracks") throw new Error("not a flux image");
 * const options = "data_rate=250000:format=MFM:data_crc_size=16:data_crc_poly=0x1021";
 * const decoded = await Promise.all(drive.tracks.map(async (t) => ({ result: await decode(t.capture, options), cyl: t.cyl, head: t.head })));
 * const img = assembleImage(decoded, { geometry: "pc360" });
 * const imd = writeImd(imdFromImage(img, { encoding: "MFM", dataRate: 250000 }), { comment: "ibm360.scp via diskflux" });
 */
export function imdFromImage(img: DiskImage, opts: ImdFromImageOptions): ImdTrack[] {
  const mode = imdMode(opts.encoding, opts.dataRate);
  const g = img.geometry;
  if (g.heads > 2) throw new DiskfluxError("E_ARGUMENT", `an IMD image has heads 0 and 1; this image has ${g.heads}`);
  if (g.firstCylinder + g.cylinders > 256) throw new DiskfluxError("E_ARGUMENT", "an IMD cylinder is one byte (0-255)");
  if (g.firstSector + g.sectorsPerTrack > 256) throw new DiskfluxError("E_ARGUMENT", "an IMD sector number is one byte (0-255)");
  return img.tracks.map((t) => {
    const bySec = new Map(t.sectors.map((s, i) => [s.sec, i] as const));
    const order = t.order && t.order.length === t.sectors.length ? t.order : t.sectors.map((s) => s.sec);
    const sectors: ImdSector[] = order.map((sec) => {
      const i = bySec.get(sec)!;
      const s = t.sectors[i];
      const id = t.ids?.[i];
      const ids = {
        ...(id && id.cyl !== t.cyl ? { cyl: id.cyl } : {}),
        ...(id && id.head !== t.head ? { head: id.head } : {}),
      };
      if (s.status === "missing") return { sec, ...ids };
      return {
        sec, ...ids,
        data: img.image.subarray(s.offset, s.offset + g.sectorSize),
        ...(id?.deleted ? { deleted: true } : {}),
        ...(s.status === "bad" ? { dataError: true } : {}),
      };
    });
    return { mode, cyl: t.cyl, head: t.head, sectorSize: g.sectorSize, sectors };
  });
}
