// The seed benchmark's harness — twin of src/kernels/seed.ts. Spec §9.
//
// Replays pulse widths (one byte each, in cells) through a shift register the
// way the original decode_bench.py does, and calls the byte decoder whenever
// 16 cells are pending:
//
//     SR = (SR << w) | 1 ;  P += w ;  while-free: if P + D >= 16 → decode once
//
// FM uses the 0x5555 fold (§4.2), RLL the IBM table decoder (§4.3). State is
// kept across calls so a stream can be fed in chunks. Returns bytes decoded;
// seedHash() is an FNV-1a of every decoded byte, to check both backends agree.
import { SAMPLES } from "./memory";
import { fmFold, rllDecodeStep, RLL_NONE } from "./cells";

let sr: u32 = 0, p: i32 = 0, d: i32 = 0, acc: u32 = 0, hash: u32 = 0x811c9dc5;

export function seedReset(): void {
  sr = 0; p = 0; d = 0; acc = 0; hash = 0x811c9dc5;
}

export function seedHash(): u32 {
  return hash;
}

/** rll = 0: FM fold; 1: IBM RLL. Widths in SAMPLES[0, len). State lives in locals inside the loop. */
export function seedRun(len: i32, rll: i32): i32 {
  let bytes = 0;
  let r = sr, pp = p, dd = d, a = acc, hh = hash;
  if (rll == 0) {
    for (let i = 0; i < len; i++) {
      const w = <u32>load<u8>(SAMPLES + <usize>i);
      r = (r << w) | 1;
      pp += <i32>w;
      if (pp >= 16) {
        pp -= 16;
        hh = (hh ^ <u32>fmFold(r >> <u32>pp)) * 0x01000193;
        bytes++;
      }
    }
  } else {
    for (let i = 0; i < len; i++) {
      const w = <u32>load<u8>(SAMPLES + <usize>i);
      r = (r << w) | 1;
      pp += <i32>w;
      if (pp + dd < 16) continue;
      // one byte from the IBM RLL decoder (§4.3), as decodeByte in track.ts
      for (;;) {
        if (dd >= 16) {
          dd -= 16;
          hh = (hh ^ ((a >> <u32>(dd >> 1)) & 0xff)) * 0x01000193;
          a &= 0xf;
          bytes++;
          break;
        }
        const step = rllDecodeStep(r, pp, 0);
        if (step == RLL_NONE) {
          if (pp >= 8) { pp -= 16 - dd; dd = 0; }
          break;
        }
        const l = step >>> 8;
        a = (a << <u32>(l >>> 1)) | <u32>(step & 0xff);
        dd += l;
        pp -= l;
      }
    }
  }
  sr = r; p = pp; d = dd; acc = a; hash = hh;
  return bytes;
}
