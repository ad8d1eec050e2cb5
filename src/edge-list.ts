// A growing list of leading edges (and their index levels) gathered from a
// kernel's output buffers, run after run: one copy per run into a buffer that
// doubles when full, handed over as views (or one trim) at the end. Used wherever a whole capture's
// edges are collected (detect/edges.ts, readers/fused-edges.ts). A list kept by a thread for
// capture after capture (src/pool/read.ts) is started again with restart() and lends views
// with peek(): no fresh ~1 MB of arrays a capture.

export class EdgeList {
  private edges = new Float64Array(1 << 16);
  private index: Uint8Array | undefined;
  private count = 0;

  constructor(withIndex: boolean) {
    if (withIndex) this.index = new Uint8Array(1 << 16);
  }

  /** Appends the first `n` edges (and index levels) of a kernel's buffers. */
  push(edges: Float64Array, index: Uint8Array, n: number): void {
    const count = this.count;
    if (count + n > this.edges.length) {
      const size = Math.max(this.edges.length * 2, count + n);
      const grown = new Float64Array(size);
      grown.set(this.edges.subarray(0, count));
      this.edges = grown;
      if (this.index) {
        const g = new Uint8Array(size);
        g.set(this.index.subarray(0, count));
        this.index = g;
      }
    }
    this.edges.set(edges.subarray(0, n), count);
    if (this.index) this.index.set(index.subarray(0, n), count);
    this.count = count + n;
  }

  /** Empties the list, keeping its buffers (an index buffer made or dropped as `withIndex` asks). */
  restart(withIndex: boolean): void {
    this.count = 0;
    if (!withIndex) this.index = undefined;
    else if (!this.index || this.index.length !== this.edges.length) this.index = new Uint8Array(this.edges.length);
  }

  /**
   * The edges gathered (and the index levels, when kept) as views of the list's
   * buffers, which stay the list's: they hold until its next restart() or push().
   */
  peek(): { edges: Float64Array; index?: Uint8Array } {
    const n = this.count;
    return { edges: this.edges.subarray(0, n), ...(this.index ? { index: this.index.subarray(0, n) } : {}) };
  }

  /**
   * The edges gathered (and the index levels, when kept): views of the list's
   * buffers when they are at least half full (a capture's ~0.6 MB of edges not
   * copied once more: the list is done with them), else trimmed copies.
   */
  take(): { edges: Float64Array; index?: Uint8Array } {
    const n = this.count;
    const keep = 2 * n >= this.edges.length;
    const cut = <T extends Float64Array | Uint8Array>(a: T): T => (keep ? (a.subarray(0, n) as T) : (a.slice(0, n) as T));
    const out = { edges: cut(this.edges), ...(this.index ? { index: cut(this.index) } : {}) };
    // (a later push must not write into the views handed out)
    this.edges = new Float64Array(0);
    if (this.index) this.index = new Uint8Array(0);
    this.count = 0;
    return out;
  }
}
