// Several reads of one sector merged into one entry with one status (issue 11,
// part 3): the revolutions of a flux capture (decoded back to back, so one
// track's records hold each sector once per revolution), several captures of
// the same track (`image` over many files), several tracks of a .tr.
//
// A copy is a data record read after an ID record with a good check (the ID
// places it by cyl/head/sec); each copy has the status recovery gave it
// (src/recover/recover.ts: good, corrected, recovered, bad; without recovery,
// good or bad by its check). Per sector:
//
//   status     when                                                    bytes
//   good       the best copies verify as read and agree               that copy
//   corrected  no good copy; the ECC-corrected copies agree            that copy
//   recovered  no good or corrected copy; the other separators' agree that copy
//   conflict   the copies of the best of those three ranks disagree   the most frequent (earliest on a tie)
//   voted      no copy verifies; a bit-wise vote over the bad copies  the voted bytes
//              does (src/recover/vote.ts: rules and wrong-sector bound)
//   bad        copies read, none verifies, no vote verifies           the most frequent bad copy (earliest on a tie)
//   missing    no data record at all                                  none
//
// Best copy first: unmodified good beats corrected beats recovered (dgesswein's
// rule across retries: a read needing no ECC replaces a corrected one,
// recovery-facts §D.2, §A.4 (3)). Verifying copies of a lower rank that
// disagree with the chosen one are counted as `overruled` (a likely
// miscorrection) and do not make a conflict; two copies of the best rank that
// differ do (FluxEngine's CONFLICT, §D.2): diskflux cannot tell which is
// right, so such a sector is never called good.
//
// A copy of the wrong size (MergeOptions.size, the image's sector size) counts
// as bad and is not voted.
import type { DataRecord, DecodeResult } from "../types.js";
import type { SectorStatus } from "./status.js";
import type { RecoveryEvidence } from "./recover.js";
import { voteRecord, type CheckParams, type VoteEvidence } from "./vote.js";
import { defaultSpan } from "./spans.js";
import { eccKernelOf, type EccKernel } from "../kernels/ecc-load.js";
import { JsEccCore } from "../kernels/ecc.js";

/** A copy's own status: what recovery made of it. */
export type CopyStatus = "good" | "corrected" | "recovered" | "bad";

/** One read of a sector. */
export interface SectorCopy {
  readonly cyl: number;
  readonly head: number;
  readonly sec: number;
  /** The payload; undefined for an ID read without a (complete) data record. */
  readonly bytes?: Uint8Array;
  /** What recovery made of the copy; default good or bad by `crcOk`. */
  readonly status?: CopyStatus;
  readonly crcOk?: boolean;
  /** The CRC input then the stored check (decode with keepCrcInputs or recover); needed to vote. */
  readonly crcInput?: Uint8Array;
  /** The decoder's computed check (CrcVerdict.computed); needed to vote. */
  readonly computed?: string;
  /** The data check's parameters; needed to vote. */
  readonly check?: CheckParams;
  /** How a corrected or recovered copy was found. */
  readonly recovery?: RecoveryEvidence;
  /** Where it was read ("disk.scp cyl 3 head 0") and the sample of its ID record. */
  readonly source?: string;
  readonly at?: number;
}

export interface MergeOptions {
  /** The expected payload size: copies of another size count as bad. */
  readonly size?: number;
  /** Vote over bad copies (default true). */
  readonly vote?: boolean;
  /** ECC after a vote: the kernel (default the TypeScript twin) and the span (default the code's, src/recover/spans.ts; 0 = none). */
  readonly ecc?: EccKernel;
  readonly span?: number;
}

/** Why a sector has its status and bytes. */
export interface MergeEvidence {
  /** Reads of the sector (ID records with a good check). */
  reads: number;
  /** Copies by their own status (a copy of the wrong size counts as bad), and IDs without data. */
  good: number;
  corrected: number;
  recovered: number;
  bad: number;
  noData: number;
  /** Distinct payloads among the copies of the best verifying rank. */
  variants: number;
  /** The copy whose bytes are the sector's (index into the copies given); -1 when voted or missing. */
  chosen: number;
  /** Verifying copies of a lower rank whose bytes differ from the chosen copy. */
  overruled: number;
  /** How the chosen copy was corrected or recovered. */
  recovery?: RecoveryEvidence;
  /** The vote, when one was made. */
  vote?: VoteEvidence;
}

export interface MergedSector {
  readonly cyl: number;
  readonly head: number;
  readonly sec: number;
  readonly status: SectorStatus;
  /** The sector's bytes (see the header); undefined when missing. */
  readonly bytes?: Uint8Array;
  /** Copies read (reads with data). */
  readonly copies: number;
  readonly evidence: MergeEvidence;
}

const RANK: Readonly<Record<CopyStatus, number>> = { good: 0, corrected: 1, recovered: 2, bad: 3 };

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Index (into `list`) of the most frequent payload, the earliest on a tie, and the number of distinct payloads. */
function mostFrequent(list: readonly Uint8Array[]): { at: number; variants: number } {
  const groups: { at: number; n: number }[] = [];
  list.forEach((b, i) => {
    const g = groups.find((x) => sameBytes(list[x.at], b));
    if (g) g.n++;
    else groups.push({ at: i, n: 1 });
  });
  let best = groups[0];
  for (const g of groups) if (g.n > best.n) best = g;
  return { at: best?.at ?? -1, variants: groups.length };
}

let jsEcc: EccKernel | undefined;

/** A copy's status for merging: its own, bad when it has the wrong size. */
function copyStatus(c: SectorCopy, size: number | undefined): CopyStatus {
  if (c.bytes === undefined) return "bad";
  if (size !== undefined && c.bytes.length !== size) return "bad";
  return c.status ?? (c.crcOk ? "good" : "bad");
}

/**
 * Merges the reads of one sector (rules in the module header). The copies'
 * cyl/head/sec are not compared: the caller groups them.
 *
 * @example
 * import { mergeCopies } from "diskflux";
 * const a = new Uint8Array(512).fill(0xe5);
 * const b = new Uint8Array(512).fill(0xf6);
 * mergeCopies([{ cyl: 0, head: 0, sec: 1, bytes: a, crcOk: true }, { cyl: 0, head: 0, sec: 1, bytes: a, crcOk: false }]).status; // "good"
 * mergeCopies([{ cyl: 0, head: 0, sec: 1, bytes: a, crcOk: true }, { cyl: 0, head: 0, sec: 1, bytes: b, crcOk: true }]).status; // "conflict"
 * mergeCopies([{ cyl: 0, head: 0, sec: 1, bytes: b, status: "corrected" }, { cyl: 0, head: 0, sec: 1, bytes: a, status: "good" }]).evidence.overruled; // 1
 */
export function mergeCopies(copies: readonly SectorCopy[], opts: MergeOptions = {}): { status: SectorStatus; bytes?: Uint8Array; evidence: MergeEvidence } {
  const ev: MergeEvidence = { reads: copies.length, good: 0, corrected: 0, recovered: 0, bad: 0, noData: 0, variants: 0, chosen: -1, overruled: 0 };
  const st = copies.map((c) => copyStatus(c, opts.size));
  copies.forEach((c, i) => {
    if (c.bytes === undefined) ev.noData++;
    else ev[st[i]]++;
  });
  const withData = copies.map((_, i) => i).filter((i) => copies[i].bytes !== undefined);
  if (withData.length === 0) return { status: "missing", evidence: ev };
  const verifying = withData.filter((i) => st[i] !== "bad");
  if (verifying.length > 0) {
    const best = Math.min(...verifying.map((i) => RANK[st[i]]));
    const tier = verifying.filter((i) => RANK[st[i]] === best);
    const f = mostFrequent(tier.map((i) => copies[i].bytes!));
    const chosen = tier[f.at];
    const bytes = copies[chosen].bytes!;
    ev.variants = f.variants;
    ev.chosen = chosen;
    ev.overruled = verifying.filter((i) => RANK[st[i]] > best && !sameBytes(copies[i].bytes!, bytes)).length;
    const rec = copies[chosen].recovery;
    if (rec) ev.recovery = rec;
    return { status: f.variants > 1 ? "conflict" : st[chosen], bytes, evidence: ev };
  }
  // no copy verifies: vote over those that can be voted (CRC input, check, right size)
  if (opts.vote !== false) {
    const voters = withData.filter((i) => copies[i].crcInput !== undefined && copies[i].check !== undefined && (opts.size === undefined || copies[i].bytes!.length === opts.size));
    const check = voters.length > 0 ? copies[voters[0]].check! : undefined;
    const same = check ? voters.filter((i) => sameCheck(copies[i].check!, check)) : [];
    if (check && same.length >= 2) {
      const span = opts.span ?? defaultSpan(check.width, check.poly);
      const r = voteRecord(same.map((i) => ({ crcInput: copies[i].crcInput!, ...(copies[i].computed !== undefined ? { computed: copies[i].computed } : {}) })), check, {
        span,
        ecc: opts.ecc ?? (span > 0 ? (jsEcc ??= eccKernelOf(new JsEccCore())) : undefined),
      });
      ev.vote = r.evidence;
      if (r.record) {
        const like = same.find((i) => copies[i].crcInput!.length === r.record!.length)!;
        const n = copies[like].bytes!.length;
        const end = r.record.length - check.width / 8;
        return { status: "voted", bytes: r.record.slice(end - n, end), evidence: ev };
      }
    }
  }
  const f = mostFrequent(withData.map((i) => copies[i].bytes!));
  ev.chosen = withData[f.at];
  return { status: "bad", bytes: copies[ev.chosen].bytes!, evidence: ev };
}

function sameCheck(a: CheckParams, b: CheckParams): boolean {
  return a.width === b.width && a.poly === b.poly && a.init === b.init;
}

/**
 * Merges copies of many sectors: grouped by (cyl, head, sec), in the order
 * each sector was first read.
 *
 * @example
 * import { decode, mergeSectors, sectorCopies, synthTrack } from "diskflux";
 * const first = synthTrack({ format: "MFM_floppy", seed: 1 });
 * const again = synthTrack({ format: "MFM_floppy", seed: 1, badSectors: [3] }); // the same sectors, sector 3 bad this time
 * const reads = [await decode(first.capture, first.options), await decode(again.capture, again.options)];
 * const sectors = mergeSectors(reads.flatMap((r, i) => sectorCopies(r, `read ${i + 1}`)));
 * console.log(sectors.filter((s) => s.status !== "good")); // [] : the first read's sector 3 wins
 */
export function mergeSectors(copies: readonly SectorCopy[], opts: MergeOptions = {}): MergedSector[] {
  const groups = new Map<string, SectorCopy[]>();
  for (const c of copies) {
    const k = `${c.cyl}/${c.head}/${c.sec}`;
    const g = groups.get(k);
    if (g) g.push(c);
    else groups.set(k, [c]);
  }
  return [...groups.values()].map((list) => {
    const m = mergeCopies(list, opts);
    const n = list.filter((c) => c.bytes !== undefined).length;
    return { cyl: list[0].cyl, head: list[0].head, sec: list[0].sec, status: m.status, ...(m.bytes ? { bytes: m.bytes } : {}), copies: n, evidence: m.evidence };
  });
}

/**
 * The check of a decode's data records (width, polynomial, init), as a vote needs it.
 *
 * @example
 * import { dataCheckOf, decode, synthTrack } from "diskflux";
 * const t = synthTrack({ format: "MFM_WD" });
 * dataCheckOf(await decode(t.capture, t.options)); // { width: 32, poly: 336200773n (0x140a0445), init: 4294967295n }
 */
export function dataCheckOf(result: DecodeResult): CheckParams | undefined {
  const c = result.options?.dataCrc;
  return c ? { width: c.bits, poly: c.poly, init: c.init } : undefined;
}

/**
 * A data record as a copy of the sector its ID names (fields for voting included when the record has them).
 *
 * @example
 * import { copyOf, dataCheckOf, decode, synthTrack, type DataRecord, type IdRecord } from "diskflux";
 * const t = synthTrack({ format: "MFM_floppy" });
 * const result = await decode(t.capture, t.options, { keepCrcInputs: true });
 * const [id, data] = result.records as [IdRecord, DataRecord];
 * copyOf(id, data, dataCheckOf(result), { source: "track 0" }); // { cyl: 0, head: 0, sec: 1, bytes, crcOk: true, crcInput, check, … }
 */
export function copyOf(id: { cyl: number; head: number; sec: number }, data: DataRecord | undefined, check: CheckParams | undefined, where: { source?: string; at?: number } = {}): SectorCopy {
  // (keys set one by one, in this order: no temporary object a key, as spreads of `cond ? {…} : {}` made, for every sector of a drive)
  const copy: { -readonly [K in keyof SectorCopy]: SectorCopy[K] } = { cyl: id.cyl, head: id.head, sec: id.sec };
  if (data?.crc !== undefined) {
    copy.bytes = data.bytes;
    copy.crcOk = data.crc.ok;
    copy.computed = data.crc.computed;
    const status = data.status;
    if (status !== undefined && status in RANK) copy.status = status as CopyStatus;
    if (data.crcInput) copy.crcInput = data.crcInput;
    if (check) copy.check = check;
    if (data.recovery) copy.recovery = data.recovery;
  }
  if (where.source !== undefined) copy.source = where.source;
  if (where.at !== undefined) copy.at = where.at;
  return copy;
}

/**
 * The sector copies of one decode, in track order: every ID record with a
 * good check and the data record right after it (none when another ID comes
 * first), as the image assembler pairs them.
 *
 * @example
 * import { decode, mergeSectors, readAnyCapture, sectorCopies } from "diskflux";
 * import { readFile } from "node:fs/promises";
 * const disk = await readAnyCapture(await readFile("ibm360.scp"), "ibm360.scp");
 * if (disk.kind !== "tracks") throw new Error("not a flux file");
 * const result = await decode(disk.tracks[0].capture, "data_rate=250000:format=MFM:data_crc_size=16:data_crc_poly=0x1021", { recover: true, keepCrcInputs: true });
 * const copies = sectorCopies(result, "ibm360.scp"); // every revolution's copy of every sector
 * const sectors = mergeSectors(copies); // one entry per sector
 */
export function sectorCopies(result: DecodeResult, source?: string): SectorCopy[] {
  const out: SectorCopy[] = [];
  const recs = result.records;
  const check = dataCheckOf(result);
  for (let i = 0; i < recs.length; i++) {
    const r = recs[i];
    if (r.kind !== "id") continue;
    const next = recs[i + 1];
    const data = next?.kind === "data" ? next : undefined;
    if (data) i++;
    if (!r.crc?.ok) continue;
    out.push(copyOf(r, data, check, { ...(source !== undefined ? { source } : {}), at: r.start }));
  }
  return out;
}

/**
 * Merges several decodes of the same track (or one decode holding several
 * revolutions) into one entry per sector.
 *
 * @example
 * import { decode, mergeResults, readCaptureFile } from "diskflux";
 * const options = "data_rate=250000:format=MFM:data_crc_size=16:data_crc_poly=0x1021";
 * const files = ["t0-read1.sr", "t0-read2.sr", "t0-read3.sr"]; // three captures of one track
 * const reads = await Promise.all(files.map(async (f) => ({ result: await decode(await readCaptureFile(f), options, { recover: true, keepCrcInputs: true }), source: f })));
 * for (const s of mergeResults(reads)) console.log(s.sec, s.status, s.evidence.vote?.refused ?? ""); // "voted" where no read alone verified
 */
export function mergeResults(results: readonly (DecodeResult | { result: DecodeResult; source?: string })[], opts: MergeOptions = {}): MergedSector[] {
  const copies: SectorCopy[] = [];
  for (const x of results) {
    const r = "records" in x ? x : x.result;
    const source = "records" in x ? undefined : x.source;
    for (const c of sectorCopies(r, source)) copies.push(c);
  }
  return mergeSectors(copies, opts);
}

/**
 * Counts of merged sectors per status, every status present (0 when none).
 *
 * @example
 * import { statusCounts } from "diskflux";
 * statusCounts([{ status: "good" }, { status: "voted" }, { status: "good" }]);
 * // { good: 2, corrected: 0, recovered: 0, voted: 1, conflict: 0, bad: 0, missing: 0 }
 */
export function statusCounts(sectors: Iterable<{ status: SectorStatus }>): Record<SectorStatus, number> {
  const n: Record<SectorStatus, number> = { good: 0, corrected: 0, recovered: 0, voted: 0, conflict: 0, bad: 0, missing: 0 };
  for (const s of sectors) n[s.status]++;
  return n;
}
