// A track's sector reads (sectorReads, src/image/assemble.ts) made where the
// track was decoded, packed for the trip to the thread that assembles the image
// (decodeMany's `imageReads`: the CLI's `image --jobs N`). Instead of the lean
// decode result (34 records with nested CRC verdicts a hard-disk track, packed,
// cloned and rebuilt as objects: ~0.25 ms a track of the worker's time and the
// assembling thread's garbage), a track travels as:
//
//   plain    per read: 1 = a plain good copy (the columns below), 0 = any other (in `others`)
//   ints     per plain read: cyl, head, sec, len, idCyl, idHead, deleted (0/1), data length
//   at       per plain read: the ID record's sample number
//   computed per plain read: the decoder's computed check (hex)
//   data     the plain reads' payloads back to back (one buffer, moved)
//   others   the other reads, packObjects (src/pool/pack.ts) or cloned
//   check    the track's data check (dataCheckOf), which every plain read carries
//
// unpackTrackReads gives back exactly what sectorReads gave on the decoding
// thread (keys in the same order), with the assembling thread's source name and
// input number; a plain read's data is a view into the one data buffer.
import type { DecodeResult } from "../types.js";
import type { CheckParams } from "../recover/vote.js";
import { packObjects, unpackObjects, type PackedObjects } from "../pool/pack.js";
import type { SectorRead } from "./assemble.js";

/** A track's reads, packed (see the header). */
export interface PackedTrackReads {
  readonly count: number;
  readonly plain: Uint8Array;
  readonly ints: Int32Array;
  readonly at: Float64Array;
  readonly computed: string[];
  readonly data: Uint8Array;
  readonly others: PackedObjects;
  readonly check: CheckParams | undefined;
  readonly badHeaders: number;
  readonly orphanData: number;
  /** The decode's options (the image's first track's say its encoding and data rate). */
  readonly options: DecodeResult["options"];
}

const INTS = 8;

/** Whether two data checks are the same parameters (sectorReads makes one object a track). */
function sameCheck(a: CheckParams | undefined, b: CheckParams | undefined): boolean {
  return a === b || (a !== undefined && b !== undefined && a.width === b.width && a.poly === b.poly && a.init === b.init);
}

/** Whether a read is a plain good copy: the keys of sectorReads' fast literal, its check the track's. */
function isPlain(r: SectorRead, check: CheckParams | undefined): boolean {
  return (
    r.status === "good" && r.data !== undefined && r.dataCrcOk === true && r.crcInput === undefined && r.recovery === undefined &&
    sameCheck(r.check, check) && typeof r.computed === "string" && r.idCyl !== undefined && r.idHead !== undefined && r.deleted !== undefined &&
    Number.isInteger(r.cyl) && Number.isInteger(r.head) && Number.isInteger(r.sec) && Number.isInteger(r.len) && Number.isInteger(r.idCyl) && Number.isInteger(r.idHead) &&
    Math.abs(r.cyl) < 2 ** 31 && Math.abs(r.head) < 2 ** 31 && Math.abs(r.sec) < 2 ** 31 && Math.abs(r.len) < 2 ** 31 && Math.abs(r.idCyl) < 2 ** 31 && Math.abs(r.idHead) < 2 ** 31
  );
}

/** The reads of one track, packed; `transfer` the buffers that may move with them. */
export function packTrackReads(
  r: { readonly reads: readonly SectorRead[]; readonly badHeaders: number; readonly orphanData: number },
  check: CheckParams | undefined,
  options: DecodeResult["options"],
): { packed: PackedTrackReads; transfer: ArrayBuffer[] } {
  const n = r.reads.length;
  const plain = new Uint8Array(n);
  let k = 0;
  let bytes = 0;
  for (let i = 0; i < n; i++) {
    const x = r.reads[i];
    if (isPlain(x, check)) {
      plain[i] = 1;
      k++;
      bytes += x.data!.length;
    }
  }
  const ints = new Int32Array(k * INTS);
  const at = new Float64Array(k);
  const computed: string[] = [];
  const data = new Uint8Array(bytes);
  const others: unknown[] = [];
  for (let i = 0, j = 0, off = 0; i < n; i++) {
    const x = r.reads[i];
    if (plain[i] === 0) {
      // (where it goes and what it is called: the assembling thread's to say)
      const { source: _s, input: _i, ...rest } = x;
      others.push(rest);
      continue;
    }
    const b = j * INTS;
    ints[b] = x.cyl;
    ints[b + 1] = x.head;
    ints[b + 2] = x.sec;
    ints[b + 3] = x.len;
    ints[b + 4] = x.idCyl!;
    ints[b + 5] = x.idHead!;
    ints[b + 6] = x.deleted ? 1 : 0;
    ints[b + 7] = x.data!.length;
    at[j] = x.at;
    computed.push(x.computed!);
    data.set(x.data!, off);
    off += x.data!.length;
    j++;
  }
  const packed: PackedTrackReads = {
    count: n, plain, ints, at, computed, data, others: packObjects(others), check, badHeaders: r.badHeaders, orphanData: r.orphanData, options,
  };
  const transfer: ArrayBuffer[] = [];
  for (const a of [plain, ints, at, data, packed.others.nums, packed.others.bytes]) {
    const buf = a.buffer as ArrayBuffer;
    if (buf.byteLength > 0 && !transfer.includes(buf)) transfer.push(buf);
  }
  return { packed, transfer };
}

/** The reads packTrackReads packed, as sectorReads gave them, named `source` and numbered `input`. */
export function unpackTrackReads(p: PackedTrackReads, source: string, input: number): { reads: SectorRead[]; badHeaders: number; orphanData: number } {
  const others = unpackObjects<Omit<SectorRead, "source" | "input">>(p.others);
  const reads: SectorRead[] = new Array(p.count);
  const { ints, check } = p;
  for (let i = 0, j = 0, o = 0, off = 0; i < p.count; i++) {
    if (p.plain[i] === 0) {
      // (sectorReads' key order: source right before at, input last)
      const x = others[o++] as Record<string, unknown>;
      const read: Record<string, unknown> = {};
      for (const key in x) {
        if (key === "at") read.source = source;
        read[key] = x[key];
      }
      read.input = input;
      reads[i] = read as unknown as SectorRead;
      continue;
    }
    const b = j * INTS;
    const len = ints[b + 7];
    // (the keys in the order of sectorReads' fast literal)
    reads[i] = {
      cyl: ints[b], head: ints[b + 1], sec: ints[b + 2], len: ints[b + 3],
      data: p.data.subarray(off, off + len), dataCrcOk: true, deleted: ints[b + 6] === 1, status: "good", computed: p.computed[j], check,
      source, at: p.at[j], idCyl: ints[b + 4], idHead: ints[b + 5], input,
    } as SectorRead;
    off += len;
    j++;
  }
  return { reads, badHeaders: p.badHeaders, orphanData: p.orphanData };
}
