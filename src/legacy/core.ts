// The legacy decoder's hot loop (§3.9): leading edges in, bytes out.
//
//   edge t ─► Δ = t − prev (first edge: int(BC)) ─► windows worth (0 = OoTI)
//             │                                      in tolerance: train the width
//             ▼
//   windows:  every window that ends at or before t is queued empty (0);
//             t < start        → edge in the previous window (EiPW): the newest
//                                queued window counts it, sync is dropped
//             start ≤ t < end  → pull the end towards t, queue the window as 1
//             │
//             ▼ per queued window
//   pattern register (31 bits) ─► A1/C2 prefix (annotation only)
//   out of sync: 33 queued and a sync pattern → in sync; else more than 32
//                queued → the oldest leaves as an unknown window
//   in sync:     17 queued → a byte (run() returns CORE_BYTE; the next run()
//                drops its 16 windows and goes on where it stopped)
//
// The caller frames each byte and calls unsync() when the framer drops it.
// One object per track; no allocation per edge. An observer (annotation only)
// sees every edge, EiPW, prefix and unknown window in stream order.
// assembly/legacy.ts is the Wasm twin (same steps, same floats); both sit
// behind LegacyCoreApi.
import { CORE_DONE, CORE_BYTE, UNSYNCED_KEEP, SYNC_FILL, BYTE_WINDOWS } from "./abi.js";
import { WindowFifo, ROLE_DATA } from "./fifo.js";
import { WindowTracker } from "./windows.js";
import { shiftPattern, isSyncPattern, prefixOf, PREFIX_NONE } from "./pattern.js";
import { extractByte } from "./byte.js";
import { intervalWindows } from "./pulse.js";
import type { LegacyParams } from "./params.js";
import { roundHalfEven } from "../kernels/round.js";
import type { BackendName } from "../kernels/backend.js";

export { CORE_DONE, CORE_BYTE };

/** The hot loop's interface: this TypeScript core and its Wasm twin (src/kernels/legacy.ts). */
export interface LegacyCoreApi {
  readonly backend: BackendName;
  /** Edges one load() takes at most. */
  readonly capacity: number;
  configure(p: LegacyParams): void;
  /** Makes edges[0, count) (strictly increasing, continuing earlier loads) the next input. */
  load(edges: Float64Array, count: number, index?: Uint8Array): void;
  /** Runs until a byte is ready (CORE_BYTE) or the loaded edges are used up (CORE_DONE). */
  run(): number;
  /** The framer dropped the sync. */
  unsync(): void;
  // the byte of the last CORE_BYTE
  readonly byteValue: number;
  /** Clock violations, bit i = data bit i. */
  readonly byteClock: number;
  /** The first byte after a sync (the 00 before the mark). */
  readonly byteFirst: boolean;
  /** Start of its first clock window and end of its last data window (rounded half-even). */
  readonly byteStart: number;
  readonly byteEnd: number;
  // statistics (§6.5): every edge, out-of-tolerance intervals, edges in a previous window
  readonly intervals: number;
  readonly ooti: number;
  readonly eipw: number;
  readonly synced: boolean;
  /** Inner state, for parity checks: current window, width, pattern register, windows queued. */
  readonly windowStart: number;
  readonly windowEnd: number;
  readonly windowWidth: number;
  readonly pattern: number;
  readonly queued: number;
}

/** Annotation hooks, called in stream order. Slots index the core's `fifo` arrays. */
export interface CoreObserver {
  /** Every edge; first = no previous edge (Δ is int(BC), nothing is annotated for it). */
  edge(t: number, prev: number, delta: number, windows: number, first: boolean, indexLevel: number): void;
  /** An edge before the current window: the newest queued window took it. */
  edgeInPreviousWindow(t: number): void;
  /** The window just queued (slot) completes an A1 (1) or C2 (2) cell pattern. */
  prefix(slot: number, which: number): void;
  /** Out of sync, the oldest window (slot) leaves the FIFO. */
  unknownWindow(slot: number): void;
}

const PHASE_EDGE = 0; // start the edge at pos
const PHASE_ADVANCE = 1; // queue the windows that end at or before t
const PHASE_TAKE = 2; // the window that takes t
const PHASE_NEXT = 3; // edge done

export class LegacyCore implements LegacyCoreApi {
  readonly backend = "js";
  readonly capacity = Infinity;
  readonly fifo = new WindowFifo();
  readonly win = new WindowTracker();
  private p!: LegacyParams;
  observer: CoreObserver | undefined;

  // input: edges[pos, count) with their index levels
  private edges: Float64Array = new Float64Array(0);
  private index: Uint8Array | undefined;
  private pos = 0;
  private count = 0;
  private phase = PHASE_NEXT;
  private t = 0;

  private prev = 0;
  private started = false;
  pattern = 0;
  synced = false;
  private firstAfterSync = false;
  private bytePending = false;

  // the byte of the last CORE_BYTE
  byteValue = 0;
  /** Clock violations, bit i = data bit i. */
  byteClock = 0;
  /** The first byte after a sync (the 00 before the mark). */
  byteFirst = false;
  /** Start of its first clock window and end of its last data window (rounded half-even). */
  byteStart = 0;
  byteEnd = 0;

  // statistics (§6.5): every edge, out-of-tolerance intervals, edges in a previous window
  intervals = 0;
  ooti = 0;
  eipw = 0;

  get windowStart(): number { return this.win.start; }
  get windowEnd(): number { return this.win.end; }
  get windowWidth(): number { return this.win.width; }
  get queued(): number { return this.fifo.length; }

  configure(p: LegacyParams): void {
    this.p = p;
    this.fifo.reset();
    this.win.reset(p.bitCell);
    this.pos = this.count = 0;
    this.phase = PHASE_NEXT;
    this.prev = 0;
    this.started = false;
    this.pattern = 0;
    this.synced = false;
    this.firstAfterSync = false;
    this.bytePending = false;
    this.intervals = this.ooti = this.eipw = 0;
  }

  /** Makes edges[0, count) (strictly increasing, continuing earlier loads) the next input. */
  load(edges: Float64Array, count: number, index?: Uint8Array): void {
    this.edges = edges;
    this.index = index;
    this.count = count;
    this.pos = 0;
    this.phase = PHASE_EDGE;
  }

  /** The framer dropped the sync. */
  unsync(): void {
    this.synced = false;
  }

  /** Runs until a byte is ready (CORE_BYTE) or the loaded edges are used up (CORE_DONE). */
  run(): number {
    const f = this.fifo, w = this.win;
    if (this.bytePending) {
      this.bytePending = false;
      f.role[f.slot(BYTE_WINDOWS - 1)] = ROLE_DATA;
      f.drop(BYTE_WINDOWS - 1);
      if (this.synced && f.length >= BYTE_WINDOWS) return this.takeByte();
    }
    for (;;) {
      switch (this.phase) {
        case PHASE_EDGE:
          if (this.pos >= this.count) return CORE_DONE;
          this.startEdge(this.edges[this.pos]);
          this.phase = PHASE_ADVANCE;
          break;
        case PHASE_ADVANCE: {
          const t = this.t;
          if (t >= w.end) {
            const s = w.start, e = w.end;
            w.advance();
            if (this.queue(s, e, 0)) return CORE_BYTE;
            break;
          }
          this.phase = PHASE_TAKE;
          break;
        }
        case PHASE_TAKE: {
          const t = this.t;
          this.phase = PHASE_NEXT;
          if (t < w.start) {
            f.count[f.newest()]++;
            this.eipw++;
            this.synced = false;
            if (this.observer) this.observer.edgeInPreviousWindow(t);
            break;
          }
          w.pull(t);
          const s = w.start, e = w.end;
          w.advance();
          if (this.queue(s, e, 1)) return CORE_BYTE;
          break;
        }
        default: // PHASE_NEXT
          this.pos++;
          this.phase = PHASE_EDGE;
          break;
      }
    }
  }

  private startEdge(t: number): void {
    const p = this.p;
    const first = !this.started;
    const delta = first ? p.firstInterval : t - this.prev;
    const windows = intervalWindows(p, delta);
    this.intervals++;
    if (windows === 0) this.ooti++;
    if (this.observer) this.observer.edge(t, this.prev, delta, windows, first, this.index ? this.index[this.pos] : 255);
    if (windows !== 0) this.win.train(delta, windows);
    this.started = true;
    this.prev = t;
    this.t = t;
  }

  /** Queues a window; true when a byte is ready. */
  private queue(start: number, end: number, bit: number): boolean {
    const f = this.fifo;
    this.pattern = shiftPattern(this.pattern, bit);
    f.push(start, end, bit);
    if (this.p.prefixes && this.observer) {
      const which = prefixOf(this.pattern);
      if (which !== PREFIX_NONE) this.observer.prefix(f.newest(), which);
    }
    if (!this.synced && f.length === SYNC_FILL && isSyncPattern(this.p.syncPatterns, this.pattern)) {
      this.synced = true;
      this.firstAfterSync = true;
    }
    if (this.synced) return f.length >= BYTE_WINDOWS ? this.takeByte() === CORE_BYTE : false;
    if (f.length > UNSYNCED_KEEP) {
      if (this.observer) this.observer.unknownWindow(f.slot(0));
      f.drop(1);
    }
    return false;
  }

  private takeByte(): number {
    const f = this.fifo;
    const vb = extractByte(f, this.p.fm);
    this.byteValue = vb & 0xff;
    this.byteClock = vb >>> 8;
    this.byteFirst = this.firstAfterSync;
    this.firstAfterSync = false;
    this.byteStart = roundHalfEven(f.start[f.slot(1)]);
    this.byteEnd = roundHalfEven(f.end[f.slot(BYTE_WINDOWS - 1)]);
    this.bytePending = true;
    return CORE_BYTE;
  }
}
