// Recovery on a streamed capture (issue 11, part 3), in bounded memory
// whatever the capture's length.
//
//   samples/edges ──▶ TrackStream ──▶ records (in order, as they complete)
//        │ onRun: every leading edge         │ a data record whose check fails, a bad ID,
//        ▼                                   │ data without its ID, sectors lost between good IDs
//   EdgeRing (the recent edges, ≤ maxEdges)  ▼
//        └──── cut [from, to] ──▶ EdgeCapture ──▶ decode(…, { recover }) (recoverTrack)
//                                                  │ statuses, bytes, evidence, lost sectors
//                                                  ▼
//                                         put on the streamed records
//
// A window runs from some bytes before the sector's ID mark (its sync) to some
// bytes after its data's check, so recoverTrack re-decodes a few hundred bytes
// (or a few sectors, for a gap) with its other separators, not the track.
// Records whose check verifies get status "good" and cost nothing.
//
// Memory: the ring holds the edges from the oldest window still needed (or,
// with none pending, a few hundred bytes before the last record) to now, at
// most maxEdges (default 2 Mi edges: 16 MiB of positions + 2 MiB of index
// levels); it starts small and grows only as far as that needs. Pushes are cut
// into pieces of PIECE samples so a record is handled soon after it completes.
// A window whose start has already left a full ring (pathological noise: more
// than maxEdges edges in one window's span) cannot be recovered: its records
// stay "bad" and onWarning says so (never silently). Records, fields and binary
// streams are kept as the plain streamed decode keeps them.
import type { EdgeCapture } from "../capture.js";
import type { DecodeOptions } from "../options.js";
import type { DataRecord, DecodeResult, IdRecord, TrackRecord } from "../types.js";
import type { RecoverOptions, RecoverySummary } from "./recover.js";
import { openTrackStream, type StreamRequest, type StreamSetup, type TrackStream } from "../stream.js";
import { DiskfluxError } from "../errors.js";

/** Edges the ring holds at most by default. */
export const STREAM_RECOVER_MAX_EDGES = 1 << 21;
/** Samples pushed to the decoder at a time (records are then handled). */
const PIECE = 1 << 16;
/** Bytes of context before an ID mark (its sync and gap). */
const PRE_BYTES = 64;
/** Before a data mark with no ID of its own: the lost ID, its gap and sync too. */
const PRE_ORPHAN_BYTES = 64 + 64 + 16;
/** Bytes after a data record's check. */
const POST_BYTES = 32;
/** ID end to data mark, at most (recover.ts ID_TO_DATA_BYTES). */
const ID_TO_DATA_BYTES = 64;
/** A gap between good IDs counts as lost sectors above this many pitches (recover.ts looksIncomplete), and up to MAX_GAP_PITCHES. */
const GAP_PITCHES = 1.8;
const MAX_GAP_PITCHES = 8;
/** Good IDs before a gap put into its window (recoverTrack sees the pitch; ≥ 3 marks). */
const GAP_CONTEXT_IDS = 3;

export interface StreamRecoverRequest extends Omit<StreamRequest, "onRun" | "discard"> {
  /** Edges the ring holds at most (default STREAM_RECOVER_MAX_EDGES). */
  maxEdges?: number;
  /** Told about a window that could not be recovered (its records stay bad). */
  onWarning?: (message: string) => void;
}

/** A bounded window of the most recent leading edges (sample numbers) and their index levels. */
export class EdgeRing {
  private edges: Float64Array;
  private index: Uint8Array;
  private n = 0;
  /** Edges before this sample were dropped for want of room (windows starting before it are incomplete). */
  floor = 0;
  /** Whether every index level seen is 0 or 1 (an index channel). */
  indexKnown = true;
  /** Most edges held at once so far. */
  peak = 0;

  constructor(readonly maxEdges: number) {
    if (!Number.isInteger(maxEdges) || maxEdges < 1024) throw new DiskfluxError("E_ARGUMENT", `maxEdges must be a whole number ≥ 1024, not ${maxEdges}`);
    this.edges = new Float64Array(Math.min(1 << 14, maxEdges));
    this.index = new Uint8Array(this.edges.length);
  }

  get length(): number {
    return this.n;
  }

  /** The last edge held (0 when none). */
  get last(): number {
    return this.n > 0 ? this.edges[this.n - 1] : 0;
  }

  /** Appends edges; drops those before keepFrom when room is short, and the oldest when the ring is full. */
  append(edges: Float64Array, index: Uint8Array | undefined, keepFrom: number): void {
    const m = edges.length;
    if (m === 0) return;
    if (index) for (let i = 0; i < m && this.indexKnown; i++) if (index[i] > 1) this.indexKnown = false;
    if (this.n + m > this.edges.length) {
      // drop what no window needs
      const cut = lowerBound(this.edges, this.n, keepFrom);
      if (cut > 0) {
        this.floor = Math.max(this.floor, this.edges[cut - 1] + 1);
        this.shift(cut);
      }
    }
    if (this.n + m > this.edges.length && this.edges.length < this.maxEdges) {
      let size = this.edges.length;
      while (size < this.n + m && size < this.maxEdges) size *= 2;
      size = Math.min(size, this.maxEdges);
      const e = new Float64Array(size), x = new Uint8Array(size);
      e.set(this.edges.subarray(0, this.n));
      x.set(this.index.subarray(0, this.n));
      this.edges = e;
      this.index = x;
    }
    let from = 0;
    if (m > this.edges.length) {
      from = m - this.edges.length; // a piece larger than the whole ring: its tail
      this.floor = Math.max(this.floor, edges[from - 1] + 1);
      this.n = 0;
    } else if (this.n + m > this.edges.length) {
      const drop = this.n + m - this.edges.length;
      this.floor = Math.max(this.floor, this.edges[drop - 1] + 1);
      this.shift(drop);
    }
    this.edges.set(edges.subarray(from), this.n);
    if (index) this.index.set(index.subarray(from), this.n);
    else this.index.fill(255, this.n, this.n + m - from);
    this.n += m - from;
    if (this.n > this.peak) this.peak = this.n;
  }

  private shift(k: number): void {
    this.edges.copyWithin(0, k, this.n);
    this.index.copyWithin(0, k, this.n);
    this.n -= k;
  }

  /** The edges in [from, to] as an EdgeCapture, or undefined when some were dropped. */
  cut(from: number, to: number, sampleRate: number, sampleCount?: number): EdgeCapture | undefined {
    if (from < this.floor) return undefined;
    const a = lowerBound(this.edges, this.n, Math.max(1, from));
    const b = lowerBound(this.edges, this.n, to + 1);
    const edges = this.edges.slice(a, b);
    return {
      kind: "edges", sampleRate, edges,
      ...(this.indexKnown && this.n > 0 && this.index[0] <= 1 ? { index: this.index.slice(a, b) } : {}),
      sampleCount: Math.max(sampleCount ?? 0, to + 1, b > a ? edges[edges.length - 1] + 1 : 0),
    };
  }
}

function lowerBound(a: Float64Array, n: number, x: number): number {
  let lo = 0, hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid] < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** A stretch of the track to recover and the streamed data records it is for. */
interface Window {
  from: number;
  to: number;
  targets: DataRecord[];
  /** Why (for a warning). */
  what: string;
  /** For sectors (or an ID or a data mark) the plain decode lost: recoverTrack must look for them. */
  lost?: boolean;
}

/**
 * A TrackStream whose failing data records are recovered as they stream, from
 * a bounded ring of recent edges (module header). Made by openRecoveringStream().
 */
export class RecoveringStream {
  private readonly ring: EdgeRing;
  private readonly byte: number;
  private readonly pending: Window[] = [];
  /** Streamed records recent enough that a window may still touch them. */
  private recent: TrackRecord[] = [];
  /** Sectors recovery found that the plain decode lost. */
  private readonly added: TrackRecord[] = [];
  private readonly goodIds: IdRecord[] = [];
  private readonly gaps: number[] = [];
  private lastRecord: TrackRecord | undefined;
  private lastId: IdRecord | undefined;
  private readonly summary: RecoverySummary = { good: 0, corrected: 0, recovered: 0, bad: 0, retryDecodes: 0 };
  private windows = 0;
  /** The longest sector a good ID has named (16 KiB, the largest, before any). */
  private maxLen = 0;

  private constructor(
    private readonly stream: TrackStream,
    private readonly options: string | DecodeOptions,
    private readonly setup: StreamSetup,
    private readonly recover: RecoverOptions,
    private readonly request: StreamRecoverRequest,
    ring: EdgeRing,
  ) {
    this.ring = ring;
    const o = stream.options;
    this.byte = 16 * (setup.sampleRate / o.dataRate / 2);
  }

  /** Opens the stream (options as openTrackStream takes them; "auto" is not streamed: resolve it first). */
  static async open(setup: StreamSetup, options: string | DecodeOptions, request: StreamRecoverRequest = {}, recover: RecoverOptions = {}): Promise<RecoveringStream> {
    const ring = new EdgeRing(request.maxEdges ?? STREAM_RECOVER_MAX_EDGES);
    let self: RecoveringStream | undefined;
    const { maxEdges: _m, onWarning: _w, ...plain } = request;
    const stream = await openTrackStream(setup, options, {
      ...plain,
      onRun: (run) => {
        const idx = run.index.subarray(run.from, run.from + run.count);
        ring.append(run.edges.subarray(run.from, run.from + run.count), idx, self ? self.keepFrom() : 0);
      },
    });
    self = new RecoveringStream(stream, options, setup, recover, request, ring);
    return self;
  }

  /** Most edges the ring has held (memory: 9 bytes each). */
  get peakEdges(): number {
    return this.ring.peak;
  }

  /** Windows recovered so far. */
  get windowCount(): number {
    return this.windows;
  }

  /** Samples in unit order, any split (as TrackStream.pushSamples). */
  async pushSamples(chunk: Uint8Array): Promise<void> {
    const step = PIECE * (this.setup.unitSize ?? 1);
    for (let at = 0; at < chunk.length; at += step) {
      this.stream.pushSamples(chunk.subarray(at, Math.min(chunk.length, at + step)));
      await this.advance(false);
    }
  }

  /** Leading-edge sample numbers (as TrackStream.pushEdges). */
  async pushEdges(edges: Float64Array, index?: Uint8Array): Promise<void> {
    const step = PIECE >> 2;
    for (let at = 0; at < edges.length; at += step) {
      const b = Math.min(edges.length, at + step);
      this.stream.pushEdges(edges.subarray(at, b), index?.subarray(at, b));
      await this.advance(false);
    }
  }

  /** Ends the stream: the whole result, every data record with its status, lost sectors added, in track order. */
  async finish(sampleCount?: number): Promise<DecodeResult> {
    const result = sampleCount === undefined ? this.stream.finish() : this.stream.finish(sampleCount);
    this.take(this.stream.takeRemaining());
    const last = this.lastRecord;
    if (last?.kind === "id" && last.crc?.ok) {
      const B = this.byte, dw = this.stream.options.dataCrc.bits;
      this.addWindow({ from: this.lostFrom(last.markStart), lost: true, to: last.end + (ID_TO_DATA_BYTES + last.len + dw / 8 + 6 + POST_BYTES) * B, targets: [], what: `the data after the ID at sample ${last.markStart}` });
    }
    await this.advance(true);
    if (this.added.length > 0) {
      result.records.push(...this.added);
      result.records.sort((a, b) => a.markStart - b.markStart);
    }
    const s = this.summary;
    s.good = s.corrected = s.recovered = s.bad = 0;
    for (const r of result.records) {
      if (r.kind !== "data") continue;
      r.status ??= r.crc?.ok ? "good" : "bad";
      if (r.status === "good" || r.status === "corrected" || r.status === "recovered" || r.status === "bad") s[r.status]++;
    }
    result.recovery = s;
    return result;
  }

  /**
   * Where the ring may drop edges before: the oldest pending window, and the
   * reach of any window a record still to come may ask for (its sector, and
   * the good IDs up to MAX_GAP_PITCHES before it: lostFrom), with slack.
   */
  private keepFrom(): number {
    const len = this.stream.options.sectorSize || this.maxLen || 16384;
    const reach = (PRE_ORPHAN_BYTES + ID_TO_DATA_BYTES + len + 64) * this.byte + (MAX_GAP_PITCHES + 1) * this.pitch();
    let k = this.ring.last - 1.5 * reach;
    for (const w of this.pending) k = Math.min(k, w.from);
    return k;
  }

  /** The median pitch of recent good IDs; before three gaps, a sector's bytes and the least of its overhead. */
  private pitch(): number {
    if (this.gaps.length < 3) {
      const o = this.stream.options;
      const len = o.sectorSize || this.maxLen || 256;
      return (len + o.dataCrc.bits / 8 + o.headerCrc.bits / 8 + 24) * this.byte;
    }
    const s = [...this.gaps].sort((a, b) => a - b);
    return s[s.length >> 1];
  }

  /**
   * Windows are recovered one by one, in the order their records came, each on
   * its own edges: what a record gets depends on where it is, never on how
   * the capture was cut into pushes.
   */
  private addWindow(w: Window): void {
    this.pending.push(w);
  }

  /** Where a window for something lost at `at` starts: before the good IDs just before it (recoverTrack sees their pitch). */
  private lostFrom(at: number): number {
    const ids = this.goodIds.filter((x) => x.markStart < at);
    const first = ids[Math.max(0, ids.length - GAP_CONTEXT_IDS)];
    const from = first ? first.markStart - PRE_BYTES * this.byte : at;
    return Math.max(1, at - MAX_GAP_PITCHES * this.pitch() - PRE_BYTES * this.byte, Math.min(at - PRE_ORPHAN_BYTES * this.byte, from));
  }

  /** New records: statuses of those that verify, windows for the rest. */
  private take(records: TrackRecord[]): void {
    const B = this.byte;
    const dw = this.stream.options.dataCrc.bits;
    for (const r of records) {
      this.recent.push(r);
      const prevId = this.lastRecord?.kind === "id" ? this.lastRecord : undefined;
      if (prevId?.crc?.ok && (r.kind === "id" || r.markStart - (prevId.crc.end ?? prevId.end) > ID_TO_DATA_BYTES * B)) {
        // an ID without its data: the data mark may be read again
        this.addWindow({ from: this.lostFrom(prevId.markStart), lost: true, to: prevId.end + (ID_TO_DATA_BYTES + prevId.len + dw / 8 + 6 + POST_BYTES) * B, targets: [], what: `the data after the ID at sample ${prevId.markStart}` });
      }
      if (r.kind === "id") {
        if (r.crc?.ok) {
          const prev = this.goodIds[this.goodIds.length - 1];
          const p = this.pitch();
          const to = r.end + (POST_BYTES + ID_TO_DATA_BYTES) * B;
          if (prev) {
            const gap = r.markStart - prev.markStart;
            if (gap > GAP_PITCHES * p && gap <= MAX_GAP_PITCHES * p) {
              this.addWindow({ from: this.lostFrom(r.markStart), lost: true, to, targets: [], what: `sectors lost before sample ${r.markStart}` });
            }
            if (gap > 0 && gap <= MAX_GAP_PITCHES * p) {
              this.gaps.push(gap);
              if (this.gaps.length > 16) this.gaps.shift();
            }
          } else if (r.markStart > 2.3 * p) {
            // sectors lost before the first good ID
            this.addWindow({ from: Math.max(1, r.markStart - MAX_GAP_PITCHES * p), lost: true, to, targets: [], what: `sectors lost before sample ${r.markStart}` });
          }
          this.goodIds.push(r);
          if (r.len > this.maxLen) this.maxLen = r.len;
          if (this.goodIds.length > GAP_CONTEXT_IDS + 1) this.goodIds.shift();
        } else if (r.crc) {
          const len = this.stream.options.sectorSize || this.goodIds[this.goodIds.length - 1]?.len || 512;
          this.addWindow({ from: this.lostFrom(r.markStart), lost: true, to: r.end + (ID_TO_DATA_BYTES + len + dw / 8 + 6 + POST_BYTES) * B, targets: [], what: `the ID at sample ${r.markStart}` });
        }
        this.lastId = r;
      } else {
        const own = this.lastId !== undefined && this.lastRecord === this.lastId && r.markStart - (this.lastId.crc?.end ?? this.lastId.end) <= ID_TO_DATA_BYTES * B ? this.lastId : undefined;
        const end = (r.crc?.end ?? r.end) + POST_BYTES * B;
        if (r.crc?.ok && own?.crc?.ok) r.status = "good";
        else if (!r.crc?.ok) {
          this.addWindow({ from: (own ? own.markStart - PRE_BYTES * B : r.markStart - PRE_ORPHAN_BYTES * B), to: end, targets: [r], what: `the data record at sample ${r.markStart}` });
        } else if (!own && r.markStart > (PRE_ORPHAN_BYTES + 32) * B) {
          // data without its ID (recover.ts looksIncomplete): the ID may be read again
          this.addWindow({ from: this.lostFrom(r.markStart), lost: true, to: end, targets: [r], what: `the ID before sample ${r.markStart}` });
        } else r.status = "good";
      }
      this.lastRecord = r;
    }
  }

  /** Takes completed records and recovers every window the ring now holds whole (all of them at the end). */
  private async advance(final: boolean): Promise<void> {
    if (!final) this.take(this.stream.takeRecords());
    const now = this.ring.last;
    while (this.pending.length > 0 && (final || this.pending[0].to <= now)) {
      const w = this.pending.shift()!;
      await this.recoverWindow(w);
    }
    // records no window can reach any more
    const k = this.keepFrom() - PRE_ORPHAN_BYTES * this.byte;
    if (this.recent.length > 64 && this.recent[0].end < k) this.recent = this.recent.filter((r) => r.end >= k);
  }

  private async recoverWindow(w: Window): Promise<void> {
    // for something lost, the window's capture is said to run on a few pitches: recoverTrack
    // (looksIncomplete) then looks for lost sectors as it does inside a whole track
    const cap = this.ring.cut(w.from, w.to, this.setup.sampleRate, w.lost ? w.to + 3 * this.pitch() : undefined);
    if (!cap) {
      this.request.onWarning?.(`${this.setup.source ?? "capture"}: ${w.what} was not recovered: its window held more than ${this.ring.maxEdges} edges (pathological noise); it stays bad`);
      for (const t of w.targets) t.status ??= t.crc?.ok ? "good" : "bad";
      return;
    }
    const { decode } = await import("../decode.js");
    const r = await decode(cap, this.options, { ...(this.request.backend ? { backend: this.request.backend } : {}), ...(this.request.channels ? { channels: this.request.channels } : {}), recover: this.recover });
    this.windows++;
    const s = r.recovery;
    if (s) {
      this.summary.retryDecodes += s.retryDecodes;
      if (s.separatorDecodes !== undefined) this.summary.separatorDecodes = (this.summary.separatorDecodes ?? 0) + s.separatorDecodes;
      if (s.softTrials !== undefined) this.summary.softTrials = (this.summary.softTrials ?? 0) + s.softTrials;
    }
    const tol = 4 * this.byte;
    const near = (a: number, b: number) => Math.abs(a - b) <= tol;
    const known = [...this.recent, ...this.added];
    for (const x of r.records) {
      if (x.kind === "data") {
        const mine = known.find((y): y is DataRecord => y.kind === "data" && near(y.markStart, x.markStart));
        if (mine) {
          if (mine.crc?.ok) mine.status ??= "good";
          else if (x.status !== undefined && x.status !== "bad" && (mine.status === undefined || mine.status === "bad") && x.bytes.length === mine.bytes.length) {
            mine.bytes = x.bytes;
            mine.status = x.status;
            if (x.recovery) mine.recovery = x.recovery;
          }
        } else if (x.status !== undefined && x.status !== "bad" && x.recovery !== undefined) {
          this.added.push(x);
        }
      } else if (x.recovery !== undefined) {
        const i = known.findIndex((y) => y.kind === "id" && near(y.markStart, x.markStart));
        const mine = i >= 0 ? (known[i] as IdRecord) : undefined;
        if (mine && !mine.crc?.ok) Object.assign(mine, x);
        else if (!mine) this.added.push(x);
      }
    }
    for (const t of w.targets) t.status ??= t.crc?.ok ? "good" : "bad";
  }
}

/**
 * Decodes a stream with recovery (module header): as openTrackStream, plus the
 * recovery options; pushes return promises (recovery runs between pieces).
 *
 * @example
 * import { openCaptureFileStream, openRecoveringStream } from "diskflux";
 * const cap = await openCaptureFileStream("long-session.sr");
 * const stream = await openRecoveringStream(cap.setup, "data_rate=5000000:format=MFM:header_format=3");
 * for await (const chunk of cap.chunks()) await stream.pushSamples(chunk);
 * const result = await stream.finish();
 * console.log(result.recovery); // { good, corrected, recovered, bad, retryDecodes }
 */
export function openRecoveringStream(setup: StreamSetup, options: string | DecodeOptions, request: StreamRecoverRequest = {}, recover: RecoverOptions = {}): Promise<RecoveringStream> {
  return RecoveringStream.open(setup, options, request, recover);
}
