// Python 3 round() (halves to even) — twin of src/kernels/round.ts. Spec §0.
//
// f64.nearest is IEEE round-half-to-even, which is exactly Python's round();
// the only difference to the twin's floor-based steps is the sign of a zero
// result: nearest gives -0 for x in [-0.5, 0), the twin +0 (and -0 only for
// x = -0). roundHalfEven returns the twin's bits; the PLL's cell count uses
// nearest directly, because a zero count resets the PLL whatever its sign.

// @ts-ignore: decorator
@inline
export function roundHalfEven(x: f64): f64 {
  const r = nearest<f64>(x);
  return r == 0 && x != 0 ? 0.0 : r;
}
