// Legacy decoder hot loop — Wasm twin of src/legacy/core.ts (with pulse.ts,
// windows.ts, fifo.ts, pattern.ts and byte.ts folded in; read core.ts for the
// diagram). Spec §3.9. Same steps in the same order, so the same floats and
// the same bytes; module globals replace the class fields.
//
// Exports (to be re-exported by assembly/index.ts):
//   legacyEdgesPtr, legacyConfigPtr, legacyStatusPtr  memory regions (src/legacy/abi.ts)
//   legacyConfigure()     reads the config region, resets all state
//   legacyLoad(count)     edges[0, count) are the next input
//   legacyRun(): i32      CORE_BYTE (byte in the status region) or CORE_DONE
//   legacyUnsync()        the framer dropped the sync
import {
  CORE_DONE, CORE_BYTE, FIFO_SLOTS, UNSYNCED_KEEP, SYNC_FILL, BYTE_WINDOWS, LEGACY_EDGE_CAP,
  LC_BIT_CELL, LC_TOLERANCE, LC_FIRST_INTERVAL, LC_FM, LC_NUM_CENTRES, LC_CENTRES, LC_WINDOWS,
  LC_NUM_PATTERNS, LC_PATTERNS, LC_LEN, MAX_CENTRES, MAX_PATTERNS,
  LS_BYTE_VALUE, LS_BYTE_CLOCK, LS_BYTE_FIRST, LS_BYTE_START, LS_BYTE_END, LS_INTERVALS, LS_OOTI, LS_EIPW,
  LS_SYNCED, LS_WIN_START, LS_WIN_END, LS_WIDTH, LS_PATTERN, LS_QUEUED, LS_LEN,
} from "../src/legacy/abi";
import { roundHalfEven } from "./round";

const L_EDGES: usize = memory.data(LEGACY_EDGE_CAP * 8, 16);
const L_CONFIG: usize = memory.data(LC_LEN * 8, 16);
const L_STATUS: usize = memory.data(LS_LEN * 8, 16);
const F_START: usize = memory.data(FIFO_SLOTS * 8, 16);
const F_END: usize = memory.data(FIFO_SLOTS * 8, 16);
const F_COUNT: usize = memory.data(FIFO_SLOTS * 4, 16);
const F_ROLE: usize = memory.data(FIFO_SLOTS, 16);
const F_MASK: i32 = FIFO_SLOTS - 1;
const ROLE_NONE: u8 = 0;
const ROLE_DATA: u8 = 2;
const PATTERN_MASK: i32 = 0x7fffffff;

const PHASE_EDGE = 0, PHASE_ADVANCE = 1, PHASE_TAKE = 2, PHASE_NEXT = 3;

export function legacyEdgesPtr(): usize { return L_EDGES; }
export function legacyConfigPtr(): usize { return L_CONFIG; }
export function legacyStatusPtr(): usize { return L_STATUS; }

// configuration
let bitCell: f64 = 0, tolerance: f64 = 0, firstInterval: f64 = 0;
let fm: bool = false;
let numCentres: i32 = 0, numPatterns: i32 = 0;
const CENTRES: usize = memory.data(MAX_CENTRES * 8, 16);
const WINDOWS: usize = memory.data(MAX_CENTRES * 4, 16);
const PATTERNS: usize = memory.data(MAX_PATTERNS * 4, 16);

// FIFO (fifo.ts)
let fHead: i32 = 0, fLength: i32 = 0;
// window tracker (windows.ts)
let wStart: f64 = 0, wEnd: f64 = 0, wWidth: f64 = 0, wAcc: f64 = 0;
// core (core.ts)
let pos: i32 = 0, count: i32 = 0, phase: i32 = PHASE_NEXT;
let curT: f64 = 0, prev: f64 = 0;
let started: bool = false;
let pattern: i32 = 0;
let synced: bool = false, firstAfterSync: bool = false, bytePending: bool = false;
let intervals: f64 = 0, ooti: f64 = 0, eipw: f64 = 0;

// @ts-ignore: decorator
@inline function cfg(i: i32): f64 { return load<f64>(L_CONFIG + (<usize>i << 3)); }
// @ts-ignore: decorator
@inline function setStatus(i: i32, v: f64): void { store<f64>(L_STATUS + (<usize>i << 3), v); }
// @ts-ignore: decorator
@inline function slot(i: i32): i32 { return (fHead + i) & F_MASK; }
// @ts-ignore: decorator
@inline function fStart(s: i32): f64 { return load<f64>(F_START + (<usize>s << 3)); }
// @ts-ignore: decorator
@inline function fEnd(s: i32): f64 { return load<f64>(F_END + (<usize>s << 3)); }
// @ts-ignore: decorator
@inline function fCount(s: i32): i32 { return load<i32>(F_COUNT + (<usize>s << 2)); }

export function legacyConfigure(): void {
  bitCell = cfg(LC_BIT_CELL);
  tolerance = cfg(LC_TOLERANCE);
  firstInterval = cfg(LC_FIRST_INTERVAL);
  fm = cfg(LC_FM) != 0;
  numCentres = <i32>cfg(LC_NUM_CENTRES);
  for (let i = 0; i < numCentres; i++) {
    store<f64>(CENTRES + (<usize>i << 3), cfg(LC_CENTRES + i));
    store<i32>(WINDOWS + (<usize>i << 2), <i32>cfg(LC_WINDOWS + i));
  }
  numPatterns = <i32>cfg(LC_NUM_PATTERNS);
  for (let i = 0; i < numPatterns; i++) store<i32>(PATTERNS + (<usize>i << 2), <i32>(<u32>cfg(LC_PATTERNS + i)));
  // fifo.reset(), win.reset(bitCell)
  fHead = 0; fLength = 0;
  wAcc = (32 * bitCell) / 2;
  wWidth = wAcc / 32;
  wStart = 0;
  wEnd = wWidth;
  pos = 0; count = 0; phase = PHASE_NEXT;
  prev = 0; started = false; pattern = 0;
  synced = false; firstAfterSync = false; bytePending = false;
  intervals = 0; ooti = 0; eipw = 0;
  writeCounters();
}

export function legacyLoad(n: i32): void {
  count = n;
  pos = 0;
  phase = PHASE_EDGE;
}

export function legacyUnsync(): void {
  synced = false;
  writeCounters();
}

function writeCounters(): void {
  setStatus(LS_INTERVALS, intervals);
  setStatus(LS_OOTI, ooti);
  setStatus(LS_EIPW, eipw);
  setStatus(LS_SYNCED, synced ? 1 : 0);
  setStatus(LS_WIN_START, wStart);
  setStatus(LS_WIN_END, wEnd);
  setStatus(LS_WIDTH, wWidth);
  setStatus(LS_PATTERN, <f64>pattern);
  setStatus(LS_QUEUED, <f64>fLength);
}

export function legacyRun(): i32 {
  const r = runInner();
  writeCounters();
  return r;
}

function runInner(): i32 {
  if (bytePending) {
    bytePending = false;
    store<u8>(F_ROLE + <usize>slot(BYTE_WINDOWS - 1), ROLE_DATA);
    fDrop(BYTE_WINDOWS - 1);
    if (synced && fLength >= BYTE_WINDOWS) return takeByte();
  }
  while (true) {
    if (phase == PHASE_EDGE) {
      if (pos >= count) return CORE_DONE;
      startEdge(load<f64>(L_EDGES + (<usize>pos << 3)));
      phase = PHASE_ADVANCE;
    } else if (phase == PHASE_ADVANCE) {
      const t = curT;
      if (t >= wEnd) {
        const s = wStart, e = wEnd;
        advance();
        if (queue(s, e, 0)) return CORE_BYTE;
        continue;
      }
      phase = PHASE_TAKE;
    } else if (phase == PHASE_TAKE) {
      const t = curT;
      phase = PHASE_NEXT;
      if (t < wStart) {
        const nw = (fHead + fLength - 1) & F_MASK;
        store<i32>(F_COUNT + (<usize>nw << 2), fCount(nw) + 1);
        eipw++;
        synced = false;
        continue;
      }
      pull(t);
      const s = wStart, e = wEnd;
      advance();
      if (queue(s, e, 1)) return CORE_BYTE;
    } else { // PHASE_NEXT
      pos++;
      phase = PHASE_EDGE;
    }
  }
  return CORE_DONE;
}

function intervalWindows(delta: f64): i32 {
  for (let i = 0; i < numCentres; i++) {
    if (Math.abs(delta - load<f64>(CENTRES + (<usize>i << 3))) <= tolerance) return load<i32>(WINDOWS + (<usize>i << 2));
  }
  return 0;
}

function startEdge(t: f64): void {
  const first = !started;
  const delta = first ? firstInterval : t - prev;
  const windows = intervalWindows(delta);
  intervals++;
  if (windows == 0) ooti++;
  if (windows != 0) {
    // win.train(delta, windows)
    wAcc -= wWidth * <f64>windows;
    wAcc += delta;
    wWidth = wAcc / 32;
  }
  started = true;
  prev = t;
  curT = t;
}

// @ts-ignore: decorator
@inline function pull(t: f64): void {
  const centre = (wStart + wEnd) / 2;
  let step = (t - centre) / 1.75;
  const cap = wWidth / 4;
  if (step > cap) step = cap;
  wEnd += step;
}

// @ts-ignore: decorator
@inline function advance(): void {
  wStart = wEnd;
  wEnd = wStart + wWidth;
}

// @ts-ignore: decorator
@inline function fDrop(n: i32): void {
  fHead = (fHead + n) & F_MASK;
  fLength -= n;
}

function isSyncPattern(p: i32): bool {
  for (let i = 0; i < numPatterns; i++) if (load<i32>(PATTERNS + (<usize>i << 2)) == p) return true;
  return false;
}

function queue(start: f64, end: f64, bit: i32): bool {
  pattern = ((pattern << 1) | bit) & PATTERN_MASK;
  // fifo.push(start, end, bit)
  const s = (fHead + fLength) & F_MASK;
  store<f64>(F_START + (<usize>s << 3), start);
  store<f64>(F_END + (<usize>s << 3), end);
  store<i32>(F_COUNT + (<usize>s << 2), bit);
  store<u8>(F_ROLE + <usize>s, ROLE_NONE);
  fLength++;
  if (!synced && fLength == SYNC_FILL && isSyncPattern(pattern)) {
    synced = true;
    firstAfterSync = true;
  }
  if (synced) return fLength >= BYTE_WINDOWS ? takeByte() == CORE_BYTE : false;
  if (fLength > UNSYNCED_KEEP) fDrop(1);
  return false;
}

function takeByte(): i32 {
  // byte.ts extractByte
  let prevData: i32 = fCount(slot(0)) != 0 ? 1 : 0;
  let value: i32 = 0, bad: i32 = 0;
  for (let bit = 7, i = 1; bit >= 0; bit--, i += 2) {
    const c: i32 = fCount(slot(i)) != 0 ? 1 : 0;
    const d: i32 = fCount(slot(i + 1)) != 0 ? 1 : 0;
    value = (value << 1) | d;
    let violation: bool;
    if (fm) {
      violation = c == 0;
    } else {
      const h = (prevData << 2) | (c << 1) | d;
      violation = h == 0 || h == 3 || h == 6 || h == 7;
    }
    if (violation) bad |= 1 << bit;
    prevData = d;
  }
  setStatus(LS_BYTE_VALUE, <f64>value);
  setStatus(LS_BYTE_CLOCK, <f64>bad);
  setStatus(LS_BYTE_FIRST, firstAfterSync ? 1 : 0);
  firstAfterSync = false;
  setStatus(LS_BYTE_START, roundHalfEven(fStart(slot(1))));
  setStatus(LS_BYTE_END, roundHalfEven(fEnd(slot(BYTE_WINDOWS - 1))));
  bytePending = true;
  return CORE_BYTE;
}
