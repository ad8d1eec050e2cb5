// The legacy decoder, assembled: the hot loop (core.ts) turns edges into bytes,
// the framer (framer.ts) turns bytes into records; this file feeds one to the
// other and keeps what decode() returns (records, fields, statistics). With an
// annotator it also produces the annotation stream, in the original's order.
import { MARK_IDAM, MARK_DAM, MARK_DDAM } from "../kernels/abi.js";
import type { ResolvedOptions } from "../options.js";
import type { DecodeStats, FieldEvent, TrackRecord, IdRecord, DataRecord, CrcVerdict } from "../types.js";
import { decodeHeader } from "../header.js";
import { crcHex } from "../hex.js";
import { LegacyCore, CORE_BYTE, type CoreObserver, type LegacyCoreApi } from "./core.js";
import { LegacyFramer, type FramerSink } from "./framer.js";
import { legacyParams, type LegacyParams } from "./params.js";

/** The annotation side: core hooks plus bytes and fields, in stream order. */
export interface LegacyAnnotator extends CoreObserver {
  /** Called once with the (TypeScript) core whose FIFO the byte() calls refer to. */
  attach(core: LegacyCore): void;
  /** A byte; its 17 windows are the core FIFO's slots 0..16 during the call. */
  byte(value: number, clockMask: number, special: boolean, byteStart: number, byteEnd: number): void;
  mark(kind: number, start: number, end: number): void;
  idRecord(start: number, end: number, text: string): void;
  dataRecord(start: number, end: number): void;
  crc(ok: boolean, start: number, end: number, hex: string): void;
  unknown(start: number, end: number): void;
}

const MARK_NAMES = ["Index Mark", "ID Address Mark", "Data Address Mark", "Deleted Data Address Mark"];
const MARK_KEYS = ["IAM", "IDAM", "DAM", "DDAM"] as const;

function popcount8(m: number): number {
  let n = 0;
  for (; m !== 0; m >>>= 1) n += m & 1;
  return n;
}

/** (hi, lo) as upper-case hex, zero-padded to the CRC width. */
function hexAtWidth(hi: number, lo: number, bits: number): string {
  return crcHex(hi, lo).padStart(bits / 4, "0");
}

export class LegacyEngine implements FramerSink {
  readonly params: LegacyParams;
  readonly core: LegacyCoreApi;
  private readonly framer: LegacyFramer;
  readonly records: TrackRecord[] = [];
  readonly fields: FieldEvent[] = [];
  private readonly counts = { IAM: 0, IDAM: 0, DAM: 0, DDAM: 0, CRC_OK: 0, CRC_err: 0, CkEr: 0 };
  private markStart = 0;
  private pendingId: IdRecord | undefined;
  private pendingData: DataRecord | undefined;

  /**
   * With an annotator the hot loop is the TypeScript core (the annotator reads
   * its FIFO); otherwise `core` (default: the TypeScript core; the Wasm twin
   * comes from src/kernels/legacy.ts).
   */
  constructor(private readonly opts: ResolvedOptions, sampleRate: number, private readonly annotator?: LegacyAnnotator, core?: LegacyCoreApi) {
    this.params = legacyParams(opts, sampleRate);
    if (annotator) {
      const ts = new LegacyCore();
      ts.observer = annotator;
      annotator.attach(ts);
      this.core = ts;
    } else {
      this.core = core ?? new LegacyCore();
    }
    this.core.configure(this.params);
    this.framer = new LegacyFramer(opts, this);
  }

  /** Decodes edges[0, count) (continuing earlier pushes), with index levels when known. */
  push(edges: Float64Array, count: number, index?: Uint8Array): void {
    const core = this.core, framer = this.framer, ann = this.annotator;
    for (let at = 0; at < count; at += core.capacity) {
      const n = Math.min(core.capacity, count - at);
      core.load(at === 0 ? edges : edges.subarray(at), n, index && at !== 0 ? index.subarray(at) : index);
      while (core.run() === CORE_BYTE) {
        if (core.byteFirst) framer.sync();
        const v = core.byteValue;
        const special = framer.special(v);
        if (!special && core.byteClock !== 0) this.counts.CkEr += popcount8(core.byteClock);
        if (ann) ann.byte(v, core.byteClock, special, core.byteStart, core.byteEnd);
        if (!framer.byte(v, core.byteStart, core.byteEnd)) core.unsync();
      }
    }
  }

  stats(): DecodeStats {
    const c = this.core;
    return { ...this.counts, EiPW: c.eipw, OoTI: c.ooti, Intrvls: c.intervals };
  }

  // FramerSink

  mark(kind: number, start: number, end: number, markByte: number): void {
    this.counts[MARK_KEYS[kind]]++;
    this.fields.push({ kind: "mark", start, end, text: MARK_NAMES[kind] });
    this.markStart = start;
    if (kind === MARK_DAM || kind === MARK_DDAM) {
      const rec: DataRecord = {
        kind: "data", start: end, end, markStart: start, mark: markByte, deleted: kind === MARK_DDAM, bytes: new Uint8Array(0),
      };
      this.pendingData = rec;
    } else if (kind === MARK_IDAM) {
      this.pendingData = undefined;
    }
    this.annotator?.mark(kind, start, end);
  }

  idRecord(start: number, end: number, bytes: Uint8Array, idMark: number, len: number): void {
    const h = decodeHeader(this.opts.headerFormat, bytes, len, idMark);
    const text = `ID Record: cyl=${h.cyl}, head=${h.head}, sec=${h.sec}, len=${h.len}`;
    const rec: IdRecord = { kind: "id", start, end, markStart: this.markStart, cyl: h.cyl, head: h.head, sec: h.sec, len: h.len, bytes: bytes.slice() };
    this.records.push(rec);
    this.pendingId = rec;
    this.fields.push({ kind: "idrec", start, end, text });
    this.annotator?.idRecord(start, end, text);
  }

  dataRecord(start: number, end: number, bytes: Uint8Array): void {
    const rec = this.pendingData;
    if (rec) {
      rec.start = start;
      rec.end = end;
      rec.bytes = bytes.slice();
      this.records.push(rec);
    }
    this.fields.push({ kind: "datarec", start, end, text: "Data Record" });
    this.annotator?.dataRecord(start, end);
  }

  crc(data: boolean, ok: boolean, start: number, end: number, compHi: number, compLo: number, readHi: number, readLo: number, bits: number): void {
    if (ok) this.counts.CRC_OK++;
    else this.counts.CRC_err++;
    const hex = crcHex(compHi, compLo);
    this.fields.push({ kind: "crc", start, end, text: `${ok ? "CRC OK" : "CRC error"} ${hex}` });
    const verdict: CrcVerdict & { start: number; end: number } = {
      ok, read: hexAtWidth(readHi, readLo, bits), computed: hexAtWidth(compHi, compLo, bits), bits, start, end,
    };
    if (data) {
      if (this.pendingData) this.pendingData.crc = verdict;
      this.pendingData = undefined;
    } else {
      if (this.pendingId) this.pendingId.crc = verdict;
      this.pendingId = undefined;
    }
    this.annotator?.crc(ok, start, end, hex);
  }

  unknown(start: number, end: number, _value: number): void {
    this.fields.push({ kind: "unknown", start, end, text: "Unknown byte" });
    this.annotator?.unknown(start, end);
  }
}
