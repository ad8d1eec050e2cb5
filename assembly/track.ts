// Track decoder — twin of src/kernels/track.ts (read that file's header for the
// diagram and the speed notes). Spec §3 (PLL), §4 (cells → bytes), §5 (framer,
// CRC). This file follows the TS twin line for line; module globals replace
// the class fields, and trackRun's locals the hot ones (a Wasm global is a
// load and a store each time; a local is a register).
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
} from "../src/kernels/abi";
import { EDGES, CELLS, EVENTS, OUT, CFG_F64, CFG_I32, MARKS, MARK_CLASS, STATUS } from "./memory";
import { crcBuildTable, crcUpdate } from "./crc";
import { roundHalfEven } from "./round";
import { fmFold, rllDecodeStep, RLL_NONE } from "./cells";

const LOCKING = 0, SCANNING = 1, DECODING = 2;
const RING = 40;
/** Edges remembered for the window ring (each writes >= 1 window). */
const EDGE_LOG = 64;
const SYNC_MARK = 0, IDDATA_AM = 1, ID_REC = 2, ID_CRC = 3, DATA_REC = 4, DATA_CRC = 5,
  C2_2 = 6, C2_3 = 7, IAM_WAIT = 8, GAP1 = 9;

const H_TABLE: usize = memory.data(256 * 8, 16);
const D_TABLE: usize = memory.data(256 * 8, 16);
const TRY_CELLS: usize = memory.data(MARK_STRIDE * 4, 16);
const LOG_P0: usize = memory.data(EDGE_LOG * 8, 16);
const LOG_T: usize = memory.data(EDGE_LOG * 8, 16);
const LOG_N: usize = memory.data(EDGE_LOG * 8, 16);
const ID_REC_BUF: usize = memory.data(8, 16);
const DR_REC_BUF: usize = memory.data(MAX_SECTOR, 16);

// configuration
let h0: f64 = 0, tsync: f64 = 0, kp: f64 = 0, ki: f64 = 0;
let syncPulse: i32 = 0, nlock: i32 = 0, cmin: i32 = 0, cmax: i32 = 0;
let codemap: i32 = 0, format: i32 = 0, limits: i32 = 0, headerFormat: i32 = 0;
let headerBytes: i32 = 0, sectorSizeAuto: bool = true;
let hcrcBits: i32 = 0, dcrcBits: i32 = 0, numMarks: i32 = 0, logBytes: bool = false;
let hInit: u64 = 0, dInit: u64 = 0;

// PLL state (§3.2). trackRun keeps the part that changes every edge in
// locals (Wasm globals are memory, not registers) and stores it here around
// the cold paths (RESET, scanning a sync mark, decoding and framing a byte).
let mode: i32 = LOCKING;
let h: f64 = 0, phi: f64 = 0, integ: f64 = 0;
let count: i32 = 0, tryLen: i32 = 0;
let deferredReset: bool = false, syncStart: f64 = 0;
let sr: u32 = 0, p: i32 = 0, d: i32 = 0, acc: u32 = 0;
let prev: f64 = 0;
/** H of the edge before the last one (trackRun's guess of the cell count uses it). */
let hPrev: f64 = 0;
/** Wrong guesses of the cell count (the exact one was used); for profiling. */
const SPEC_MISSES: usize = memory.data(4, 4);
/** Times H was clamped; for profiling. */
const CLAMPS: usize = memory.data(4, 4);

// The ring of the last 40 windows (§3.4 step 7), kept lazily: the edges that
// wrote it (LOG_P0/T/N, newest at logPtr) and the window values as a bit
// history (bit b = value of the window b back). A window's end is recomputed
// from its edge when annotate() needs it, with step 7's float operations in
// step 7's order (see the TS twin).
let logPtr: i32 = 0;
let ringHist: u64 = 0;
/** Windows written since trackConfigure, and the last window end computed (by that count), as a cache. */
let windows: i64 = 0, endCacheAt: i64 = -1, endCache: f64 = 0;

// framer state (§5.1)
let state: i32 = SYNC_MARK, cnt: i32 = 0, a1Count: i32 = 0;
let idMark: i32 = -1, drMark: i32 = -1;
let rx: u64 = 0;
let crcValue: u64 = 0;
let sectorSize: i32 = 0;
let fieldStart: f64 = 0, byteStart: f64 = 0, byteEnd: f64 = 0;
/** Window numbers of the last annotated byte's start and end, and whether byteStart/byteEnd still have to be computed from them. */
let startAt: i64 = 0, endAt: i64 = 0, positionsDue: bool = false;

// output cursors and the edge being processed
let evN: i32 = 0, outN: i32 = 0, curT: f64 = 0;

// @ts-ignore: decorator
@inline function cfgF(i: i32): f64 { return load<f64>(CFG_F64 + (<usize>i << 3)); }
// @ts-ignore: decorator
@inline function cfgI(i: i32): i32 { return load<i32>(CFG_I32 + (<usize>i << 2)); }
// @ts-ignore: decorator
@inline function mark(i: i32): i32 { return load<i32>(MARKS + (<usize>i << 2)); }
// @ts-ignore: decorator
@inline function u64of(hi: i32, lo: i32): u64 { return ((<u64>hi & 0xffffffff) << 32) | (<u64>lo & 0xffffffff); }

export function trackConfigure(): void {
  h0 = cfgF(CF_H0); tsync = cfgF(CF_TSYNC); kp = cfgF(CF_KP); ki = cfgF(CF_KI);
  syncPulse = cfgI(CI_SYNC_PULSE); nlock = cfgI(CI_NLOCK);
  cmin = cfgI(CI_CMIN); cmax = cfgI(CI_CMAX);
  codemap = cfgI(CI_CODEMAP); format = cfgI(CI_FORMAT); limits = cfgI(CI_LIMITS);
  headerFormat = cfgI(CI_HEADER_FORMAT); headerBytes = cfgI(CI_HEADER_BYTES);
  sectorSizeAuto = cfgI(CI_SECTOR_SIZE) == 0;
  sectorSize = cfgI(CI_SECTOR_SIZE);
  hcrcBits = cfgI(CI_HCRC_BITS); dcrcBits = cfgI(CI_DCRC_BITS);
  numMarks = cfgI(CI_NUM_MARKS); logBytes = (cfgI(CI_LOG) & LOG_BYTES) != 0;
  crcBuildTable(H_TABLE, hcrcBits, u64of(cfgI(CI_HPOLY_HI), cfgI(CI_HPOLY_LO)));
  if (cfgI(CI_DATA_USES_HEADER_TABLE) != 0) {
    memory.copy(D_TABLE, H_TABLE, 256 * 8);
  } else {
    crcBuildTable(D_TABLE, dcrcBits, u64of(cfgI(CI_DPOLY_HI), cfgI(CI_DPOLY_LO)));
  }
  hInit = u64of(cfgI(CI_HINIT_HI), cfgI(CI_HINIT_LO));
  dInit = u64of(cfgI(CI_DINIT_HI), cfgI(CI_DINIT_LO));

  prev = 0; p = 0; hPrev = h0; store<i32>(SPEC_MISSES, 0);
  // the ring's 40 initial windows (0, 0, 0): logged as edges at 0 of 40 cells, whose windows all end at 0
  for (let j = 0; j < EDGE_LOG; j++) {
    store<f64>(LOG_P0 + (<usize>j << 3), 0); store<f64>(LOG_T + (<usize>j << 3), 0); store<f64>(LOG_N + (<usize>j << 3), <f64>RING);
  }
  logPtr = 0; ringHist = 0; windows = 0; endCacheAt = -1;
  memory.fill(ID_REC_BUF, 0, 8); fieldStart = 0; byteStart = 0; byteEnd = 0; positionsDue = false;
  resetPll();
}

/** RESET of spec §3.3 (also resets the framer; keeps prev, the ring, P and the ID record). */
function resetPll(): void {
  phi = 0; h = h0; integ = 0; mode = LOCKING; count = 0;
  deferredReset = false; sr = 0; d = 0;
  resetCold();
}

/** The part of RESET that trackRun does not hold in locals. */
function resetCold(): void {
  tryLen = 0; syncStart = 0; acc = 0;
  state = SYNC_MARK; a1Count = 0; idMark = -1; drMark = -1;
}

/** Steps 1–10 of §3.4 and the glue of §3.6 for edges[first, first+n) (see the TS twin). */
export function trackRun(first: i32, n: i32): i32 {
  evN = 0; outN = 0;
  const evLimit = EVENT_CAP - EVENT_HEADROOM, outLimit = OUT_CAP - OUT_HEADROOM;
  const h0_ = h0, kp_ = kp, ki_ = ki, tsync_ = tsync, syncF = <f64>syncPulse;
  const nlock_ = nlock, cminF = <f64>cmin, cmaxF = <f64>cmax;
  const hMin = 0.5 * h0_, hMax = 1.5 * h0_;
  let h_ = h, phi_ = phi, integ_ = integ, prev_ = prev;
  let mode_ = mode, locks = count, deferred = deferredReset;
  let sr_ = sr, p_ = p, d_ = d;
  let logPtr_ = logPtr, hist = ringHist, windows_ = windows;
  let hGuess = hPrev;
  let ooti: i32 = 0;
  let i = first;
  const end = first + n;
  for (; i < end; i++) {
    const t = load<f64>(EDGES + (<usize>i << 3));
    // 1. deferred RESET (the globals' part: resetCold), noted with the long pulse of the edge before
    if (deferred) {
      curT = t;
      resetEvent(RR_LONG_DEFERRED, load<f64>(LOG_P0 + (<usize>logPtr_ << 3)), prev_, load<f64>(LOG_N + (<usize>logPtr_ << 3)), mode_);
      phi_ = 0; h_ = h0_; integ_ = 0; mode_ = LOCKING; locks = 0; deferred = false; sr_ = 0; d_ = 0;
      resetCold();
    }
    // 2, 3. the pulse and its cell count, with the current H (a zero count resets below, so its sign is moot)
    const p0 = prev_;
    const delta = t - p0;
    prev_ = t;
    // n = round(Δ/H) sits on the loop's critical path (H → Δ/H → n → Φ → e → e/H0 → I → H,
    // two divisions). Guess it from the previous edge's H, known an edge earlier, and check it
    // against the exact one: the branch is almost never taken, so the CPU runs ahead on the
    // guess while the exact division completes. n is the exact count either way.
    let nf = nearest<f64>(delta / hGuess);
    const exact = nearest<f64>(delta / h_);
    hGuess = h_;
    if (exact != nf) {
      nf = exact;
      store<i32>(SPEC_MISSES, load<i32>(SPEC_MISSES) + 1); // a store: keeps this a branch, not a select
    }
    let word: i32 = nf > <f64>CELLS_MASK ? CELLS_MASK : <i32>nf;
    // 4. LOCKING
    if (mode_ == LOCKING) {
      if (Math.abs(delta - h_ * syncF) <= tsync_) {
        locks++;
        if (locks == 1) {
          syncStart = p0 - roundHalfEven(h_ * 0.5);
          phi_ = t;
          if ((word & CELLS_MASK) < cmin || (word & CELLS_MASK) > cmax) ooti++;
          store<i32>(CELLS + (<usize>i << 2), word);
          continue;
        }
        if (locks >= nlock_) mode_ = SCANNING;
      } else {
        if (locks > 0) {
          phi_ = 0; h_ = h0_; integ_ = 0; mode_ = LOCKING; locks = 0; deferred = false; sr_ = 0; d_ = 0;
          resetCold();
        }
        if ((word & CELLS_MASK) < cmin || (word & CELLS_MASK) > cmax) ooti++;
        store<i32>(CELLS + (<usize>i << 2), word);
        continue;
      }
    }
    // 5. limit check; a too long pulse that finishes a byte resets after it
    if (nf < cminF || (nf > cmaxF && !(mode_ == DECODING && <f64>p_ + nf >= 16))) {
      // noted while a mark or record is being decoded (never in LOCKING: the lock pulses that fall through)
      const noted = mode_ == DECODING || (mode_ == SCANNING && tryLen > 0);
      if (noted) {
        curT = t;
        resetEvent(nf < cminF ? RR_SHORT : RR_LONG, p0, t, nf, mode_);
      }
      phi_ = 0; h_ = h0_; integ_ = 0; mode_ = LOCKING; locks = 0; deferred = false; sr_ = 0; d_ = 0;
      resetCold();
      if ((word & CELLS_MASK) < cmin || (word & CELLS_MASK) > cmax) ooti++;
      store<i32>(CELLS + (<usize>i << 2), word);
      if (noted && evN > evLimit) { // the event log is nearly full
        i++;
        break;
      }
      continue;
    }
    if (nf > cmaxF) { // counts as out of the interval too (cmin <= n here)
      deferred = true;
      ooti++;
    }
    const cells = <i32>nf;
    // 6. PI loop filter
    phi_ += nf * h_;
    const e = t - phi_;
    phi_ += kp_ * e;
    integ_ += ki_ * (e / h0_);
    h_ += integ_;
    if (h_ < hMin || h_ > hMax) { // rare: a branch, so that H does not wait on the compares (binaryen would select)
      h_ = h_ < hMin ? hMin : hMax;
      store<i32>(CLAMPS, load<i32>(CLAMPS) + 1);
    }
    // 7. windows for annotation: n windows (n-1 empty ones, then the edge's), kept as the edge
    logPtr_ = (logPtr_ + 1) & (EDGE_LOG - 1);
    store<f64>(LOG_P0 + (<usize>logPtr_ << 3), p0);
    store<f64>(LOG_T + (<usize>logPtr_ << 3), t);
    store<f64>(LOG_N + (<usize>logPtr_ << 3), nf);
    const pushes = cells > 1 ? cells : 1;
    hist = pushes >= 64 ? 1 : (hist << <u64>pushes) | 1;
    windows_ += pushes;
    word |= CELLS_RING_WRITTEN;
    // 8. shift
    sr_ = cells >= 32 ? 1 : (sr_ << <u32>cells) + 1;
    // 9. SCANNING and 10. DECODING when a byte is due: cold paths, on the globals
    if (mode_ == SCANNING || (mode_ == DECODING && p_ + cells + d_ >= 16)) {
      h = h_; phi = phi_; integ = integ_; mode = mode_; count = locks; deferredReset = deferred;
      sr = sr_; p = p_; d = d_; curT = t;
      logPtr = logPtr_; ringHist = hist; windows = windows_;
      coldStep(cells);
      h_ = h; phi_ = phi; integ_ = integ; mode_ = mode; locks = count; deferred = deferredReset;
      sr_ = sr; p_ = p; d_ = d;
      if (evN > evLimit || outN > outLimit) { // only the cold paths write events and bytes
        store<i32>(CELLS + (<usize>i << 2), word);
        i++;
        break;
      }
    } else if (mode_ == DECODING) {
      p_ += cells;
    }
    store<i32>(CELLS + (<usize>i << 2), word);
  }
  h = h_; phi = phi_; integ = integ_; prev = prev_; mode = mode_; count = locks;
  deferredReset = deferred; sr = sr_; p = p_; d = d_;
  logPtr = logPtr_; ringHist = hist; windows = windows_; hPrev = hGuess;
  store<i32>(STATUS + (<usize>ST_EVENTS << 2), evN);
  store<i32>(STATUS + (<usize>ST_OUT << 2), outN);
  store<i32>(STATUS + (<usize>ST_OOTI << 2), ooti);
  return i - first;
}

/** Steps 9 and 10 of a pulse of n cells, on the globals. */
// @ts-ignore: decorator
@inline
function coldStep(n: i32): void {
  if (mode == SCANNING) scan(n);
  if (mode == DECODING) {
    p += n;
    if (p + d >= 16) {
      const b = decodeByte();
      if (b >= 0 && state == DATA_REC && cnt + 1 < sectorSize) {
        // most bytes: inside a data record, short of its end (the framer's DATA_REC case, inlined)
        annotateAt(b, false);
        if (cnt < MAX_SECTOR) store<u8>(DR_REC_BUF + <usize>cnt, <u8>b);
        cnt++;
      } else if (b >= 0 && !framer(b)) {
        bytePositions();
        resetEvent(state == GAP1 ? RR_RECORD_END : RR_UNKNOWN, byteStart, byteEnd, load<f64>(LOG_N + (<usize>logPtr << 3)), DECODING);
        resetPll();
      }
    }
  }
}

/** Step 9 (SCANNING) for a pulse of n cells. */
function scan(n: i32): void {
  if (tryLen == 0 && n == syncPulse) {
    count++;
    return;
  }
  let matched = -1;
  for (let m = 0; m < numMarks; m++) {
    const base = m * MARK_STRIDE;
    const len = mark(base);
    if (len <= tryLen || mark(base + 2 + tryLen) != n) continue;
    let same = true;
    for (let j = 0; j < tryLen; j++) {
      if (mark(base + 2 + j) != load<i32>(TRY_CELLS + (<usize>j << 2))) { same = false; break; }
    }
    if (same) { matched = m; break; }
  }
  if (matched < 0) {
    if (tryLen > 0) resetEvent(RR_NO_MARK, load<f64>(LOG_P0 + (<usize>logPtr << 3)), curT, <f64>n, SCANNING);
    resetPll();
    return;
  }
  store<i32>(TRY_CELLS + (<usize>tryLen << 2), n);
  tryLen++;
  if (limits == LIMITS_RLL && n == 8) sr ^= format == FMT_OMTI ? 0x3 : 0x10;
  if (tryLen == mark(matched * MARK_STRIDE)) {
    mode = DECODING;
    p = mark(matched * MARK_STRIDE + 1);
  }
}

function decodeByte(): i32 {
  if (codemap == CODEMAP_FMMFM) {
    p -= 16;
    return fmFold(p >= 32 ? 0 : sr >> <u32>p);
  }
  const wd = codemap == CODEMAP_WD ? 1 : 0;
  for (;;) {
    if (d >= 16) {
      d -= 16;
      const v = <i32>((acc >> <u32>(d >> 1)) & 0xff);
      acc &= 0xf;
      return v;
    }
    const step = rllDecodeStep(sr, p, wd);
    if (step == RLL_NONE) {
      if (p >= 8) {
        p -= 16 - d;
        d = 0;
      }
      return -1;
    }
    const len = step >>> 8, bits = len >>> 1;
    acc = (acc << <u32>bits) | <u32>(step & 0xff);
    d += len;
    p -= len;
  }
  return -1; // not reached
}

/** Windows back from the newest for a ring offset of -x (x may be negative or >= 40). */
// @ts-ignore: decorator
@inline
function ringBack(x: i32): i32 {
  return <u32>x < <u32>RING ? x : ((x % RING) + RING) % RING;
}

/** End of the window `back` (0..39) windows before the newest, as step 7 computed it. */
function windowEnd(back: i32): f64 {
  // consecutive bytes share a window (this byte's start is the last one's end): cache by window number
  const at = windows - <i64>back;
  if (at == endCacheAt) return endCache;
  let end: f64 = 0;
  let idx = logPtr;
  for (;;) { // ends within 40 edges: each wrote >= 1 window
    const nf = load<f64>(LOG_N + (<usize>idx << 3));
    const n = <i32>nf;
    const pushes = n > 1 ? n : 1;
    if (back < pushes) {
      const p0 = load<f64>(LOG_P0 + (<usize>idx << 3)), t = load<f64>(LOG_T + (<usize>idx << 3));
      const w = (t - p0) / nf;
      if (back == 0) {
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
  endCacheAt = at;
  endCache = end;
  return end;
}

/** Value (0/1) of the window `back` (0..39) windows before the newest. */
// @ts-ignore: decorator
@inline
function windowValue(back: i32): i32 {
  return <i32>(ringHist >> <u64>back) & 1;
}

/** annotateAt where it is not worth inlining (the framer's many states). */
function annotate(v: i32, special: bool): void {
  annotateAt(v, special);
}

/** A decoded byte's window numbers, clock check and events (§6.2, §6.3). */
// @ts-ignore: decorator
@inline
function annotateAt(v: i32, special: bool): void {
  const k = codemap == CODEMAP_FMMFM ? p : d + p;
  // the ring entries at offsets -(k + 16) and -k from the newest (mod 40), as window
  // numbers: their ends are computed only when an event needs them (bytePositions)
  startAt = windows - <i64>ringBack(k + 16);
  endAt = windows - <i64>ringBack(k);
  positionsDue = true;
  let mask = 0;
  if (format == FMT_FM || format == FMT_MFM) mask = clockErrors(k);
  if (logBytes) {
    bytePositions();
    event(EV_BYTE, byteStart, byteEnd, <f64>v, <f64>((special ? BYTE_SPECIAL : 0) | (mask << 8)), <f64>k, <f64>sr);
  }
  if (mask != 0 && !special) {
    bytePositions();
    event(EV_CLOCKERR, byteStart, byteEnd, <f64>mask, <f64>k, 0, 0);
  }
}

/**
 * byteStart and byteEnd of the last annotated byte. Most bytes (a data record's)
 * need neither, so annotate() notes their window numbers and this computes the
 * ends before an event reads them, in the same step (the windows still in the log).
 */
// @ts-ignore: decorator
@inline
function bytePositions(): void {
  if (positionsDue) {
    byteStart = windowEnd(<i32>(windows - startAt));
    byteEnd = windowEnd(<i32>(windows - endAt));
    positionsDue = false;
  }
}

/**
 * Clock check of §6.2 over the windows k .. k+16 back: bit b (data bit b) set
 * when bad. FM: its clock window is empty. MFM: (previous data, clock, data)
 * is 000, 011, 110 or 111.
 */
// @ts-ignore: decorator
@inline
function clockErrors(k: i32): i32 {
  if (<u32>k <= <u32>(RING - 17)) {
    // all 17 windows without wrapping: bit j of w = window k + j back; data bit b at 2b, its clock at 2b+1
    const w = <u32>(ringHist >> <u64>k) & 0x1ffff;
    const dat = w & 0x5555, clk = (w >> 1) & 0x5555;
    if (format == FMT_FM) return ~fmFold(clk) & 0xff;
    const prv = (w >> 2) & 0x5555;
    return fmFold((~prv & ~clk & ~dat) | (~prv & clk & dat) | (prv & clk));
  }
  let mask = 0;
  let hist = windowValue(ringBack(k + 16));
  for (let bit = 7; bit >= 0; bit--) {
    const clk = windowValue(ringBack(k + 2 * bit + 1));
    const dat = windowValue(ringBack(k + 2 * bit));
    hist = ((hist << 2) | (clk << 1) | dat) & 7;
    const bad = format == FMT_FM ? clk == 0 : hist == 0 || hist == 3 || hist == 6 || hist == 7;
    if (bad) mask |= 1 << bit;
  }
  return mask;
}

function event(kind: i32, a: f64, b: f64, c: f64, dd: f64, e: f64, f: f64): void {
  const o = EVENTS + (<usize>(evN * EVENT_STRIDE) << 3);
  store<f64>(o, <f64>kind); store<f64>(o, curT, 8); store<f64>(o, a, 16); store<f64>(o, b, 24);
  store<f64>(o, c, 32); store<f64>(o, dd, 40); store<f64>(o, e, 48); store<f64>(o, f, 56);
  evN++;
}

/** EV_RESET (abi.ts): why the PLL resets; call before the RESET (it reads the framer's state). */
function resetEvent(reason: i32, start: f64, end: f64, cells: f64, md: i32): void {
  const bytes = state >= ID_REC && state <= DATA_CRC ? cnt : 0;
  event(EV_RESET, start, end, <f64>reason, cells, <f64>((md << 4) | state), <f64>bytes);
}

function emitSync(): void {
  if (syncStart != 0) {
    bytePositions();
    event(EV_SYNC, syncStart, byteStart, Math.floor(<f64>(2 * count) / 16), 0, 0, 0);
    syncStart = 0;
    fieldStart = byteStart;
  }
}

function emitMark(kind: i32, v: i32): void {
  bytePositions();
  event(EV_MARK, fieldStart, byteEnd, <f64>kind, <f64>v, byteStart, 0);
  fieldStart = byteEnd;
}

function emitDataMark(v: i32): void {
  drMark = v;
  emitMark(format == FMT_FM && v >= 0xf8 && v <= 0xfa ? MARK_DDAM : MARK_DAM, v);
  state = DATA_REC;
}

function unknown(v: i32): bool {
  bytePositions();
  event(EV_UNKNOWN, byteStart, byteEnd, <f64>v, 0, 0, 0);
  fieldStart = byteEnd;
  return false;
}

// @ts-ignore: decorator
@inline function outByte(v: i32): void { store<u8>(OUT + <usize>outN, <u8>v); outN++; }

function outCopy(src: usize, len: i32): void {
  memory.copy(OUT + <usize>outN, src, <usize>len);
  outN += len;
}

function putPrefix(mk: i32): void {
  for (let j = 0; j < a1Count; j++) outByte(0xa1);
  if (mk >= 0) outByte(mk);
}

function putBinary(kind: i32, offset: i32): void {
  event(EV_BINARY, <f64>kind, <f64>offset, <f64>(outN - offset), 0, 0, 0);
}

function putReceivedCrc(bits: i32): void {
  for (let j = bits / 8 - 1; j >= 0; j--) outByte(<i32>((rx >> <u64>(j * 8)) & 0xff));
}

function headerLength(): i32 {
  const r1 = <i32>load<u8>(ID_REC_BUF + 1);
  if (headerFormat == HF_4) return 128 << (<i32>load<u8>(ID_REC_BUF + 3) & 7);
  if (headerFormat == HF_3) return 128 << ((r1 >> 4) & 7);
  if (headerFormat == HF_DTC) return ((r1 ^ 0xff) & 1) != 0 ? 64 : 512;
  return 512;
}

function emitCrc(which: i32): void {
  const ok = crcValue == rx ? CRC_OK : 0;
  const bits = which == CRC_DATA ? dcrcBits : hcrcBits;
  bytePositions();
  event(EV_CRC, fieldStart, byteEnd, <f64>(which | ok | (bits << CRC_BITS_SHIFT)), <f64>(crcValue >> 32), <f64>(crcValue & 0xffffffff), byteStart);
  fieldStart = byteEnd;
  state = GAP1;
}

function framer(v: i32): bool {
  switch (state) {
    case SYNC_MARK: {
      annotate(v, true);
      emitSync();
      cnt = 0; rx = 0;
      const cls = <i32>load<u8>(MARK_CLASS + <usize>v);
      if ((cls & MC_IDDATA) != 0) {
        a1Count = 1;
        if (idMark >= 0) {
          idMark = -1;
          emitMark(MARK_IDAM, v);
          state = ID_REC;
        } else {
          state = IDDATA_AM;
        }
      } else if ((cls & MC_ID) != 0) {
        idMark = v;
        emitMark(MARK_IDAM, v);
        state = ID_REC;
      } else if ((cls & MC_DATA) != 0) {
        emitDataMark(v);
      } else if ((cls & MC_ID_PREFIX) != 0) {
        idMark = v;
      } else if ((cls & MC_NOP) != 0) {
        // stay
      } else if ((cls & MC_NOP_A1) != 0) {
        a1Count = 1;
      } else if (v == 0xfc) {
        emitMark(MARK_IAM, v);
        state = GAP1;
      } else if (v == 0xc2) {
        state = C2_2;
      } else {
        return unknown(v);
      }
      return true;
    }
    case IDDATA_AM: {
      if (v == 0xa1) {
        annotate(v, true);
        if (a1Count < MAX_A1) a1Count++;
        return true;
      }
      annotate(v, false);
      emitSync();
      if ((v & 0xf4) == 0xf4) {
        idMark = v;
        emitMark(MARK_IDAM, v);
        state = ID_REC;
      } else if (v >= 0xf8 && v <= 0xfb) {
        emitDataMark(v);
      } else {
        return unknown(v);
      }
      return true;
    }
    case ID_REC: {
      annotate(v, false);
      store<u8>(ID_REC_BUF + <usize>cnt, <u8>v);
      cnt++;
      if (cnt == headerBytes) {
        const len = headerLength();
        const offset = outN;
        outCopy(ID_REC_BUF, headerBytes);
        bytePositions();
        event(EV_IDREC, fieldStart, byteEnd, <f64>offset, <f64>headerBytes, <f64>len, 0);
        fieldStart = byteEnd;
        putBinary(BIN_ID, offset);
        if (sectorSizeAuto) sectorSize = len;
        cnt = 0;
        state = ID_CRC;
      }
      return true;
    }
    case ID_CRC: {
      annotate(v, false);
      rx = (rx << 8) | <u64>v;
      cnt++;
      if (cnt * 8 == hcrcBits) {
        const offset = outN;
        putPrefix(idMark);
        outCopy(ID_REC_BUF, headerBytes);
        crcValue = crcUpdate(H_TABLE, hcrcBits, hInit, OUT + <usize>offset, outN - offset);
        putReceivedCrc(hcrcBits);
        putBinary(BIN_IDCRC, offset);
        emitCrc(0);
      }
      return true;
    }
    case DATA_REC: {
      annotate(v, false);
      if (cnt < MAX_SECTOR) store<u8>(DR_REC_BUF + <usize>cnt, <u8>v);
      cnt++;
      if (cnt == sectorSize) {
        bytePositions();
        event(EV_DATAREC, fieldStart, byteEnd, 0, 0, 0, 0);
        fieldStart = byteEnd;
        cnt = 0;
        state = DATA_CRC;
      }
      return true;
    }
    case DATA_CRC: {
      annotate(v, false);
      rx = (rx << 8) | <u64>v;
      cnt++;
      if (cnt * 8 == dcrcBits) {
        const size = sectorSize;
        let offset = outN;
        outCopy(DR_REC_BUF, size);
        putBinary(BIN_DATA, offset);
        offset = outN;
        outCopy(ID_REC_BUF, headerBytes);
        outCopy(DR_REC_BUF, size);
        putBinary(BIN_IDDATA, offset);
        offset = outN;
        putPrefix(drMark);
        outCopy(DR_REC_BUF, size);
        crcValue = crcUpdate(D_TABLE, dcrcBits, dInit, OUT + <usize>offset, outN - offset);
        putReceivedCrc(dcrcBits);
        putBinary(BIN_DATACRC, offset);
        emitCrc(CRC_DATA);
      }
      return true;
    }
    case C2_2:
    case C2_3: {
      annotate(v, true);
      if (v != 0xc2) return unknown(v);
      state = state == C2_2 ? C2_3 : IAM_WAIT;
      return true;
    }
    case IAM_WAIT: {
      annotate(v, false);
      if (v != 0xfc) return unknown(v);
      emitMark(MARK_IAM, v);
      state = GAP1;
      return true;
    }
    default: {
      annotate(v, false);
      return false;
    }
  }
}
