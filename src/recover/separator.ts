// A tolerant data separator for recovery (issue 11, part 2): leading edges in,
// the same edges re-timed onto an ideal cell grid out, for the decoder's own
// stages (PLL lock, sync marks, framing, CRC) to decode again.
//
// Why: the decoder's PLL (spec §3.4) resets on every pulse whose cell count is
// outside the code's limits and on a lock run broken by one pulse outside
// ±25 % of the sync width; past ~0.1 cell of jitter that happens on most
// records although most edges still sit inside their windows. This separator
// never resets: a gentle PI loop (greaseweazle's "conservative" second PLL and
// its ±10 % clock clamp, recovery-facts §D.1) follows the absolute phase, each
// edge is given the nearest whole number of cells, and the edge is re-written
// at the loop's position for it, so the decoder sees intervals of exactly n
// cells (to the sample). The run-length rules of the code repair what one
// pulse too many or too few breaks:
//
//   spike   an interval < Cmin: one of its two edges is spurious. The one whose
//           removal leaves legal run lengths (with the look-ahead edge) and
//           the smaller phase error goes; the kept edge is marked uncertain
//           (margin 0) with the other choice as its alternative.
//   dropout an interval > Cmax (up to 3·Cmax): a transition was lost. Edges are
//           inserted to split it into legal lengths, as even as possible;
//           each inserted edge is uncertain (margin 0) and may move ±1 cell.
//   longer  left alone (a gap, unformatted area): the decoder resets there.
//   jitter mode (nearMiss): a pulse that misses the limits by less than
//           nearMiss cells past the rounding boundary is an edge jitter moved
//           across it, not a spike or a dropout: it gets the nearest legal
//           count (margin 0, its other choice back the way it came).
//
// Every edge keeps its decision margin (0 … 0.5 cell: how far its phase lay
// from the rounding boundary) and the direction of the other choice, for the
// soft decisions of soft.ts.
//
// Cost: one pass over the edges, O(edges), no allocation per edge beyond the
// output arrays (sized 1.5 × the input).

/** One tolerant separator setting. */
export interface SeparatorSetting {
  /** Name for the evidence. */
  name: string;
  /** Phase gain (fraction of the phase error taken per edge). */
  kp: number;
  /** Frequency gain (fraction of the per-cell phase error added to the cell width). */
  ki: number;
  /** Cell-width clamp, fraction of the nominal cell (greaseweazle: 0.10). */
  clamp: number;
  /**
   * Jitter mode: a pulse that misses the code's limits by less than this
   * (cells past the rounding boundary) is a jittered edge given the nearest
   * legal count, not a spike or a lost transition (0 or absent: repair).
   */
  nearMiss?: number;
}

/**
 * The tolerant separators tried in order (at least two, so that 16-bit checks
 * can require two that agree). The first two repair every pulse outside the
 * limits as a spike or a dropout; the third (jitter mode) takes a pulse that
 * misses the limits by less than a quarter cell for a jittered edge. Chosen on
 * the noise report's damaged set (seed 7; whole track, sectors with good ID
 * and data, of 304; the first row as a single separator, the rest in turn):
 *
 *   kp / ki          jitter 0.10  jitter 0.15  drop 1e-3  spikes 1e-3
 *   0.1  / 0.004         296           6          211         181
 *   0.05 / 0.002         295          17          211         182
 *   0.3  / 0.02          284           0          211         184
 *   0.03 / 0.0005        272          19          209         175
 *
 *   full --recover over the damaged set:  two separators 1486, with a third
 *   of other gains (0.2 / 0.004) 1497, with the jitter-mode third 1503
 *   (jitter 0.15: 124 → 140; seed 11: 1487 → 1509)
 */
export const TOLERANT_SEPARATORS: readonly SeparatorSetting[] = [
  { name: "tolerant", kp: 0.1, ki: 0.004, clamp: 0.1 },
  { name: "tolerant-slow", kp: 0.05, ki: 0.002, clamp: 0.1 },
  { name: "tolerant-jitter", kp: 0.1, ki: 0.004, clamp: 0.1, nearMiss: 0.25 },
];

export interface Retimed {
  /** Re-timed edge positions (whole samples, strictly increasing). */
  edges: Float64Array;
  /** Index level per edge, when the input had one. */
  index?: Uint8Array;
  /** Cells in the interval that ends at each edge (0 for the first). */
  cells: Int32Array;
  /** Decision margin per edge in cells, 0 … 0.5 (0: a repair, or a coin toss). */
  margin: Float32Array;
  /** The other choice for each edge: -1 or +1 cell (0: none). */
  alt: Int8Array;
  /** Local cell width (samples) at each edge. */
  width: Float32Array;
  /** Spurious edges removed and lost edges inserted. */
  removed: number;
  inserted: number;
}

/**
 * Re-times `edges` (leading-edge sample positions, increasing) onto the cell
 * grid of a tolerant PLL. h0: nominal cell width in samples; cmin/cmax: the
 * code's run-length limits in cells (spec §2.2).
 */
export function retime(
  edges: ArrayLike<number>, index: ArrayLike<number> | undefined, h0: number, cmin: number, cmax: number, s: SeparatorSetting,
): Retimed {
  const n = edges.length;
  const cap = Math.ceil(n * 1.5) + 8;
  const out = new Float64Array(cap);
  const lvl = index ? new Uint8Array(cap) : undefined;
  const cells = new Int32Array(cap);
  const margin = new Float32Array(cap);
  const alt = new Int8Array(cap);
  const width = new Float32Array(cap);
  // loop state before each kept edge, so a kept edge found spurious can be undone
  const phiAt = new Float64Array(cap);
  const hAt = new Float64Array(cap);
  const hMin = h0 * (1 - s.clamp), hMax = h0 * (1 + s.clamp);
  let m = 0;
  let removed = 0, inserted = 0;
  if (n === 0) return { edges: out.slice(0, 0), ...(lvl ? { index: lvl.slice(0, 0) } : {}), cells: cells.slice(0, 0), margin: margin.slice(0, 0), alt: alt.slice(0, 0), width: width.slice(0, 0), removed, inserted };
  let phi = edges[0], h = h0;
  const emit = (pos: number, c: number, mg: number, a: number, level: number, prevPhi: number, prevH: number) => {
    let v = Math.round(pos);
    if (m > 0 && v <= out[m - 1]) v = out[m - 1] + 1;
    out[m] = v;
    if (lvl) lvl[m] = level;
    cells[m] = c; margin[m] = mg; alt[m] = a; width[m] = h;
    phiAt[m] = prevPhi; hAt[m] = prevH;
    m++;
  };
  emit(phi, 0, 0.5, 0, index ? index[0] : 0, phi, h);
  // one loop step for an edge at t judged n cells after the last kept one
  const step = (t: number, c: number) => {
    const e = t - (phi + c * h); // phase error, samples
    phi = phi + c * h + s.kp * e;
    h = Math.min(hMax, Math.max(hMin, h + (s.ki * e) / c));
  };
  const quant = (t: number, from: number, hh: number) => {
    const x = (t - from) / hh;
    const c = Math.round(x);
    return { c, r: x - c };
  };
  for (let i = 1; i < n; i++) {
    const t = edges[i];
    const level = index ? index[i] : 0;
    let { c, r } = quant(t, phi, h);
    const near = s.nearMiss ?? 0;
    if (near > 0 && ((c < cmin && c + r >= cmin - 0.5 - near) || (c > cmax && c + r <= cmax + 0.5 + near))) {
      // a jittered edge just past the limits: the nearest legal count, margin 0, its other choice the way it came from
      const legalC = c < cmin ? cmin : cmax;
      const prevPhi = phi, prevH = h;
      step(t, legalC);
      emit(phi, legalC, 0, c < cmin ? -1 : 1, level, prevPhi, prevH);
      continue;
    }
    if (c < cmin) {
      if (c <= 0 || m < 2) { removed++; continue; } // within half a cell of the last edge: a duplicate
      // a spike: drop this edge (A) or the last kept one (B), judged with the next edge
      const next = i + 1 < n ? edges[i + 1] : undefined;
      let dropCurrent = true;
      const pPhi = phiAt[m - 1], pH = hAt[m - 1];
      const b1 = quant(t, pPhi, pH); // B: this edge right after the one before the last kept
      if (b1.c >= cmin && b1.c <= cmax) {
        const a2 = next !== undefined ? quant(next, phi, h) : undefined; // A: next after the last kept
        const b2 = next !== undefined ? quant(next, pPhi + b1.c * pH, pH) : undefined;
        const legal = (q: { c: number } | undefined) => q === undefined || (q.c >= cmin && q.c <= cmax);
        const costA = (legal(a2) ? 0 : 1) + Math.abs(a2?.r ?? 0);
        const costB = (legal(b2) ? 0 : 1) + Math.abs(b1.r) + Math.abs(b2?.r ?? 0);
        dropCurrent = costA <= costB;
      }
      removed++;
      if (dropCurrent) {
        // the kept edge might have been the spike: its other choice moves it by the short interval
        margin[m - 1] = 0;
        alt[m - 1] = c > 0 ? 1 : -1;
        continue;
      }
      // undo the last kept edge and judge this one from the edge before it
      m--;
      phi = phiAt[m]; h = hAt[m];
      ({ c, r } = quant(t, phi, h));
      const prevPhi = phi, prevH = h;
      step(t, c);
      emit(phi, c, 0, c > cmin ? -1 : 0, level, prevPhi, prevH);
      continue;
    }
    if (c > cmax && c <= 3 * cmax) {
      // lost transitions: split into legal lengths, as even as possible
      const parts = Math.ceil(c / cmax);
      let left = c;
      for (let k = 0; k < parts - 1; k++) {
        const piece = Math.max(cmin, Math.min(cmax, Math.round(left / (parts - k))));
        const prevPhi = phi, prevH = h;
        phi += piece * h; // no error information: the loop coasts
        emit(phi, piece, 0, 1, level, prevPhi, prevH);
        inserted++;
        left -= piece;
      }
      c = left;
    }
    const prevPhi = phi, prevH = h;
    step(t, Math.max(1, c));
    emit(phi, c, 0.5 - Math.abs(r), r >= 0 ? 1 : -1, level, prevPhi, prevH);
  }
  return {
    edges: out.slice(0, m), ...(lvl ? { index: lvl.slice(0, m) } : {}),
    cells: cells.slice(0, m), margin: margin.slice(0, m), alt: alt.slice(0, m), width: width.slice(0, m), removed, inserted,
  };
}
