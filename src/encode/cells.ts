// Byte → cell encoders for FM, MFM and RLL(2,7): the reverse of spec §4.2/§4.3.
//
// A cell stream is a Uint8Array with ONE CELL PER ELEMENT, oldest first:
// 1 = the cell holds a flux transition, 0 = it does not (spec §0, §4.1). The
// pulse widths the decoder measures are the distances between consecutive 1s.
//
// FM (§4.2): 16 cells per byte, clock cell first. Normal clock byte = FF.
//
//     cells:  c7 d7 c6 d6 c5 d5 c4 d4 c3 d3 c2 d2 c1 d1 c0 d0
//     FE/C7:   1  1  1  1  0  1  0  1  0  1  1  1  1  1  1  0   = 0xF57E (ID mark)
//     FB/C7:   1  1  1  1  0  1  0  1  0  1  1  0  1  1  1  1   = 0xF56F (data mark)
//     FC/D7:   1  1  1  1  0  1  1  1  0  1  1  1  1  0  1  0   = 0xF77A (index mark)
//
// MFM (§4.2): same cell order; clock c_i = 1 only when data bits i+1 and i are
// both 0 (d_{i+1} of the previous byte for c7). Marks drop one clock:
//
//     A1 normal   0100 0100 1010 1001  = 0x44A9
//     A1 mark     0100 0100 1000 1001  = 0x4489   (c2 missing)
//     C2 normal   0101 0010 1010 0100  = 0x52A4
//     C2 mark     0101 0010 0010 0100  = 0x5224   (c3 missing)
//
// RLL(2,7) (§4.3): data bits are cut into the words below (prefix-free) and
// each word becomes twice as many cells. Words straddle byte boundaries, so the
// encoder is streaming: it keeps up to 3 undecided bits between bytes, and
// flush() pads with 0 data bits until the last word is complete.
//
//     data   IBM code    WD code          data   IBM/WD code
//     11     1000        1000             0010   00100100
//     10     0100        0100             0011   00001000
//     010    100100      000100
//     011    001000      001000
//     000    000100      100100
//
// Every code word ends in at least two 0 cells and starts with at most four, so
// any concatenation keeps 2..7 zeros between transitions (pulses of 3..8 cells).

/** A growable cell buffer (one cell per byte, values 0/1). */
export class CellBuffer {
  private buf: Uint8Array;
  private len = 0;

  constructor(capacity = 4096) {
    this.buf = new Uint8Array(Math.max(16, capacity));
  }

  /** Number of cells written so far. */
  get length(): number {
    return this.len;
  }

  private reserve(n: number): void {
    if (this.len + n <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < this.len + n) cap *= 2;
    const next = new Uint8Array(cap);
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
  }

  /** Appends one cell. */
  push(cell: number): void {
    this.reserve(1);
    this.buf[this.len++] = cell ? 1 : 0;
  }

  /** Appends the low `count` bits of `word`, most significant first (count ≤ 32). */
  pushWord(word: number, count: number): void {
    this.reserve(count);
    for (let i = count - 1; i >= 0; i--) this.buf[this.len++] = (word >>> i) & 1;
  }

  /** Appends `count` empty cells. */
  pushZeros(count: number): void {
    this.reserve(count);
    this.buf.fill(0, this.len, this.len + count);
    this.len += count;
  }

  /** Appends a cell array. */
  pushCells(cells: Uint8Array): void {
    this.reserve(cells.length);
    this.buf.set(cells, this.len);
    this.len += cells.length;
  }

  /** A copy of the cells written so far. */
  toCells(): Uint8Array {
    return this.buf.slice(0, this.len);
  }
}

// ---------------------------------------------------------------------------
// FM

/** Normal FM clock byte. */
export const FM_CLOCK = 0xff;
/** Clock byte of the FM ID (FE) and data (FB, F8–FA) marks. */
export const FM_MARK_CLOCK = 0xc7;
/** Clock byte of the FM index mark (FC). */
export const FM_INDEX_CLOCK = 0xd7;

/** The 16 FM cells of a data byte with a clock byte, as bits 15..0 (`c7 d7 … c0 d0`). */
export function fmWord(data: number, clock: number = FM_CLOCK): number {
  let w = 0;
  for (let i = 7; i >= 0; i--) w = (w << 2) | (((clock >>> i) & 1) << 1) | ((data >>> i) & 1);
  return w;
}

/** FM byte encoder. */
export class FmEncoder {
  constructor(readonly out: CellBuffer) {}

  /** Appends one byte; `clock` FF for data, C7 for FE/FB marks, D7 for the FC index mark. */
  byte(data: number, clock: number = FM_CLOCK): void {
    this.out.pushWord(fmWord(data, clock), 16);
  }
}

// ---------------------------------------------------------------------------
// MFM

/** Data-bit mask of the clock that the MFM A1 mark drops (c2). */
export const MFM_A1_MISSING = 0x04;
/** Data-bit mask of the clock that the MFM C2 mark drops (c3). */
export const MFM_C2_MISSING = 0x08;

/**
 * The 16 MFM cells of a data byte as bits 15..0. `prevBit` is the last data
 * bit before it; `missingClock` has bit i set to force clock c_i to 0 (a mark).
 */
export function mfmWord(data: number, prevBit: number, missingClock = 0): number {
  let w = 0;
  let prev = prevBit & 1;
  for (let i = 7; i >= 0; i--) {
    const d = (data >>> i) & 1;
    const c = prev === 0 && d === 0 && ((missingClock >>> i) & 1) === 0 ? 1 : 0;
    w = (w << 2) | (c << 1) | d;
    prev = d;
  }
  return w;
}

/** MFM byte encoder; remembers the last data bit for the next clock. */
export class MfmEncoder {
  /** Last data bit written. */
  prevBit = 0;

  constructor(readonly out: CellBuffer) {}

  /** Appends one byte; `missingClock` is MFM_A1_MISSING / MFM_C2_MISSING for marks. */
  byte(data: number, missingClock = 0): void {
    this.out.pushWord(mfmWord(data, this.prevBit, missingClock), 16);
    this.prevBit = data & 1;
  }
}

// ---------------------------------------------------------------------------
// RLL(2,7)

export type RllCodemap = "IBM" | "WD";

/** The §4.3 code tables, data bits → channel cells, as text (oldest first). */
export const RLL_CODES: Readonly<Record<RllCodemap, readonly { readonly data: string; readonly code: string }[]>> = {
  IBM: [
    { data: "11", code: "1000" },
    { data: "10", code: "0100" },
    { data: "010", code: "100100" },
    { data: "011", code: "001000" },
    { data: "000", code: "000100" },
    { data: "0010", code: "00100100" },
    { data: "0011", code: "00001000" },
  ],
  WD: [
    { data: "11", code: "1000" },
    { data: "10", code: "0100" },
    { data: "010", code: "000100" },
    { data: "011", code: "001000" },
    { data: "000", code: "100100" },
    { data: "0010", code: "00100100" },
    { data: "0011", code: "00001000" },
  ],
};

// Compiled lookup: for word length L (2..4) and value v, CODE[L][v] = code cells
// as an integer (2L cells), or -1 when no data word of that length equals v.
function compile(map: RllCodemap): Int32Array[] {
  const byLen = [2, 3, 4].map((len) => new Int32Array(1 << len).fill(-1));
  for (const { data, code } of RLL_CODES[map]) byLen[data.length - 2][parseInt(data, 2)] = parseInt(code, 2);
  return byLen;
}
const RLL_TABLES: Readonly<Record<RllCodemap, Int32Array[]>> = { IBM: compile("IBM"), WD: compile("WD") };

/** Streaming RLL(2,7) encoder (IBM or WD table). */
export class RllEncoder {
  private bits = 0; // pending data bits, oldest in the most significant position
  private n = 0; // how many
  private readonly table: Int32Array[];

  constructor(
    readonly out: CellBuffer,
    readonly codemap: RllCodemap,
  ) {
    this.table = RLL_TABLES[codemap];
  }

  /** Data bits held back because their code word is not complete yet (0..3). */
  get pending(): number {
    return this.n;
  }

  private drain(): void {
    // The data words are prefix-free, so the first length that matches is the word.
    for (;;) {
      let done = true;
      for (let len = 2; len <= 4 && len <= this.n; len++) {
        const top = (this.bits >>> (this.n - len)) & ((1 << len) - 1);
        const code = this.table[len - 2][top];
        if (code >= 0) {
          this.out.pushWord(code, 2 * len);
          this.n -= len;
          this.bits &= (1 << this.n) - 1;
          done = false;
          break;
        }
      }
      if (done) return;
    }
  }

  /** Appends one byte (MSB first). Its last bits may wait for the next byte. */
  byte(data: number): void {
    this.bits = (this.bits << 8) | (data & 0xff);
    this.n += 8;
    this.drain();
  }

  /** Completes the last code word with 0 data bits; returns how many were added (0..3). */
  flush(): number {
    let pad = 0;
    while (this.n > 0) {
      this.bits <<= 1;
      this.n++;
      pad++;
      this.drain();
    }
    return pad;
  }
}

// ---------------------------------------------------------------------------
// One-shot helpers

/** FM cells of `bytes`; `clocks[i]` (default FF) is the clock byte of byte i. */
export function encodeFm(bytes: ArrayLike<number>, clocks?: ArrayLike<number>): Uint8Array {
  const out = new CellBuffer(bytes.length * 16);
  const enc = new FmEncoder(out);
  for (let i = 0; i < bytes.length; i++) enc.byte(bytes[i], clocks ? clocks[i] : FM_CLOCK);
  return out.toCells();
}

/** MFM cells of `bytes` after a data bit `prevBit`; `missing[i]` drops clocks of byte i. */
export function encodeMfm(bytes: ArrayLike<number>, prevBit = 0, missing?: ArrayLike<number>): Uint8Array {
  const out = new CellBuffer(bytes.length * 16);
  const enc = new MfmEncoder(out);
  enc.prevBit = prevBit & 1;
  for (let i = 0; i < bytes.length; i++) enc.byte(bytes[i], missing ? missing[i] : 0);
  return out.toCells();
}

/** RLL(2,7) cells of `bytes` from a fresh encoder, flushed at the end. */
export function encodeRll(bytes: ArrayLike<number>, codemap: RllCodemap): Uint8Array {
  const out = new CellBuffer(bytes.length * 16 + 8);
  const enc = new RllEncoder(out, codemap);
  for (let i = 0; i < bytes.length; i++) enc.byte(bytes[i]);
  enc.flush();
  return out.toCells();
}

/**
 * Pulse widths in cells between consecutive transitions of cells[from, to):
 * the first pulse runs from the first 1 at or after `from` to the next 1.
 */
export function pulseWidths(cells: Uint8Array, from = 0, to = cells.length): number[] {
  const out: number[] = [];
  let prev = -1;
  for (let i = from; i < to; i++) {
    if (cells[i] === 0) continue;
    if (prev >= 0) out.push(i - prev);
    prev = i;
  }
  return out;
}

/** The 16 cells at `cells[at..at+16)` as an integer (bits 15..0), for tests and diagrams. */
export function cellWord(cells: Uint8Array, at: number, count = 16): number {
  let w = 0;
  for (let i = 0; i < count; i++) w = w * 2 + (cells[at + i] ?? 0);
  return w;
}
