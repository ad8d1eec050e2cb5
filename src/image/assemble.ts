// Disk images from decoded tracks: every sector placed by its header's
// (cyl, head, sec) into a flat image
//
//   offset = ((cyl - firstCylinder) · heads + head) · sectorsPerTrack · sectorSize
//            + (sec - firstSector) · sectorSize
//
// Reads of a sector: an ID record with a good CRC, plus the data record that
// follows it before the next ID record. ID records with a bad CRC are not
// trusted (counted, not placed); data records without an ID before them are
// ignored. When a sector is read several times (revolutions of a flux track,
// several captures, several .tr tracks), the copies are merged by
// src/recover/merge.ts into one status (src/recover/status.ts):
//
//   status     when                                                 image bytes
//   good       the unmodified good copies agree                      that copy
//   corrected  no good copy; the ECC-corrected copies agree           that copy
//   recovered  only copies another data separator verified, agreeing that copy
//   conflict   copies of the best of those ranks differ              the most frequent (earliest on a tie)
//   voted      no copy verifies; a bit-wise vote over them does      the voted bytes (src/recover/vote.ts)
//   bad        only bad copies (or copies of the wrong size)         the most frequent bad copy (earliest on a tie)
//   missing    no data at all (no ID, or IDs without data)           the fill pattern
//
// corrected and recovered copies come from decoding with `recover`
// (record.status); a vote needs the copies' CRC inputs (decode with
// `recover` and `keepCrcInputs`) and is skipped with `recover: false`. In
// 0.1.0 the image's "bad" status was called "bad-crc".
//
// Geometry not given is inferred from the good headers: cylinders = highest
// cyl + 1, heads = highest head + 1, first sector = lowest sector number,
// sectors per track = the run of sector numbers from it (a lone far-away
// number such as Seagate's spare sector 254 ends the run and is reported as
// outside the geometry), sector size = the most common data length.
//
// Floppies (src/image/geometries.ts): a geometry given by name (`geometry:
// "pc360"`) supplies the values not given one by one. Otherwise a geometry
// that equals a standard floppy's is named in the result (`floppy`), and one
// that is short of a standard floppy's cylinders by at most 10 % (with the
// same heads, sectors, size, first sector, encoding and data rate) is
// completed to it, so the cylinders never read are reported missing.
//
// Each track also keeps, for writers of track-level formats (IMD), the order in
// which its sectors pass the head (`order`: the first-read order of the first
// input that read every sector of the track that was read at all, else
// ascending; sectors never read come last) and, per sector, whether the copy
// in the image had a deleted-data mark and which cylinder/head its ID named
// (`ids`). A copy is deleted data when the decoder says so (FM marks F8-FA)
// or, on a floppy MFM track (at most 1 Mbit/s), its mark is F8, the IBM
// deleted-data mark (hard-disk controllers such as WD's use F8 as their normal
// data mark, so faster MFM tracks are not judged by it).
//
// assembleReads() does the same from sector reads of any origin (an IMD file's
// sectors: src/readers/imd.ts).

import type { DecodeResult } from "../types.js";
import { DiskfluxError } from "../errors.js";
import type { SectorStatus } from "../recover/status.js";
import { copyOf, dataCheckOf, mergeCopies, statusCounts, type CopyStatus, type MergeEvidence, type MergeOptions, type SectorCopy } from "../recover/merge.js";
import type { CheckParams } from "../recover/vote.js";
import type { RecoveryEvidence } from "../recover/recover.js";
import { geometryByName, geometryMismatch, matchGeometry, type FloppyGeometry } from "./geometries.js";
import { unpackTrackReads, type PackedTrackReads } from "./reads-pack.js";

/** What fills missing sectors, repeated (24 bytes). */
export const MISSING_SECTOR_TEXT = "DISKFLUX MISSING SECTOR ";

export type { SectorStatus } from "../recover/status.js";

/** One decoded track as the assembler takes it. */
export interface ImageTrackInput {
  readonly result: DecodeResult;
  /** Where it came from, for the map (file name, "disk.tr cyl 3 head 1"). */
  readonly source?: string;
  /** Physical cylinder / head of the capture when known (.tr records); used with placeBy "track". */
  readonly cyl?: number;
  readonly head?: number;
}

/** One read of a sector: from an ID record with a good CRC. */
export interface SectorRead {
  readonly cyl: number;
  readonly head: number;
  readonly sec: number;
  /** Length from the header. */
  readonly len: number;
  /** Payload, undefined when no complete data record followed the ID. */
  readonly data?: Uint8Array;
  readonly dataCrcOk?: boolean;
  readonly deleted?: boolean;
  readonly source: string;
  /** Sample number of the ID record in its capture (or the record's position in its file). */
  readonly at: number;
  /** Cylinder and head the ID record names (cyl/head above are where the sector is placed). */
  readonly idCyl?: number;
  readonly idHead?: number;
  /** Which input (track) the read came from, counted from 0: reads of one input are in track order. */
  readonly input?: number;
  /** What recovery made of the copy (record.status); default good or bad by dataCrcOk. */
  readonly status?: CopyStatus;
  /** For a vote (src/recover/vote.ts): the CRC input and stored check, the decoder's computed check, the check's parameters. */
  readonly crcInput?: Uint8Array;
  readonly computed?: string;
  readonly check?: CheckParams;
  /** How a corrected or recovered copy was found. */
  readonly recovery?: RecoveryEvidence;
}

export interface ImageGeometry {
  readonly cylinders: number;
  readonly heads: number;
  readonly sectorsPerTrack: number;
  readonly sectorSize: number;
  readonly firstSector: number;
  readonly firstCylinder: number;
}

export interface ImageOptions {
  readonly cylinders?: number;
  readonly heads?: number;
  readonly sectorsPerTrack?: number;
  readonly sectorSize?: number;
  readonly firstSector?: number;
  /** First cylinder in the image (default 0): images of part of a disk. */
  readonly firstCylinder?: number;
  /** "header" (default): place by the ID record's cyl/head; "track": by the input's physical cyl/head. */
  readonly placeBy?: "header" | "track";
  /** Fill of missing sectors (default MISSING_SECTOR_TEXT). */
  readonly fill?: string | Uint8Array;
  /**
   * A standard floppy geometry (name such as "pc360", or one of
   * FLOPPY_GEOMETRIES): fills cylinders, heads, sectors, size and first sector
   * where they are not given.
   */
  readonly geometry?: string | FloppyGeometry;
  /** Match the geometry against the standard floppies (default true; see the header). */
  readonly standard?: boolean;
  /** Vote over bad copies of a sector (default true; needs their CRC inputs; see the header). */
  readonly recover?: boolean;
  /** ECC kernel and span for a voted record (src/recover/merge.ts MergeOptions). */
  readonly ecc?: MergeOptions["ecc"];
  readonly span?: number;
  /** Encoding and data rate of the tracks, for matching (default: the first input's decode options). */
  readonly encoding?: string;
  readonly dataRate?: number;
}

export interface SectorEntry {
  readonly sec: number;
  readonly status: SectorStatus;
  /** ID records read for the sector (good ID CRC). */
  readonly reads: number;
  /**
   * Copies whose check verifies (as read, or corrected or recovered: see
   * `evidence`) / that do not (a copy of the wrong length counts as bad), and
   * IDs without data.
   */
  readonly good: number;
  readonly bad: number;
  readonly noData: number;
  /** Distinct payloads among the good copies. */
  readonly variants: number;
  /** Byte offset in the image. */
  readonly offset: number;
  /** Sources of the reads, in order (duplicates removed). */
  readonly sources: readonly string[];
  /** How the copies were merged (src/recover/merge.ts): copies per status, the vote, the recovery of the chosen copy. */
  readonly evidence: MergeEvidence;
}

export interface TrackMap {
  readonly cyl: number;
  readonly head: number;
  readonly offset: number;
  readonly sectors: readonly SectorEntry[];
  /** Sector numbers in the order they pass the head (see the header); IMD's sector numbering map. */
  readonly order?: readonly number[];
  /** Per sector (as `sectors`): the image's copy had a deleted-data mark; the cylinder and head its ID named. */
  readonly ids?: readonly SectorId[];
}

export interface SectorId {
  readonly deleted: boolean;
  readonly cyl: number;
  readonly head: number;
}

/** A standard floppy geometry the image follows. */
export interface FloppyMatch {
  readonly geometry: FloppyGeometry;
  /** given: by name; exact: the inferred geometry is this one; completed: cylinders added up to it. */
  readonly how: "given" | "exact" | "completed";
  /** With "completed": the cylinders inferred from the reads. */
  readonly cylindersRead?: number;
  /** Where the decode options disagree with the geometry (data rate, encoding). */
  readonly warnings: readonly string[];
}

export interface OutsideSector {
  readonly cyl: number;
  readonly head: number;
  readonly sec: number;
  readonly status: SectorStatus;
  readonly reads: number;
}

export interface DiskImage {
  readonly image: Uint8Array;
  readonly geometry: ImageGeometry;
  /** Which geometry values were inferred rather than given. */
  readonly inferred: readonly (keyof ImageGeometry)[];
  readonly tracks: readonly TrackMap[];
  readonly counts: Readonly<Record<SectorStatus, number>>;
  /** Sectors whose headers lie outside the geometry (not in the image). */
  readonly outside: readonly OutsideSector[];
  /** ID records with a bad CRC (not trusted, not placed). */
  readonly badHeaders: number;
  /** Data records with no ID record before them (not placed). */
  readonly orphanData: number;
  /** The standard floppy geometry followed, if any. */
  readonly floppy?: FloppyMatch;
}

const MAX_IMAGE = 2 ** 32;
/** An inferred image may be at most this many times the sector bytes read, once past the floor. */
const INFERRED_IMAGE_FACTOR = 64;
const INFERRED_IMAGE_FLOOR = 256 * 2 ** 20;

/** The sector reads of one decoded track, in track order; `index` numbers the input. */
export function sectorReads(input: ImageTrackInput, placeBy: "header" | "track" = "header", index = 0): { reads: SectorRead[]; badHeaders: number; orphanData: number } {
  const source = input.source ?? "capture";
  const reads: SectorRead[] = [];
  let badHeaders = 0;
  let orphanData = 0;
  const recs = input.result.records;
  // IBM floppy MFM: F8 is the deleted-data mark (the decoder flags deleted data on FM tracks only)
  const o = input.result.options as DecodeResult["options"] | undefined;
  const floppyMfm = o?.preset?.limits === "MFM" && o.dataRate <= 1_000_000;
  const check = dataCheckOf(input.result);
  if (placeBy === "track" && (input.cyl === undefined || input.head === undefined)) {
    throw new DiskfluxError("E_ARGUMENT", `${source}: placing by physical track needs the track's cylinder and head (a .tr input)`);
  }
  for (let i = 0; i < recs.length; i++) {
    const r = recs[i];
    if (r.kind === "data") {
      orphanData++;
      continue;
    }
    const next = recs[i + 1];
    const data = next && next.kind === "data" ? next : undefined;
    if (data) i++;
    if (!r.crc?.ok) {
      badHeaders++;
      continue;
    }
    const cyl = placeBy === "track" ? input.cyl! : r.cyl;
    const head = placeBy === "track" ? input.head! : r.head;
    if (data?.crc !== undefined && data.status === "good" && data.crcInput === undefined && data.recovery === undefined && check !== undefined) {
      // Most sectors of a drive: one literal, the keys in the order of the general case below
      // (an object grown key by key reallocates its property store).
      reads.push({
        cyl, head, sec: r.sec, len: r.len,
        data: data.bytes, dataCrcOk: data.crc.ok, deleted: data.deleted || (floppyMfm && data.mark === 0xf8), status: "good", computed: data.crc.computed, check,
        source, at: r.start, idCyl: r.cyl, idHead: r.head, input: index,
      });
      continue;
    }
    // (keys set one by one, in this order: no temporary object a key)
    const read: { -readonly [K in keyof SectorRead]: SectorRead[K] } = {
      cyl,
      head,
      sec: r.sec,
      len: r.len,
    } as SectorRead;
    if (data?.crc !== undefined) {
      const copy = copyOf(r, data, check);
      read.data = data.bytes;
      read.dataCrcOk = data.crc.ok;
      read.deleted = data.deleted || (floppyMfm && data.mark === 0xf8);
      if (copy.status !== undefined) read.status = copy.status;
      if (copy.crcInput !== undefined) read.crcInput = copy.crcInput;
      if (copy.computed !== undefined) read.computed = copy.computed;
      if (copy.check !== undefined) read.check = copy.check;
      if (copy.recovery !== undefined) read.recovery = copy.recovery;
    }
    read.source = source;
    read.at = r.start;
    read.idCyl = r.cyl;
    read.idHead = r.head;
    read.input = index;
    reads.push(read);
  }
  return { reads, badHeaders, orphanData };
}

function mode(values: number[]): number | undefined {
  const counts = new Map<number, number>();
  let best: number | undefined;
  let bestN = 0;
  for (const v of values) {
    const n = (counts.get(v) ?? 0) + 1;
    counts.set(v, n);
    if (n > bestN || (n === bestN && best !== undefined && v < best)) {
      best = v;
      bestN = n;
    }
  }
  return best;
}

/** First sector and sectors per track from the sector numbers seen (see the header). */
export function inferSectorRun(secs: Iterable<number>): { first: number; count: number } | undefined {
  const sorted = [...new Set(secs)].sort((a, b) => a - b);
  if (sorted.length === 0) return undefined;
  let last = sorted[0];
  let n = 1;
  for (let i = 1; i < sorted.length; i++) {
    if (sorted[i] - last > Math.max(8, n)) break;
    last = sorted[i];
    n++;
  }
  return { first: sorted[0], count: last - sorted[0] + 1 };
}

function checkGeom(name: string, v: number | undefined, min: number, max: number): void {
  if (v !== undefined && (!Number.isInteger(v) || v < min || v > max)) {
    throw new DiskfluxError("E_ARGUMENT", `${name} must be an integer in ${min}..${max}, got ${v}`);
  }
}

function fillPattern(fill: string | Uint8Array | undefined): Uint8Array {
  if (fill instanceof Uint8Array) {
    if (fill.length === 0) throw new DiskfluxError("E_ARGUMENT", "the fill pattern is empty");
    return fill;
  }
  const text = fill ?? MISSING_SECTOR_TEXT;
  if (text.length === 0) throw new DiskfluxError("E_ARGUMENT", "the fill pattern is empty");
  return new TextEncoder().encode(text);
}

/**
 * Builds the image and its sector map from decoded tracks (several reads of a
 * sector are merged: best copy, conflict, vote).
 *
 * @example
 * import { assembleImage, decode, readAnyCaptureFile, sectorMapText } from "diskflux";
 * const drive = await readAnyCaptureFile("drive.tr");
 * if (drive.kind !== "tracks") throw new Error("not a multi-track file");
 * const inputs = [];
 * for (const t of drive.tracks) inputs.push({ result: await decode(t.capture, "data_rate=5000000:format=MFM:header_format=3", { recover: true }), cyl: t.cyl, head: t.head });
 * const img = assembleImage(inputs);
 * console.log(img.geometry, img.counts); // write img.image to disk.img
 */
export function assembleImage(inputs: readonly ImageTrackInput[], opts: ImageOptions = {}): DiskImage {
  const placeBy = opts.placeBy ?? "header";
  let badHeaders = 0;
  let orphanData = 0;
  const reads: SectorRead[] = [];
  inputs.forEach((input, i) => {
    const r = sectorReads(input, placeBy, i);
    for (const x of r.reads) reads.push(x);
    badHeaders += r.badHeaders;
    orphanData += r.orphanData;
  });
  const o = inputs.find((x) => x.result.options !== undefined)?.result.options;
  const family = o?.preset?.limits;
  return assembleReads(reads, {
    ...opts,
    ...(opts.encoding === undefined && family !== undefined ? { encoding: family } : {}),
    ...(opts.dataRate === undefined && o?.dataRate !== undefined ? { dataRate: o.dataRate } : {}),
  }, { badHeaders, orphanData });
}

/**
 * Builds the image and its sector map from sector reads (placed by their
 * cyl/head/sec; `opts.placeBy` is not used here). `counts` are carried into
 * the result.
 *
 * @example
 * import { assembleReads, imdSectorReads, readImd } from "diskflux";
 * import { readFileSync } from "node:fs";
 * const img = assembleReads(imdSectorReads(readImd(readFileSync("disk.imd"))));
 * console.log(img.counts.good, "good sectors");
 */
export function assembleReads(reads: readonly SectorRead[], opts: ImageOptions = {}, counts0: { badHeaders?: number; orphanData?: number } = {}, arena?: Arena): DiskImage {
  const badHeaders = counts0.badHeaders ?? 0;
  const orphanData = counts0.orphanData ?? 0;
  const checked = checkedOptions(opts);
  opts = checked.opts;
  const named = checked.named;
  const settled = settleGeometry(opts, named, readStats(reads));
  const { geometry, inferred, floppy } = settled;
  const { cylinders, heads, sectorsPerTrack, sectorSize, firstSector, firstCylinder } = geometry;
  const trackBytes = sectorsPerTrack * sectorSize;
  const total = cylinders * heads * trackBytes;

  // Group the reads by sector.
  // (numeric keys: no string a sector; cyl < 2^31 from any header, head and sec bytes)
  const key = (c: number, h: number, s: number) => (c * 256 + h) * 256 + s;
  const bySector = new Map<number, SectorRead[]>();
  for (const r of reads) {
    const k = key(r.cyl, r.head, r.sec);
    const list = bySector.get(k);
    if (list) list.push(r);
    else bySector.set(k, [r]);
  }

  let image: Uint8Array;
  try {
    // Sectors already placed by ImageReads where this geometry puts them: the image is their buffer.
    const l = arena?.layout;
    image = l && l.heads === heads && l.sectorsPerTrack === sectorsPerTrack && l.sectorSize === sectorSize && l.firstSector === firstSector &&
      l.firstCylinder === firstCylinder && l.cylinders >= cylinders
      ? arena!.buffer.subarray(0, total)
      : new Uint8Array(total);
  } catch (e) {
    throw new DiskfluxError("E_LIMIT", `cannot allocate ${total} bytes for the image`, { cause: e });
  }
  const { pattern, missingSector } = missingSectorOf(opts.fill, sectorSize);

  const counts: Record<SectorStatus, number> = statusCounts([]);
  const { judge } = sectorJudge(sectorSize, opts, missingSector);

  /** Sector order of a track from its reads (see the header). */
  const byTrack = new Map<string, SectorRead[]>();
  for (const r of reads) {
    const k = `${r.cyl}/${r.head}`;
    const list = byTrack.get(k);
    if (list) list.push(r);
    else byTrack.set(k, [r]);
  }
  const orderOf = (cyl: number, head: number): number[] => trackOrder(byTrack.get(`${cyl}/${head}`) ?? [], firstSector, sectorsPerTrack);

  const tracks: TrackMap[] = [];
  for (let c = 0; c < cylinders; c++) {
    const cyl = firstCylinder + c;
    for (let head = 0; head < heads; head++) {
      const offset = (c * heads + head) * trackBytes;
      const sectors: SectorEntry[] = [];
      const ids: SectorId[] = [];
      for (let i = 0; i < sectorsPerTrack; i++) {
        const sec = firstSector + i;
        const j = judge(bySector.get(key(cyl, head, sec)));
        const at = offset + i * sectorSize;
        if (j.data.length >= sectorSize) image.set(j.data.subarray(0, sectorSize), at);
        else {
          image.set(j.data, at);
          for (let b = j.data.length; b < sectorSize; b++) image[at + b] = pattern[b % pattern.length];
        }
        counts[j.status]++;
        sectors.push({ sec, status: j.status, reads: j.reads, good: j.good, bad: j.bad, noData: j.noData, variants: j.variants, offset: at, sources: j.sources, evidence: j.evidence });
        ids.push(j.id ?? { deleted: false, cyl, head });
      }
      tracks.push({ cyl, head, offset, sectors, order: orderOf(cyl, head), ids });
    }
  }

  const outside: OutsideSector[] = [];
  for (const [k, list] of bySector) {
    const s = k % 256, h = Math.floor(k / 256) % 256, c = Math.floor(k / 65536);
    const inside = c >= firstCylinder && c < firstCylinder + cylinders && h < heads && s >= firstSector && s < firstSector + sectorsPerTrack;
    if (!inside) {
      const j = judge(list);
      outside.push({ cyl: c, head: h, sec: s, status: j.status, reads: j.reads });
    }
  }
  outside.sort((a, b) => a.cyl - b.cyl || a.head - b.head || a.sec - b.sec);
  return { image, geometry, inferred, tracks, counts, outside, badHeaders, orphanData, ...(floppy ? { floppy } : {}) };
}

/** What a geometry is inferred from (see the header): the reads' extent, sector numbers and lengths. */
export interface ReadStats {
  /** Highest cyl + 1 and head + 1 read (0 when nothing was read). */
  cylEnd: number;
  headEnd: number;
  /** Sector numbers read (any order, repeats allowed). */
  secs: Iterable<number>;
  /** How many copies have each data length: good copies, all copies with data; and each header length. */
  goodLengths: Map<number, number>;
  dataLengths: Map<number, number>;
  idLengths: Map<number, number>;
  /** Bytes of sector data read. */
  readBytes: number;
}

/** Adds n of `v` to a count map. */
export function countInto(m: Map<number, number>, v: number, n = 1): void {
  m.set(v, (m.get(v) ?? 0) + n);
}

/** The ReadStats of sector reads. */
export function readStats(reads: readonly SectorRead[]): ReadStats {
  const st: ReadStats = { cylEnd: 0, headEnd: 0, secs: reads.map((r) => r.sec), goodLengths: new Map(), dataLengths: new Map(), idLengths: new Map(), readBytes: 0 };
  for (const r of reads) {
    if (r.cyl + 1 > st.cylEnd) st.cylEnd = r.cyl + 1;
    if (r.head + 1 > st.headEnd) st.headEnd = r.head + 1;
    countInto(st.idLengths, r.len);
    if (r.data) {
      countInto(st.dataLengths, r.data.length);
      if (r.dataCrcOk) countInto(st.goodLengths, r.data.length);
      st.readBytes += r.data.length;
    }
  }
  return st;
}

/** The most common value of a count map (the lowest on a tie), as mode() of the values counted. */
function modeOf(m: Map<number, number>): number | undefined {
  let best: number | undefined;
  let bestN = 0;
  for (const [v, n] of m) if (n > bestN || (n === bestN && best !== undefined && v < best)) [best, bestN] = [v, n];
  return best;
}

/** The image's geometry: the options' values, the rest inferred (see the header); `opts` has a named geometry's values filled in. */
export function settleGeometry(opts: ImageOptions, named: FloppyGeometry | undefined, st: ReadStats): { geometry: ImageGeometry; inferred: (keyof ImageGeometry)[]; floppy?: FloppyMatch } {
  const inferred: (keyof ImageGeometry)[] = [];
  const firstCylinder = opts.firstCylinder ?? 0;
  let cylinders = opts.cylinders;
  if (cylinders === undefined) {
    inferred.push("cylinders");
    cylinders = Math.max(firstCylinder, st.cylEnd) - firstCylinder;
    if (cylinders < 1) cylinders = 1;
  }
  let heads = opts.heads;
  if (heads === undefined) {
    inferred.push("heads");
    heads = Math.max(1, st.headEnd);
  }
  let firstSector = opts.firstSector;
  let sectorsPerTrack = opts.sectorsPerTrack;
  if (firstSector === undefined || sectorsPerTrack === undefined) {
    const secs = [...new Set(st.secs)];
    const run = inferSectorRun(secs.filter((s) => firstSector === undefined || s >= firstSector));
    if (firstSector === undefined) {
      inferred.push("firstSector");
      firstSector = run?.first ?? 0;
    }
    if (sectorsPerTrack === undefined) {
      inferred.push("sectorsPerTrack");
      const r2 = inferSectorRun(secs.filter((s) => s >= firstSector!));
      sectorsPerTrack = r2 ? r2.first - firstSector + r2.count : 1;
    }
  }
  let sectorSize = opts.sectorSize;
  if (sectorSize === undefined) {
    inferred.push("sectorSize");
    sectorSize = modeOf(st.goodLengths) ?? modeOf(st.dataLengths) ?? modeOf(st.idLengths) ?? 512;
  }
  let floppy: FloppyMatch | undefined;
  const shapeOf = { encoding: opts.encoding, dataRate: opts.dataRate };
  if (named) {
    floppy = { geometry: named, how: "given", warnings: geometryMismatch(named, shapeOf) };
  } else if (opts.standard !== false && firstCylinder === 0) {
    const m = matchGeometry({ cylinders, heads, sectorsPerTrack, sectorSize, firstSector, ...(opts.encoding !== undefined ? { encoding: opts.encoding } : {}), ...(opts.dataRate !== undefined ? { dataRate: opts.dataRate } : {}) });
    if (m?.how === "exact") floppy = { geometry: m.geometry, how: "exact", warnings: [] };
    else if (m?.how === "short" && inferred.includes("cylinders")) {
      floppy = { geometry: m.geometry, how: "completed", cylindersRead: cylinders, warnings: [] };
      cylinders = m.geometry.cylinders;
    }
  }
  const geometry: ImageGeometry = { cylinders, heads, sectorsPerTrack, sectorSize, firstSector, firstCylinder };
  const total = cylinders * heads * sectorsPerTrack * sectorSize;
  if (total > MAX_IMAGE) {
    throw new DiskfluxError("E_LIMIT", `a ${cylinders} x ${heads} x ${sectorsPerTrack} x ${sectorSize}-byte image is ${total} bytes, more than the 4 GiB diskflux builds; give the geometry (--cylinders ...)`);
  }
  // An inferred geometry far larger than what was read (one damaged header saying cyl 255 head
  // 255 of 16 KiB sectors) would build a huge image of fill: refuse it unless the caller gave it.
  if ((inferred.includes("cylinders") || inferred.includes("heads")) && total > INFERRED_IMAGE_FLOOR && total > INFERRED_IMAGE_FACTOR * st.readBytes) {
    throw new DiskfluxError("E_LIMIT", `the headers read imply a ${cylinders} x ${heads} x ${sectorsPerTrack} x ${sectorSize}-byte image (${total} bytes) for ${st.readBytes} bytes of sectors read; give the geometry (--cylinders --heads) if that is right`);
  }
  return { geometry, inferred, ...(floppy ? { floppy } : {}) };
}

/** A named geometry's values filled into the options, and the geometry checked (assembleReads' first step). */
export function checkedOptions(opts: ImageOptions): { opts: ImageOptions; named: FloppyGeometry | undefined } {
  const named = opts.geometry === undefined ? undefined : typeof opts.geometry === "string" ? geometryByName(opts.geometry) : opts.geometry;
  if (named) {
    opts = {
      ...opts,
      cylinders: opts.cylinders ?? named.cylinders,
      heads: opts.heads ?? named.heads,
      sectorsPerTrack: opts.sectorsPerTrack ?? named.sectorsPerTrack,
      sectorSize: opts.sectorSize ?? named.sectorSize,
      firstSector: opts.firstSector ?? named.firstSector,
    };
  }
  checkGeom("cylinders", opts.cylinders, 1, 1 << 16);
  checkGeom("heads", opts.heads, 1, 256);
  checkGeom("sectors per track", opts.sectorsPerTrack, 1, 256);
  checkGeom("sector size", opts.sectorSize, 1, 1 << 16);
  checkGeom("first sector", opts.firstSector, 0, 255);
  checkGeom("first cylinder", opts.firstCylinder, 0, 1 << 16);
  return { opts, named };
}

/** One sector's entry as the image assembler judges it from its copies. */
export interface Judged {
  readonly status: SectorStatus;
  readonly data: Uint8Array;
  readonly reads: number;
  readonly good: number;
  readonly bad: number;
  readonly noData: number;
  readonly variants: number;
  readonly sources: readonly string[];
  readonly id: SectorId | undefined;
  readonly evidence: MergeEvidence;
}

/**
 * Judges sectors from their reads (src/recover/merge.ts), `missingSector` the bytes of one
 * never read; `single` is what judging n equal good copies of one source gives, without them.
 */
export function sectorJudge(sectorSize: number, opts: ImageOptions, missingSector: Uint8Array): {
  judge: (list: readonly SectorRead[] | undefined) => Judged;
  single: (n: number, source: string, deleted: boolean, idCyl: number, idHead: number) => Omit<Judged, "data">;
} {
  const mergeOpts: MergeOptions = {
    size: sectorSize,
    ...(opts.recover === false ? { vote: false } : {}),
    ...(opts.ecc ? { ecc: opts.ecc } : {}),
    ...(opts.span !== undefined ? { span: opts.span } : {}),
  };
  // Equal plain evidence, source lists and IDs are one object each, shared by the sectors they describe
  // (a whole drive's map: ~35 000 sectors, most of them alike; the map's memory is what stays of them).
  const shared = new Map<string, unknown>();
  const intern = <T>(k: string, v: T): T => {
    const had = shared.get(k) as T | undefined;
    if (had !== undefined) return had;
    shared.set(k, v);
    return v;
  };
  // a number for the usual IDs (no string built per sector: a drive's map reads ~35 000 of them)
  const idKey = (deleted: boolean, cyl: number, head: number): string | number =>
    Number.isInteger(cyl) && cyl >= 0 && cyl < 2 ** 40 && Number.isInteger(head) && head >= 0 && head < 256 ? (cyl * 256 + head) * 2 + (deleted ? 1 : 0) : `i${deleted ? 1 : 0},${cyl},${head}`;
  const ids = new Map<string | number, SectorId>();
  const idOf = (deleted: boolean, cyl: number, head: number): SectorId => {
    const k = idKey(deleted, cyl, head);
    let id = ids.get(k);
    if (id === undefined) ids.set(k, (id = { deleted, cyl, head }));
    return id;
  };
  const judge = (list: readonly SectorRead[] | undefined): Judged => {
    const copies = list ?? [];
    const m = mergeCopies(copies.map(readCopy), mergeOpts);
    let ev = m.evidence;
    if (ev.recovery === undefined && ev.vote === undefined) ev = intern(`e${JSON.stringify(ev)}`, ev);
    const status = m.status;
    const data = m.bytes ?? missingSector;
    const names = [...new Set(copies.map((r) => r.source))];
    const sources = intern(`s${names.join("\0")}`, names);
    // the read whose payload is in the image, else the first read with data, else the first read
    const chosen = ev.chosen >= 0 ? copies[ev.chosen] : copies.find((r) => r.data !== undefined) ?? copies[0];
    let id: SectorId | undefined;
    if (chosen) id = idOf(status !== "missing" && chosen.deleted === true, chosen.idCyl ?? chosen.cyl, chosen.idHead ?? chosen.head);
    return { status, data, reads: copies.length, good: ev.good + ev.corrected + ev.recovered, bad: ev.bad, noData: ev.noData, variants: ev.variants, sources, id, evidence: ev };
  };
  const singleEvidence = new Map<number, MergeEvidence>();
  const singleSources = new Map<string, readonly string[]>();
  const single = (n: number, source: string, deleted: boolean, idCyl: number, idHead: number): Omit<Judged, "data"> => {
    // mergeCopies' evidence for n equal good copies, its keys in the same order (one object per n, the
    // same one judge() interns for it)
    let evidence = singleEvidence.get(n);
    if (evidence === undefined) {
      const e: MergeEvidence = { reads: n, good: n, corrected: 0, recovered: 0, bad: 0, noData: 0, variants: 1, chosen: 0, overruled: 0 };
      singleEvidence.set(n, (evidence = intern(`e${JSON.stringify(e)}`, e)));
    }
    let sources = singleSources.get(source);
    if (sources === undefined) singleSources.set(source, (sources = intern(`s${source}`, [source])));
    return { status: "good", reads: n, good: n, bad: 0, noData: 0, variants: 1, sources, id: idOf(deleted, idCyl, idHead), evidence };
  };
  return { judge, single };
}

/** A track's sector order from its reads in read order (see the header). */
export function trackOrder(reads: readonly { readonly sec: number; readonly input?: number }[], firstSector: number, sectorsPerTrack: number): number[] {
  const inside = (s: number) => s >= firstSector && s < firstSector + sectorsPerTrack;
  const byInput = new Map<number, number[]>();
  const all = new Set<number>();
  for (const r of reads) {
    if (!inside(r.sec)) continue;
    all.add(r.sec);
    const k = r.input ?? 0;
    let seq = byInput.get(k);
    if (!seq) byInput.set(k, (seq = []));
    if (!seq.includes(r.sec)) seq.push(r.sec);
  }
  let order: number[] | undefined;
  for (const seq of byInput.values()) {
    if (seq.length === all.size) {
      order = seq;
      break;
    }
  }
  order = order ? [...order] : [...all].sort((a, b) => a - b);
  for (let i = 0; i < sectorsPerTrack; i++) if (!all.has(firstSector + i)) order.push(firstSector + i);
  return order;
}

/** The fill of one missing sector. */
export function missingSectorOf(fill: ImageOptions["fill"], sectorSize: number): { pattern: Uint8Array; missingSector: Uint8Array } {
  const pattern = fillPattern(fill);
  const missingSector = new Uint8Array(sectorSize);
  for (let i = 0; i < sectorSize; i++) missingSector[i] = pattern[i % pattern.length];
  return { pattern, missingSector };
}

/** Where ImageReads placed the sectors it read: a flat image of this geometry, in `buffer`. */
interface Arena {
  readonly buffer: Uint8Array;
  readonly layout: ImageGeometry;
}

/** Largest image ImageReads lays out ahead (what the drive's header says it holds). */
const MAX_ARENA = 2 ** 31;

/**
 * The image layout an incremental image takes from the first track with good
 * data: cylinders and heads from the options or the drive (a .tr header), the
 * sector size the good reads name most (ties: the smaller), the sector run from
 * the track's sector numbers. "none": no cylinder/head count to lay out by;
 * undefined: no good data on this track yet.
 */
export function firstTrackLayout(
  o: ImageOptions, drive: { readonly cylinders: number; readonly heads: number } | undefined, reads: readonly SectorRead[],
): ImageGeometry | "none" | undefined {
  const cylinders = o.cylinders ?? drive?.cylinders;
  const heads = o.heads ?? drive?.heads;
  if (cylinders === undefined || heads === undefined) return "none";
  const good = reads.filter((r) => r.data && r.dataCrcOk);
  if (good.length === 0) return undefined;
  const sectorSize = o.sectorSize ?? mode(good.map((r) => r.data!.length))!;
  const run = inferSectorRun(reads.filter((r) => o.firstSector === undefined || r.sec >= o.firstSector).map((r) => r.sec));
  const firstSector = o.firstSector ?? run?.first ?? 0;
  const r2 = inferSectorRun(reads.filter((r) => r.sec >= firstSector).map((r) => r.sec));
  const sectorsPerTrack = o.sectorsPerTrack ?? (r2 ? r2.first - firstSector + r2.count : 1);
  return { cylinders, heads, sectorsPerTrack, sectorSize, firstSector, firstCylinder: o.firstCylinder ?? 0 };
}

/**
 * Sector reads of tracks as they are decoded, for an image of a whole drive in
 * bounded memory: `add` takes each decoded track at once (the caller keeps no
 * decode result), and assemble() builds what assembleImage would from them all.
 *
 * The sector payloads are not kept one array each: given the drive's cylinders
 * and heads (`drive`, a .tr header's; or the options'), the first copy of each
 * sector is written where a flat image lays it out (sector size, first sector
 * and sectors per track as given, else as the first track with good data shows
 * them), and its read views it there. When the geometry assemble() settles on is
 * that layout, the image is that buffer, filled in place: the sector data is
 * held once, not twice. Other copies (a sector read again, a copy of another
 * length, a header outside the layout) are kept as read; a geometry other than
 * the layout builds a fresh image from the views, as assembleReads always did.
 * The image and map are the same either way. ImageFileReads (./slots.ts) does
 * the same with the image written to a file as tracks come, and no object kept
 * per good sector: what `diskflux image -o disk.img` uses.
 */
export class ImageReads {
  readonly reads: SectorRead[] = [];
  badHeaders = 0;
  orphanData = 0;
  /** Tracks added. */
  tracks = 0;
  /** The first decode options seen (encoding and data rate for assemble()). */
  firstOptions: DecodeResult["options"] | undefined;
  private arena: { buffer: Uint8Array; layout: ImageGeometry } | undefined;
  private noArena: boolean;
  /** Sectors with a copy in the arena, by slot. */
  private placed: Uint8Array | undefined;

  constructor(
    private readonly opts: ImageOptions = {},
    private readonly drive?: { readonly cylinders: number; readonly heads: number },
  ) {
    this.noArena = opts.geometry !== undefined;
  }

  /** The reads of one decoded track (the next input). */
  add(input: ImageTrackInput): void {
    this.addReads(sectorReads(input, this.opts.placeBy ?? "header", this.tracks++), input.result.options);
  }

  /** The next input's reads as a worker made and packed them (src/image/reads-pack.ts), named `source`. */
  addPacked(p: PackedTrackReads, source: string | undefined): void {
    this.addReads(unpackTrackReads(p, source ?? "capture", this.tracks++), p.options);
  }

  private addReads(r: { reads: SectorRead[]; badHeaders: number; orphanData: number }, options: DecodeResult["options"]): void {
    this.badHeaders += r.badHeaders;
    this.orphanData += r.orphanData;
    this.firstOptions ??= options;
    if (!this.arena && !this.noArena) this.layOut(r.reads);
    const a = this.arena;
    for (const x of r.reads) {
      if (a && x.data !== undefined && x.data.length === a.layout.sectorSize) {
        const l = a.layout;
        const c = x.cyl - l.firstCylinder, s = x.sec - l.firstSector;
        if (c >= 0 && c < l.cylinders && x.head < l.heads && s >= 0 && s < l.sectorsPerTrack) {
          const slot = (c * l.heads + x.head) * l.sectorsPerTrack + s;
          if (this.placed![slot] === 0) {
            this.placed![slot] = 1;
            const at = slot * l.sectorSize;
            a.buffer.set(x.data, at);
            this.reads.push({ ...x, data: a.buffer.subarray(at, at + l.sectorSize) });
            continue;
          }
        }
      }
      this.reads.push(x);
    }
  }

  /** The layout, from the first track with good data (see the class). */
  private layOut(reads: readonly SectorRead[]): void {
    const l = firstTrackLayout(this.opts, this.drive, reads);
    if (l === "none") {
      this.noArena = true;
      return;
    }
    if (!l) return;
    const { cylinders, heads, sectorsPerTrack, sectorSize } = l;
    const slots = cylinders * heads * sectorsPerTrack;
    if (slots * sectorSize > MAX_ARENA) {
      this.noArena = true;
      return;
    }
    try {
      // (pages untouched stay unallocated: a header claiming more cylinders than were read costs nothing)
      this.arena = { buffer: new Uint8Array(slots * sectorSize), layout: l };
      this.placed = new Uint8Array(slots);
    } catch {
      this.noArena = true;
    }
  }

  /** The image and its map from every track added (assembleImage's result for the same inputs). */
  assemble(opts: ImageOptions = this.opts): DiskImage {
    const o = this.firstOptions;
    const family = o?.preset?.limits;
    this.placed = undefined;
    return assembleReads(this.reads, {
      ...opts,
      ...(opts.encoding === undefined && family !== undefined ? { encoding: family } : {}),
      ...(opts.dataRate === undefined && o?.dataRate !== undefined ? { dataRate: o.dataRate } : {}),
    }, { badHeaders: this.badHeaders, orphanData: this.orphanData }, this.arena);
  }
}

/** A sector read as a copy for src/recover/merge.ts. */
function readCopy(r: SectorRead): SectorCopy {
  return {
    cyl: r.cyl,
    head: r.head,
    sec: r.sec,
    ...(r.data !== undefined ? { bytes: r.data, crcOk: r.dataCrcOk === true } : {}),
    ...(r.data !== undefined && r.status !== undefined ? { status: r.status } : {}),
    ...(r.crcInput !== undefined ? { crcInput: r.crcInput } : {}),
    ...(r.computed !== undefined ? { computed: r.computed } : {}),
    ...(r.check !== undefined ? { check: r.check } : {}),
    ...(r.recovery !== undefined ? { recovery: r.recovery } : {}),
    source: r.source,
    at: r.at,
  };
}
