// decode(): a capture and options in, records in track order out.
//
// Orchestration only: samples go through the edge kernel in SAMPLE_CAP chunks,
// edges through the track kernel, and the event log into records, statistics
// and the binary streams of spec §6.7. Both backends are driven identically.
import * as A from "./kernels/abi.js";
import type { Kernels, BackendName } from "./kernels/backend.js";
import { writeTrackConfig } from "./kernels/config.js";
import { getKernels, type BackendChoice } from "./kernels/load.js";
import type { Capture, LogicCapture } from "./capture.js";
import { resolveOptions, type DecodeOptions, type ResolvedOptions } from "./options.js";
import { decodeHeader } from "./header.js";
import { DiskfluxError } from "./errors.js";
import { ByteSink } from "./bytesink.js";
import { crcHex } from "./hex.js";

export interface ChannelMap {
  /** Data channel (index or name); default 0. */
  data?: number | string;
  /** Index channel; default 1 when the capture has it. null = none. */
  index?: number | string | null;
  /** Suppress channel; default 2 when the capture has it. null = none. */
  suppress?: number | string | null;
}

export interface DecodeRequest {
  backend?: BackendChoice;
  channels?: ChannelMap;
  /** Keep the raw event log (needed for annotations); costs memory. */
  keepEvents?: boolean;
  /** Log every decoded byte with its windows (annotations); implies keepEvents. */
  logBytes?: boolean;
}

export interface CrcVerdict {
  ok: boolean;
  /** The CRC read from the disk, upper-case hex at the CRC width. */
  read: string;
  /** The CRC computed over the record, upper-case hex at the CRC width. */
  computed: string;
  bits: number;
}

export interface IdRecord {
  kind: "id";
  /** Sample range of the ID record bytes (as in the `ID Record` annotation). */
  start: number;
  end: number;
  /** Sample range of the address mark. */
  markStart: number;
  cyl: number;
  head: number;
  sec: number;
  /** Sector length in bytes decoded from the header. */
  len: number;
  bytes: Uint8Array;
  crc?: CrcVerdict & { start: number; end: number };
}

export interface DataRecord {
  kind: "data";
  start: number;
  end: number;
  markStart: number;
  /** The data address mark byte (e.g. 0xF8, 0xFB, 0xA0). */
  mark: number;
  deleted: boolean;
  bytes: Uint8Array;
  crc?: CrcVerdict & { start: number; end: number };
}

export type TrackRecord = IdRecord | DataRecord;

/** The counters of the original's summary report (§6.5), over the whole capture. */
export interface DecodeStats {
  IAM: number; IDAM: number; DAM: number; DDAM: number;
  CRC_OK: number; CRC_err: number; EiPW: number; CkEr: number; OoTI: number; Intrvls: number;
}

export interface BinaryStreams {
  id: Uint8Array; idcrc: Uint8Array; data: Uint8Array; datacrc: Uint8Array; iddata: Uint8Array;
}

/** A field or error annotation as the original emits it (fields and errors rows). */
export interface FieldEvent {
  kind: "sync" | "mark" | "idrec" | "datarec" | "crc" | "unknown" | "clock";
  start: number;
  end: number;
  text: string;
}

export interface DecodeResult {
  backend: BackendName;
  sampleRate: number;
  sampleCount: number;
  options: ResolvedOptions;
  records: TrackRecord[];
  stats: DecodeStats;
  binary: BinaryStreams;
  fields: FieldEvent[];
  /** Raw event log (EVENT_STRIDE numbers per event), when requested. */
  events?: Float64Array;
  /** True when the event log holds every byte (EV_BYTE), i.e. decoded with logBytes (annotations need it). */
  bytesLogged?: boolean;
  /** Edges, cells and index levels, when events are requested. */
  edges?: { positions: Float64Array; cells: Int32Array; index: Uint8Array };
}

const BIN_NAMES = ["id", "idcrc", "data", "datacrc", "iddata"] as const;

function resolveChannel(capture: LogicCapture, spec: number | string | null | undefined, fallback: number | null): number {
  if (spec === null) return -1;
  if (spec === undefined) return fallback !== null && fallback < capture.channels.length ? capture.channels[fallback].index : -1;
  if (typeof spec === "number") {
    if (!Number.isInteger(spec) || spec < 0 || spec >= capture.unitSize * 8) {
      throw new DiskfluxError("E_ARGUMENT", `channel ${spec} does not exist in ${capture.source ?? "the capture"} (it has ${capture.channels.length})`);
    }
    return spec;
  }
  const ch = capture.channels.find((c) => c.name === spec);
  if (!ch) {
    throw new DiskfluxError("E_ARGUMENT",
      `no channel named '${spec}' in ${capture.source ?? "the capture"}; channels: ${capture.channels.map((c) => c.name).join(", ")}`);
  }
  return ch.index;
}

/** Decodes a capture. Options are a sigrok option string or an object with the same keys. */
export async function decode(capture: Capture, options: string | DecodeOptions = {}, request: DecodeRequest = {}): Promise<DecodeResult> {
  const opts = resolveOptions(options);
  if (!(capture.sampleRate > 0) || !Number.isFinite(capture.sampleRate)) {
    throw new DiskfluxError("E_ARGUMENT", "Cannot decode without samplerate: the capture has no valid sample rate");
  }
  if (opts.decoder === "legacy") {
    throw new DiskfluxError("E_OPTION", "decoder=legacy is not implemented yet; use decoder=PLL (the default)");
  }
  const k = await getKernels(request.backend ?? "auto");
  const logBytes = request.logBytes === true;
  const keepEvents = logBytes || request.keepEvents === true;
  writeTrackConfig(k, opts, capture.sampleRate, logBytes ? A.LOG_BYTES : 0);
  k.trackConfigure();
  const collector = new Collector(k, opts, keepEvents, logBytes);

  if (capture.kind === "edges") {
    const e = capture.edges;
    for (let base = 0; base < e.length; base += A.EDGE_CAP) {
      const n = Math.min(A.EDGE_CAP, e.length - base);
      k.edges.set(e.subarray(base, base + n));
      if (capture.index) k.index.set(capture.index.subarray(base, base + n));
      else k.index.fill(A.INDEX_ABSENT, 0, n);
      collector.run(n);
    }
    const count = capture.sampleCount ?? (e.length ? e[e.length - 1] + 1 : 0);
    return collector.finish(capture.sampleRate, count);
  }

  const dataBit = resolveChannel(capture, request.channels?.data, 0);
  if (dataBit < 0) throw new DiskfluxError("E_ARGUMENT", "the data channel is required");
  const indexBit = resolveChannel(capture, request.channels?.index, 1);
  const suppressBit = resolveChannel(capture, request.channels?.suppress, 2);
  const rising = opts.leadingEdge === "rising" ? 1 : 0;
  const direct = capture.unitSize === 1;
  k.edgesReset();
  const { samples, sampleCount, unitSize } = capture;
  for (let base = 0; base < sampleCount; base += A.SAMPLE_CAP) {
    const len = Math.min(A.SAMPLE_CAP, sampleCount - base);
    let n: number;
    if (direct) {
      k.samples.set(samples.subarray(base, base + len));
      n = k.edgesExtract(len, base, dataBit, indexBit, suppressBit, rising);
    } else {
      packChannels(samples, unitSize, base, len, [dataBit, indexBit, suppressBit], k.samples);
      n = k.edgesExtract(len, base, 0, indexBit >= 0 ? 1 : -1, suppressBit >= 0 ? 2 : -1, rising);
    }
    collector.run(n);
  }
  return collector.finish(capture.sampleRate, sampleCount);
}

/** Wide samples → one byte per sample with the three decoder channels in bits 0, 1, 2. */
function packChannels(src: Uint8Array, unit: number, base: number, len: number, bits: number[], dst: Uint8Array): void {
  dst.fill(0, 0, len);
  bits.forEach((bit, slot) => {
    if (bit < 0) return;
    const byte = bit >> 3, shift = bit & 7;
    let o = base * unit + byte;
    for (let i = 0; i < len; i++, o += unit) dst[i] |= ((src[o] >> shift) & 1) << slot;
  });
}

/** Accumulates events of successive trackRun calls into the result. */
class Collector {
  private readonly sinks = BIN_NAMES.map(() => new ByteSink());
  private readonly records: TrackRecord[] = [];
  private readonly fields: FieldEvent[] = [];
  private readonly stats: DecodeStats = { IAM: 0, IDAM: 0, DAM: 0, DDAM: 0, CRC_OK: 0, CRC_err: 0, EiPW: 0, CkEr: 0, OoTI: 0, Intrvls: 0 };
  private readonly eventLog = new ByteSink();
  private readonly edgeLog = new ByteSink();
  private readonly cellLog = new ByteSink();
  private readonly indexLog = new ByteSink();
  private lastMarkStart = 0;
  private lastMark = 0;
  private pendingId: IdRecord | undefined;
  private pendingData: DataRecord | undefined;
  private readonly cmin: number;
  private readonly cmax: number;

  constructor(private readonly k: Kernels, private readonly opts: ResolvedOptions, private readonly keepEvents: boolean, private readonly logBytes = false) {
    this.cmin = k.cfgI32[A.CI_CMIN];
    this.cmax = k.cfgI32[A.CI_CMAX];
  }

  run(n: number): void {
    const k = this.k;
    let done = 0;
    while (done < n) {
      const used = k.trackRun(done, n - done);
      this.take(k.status[A.ST_EVENTS]);
      if (this.keepEvents) {
        this.edgeLog.append(new Uint8Array(k.edges.buffer, k.edges.byteOffset + done * 8, used * 8));
        this.cellLog.append(new Uint8Array(k.cells.buffer, k.cells.byteOffset + done * 4, used * 4));
        this.indexLog.append(k.index.subarray(done, done + used));
      }
      const cells = k.cells;
      for (let i = done; i < done + used; i++) {
        const c = cells[i] & A.CELLS_MASK;
        if (c < this.cmin || c > this.cmax) this.stats.OoTI++;
      }
      this.stats.Intrvls += used;
      done += used;
    }
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
          this.fields.push({ kind: "sync", start: a, end: b, text: `Sync pattern ${c} bytes` });
          break;
        case A.EV_MARK: {
          const names = ["Index Mark", "ID Address Mark", "Data Address Mark", "Deleted Data Address Mark"];
          const keys = ["IAM", "IDAM", "DAM", "DDAM"] as const;
          this.stats[keys[c]]++;
          this.fields.push({ kind: "mark", start: a, end: b, text: names[c] });
          this.lastMarkStart = a;
          this.lastMark = ev[o + 5];
          break;
        }
        case A.EV_IDREC: {
          const bytes = out.slice(c, c + ev[o + 5]);
          const h = decodeHeader(this.opts.headerFormat, bytes, this.opts.preset.marks, ev[o + 6], this.lastMark);
          const rec: IdRecord = { kind: "id", start: a, end: b, markStart: this.lastMarkStart, cyl: h.cyl, head: h.head, sec: h.sec, len: h.len, bytes };
          this.records.push(rec);
          this.pendingId = rec;
          this.fields.push({ kind: "idrec", start: a, end: b, text: `ID Record: cyl=${h.cyl}, head=${h.head}, sec=${h.sec}, len=${h.len}` });
          break;
        }
        case A.EV_DATAREC: {
          const rec: DataRecord = {
            kind: "data", start: a, end: b, markStart: this.lastMarkStart, mark: this.lastMark,
            deleted: this.opts.format === "FM" && this.lastMark >= 0xf8 && this.lastMark <= 0xfa, bytes: new Uint8Array(0),
          };
          this.records.push(rec);
          this.pendingData = rec;
          this.fields.push({ kind: "datarec", start: a, end: b, text: "Data Record" });
          break;
        }
        case A.EV_BINARY: {
          const offset = b, len = c;
          const bytes = out.subarray(offset, offset + len);
          this.sinks[a].append(bytes);
          if (a === A.BIN_DATA && this.pendingData) this.pendingData.bytes = bytes.slice();
          if (a === A.BIN_IDCRC) this.lastCrcBlob = bytes.slice();
          if (a === A.BIN_DATACRC) this.lastCrcBlob = bytes.slice();
          break;
        }
        case A.EV_CRC: {
          const ok = (c & A.CRC_OK) !== 0;
          const bits = ev[o + 7];
          const computed = crcHex(ev[o + 5], ev[o + 6]);
          const blob = this.lastCrcBlob;
          const read = blob ? Array.from(blob.subarray(blob.length - bits / 8), (x) => x.toString(16).toUpperCase().padStart(2, "0")).join("") : "";
          if (ok) this.stats.CRC_OK++;
          else this.stats.CRC_err++;
          this.fields.push({ kind: "crc", start: a, end: b, text: `${ok ? "CRC OK" : "CRC error"} ${computed}` });
          const verdict = { ok, read, computed: computed.padStart(bits / 4, "0"), bits, start: a, end: b };
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
          this.fields.push({ kind: "unknown", start: a, end: b, text: "Unknown byte" });
          break;
        case A.EV_CLOCKERR: {
          let m = c, bitsBad = 0;
          while (m) { bitsBad += m & 1; m >>>= 1; }
          this.stats.CkEr += bitsBad;
          break;
        }
      }
    }
  }

  private lastCrcBlob: Uint8Array | undefined;

  finish(sampleRate: number, sampleCount: number): DecodeResult {
    const [id, idcrc, data, datacrc, iddata] = this.sinks.map((s) => s.bytes());
    const result: DecodeResult = {
      backend: this.k.backend, sampleRate, sampleCount, options: this.opts,
      records: this.records, stats: this.stats, binary: { id, idcrc, data, datacrc, iddata }, fields: this.fields,
    };
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
