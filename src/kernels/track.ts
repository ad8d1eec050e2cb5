// Track decoder — TypeScript twin of assembly/track.ts.
//
// One state machine per track: leading edges in, events out. Spec §3 (PLL),
// §4 (cells → bytes), §5 (record framer and CRC). The Wasm kernel follows this
// file line for line; both must produce identical cells, events and bytes.
//
//   edge t ─► pulse Δ = t − prev ─► n = round(Δ / H) cells
//             │
//             ├─ LOCKING   |Δ − H·S| ≤ Tsync, Nlock times  (preamble)
//             ├─ SCANNING  pulses match a sync mark        (e.g. MFM A1: 3 4 3 4 3)
//             └─ DECODING  SR = (SR << n) | 1, P += n; P + D ≥ 16 → one byte
//                                  │
//     SR (newest cell = bit 0):  … c7 d7 c6 d6 … c0 d0 │ P cells not yet used
//                                  │
//             byte ─► framer: SYNC_MARK → IDAM → ID_REC → ID_CRC → GAP1 (→ reset)
//                                       → DAM  → DATA_REC → DATA_CRC → GAP1
//
// Events (abi.ts EV_*) carry sample ranges computed from a ring of the last 40
// cell windows, exactly as the original annotates them.
//
// Speed (both twins; every float operation of §3.4 is kept, in its order):
// - trackRun holds the state that changes every edge in locals, not fields
//   (Wasm: not globals); the cold paths — RESET, scanning a mark, decoding and
//   framing a byte — work on the fields, stored before and reloaded after.
// - The window ring is not written cell by cell: each edge that writes it is
//   logged (p0, t, n), the window values are a bit history, and a window's end
//   is recomputed from its edge, with step 7's own operations, when a byte
//   needs it (twice a byte, one of them usually cached).
// - The cell count n = round(Δ/H) is guessed with the previous edge's H and
//   checked against the exact one, so the division by the current H is off
//   the loop's critical path (H → n → Φ → e → I → H); a wrong guess (rare)
//   just takes the exact value.
import {
  CELLS_MASK, CELLS_RING_WRITTEN, EVENT_STRIDE, EVENT_CAP, EVENT_HEADROOM, OUT_CAP, OUT_HEADROOM,
  MAX_SECTOR, MAX_A1, MARK_STRIDE, ST_EVENTS, ST_OUT, ST_OOTI,
  CF_H0, CF_TSYNC, CF_KP, CF_KI,
  CI_SYNC_PULSE, CI_NLOCK, CI_CMIN, CI_CMAX, CI_CODEMAP, CI_FORMAT, CI_LIMITS, CI_HEADER_FORMAT,
  CI_HEADER_BYTES, CI_SECTOR_SIZE, CI_HCRC_BITS, CI_DCRC_BITS, CI_HPOLY_HI, CI_HPOLY_LO, CI_HINIT_HI,
  CI_HINIT_LO, CI_DPOLY_HI, CI_DPOLY_LO, CI_DINIT_HI, CI_DINIT_LO, CI_DATA_USES_HEADER_TABLE,
  CI_NUM_MARKS, CI_LOG, LOG_BYTES,
  CODEMAP_FMMFM, CODEMAP_WD, FMT_FM, FMT_MFM, FMT_OMTI, LIMITS_RLL,
  HF_3, HF_4, HF_DTC,
  MC_IDDATA, MC_ID, MC_DATA, MC_ID_PREFIX, MC_NOP, MC_NOP_A1,
  EV_BYTE, EV_SYNC, EV_MARK, EV_IDREC, EV_DATAREC, EV_CRC, EV_UNKNOWN, EV_CLOCKERR, EV_BINARY, EV_RESET,
  RR_SHORT, RR_LONG, RR_LONG_DEFERRED, RR_NO_MARK, RR_UNKNOWN, RR_RECORD_END,
  BYTE_SPECIAL, MARK_IAM, MARK_IDAM, MARK_DAM, MARK_DDAM, CRC_DATA, CRC_OK, CRC_BITS_SHIFT,
  BIN_ID, BIN_IDCRC, BIN_DATA, BIN_DATACRC, BIN_IDDATA,
} from "./abi.js";
import type { KernelMemory } from "./backend.js";
import { crcBuildTable, crcUpdate } from "./crc.js";
import { roundHalfEven } from "./round.js";
import { fmFold, rllDecodeStep, RLL_NONE } from "./cells.js";

const LOCKING = 0, SCANNING = 1, DECODING = 2;
const RING = 40;
/** Edges remembered for the window ring (each writes >= 1 window, so the last 40 windows are in the last 40 edges). */
const EDGE_LOG = 64;

/** Windows back from the newest for a ring offset of -x (x may be negative or >= 40). */
function ringBack(x: number): number {
  return x >= 0 && x < RING ? x : ((x % RING) + RING) % RING;
}

// framer states (spec §5.1)
const SYNC_MARK = 0, IDDATA_AM = 1, ID_REC = 2, ID_CRC = 3, DATA_REC = 4, DATA_CRC = 5,
  C2_2 = 6, C2_3 = 7, IAM_WAIT = 8, GAP1 = 9;

export class Track {
  private readonly mem: KernelMemory;

  // configuration
  private h0 = 0; private tsync = 0; private kp = 0; private ki = 0;
  private syncPulse = 0; private nlock = 0; private cmin = 0; private cmax = 0;
  private codemap = 0; private format = 0; private limits = 0; private headerFormat = 0;
  private headerBytes = 0; private sectorSizeAuto = true;
  private hcrcBits = 0; private dcrcBits = 0; private numMarks = 0; private logBytes = false;
  private readonly hTabHi = new Uint32Array(256); private readonly hTabLo = new Uint32Array(256);
  private readonly dTabHi = new Uint32Array(256); private readonly dTabLo = new Uint32Array(256);
  private hInitHi = 0; private hInitLo = 0; private dInitHi = 0; private dInitLo = 0;

  // PLL state (§3.2). trackRun keeps the part that changes every edge in
  // locals and stores it here around the cold paths (RESET, scanning a sync
  // mark, decoding and framing a byte), which work on these fields.
  private mode = LOCKING;
  private h = 0; private phi = 0; private integ = 0;
  private count = 0; private tryLen = 0; private readonly tryCells = new Int32Array(MARK_STRIDE);
  private deferredReset = false; private syncStart = 0;
  private sr = 0; private p = 0; private d = 0; private acc = 0;
  private prev = 0;
  /** H of the edge before the last one: trackRun guesses the cell count with it (see there). */
  private hPrev = 0;
  /** Wrong guesses (the exact count was used) and clamps of H; for profiling. */
  specMisses = 0; clamps = 0;

  // The ring of the last 40 windows (§3.4 step 7), kept lazily: the edges that
  // wrote it (p0, t, n) and the window values as a bit history (bit b = value
  // of the window b back, the newest is bit 0; lo = bits 0..31, hi = 32..39).
  // A window's end is recomputed from its edge only when annotate() needs it,
  // with step 7's float operations in step 7's order: the same numbers.
  private readonly logP0 = new Float64Array(EDGE_LOG);
  private readonly logT = new Float64Array(EDGE_LOG);
  private readonly logN = new Float64Array(EDGE_LOG);
  private logPtr = 0;
  private histLo = 0; private histHi = 0;
  /** Windows written since trackConfigure, and the last window end computed (by that count), as a cache. */
  private windows = 0; private endCacheAt = -1; private endCache = 0;

  // framer state (§5.1)
  private state = SYNC_MARK; private cnt = 0; private a1Count = 0;
  private idMark = -1; private drMark = -1;
  private readonly idRec = new Uint8Array(8);
  private readonly drRec = new Uint8Array(MAX_SECTOR);
  private rxHi = 0; private rxLo = 0;
  private sectorSize = 0;
  private fieldStart = 0;
  private byteStart = 0; private byteEnd = 0;
  /** Window numbers of the last annotated byte's start and end, and whether byteStart/byteEnd still have to be computed from them. */
  private startAt = 0; private endAt = 0; private positionsDue = false;
  private readonly crcState = new Uint32Array(2);

  // output cursors and the edge being processed
  private evN = 0; private outN = 0; private t = 0;

  constructor(mem: KernelMemory) {
    this.mem = mem;
  }

  trackConfigure(): void {
    const f = this.mem.cfgF64, c = this.mem.cfgI32;
    this.h0 = f[CF_H0]; this.tsync = f[CF_TSYNC]; this.kp = f[CF_KP]; this.ki = f[CF_KI];
    this.syncPulse = c[CI_SYNC_PULSE]; this.nlock = c[CI_NLOCK];
    this.cmin = c[CI_CMIN]; this.cmax = c[CI_CMAX];
    this.codemap = c[CI_CODEMAP]; this.format = c[CI_FORMAT]; this.limits = c[CI_LIMITS];
    this.headerFormat = c[CI_HEADER_FORMAT]; this.headerBytes = c[CI_HEADER_BYTES];
    this.sectorSizeAuto = c[CI_SECTOR_SIZE] === 0;
    this.sectorSize = c[CI_SECTOR_SIZE];
    this.hcrcBits = c[CI_HCRC_BITS]; this.dcrcBits = c[CI_DCRC_BITS];
    this.numMarks = c[CI_NUM_MARKS]; this.logBytes = (c[CI_LOG] & LOG_BYTES) !== 0;
    crcBuildTable(this.hTabHi, this.hTabLo, this.hcrcBits, c[CI_HPOLY_HI] >>> 0, c[CI_HPOLY_LO] >>> 0);
    if (c[CI_DATA_USES_HEADER_TABLE] !== 0) {
      this.dTabHi.set(this.hTabHi); this.dTabLo.set(this.hTabLo);
    } else {
      crcBuildTable(this.dTabHi, this.dTabLo, this.dcrcBits, c[CI_DPOLY_HI] >>> 0, c[CI_DPOLY_LO] >>> 0);
    }
    this.hInitHi = c[CI_HINIT_HI] >>> 0; this.hInitLo = c[CI_HINIT_LO] >>> 0;
    this.dInitHi = c[CI_DINIT_HI] >>> 0; this.dInitLo = c[CI_DINIT_LO] >>> 0;

    this.prev = 0; this.p = 0; this.hPrev = this.h0; this.specMisses = 0; this.clamps = 0;
    // the ring's 40 initial windows (0, 0, 0): logged as edges at 0 of 40 cells, whose windows all end at 0
    this.logP0.fill(0); this.logT.fill(0); this.logN.fill(RING);
    this.logPtr = 0; this.histLo = 0; this.histHi = 0; this.windows = 0; this.endCacheAt = -1;
    this.idRec.fill(0); this.fieldStart = 0; this.byteStart = 0; this.byteEnd = 0; this.positionsDue = false;
    this.resetPll();
  }

  /** RESET of spec §3.3 (also resets the framer; keeps prev, the ring, P and the ID record). */
  private resetPll(): void {
    this.phi = 0; this.h = this.h0; this.integ = 0; this.mode = LOCKING; this.count = 0;
    this.deferredReset = false; this.sr = 0; this.d = 0;
    this.resetCold();
  }

  /** The part of RESET that trackRun does not hold in locals. */
  private resetCold(): void {
    this.tryLen = 0; this.syncStart = 0; this.acc = 0;
    this.state = SYNC_MARK; this.a1Count = 0; this.idMark = -1; this.drMark = -1;
  }

  /**
   * Steps 1–10 of §3.4 and the glue of §3.6 for edges[first, first+count):
   * cells[i] = the edge's cell count n (capped at CELLS_MASK), | CELLS_RING_WRITTEN
   * when it wrote the window ring. Returns the edges consumed (fewer when the
   * event log or the output is nearly full).
   */
  trackRun(first: number, count: number): number {
    const edges = this.mem.edges, cells = this.mem.cells;
    const logP0 = this.logP0, logT = this.logT, logN = this.logN;
    this.evN = 0; this.outN = 0;
    const evLimit = EVENT_CAP - EVENT_HEADROOM, outLimit = OUT_CAP - OUT_HEADROOM;
    const h0 = this.h0, kp = this.kp, ki = this.ki, tsync = this.tsync, syncPulse = this.syncPulse;
    const nlock = this.nlock, cmin = this.cmin, cmax = this.cmax;
    const hMin = 0.5 * h0, hMax = 1.5 * h0;
    let h = this.h, phi = this.phi, integ = this.integ, prev = this.prev;
    let mode = this.mode, locks = this.count, deferred = this.deferredReset;
    let sr = this.sr, p = this.p, d = this.d;
    let logPtr = this.logPtr, histLo = this.histLo, histHi = this.histHi, windows = this.windows;
    let hGuess = this.hPrev;
    let ooti = 0;
    let i = first;
    const end = first + count;
    for (; i < end; i++) {
      const t = edges[i];
      // 1. deferred RESET (the fields' part: resetCold), noted with the long pulse of the edge before
      if (deferred) {
        this.t = t;
        this.resetEvent(RR_LONG_DEFERRED, logP0[logPtr], prev, logN[logPtr], mode);
        phi = 0; h = h0; integ = 0; mode = LOCKING; locks = 0; deferred = false; sr = 0; d = 0;
        this.resetCold();
      }
      // 2, 3. the pulse and its cell count, with the current H
      const p0 = prev;
      const delta = t - p0;
      prev = t;
      // n = round(Δ/H) sits on the loop's critical path (H → Δ/H → n → Φ → e → e/H0 → I → H:
      // two divisions deep). Guess it with the previous edge's H, known an edge earlier, and
      // check it against the exact count: the branch is almost never taken, so the CPU runs
      // ahead on the guess while the exact division completes. n is the exact count either way.
      let n = roundHalfEven(delta / hGuess);
      const exact = roundHalfEven(delta / h);
      hGuess = h;
      if (exact !== n) {
        n = exact;
        this.specMisses++;
      }
      let word = n > CELLS_MASK ? CELLS_MASK : n;
      // 4. LOCKING
      if (mode === LOCKING) {
        if (Math.abs(delta - h * syncPulse) <= tsync) {
          locks++;
          if (locks === 1) {
            this.syncStart = p0 - roundHalfEven(h * 0.5);
            phi = t;
            if ((word & CELLS_MASK) < cmin || (word & CELLS_MASK) > cmax) ooti++;
            cells[i] = word;
            continue;
          }
          if (locks >= nlock) mode = SCANNING;
        } else {
          if (locks > 0) {
            phi = 0; h = h0; integ = 0; mode = LOCKING; locks = 0; deferred = false; sr = 0; d = 0;
            this.resetCold();
          }
          if ((word & CELLS_MASK) < cmin || (word & CELLS_MASK) > cmax) ooti++;
          cells[i] = word;
          continue;
        }
      }
      // 5. limit check; a too long pulse that finishes a byte resets after it
      if (n < cmin || (n > cmax && !(mode === DECODING && p + n >= 16))) {
        // noted while a mark or record is being decoded (never in LOCKING: the lock pulses that fall through)
        const noted = mode === DECODING || (mode === SCANNING && this.tryLen > 0);
        if (noted) {
          this.t = t;
          this.resetEvent(n < cmin ? RR_SHORT : RR_LONG, p0, t, n, mode);
        }
        phi = 0; h = h0; integ = 0; mode = LOCKING; locks = 0; deferred = false; sr = 0; d = 0;
        this.resetCold();
        if ((word & CELLS_MASK) < cmin || (word & CELLS_MASK) > cmax) ooti++;
        cells[i] = word;
        if (noted && this.evN > evLimit) { // the event log is nearly full
          i++;
          break;
        }
        continue;
      }
      if (n > cmax) { // counts as out of the interval too (cmin <= n here)
        deferred = true;
        ooti++;
      }
      // 6. PI loop filter
      phi += n * h;
      const e = t - phi;
      phi += kp * e;
      integ += ki * (e / h0);
      h += integ;
      if (h < hMin || h > hMax) { // rare: kept a branch, so that H does not wait on the compares
        h = h < hMin ? hMin : hMax;
        this.clamps++;
      }
      // 7. windows for annotation: n windows (n-1 empty ones, then the edge's), kept as the edge
      logPtr = (logPtr + 1) & (EDGE_LOG - 1);
      logP0[logPtr] = p0; logT[logPtr] = t; logN[logPtr] = n;
      const pushes = n > 1 ? n : 1;
      if (pushes >= RING) {
        histLo = 1; histHi = 0;
      } else if (pushes >= 32) {
        histHi = histLo << (pushes - 32); histLo = 1;
      } else {
        histHi = (histHi << pushes) | (histLo >>> (32 - pushes)); histLo = (histLo << pushes) | 1;
      }
      windows += pushes;
      word |= CELLS_RING_WRITTEN;
      // 8. shift
      sr = n >= 32 ? 1 : ((sr << n) + 1) >>> 0;
      // 9. SCANNING and 10. DECODING when a byte is due: cold paths, on the fields
      if (mode === SCANNING || (mode === DECODING && p + n + d >= 16)) {
        this.h = h; this.phi = phi; this.integ = integ; this.mode = mode; this.count = locks; this.deferredReset = deferred;
        this.sr = sr; this.p = p; this.d = d; this.t = t;
        this.logPtr = logPtr; this.histLo = histLo; this.histHi = histHi; this.windows = windows;
        if (mode === SCANNING) this.scan(n);
        if (this.mode === DECODING) {
          this.p += n;
          if (this.p + this.d >= 16) {
            const b = this.decodeByte();
            if (b >= 0 && this.state === DATA_REC && this.cnt + 1 < this.sectorSize) {
              // most bytes: inside a data record, short of its end (the framer's DATA_REC case, inlined)
              this.annotate(b, false);
              if (this.cnt < MAX_SECTOR) this.drRec[this.cnt] = b;
              this.cnt++;
            } else if (b >= 0 && !this.framer(b)) {
              this.bytePositions();
              this.resetEvent(this.state === GAP1 ? RR_RECORD_END : RR_UNKNOWN, this.byteStart, this.byteEnd, logN[logPtr], DECODING);
              this.resetPll();
            }
          }
        }
        h = this.h; phi = this.phi; integ = this.integ; mode = this.mode; locks = this.count; deferred = this.deferredReset;
        sr = this.sr; p = this.p; d = this.d;
        if (this.evN > evLimit || this.outN > outLimit) { // only the cold paths write events and bytes
          cells[i++] = word;
          break;
        }
      } else if (mode === DECODING) {
        p += n;
      }
      cells[i] = word;
    }
    this.h = h; this.phi = phi; this.integ = integ; this.prev = prev; this.mode = mode; this.count = locks;
    this.deferredReset = deferred; this.sr = sr; this.p = p; this.d = d;
    this.logPtr = logPtr; this.histLo = histLo; this.histHi = histHi; this.windows = windows;
    this.hPrev = hGuess;
    this.mem.status[ST_EVENTS] = this.evN;
    this.mem.status[ST_OUT] = this.outN;
    this.mem.status[ST_OOTI] = ooti;
    return i - first;
  }

  /** Step 9 (SCANNING) for a pulse of n cells. */
  private scan(n: number): void {
    if (this.tryLen === 0 && n === this.syncPulse) {
      this.count++;
      return;
    }
    const marks = this.mem.marks;
    let matched = -1;
    for (let m = 0; m < this.numMarks; m++) {
      const base = m * MARK_STRIDE;
      const len = marks[base];
      if (len <= this.tryLen || marks[base + 2 + this.tryLen] !== n) continue;
      let same = true;
      for (let j = 0; j < this.tryLen; j++) {
        if (marks[base + 2 + j] !== this.tryCells[j]) { same = false; break; }
      }
      if (same) { matched = m; break; }
    }
    if (matched < 0) {
      if (this.tryLen > 0) this.resetEvent(RR_NO_MARK, this.logP0[this.logPtr], this.t, n, SCANNING);
      this.resetPll();
      return;
    }
    this.tryCells[this.tryLen++] = n;
    if (this.limits === LIMITS_RLL && n === 8) this.sr = (this.sr ^ (this.format === FMT_OMTI ? 0x3 : 0x10)) >>> 0;
    if (this.tryLen === marks[matched * MARK_STRIDE]) {
      this.mode = DECODING;
      this.p = marks[matched * MARK_STRIDE + 1];
    }
  }

  /** §4.2 / §4.3: one byte from SR, or -1. */
  private decodeByte(): number {
    if (this.codemap === CODEMAP_FMMFM) {
      this.p -= 16;
      return fmFold(this.p >= 32 ? 0 : this.sr >>> this.p);
    }
    const wd = this.codemap === CODEMAP_WD ? 1 : 0;
    for (;;) {
      if (this.d >= 16) {
        this.d -= 16;
        const v = (this.acc >>> (this.d >> 1)) & 0xff;
        this.acc &= 0xf;
        return v;
      }
      const step = rllDecodeStep(this.sr, this.p, wd);
      if (step === RLL_NONE) {
        if (this.p >= 8) { // decode error: skip the rest of the byte, keep the lock (§4.3)
          this.p -= 16 - this.d;
          this.d = 0;
        }
        return -1;
      }
      const len = step >>> 8, bits = len >>> 1;
      this.acc = ((this.acc << bits) | (step & 0xff)) >>> 0;
      this.d += len;
      this.p -= len;
    }
  }

  /** End of the window `back` (0..39) windows before the newest, as step 7 computed it. */
  private windowEnd(back: number): number {
    // consecutive bytes share a window (this byte's start is the last one's end): cache by window number
    const at = this.windows - back;
    if (at === this.endCacheAt) return this.endCache;
    let end = 0;
    let idx = this.logPtr;
    for (;;) { // ends within 40 edges: each wrote >= 1 window
      const n = this.logN[idx];
      const pushes = n > 1 ? n : 1;
      if (back < pushes) {
        const p0 = this.logP0[idx], t = this.logT[idx];
        const w = (t - p0) / n;
        if (back === 0) {
          end = roundHalfEven(t + 0.5 * w);
        } else {
          let y = p0 + 1.5 * w;
          for (let j = n - back - 1; j > 0; j--) y += w;
          end = roundHalfEven(y);
        }
        break;
      }
      back -= pushes;
      idx = (idx - 1) & (EDGE_LOG - 1);
    }
    this.endCacheAt = at;
    this.endCache = end;
    return end;
  }

  /** Value (0/1) of the window `back` (0..39) windows before the newest. */
  private windowValue(back: number): number {
    return back < 32 ? (this.histLo >>> back) & 1 : (this.histHi >>> (back - 32)) & 1;
  }

  /** "Annotate(v, special)" of §5.1 and §6.2: byte range, clock check, byte event. */
  private annotate(v: number, special: boolean): void {
    const k = this.codemap === CODEMAP_FMMFM ? this.p : this.d + this.p;
    // the ring entries at offsets -(k + 16) and -k from the newest (mod 40), as window
    // numbers: their ends are computed only when an event needs them (bytePositions)
    this.startAt = this.windows - ringBack(k + 16);
    this.endAt = this.windows - ringBack(k);
    this.positionsDue = true;
    let mask = 0;
    if (this.format === FMT_FM || this.format === FMT_MFM) mask = this.clockErrors(k);
    if (this.logBytes) {
      this.bytePositions();
      this.event(EV_BYTE, this.byteStart, this.byteEnd, v, (special ? BYTE_SPECIAL : 0) | (mask << 8), k, this.sr);
    }
    if (mask !== 0 && !special) {
      this.bytePositions();
      this.event(EV_CLOCKERR, this.byteStart, this.byteEnd, mask, k, 0, 0);
    }
  }

  /**
   * byteStart and byteEnd of the last annotated byte. Most bytes (a data record's)
   * need neither, so annotate() notes their window numbers and this computes the
   * ends before an event reads them, in the same step (the windows still in the log).
   */
  private bytePositions(): void {
    if (this.positionsDue) {
      this.byteStart = this.windowEnd(this.windows - this.startAt);
      this.byteEnd = this.windowEnd(this.windows - this.endAt);
      this.positionsDue = false;
    }
  }

  /**
   * Clock check of §6.2 over the windows k .. k+16 back: bit b (data bit b)
   * set when bad. FM: its clock window is empty. MFM: (previous data, clock,
   * data) is 000, 011, 110 or 111.
   */
  private clockErrors(k: number): number {
    if (k >= 0 && k <= RING - 17) {
      // all 17 windows without wrapping: bit j of w = window k + j back; data bit b at 2b, its clock at 2b+1
      const w = (k === 0 ? this.histLo : (this.histLo >>> k) | (this.histHi << (32 - k))) & 0x1ffff;
      const dat = w & 0x5555, clk = (w >>> 1) & 0x5555;
      if (this.format === FMT_FM) return ~fmFold(clk) & 0xff;
      const prv = (w >>> 2) & 0x5555;
      return fmFold((~prv & ~clk & ~dat) | (~prv & clk & dat) | (prv & clk));
    }
    let mask = 0;
    let hist = this.windowValue(ringBack(k + 16));
    for (let bit = 7; bit >= 0; bit--) {
      const clk = this.windowValue(ringBack(k + 2 * bit + 1));
      const dat = this.windowValue(ringBack(k + 2 * bit));
      hist = ((hist << 2) | (clk << 1) | dat) & 7;
      const bad = this.format === FMT_FM ? clk === 0 : hist === 0 || hist === 3 || hist === 6 || hist === 7;
      if (bad) mask |= 1 << bit;
    }
    return mask;
  }

  private event(kind: number, a: number, b: number, c: number, d: number, e: number, f: number): void {
    const ev = this.mem.events;
    const o = this.evN * EVENT_STRIDE;
    ev[o] = kind; ev[o + 1] = this.t; ev[o + 2] = a; ev[o + 3] = b;
    ev[o + 4] = c; ev[o + 5] = d; ev[o + 6] = e; ev[o + 7] = f;
    this.evN++;
  }

  /** EV_RESET (abi.ts): why the PLL resets; call before the RESET (it reads the framer's state). */
  private resetEvent(reason: number, start: number, end: number, cells: number, mode: number): void {
    const bytes = this.state >= ID_REC && this.state <= DATA_CRC ? this.cnt : 0;
    this.event(EV_RESET, start, end, reason, cells, (mode << 4) | this.state, bytes);
  }

  private emitSync(): void {
    if (this.syncStart !== 0) {
      this.bytePositions();
      this.event(EV_SYNC, this.syncStart, this.byteStart, Math.floor((2 * this.count) / 16), 0, 0, 0);
      this.syncStart = 0;
      this.fieldStart = this.byteStart;
    }
  }

  private emitMark(kind: number, v: number): void {
    this.bytePositions();
    this.event(EV_MARK, this.fieldStart, this.byteEnd, kind, v, this.byteStart, 0);
    this.fieldStart = this.byteEnd;
  }

  private emitDataMark(v: number): void {
    this.drMark = v;
    this.emitMark(this.format === FMT_FM && v >= 0xf8 && v <= 0xfa ? MARK_DDAM : MARK_DAM, v);
    this.state = DATA_REC;
  }

  private unknown(v: number): boolean {
    this.bytePositions();
    this.event(EV_UNKNOWN, this.byteStart, this.byteEnd, v, 0, 0, 0);
    this.fieldStart = this.byteEnd;
    return false;
  }

  /** Copies the A1 list and a mark (if any) into out; returns the bytes written. */
  private putPrefix(mark: number): number {
    const out = this.mem.out;
    const n = this.a1Count;
    for (let j = 0; j < n; j++) out[this.outN + j] = 0xa1;
    this.outN += n;
    if (mark >= 0) { out[this.outN++] = mark; return n + 1; }
    return n;
  }

  private putBinary(kind: number, offset: number): void {
    this.event(EV_BINARY, kind, offset, this.outN - offset, 0, 0, 0);
  }

  private putReceivedCrc(bits: number): void {
    const out = this.mem.out;
    for (let j = bits / 8 - 1; j >= 0; j--) {
      const s = j * 8;
      out[this.outN++] = s >= 32 ? (this.rxHi >>> (s - 32)) & 0xff : (this.rxLo >>> s) & 0xff;
    }
  }

  private receiveCrcByte(v: number): void {
    this.rxHi = ((this.rxHi << 8) | (this.rxLo >>> 24)) & 0xffffff;
    this.rxLo = ((this.rxLo << 8) | v) >>> 0;
  }

  /** Header length by format (§5.3), for sector_size=auto. */
  private headerLength(): number {
    const r = this.idRec;
    if (this.headerFormat === HF_4) return 128 << (r[3] & 7);
    if (this.headerFormat === HF_3) return 128 << ((r[1] >> 4) & 7);
    if (this.headerFormat === HF_DTC) return ((r[1] ^ 0xff) & 1) !== 0 ? 64 : 512;
    return 512;
  }

  /** The record framer, §5.1. Returns false to reset the PLL. */
  private framer(v: number): boolean {
    const out = this.mem.out;
    switch (this.state) {
      case SYNC_MARK: {
        this.annotate(v, true);
        this.emitSync();
        this.cnt = 0; this.rxHi = 0; this.rxLo = 0;
        const cls = this.mem.markClass[v];
        if ((cls & MC_IDDATA) !== 0) {
          this.a1Count = 1;
          if (this.idMark >= 0) {
            this.idMark = -1;
            this.emitMark(MARK_IDAM, v);
            this.state = ID_REC;
          } else {
            this.state = IDDATA_AM;
          }
        } else if ((cls & MC_ID) !== 0) {
          this.idMark = v;
          this.emitMark(MARK_IDAM, v);
          this.state = ID_REC;
        } else if ((cls & MC_DATA) !== 0) {
          this.emitDataMark(v);
        } else if ((cls & MC_ID_PREFIX) !== 0) {
          this.idMark = v;
        } else if ((cls & MC_NOP) !== 0) {
          // stay
        } else if ((cls & MC_NOP_A1) !== 0) {
          this.a1Count = 1;
        } else if (v === 0xfc) {
          this.emitMark(MARK_IAM, v);
          this.state = GAP1;
        } else if (v === 0xc2) {
          this.state = C2_2;
        } else {
          return this.unknown(v);
        }
        return true;
      }
      case IDDATA_AM: {
        if (v === 0xa1) {
          this.annotate(v, true);
          if (this.a1Count < MAX_A1) this.a1Count++;
          return true;
        }
        this.annotate(v, false);
        this.emitSync();
        if ((v & 0xf4) === 0xf4) {
          this.idMark = v;
          this.emitMark(MARK_IDAM, v);
          this.state = ID_REC;
        } else if (v >= 0xf8 && v <= 0xfb) {
          this.emitDataMark(v);
        } else {
          return this.unknown(v);
        }
        return true;
      }
      case ID_REC: {
        this.annotate(v, false);
        this.idRec[this.cnt++] = v;
        if (this.cnt === this.headerBytes) {
          const len = this.headerLength();
          const offset = this.outN;
          out.set(this.idRec.subarray(0, this.headerBytes), offset);
          this.outN += this.headerBytes;
          this.bytePositions();
          this.event(EV_IDREC, this.fieldStart, this.byteEnd, offset, this.headerBytes, len, 0);
          this.fieldStart = this.byteEnd;
          this.putBinary(BIN_ID, offset);
          if (this.sectorSizeAuto) this.sectorSize = len;
          this.cnt = 0;
          this.state = ID_CRC;
        }
        return true;
      }
      case ID_CRC: {
        this.annotate(v, false);
        this.receiveCrcByte(v);
        this.cnt++;
        if (this.cnt * 8 === this.hcrcBits) {
          const offset = this.outN;
          this.putPrefix(this.idMark);
          out.set(this.idRec.subarray(0, this.headerBytes), this.outN);
          this.outN += this.headerBytes;
          this.crcState[0] = this.hInitHi; this.crcState[1] = this.hInitLo;
          crcUpdate(this.hTabHi, this.hTabLo, this.hcrcBits, this.crcState, out, offset, this.outN);
          this.putReceivedCrc(this.hcrcBits);
          this.putBinary(BIN_IDCRC, offset);
          this.emitCrc(0);
        }
        return true;
      }
      case DATA_REC: {
        this.annotate(v, false);
        if (this.cnt < MAX_SECTOR) this.drRec[this.cnt] = v;
        this.cnt++;
        if (this.cnt === this.sectorSize) {
          this.bytePositions();
          this.event(EV_DATAREC, this.fieldStart, this.byteEnd, 0, 0, 0, 0);
          this.fieldStart = this.byteEnd;
          this.cnt = 0;
          this.state = DATA_CRC;
        }
        return true;
      }
      case DATA_CRC: {
        this.annotate(v, false);
        this.receiveCrcByte(v);
        this.cnt++;
        if (this.cnt * 8 === this.dcrcBits) {
          const size = this.sectorSize;
          const payload = this.drRec.subarray(0, size);
          // data
          let offset = this.outN;
          out.set(payload, offset);
          this.outN += size;
          this.putBinary(BIN_DATA, offset);
          // iddata
          offset = this.outN;
          out.set(this.idRec.subarray(0, this.headerBytes), offset);
          this.outN += this.headerBytes;
          out.set(payload, this.outN);
          this.outN += size;
          this.putBinary(BIN_IDDATA, offset);
          // datacrc
          offset = this.outN;
          this.putPrefix(this.drMark);
          out.set(payload, this.outN);
          this.outN += size;
          this.crcState[0] = this.dInitHi; this.crcState[1] = this.dInitLo;
          crcUpdate(this.dTabHi, this.dTabLo, this.dcrcBits, this.crcState, out, offset, this.outN);
          this.putReceivedCrc(this.dcrcBits);
          this.putBinary(BIN_DATACRC, offset);
          this.emitCrc(CRC_DATA);
        }
        return true;
      }
      case C2_2:
      case C2_3: {
        this.annotate(v, true);
        if (v !== 0xc2) return this.unknown(v);
        this.state = this.state === C2_2 ? C2_3 : IAM_WAIT;
        return true;
      }
      case IAM_WAIT: {
        this.annotate(v, false);
        if (v !== 0xfc) return this.unknown(v);
        this.emitMark(MARK_IAM, v);
        this.state = GAP1;
        return true;
      }
      default: { // GAP1
        this.annotate(v, false);
        return false;
      }
    }
  }

  private emitCrc(which: number): void {
    const hi = this.crcState[0], lo = this.crcState[1];
    const ok = hi === this.rxHi && lo === this.rxLo ? CRC_OK : 0;
    const bits = which === CRC_DATA ? this.dcrcBits : this.hcrcBits;
    this.bytePositions();
    this.event(EV_CRC, this.fieldStart, this.byteEnd, which | ok | (bits << CRC_BITS_SHIFT), hi, lo, this.byteStart);
    this.fieldStart = this.byteEnd;
    this.state = GAP1;
  }
}
