// The whole annotation stream of the original decoder, in its order, rebuilt
// from a decode with `logBytes: true` (the kernel's event log plus the edge log).
//
// Per edge (spec §3.6, §6.4):
//   1. pulse: `pul`, or `err` + `erp` when the cell count is outside the limits (§6.3)
//   2. index handling, possibly an Index report (§6.6)
//   3. the ring writes of step 7 (§3.4), replayed here (ring.ts)
//   4. the edge's events in log order: a byte (windows, bits, byte; §6.2), then
//      its field annotations (Sync, marks, records, CRC, Unknown byte; §6.4) and
//      reports (§6.5)
import * as A from "../kernels/abi.js";
import { LIMITS } from "../presets.js";
import { DiskfluxError } from "../errors.js";
import { crcHex } from "../hex.js";
import type { DecodeResult } from "../types.js";
import {
  CLS_CLK, CLS_DAT, CLS_BYT, CLS_BIT, CLS_SYN, CLS_MRK, CLS_REC, CLS_CRC, CLS_RPT, CLS_PUL, CLS_ERP, CLS_ERB, CLS_ERR,
  type ClassFilter,
} from "./classes.js";
import { WindowRing } from "./ring.js";
import { Reporter } from "./reports.js";
import { pulseTimeFormatter } from "./time.js";

export interface AnnotationSink {
  /** Classes to produce (one flag per class index); others are skipped before any text is built. */
  readonly on: ClassFilter;
  /** Also pass the alternate texts (the original's shorter variants). */
  readonly alternates: boolean;
  /** One annotation; `alts` (the variants after `text`) only when `alternates` is set. */
  put(start: number, end: number, cls: number, text: string, alts?: readonly string[]): void;
}

const MARK_TEXTS: readonly (readonly string[])[] = [
  ["Index Mark", "IAM", "I"],
  ["ID Address Mark", "IDAM", "M"],
  ["Data Address Mark", "Data Mark", "DAM", "M"],
  ["Deleted Data Address Mark", "Deleted Data Mark", "DDAM", "M"],
];
const ERR_CLOCK = ["Error", "Err", "E"];
const ERR_PULSE = ["OoTI Error", "Err", "E"];
const ERR_UNKNOWN = ["Error", "Err", "E"];
const ERR_CRC = ["Err", "E"];
const BIT_TEXT = ["0", "1"];
const ERB_TEXT = ["0 (clock error)", "1 (clock error)"];
const BIT_ALTS = [["0"], ["1"]];
const CLK_TEXT = ["0 c", "1 c"];
const DAT_TEXT = ["0 d", "1 d"];

/** "XX" or "XX 'c'" for printable ASCII (§6.2). */
const BYTE_TEXT: readonly string[] = Array.from({ length: 256 }, (_, v) => {
  const hex = v.toString(16).toUpperCase().padStart(2, "0");
  return v >= 0x20 && v <= 0x7e ? `${hex} '${String.fromCharCode(v)}'` : hex;
});
const BYTE_ALTS: readonly (readonly string[])[] = Array.from({ length: 256 }, (_, v) => [v.toString(16).toUpperCase().padStart(2, "0")]);

/** Walks the decode result and feeds every annotation, in the original's order, to the sink. */
export function walkAnnotations(result: DecodeResult, sink: AnnotationSink): void {
  const ev = result.events, edges = result.edges;
  if (!ev || !edges || result.bytesLogged !== true) {
    throw new DiskfluxError("E_ARGUMENT", "annotations need the byte log: decode with { logBytes: true }");
  }
  const o = result.options;
  if (o.decoder !== "PLL") throw new DiskfluxError("E_OPTION", "annotations are only available for decoder=PLL");
  const on = sink.on, full = sink.alternates;
  const put = sink.put.bind(sink);
  const fs = result.sampleRate;
  const h0 = fs / o.dataRate / 2.0;
  const txt = pulseTimeFormatter(o.timeUnit, fs, h0);
  const sn = o.dsplySn;
  const limits = LIMITS[o.preset.limits];
  let limitsMask = 0;
  for (const c of limits) limitsMask |= 1 << c;
  const cmin = Math.min(...limits);
  const fmMfm = o.format === "FM" || o.format === "MFM";
  const ring = new WindowRing();
  const rs = ring.start, re = ring.end, rv = ring.value;
  const rep = new Reporter(o.report, o.reportQty, (s, e, text) => {
    if (on[CLS_RPT]) put(s, e, CLS_RPT, text, full ? [] : undefined);
  });
  const idTexts = result.fields.filter((f) => f.kind === "idrec").map((f) => f.text);
  let idNext = 0;

  const pos = edges.positions, cellsLog = edges.cells, idx = edges.index;
  const nEdges = pos.length, nEv = ev.length / A.EVENT_STRIDE;
  const pulOn = on[CLS_PUL] !== 0, erpOn = on[CLS_ERP] !== 0, errOn = on[CLS_ERR] !== 0;
  const clkOn = on[CLS_CLK] !== 0, datOn = on[CLS_DAT] !== 0, bitOn = on[CLS_BIT] !== 0, erbOn = on[CLS_ERB] !== 0;
  const bytOn = on[CLS_BYT] !== 0;
  const windowsOn = clkOn || datOn, bitsOn = bitOn || erbOn;

  let prev = 0, e = 0;
  for (let i = 0; i < nEdges; i++) {
    const t = pos[i];
    const p0 = prev;
    const delta = t - p0;
    prev = t;
    const word = cellsLog[i];
    const n = word & A.CELLS_MASK;

    // 1. pulse (§6.3)
    rep.Intrvls++;
    if (n < 32 && (limitsMask & (1 << n)) !== 0) {
      if (pulOn) {
        const s = txt(delta);
        if (sn) put(p0, t, CLS_PUL, `${s} s${p0} - ${t}`, full ? [s] : undefined);
        else put(p0, t, CLS_PUL, s, full ? [] : undefined);
      }
    } else {
      rep.OoTI++;
      if (errOn) put(p0, t, CLS_ERR, n < cmin ? "Pulse too short Error" : "Pulse too long Error", full ? ERR_PULSE : undefined);
      if (erpOn) {
        const s = txt(delta);
        if (sn) put(p0, t, CLS_ERP, `${s} out-of-tolerance leading edge s${p0}`, full ? [`${s} OoTI s${p0}`, `${s} OoTI`, "OoTI"] : undefined);
        else put(p0, t, CLS_ERP, `${s} out-of-tolerance leading edge`, full ? [`${s} OoTI`, "OoTI"] : undefined);
      }
    }

    // 2. index (§6.6)
    rep.index(idx[i], t);

    // 3. ring writes (§3.4 step 7)
    if ((word & A.CELLS_RING_WRITTEN) !== 0) ring.replay(p0, t, delta, n);

    // 4. the edge's events
    for (; e < nEv; e++) {
      const b = e * A.EVENT_STRIDE;
      if (ev[b + 1] !== t) break;
      switch (ev[b]) {
        case A.EV_BYTE: {
          const byteStart = ev[b + 2], byteEnd = ev[b + 3], v = ev[b + 4], flags = ev[b + 5], k = ev[b + 6], sr = ev[b + 7];
          const special = (flags & A.BYTE_SPECIAL) !== 0;
          const mask = flags >>> 8;
          rep.byteStart = byteStart;
          rep.byteEnd = byteEnd;
          if (fmMfm) {
            if (mask !== 0 && !special) {
              for (let m = mask; m !== 0; m >>>= 1) rep.CkEr += m & 1;
            }
            if (windowsOn || bitsOn || (mask !== 0 && !special && errOn)) {
              for (let bit = 7; bit >= 0; bit--) {
                const ci = ring.index(-(k + 2 * bit + 1)), di = ring.index(-(k + 2 * bit));
                const cv = rv[ci], dv = rv[di];
                if (clkOn) put(rs[ci], re[ci], CLS_CLK, sn ? `${cv} c s${rs[ci]}` : CLK_TEXT[cv], full ? BIT_ALTS[cv] : undefined);
                if (datOn) put(rs[di], re[di], CLS_DAT, sn ? `${dv} d s${rs[di]}` : DAT_TEXT[dv], full ? BIT_ALTS[dv] : undefined);
                if (((mask >>> bit) & 1) !== 0) {
                  if (!special && errOn) put(rs[ci], re[di], CLS_ERR, "Clock Error", full ? ERR_CLOCK : undefined);
                  if (erbOn) put(rs[ci], re[di], CLS_ERB, ERB_TEXT[dv], full ? BIT_ALTS[dv] : undefined);
                } else if (bitOn) {
                  put(rs[ci], re[di], CLS_BIT, BIT_TEXT[dv], full ? [] : undefined);
                }
              }
            }
          } else if (windowsOn || bitsOn) {
            // RLL presets, RQDX3_badbloks, custom: both windows `dat`, the bit from
            // the byte; special bytes compare the ring with the (rewritten) SR.
            const cellsWord = k >= 32 || k < 0 ? 0 : (sr >>> k) & 0xffff;
            for (let bit = 7; bit >= 0; bit--) {
              const ci = ring.index(-(k + 2 * bit + 1)), di = ring.index(-(k + 2 * bit));
              const cv = rv[ci], dv = rv[di];
              if (datOn) {
                put(rs[ci], re[ci], CLS_DAT, sn ? `${cv} d s${rs[ci]}` : DAT_TEXT[cv], full ? BIT_ALTS[cv] : undefined);
                put(rs[di], re[di], CLS_DAT, sn ? `${dv} d s${rs[di]}` : DAT_TEXT[dv], full ? BIT_ALTS[dv] : undefined);
              }
              const bv = (v >>> bit) & 1;
              const bad = special && (((cellsWord >>> (2 * bit + 1)) & 1) !== cv || ((cellsWord >>> (2 * bit)) & 1) !== dv);
              if (bad) {
                if (erbOn) put(rs[ci], re[di], CLS_ERB, ERB_TEXT[bv], full ? BIT_ALTS[bv] : undefined);
              } else if (bitOn) {
                put(rs[ci], re[di], CLS_BIT, BIT_TEXT[bv], full ? [] : undefined);
              }
            }
          }
          if (bytOn) put(byteStart, byteEnd, CLS_BYT, BYTE_TEXT[v], full ? BYTE_ALTS[v] : undefined);
          break;
        }
        case A.EV_SYNC:
          if (on[CLS_SYN]) put(ev[b + 2], ev[b + 3], CLS_SYN, `Sync pattern ${ev[b + 4]} bytes`, full ? ["Sync", "S"] : undefined);
          break;
        case A.EV_MARK: {
          const kind = ev[b + 4];
          const texts = MARK_TEXTS[kind];
          if (on[CLS_MRK]) put(ev[b + 2], ev[b + 3], CLS_MRK, texts[0], full ? texts.slice(1) : undefined);
          rep.mark(kind);
          break;
        }
        case A.EV_IDREC: {
          const text = idTexts[idNext++] ?? "ID Record";
          if (on[CLS_REC]) put(ev[b + 2], ev[b + 3], CLS_REC, text, full ? ["ID Record", "Irec", "R"] : undefined);
          break;
        }
        case A.EV_DATAREC:
          if (on[CLS_REC]) put(ev[b + 2], ev[b + 3], CLS_REC, "Data Record", full ? ["Drec", "R"] : undefined);
          break;
        case A.EV_CRC: {
          const ok = (ev[b + 4] & A.CRC_OK) !== 0;
          const end = ev[b + 3];
          const hex = crcHex(ev[b + 5], ev[b + 6]);
          if (ok) {
            if (on[CLS_CRC]) put(ev[b + 2], end, CLS_CRC, `CRC OK ${hex}`, full ? ["CRC OK", "CRC", "C"] : undefined);
          } else {
            if (errOn) put(end - 1, end, CLS_ERR, "Error", full ? ERR_CRC : undefined);
            if (on[CLS_CRC]) put(ev[b + 2], end, CLS_CRC, `CRC error ${hex}`, full ? ["CRC error", "CRC", "C"] : undefined);
          }
          rep.crc(ok);
          break;
        }
        case A.EV_UNKNOWN:
          if (errOn) put(ev[b + 2], ev[b + 3], CLS_ERR, "Unknown byte Error", full ? ERR_UNKNOWN : undefined);
          break;
        default: // EV_CLOCKERR (already part of the byte), EV_BINARY (not annotations)
          break;
      }
    }
  }
}
