// A whole drive's image written as its tracks are decoded (issue 12): the
// sector bytes go to an ImageSink (the CLI's: positioned writes to the output
// file) where the flat image lays them out, and what stays in memory per
// sector is a few typed-array entries, not an object with its bytes.
//
// The layout is ImageReads' (src/image/assemble.ts): the drive's cylinders and
// heads (a .tr header's, or the options'), sector size, first sector and
// sectors per track as given, else as the first track with good data shows
// them. A read is kept compact (a slot of the layout: copies, read order,
// input, source, ID cylinder/head, deleted mark, header length, sample) when
// it is a good copy of the layout's size, unmodified (no ECC, no other
// separator), and either the sector's first read or an equal copy of the
// same input and source with nothing else read of the sector in between.
// Every other read (a bad, corrected or recovered copy, an ID without data, a
// copy of another size or outside the layout, a different or later copy of a
// sector, the reads before the layout is known) is kept as a SectorRead with
// its bytes, as ImageReads keeps it: those are the problem sectors, not the
// drive. assemble() merges a sector's compact copies (bytes read back from
// the sink) with its other reads exactly as assembleReads merges the same
// reads in the same order (src/recover/merge.ts), rewrites the sectors whose
// bytes are not the first copy's (conflict, vote, a later better copy, a bad
// copy's place) and writes the fill of missing ones. The image and map are
// assembleImage's for the same inputs. The map keeps no object for a sector
// of equal good copies either: each track's `sectors` and `ids` are made from
// the slots when read (so add() nothing after assemble()).
//
// When the geometry assemble() settles on does not lay sectors out where the
// layout did (other heads, sectors per track, size, first sector), or there
// is no layout (no drive size, a named geometry, several files), the image
// is built in memory from every read (compact ones read back), as
// assembleReads does, and then written to the sink: right, but not bounded.

import type { SectorStatus } from "../recover/status.js";
import { statusCounts } from "../recover/merge.js";
import {
  assembleReads, checkedOptions, countInto, firstTrackLayout, missingSectorOf, sectorJudge, sectorReads, settleGeometry, trackOrder,
  type DiskImage, type ImageGeometry, type ImageOptions, type ImageTrackInput, type OutsideSector, type ReadStats,
  type SectorEntry, type SectorId, type SectorRead, type TrackMap,
} from "./assemble.js";
import type { DecodeResult } from "../types.js";
import { unpackTrackReads, type PackedTrackReads } from "./reads-pack.js";

/** Where the image's bytes go: positioned, synchronous writes and reads of a flat image. */
export interface ImageSink {
  /** Writes `bytes` at byte `offset` of the image. */
  write(offset: number, bytes: Uint8Array): void;
  /** Reads `into.length` bytes at `offset` (bytes written there before). */
  read(offset: number, into: Uint8Array): void;
}

/** An image written to a sink: DiskImage without the bytes, and how many bytes the image has. */
export type SinkImage = Omit<DiskImage, "image"> & { readonly imageBytes: number };

/** An ImageSink over a growable buffer (tests, small images). */
export class MemorySink implements ImageSink {
  bytes = new Uint8Array(0);
  write(offset: number, bytes: Uint8Array): void {
    if (offset + bytes.length > this.bytes.length) {
      const b = new Uint8Array(Math.max(offset + bytes.length, this.bytes.length * 2));
      b.set(this.bytes);
      this.bytes = b;
    }
    this.bytes.set(bytes, offset);
  }
  read(offset: number, into: Uint8Array): void {
    into.set(this.bytes.subarray(offset, offset + into.length));
  }
}

/** Largest layout (bytes of image) kept in slots. */
const MAX_LAYOUT = 2 ** 32;
/** Most equal copies one slot counts. */
const MAX_COPIES = 0xffff;

interface Slots {
  readonly layout: ImageGeometry;
  /** Equal good copies kept compact (0: none). */
  readonly copies: Uint16Array;
  /** Read order (of the first copy), its input, source index, ID cylinder/head, deleted mark, header length, sample. */
  readonly seq: Uint32Array;
  readonly input: Uint32Array;
  readonly source: Uint32Array;
  readonly idCyl: Int32Array;
  readonly idHead: Int32Array;
  readonly deleted: Uint8Array;
  readonly len: Int32Array;
  readonly at: Float64Array;
}

const key = (c: number, h: number, s: number) => (c * 256 + h) * 256 + s;

/**
 * Sector reads of a whole drive's tracks as they are decoded, the image
 * written to `sink` as they come (see the module header); assemble() gives
 * the map, the image being in the sink.
 *
 * @example
 * const reads = new ImageFileReads({}, { cylinders: 615, heads: 4 }, sink);
 * for await (const t of decodedTracks) reads.add(t);
 * const img = reads.assemble(); // img.imageBytes bytes in the sink; img.tracks the map
 */
export class ImageFileReads {
  /** Reads kept as objects (see the module header), in read order, and their read order numbers. */
  readonly reads: SectorRead[] = [];
  private readonly readSeq: number[] = [];
  badHeaders = 0;
  orphanData = 0;
  /** Tracks added. */
  tracks = 0;
  firstOptions: DecodeResult["options"] | undefined;
  private slots: Slots | undefined;
  private noLayout: boolean;
  private seq = 0;
  /** Sectors (key) with a read kept as an object. */
  private readonly loose = new Set<number>();
  private readonly sourceNames: string[] = [];
  private readonly sourceIndex = new Map<string, number>();
  private scratch = new Uint8Array(0);

  constructor(
    private readonly opts: ImageOptions = {},
    private readonly drive: { readonly cylinders: number; readonly heads: number } | undefined,
    private readonly sink: ImageSink,
  ) {
    this.noLayout = opts.geometry !== undefined;
  }

  /** Sectors kept compact (slots holding a copy): what memory the reads take is this, not the drive's bytes. */
  get compactSectors(): number {
    const s = this.slots;
    if (!s) return 0;
    let n = 0;
    for (let i = 0; i < s.copies.length; i++) if (s.copies[i] > 0) n++;
    return n;
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
    if (!this.slots && !this.noLayout) this.layOut(r.reads);
    const sl = this.slots;
    for (const x of r.reads) {
      const seq = this.seq++;
      const k = key(x.cyl, x.head, x.sec);
      if (sl && !this.loose.has(k) && x.data !== undefined && x.dataCrcOk === true && (x.status === undefined || x.status === "good") && x.recovery === undefined) {
        const l = sl.layout;
        const c = x.cyl - l.firstCylinder, s = x.sec - l.firstSector;
        if (x.data.length === l.sectorSize && c >= 0 && c < l.cylinders && x.head < l.heads && s >= 0 && s < l.sectorsPerTrack) {
          const slot = (c * l.heads + x.head) * l.sectorsPerTrack + s;
          const n = sl.copies[slot];
          const src = this.sourceOf(x.source);
          if (n === 0) {
            sl.copies[slot] = 1;
            sl.seq[slot] = seq;
            sl.input[slot] = x.input ?? 0;
            sl.source[slot] = src;
            sl.idCyl[slot] = x.idCyl ?? x.cyl;
            sl.idHead[slot] = x.idHead ?? x.head;
            sl.deleted[slot] = x.deleted ? 1 : 0;
            sl.len[slot] = x.len;
            sl.at[slot] = x.at;
            this.sink.write(slot * l.sectorSize, x.data);
            continue;
          }
          // another equal copy of the same input and source: counted (a different one is kept loose)
          if (n < MAX_COPIES && sl.input[slot] === (x.input ?? 0) && sl.source[slot] === src && this.sameAsSlot(slot, x.data)) {
            sl.copies[slot] = n + 1;
            continue;
          }
        }
      }
      this.loose.add(k);
      this.reads.push(x);
      this.readSeq.push(seq);
    }
  }

  private sourceOf(name: string): number {
    let i = this.sourceIndex.get(name);
    if (i === undefined) {
      i = this.sourceNames.length;
      this.sourceNames.push(name);
      this.sourceIndex.set(name, i);
    }
    return i;
  }

  private sameAsSlot(slot: number, data: Uint8Array): boolean {
    const size = this.slots!.layout.sectorSize;
    if (this.scratch.length !== size) this.scratch = new Uint8Array(size);
    this.sink.read(slot * size, this.scratch);
    for (let i = 0; i < size; i++) if (this.scratch[i] !== data[i]) return false;
    return true;
  }

  /** The layout, from the first track with good data (ImageReads' rule: firstTrackLayout). */
  private layOut(reads: readonly SectorRead[]): void {
    const l = firstTrackLayout(this.opts, this.drive, reads);
    if (l === "none") {
      this.noLayout = true;
      return;
    }
    if (!l) return;
    const { cylinders, heads, sectorsPerTrack, sectorSize } = l;
    const n = cylinders * heads * sectorsPerTrack;
    if (n * sectorSize > MAX_LAYOUT) {
      this.noLayout = true;
      return;
    }
    this.slots = {
      layout: l,
      copies: new Uint16Array(n),
      seq: new Uint32Array(n),
      input: new Uint32Array(n),
      source: new Uint32Array(n),
      idCyl: new Int32Array(n),
      idHead: new Int32Array(n),
      deleted: new Uint8Array(n),
      len: new Int32Array(n),
      at: new Float64Array(n),
    };
  }

  /** The compact copies of a slot as reads (bytes read back from the sink, one array for all). */
  private slotReads(slot: number): SectorRead[] {
    const sl = this.slots!;
    const l = sl.layout;
    const n = sl.copies[slot];
    if (n === 0) return [];
    const data = new Uint8Array(l.sectorSize);
    this.sink.read(slot * l.sectorSize, data);
    const s = slot % l.sectorsPerTrack, t = Math.floor(slot / l.sectorsPerTrack);
    const cyl = l.firstCylinder + Math.floor(t / l.heads), head = t % l.heads;
    const r: SectorRead = {
      cyl, head, sec: l.firstSector + s, len: sl.len[slot], data, dataCrcOk: true, deleted: sl.deleted[slot] === 1,
      source: this.sourceNames[sl.source[slot]], at: sl.at[slot], idCyl: sl.idCyl[slot], idHead: sl.idHead[slot], input: sl.input[slot],
    };
    return new Array<SectorRead>(n).fill(r);
  }

  /** Every read in read order, compact ones as objects: the in-memory way (see the module header). */
  private allReads(): SectorRead[] {
    const sl = this.slots;
    const out: { seq: number; reads: SectorRead[] }[] = this.reads.map((r, i) => ({ seq: this.readSeq[i], reads: [r] }));
    if (sl) for (let slot = 0; slot < sl.copies.length; slot++) if (sl.copies[slot] > 0) out.push({ seq: sl.seq[slot], reads: this.slotReads(slot) });
    out.sort((a, b) => a.seq - b.seq);
    return out.flatMap((x) => x.reads);
  }

  private optionsFor(opts: ImageOptions): ImageOptions {
    const o = this.firstOptions;
    const family = o?.preset?.limits;
    return {
      ...opts,
      ...(opts.encoding === undefined && family !== undefined ? { encoding: family } : {}),
      ...(opts.dataRate === undefined && o?.dataRate !== undefined ? { dataRate: o.dataRate } : {}),
    };
  }

  /** The map of the image from every track added, the image written to the sink (assembleImage's image and map for the same inputs). */
  assemble(opts: ImageOptions = this.opts): SinkImage {
    const checked = checkedOptions(this.optionsFor(opts));
    const o = checked.opts;
    const sl = this.slots;
    const counts0 = { badHeaders: this.badHeaders, orphanData: this.orphanData };
    const st = this.stats();
    const { geometry, inferred, floppy } = settleGeometry(o, checked.named, st);
    const l = sl?.layout;
    const inPlace = l !== undefined && l.heads === geometry.heads && l.sectorsPerTrack === geometry.sectorsPerTrack && l.sectorSize === geometry.sectorSize &&
      l.firstSector === geometry.firstSector && l.firstCylinder === geometry.firstCylinder;
    if (!inPlace) {
      const { image, ...rest } = assembleReads(this.allReads(), this.optionsFor(opts), counts0);
      this.sink.write(0, image);
      return { ...rest, imageBytes: image.length };
    }
    const { cylinders, heads, sectorsPerTrack, sectorSize, firstSector, firstCylinder } = geometry;
    const trackBytes = sectorsPerTrack * sectorSize;
    const { pattern, missingSector } = missingSectorOf(o.fill, sectorSize);
    const { judge, single } = sectorJudge(sectorSize, o, missingSector);
    const slots = sl!;

    // the loose reads by sector and by track (in read order)
    const bySector = new Map<number, SectorRead[]>();
    const byTrack = new Map<number, { sec: number; input?: number; seq: number }[]>();
    this.reads.forEach((r, i) => {
      const k = key(r.cyl, r.head, r.sec);
      const list = bySector.get(k);
      if (list) list.push(r);
      else bySector.set(k, [r]);
      const tk = r.cyl * 256 + r.head;
      const t = byTrack.get(tk);
      const e = { sec: r.sec, ...(r.input !== undefined ? { input: r.input } : {}), seq: this.readSeq[i] };
      if (t) t.push(e);
      else byTrack.set(tk, [e]);
    });
    const slotOf = (c: number, head: number, i: number) => (c < l.cylinders ? (c * heads + head) * sectorsPerTrack + i : -1);
    const sectorBytes = (data: Uint8Array): Uint8Array => {
      if (data.length === sectorSize) return data;
      if (data.length > sectorSize) return data.subarray(0, sectorSize);
      const b = new Uint8Array(sectorSize);
      b.set(data);
      for (let i = data.length; i < sectorSize; i++) b[i] = pattern[i % pattern.length];
      return b;
    };

    const counts: Record<SectorStatus, number> = statusCounts([]);
    // The map keeps per sector no object: a sector with only equal good copies is described by its slot
    // when the map is read (each track's `sectors` and `ids` are made when asked for); the others' entries
    // (judged here, their bytes written) are kept as made.
    const judgedEntries = new Map<number, { entry: SectorEntry; id: SectorId }>();
    const sources = this.sourceNames;
    const entriesOf = (c: number, head: number, offset: number): { sectors: SectorEntry[]; ids: SectorId[] } => {
      const sectors: SectorEntry[] = [];
      const ids: SectorId[] = [];
      for (let i = 0; i < sectorsPerTrack; i++) {
        const g = (c * heads + head) * sectorsPerTrack + i;
        const had = judgedEntries.get(g);
        if (had) {
          sectors.push(had.entry);
          ids.push(had.id);
          continue;
        }
        // (g is the slot: the layout's heads, sectors and size are the geometry's)
        const j = single(slots.copies[g], sources[slots.source[g]], slots.deleted[g] === 1, slots.idCyl[g], slots.idHead[g]);
        sectors.push({ sec: firstSector + i, status: j.status, reads: j.reads, good: j.good, bad: j.bad, noData: j.noData, variants: j.variants, offset: offset + i * sectorSize, sources: j.sources, evidence: j.evidence });
        ids.push(j.id!);
      }
      return { sectors, ids };
    };
    const tracks: TrackMap[] = [];
    for (let c = 0; c < cylinders; c++) {
      const cyl = firstCylinder + c;
      for (let head = 0; head < heads; head++) {
        const offset = (c * heads + head) * trackBytes;
        const read: { sec: number; input?: number; seq: number }[] = [...(byTrack.get(cyl * 256 + head) ?? [])];
        for (let i = 0; i < sectorsPerTrack; i++) {
          const sec = firstSector + i;
          const slot = slotOf(c, head, i);
          const n = slot >= 0 ? slots.copies[slot] : 0;
          const loose = bySector.get(key(cyl, head, sec));
          const at = offset + i * sectorSize;
          if (n > 0) read.push({ sec, input: slots.input[slot], seq: slots.seq[slot] });
          if (n > 0 && loose === undefined) {
            // equal good copies only: the first is in the image already (the entry: entriesOf)
            counts.good++;
            continue;
          }
          // (compact copies come before any loose read of their sector: see add())
          const j = judge(n > 0 ? [...this.slotReads(slot), ...(loose ?? [])] : loose);
          this.sink.write(at, sectorBytes(j.data));
          counts[j.status]++;
          judgedEntries.set((c * heads + head) * sectorsPerTrack + i, {
            entry: { sec, status: j.status, reads: j.reads, good: j.good, bad: j.bad, noData: j.noData, variants: j.variants, offset: at, sources: j.sources, evidence: j.evidence },
            id: j.id ?? { deleted: false, cyl, head },
          });
        }
        read.sort((a, b) => a.seq - b.seq);
        tracks.push({
          cyl, head, offset,
          get sectors() {
            return entriesOf(c, head, offset).sectors;
          },
          order: trackOrder(read, firstSector, sectorsPerTrack),
          get ids() {
            return entriesOf(c, head, offset).ids;
          },
        });
      }
    }

    // sectors outside the geometry: loose reads, and compact ones past its cylinders
    const outsideLists = new Map<number, SectorRead[]>();
    const inside = (c: number, h: number, s: number) => c >= firstCylinder && c < firstCylinder + cylinders && h < heads && s >= firstSector && s < firstSector + sectorsPerTrack;
    for (let slot = cylinders * heads * sectorsPerTrack; slot < slots.copies.length; slot++) {
      if (slots.copies[slot] === 0) continue;
      const reads = this.slotReads(slot);
      outsideLists.set(key(reads[0].cyl, reads[0].head, reads[0].sec), reads);
    }
    for (const [k, list] of bySector) {
      const s = k % 256, h = Math.floor(k / 256) % 256, c = Math.floor(k / 65536);
      if (inside(c, h, s)) continue;
      const had = outsideLists.get(k);
      outsideLists.set(k, had ? [...had, ...list] : list);
    }
    const outside: OutsideSector[] = [];
    for (const [k, list] of outsideLists) {
      const s = k % 256, h = Math.floor(k / 256) % 256, c = Math.floor(k / 65536);
      const j = judge(list);
      outside.push({ cyl: c, head: h, sec: s, status: j.status, reads: j.reads });
    }
    outside.sort((a, b) => a.cyl - b.cyl || a.head - b.head || a.sec - b.sec);
    return {
      geometry, inferred, tracks, counts, outside, badHeaders: this.badHeaders, orphanData: this.orphanData, ...(floppy ? { floppy } : {}),
      imageBytes: cylinders * heads * trackBytes,
    };
  }

  /** What the geometry is inferred from: the compact slots and the loose reads. */
  private stats(): ReadStats {
    const sl = this.slots;
    const st: ReadStats = { cylEnd: 0, headEnd: 0, secs: [], goodLengths: new Map(), dataLengths: new Map(), idLengths: new Map(), readBytes: 0 };
    const secs = new Set<number>();
    st.secs = secs;
    for (const r of this.reads) {
      if (r.cyl + 1 > st.cylEnd) st.cylEnd = r.cyl + 1;
      if (r.head + 1 > st.headEnd) st.headEnd = r.head + 1;
      secs.add(r.sec);
      countInto(st.idLengths, r.len);
      if (r.data) {
        countInto(st.dataLengths, r.data.length);
        if (r.dataCrcOk) countInto(st.goodLengths, r.data.length);
        st.readBytes += r.data.length;
      }
    }
    if (sl) {
      const l = sl.layout;
      for (let slot = 0; slot < sl.copies.length; slot++) {
        const n = sl.copies[slot];
        if (n === 0) continue;
        const t = Math.floor(slot / l.sectorsPerTrack);
        const cyl = l.firstCylinder + Math.floor(t / l.heads), head = t % l.heads;
        if (cyl + 1 > st.cylEnd) st.cylEnd = cyl + 1;
        if (head + 1 > st.headEnd) st.headEnd = head + 1;
        secs.add(l.firstSector + (slot % l.sectorsPerTrack));
        countInto(st.idLengths, sl.len[slot], n);
        countInto(st.dataLengths, l.sectorSize, n);
        countInto(st.goodLengths, l.sectorSize, n);
        st.readBytes += n * l.sectorSize;
      }
    }
    return st;
  }
}

