// Flip sets found through the check's linearity (issue 11, part 2): instead of
// decoding every set of 2 or 3 flips, decode each candidate flip once, note how
// it changes the syndrome, and look for the sets whose changes add up to the
// syndrome of the failing copy.
//
//   s0   syndrome of the copy as separated (check computed ⊕ check read; 0 = good)
//   Δi   syndrome of the copy with flip i alone, ⊕ s0
//
//   a CRC is linear over GF(2): for a record of fixed length, flips whose bit
//   changes do not touch each other change the syndrome by the XOR of their Δ:
//
//        s(flips i, j, k) = s0 ⊕ Δi ⊕ Δj ⊕ Δk        → 0 when Δi ⊕ Δj ⊕ Δk = s0
//
//   pairs: one hash look-up per i (s0 ⊕ Δi); triples: one per pair (s0 ⊕ Δi ⊕ Δj).
//
// The sets found are only proposals: each is decoded again and taken only when
// the copy's own check verifies (the bit changes of RLL code words next to each
// other do not add, so a proposal can fail). Every set looked at counts as a
// trial in the bound: each one could match s0 by chance with ≈ 2^-W
// (considered(n) below; recover.ts header).

/** One candidate flip: its edge(s) and the syndrome change it makes. */
export interface FlipEffect {
  /** Candidate index (the caller's). */
  index: number;
  /** Δ: the flip's syndrome ⊕ s0. */
  delta: bigint;
  /** Its cost (decision margin: the likelier flips cost less). */
  cost: number;
}

/** Sets of flips looked at for `n` candidates and sets of up to `maxFlips` (3: n + C(n,2) + C(n,3)). */
export function considered(n: number, maxFlips = 3): number {
  let total = 0, c = 1;
  for (let k = 1; k <= maxFlips; k++) {
    c = (c * (n - k + 1)) / k;
    if (c > 0) total += c;
  }
  return Math.round(total);
}

/**
 * The sets of 2 or 3 candidates (indices into `effects`' own `index`) whose
 * syndrome changes add up to s0, cheapest first, at most `max`.
 *
 * @example
 * // flips 0 and 2 together cancel the syndrome 0b110
 * combine(0b110n, [{ index: 0, delta: 0b100n, cost: 0.1 }, { index: 1, delta: 0b001n, cost: 0.1 }, { index: 2, delta: 0b010n, cost: 0.2 }], 10);
 * // → [[0, 2]]
 */
export function combine(s0: bigint, effects: readonly FlipEffect[], max: number, maxFlips = 3): number[][] {
  const byDelta = new Map<bigint, number[]>();
  effects.forEach((e, k) => {
    const list = byDelta.get(e.delta);
    if (list) list.push(k);
    else byDelta.set(e.delta, [k]);
  });
  const found: { set: number[]; cost: number }[] = [];
  const seen = new Set<string>();
  const add = (ks: number[]) => {
    ks.sort((a, b) => a - b);
    const key = ks.join(",");
    if (seen.has(key)) return;
    seen.add(key);
    found.push({ set: ks.map((k) => effects[k].index), cost: ks.reduce((a, k) => a + effects[k].cost, 0) });
  };
  for (let i = 0; i < effects.length; i++) {
    for (const j of byDelta.get(s0 ^ effects[i].delta) ?? []) if (j > i) add([i, j]);
    if (maxFlips < 3) continue;
    for (let j = i + 1; j < effects.length; j++) {
      for (const k of byDelta.get(s0 ^ effects[i].delta ^ effects[j].delta) ?? []) if (k > j) add([i, j, k]);
    }
  }
  if (maxFlips >= 4) {
    // two pairs: a table of every pair's Δ, one look-up per pair
    const pairs = new Map<bigint, [number, number][]>();
    for (let i = 0; i < effects.length; i++) {
      for (let j = i + 1; j < effects.length; j++) {
        const d = effects[i].delta ^ effects[j].delta;
        const list = pairs.get(d);
        if (list) list.push([i, j]);
        else pairs.set(d, [[i, j]]);
      }
    }
    for (let i = 0; i < effects.length; i++) {
      for (let j = i + 1; j < effects.length; j++) {
        for (const [k, l] of pairs.get(s0 ^ effects[i].delta ^ effects[j].delta) ?? []) if (k > j) add([i, j, k, l]);
      }
    }
  }
  found.sort((a, b) => a.cost - b.cost || a.set.length - b.set.length);
  return found.slice(0, max).map((f) => f.set);
}
