// The whole annotation stream of the original decoder, in its order, rebuilt
// from the kernel's event log plus the edge log: either a whole decode made with
// `logBytes: true`, or run by run while a capture streams (AnnotationWalker
// carries the ring, the reporter and the previous edge across runs).
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
import type { ResolvedOptions } from "../options.js";
import {
  annotationNeeds,
  CLS_CLK, CLS_DAT, CLS_BYT, CLS_BIT, CLS_SYN, CLS_MRK, CLS_REC, CLS_CRC, CLS_RPT, CLS_PUL, CLS_ERP, CLS_ERB, CLS_ERR,
  type ClassFilter,
} from "./classes.js";
import { WindowRing, LazyRing } from "./ring.js";
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

/** Walks a whole decode result and feeds every annotation, in the original's order, to the sink. */
export function walkAnnotations(result: DecodeResult, sink: AnnotationSink): void {
  const o = result.options;
  if (o.decoder !== "PLL") throw new DiskfluxError("E_OPTION", "annotations are only available for decoder=PLL");
  const need = annotationNeeds(sink.on, o.report);
  const ev = result.events, edges = result.edges;
  if (!ev || (need.bytes && result.bytesLogged !== true) || (need.edges && !edges)) {
    throw new DiskfluxError("E_ARGUMENT", "annotations need the byte log: decode with { logBytes: true }");
  }
  const idTexts = result.fields.filter((f) => f.kind === "idrec").map((f) => f.text);
  let idNext = 0;
  const walker = new AnnotationWalker(o, result.sampleRate, sink);
  const nEv = ev.length / A.EVENT_STRIDE;
  const idText = () => idTexts[idNext++] ?? "ID Record";
  if (edges) walker.run(edges.positions, edges.cells, edges.index, 0, edges.positions.length, ev, nEv, idText);
  else walker.events(ev, nEv, idText);
}

/**
 * The annotation stream made run by run: feed it each run's edges (with their
 * cell words and index levels) and the events the run produced, in order; the
 * window ring, the reporter and the previous edge carry over, so any split
 * gives the same stream as one walk over the whole logs.
 */
export class AnnotationWalker {
  private readonly on: ClassFilter;
  private readonly full: boolean;
  private readonly put: AnnotationSink["put"];
  private readonly txt: (delta: number) => string;
  private readonly sn: boolean;
  private readonly limitsMask: number;
  private readonly cmin: number;
  private readonly fmMfm: boolean;
  private readonly eager: WindowRing | undefined;
  /** The ring when only Clock Error ranges read it (replayed at the bytes that need it). */
  private readonly lazy: LazyRing | undefined;
  private readonly rep: Reporter;
  /** Per-edge work (pulses, index, reports, the ring); without it only the events are walked. */
  readonly needsEdges: boolean;
  /** The EV_BYTE log is read (decode with LOG_BYTES). */
  readonly needsBytes: boolean;
  /** Sample number of the previous edge (0 before the first). */
  private prev = 0;

  constructor(o: ResolvedOptions, sampleRate: number, sink: AnnotationSink) {
    if (o.decoder !== "PLL") throw new DiskfluxError("E_OPTION", "annotations are only available for decoder=PLL");
    const on = (this.on = sink.on);
    const full = (this.full = sink.alternates);
    const put = (this.put = sink.put.bind(sink));
    const h0 = sampleRate / o.dataRate / 2.0;
    this.txt = pulseTimeFormatter(o.timeUnit, sampleRate, h0);
    this.sn = o.dsplySn;
    const limits = LIMITS[o.preset.limits];
    let limitsMask = 0;
    for (const c of limits) limitsMask |= 1 << c;
    this.limitsMask = limitsMask;
    this.cmin = Math.min(...limits);
    this.fmMfm = o.format === "FM" || o.format === "MFM";
    this.rep = new Reporter(o.report, o.reportQty, (s, e, text) => {
      if (on[CLS_RPT]) put(s, e, CLS_RPT, text, full ? [] : undefined);
    });
    const need = annotationNeeds(on, o.report);
    this.needsEdges = need.edges;
    this.needsBytes = need.bytes;
    const perBit = on[CLS_CLK] !== 0 || on[CLS_DAT] !== 0 || on[CLS_BIT] !== 0 || on[CLS_ERB] !== 0;
    if (perBit) this.eager = new WindowRing();
    else if (need.ring) this.lazy = new LazyRing();
  }

  /**
   * Edges [from, from + n) of pos / cellsLog / idx and the events they
   * produced, ev[0, nEv × EVENT_STRIDE). `idText` gives the next ID record's text.
   */
  run(pos: Float64Array, cellsLog: Int32Array, idx: Uint8Array, from: number, n: number, ev: Float64Array, nEv: number, idText: () => string): void {
    if (!this.needsEdges) {
      this.events(ev, nEv, idText);
      return;
    }
    const on = this.on, full = this.full, put = this.put, txt = this.txt, sn = this.sn;
    const limitsMask = this.limitsMask, cmin = this.cmin, rep = this.rep, eager = this.eager, lazy = this.lazy;
    const pulOn = on[CLS_PUL] !== 0, erpOn = on[CLS_ERP] !== 0, errOn = on[CLS_ERR] !== 0;
    let prev = this.prev, e = 0;
    const end = from + n;
    for (let i = from; i < end; i++) {
      const t = pos[i];
      const p0 = prev;
      const delta = t - p0;
      prev = t;
      const word = cellsLog[i];
      const cells = word & A.CELLS_MASK;

      // 1. pulse (§6.3)
      rep.Intrvls++;
      if (cells < 32 && (limitsMask & (1 << cells)) !== 0) {
        if (pulOn) {
          const s = txt(delta);
          if (sn) put(p0, t, CLS_PUL, `${s} s${p0} - ${t}`, full ? [s] : undefined);
          else put(p0, t, CLS_PUL, s, full ? [] : undefined);
        }
      } else {
        rep.OoTI++;
        if (errOn) put(p0, t, CLS_ERR, cells < cmin ? "Pulse too short Error" : "Pulse too long Error", full ? ERR_PULSE : undefined);
        if (erpOn) {
          const s = txt(delta);
          if (sn) put(p0, t, CLS_ERP, `${s} out-of-tolerance leading edge s${p0}`, full ? [`${s} OoTI s${p0}`, `${s} OoTI`, "OoTI"] : undefined);
          else put(p0, t, CLS_ERP, `${s} out-of-tolerance leading edge`, full ? [`${s} OoTI`, "OoTI"] : undefined);
        }
      }

      // 2. index (§6.6)
      rep.index(idx[i], t);

      // 3. ring writes (§3.4 step 7)
      if ((word & A.CELLS_RING_WRITTEN) !== 0) {
        if (eager) eager.replay(p0, t, delta, cells);
        else if (lazy) lazy.note(p0, t, delta, cells);
      }

      // 4. the edge's events
      for (; e < nEv; e++) {
        if (ev[e * A.EVENT_STRIDE + 1] !== t) break;
        this.event(ev, e * A.EVENT_STRIDE, idText);
      }
    }
    this.prev = prev;
  }

  /** The events alone, in log order (rows that need no per-edge work: fields, bytes). */
  events(ev: Float64Array, nEv: number, idText: () => string): void {
    for (let e = 0; e < nEv; e++) this.event(ev, e * A.EVENT_STRIDE, idText);
  }

  /** "Clock Error" over each bad bit's clock and data windows (§6.2), from the byte's mask and ring offset k. */
  private clockErrors(mask: number, k: number): void {
    const ring = this.eager ?? this.lazy!.sync();
    const rs = ring.start, re = ring.end, put = this.put, full = this.full;
    for (let bit = 7; bit >= 0; bit--) {
      if (((mask >>> bit) & 1) !== 0) put(rs[ring.index(-(k + 2 * bit + 1))], re[ring.index(-(k + 2 * bit))], CLS_ERR, "Clock Error", full ? ERR_CLOCK : undefined);
    }
  }

  /** One event at ev[b]: a byte (windows, bits, byte; §6.2), field annotations (§6.4) and reports (§6.5). */
  private event(ev: Float64Array, b: number, idText: () => string): void {
    const on = this.on, full = this.full, put = this.put, sn = this.sn, rep = this.rep;
    const errOn = on[CLS_ERR] !== 0;
    switch (ev[b]) {
      case A.EV_BYTE: {
        if (!this.needsBytes) break; // (a log made for other readers: no row selected reads it)
        const byteStart = ev[b + 2], byteEnd = ev[b + 3], v = ev[b + 4], flags = ev[b + 5], k = ev[b + 6], sr = ev[b + 7];
        const special = (flags & A.BYTE_SPECIAL) !== 0;
        const mask = flags >>> 8;
        const clkOn = on[CLS_CLK] !== 0, datOn = on[CLS_DAT] !== 0, bitOn = on[CLS_BIT] !== 0, erbOn = on[CLS_ERB] !== 0;
        const windowsOn = clkOn || datOn, bitsOn = bitOn || erbOn;
        rep.byteStart = byteStart;
        rep.byteEnd = byteEnd;
        if (this.fmMfm) {
          if (mask !== 0 && !special) {
            for (let m = mask; m !== 0; m >>>= 1) rep.CkEr += m & 1;
          }
          if (windowsOn || bitsOn || (mask !== 0 && !special && errOn)) {
            const ring = this.eager ?? this.lazy!.sync();
            const rs = ring.start, re = ring.end, rv = ring.value;
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
          const ring = this.eager!, rs = ring.start, re = ring.end, rv = ring.value;
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
        if (on[CLS_BYT]) put(byteStart, byteEnd, CLS_BYT, BYTE_TEXT[v], full ? BYTE_ALTS[v] : undefined);
        break;
      }
      case A.EV_SYNC:
        if (on[CLS_SYN]) put(ev[b + 2], ev[b + 3], CLS_SYN, `Sync pattern ${ev[b + 4]} bytes`, full ? ["Sync", "S"] : undefined);
        break;
      case A.EV_MARK: {
        const kind = ev[b + 4];
        const texts = MARK_TEXTS[kind];
        if (on[CLS_MRK]) put(ev[b + 2], ev[b + 3], CLS_MRK, texts[0], full ? texts.slice(1) : undefined);
        if (!this.needsBytes) { // (else the mark byte's EV_BYTE set them, to the same values)
          rep.byteStart = ev[b + 6];
          rep.byteEnd = ev[b + 3];
        }
        rep.mark(kind);
        break;
      }
      case A.EV_IDREC: {
        const text = idText();
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
        if (!this.needsBytes) { // (else the last CRC byte's EV_BYTE set them, to the same values)
          rep.byteStart = ev[b + 7];
          rep.byteEnd = end;
        }
        rep.crc(ok);
        break;
      }
      case A.EV_UNKNOWN:
        if (errOn) put(ev[b + 2], ev[b + 3], CLS_ERR, "Unknown byte Error", full ? ERR_UNKNOWN : undefined);
        break;
      case A.EV_CLOCKERR:
        // with the byte log the byte's own event did this; without it (errors, reports), here
        if (!this.needsBytes) {
          for (let m = ev[b + 4]; m !== 0; m >>>= 1) rep.CkEr += m & 1;
          if (errOn) this.clockErrors(ev[b + 4], ev[b + 5]);
        }
        break;
      default: // EV_BINARY (not annotations)
        break;
    }
  }
}
