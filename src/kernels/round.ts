// Python 3 round(): halves go to the even neighbour (0.5 → 0, 1.5 → 2, 2.5 → 2).
// Spec §0: exact output depends on it; Math.round (halves up) would differ.
// Twin of assembly/round.ts (same results, bit for bit, -0 included).

export function roundHalfEven(x: number): number {
  const f = Math.floor(x);
  const diff = x - f; // exact for |x| < 2^52
  if (diff > 0.5) return f + 1;
  if (diff < 0.5) return f;
  // a tie: f is an integer, even when f / 2 is (exact; cheaper than f % 2, which is fmod)
  return Math.floor(f * 0.5) * 2 === f ? f : f + 1;
}
