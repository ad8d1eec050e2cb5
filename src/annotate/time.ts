// Pulse length labels by `time_unit` (spec §6.3), with Python's half-even round().
import { roundHalfEven } from "../kernels/round.js";

export type TimeUnit = "ns" | "us" | "auto" | "window";

/** Returns txt(Δ) for a pulse of `delta` samples. */
export function pulseTimeFormatter(unit: TimeUnit, sampleRate: number, h0: number): (delta: number) => string {
  let u = unit;
  if (u === "auto") u = (1e9 / sampleRate) * h0 > 1000 ? "us" : "ns";
  switch (u) {
    case "us":
      return (delta) => `${roundHalfEven((delta * 1e6) / sampleRate)}us`;
    case "window":
      return (delta) => `${roundHalfEven(delta / h0)}`;
    default:
      return (delta) => `${roundHalfEven((delta * 1e9) / sampleRate)}ns`;
  }
}
