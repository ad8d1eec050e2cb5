// The 40-entry window ring of spec §3.4 step 7, rebuilt from the edge log.
//
// The track kernel writes the ring only for annotation; it does not export it.
// Replaying step 7 for every edge whose cells word has CELLS_RING_WRITTEN set
// gives the same (start, end, value) records: the float operations are the
// kernel's, in the same order, so the rounded sample numbers are bit-identical.
import { roundHalfEven } from "../kernels/round.js";

export const RING = 40;

export class WindowRing {
  readonly start = new Float64Array(RING);
  readonly end = new Float64Array(RING);
  readonly value = new Uint8Array(RING);
  ptr = 0;

  /** Step 7 for an edge at t with previous edge p0, Δ = t − p0, and n ≥ 1 cells. */
  replay(p0: number, t: number, delta: number, n: number): void {
    const w = delta / n;
    let x = this.end[this.ptr];
    let y = p0 + 1.5 * w;
    // Only the last 40 windows survive; earlier ones still advance x and y.
    const skip = n - RING;
    for (let j = 1; j < n; j++) {
      if (j > skip) this.push(roundHalfEven(x), roundHalfEven(y), 0);
      x = y;
      y += w;
    }
    y = t + 0.5 * w;
    this.push(roundHalfEven(x), roundHalfEven(y), 1);
  }

  private push(start: number, end: number, value: number): void {
    const ptr = this.ptr === RING - 1 ? 0 : this.ptr + 1;
    this.ptr = ptr;
    this.start[ptr] = start;
    this.end[ptr] = end;
    this.value[ptr] = value;
  }

  /** Slot of ring offset `offset` (0 = newest window, negative = older), wrapping like Python's %. */
  index(offset: number): number {
    const i = (this.ptr + offset) % RING;
    return i < 0 ? i + RING : i;
  }
}
