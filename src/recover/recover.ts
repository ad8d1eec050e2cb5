// Recovery of data records whose check fails: ECC burst correction, then the
// track decoded again with other data separators. Never a wrong sector called
// good: every accepted copy verifies its check, and the chance that a wrong one
// does is bounded by the trials made (README "Recovery").
//
//   bad data record ──▶ ECC (span from spans.ts) ──▶ corrected
//          │ still bad
//          ▼
//   the track again with other PLL gains (RETRY_SEPARATORS) ──▶ recovered
//          │              a W ≥ 32-bit check: one verifying copy is enough
//          │              a 16-bit check: two separators must give the same bytes
//          ▼
//         bad
//
// Statuses and evidence go on the records (record.status, record.recovery);
// the binary streams, fields and annotations stay the original's.
import type { Capture } from "../capture.js";
import type { DecodeResult, DataRecord, DecodeRequest } from "../types.js";
import { getEccKernel } from "../kernels/ecc-load.js";
import { crcOf } from "../kernels/crc.js";
import { resolveSpan } from "./spans.js";
import { sectorRows } from "../report/table.js";
import type { DecodeOptions } from "../options.js";

import type { SectorStatus } from "./status.js";
export type { SectorStatus } from "./status.js";

export type RecoveryEvidence =
  | { how: "ecc"; /** First corrected bit from the start of the CRC input (bit 0 = MSB of its first byte). */ startBit: number; bits: number }
  | { how: "pll"; kp: number; ki: number; syncTolerance: string; /** Separators that gave these bytes. */ agreeing: number };

export interface RecoverOptions {
  /** ECC burst correction (default true). */
  ecc?: boolean;
  /** Longest burst to correct; default the code's span (src/recover/spans.ts). Above the derived ceiling needs `unsafe`. */
  maxBurst?: number;
  unsafe?: boolean;
  /** Decode again with other data separators (default true). */
  retries?: boolean;
}

export interface RecoverySummary {
  good: number;
  corrected: number;
  recovered: number;
  bad: number;
  /** Whole-track decodes made for retries (0 on a clean track). */
  retryDecodes: number;
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
  if (span > 0 && failing.length > 0 && !o.dataUsesHeaderTable) {
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
      const byKey = new Map<string, Uint8Array>();
      const goodData: DataRecord[] = [];
      for (const row of ownDataRows(again)) {
        if (!row.data?.crc?.ok) continue;
        goodData.push(row.data);
        if (row.key !== undefined) byKey.set(row.key, row.data.bytes);
      }
      for (const f of still) {
        if (f.data.status !== undefined) continue;
        const bytes = f.key !== undefined ? byKey.get(f.key)
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

  for (const row of rows) {
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
