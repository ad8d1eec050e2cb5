// ImageDisk sector images (.imd), as Dave Dunfield's ImageDisk documentation
// (IMD.TXT, chapter 6 "Image file format") describes them; the layout and the
// record types are in src/writers/imd.ts. Written from that document's facts
// alone.
//
// An IMD file holds sectors, not flux: readImd() gives its tracks and sectors
// (an image/sector list, not a capture), imdSectorReads() turns them into the
// sector reads image assembly takes, and imdToImage() assembles them into the
// same DiskImage `diskflux image` builds from decoded tracks (record 00 is a
// sector whose data was not read: missing; 05-08 a bad CRC: bad-crc; the
// others good), so an IMD written from an image reads back to the same image,
// sector map included.
//
// What is checked: the "IMD " signature; the 0x1A that ends the comment;
// every track header, map and record inside the file; modes 0-5, head bits,
// size codes 0-6 or 0xFF (a 16-bit size table), record types 0-8. Damage is a
// one-line E_CORRUPT naming the file, the track (by number in the file, with
// its cylinder/head once read) and the offset. A file with no track is valid
// (an empty disk).

import { DiskfluxError } from "../errors.js";
import { escapeInput, escapeName } from "../escape.js";
import { assembleReads, type DiskImage, type ImageOptions, type SectorRead } from "../image/assemble.js";
import { IMD_FLAG_CYLINDER_MAP, IMD_FLAG_HEAD_MAP, IMD_MODES, IMD_SIZE_TABLE } from "../writers/imd.js";

export interface ImdReadSector {
  /** The sector number its ID names (numbering map). */
  readonly sec: number;
  /** The cylinder / head its ID names (the maps, else the track's). */
  readonly cyl: number;
  readonly head: number;
  readonly size: number;
  /** The record type, 0-8. */
  readonly type: number;
  /** The data (expanded when compressed); absent for record 00. */
  readonly data?: Uint8Array;
  readonly deleted: boolean;
  readonly dataError: boolean;
  readonly compressed: boolean;
  /** File offset of the record. */
  readonly offset: number;
}

export interface ImdReadTrack {
  readonly mode: number;
  readonly encoding: "FM" | "MFM";
  /** The decoder's data_rate for the mode (FM: half ImageDisk's kbps). */
  readonly dataRate: number;
  /** Physical cylinder and head. */
  readonly cyl: number;
  readonly head: number;
  /** Bytes per sector from the size code (0 with a size table: see each sector's size). */
  readonly sectorSize: number;
  readonly hasCylinderMap: boolean;
  readonly hasHeadMap: boolean;
  /** In the order they pass the head. */
  readonly sectors: readonly ImdReadSector[];
  /** File offset of the track header. */
  readonly offset: number;
}

export interface ImdFile {
  /** The first line ("IMD 1.18: 08/03/2012 10:00:00"). */
  readonly header: string;
  /** "1.18" from the header, when it has one. */
  readonly version?: string;
  /** The date and time text after the version. */
  readonly date?: string;
  /** The text between the header line and 0x1A. */
  readonly comment: string;
  readonly tracks: readonly ImdReadTrack[];
  readonly warnings: readonly string[];
}

/** True when the bytes start like an IMD file ("IMD " then a digit). */
export function isImd(bytes: Uint8Array): boolean {
  return bytes.length >= 5 && bytes[0] === 0x49 && bytes[1] === 0x4d && bytes[2] === 0x44 && bytes[3] === 0x20 && bytes[4] >= 0x30 && bytes[4] <= 0x39;
}

/**
 * Reads an IMD file (see the header).
 *
 * @example
 * import { readImd } from "diskflux";
 * import { readFile } from "node:fs/promises";
 * const imd = readImd(await readFile("disk.imd"), "disk.imd");
 * console.log(imd.version, imd.date, imd.comment, imd.warnings);
 * for (const t of imd.tracks) console.log(t.cyl, t.head, t.encoding, t.dataRate, t.sectors.map((s) => s.sec).join(","));
 */
export function readImd(bytes: Uint8Array, source = "disk.imd"): ImdFile {
  const name = escapeName(source);
  const corrupt = (msg: string) => new DiskfluxError("E_CORRUPT", `${name}: ${msg}`);
  if (!(bytes.length >= 4 && bytes[0] === 0x49 && bytes[1] === 0x4d && bytes[2] === 0x44 && bytes[3] === 0x20)) {
    throw new DiskfluxError("E_FORMAT", `${name}: no "IMD " signature, so not an ImageDisk image`);
  }
  const eof = bytes.indexOf(0x1a);
  if (eof < 0) throw corrupt("no 0x1A after the header and comment; the file is truncated or not an ImageDisk image");
  let text = "";
  for (let i = 0; i < eof; i++) text += String.fromCharCode(bytes[i]);
  const nl = text.indexOf("\n");
  const header = (nl < 0 ? text : text.slice(0, nl)).replace(/\r$/, "");
  const comment = nl < 0 ? "" : text.slice(nl + 1);
  const m = /^IMD (\d+\.\d+)\s*:\s*(.*)$/.exec(header);
  const warnings: string[] = [];
  if (!m) warnings.push(`${name}: the header line ${escapeInput(header, 80)} is not "IMD v.vv: date time"`);

  const tracks: ImdReadTrack[] = [];
  let p = eof + 1;
  for (let n = 1; p < bytes.length; n++) {
    const at = p;
    const where = () => `track ${n} at offset ${at}`;
    if (p + 5 > bytes.length) throw corrupt(`${where()}: the file ends inside the 5-byte track header; it is truncated`);
    const mode = bytes[p], cyl = bytes[p + 1], hv = bytes[p + 2], count = bytes[p + 3], sizeCode = bytes[p + 4];
    p += 5;
    const head = hv & 0x3f;
    const here = `track ${n} (cyl ${cyl} head ${head}) at offset ${at}`;
    if (mode > 5) throw corrupt(`${here}: mode ${mode} is not one of ImageDisk's 0-5`);
    if (head > 1) throw corrupt(`${here}: head value 0x${hv.toString(16)} is not head 0 or 1 with map flags`);
    if (sizeCode > 6 && sizeCode !== IMD_SIZE_TABLE) throw corrupt(`${here}: sector size code ${sizeCode} is not 0-6 (128-8192 bytes) or 0xFF (a size table)`);
    const hasCylinderMap = (hv & IMD_FLAG_CYLINDER_MAP) !== 0, hasHeadMap = (hv & IMD_FLAG_HEAD_MAP) !== 0;
    const take = (len: number, what: string) => {
      if (p + len > bytes.length) throw corrupt(`${here}: the file ends inside its ${what} (${len} bytes at offset ${p}); it is truncated`);
      const out = bytes.subarray(p, p + len);
      p += len;
      return out;
    };
    const numbers = take(count, "sector numbering map");
    const cylMap = hasCylinderMap ? take(count, "sector cylinder map") : undefined;
    const headMap = hasHeadMap ? take(count, "sector head map") : undefined;
    let sizes: number[];
    if (sizeCode === IMD_SIZE_TABLE) {
      const t = take(2 * count, "sector size table");
      sizes = Array.from({ length: count }, (_, i) => t[2 * i] | (t[2 * i + 1] << 8));
    } else {
      sizes = new Array<number>(count).fill(128 << sizeCode);
    }
    const sectors: ImdReadSector[] = [];
    const seen = new Set<number>();
    for (let i = 0; i < count; i++) {
      const ro = p;
      const type = take(1, `sector ${numbers[i]} record`)[0];
      if (type > 8) throw corrupt(`${here}: sector ${numbers[i]} has record type ${type} at offset ${ro}; ImageDisk's are 0-8`);
      const size = sizes[i];
      let data: Uint8Array | undefined;
      const compressed = type !== 0 && type % 2 === 0;
      if (type === 0) data = undefined;
      else if (compressed) data = new Uint8Array(size).fill(take(1, `sector ${numbers[i]} fill byte`)[0]);
      else data = take(size, `sector ${numbers[i]} data`).slice();
      const deleted = type === 3 || type === 4 || type === 7 || type === 8;
      const dataError = type >= 5;
      if (seen.has(numbers[i])) warnings.push(`${name}: ${here}: sector ${numbers[i]} is in the numbering map twice`);
      seen.add(numbers[i]);
      sectors.push({
        sec: numbers[i], cyl: cylMap ? cylMap[i] : cyl, head: headMap ? headMap[i] : head, size, type,
        ...(data ? { data } : {}), deleted, dataError, compressed, offset: ro,
      });
    }
    const md = IMD_MODES[mode];
    tracks.push({
      mode, encoding: md.encoding, dataRate: md.dataRate, cyl, head, sectorSize: sizeCode === IMD_SIZE_TABLE ? 0 : 128 << sizeCode,
      hasCylinderMap, hasHeadMap, sectors, offset: at,
    });
  }
  return { header, ...(m ? { version: m[1], date: m[2] } : {}), comment, tracks, warnings };
}

/**
 * The sectors of an IMD file as image assembly's sector reads: placed by the
 * cylinder/head their IDs name ("header", as `diskflux image` places decoded
 * sectors by default) or by the physical track ("track"). `source` names them
 * in the sector map.
 *
 * @example
 * import { assembleReads, imdSectorReads, readImd } from "diskflux";
 * import { readFile } from "node:fs/promises";
 * const reads = imdSectorReads(readImd(await readFile("disk.imd"), "disk.imd"), "track", "disk.imd");
 * const bad = reads.filter((r) => r.dataCrcOk === false).map((r) => `${r.cyl}/${r.head}/${r.sec}`);
 * const img = assembleReads(reads, { geometry: "pc360" }); // bad: sectors ImageDisk read with a data error
 */
export function imdSectorReads(file: ImdFile, placeBy: "header" | "track" = "header", source = "imd"): SectorRead[] {
  const reads: SectorRead[] = [];
  file.tracks.forEach((t, ti) => {
    const src = `${source} cyl ${t.cyl} head ${t.head}`;
    t.sectors.forEach((s, i) => {
      reads.push({
        cyl: placeBy === "track" ? t.cyl : s.cyl,
        head: placeBy === "track" ? t.head : s.head,
        sec: s.sec,
        len: s.size,
        ...(s.data ? { data: s.data, dataCrcOk: !s.dataError, deleted: s.deleted } : {}),
        source: src,
        at: i,
        idCyl: s.cyl,
        idHead: s.head,
        input: ti,
      });
    });
  });
  return reads;
}

/**
 * An IMD file assembled into a flat disk image with its sector map, as
 * `diskflux image` does with decoded tracks (geometry inferred unless given;
 * the encoding and data rate of the first track are used to match standard
 * floppy geometries).
 *
 * @example
 * import { imdToImage, readImd } from "diskflux";
 * import { readFile, writeFile } from "node:fs/promises";
 * const img = imdToImage(readImd(await readFile("disk.imd"), "disk.imd"), { source: "disk.imd" });
 * console.log(img.floppy?.geometry.name, img.geometry, img.counts); // "pc360" …
 * await writeFile("disk.img", img.image); // a flat sector image, missing sectors filled
 */
export function imdToImage(file: ImdFile, opts: ImageOptions & { readonly source?: string } = {}): DiskImage {
  const t0 = file.tracks[0];
  return assembleReads(imdSectorReads(file, opts.placeBy ?? "header", opts.source ?? "imd"), {
    ...(t0 ? { encoding: t0.encoding, dataRate: t0.dataRate } : {}),
    ...opts,
  });
}
