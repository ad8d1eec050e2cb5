// The legacy decoder's annotation stream (§3.9, §6), built only when asked.
//
// Per edge, in order: the pulse (`pul` "<ns>ns", or for an out-of-tolerance
// interval `err` "Error" over [t−1, t] and `erp` "<ns>ns out-of-tolerance
// leading edge"; nothing for the first edge), then every window the edge
// queues: an A1/C2 prefix (`pfx`, dsply_pfx), a window leaving the FIFO out
// of sync (`unk` "<v>", `erw` "<v> (extra pulse in win)" when it took more
// than one edge), or a byte:
//
//   FIFO   d⁻   c7 d7   c6 d6   …   c0 │ d0
//          dat  clk dat bit clk dat bit … clk bit byt  │ stays queued: it is the
//                                                       │ next byte's d⁻
//
// then the byte's fields (marks, records, CRC, Unknown byte) and reports.
import type { DecodeResult } from "../types.js";
import { DiskfluxError } from "../errors.js";
import { roundHalfEven } from "../kernels/round.js";
import {
  CLS_CLK, CLS_DAT, CLS_BYT, CLS_BIT, CLS_MRK, CLS_REC, CLS_CRC, CLS_RPT, CLS_PFX, CLS_PUL, CLS_ERP,
  CLS_ERW, CLS_UNK, CLS_ERB, CLS_ERR,
} from "../annotate/classes.js";
import type { AnnotationSink } from "../annotate/stream.js";
import { Reporter } from "../annotate/reports.js";
import { ROLE_CLOCK, ROLE_DATA, type WindowFifo } from "./fifo.js";
import type { LegacyCore } from "./core.js";
import { LegacyEngine, type LegacyAnnotator } from "./engine.js";
import { intervalNs } from "./pulse.js";
import { PREFIX_IS_A1 } from "./pattern.js";
import type { ResolvedOptions } from "../options.js";

const MARK_TEXTS: readonly (readonly string[])[] = [
  ["Index Mark", "IAM", "I"],
  ["ID Address Mark", "IDAM", "M"],
  ["Data Address Mark", "Data Mark", "DAM", "M"],
  ["Deleted Data Address Mark", "Deleted Data Mark", "DDAM", "M"],
];
const ERR_ALTS = ["Err", "E"];
/** Alternates of the named errors (Clock Error, Unknown byte Error). */
const ERR_NAMED_ALTS = ["Error", "Err", "E"];
const ROLE_SUFFIX = ["", " c", " d"];
const BYTE_TEXT: readonly string[] = Array.from({ length: 256 }, (_, v) => {
  const hex = v.toString(16).toUpperCase().padStart(2, "0");
  return v >= 0x20 && v <= 0x7e ? `${hex} '${String.fromCharCode(v)}'` : hex;
});

/** Writes the legacy annotations of one decode to an AnnotationSink. */
export class LegacyAnnotationWriter implements LegacyAnnotator {
  private readonly put: AnnotationSink["put"];
  private readonly on: Uint8Array;
  private readonly full: boolean;
  private readonly sn: boolean;
  private readonly msps: number;
  private readonly rep: Reporter;
  private fifo!: WindowFifo;

  constructor(opts: ResolvedOptions, sampleRate: number, sink: AnnotationSink) {
    this.put = sink.put.bind(sink);
    this.on = sink.on;
    this.full = sink.alternates;
    this.sn = opts.dsplySn;
    this.msps = sampleRate / 1e6;
    this.rep = new Reporter(opts.report, opts.reportQty, (s, e, text) => {
      if (this.on[CLS_RPT]) this.put(s, e, CLS_RPT, text, this.full ? [] : undefined);
    });
  }

  attach(core: LegacyCore): void {
    this.fifo = core.fifo;
  }

  // core hooks

  edge(t: number, prev: number, delta: number, windows: number, first: boolean, indexLevel: number): void {
    const rep = this.rep;
    rep.Intrvls++;
    if (windows === 0) rep.OoTI++;
    if (!first) {
      const on = this.on, full = this.full;
      if (windows !== 0) {
        if (on[CLS_PUL]) {
          const s = `${intervalNs(this.msps, delta)}ns`;
          if (this.sn) this.put(prev, t, CLS_PUL, `${s} s${prev} - ${t}`, full ? [s] : undefined);
          else this.put(prev, t, CLS_PUL, s, full ? [] : undefined);
        }
      } else {
        if (on[CLS_ERR]) this.put(t - 1, t, CLS_ERR, "Error", full ? ERR_ALTS : undefined);
        if (on[CLS_ERP]) {
          const s = `${intervalNs(this.msps, delta)}ns`;
          const tail = this.sn ? ` s${prev}` : "";
          this.put(prev, t, CLS_ERP, `${s} out-of-tolerance leading edge${tail}`, full ? [`${s} OoTI${tail}`, "OoTI"] : undefined);
        }
      }
    }
    rep.index(indexLevel, t);
  }

  edgeInPreviousWindow(_t: number): void {
    this.rep.EiPW++;
  }

  prefix(slot: number, which: number): void {
    if (!this.on[CLS_PFX]) return;
    const f = this.fifo;
    this.put(roundHalfEven(f.start[slot]), roundHalfEven(f.end[slot]), CLS_PFX, which === PREFIX_IS_A1 ? "A1" : "C2", this.full ? [] : undefined);
  }

  unknownWindow(slot: number): void {
    this.window(slot, this.fifo.role[slot]);
  }

  /** A window: `clk` / `dat` by role, `unk` without one, `erw` when it took more than one edge. */
  private window(slot: number, role: number): void {
    const f = this.fifo;
    const v = f.count[slot];
    const cls = v > 1 ? CLS_ERW : role === ROLE_CLOCK ? CLS_CLK : role === ROLE_DATA ? CLS_DAT : CLS_UNK;
    if (!this.on[cls]) return;
    const s = roundHalfEven(f.start[slot]), e = roundHalfEven(f.end[slot]);
    const base = `${v}${ROLE_SUFFIX[role]}${v > 1 ? " (extra pulse in win)" : ""}`;
    this.put(s, e, cls, this.sn ? `${base} s${s}` : base, this.full ? [`${v}`] : undefined);
  }

  byte(value: number, clockMask: number, special: boolean, byteStart: number, byteEnd: number): void {
    const f = this.fifo, on = this.on, full = this.full, rep = this.rep;
    rep.byteStart = byteStart;
    rep.byteEnd = byteEnd;
    if (!special) rep.CkEr += popcount(clockMask);
    this.window(f.slot(0), ROLE_DATA);
    for (let bit = 7, i = 1; bit >= 0; bit--, i += 2) {
      const c = f.slot(i), d = f.slot(i + 1);
      this.window(c, ROLE_CLOCK);
      if (bit > 0) this.window(d, ROLE_DATA);
      const dv = f.count[d] !== 0 ? 1 : 0;
      const s = roundHalfEven(f.start[c]), e = roundHalfEven(f.end[d]);
      if (((clockMask >>> bit) & 1) !== 0) {
        if (!special && on[CLS_ERR]) this.put(s, e, CLS_ERR, "Clock Error", full ? ERR_NAMED_ALTS : undefined);
        if (on[CLS_ERB]) this.put(s, e, CLS_ERB, `${dv} (clock error)`, full ? [`${dv}`] : undefined);
      } else if (on[CLS_BIT]) {
        this.put(s, e, CLS_BIT, `${dv}`, full ? [] : undefined);
      }
    }
    if (on[CLS_BYT]) this.put(byteStart, byteEnd, CLS_BYT, BYTE_TEXT[value], full ? [BYTE_TEXT[value].slice(0, 2)] : undefined);
  }

  // fields

  mark(kind: number, start: number, end: number): void {
    const texts = MARK_TEXTS[kind];
    if (this.on[CLS_MRK]) this.put(start, end, CLS_MRK, texts[0], this.full ? texts.slice(1) : undefined);
    this.rep.mark(kind);
  }

  idRecord(start: number, end: number, text: string): void {
    if (this.on[CLS_REC]) this.put(start, end, CLS_REC, text, this.full ? ["ID Record", "Irec", "R"] : undefined);
  }

  dataRecord(start: number, end: number): void {
    if (this.on[CLS_REC]) this.put(start, end, CLS_REC, "Data Record", this.full ? ["Drec", "R"] : undefined);
  }

  crc(ok: boolean, start: number, end: number, hex: string): void {
    if (ok) {
      if (this.on[CLS_CRC]) this.put(start, end, CLS_CRC, `CRC OK ${hex}`, this.full ? ["CRC OK", "CRC", "C"] : undefined);
    } else {
      if (this.on[CLS_ERR]) this.put(end - 1, end, CLS_ERR, "Error", this.full ? ERR_ALTS : undefined);
      if (this.on[CLS_CRC]) this.put(start, end, CLS_CRC, `CRC error ${hex}`, this.full ? ["CRC error", "CRC", "C"] : undefined);
    }
    this.rep.crc(ok);
  }

  unknown(start: number, end: number): void {
    if (this.on[CLS_ERR]) this.put(start, end, CLS_ERR, "Unknown byte Error", this.full ? ERR_NAMED_ALTS : undefined);
  }
}

function popcount(m: number): number {
  let n = 0;
  for (; m !== 0; m >>>= 1) n += m & 1;
  return n;
}

/**
 * Walks a legacy decode (made with { logBytes: true }, which keeps the edges)
 * and feeds every annotation, in the original's order,
 * to the sink. The stream is rebuilt by running the legacy engine again over
 * the kept edges with the annotation writer attached.
 */
export function walkLegacyAnnotations(result: DecodeResult, sink: AnnotationSink): void {
  const edges = result.edges;
  if (!edges || result.bytesLogged !== true) {
    throw new DiskfluxError("E_ARGUMENT", "annotations need the byte log: decode with { logBytes: true }");
  }
  const writer = new LegacyAnnotationWriter(result.options, result.sampleRate, sink);
  const engine = new LegacyEngine(result.options, result.sampleRate, writer);
  const pos = edges.positions;
  engine.push(pos, pos.length, edges.index.length === pos.length ? edges.index : undefined);
}
