// Interval classification and the pulse time label of the legacy decoder (§3.9).
import type { LegacyParams } from "./params.js";

/**
 * Windows an interval is worth (1..4), or 0 when it is out of tolerance (OoTI):
 * the first k with |Δ − k·BC| ≤ 0.2·BC.
 */
export function intervalWindows(p: LegacyParams, delta: number): number {
  const c = p.centres, w = p.windows, tol = p.tolerance;
  for (let i = 0; i < c.length; i++) {
    if (Math.abs(delta - c[i]) <= tol) return w[i];
  }
  return 0;
}

/** The legacy ns label value: int((Δ·1000 + MSps/2) / MSps), truncated like Python int(). */
export function intervalNs(msps: number, delta: number): number {
  return Math.trunc((delta * 1000 + msps / 2) / msps);
}
