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

const HIST = RING + 1;

/**
 * The ring replayed only when it is read. Rows that read it rarely (`errors`:
 * Clock Error ranges, only at bytes with clock errors) note each ring-writing
 * edge (four numbers) instead of replaying it; sync() brings the ring up to
 * date from the noted edges. The ring's last 40 windows come from at most the
 * last 40 ring-writing edges (each writes at least one), and the first window
 * of the oldest of them starts where the edge before it ended, so 41 noted
 * edges rebuild it exactly as replaying every edge would.
 */
export class LazyRing {
  readonly ring = new WindowRing();
  private readonly p0 = new Float64Array(HIST);
  private readonly t = new Float64Array(HIST);
  private readonly delta = new Float64Array(HIST);
  private readonly n = new Float64Array(HIST);
  /** Ring-writing edges noted so far, and how many of them the ring has replayed. */
  private count = 0;
  private synced = 0;

  note(p0: number, t: number, delta: number, n: number): void {
    const i = this.count % HIST;
    this.p0[i] = p0;
    this.t[i] = t;
    this.delta[i] = delta;
    this.n[i] = n;
    this.count++;
  }

  /** The ring as replaying every noted edge in order leaves it. */
  sync(): WindowRing {
    const ring = this.ring;
    let from = this.synced;
    if (this.count - from > RING) {
      // rebuild from the last 40 edges; the first starts at the end of the edge before it
      from = this.count - RING;
      ring.start.fill(0);
      ring.end.fill(0);
      ring.value.fill(0);
      ring.ptr = 0;
      const j = (from - 1) % HIST;
      const w = this.delta[j] / this.n[j];
      ring.end[0] = roundHalfEven(this.t[j] + 0.5 * w);
    }
    for (let e = from; e < this.count; e++) {
      const i = e % HIST;
      ring.replay(this.p0[i], this.t[i], this.delta[i], this.n[i]);
    }
    this.synced = this.count;
    return ring;
  }
}
