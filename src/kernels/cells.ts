// Cells → data bits — TypeScript twin of assembly/cells.ts. Spec §4.2, §4.3.
//
// FM/MFM: a byte is 16 cells, clock first; only the data cells count.
//
//     SR >> P:  c7 d7 c6 d6 c5 d5 c4 d4 c3 d3 c2 d2 c1 d1 c0 d0
//     & 0x5555:  .  d7  . d6  .  d5  . d4  .  d3  . d2  .  d1  . d0
//     fold:     v = (v + (v>>1)) & 0x3333; (v + (v>>2)) & 0x0F0F; (v + (v>>4)) & 0xFF
//
// RLL(2,7): variable-length code words, oldest cell first (MSB of the window).
//
//     code word   IBM    WD          code word   IBM    WD
//     1000        11     11          000100      000    010
//     0100        10     10          00100100    0010   0010
//     100100      010    000         00001000    0011   0011
//     001000      011    011
//
// rllDecodeStep looks at the P pending cells of SR and returns the first code
// word that matches as (length << 8) | data bits, or RLL_NONE.

export const RLL_NONE = 0;

/** The data bits of 16 FM/MFM cells (bits 15..0 of x) as a byte. */
export function fmFold(x: number): number {
  let v = x & 0x5555;
  v = (v + (v >>> 1)) & 0x3333;
  v = (v + (v >>> 2)) & 0x0f0f;
  return (v + (v >>> 4)) & 0x00ff;
}

/** One RLL code word from the top of the P pending cells of sr. wd = 1 for the WD table. */
export function rllDecodeStep(sr: number, p: number, wd: number): number {
  if (p >= 8) {
    const t8 = (p - 8 >= 32 ? 0 : sr >>> (p - 8)) & 0xff;
    if (t8 === 0x24) return (8 << 8) | 0x2; // 00100100 → 0010
    if (t8 === 0x08) return (8 << 8) | 0x3; // 00001000 → 0011
    return rll6or4(t8 >>> 2, wd);
  }
  if (p >= 6) return rll6or4((sr >>> (p - 6)) & 0x3f, wd);
  if (p >= 4) return rll4((sr >>> (p - 4)) & 0xf);
  return RLL_NONE;
}

function rll6or4(t6: number, wd: number): number {
  if (t6 === 0x24) return (6 << 8) | (wd ? 0x0 : 0x2); // 100100
  if (t6 === 0x08) return (6 << 8) | 0x3; //              001000
  if (t6 === 0x04) return (6 << 8) | (wd ? 0x2 : 0x0); // 000100
  return rll4(t6 >>> 2);
}

function rll4(t4: number): number {
  if (t4 === 0x8) return (4 << 8) | 0x3; // 1000 → 11
  if (t4 === 0x4) return (4 << 8) | 0x2; // 0100 → 10
  return RLL_NONE;
}
