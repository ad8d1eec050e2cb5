// Cells → data bits — twin of src/kernels/cells.ts. Spec §4.2, §4.3.
//
//     SR >> P:  c7 d7 c6 d6 c5 d5 c4 d4 c3 d3 c2 d2 c1 d1 c0 d0
//     & 0x5555:  .  d7  . d6  .  d5  . d4  .  d3  . d2  .  d1  . d0  → fold → byte
//
//     RLL code word   IBM    WD          code word   IBM    WD
//     1000            11     11          000100      000    010
//     0100            10     10          00100100    0010   0010
//     100100          010    000         00001000    0011   0011
//     001000          011    011
//
// rllDecodeStep returns (length << 8) | data bits of the first matching code
// word at the top of the P pending cells, or RLL_NONE.

export const RLL_NONE: i32 = 0;

// @ts-ignore: decorator
@inline
export function fmFold(x: u32): i32 {
  let v = x & 0x5555;
  v = (v + (v >> 1)) & 0x3333;
  v = (v + (v >> 2)) & 0x0f0f;
  return <i32>((v + (v >> 4)) & 0x00ff);
}

// @ts-ignore: decorator
@inline
function rll4(t4: u32): i32 {
  if (t4 == 0x8) return (4 << 8) | 0x3;
  if (t4 == 0x4) return (4 << 8) | 0x2;
  return RLL_NONE;
}

// @ts-ignore: decorator
@inline
function rll6or4(t6: u32, wd: i32): i32 {
  if (t6 == 0x24) return (6 << 8) | (wd ? 0x0 : 0x2);
  if (t6 == 0x08) return (6 << 8) | 0x3;
  if (t6 == 0x04) return (6 << 8) | (wd ? 0x2 : 0x0);
  return rll4(t6 >> 2);
}

export function rllDecodeStep(sr: u32, p: i32, wd: i32): i32 {
  if (p >= 8) {
    const t8: u32 = (p - 8 >= 32 ? 0 : sr >> <u32>(p - 8)) & 0xff;
    if (t8 == 0x24) return (8 << 8) | 0x2;
    if (t8 == 0x08) return (8 << 8) | 0x3;
    return rll6or4(t8 >> 2, wd);
  }
  if (p >= 6) return rll6or4((sr >> <u32>(p - 6)) & 0x3f, wd);
  if (p >= 4) return rll4((sr >> <u32>(p - 4)) & 0xf);
  return RLL_NONE;
}
