// A byte from 17 queued windows (§3.9, §4.2, §6.2):
//
//   FIFO  0     1  2   3  4  …  15 16
//         d⁻    c7 d7  c6 d6 …  c0 d0        d⁻ = the previous byte's last data window
//
// A window holding any edge is a 1. Data bit i is d_i; clocks are only checked:
// FM needs every clock cell set, MFM flags (previous data, clock, data) = 000,
// 011, 110 or 111.
import type { WindowFifo } from "./fifo.js";

/** Byte value in bits 0..7 and the clock-violation mask (bit i = data bit i) in bits 8..15. */
export function extractByte(f: WindowFifo, fm: boolean): number {
  const count = f.count;
  let prevData = count[f.slot(0)] !== 0 ? 1 : 0;
  let value = 0, bad = 0;
  for (let bit = 7, i = 1; bit >= 0; bit--, i += 2) {
    const c = count[f.slot(i)] !== 0 ? 1 : 0;
    const d = count[f.slot(i + 1)] !== 0 ? 1 : 0;
    value = (value << 1) | d;
    let violation: boolean;
    if (fm) {
      violation = c === 0;
    } else {
      const h = (prevData << 2) | (c << 1) | d;
      violation = h === 0 || h === 3 || h === 6 || h === 7;
    }
    if (violation) bad |= 1 << bit;
    prevData = d;
  }
  return value | (bad << 8);
}
