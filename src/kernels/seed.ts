// The seed benchmark's harness — TypeScript twin of assembly/seed.ts. Spec §9.
//
//     SR = (SR << w) | 1 ;  P += w ;  if P + D >= 16 → decode one byte
//
// FM: 0x5555 fold (§4.2); RLL: IBM table decoder (§4.3). seedHash is an FNV-1a
// of the decoded bytes, to check that both backends decode the same stream.
import { fmFold, rllDecodeStep, RLL_NONE } from "./cells.js";

export class Seed {
  private sr = 0; private p = 0; private d = 0; private acc = 0; private hash = 0x811c9dc5;

  seedReset(): void {
    this.sr = 0; this.p = 0; this.d = 0; this.acc = 0; this.hash = 0x811c9dc5;
  }

  seedHash(): number {
    return this.hash >>> 0;
  }

  private rllByte(): number {
    for (;;) {
      if (this.d >= 16) {
        this.d -= 16;
        const v = (this.acc >>> (this.d >> 1)) & 0xff;
        this.acc &= 0xf;
        return v;
      }
      const step = rllDecodeStep(this.sr, this.p, 0);
      if (step === RLL_NONE) {
        if (this.p >= 8) { this.p -= 16 - this.d; this.d = 0; }
        return -1;
      }
      const len = step >>> 8;
      this.acc = ((this.acc << (len >>> 1)) | (step & 0xff)) >>> 0;
      this.d += len;
      this.p -= len;
    }
  }

  /** rll = 0: FM fold; 1: IBM RLL. Widths in samples[0, len). */
  seedRun(samples: Uint8Array, len: number, rll: number): number {
    let bytes = 0;
    let sr = this.sr, hash = this.hash;
    for (let i = 0; i < len; i++) {
      const w = samples[i];
      sr = ((sr << w) | 1) >>> 0;
      this.p += w;
      if (this.p + this.d >= 16) {
        let v: number;
        if (rll) {
          this.sr = sr;
          v = this.rllByte();
        } else {
          this.p -= 16;
          v = fmFold(sr >>> this.p);
        }
        if (v >= 0) {
          bytes++;
          hash = Math.imul(hash ^ v, 0x01000193) >>> 0;
        }
      }
    }
    this.sr = sr;
    this.hash = hash;
    return bytes;
  }
}
