// The seed harness of spec §9 written as plainly as possible, pulse by pulse,
// with the cascade of §4.3: the reference the optimised kernels (both
// backends) are checked against before bench:seed times them.
import { fmFold, rllDecodeStep, RLL_NONE } from "../src/kernels/cells.js";

export class SeedReference {
  sr = 0; p = 0; d = 0; acc = 0; hash = 0x811c9dc5;

  /** rll = 0: FM fold; 1: IBM RLL. Returns bytes decoded from widths. */
  run(widths: Uint8Array, rll: number): number {
    let bytes = 0;
    for (const w of widths) {
      this.sr = ((this.sr << w) | 1) >>> 0;
      this.p += w;
      if (rll === 0) {
        if (this.p >= 16) {
          this.p -= 16;
          this.emit(fmFold(this.sr >>> this.p));
          bytes++;
        }
      } else if (this.p + this.d >= 16 && this.rllByte()) {
        bytes++;
      }
    }
    return bytes;
  }

  private emit(v: number): void {
    this.hash = Math.imul(this.hash ^ v, 0x01000193) >>> 0;
  }

  private rllByte(): boolean {
    for (;;) {
      if (this.d >= 16) {
        this.d -= 16;
        this.emit((this.acc >>> (this.d >> 1)) & 0xff);
        this.acc &= 0xf;
        return true;
      }
      const step = rllDecodeStep(this.sr, this.p, 0);
      if (step === RLL_NONE) {
        if (this.p >= 8) { this.p -= 16 - this.d; this.d = 0; }
        return false;
      }
      const len = step >>> 8;
      this.acc = ((this.acc << (len >>> 1)) | (step & 0xff)) >>> 0;
      this.d += len;
      this.p -= len;
    }
  }
}
