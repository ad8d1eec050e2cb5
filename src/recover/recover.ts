// Recovery of data records whose check fails: ECC burst correction, whole-track
// retries with other PLL gains, then tolerant separators and soft decisions.
// Never a wrong sector called good: every accepted copy verifies its check, and
// the chance that a wrong one does is bounded by the trials made (below).
//
//   bad data record ──▶ ECC (span from spans.ts) ──▶ corrected
//          │ still bad, or sectors lost (looksIncomplete)
//          ▼
//   the track again with other PLL gains (RETRY_SEPARATORS) ──▶ recovered (how: "pll")
//          ▼
//   the track re-timed by each tolerant separator (separator.ts: no resets,
//   spikes/dropouts repaired by the run-length rules) and decoded again;
//   lost sectors (ID and data) are added ──▶ recovered (how: "separator")
//          ▼
//   soft decisions (soft.ts) on the sector's window: first where an ECC
//   syndrome (or, for RLL, a broken code-word parse) points — move, delete
//   or insert one edge — then rare interval lengths split or merged (a lost
//   or extra edge the run-length rules cannot see), then the least certain
//   edges flipped 1–3 at a time (checks of ≥ 48 bits: 40 candidates decoded
//   one flip at a time, then the sets of 2–4 whose syndrome changes cancel
//   the copy's syndrome, combine.ts);
//   a trial whose copy still fails but whose syndrome now points somewhere
//   gets a second decision there (SECOND_LEVEL) ──▶ recovered (how: "soft");
//   a syndrome only locates, a copy is taken on its plain check
//          ▼
//         bad
//
// Acceptance: a ≥ 32-bit check: one verifying copy; a 16-bit check: two
// separators (different settings) must give the same bytes; verifying copies
// that disagree are all refused. A new ID record (the plain decode had none, or
// a bad one, there) is trusted only with a ≥ 32-bit header check or two
// agreeing separators, and never over a good plain ID with another key.
// A clean track (every check verifies, looksIncomplete false) costs nothing.
//
// Bound on the chance that a sector so marked is wrong (W = check width;
// trials per sector; ≈ trials × 2^-W for damage the check cannot see):
//
//   status / how         trials per sector                  W = 32     W = 48     W = 56
//   good                 1                                  2.3e-10    3.6e-15    1.4e-17
//   corrected (ECC)      1 correction, span s: n·2^(s-1)·2^-W (spans.ts miscorrectionEstimate;
//                        n = 4168): WD s=5 1.6e-5, s=6 3.1e-5 (the controllers' documented
//                        span, README "ECC"); 48-bit s=11 1.5e-8; 56-bit s=22 1.2e-7
//   recovered, pll       ≤ 5 decodes                        1.2e-9     1.8e-14    6.9e-17
//   recovered, separator ≤ 3 decodes (+ ECC on the copy only for codes whose estimate
//                        is ≤ 1e-7: the 48-bit s=11 one)    7.0e-10    + 1.5e-8   4.2e-17
//   recovered, soft      ≤ 3 × SOFT_MAX_BUDGET = 1 200      2.8e-7
//                        ≥ 48 bits: + the flip sets combine.ts looks at, 3 × considered(40, 4)
//                        = 3 × 102 090 (≤ 307 470 in all)              1.1e-9     4.3e-12
//   all stages together  32: ≤ 1 + 5 + 3 + 1 200 = 1 209  2.8e-7
//                        ≥ 48: ≤ 1 + 5 + 3 + 307 470                   1.1e-9     4.3e-12
//                        (plus the ECC terms where they apply: the plain copy's, and for
//                        48-bit the separator copy's, 1.5e-8 each)
//   (soft trials include the decisions an ECC syndrome or a broken RLL parse
//   locates; the syndrome is never applied to a soft copy. The parse checks,
//   ≤ PARSE_CHECKS window decodes a track, accept nothing.)
//
// 16-bit checks (floppies' CRC-CCITT, most MFM headers): one trial passes a
// wrong copy with ≈ 2^-16 = 1.5e-5, which is why one copy is never enough
// there: two separators (PLL retries, tolerant separators) must give the same
// bytes (and the same ID): ≤ 5 + 3 whole-track decodes, ≈ 8 × 1.5e-5 = 1.2e-4
// for a copy to pass by chance, and then a second separator must give the very
// same bytes. No soft decisions on a 16-bit data check: hundreds of trials, and
// the two separators' trials make the same decisions on nearly the same edges,
// so their agreement proves little (measured: wrong floppy sectors got through
// that way before this rule). Soft decisions default to SOFT_DEFAULTS.budget
// = 400 trials per separator (softBudget, ≤ SOFT_MAX_BUDGET = 400), and only
// where a data field was written: a data record some decode read, or a sync
// after the ID that the PLL locked onto (a reset there) before its mark failed.
// A data field with no such trace (never written, erased) stays missing: it
// cost 1 200 window decodes a sector, 2 s a track of them, for nothing.
//
// An ECC syndrome is used two ways, both within the code's span (spans.ts):
// as a correction (status corrected, or a 48-bit separator copy), and as a
// locator for soft decisions. A located decision is taken only when the new
// copy's plain check verifies, but it is steered toward the syndrome's burst,
// so it is not a random trial: it carries the code's miscorrection estimate
// (as corrected does: WD s=5 1.6e-5, s=6 3.1e-5, 48-bit 1.5e-8, 56-bit
// 1.2e-7) on top of trials × 2^-W. Measured: located up to the derived
// ceiling instead, 0xA00805 (a Fire code) let wrong sectors through.
//
// Statuses and evidence go on the records (record.status, record.recovery);
// recovered sectors the plain decode lost are added to result.records (their
// ID record carries `recovery` too); the binary streams, fields and
// annotations stay the original's.
import type { Capture, EdgeCapture } from "../capture.js";
import type { DecodeResult, DataRecord, DecodeRequest, FieldEvent, IdRecord, TrackRecord } from "../types.js";
import { getEccKernel } from "../kernels/ecc-load.js";
import { crcOf } from "../kernels/crc.js";
import { resolveSpan, miscorrectionEstimate } from "./spans.js";
import { retime, TOLERANT_SEPARATORS, type Retimed, type SeparatorSetting } from "./separator.js";
import { combine, considered } from "./combine.js";
import { flipCandidates, flipsLegal, flipSets, flippedWindow, flipDecisions, locatedDecisions, rareDecisions, decidedWindow, SOFT_DEFAULTS, type Decision, type SoftTarget } from "./soft.js";
import { LIMITS } from "../presets.js";
import { EVENT_STRIDE, EV_BYTE } from "../kernels/abi.js";
import { sectorRows } from "../report/table.js";
import type { DecodeOptions } from "../options.js";

export type { SectorStatus } from "./status.js";

export type RecoveryEvidence =
  | { how: "ecc"; /** First corrected bit from the start of the CRC input (bit 0 = MSB of its first byte). */ startBit: number; bits: number }
  | { how: "pll"; kp: number; ki: number; syncTolerance: string; /** Separators that gave these bytes. */ agreeing: number }
  | {
    how: "separator";
    /** The tolerant separator (separator.ts TOLERANT_SEPARATORS) that gave this copy. */
    separator: string; kp: number; ki: number;
    /** Tolerant separators that gave these bytes. */
    agreeing: number;
    /** The separator's copy needed an ECC burst correction (strong codes only). */
    ecc?: { startBit: number; bits: number };
    /** The sector's ID record came from this separator too (the plain decode had none, or a bad one). */
    id?: boolean;
    /** With `id`: separators that read that ID with the same bytes. */
    idAgreeing?: number;
  }
  | {
    how: "soft";
    separator: string;
    /** Edges given their other cell count. */
    flips: number;
    /** Trials (window decodes) made for this sector, all counted in the bound. */
    trials: number;
    /** Copies (from different separators) that gave these bytes. */
    agreeing: number;
    id?: boolean;
    idAgreeing?: number;
  };

export interface RecoverOptions {
  /** ECC burst correction (default true). */
  ecc?: boolean;
  /** Longest burst to correct; default the code's span (src/recover/spans.ts). Above the derived ceiling needs `unsafe`. */
  maxBurst?: number;
  unsafe?: boolean;
  /** Decode again with other data separators (default true). */
  retries?: boolean;
  /** Decode again through the tolerant separators of separator.ts (default true). */
  separator?: boolean;
  /** Soft decisions on the least certain pulses (default true; needs `separator`). */
  soft?: boolean;
  /** Soft-decision trials per sector and separator (default SOFT_DEFAULTS.budget; at most SOFT_MAX_BUDGET). */
  softBudget?: number;
}

export interface RecoverySummary {
  good: number;
  corrected: number;
  recovered: number;
  bad: number;
  /** Whole-track decodes made for retries (0 on a clean track), the tolerant separators' included. */
  retryDecodes: number;
  /** Of those, the tolerant separators' (and the one that reads the edges). */
  separatorDecodes?: number;
  /** Soft-decision trials (sector window decodes). */
  softTrials?: number;
}

/** The data separators tried after the default, gentlest first (greaseweazle's second PLL is gentler; recovery-facts §D.1). */
export const RETRY_SEPARATORS: readonly { kp: number; ki: number; syncTolerance: string }[] = [
  { kp: 0.25, ki: 0.0005, syncTolerance: "25%" },
  { kp: 1, ki: 0.0005, syncTolerance: "25%" },
  { kp: 0.5, ki: 0.002, syncTolerance: "25%" },
  { kp: 0.5, ki: 0.0005, syncTolerance: "33%" },
  { kp: 0.125, ki: 0.0001, syncTolerance: "33%" },
];

/** Gap allowed between an ID record's end and its data mark: 64 bytes of 16 cells. */
const ID_TO_DATA_BYTES = 64;

/**
 * ID records with the data record that belongs to them: sectorRows pairs an ID
 * with the next data record, which, when the sector's own data mark was lost
 * and the next ID too, is another sector's data. Only a data mark close after
 * the ID counts here.
 */
export function ownDataRows(result: DecodeResult): { key?: string; data?: DataRecord }[] {
  const samplesPerByte = (result.sampleRate / (2 * result.options.dataRate)) * 16;
  return sectorRows(result).map((row) => {
    const key = row.id?.crc?.ok ? `${row.id.cyl}/${row.id.head}/${row.id.sec}` : undefined;
    const near = row.id && row.data && row.data.markStart - (row.id.crc?.end ?? row.id.end) <= ID_TO_DATA_BYTES * samplesPerByte;
    return { ...(near && key !== undefined ? { key } : {}), ...(row.data ? { data: row.data } : {}) };
  });
}

/**
 * The spec §5.4 quirk bites only when the header and data checks share a
 * polynomial at different widths (the data check is then computed with the
 * header's table, not the code's): ECC does not apply to such a check. At
 * equal widths the two tables are one and the same (ST21M/R, ACB-4070,
 * OMTI 8240), so ECC applies.
 */
function headerTableQuirk(o: DecodeResult["options"]): boolean {
  return o.dataUsesHeaderTable && o.headerCrc.bits !== o.dataCrc.bits;
}

function checkValue(b: Uint8Array): bigint {
  let v = 0n;
  for (const x of b) v = (v << 8n) | BigInt(x);
  return v;
}

/**
 * Sets `status` (and `recovery`) on every data record of `result`, recovering
 * what it can. `options` are the ones `result` was decoded with.
 */
export async function recoverTrack(
  capture: Capture,
  options: DecodeOptions,
  result: DecodeResult,
  request: DecodeRequest,
  how: RecoverOptions = {},
): Promise<RecoverySummary> {
  const o = result.options;
  const dw = o.dataCrc.bits;
  const summary: RecoverySummary = { good: 0, corrected: 0, recovered: 0, bad: 0, retryDecodes: 0 };
  // A clean track (every data record verifies, no sector looks lost) ends here, as the stages
  // below would end it, without their rows and keys: most tracks of a drive.
  if (result.records.every((r) => r.kind !== "data" || r.crc?.ok === true) && (how.separator === false || !looksIncomplete(result))) {
    for (const r of result.records) {
      if (r.kind !== "data") continue;
      r.status = "good";
      summary.good++;
    }
    return summary;
  }
  const rows = ownDataRows(result);
  const failing: { data: DataRecord; key?: string }[] = [];
  for (const row of rows) {
    const d = row.data;
    if (!d) continue;
    if (d.crc?.ok) {
      d.status = "good";
      continue;
    }
    failing.push({ data: d, ...(row.key !== undefined ? { key: row.key } : {}) });
  }

  // 1. ECC: a single burst within the code's span, corrected and verified
  const span = how.ecc === false ? 0 : resolveSpan(dw, o.dataCrc.poly, { ...(how.maxBurst !== undefined ? { maxBurst: how.maxBurst } : {}), ...(how.unsafe ? { unsafe: true } : {}) });
  if (span > 0 && failing.length > 0 && !headerTableQuirk(o)) {
    const ecc = await getEccKernel(request.backend ?? "auto");
    for (const f of failing) {
      const input = f.data.crcInput;
      if (!f.data.crc || !input || input.length < dw / 8 + f.data.bytes.length) continue;
      const rec = input.slice();
      const r = ecc.correct(rec, { width: dw, poly: o.dataCrc.poly, init: o.dataCrc.init, maxBurst: span });
      if (r.status !== 1) continue;
      const msg = rec.subarray(0, rec.length - dw / 8);
      if (crcOf(dw, o.dataCrc.poly, o.dataCrc.init, msg) !== checkValue(rec.subarray(rec.length - dw / 8))) continue;
      f.data.bytes = msg.slice(msg.length - f.data.bytes.length);
      f.data.status = "corrected";
      f.data.recovery = { how: "ecc", startBit: r.startBit, bits: r.length };
    }
  }

  // 2. other data separators over the whole track, only when something still fails
  const still = failing.filter((f) => f.data.status === undefined);
  if (how.retries !== false && still.length > 0) {
    const { decode } = await import("../decode.js");
    const copies = new Map<DataRecord, { bytes: Uint8Array; sep: (typeof RETRY_SEPARATORS)[number] }[]>();
    const tolerance = Math.max(1, result.sampleRate / o.dataRate) * 64; // a few bytes' worth of samples
    for (const sep of RETRY_SEPARATORS) {
      const again = await decode(capture, { ...options, pll_kp: sep.kp, pll_ki: sep.ki, pll_sync_tolerance: sep.syncTolerance }, {
        ...(request.backend ? { backend: request.backend } : {}),
        ...(request.channels ? { channels: request.channels } : {}),
      });
      summary.retryDecodes++;
      // a sector's copy is the one at its own place: on a capture of several
      // revolutions the same key comes round again, and another read's bytes
      // would be a recovery of this read in name only
      const byKey = new Map<string, DataRecord[]>();
      const goodData: DataRecord[] = [];
      for (const row of ownDataRows(again)) {
        if (!row.data?.crc?.ok) continue;
        goodData.push(row.data);
        if (row.key !== undefined) byKey.set(row.key, [...(byKey.get(row.key) ?? []), row.data]);
      }
      for (const f of still) {
        if (f.data.status !== undefined) continue;
        const bytes = f.key !== undefined
          ? byKey.get(f.key)?.find((g) => Math.abs(g.markStart - f.data.markStart) <= 8 * tolerance)?.bytes
          : goodData.find((g) => Math.abs(g.markStart - f.data.markStart) <= tolerance)?.bytes;
        if (!bytes || bytes.length !== f.data.bytes.length) continue;
        const list = copies.get(f.data) ?? [];
        list.push({ bytes, sep });
        copies.set(f.data, list);
        // a 16-bit check passes a wrong copy once in 65 536: two separators must agree
        const need = dw >= 32 ? 1 : 2;
        const agreeing = list.filter((c) => equal(c.bytes, bytes));
        if (agreeing.length >= need) {
          f.data.bytes = bytes.slice();
          f.data.status = "recovered";
          f.data.recovery = { how: "pll", kp: sep.kp, ki: sep.ki, syncTolerance: sep.syncTolerance, agreeing: agreeing.length };
        }
      }
      if (still.every((f) => f.data.status !== undefined)) break;
    }
  }

  // 3. tolerant separators, then soft decisions, only when something still fails
  let finalRows = rows;
  if (how.separator !== false && (failing.some((f) => f.data.status === undefined) || looksIncomplete(result))) {
    await tolerantStage(capture, options, result, request, how, summary);
    finalRows = ownDataRows(result); // sectors may have been added
  }

  for (const row of finalRows) {
    const d = row.data;
    if (!d) continue;
    d.status ??= "bad";
    if (d.status in summary) summary[d.status as keyof Omit<RecoverySummary, "retryDecodes">]++;
  }
  return summary;
}

function equal(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Strong checks (≥ 48 bits): candidate flips whose syndrome changes are combined (combine.ts), and the largest set. */
const STRONG_CANDIDATES = 40;
const STRONG_FLIPS = 4;
/** Soft-decision trials per sector and separator at most (the bound in the header assumes it). */
export const SOFT_MAX_BUDGET = 400;
/** ECC on a tolerant separator's copy only for codes whose miscorrection estimate (spans.ts) is at most this. */
const SEPARATOR_ECC_LIMIT = 1e-7;
/** The sector sizes the decoder accepts (spec §2.1 sector_size). */
const SECTOR_SIZES = [128, 256, 512, 1024, 2048, 4096, 8192, 16384];
/** Rare-length splits and merges tried per sector and separator, at most. */
const RARE_CANDIDATES = 30;
/** Trials of a sector whose own syndrome (a second defect) is searched, at most. */
const SECOND_LEVEL = 6;
/** RLL parse checks (window decodes with the byte log) per track at most. */
const PARSE_CHECKS = 64;
/** Of a sector's soft-decision trials, at most this many go to the place an ECC syndrome (or a broken RLL parse) points at. */
const LOCATED_BUDGET = 120;

/** One verifying copy of a sector from a tolerant separator (or a soft decision on it). */
interface Copy {
  sep: SeparatorSetting;
  id: IdRecord;
  data: DataRecord;
  ecc?: { startBit: number; bits: number };
  soft?: { flips: number; trials: number };
}

/** A place on the track where a sector is: its ID's mark and what each separator found there. */
interface Slot {
  idMark: number;
  key: string;
  len: number;
  idEnd: number;
  copies: Copy[];
  /** Where an ECC syndrome put the damage in a separator's failing copy (samples). */
  located: { sep: SeparatorSetting; from: number; to: number }[];
  /** IDs read there (for the 16-bit two-agree rule on new IDs). */
  ids: { sep: SeparatorSetting; id: IdRecord }[];
  /**
   * Whether any decode (plain or a separator's) read a data record after this
   * ID, or locked onto a sync there that then failed (a reset other than the ID
   * record's own end: a damaged data mark). Soft decisions only work where a
   * data field was written: one that no decode found a trace of (never
   * written, erased) is left missing instead of spending up to
   * 3 × SOFT_MAX_BUDGET window decodes on it.
   */
  dataSeen: boolean;
  done: boolean;
}

const keyOf = (id: IdRecord) => `${id.cyl}/${id.head}/${id.sec}`;

async function trackEdges(capture: Capture, options: DecodeOptions, request: DecodeRequest): Promise<{ edges: Float64Array; index?: Uint8Array }> {
  if (capture.kind === "edges") return { edges: capture.edges, ...(capture.index ? { index: capture.index } : {}) };
  const { decode } = await import("../decode.js");
  const r = await decode(capture, options, {
    keepEvents: true, ...(request.backend ? { backend: request.backend } : {}), ...(request.channels ? { channels: request.channels } : {}),
  });
  const index = r.edges!.index;
  return { edges: r.edges!.positions, ...(index.some((x) => x === 0 || x === 1) && index.every((x) => x <= 1) ? { index } : {}) };
}

/**
 * Stage 3: the whole track re-timed by each tolerant separator and decoded
 * again; verifying copies fill failing data records or add the sectors the
 * plain decode lost. Then soft decisions on what still fails.
 */
async function tolerantStage(
  capture: Capture, options: DecodeOptions, result: DecodeResult, request: DecodeRequest, how: RecoverOptions, summary: RecoverySummary,
): Promise<void> {
  const { decode } = await import("../decode.js");
  const o = result.options;
  const dw = o.dataCrc.bits, hw = o.headerCrc.bits;
  const h0 = result.sampleRate / o.dataRate / 2;
  const lim = LIMITS[o.preset.limits];
  const cmin = lim[0], cmax = lim[lim.length - 1];
  const tol = 64 * h0; // 4 bytes
  const near = (a: number, b: number) => Math.abs(a - b) <= tol;
  const req = { keepCrcInputs: true, ...(request.backend ? { backend: request.backend } : {}) } as const;
  const src = await trackEdges(capture, options, request);
  summary.separatorDecodes = (summary.separatorDecodes ?? 0) + (capture.kind === "edges" ? 0 : 1);
  summary.retryDecodes += capture.kind === "edges" ? 0 : 1;

  // sector size: with `auto` a data record before any ID would never end on a
  // stream without resets, so the size the good IDs agree on is given
  let opts: DecodeOptions = options;
  const sizeHint = (r: DecodeResult) => {
    const lens = new Set(r.records.filter((x): x is IdRecord => x.kind === "id" && x.crc?.ok === true).map((x) => x.len));
    return lens.size === 1 ? [...lens][0] : undefined;
  };
  let hint = o.sectorSize === 0 ? sizeHint(result) : undefined;
  if (hint !== undefined) opts = { ...options, sector_size: String(hint) };

  const span = how.ecc === false ? 0 : resolveSpan(dw, o.dataCrc.poly, { ...(how.maxBurst !== undefined ? { maxBurst: how.maxBurst } : {}), ...(how.unsafe ? { unsafe: true } : {}) });
  const eccOk = span > 0 && !headerTableQuirk(o) && miscorrectionEstimate(dw, span) <= SEPARATOR_ECC_LIMIT;
  // the syndrome also locates soft decisions, within the code's span only: a located decision
  // steers toward the syndrome's burst, so it carries the code's miscorrection risk (header)
  const locSpan = span;
  const ecc = locSpan > 0 && !headerTableQuirk(o) ? await getEccKernel(request.backend ?? "auto") : undefined;

  const slots: Slot[] = [];
  const slotAt = (id: IdRecord): Slot => {
    let s = slots.find((x) => near(x.idMark, id.markStart) && x.key === keyOf(id));
    if (!s) slots.push((s = { idMark: id.markStart, key: keyOf(id), len: id.len, idEnd: id.crc?.end ?? id.end, copies: [], located: [], ids: [], dataSeen: false, done: false }));
    return s;
  };

  const retimed: { sep: SeparatorSetting; r: Retimed }[] = [];
  const rll = o.preset.limits === "RLL";
  const parsePending: { slot: Slot; sep: SeparatorSetting; r: Retimed; data: DataRecord }[] = [];
  let parseChecks = 0;
  const dataOf = (recs: TrackRecord[]) => {
    // ID record → its own data record (or none)
    const out = new Map<IdRecord, DataRecord | undefined>();
    let last: IdRecord | undefined;
    for (const rec of recs) {
      if (rec.kind === "id") { last = rec; out.set(rec, undefined); continue; }
      if (last && out.get(last) === undefined && rec.markStart - (last.crc?.end ?? last.end) <= ID_TO_DATA_BYTES * 16 * h0) out.set(last, rec);
      last = undefined;
    }
    return out;
  };
  // where the slot's data field ends at the latest (its gap, its bytes, its check, a few bytes more)
  const dataAreaEnd = (slot: Slot) => slot.idEnd + (ID_TO_DATA_BYTES + slot.len + dw / 8 + 6) * 16 * h0;
  // a reset after the ID, within where its data field would lie: the PLL locked onto a sync there (in
  // LOCKING it notes nothing), so a data field was written, whatever broke its mark
  const syncAfter = (r: DecodeResult, slot: Slot) =>
    r.resets?.some((x) => x.reason !== "record-end" && x.at > slot.idEnd && x.at <= dataAreaEnd(slot)) === true;
  // the plain decode's good IDs are slots already
  for (const [id, data] of dataOf(result.records)) {
    if (!id.crc?.ok) continue;
    const slot = slotAt(id);
    if (data || syncAfter(result, slot)) slot.dataSeen = true;
  }

  for (const sep of TOLERANT_SEPARATORS) {
    if (slots.length > 0 && slots.every((s) => s.done) && !unresolvedIds(result)) break;
    const r = retime(src.edges, src.index, h0, cmin, cmax, sep);
    retimed.push({ sep, r });
    const edgeCapture: EdgeCapture = { kind: "edges", sampleRate: result.sampleRate, edges: r.edges, ...(r.index ? { index: r.index } : {}), sampleCount: result.sampleCount };
    let again = await decode(edgeCapture, opts, req);
    summary.retryDecodes++;
    summary.separatorDecodes = (summary.separatorDecodes ?? 0) + 1;
    if (o.sectorSize === 0 && hint === undefined && (hint = sizeHint(again)) !== undefined) {
      opts = { ...options, sector_size: String(hint) };
      again = await decode(edgeCapture, opts, req);
      summary.retryDecodes++;
      summary.separatorDecodes++;
    } else if (o.sectorSize === 0 && hint === undefined) {
      // no good ID anywhere yet (a data record first runs on for ever): guess the size the
      // plain decode's IDs (checks good or not) name most, else 512, and keep it only when
      // the good IDs it then reads all agree with it
      const named = new Map<number, number>();
      for (const x of result.records) if (x.kind === "id" && SECTOR_SIZES.includes(x.len)) named.set(x.len, (named.get(x.len) ?? 0) + 1);
      const guesses = [...[...named].sort((a, b) => b[1] - a[1]).map(([len]) => len), 512].filter((x, i, all) => all.indexOf(x) === i).slice(0, 2);
      for (const g of guesses) {
        const tryOpts = { ...options, sector_size: String(g) };
        const d = await decode(edgeCapture, tryOpts, req);
        summary.retryDecodes++;
        summary.separatorDecodes++;
        if (sizeHint(d) === g) {
          hint = g;
          opts = tryOpts;
          again = d;
          break;
        }
      }
    }
    for (const [id, data] of dataOf(again.records)) {
      if (!id.crc?.ok) continue;
      const slot = slotAt(id);
      slot.ids.push({ sep, id });
      if (data || syncAfter(again, slot)) slot.dataSeen = true;
      if (!data || data.bytes.length !== id.len && hint === undefined) continue;
      if (data.crc?.ok) {
        slot.copies.push({ sep, id, data });
        continue;
      }
      // a strong code may correct a burst on the separator's copy (once per separator)
      const input = data.crcInput;
      const c = ecc && data.crc && input && input.length >= dw / 8 + data.bytes.length
        ? ecc.correct(input.slice(), { width: dw, poly: o.dataCrc.poly, init: o.dataCrc.init, maxBurst: locSpan })
        : undefined;
      if (!input || c?.status !== 1) {
        if (rll && parseChecks < PARSE_CHECKS) parsePending.push({ slot, sep, r, data });
        continue;
      }
      const rec = input.slice();
      // where the burst is, for the soft decisions (which take a copy on its check alone)
      const prefix = input.length - dw / 8 - data.bytes.length;
      const per = data.bytes.length > 0 ? (data.end - data.start) / data.bytes.length : 16 * h0;
      const p0 = Math.floor(c.startBit / 8) - prefix, p1 = Math.floor((c.startBit + c.length - 1) / 8) - prefix;
      slot.located.push({ sep, from: p0 < 0 ? data.markStart : data.start + (p0 - 1) * per, to: data.start + (p1 + 2) * per });
      // taken as a correction only within the code's span, for a code whose miscorrection estimate is small
      if (!eccOk || c.length > span || ecc!.correct(rec, { width: dw, poly: o.dataCrc.poly, init: o.dataCrc.init, maxBurst: span }).status !== 1) continue;
      const msg = rec.subarray(0, rec.length - dw / 8);
      if (crcOf(dw, o.dataCrc.poly, o.dataCrc.init, msg) !== checkValue(rec.subarray(rec.length - dw / 8))) continue;
      slot.copies.push({ sep, id, data: { ...data, bytes: msg.slice(msg.length - data.bytes.length) }, ecc: { startBit: c.startBit, bits: c.length } });
    }
    // RLL: where the code-word parse broke (the decoder skipped cells between two
    // bytes, spec §4.3 DECODE ERROR) is where a spike or a lost edge sits
    for (const p of parsePending.splice(0)) {
      if (parseChecks >= PARSE_CHECKS) break;
      parseChecks++;
      const from = p.slot.idMark - 48 * 16 * h0, to = p.data.end + 64 * h0;
      const w = flippedWindow(p.r, { from, to, dataFrom: to }, []);
      const d = await decode({ kind: "edges", sampleRate: result.sampleRate, edges: w.edges, ...(w.index ? { index: w.index } : {}) }, opts, { logBytes: true, ...(request.backend ? { backend: request.backend } : {}) });
      summary.separatorDecodes = (summary.separatorDecodes ?? 0) + 1;
      const ev = d.events;
      if (!ev) continue;
      let found = 0, prevEnd = -1;
      for (let k = 0; k + EVENT_STRIDE <= ev.length && found < 2; k += EVENT_STRIDE) {
        if (ev[k] !== EV_BYTE) continue;
        const b0 = ev[k + 2], b1 = ev[k + 3];
        const last = prevEnd;
        prevEnd = b1;
        if (b0 < p.data.start || b0 > p.data.end || last < 0) continue;
        // cells skipped between two bytes, or a byte over more than 16 cells
        if (b0 - last > 4 * h0 || b1 - b0 > 17 * h0) {
          p.slot.located.push({ sep: p.sep, from: Math.min(last, b0) - 24 * h0, to: b1 });
          found++;
        }
      }
    }
    settle(result, slots, dw, hw, near);
  }

  // soft decisions on the sectors whose ID is trusted and whose data no separator verified;
  // never on a 16-bit check: hundreds of trials at 2^-16 each, and the two separators'
  // trials make the same decisions on nearly the same edges, so two "agreeing" copies
  // are not independent (measured: wrong floppy sectors passed that way)
  if (how.soft === false || dw < 32) return;
  const budget = Math.min(SOFT_MAX_BUDGET, Math.max(0, Math.floor(how.softBudget ?? SOFT_DEFAULTS.budget)));
  if (budget === 0) return;
  for (const slot of slots) {
    if (slot.done || !slot.dataSeen || !idTrusted(result, slot, hw, near)) continue;
    const t: SoftTarget = {
      from: slot.idMark - 48 * 16 * h0,
      dataFrom: slot.idEnd,
      to: dataAreaEnd(slot),
    };
    for (const { sep, r } of retimed) {
      // decisions where an ECC syndrome points first, then flip sets by margin
      const tries: { ds: Decision[]; level: number; flip?: number }[] = [];
      for (const l of slot.located) if (l.sep === sep) for (const d of locatedDecisions(r, l.from, l.to, cmin, cmax, LOCATED_BUDGET)) tries.push({ ds: [d], level: 1 });
      for (const d of rareDecisions(r, t, cmin, cmax, RARE_CANDIDATES)) tries.push({ ds: [d], level: 1 });
      // strong checks: single flips of many candidates, then the sets their syndrome changes say (combine.ts)
      const K = dw >= 48 ? STRONG_CANDIDATES : 0, F = STRONG_FLIPS;
      const cands = K ? flipCandidates(r, t, K, cmin, cmax) : [];
      if (K) cands.forEach((i, k) => tries.push({ ds: flipDecisions(r, [i]), level: 1, flip: k }));
      for (const set of flipSets(r, t, { ...SOFT_DEFAULTS, budget: Math.max(0, budget - tries.length), cmin, cmax })) if (!K || set.length > 1) tries.push({ ds: flipDecisions(r, set), level: 1 });
      const effects: { index: number; delta: bigint; cost: number }[] = [];
      let s0: bigint | undefined, len0: number | undefined;
      const syndrome = (data: DataRecord): bigint | undefined => {
        const input = data.crcInput;
        if (!input || input.length < dw / 8 + data.bytes.length) return undefined;
        return crcOf(dw, o.dataCrc.poly, o.dataCrc.init, input.subarray(0, input.length - dw / 8)) ^ checkValue(input.subarray(input.length - dw / 8));
      };
      // the window decoded with these decisions, and the slot's own ID and data record in it
      const decodeWith = async (ds: Decision[], keepCrcInputs = true) => {
        const w = decidedWindow(r, t, ds);
        const d = await decode({ kind: "edges", sampleRate: result.sampleRate, edges: w.edges, ...(w.index ? { index: w.index } : {}) }, opts, { keepCrcInputs, ...(request.backend ? { backend: request.backend } : {}) });
        const mine = [...dataOf(d.records)].find(([id, data]) => id.crc?.ok && near(id.markStart, slot.idMark) && keyOf(id) === slot.key && data);
        return mine?.[1] ? { id: mine[0], data: mine[1] } : undefined;
      };
      if (K) {
        const base = await decodeWith([]);
        if (base) { s0 = syndrome(base.data); len0 = base.data.crcInput?.length; }
      }
      let trials = 0, expanded = 0;
      for (let q = 0; q < tries.length && trials < budget; q++) {
        const { ds, level, flip } = tries[q];
        const mine = await decodeWith(ds, ecc !== undefined || K > 0);
        trials++;
        const data = mine?.data;
        if (mine && data?.crc?.ok) {
          slot.copies.push({ sep, id: mine.id, data, soft: { flips: ds.length, trials } });
          break;
        }
        if (flip !== undefined && data && s0 !== undefined && data.crcInput?.length === len0) {
          const sy = syndrome(data);
          if (sy !== undefined) effects.push({ index: flip, delta: sy ^ s0, cost: r.margin[cands[flip]] });
        }
        // a second defect: where this trial's syndrome points, on top of this trial's decisions
        const input = data?.crcInput;
        if (!ecc || !data || !input || level > 1 || expanded >= SECOND_LEVEL || input.length < dw / 8 + data.bytes.length) continue;
        const c = ecc.correct(input.slice(), { width: dw, poly: o.dataCrc.poly, init: o.dataCrc.init, maxBurst: locSpan });
        if (c.status !== 1) continue;
        expanded++;
        const prefix = input.length - dw / 8 - data.bytes.length;
        const per = data.bytes.length > 0 ? (data.end - data.start) / data.bytes.length : 16 * h0;
        const p0 = Math.floor(c.startBit / 8) - prefix, p1 = Math.floor((c.startBit + c.length - 1) / 8) - prefix;
        const more = locatedDecisions(r, p0 < 0 ? data.markStart : data.start + (p0 - 1) * per, data.start + (p1 + 2) * per, cmin, cmax, 24)
          .filter((x) => !ds.some((y) => Math.abs(y.edge - x.edge) <= 1))
          .map((x) => ({ ds: [...ds, x], level: 2 }));
        tries.splice(q + 1, 0, ...more);
      }
      if (K && s0 !== undefined && s0 !== 0n && !slot.copies.some((c) => c.sep === sep)) {
        for (const set of combine(s0, effects, 16, F)) {
          const edges = set.map((k) => cands[k]);
          if (!flipsLegal(r, edges, cmin, cmax)) continue;
          const c = await decodeWith(flipDecisions(r, edges));
          trials++;
          if (c?.data.crc?.ok) {
            slot.copies.push({ sep, id: c.id, data: c.data, soft: { flips: set.length, trials: trials + considered(effects.length, F) } });
            break;
          }
        }
      }
      summary.softTrials = (summary.softTrials ?? 0) + trials;
      settle(result, [slot], dw, hw, near);
      if (slot.done) break;
    }
  }
}

/** An ID record with a bad check that no slot has replaced yet. */
function unresolvedIds(result: DecodeResult): boolean {
  return result.records.some((r) => r.kind === "id" && r.crc !== undefined && !r.crc.ok);
}

/** The plain decode's good ID at the slot, when there is one with the same key. */
function plainId(result: DecodeResult, slot: Slot, near: (a: number, b: number) => boolean): IdRecord | undefined {
  return result.records.find((x): x is IdRecord => x.kind === "id" && x.crc?.ok === true && x.recovery === undefined && near(x.markStart, slot.idMark) && keyOf(x) === slot.key);
}

/** Whether the slot's ID can place data: read good by the plain decode, or a new one that a ≥ 32-bit check or two separators vouch for. */
function idTrusted(result: DecodeResult, slot: Slot, hw: number, near: (a: number, b: number) => boolean): boolean {
  if (plainId(result, slot, near)) return true;
  // a good ID of the plain decode with another key at this place: never overruled
  if (result.records.some((x) => x.kind === "id" && x.crc?.ok && near(x.markStart, slot.idMark))) return false;
  if (hw >= 32) return slot.ids.length > 0;
  return agreeing(slot.ids.map((x) => ({ sep: x.sep, bytes: x.id.bytes }))) >= 2;
}

/** The most separators that gave one and the same bytes. */
function agreeing(list: { sep: SeparatorSetting; bytes: Uint8Array }[]): number {
  let best = 0;
  for (const a of list) {
    const seps = new Set(list.filter((b) => equal(a.bytes, b.bytes)).map((b) => b.sep.name));
    best = Math.max(best, seps.size);
  }
  return best;
}

/**
 * Puts the copies that are safe to take onto the result: a ≥ 32-bit data check
 * needs one verifying copy, a 16-bit one two separators that agree; copies
 * that verify but disagree are taken by none. New IDs (plain decode had none,
 * or a bad one there) replace or join the records.
 */
function settle(result: DecodeResult, slots: Slot[], dw: number, hw: number, near: (a: number, b: number) => boolean): void {
  let changed = false;
  for (const slot of slots) {
    if (slot.done || slot.copies.length === 0) continue;
    if (!idTrusted(result, slot, hw, near)) continue;
    const first = slot.copies[0];
    const bytes = first.data.bytes;
    if (slot.copies.some((c) => !equal(c.data.bytes, bytes))) continue; // verifying copies disagree: none is taken
    const agree = agreeing(slot.copies.map((c) => ({ sep: c.sep, bytes: c.data.bytes })));
    if (dw < 32 && agree < 2) continue;
    const pid = plainId(result, slot, near);
    // the plain decode's data record at this place
    const pdata = result.records.find((x): x is DataRecord => x.kind === "data" && near(x.markStart, first.data.markStart));
    const newId = pid ? {} : { id: true, idAgreeing: agreeing(slot.ids.map((x) => ({ sep: x.sep, bytes: x.id.bytes }))) };
    const evidence: RecoveryEvidence = first.soft
      ? { how: "soft", separator: first.sep.name, flips: first.soft.flips, trials: first.soft.trials, agreeing: agree, ...newId }
      : { how: "separator", separator: first.sep.name, kp: first.sep.kp, ki: first.sep.ki, agreeing: agree, ...(first.ecc ? { ecc: first.ecc } : {}), ...newId };
    if (pdata && pdata.status !== undefined && pdata.status !== "bad") {
      slot.done = true;
      if (pid) continue; // nothing to add
    } else if (pdata) {
      if (pdata.bytes.length !== bytes.length) continue;
      pdata.bytes = bytes.slice();
      pdata.status = "recovered";
      pdata.recovery = evidence;
    } else {
      const data: DataRecord = { ...first.data, bytes: bytes.slice(), status: "recovered", recovery: evidence };
      delete data.crcInput;
      result.records.push(data);
    }
    if (!pid) {
      const id: IdRecord = { ...first.id, recovery: evidence };
      delete id.crcInput;
      const bad = result.records.findIndex((x) => x.kind === "id" && !x.crc?.ok && near(x.markStart, slot.idMark));
      if (bad >= 0) result.records[bad] = id;
      else result.records.push(id);
    }
    slot.done = true;
    changed = true;
  }
  if (changed) result.records.sort((a, b) => a.markStart - b.markStart);
}

/**
 * Whether a track whose data records all verify still shows lost sectors: an
 * ID with a bad check, an ID without its data (or data without its ID) away
 * from the capture's ends, a gap of more than 1.5 sector pitches between good
 * IDs (or before the first, after the last), or no good ID at all on a track
 * with flux. False on every clean shared capture (test/recover.test.ts), so
 * a clean track costs no retry decode.
 */
export function looksIncomplete(result: DecodeResult): boolean {
  const o = result.options;
  const byte = 16 * (result.sampleRate / o.dataRate / 2);
  const st = result.stats;
  if (result.records.some((r) => r.kind === "id" && r.crc !== undefined && !r.crc.ok)) return true;
  // an address mark whose record never reached its check (a reset inside it), unless the capture's end cut it
  let open: FieldEvent | undefined;
  for (const f of result.fields) {
    if (f.kind === "crc") open = undefined;
    else if (f.kind === "mark" && f.text.endsWith(" Address Mark")) {
      if (open) return true;
      open = f;
    }
  }
  if (open) {
    let len = o.sectorSize;
    if (!len) for (const r of result.records) if (r.kind === "id" && r.crc?.ok && r.len > len) len = r.len;
    const rest = (open.text.startsWith("ID") ? ID_TO_DATA_BYTES + 32 : 16) + (len || 1024) + o.dataCrc.bits / 8;
    if (open.start + rest * byte < result.sampleCount) return true;
  }
  const marks: number[] = [];
  let last: IdRecord | undefined;
  for (const r of result.records) {
    if (r.kind === "id") {
      last = r;
      if (r.crc?.ok) marks.push(r.markStart);
      continue;
    }
    const own = last && r.markStart - (last.crc?.end ?? last.end) <= ID_TO_DATA_BYTES * byte;
    if (!own && r.markStart > (ID_TO_DATA_BYTES + 32) * byte) return true;
    last = undefined;
  }
  if (marks.length === 0) return st.Intrvls > 4096;
  if (marks.length < 3) return false;
  const gaps = marks.slice(1).map((m, i) => m - marks[i]).sort((x, y) => x - y);
  const pitch = gaps[gaps.length >> 1];
  return gaps[gaps.length - 1] > 1.8 * pitch || marks[0] > 2.3 * pitch || result.sampleCount - marks[marks.length - 1] > 2.3 * pitch;
}
