// The window FIFO of the legacy decoder (§3.9): windows wait here until they
// are part of a byte (17 at a time while in sync: the previous data window and
// the byte's 16) or, out of sync, until more than 32 are queued, when the
// oldest leaves as an `unk` (or `erw`) window.
//
// A ring of typed arrays; slot i (0 = oldest) is at (head + i) & MASK. The
// original's FIFO has 100 entries; at most 33 are ever queued here, so 64 slots
// are plenty.
import { FIFO_SLOTS } from "./abi.js";

export { FIFO_SLOTS };
const MASK = FIFO_SLOTS - 1;

/** Role a window was given by a byte: none yet, clock cell, data cell. */
export const ROLE_NONE = 0;
export const ROLE_CLOCK = 1;
export const ROLE_DATA = 2;

export class WindowFifo {
  /** Window start and end, in samples (unrounded). */
  readonly start = new Float64Array(FIFO_SLOTS);
  readonly end = new Float64Array(FIFO_SLOTS);
  /** Edges counted in the window (0, 1, more with edges in a previous window). */
  readonly count = new Int32Array(FIFO_SLOTS);
  readonly role = new Uint8Array(FIFO_SLOTS);
  head = 0;
  length = 0;

  reset(): void {
    this.head = 0;
    this.length = 0;
  }

  push(start: number, end: number, count: number): void {
    const s = (this.head + this.length) & MASK;
    this.start[s] = start;
    this.end[s] = end;
    this.count[s] = count;
    this.role[s] = ROLE_NONE;
    this.length++;
  }

  /** Physical slot of the i-th queued window (0 = oldest). */
  slot(i: number): number {
    return (this.head + i) & MASK;
  }

  /** Slot of the newest window (the FIFO is never empty once the first window is queued). */
  newest(): number {
    return (this.head + this.length - 1) & MASK;
  }

  drop(n: number): void {
    this.head = (this.head + n) & MASK;
    this.length -= n;
  }
}
