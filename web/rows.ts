// Timeline rows from a decode made with { logBytes: true }. The annotations are
// the original decoder's own rows (pulses, windows, prefixes, bits, bytes,
// fields, errors, reports), produced by src/annotate (walkAnnotations), so the
// timeline shows exactly what PulseView would. Runs in the worker; every row
// is a set of parallel typed arrays sorted by start, so the page can
// binary-search the visible range, and a small table of distinct label texts.
import { walkAnnotations, ROWS, classFilter, type AnnotationRow } from "../src/annotate/index.js";
import {
  CLS_CLK, CLS_DAT, CLS_BYT, CLS_BIT, CLS_SYN, CLS_MRK, CLS_REC, CLS_CRC, CLS_CRE, CLS_RPT, CLS_PFX, CLS_PUL, CLS_ERP,
  CLS_ERW, CLS_UNK, CLS_ERB, CLS_ERR, ROW_OF_CLASS,
} from "../src/annotate/classes.js";
import type { DecodeResult } from "../src/types.js";
import { LIMITS } from "../src/presets.js";
import type { Histogram } from "./protocol.js";

export type RowName = AnnotationRow;
/** Rows always shown, in order; prefixes and reports appear when they have items. */
export const ROW_NAMES = Object.keys(ROWS) as RowName[];
const ALWAYS: ReadonlySet<RowName> = new Set(["pulses", "windows", "bits", "bytes", "fields", "errors"]);

/** Item styles (colours on the page), from the annotation class and, for a few, its text. */
export const C = {
  PULSE: 0, PULSE_BAD: 1,
  WINDOW: 2, WINDOW_PULSE: 3,
  BIT: 4,
  BYTE: 5, BYTE_MARK: 6, BYTE_CLKERR: 7,
  SYNC: 8, MARK: 9, IDREC: 10, DATAREC: 11, CRC_OK: 12, CRC_BAD: 13,
  ERROR: 14, REPORT: 15, PREFIX: 16,
} as const;

function styleOf(cls: number, text: string): number {
  switch (cls) {
    case CLS_PUL: return C.PULSE;
    case CLS_ERP: return C.PULSE_BAD;
    case CLS_CLK: case CLS_DAT: return text.charCodeAt(0) === 49 /* "1" */ ? C.WINDOW_PULSE : C.WINDOW;
    case CLS_ERW: case CLS_UNK: return C.ERROR;
    case CLS_BIT: return C.BIT;
    case CLS_ERB: return C.BYTE_CLKERR;
    case CLS_BYT: return C.BYTE;
    case CLS_SYN: return C.SYNC;
    case CLS_MRK: return C.MARK;
    case CLS_REC: return text.startsWith("ID") ? C.IDREC : C.DATAREC;
    case CLS_CRC: return text.startsWith("CRC OK") ? C.CRC_OK : C.CRC_BAD;
    case CLS_CRE: return C.CRC_BAD;
    case CLS_RPT: return C.REPORT;
    case CLS_PFX: return C.PREFIX;
    case CLS_ERR: return C.ERROR;
    default: return C.ERROR;
  }
}

export interface Row {
  name: RowName;
  start: Float64Array;
  end: Float64Array;
  /** Style (C.*) of each item. */
  cls: Uint8Array;
  /** Index of each item's label in `text`. */
  value: Int32Array;
  /** Distinct label texts of the row. */
  text: string[];
  /** Longest item in samples (the page searches from viewStart − maxLen). */
  maxLen: number;
}

export interface TimelineRows {
  sampleCount: number;
  rows: Row[];
}

class RowBuilder {
  start: Float64Array; end: Float64Array; cls: Uint8Array; value: Int32Array;
  text: string[] = [];
  private readonly ids = new Map<string, number>();
  n = 0;
  constructor(readonly name: RowName, capacity: number) {
    const c = Math.max(16, capacity);
    this.start = new Float64Array(c); this.end = new Float64Array(c); this.cls = new Uint8Array(c); this.value = new Int32Array(c);
  }
  push(s: number, e: number, style: number, text: string): void {
    if (this.n === this.start.length) this.grow();
    let id = this.ids.get(text);
    if (id === undefined) {
      id = this.text.length;
      this.text.push(text);
      this.ids.set(text, id);
    }
    const i = this.n++;
    this.start[i] = s; this.end[i] = e; this.cls[i] = style; this.value[i] = id;
  }
  private grow(): void {
    const c = this.start.length * 2;
    const f = (a: Float64Array) => { const b = new Float64Array(c); b.set(a); return b; };
    this.start = f(this.start); this.end = f(this.end);
    const u = new Uint8Array(c); u.set(this.cls); this.cls = u;
    const v = new Int32Array(c); v.set(this.value); this.value = v;
  }
  /** Trimmed arrays in buffers of their own, sorted by start (stable). */
  finish(): Row {
    const n = this.n;
    const st = this.start;
    let order: Uint32Array | undefined;
    for (let i = 1; i < n; i++) {
      if (st[i] < st[i - 1]) {
        order = sortedOrder(st, n);
        break;
      }
    }
    const pick = <T extends Float64Array | Uint8Array | Int32Array>(a: T): T => {
      const out = new (a.constructor as new (n: number) => T)(n);
      if (order) for (let i = 0; i < n; i++) out[i] = a[order[i]];
      else out.set(a.subarray(0, n) as never);
      return out;
    };
    const start = pick(this.start), end = pick(this.end);
    let maxLen = 0;
    for (let i = 0; i < n; i++) if (end[i] - start[i] > maxLen) maxLen = end[i] - start[i];
    return { name: this.name, start, end, cls: pick(this.cls), value: pick(this.value), text: this.text, maxLen };
  }
}

/** Indices 0..n-1 ordered by key (stable): insertion sort, as the annotation stream is nearly in order. */
function sortedOrder(key: Float64Array, n: number): Uint32Array {
  const idx = new Uint32Array(n);
  for (let i = 0; i < n; i++) idx[i] = i;
  let moves = 0;
  for (let i = 1; i < n; i++) {
    const v = idx[i], k = key[v];
    let j = i - 1;
    while (j >= 0 && key[idx[j]] > k) {
      idx[j + 1] = idx[j];
      j--;
      if (++moves > 8 * n) return Uint32Array.from(Array.from({ length: n }, (_, q) => q).sort((a, b) => key[a] - key[b] || a - b));
    }
    idx[j + 1] = v;
  }
  return idx;
}

export function buildRows(result: DecodeResult): TimelineRows {
  const pulses = result.edges?.positions.length ?? 0;
  const builders = new Map<RowName, RowBuilder>();
  const hint: Partial<Record<RowName, number>> = { pulses, windows: pulses * 4, bits: pulses * 2, bytes: pulses / 4 };
  for (const name of ROW_NAMES) builders.set(name, new RowBuilder(name, hint[name] ?? 64));
  const byClass = ROW_OF_CLASS.map((row) => builders.get(row)!);
  walkAnnotations(result, {
    on: classFilter(),
    alternates: false,
    put(start, end, cls, text) {
      byClass[cls].push(start, end, styleOf(cls, text), text);
    },
  });
  const rows = ROW_NAMES.filter((name) => ALWAYS.has(name) || builders.get(name)!.n > 0).map((name) => builders.get(name)!.finish());
  return { sampleCount: result.sampleCount, rows };
}

/** Pulse-width histogram in cells (first pulse, measured from sample 0, left out). */
export function buildHistogram(result: DecodeResult): Histogram {
  const pos = result.edges?.positions ?? new Float64Array(0);
  const h0 = result.sampleRate / result.options.dataRate / 2;
  const limits = [...LIMITS[result.options.preset.limits]];
  // Bins a whole number of samples wide (pulse widths are whole samples), about 1/20 cell.
  const binSamples = Math.max(1, Math.round(h0 / 20));
  const binsPerCell = h0 / binSamples;
  const maxCells = Math.max(...limits) + 4;
  const counts = new Uint32Array(Math.ceil(maxCells * binsPerCell));
  let overflow = 0, total = 0;
  for (let i = 1; i < pos.length; i++) {
    const bin = Math.floor((pos[i] - pos[i - 1]) / binSamples);
    if (bin < counts.length) counts[bin]++;
    else overflow++;
    total++;
  }
  return { binsPerCell, counts, overflow, h0, limits, total };
}

/** Every typed array in the rows, for the transfer list. */
export function rowViews(t: TimelineRows): ArrayBufferView[] {
  return t.rows.flatMap((r) => [r.start, r.end, r.cls, r.value]);
}
