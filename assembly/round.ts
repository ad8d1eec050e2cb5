// Python 3 round() (halves to even) — twin of src/kernels/round.ts. Spec §0.

// @ts-ignore: decorator
@inline
export function roundHalfEven(x: f64): f64 {
  const f = Math.floor(x);
  const diff = x - f;
  if (diff > 0.5) return f + 1;
  if (diff < 0.5) return f;
  return f % 2 == 0 ? f : f + 1;
}
