// Turns the track kernel's event log into records, field annotations,
// statistics and the binary streams of spec §6.7, across successive trackRun calls.
import * as A from "./kernels/abi.js";
import type { Kernels } from "./kernels/backend.js";
import type { ResolvedOptions } from "./options.js";
import type { DecodeResult, DecodeStats, FieldEvent, IdRecord, DataRecord, TrackRecord, ResetNote, ResetReason, ResetField } from "./types.js";
import { decodeHeader } from "./header.js";
import { ByteSink } from "./bytesink.js";
import { byteHex, crcHex } from "./hex.js";

const BIN_NAMES = ["id", "idcrc", "data", "datacrc", "iddata"] as const;
const MARK_NAMES = ["Index Mark", "ID Address Mark", "Data Address Mark", "Deleted Data Address Mark"];
const MARK_KEYS = ["IAM", "IDAM", "DAM", "DDAM"] as const;
/** EV_RESET's RR_* codes and framer states (RS_*) by number. */
const RESET_REASONS: readonly ResetReason[] = ["short-pulse", "long-pulse", "long-pulse-deferred", "no-sync-mark", "unknown-byte", "record-end"];
const RESET_FIELDS: readonly ResetField[] = ["mark", "mark", "id", "idcrc", "data", "datacrc", "mark", "mark", "mark", "gap"];
/** Bytes kept from the end of the last CRC binary (a CRC is at most 56 bits). */
const CRC_TAIL = 16;

/** Accumulates events of successive trackRun calls into the result. */
export class Collector {
  private readonly sinks = BIN_NAMES.map(() => new ByteSink());
  private readonly records: TrackRecord[] = [];
  /** diskflux-only: the PLL resets noted while decoding (EV_RESET). */
  private readonly resets: ResetNote[] = [];
  /** Field annotations so far (read by the annotation stream for ID record texts). */
  readonly fields: FieldEvent[] = [];
  /**
   * Called after each trackRun's events are taken: the run decoded the kernel's
   * edges [done, done + used) and wrote `events` events (annotations made as a capture streams).
   */
  onRun: ((done: number, used: number, events: number) => void) | undefined;
  /** False: records and binary streams are not kept (an annotation stream has no use for them; memory stays flat). */
  retain = true;
  /** False: the binary streams are not kept (a result made lean at once: src/pool/protocol.ts leanResult). */
  binary = true;
  /**
   * True: of the fields, only the address marks and CRC checks are kept (what
   * recovery's looksIncomplete reads; a lean result drops the fields anyway):
   * no text is built for the sync, record and unknown-byte fields.
   */
  marksAndChecksOnly = false;
  private readonly stats: DecodeStats = { IAM: 0, IDAM: 0, DAM: 0, DDAM: 0, CRC_OK: 0, CRC_err: 0, EiPW: 0, CkEr: 0, OoTI: 0, Intrvls: 0 };
  private readonly eventLog = new ByteSink();
  private readonly edgeLog = new ByteSink();
  private readonly cellLog = new ByteSink();
  private readonly indexLog = new ByteSink();
  private lastMarkStart = 0;
  private lastMark = 0;
  private pendingId: IdRecord | undefined;
  private pendingData: DataRecord | undefined;

  constructor(private readonly k: Kernels, private readonly opts: ResolvedOptions, private readonly keepEvents: boolean, private readonly logBytes = false, private readonly keepCrcInputs = false) {}

  /** Decodes edges[0, n) (trackRun calls until all are consumed). */
  run(n: number): void {
    this.runFrom(0, n);
  }

  /**
   * After decodeSamples: it extracted status[ST_EDGES] edges and decoded the
   * first `used`; collects those, then decodes the rest (if the log filled up).
   */
  runFused(used: number): void {
    const n = this.k.status[A.ST_EDGES];
    this.collect(0, used);
    this.runFrom(used, n);
  }

  private runFrom(done: number, n: number): void {
    const k = this.k;
    while (done < n) {
      const used = k.trackRun(done, n - done);
      this.collect(done, used);
      done += used;
    }
  }

  /** The events, statistics (and with keepEvents, the logs) of a trackRun over edges[done, done+used). */
  private collect(done: number, used: number): void {
    const k = this.k;
    const events = k.status[A.ST_EVENTS];
    this.take(events);
    this.onRun?.(done, used, events);
    if (this.keepEvents) {
      this.edgeLog.append(new Uint8Array(k.edges.buffer, k.edges.byteOffset + done * 8, used * 8));
      this.cellLog.append(new Uint8Array(k.cells.buffer, k.cells.byteOffset + done * 4, used * 4));
      this.indexLog.append(k.index.subarray(done, done + used));
    }
    this.stats.OoTI += k.status[A.ST_OOTI];
    this.stats.Intrvls += used;
  }

  private take(count: number): void {
    const ev = this.k.events, out = this.k.out;
    if (this.keepEvents) this.eventLog.append(new Uint8Array(ev.buffer, ev.byteOffset, count * A.EVENT_STRIDE * 8));
    for (let i = 0; i < count; i++) {
      const o = i * A.EVENT_STRIDE;
      const kind = ev[o];
      const a = ev[o + 2], b = ev[o + 3], c = ev[o + 4];
      switch (kind) {
        case A.EV_SYNC:
          if (!this.marksAndChecksOnly) this.fields.push({ kind: "sync", start: a, end: b, text: `Sync pattern ${c} bytes` });
          break;
        case A.EV_MARK: {
          this.stats[MARK_KEYS[c]]++;
          this.fields.push({ kind: "mark", start: a, end: b, text: MARK_NAMES[c] });
          this.lastMarkStart = a;
          this.lastMark = ev[o + 5];
          break;
        }
        case A.EV_IDREC: {
          const bytes = out.slice(c, c + ev[o + 5]);
          const h = decodeHeader(this.opts.headerFormat, bytes, ev[o + 6], this.lastMark);
          const rec: IdRecord = { kind: "id", start: a, end: b, markStart: this.lastMarkStart, cyl: h.cyl, head: h.head, sec: h.sec, len: h.len, bytes };
          if (this.retain) this.records.push(rec);
          this.pendingId = rec;
          if (!this.marksAndChecksOnly) this.fields.push({ kind: "idrec", start: a, end: b, text: `ID Record: cyl=${h.cyl}, head=${h.head}, sec=${h.sec}, len=${h.len}` });
          break;
        }
        case A.EV_DATAREC: {
          const rec: DataRecord = {
            kind: "data", start: a, end: b, markStart: this.lastMarkStart, mark: this.lastMark,
            deleted: this.opts.format === "FM" && this.lastMark >= 0xf8 && this.lastMark <= 0xfa, bytes: new Uint8Array(0),
          };
          if (this.retain) this.records.push(rec);
          this.pendingData = rec;
          if (!this.marksAndChecksOnly) this.fields.push({ kind: "datarec", start: a, end: b, text: "Data Record" });
          break;
        }
        case A.EV_BINARY: {
          // (views and copies only where they are kept: a lean decode makes none for most binaries)
          const offset = b, len = c, end = offset + len;
          if (this.retain && this.binary) this.sinks[a].append(out.subarray(offset, end));
          if (a === A.BIN_DATA && this.pendingData) this.pendingData.bytes = out.slice(offset, end);
          if (a === A.BIN_IDCRC || a === A.BIN_DATACRC) {
            if (this.keepCrcInputs) {
              const rec = a === A.BIN_IDCRC ? this.pendingId : this.pendingData;
              if (rec) rec.crcInput = out.slice(offset, end);
            } else if (this.failingCrcInputs) {
              // held until its EV_CRC says whether the check fails (copied: the next run reuses `out`)
              if (this.heldInput.length < len) this.heldInput = new Uint8Array(Math.max(len, this.heldInput.length * 2));
              this.heldInput.set(out.subarray(offset, end));
              this.heldLen = len;
              this.heldFor = a === A.BIN_IDCRC ? this.pendingId : this.pendingData;
            }
            // its end (the received CRC) is what EV_CRC reports: keep the tail, not a copy of the blob
            const tail = Math.min(CRC_TAIL, len);
            for (let j = 0; j < tail; j++) this.crcTail[j] = out[end - tail + j];
            this.crcTailLen = tail;
          }
          break;
        }
        case A.EV_CRC: {
          const ok = (c & A.CRC_OK) !== 0;
          const bits = c >>> A.CRC_BITS_SHIFT;
          const computed = crcHex(ev[o + 5], ev[o + 6]);
          const tailLen = this.crcTailLen;
          let read = "";
          for (let j = tailLen >= 0 ? Math.max(0, Math.trunc(tailLen - bits / 8)) : tailLen; j < tailLen; j++) {
            read += byteHex(this.crcTail[j]);
          }
          if (ok) this.stats.CRC_OK++;
          else this.stats.CRC_err++;
          this.fields.push({ kind: "crc", start: a, end: b, text: `${ok ? "CRC OK" : "CRC error"} ${computed}` });
          const verdict = { ok, read, computed: computed.padStart(bits / 4, "0"), bits, start: a, end: b };
          const owner = (c & A.CRC_DATA) !== 0 ? this.pendingData : this.pendingId;
          if (this.heldFor !== undefined && this.heldFor === owner && !ok) owner.crcInput = this.heldInput.slice(0, this.heldLen);
          this.heldFor = undefined;
          if ((c & A.CRC_DATA) !== 0) {
            if (this.pendingData) this.pendingData.crc = verdict;
            this.pendingData = undefined;
          } else {
            if (this.pendingId) this.pendingId.crc = verdict;
            this.pendingId = undefined;
          }
          break;
        }
        case A.EV_UNKNOWN:
          if (!this.marksAndChecksOnly) this.fields.push({ kind: "unknown", start: a, end: b, text: "Unknown byte" });
          break;
        case A.EV_CLOCKERR: {
          let m = c, bitsBad = 0;
          while (m) { bitsBad += m & 1; m >>>= 1; }
          this.stats.CkEr += bitsBad;
          break;
        }
        case A.EV_RESET: // diskflux-only, not the original's: no field, statistic or binary
          if (this.retain) this.reset(ev[o + 1], a, b, c, ev[o + 5], ev[o + 6], ev[o + 7]);
          break;
      }
    }
  }

  /** An EV_RESET as a note; a record cut short in its CRC gets it as `reset` (it never gets a CRC). */
  private reset(at: number, start: number, end: number, reason: number, cells: number, where: number, fieldBytes: number): void {
    const field: ResetField = where >> 4 === A.RM_SCANNING ? "sync" : RESET_FIELDS[where & 15];
    const note: ResetNote = { at, reason: RESET_REASONS[reason], field, start, end, cells, fieldBytes };
    this.resets.push(note);
    if (field === "idcrc" && this.pendingId && !this.pendingId.crc) {
      this.pendingId.reset = note;
      this.pendingId = undefined;
    } else if (field === "datacrc" && this.pendingData && !this.pendingData.crc) {
      this.pendingData.reset = note;
      this.pendingData = undefined;
    }
  }

  /** Keep a record's CRC input only when its check fails (FAILING_CRC_INPUTS in stream.ts). */
  failingCrcInputs = false;
  /** The last CRC input while its verdict is due, and the record it belongs to. */
  private heldInput = new Uint8Array(0);
  private heldLen = 0;
  private heldFor: TrackRecord | undefined;

  /** The last CRC binary's final bytes (crcTail[0, crcTailLen)); -1 before the first. */
  private readonly crcTail = new Uint8Array(CRC_TAIL);
  private crcTailLen = -1;
  private taken = 0;

  /**
   * Records that are final: with their CRC, or followed by a later record
   * (a record cut off by a reset never gets one). At the end, all the rest.
   */
  takeRecords(all: boolean): TrackRecord[] {
    let end = this.records.length;
    if (!all) {
      while (end > this.taken && !this.records[end - 1].crc) end--;
    }
    const out = this.records.slice(this.taken, end);
    this.taken = end;
    return out;
  }

  finish(sampleRate: number, sampleCount: number): DecodeResult {
    const [id, idcrc, data, datacrc, iddata] = this.sinks.map((s) => s.bytes());
    const result: DecodeResult = {
      backend: this.k.backend, sampleRate, sampleCount, options: this.opts,
      records: this.records, stats: this.stats, binary: { id, idcrc, data, datacrc, iddata }, fields: this.fields,
    };
    if (this.retain) result.resets = this.resets;
    if (this.keepEvents) {
      const ev = this.eventLog.bytes();
      result.events = new Float64Array(ev.buffer, ev.byteOffset, ev.byteLength / 8);
      result.bytesLogged = this.logBytes;
      const e = this.edgeLog.bytes(), c = this.cellLog.bytes();
      result.edges = {
        positions: new Float64Array(e.buffer, e.byteOffset, e.byteLength / 8),
        cells: new Int32Array(c.buffer, c.byteOffset, c.byteLength / 4),
        index: this.indexLog.bytes(),
      };
    }
    return result;
  }
}
