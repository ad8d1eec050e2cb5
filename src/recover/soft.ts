// Soft decisions (issue 11, part 2): when every separator fails a sector, its
// least certain pulses are given their other cell count, a few at a time, and
// the sector is decoded again; a copy is taken only when its check verifies.
//
//   retimed edges of one sector (ID sync … data CRC), each with a margin
//   (0 … 0.5 cell from its rounding boundary) and the other choice (±1 cell)
//        │
//        ▼  the K least certain edges of the data field (repairs first: margin 0)
//   flip sets by rising total margin (1, 2 or 3 edges), pruned by the code's
//   run-length limits (a flip changes the interval before by ±1, after by ∓1)
//        │
//        ▼  each surviving set = one trial: decode the window, check the sector
//   the first set whose data check verifies (same ID key, same place)
//
// Why the total margin: with Gaussian jitter the log-likelihood cost of moving
// an edge across its boundary grows linearly with its margin, so sets in that
// order are the likeliest corrections first.
//
// The trial count is the price: each trial is one more chance that a wrong
// copy passes the check (≈ 2^-W each). The caller bounds it (recover.ts header).
import type { Retimed } from "./separator.js";

export interface SoftTarget {
  /** Sample where the window starts (before the ID's sync) and ends (after the data check). */
  from: number;
  to: number;
  /** Where the data field starts: only edges after it are flipped. */
  dataFrom: number;
}

export interface SoftOptions {
  /** Candidate edges (the least certain). */
  candidates: number;
  /** Largest flip set. */
  maxFlips: number;
  /** Trials (decodes) at most. */
  budget: number;
  cmin: number;
  cmax: number;
}

export const SOFT_DEFAULTS: SoftOptions = { candidates: 14, maxFlips: 3, budget: 400, cmin: 0, cmax: 0 };

/** First index i with a[i] >= x (a increasing). */
function lowerBound(a: ArrayLike<number>, x: number): number {
  let lo = 0, hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid] < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Flip sets for one target, likeliest first, already pruned by the run-length
 * limits: each is a list of absolute edge indices of `r`. At most `o.budget`.
 */
export function flipSets(r: Retimed, t: SoftTarget, o: SoftOptions): number[][] {
  const a = lowerBound(r.edges, t.dataFrom), b = lowerBound(r.edges, t.to);
  const cand: number[] = [];
  for (let i = Math.max(a, 1); i < b - 1; i++) if (r.alt[i] !== 0) cand.push(i);
  cand.sort((x, y) => r.margin[x] - r.margin[y] || x - y);
  const pick = cand.slice(0, o.candidates);
  const sets: { s: number[]; cost: number }[] = [];
  const legal = (s: number[]) => flipsLegal(r, s, o.cmin, o.cmax);
  const rec = (start: number, s: number[], cost: number) => {
    if (s.length > 0 && legal(s)) sets.push({ s: s.slice(), cost });
    if (s.length >= o.maxFlips) return;
    for (let k = start; k < pick.length; k++) {
      s.push(pick[k]);
      rec(k + 1, s, cost + r.margin[pick[k]]);
      s.pop();
    }
  };
  rec(0, [], 0);
  sets.sort((x, y) => x.cost - y.cost || x.s.length - y.s.length);
  return sets.slice(0, o.budget).map((x) => x.s);
}

/** Whether the flips of `s` (each edge moved to its other choice) leave every interval they touch within [cmin, cmax]. */
export function flipsLegal(r: Retimed, s: readonly number[], cmin: number, cmax: number): boolean {
  const delta = new Map<number, number>();
  for (const i of s) {
    delta.set(i, (delta.get(i) ?? 0) + r.alt[i]);
    delta.set(i + 1, (delta.get(i + 1) ?? 0) - r.alt[i]);
  }
  for (const [i, d] of delta) {
    if (i >= r.cells.length) continue;
    const c = r.cells[i] + d;
    if (c < cmin || c > cmax) return false;
  }
  return true;
}

/**
 * The `k` least certain edges of the target's data field whose flip alone
 * keeps the run-length rules (an edge at a limit whose other choice the rules
 * forbid is left out), least margin first.
 */
export function flipCandidates(r: Retimed, t: SoftTarget, k: number, cmin: number, cmax: number): number[] {
  const a = lowerBound(r.edges, t.dataFrom), b = lowerBound(r.edges, t.to);
  const cand: number[] = [];
  for (let i = Math.max(a, 1); i < b - 1; i++) if (r.alt[i] !== 0 && flipsLegal(r, [i], cmin, cmax)) cand.push(i);
  cand.sort((x, y) => r.margin[x] - r.margin[y] || x - y);
  return cand.slice(0, k);
}

/** The window's edges (and index levels) with the flips of `set` applied. */
export function flippedWindow(r: Retimed, t: SoftTarget, set: readonly number[]): { edges: Float64Array; index?: Uint8Array } {
  const a = lowerBound(r.edges, t.from), b = lowerBound(r.edges, t.to);
  const edges = r.edges.slice(a, b);
  for (const i of set) if (i >= a && i < b) edges[i - a] += Math.round(r.alt[i] * r.width[i]);
  for (let i = 1; i < edges.length; i++) if (edges[i] <= edges[i - 1]) edges[i] = edges[i - 1] + 1;
  return { edges, ...(r.index ? { index: r.index.slice(a, b) } : {}) };
}

/** One decision on one edge of a re-timed track. */
export type Decision =
  | { op: "move"; edge: number; cells: number }
  | { op: "delete"; edge: number }
  | { op: "insert"; edge: number; /** Cells after the edge before `edge`. */ at: number };

/**
 * Decisions around a place an ECC syndrome points at (the burst's samples
 * [from, to)): every edge there moved ±1 cell (a repaired one anywhere its
 * two intervals allow), deleted (a spike) or given a lost neighbour (a
 * dropout), as far as the run-length limits allow. The
 * syndrome only says where to look: a copy is taken on its plain check alone.
 */
export function locatedDecisions(r: Retimed, from: number, to: number, cmin: number, cmax: number, budget: number): Decision[] {
  const a = Math.max(1, lowerBound(r.edges, from)), b = Math.min(r.edges.length - 1, lowerBound(r.edges, to) + 1);
  const out: Decision[] = [];
  const ok = (c: number) => c >= cmin && c <= cmax;
  for (let i = a; i < b; i++) {
    const c = r.cells[i], next = r.cells[i + 1];
    if (r.cells[i + 1] + c <= cmax) out.push({ op: "delete", edge: i });
    // a repaired edge (margin 0: an inserted or kept-over-a-spike one) may sit anywhere its interval pair allows
    const reach = r.margin[i] === 0 ? cmax - cmin : 1;
    for (let m = 1; m <= reach; m++) for (const d of [m, -m]) if (ok(c + d) && ok(next - d)) out.push({ op: "move", edge: i, cells: d });
    if (c >= 2 * cmin) {
      const mid = c >> 1;
      for (const k of [mid, c - mid, mid - 1, c - mid + 1]) {
        if (k >= cmin && c - k >= cmin && !out.some((x) => x.op === "insert" && x.edge === i && x.at === k)) out.push({ op: "insert", edge: i, at: k });
      }
    }
  }
  // nearest the middle of the burst first
  const mid = (from + to) / 2;
  out.sort((x, y) => Math.abs(r.edges[x.edge] - mid) - Math.abs(r.edges[y.edge] - mid));
  return out.slice(0, budget);
}

/** The window's edges with decisions applied (at most one per edge; a flip set is moves by `alt`). */
export function decidedWindow(r: Retimed, t: SoftTarget, d: Decision | readonly Decision[]): { edges: Float64Array; index?: Uint8Array } {
  const a = lowerBound(r.edges, t.from), b = lowerBound(r.edges, t.to);
  const at = new Map<number, Decision>();
  for (const x of Array.isArray(d) ? d : [d as Decision]) at.set(x.edge, x);
  const list: number[] = [];
  const lv: number[] = [];
  for (let i = a; i < b; i++) {
    const level = r.index ? r.index[i] : 0;
    const x = at.get(i);
    if (x) {
      if (x.op === "delete") continue;
      if (x.op === "insert" && i > 0) { list.push(Math.round(r.edges[i - 1] + x.at * r.width[i])); lv.push(level); }
      if (x.op === "move") { list.push(Math.round(r.edges[i] + x.cells * r.width[i])); lv.push(level); continue; }
    }
    list.push(r.edges[i]);
    lv.push(level);
  }
  const edges = Float64Array.from(list);
  for (let i = 1; i < edges.length; i++) if (edges[i] <= edges[i - 1]) edges[i] = edges[i - 1] + 1;
  return { edges, ...(r.index ? { index: Uint8Array.from(lv) } : {}) };
}

/** A flip set as decisions (each edge moved to its other choice). */
export function flipDecisions(r: Retimed, set: readonly number[]): Decision[] {
  return set.map((i) => ({ op: "move", edge: i, cells: r.alt[i] }));
}


/**
 * A lost or an extra transition the run-length rules cannot see: an interval
 * of a length rare in this data field split into two equal halves (a lost
 * edge), or two equal intervals of a rare length merged (a spike halfway).
 * Rarest first (the length's count in the field), at most `max`.
 */
export function rareDecisions(r: Retimed, t: SoftTarget, cmin: number, cmax: number, max: number): Decision[] {
  const a = Math.max(1, lowerBound(r.edges, t.dataFrom)), b = Math.min(r.edges.length - 1, lowerBound(r.edges, t.to));
  const hist = new Map<number, number>();
  for (let i = a; i < b; i++) hist.set(r.cells[i], (hist.get(r.cells[i]) ?? 0) + 1);
  const out: { d: Decision; score: number }[] = [];
  for (let i = a; i < b; i++) {
    const c = r.cells[i];
    if (c % 2 === 0 && c / 2 >= cmin) out.push({ d: { op: "insert", edge: i, at: c / 2 }, score: hist.get(c) ?? 0 });
    if (c === r.cells[i + 1] && 2 * c <= cmax) out.push({ d: { op: "delete", edge: i }, score: hist.get(c) ?? 0 });
  }
  out.sort((x, y) => x.score - y.score || x.d.edge - y.d.edge);
  return out.slice(0, max).map((x) => x.d);
}
