// The GF(2) polynomial kernel on either backend: the Wasm kernel
// (assembly/gf2.ts) in an instance of the kernel module of its own — so it
// never touches the decoding kernels' memory — or its TypeScript twin
// (./gf2.ts). Both are wrapped in the same argument checks, so a bad slot,
// length, width or record throws the same DiskfluxError on both, and what the
// kernels compute is never handed an out-of-range address.
//
// Wasm memory (regions of assembly/gf2.ts, constants in ./gf2-abi.ts):
//   words u32 [GF2_SLOTS * GF2_SLOT_WORDS]   ← slots (read/written by both sides)
//   bytes u8  [GF2_BYTES_CAP]                ← inputs of gf2Load / crcReverse / crcCountMatches
// The module never grows its memory, so the views are built once.
import { GF2_SLOTS, GF2_SLOT_WORDS, GF2_SLOT_BITS, GF2_BYTES_CAP, GF2_MAX_RECORDS, GF2_REFUSED } from "./gf2-abi.js";
import { Gf2Js, type Gf2Kernel } from "./gf2.js";
import { ownInstanceLoader } from "./own-instance.js";
import { DiskfluxError } from "../errors.js";

export type { Gf2Kernel } from "./gf2.js";

/** The exports assembly/index.ts gets from assembly/gf2.ts. */
export interface Gf2Exports {
  memory: WebAssembly.Memory;
  gf2WordsPtr(): number;
  gf2BytesPtr(): number;
  gf2Load(slot: number, len: number): number;
  gf2Degree(slot: number): number;
  gf2Xor(dst: number, src: number): number;
  gf2Mod(a: number, b: number): number;
  gf2Gcd(a: number, b: number): number;
  gf2StripX(slot: number): number;
  gf2Set64(slot: number, hi: number, lo: number): void;
  gf2Mul(a: number, b: number): number;
  crcReverse(width: number, polyHi: number, polyLo: number, finalHi: number, finalLo: number, len: number): bigint;
  crcCountMatches(width: number, polyHi: number, polyLo: number, initHi: number, initLo: number, nrec: number): number;
}

export function hasGf2Exports(x: unknown): x is Gf2Exports {
  const e = x as Partial<Gf2Exports> | null;
  return typeof e === "object" && e !== null && e.memory instanceof WebAssembly.Memory &&
    typeof e.gf2WordsPtr === "function" && typeof e.gf2Gcd === "function" && typeof e.crcReverse === "function" &&
    typeof e.crcCountMatches === "function";
}

/** The raw Wasm backend over an instance's exports (no argument checks). */
function rawWasmGf2(x: Gf2Exports): Gf2Kernel {
  const buf = x.memory.buffer;
  return {
    backend: "wasm",
    words: new Uint32Array(buf, x.gf2WordsPtr(), GF2_SLOTS * GF2_SLOT_WORDS),
    bytes: new Uint8Array(buf, x.gf2BytesPtr(), GF2_BYTES_CAP),
    gf2Load: x.gf2Load,
    gf2Degree: x.gf2Degree,
    gf2Xor: x.gf2Xor,
    gf2Mod: x.gf2Mod,
    gf2Gcd: x.gf2Gcd,
    gf2StripX: x.gf2StripX,
    gf2Set64: x.gf2Set64,
    gf2Mul: x.gf2Mul,
    crcReverse(width, polyHi, polyLo, finalHi, finalLo, len) {
      const v = BigInt.asUintN(64, x.crcReverse(width, polyHi, polyLo, finalHi, finalLo, len));
      return [Number(v >> 32n), Number(v & 0xffffffffn)];
    },
    crcCountMatches: x.crcCountMatches,
  };
}

function bad(msg: string): never {
  throw new DiskfluxError("E_ARGUMENT", msg);
}

function slotOk(s: number, what: string): void {
  if (!Number.isInteger(s) || s < 0 || s >= GF2_SLOTS) bad(`gf2: ${what} slot ${s} is not in 0..${GF2_SLOTS - 1}`);
}

/** A 32-bit word, given as a uint32 or an int32 (both kernels read it as its low 32 bits). */
function u32Ok(v: number, what: string): void {
  if (!Number.isInteger(v) || v < -0x80000000 || v > 0xffffffff) bad(`gf2: ${what} ${v} is not a 32-bit word`);
}

function widthOk(width: number): void {
  if (!Number.isInteger(width) || width < 8 || width > 56 || width % 8 !== 0) {
    bad(`gf2: CRC width ${width} is not one of 8, 16, ..., 56`);
  }
}

function lenOk(len: number, max: number): void {
  if (!Number.isInteger(len) || len < 0 || len > max) bad(`gf2: length ${len} is not in 0..${max}`);
}

/** The same argument checks around either backend; GF2_REFUSED results become E_ARGUMENT errors. */
export function checkedGf2(k: Gf2Kernel): Gf2Kernel {
  const words = k.words;
  return {
    backend: k.backend,
    words,
    bytes: k.bytes,
    gf2Load(slot, len) {
      slotOk(slot, "target");
      lenOk(len, Math.min(GF2_BYTES_CAP, GF2_SLOT_BITS / 8));
      return k.gf2Load(slot, len);
    },
    gf2Degree(slot) {
      slotOk(slot, "the");
      return k.gf2Degree(slot);
    },
    gf2Xor(dst, src) {
      slotOk(dst, "destination");
      slotOk(src, "source");
      return k.gf2Xor(dst, src);
    },
    gf2Mod(a, b) {
      slotOk(a, "dividend");
      slotOk(b, "divisor");
      const d = k.gf2Mod(a, b);
      if (d === GF2_REFUSED) bad("gf2Mod: division by the zero polynomial");
      return d;
    },
    gf2Gcd(a, b) {
      slotOk(a, "first");
      slotOk(b, "second");
      return k.gf2Gcd(a, b);
    },
    gf2StripX(slot) {
      slotOk(slot, "the");
      return k.gf2StripX(slot);
    },
    gf2Set64(slot, hi, lo) {
      slotOk(slot, "target");
      u32Ok(hi, "high word");
      u32Ok(lo, "low word");
      k.gf2Set64(slot, hi, lo);
    },
    gf2Mul(a, b) {
      slotOk(a, "first");
      slotOk(b, "second");
      const d = k.gf2Mul(a, b);
      if (d === GF2_REFUSED) bad(`gf2Mul: the product has degree >= ${GF2_SLOT_BITS} and does not fit a slot`);
      return d;
    },
    crcReverse(width, polyHi, polyLo, finalHi, finalLo, len) {
      widthOk(width);
      u32Ok(polyHi, "poly high word");
      u32Ok(polyLo, "poly low word");
      u32Ok(finalHi, "final high word");
      u32Ok(finalLo, "final low word");
      if ((polyLo & 1) === 0) bad("crcReverse: the CRC polynomial must be odd (have an x^0 term)");
      lenOk(len, GF2_BYTES_CAP);
      return k.crcReverse(width, polyHi, polyLo, finalHi, finalLo, len);
    },
    crcCountMatches(width, polyHi, polyLo, initHi, initLo, nrec) {
      widthOk(width);
      u32Ok(polyHi, "poly high word");
      u32Ok(polyLo, "poly low word");
      u32Ok(initHi, "init high word");
      u32Ok(initLo, "init low word");
      lenOk(nrec, GF2_MAX_RECORDS);
      const checkLen = width / 8;
      for (let i = 0; i < nrec; i++) {
        const off = words[2 * i];
        const len = words[2 * i + 1];
        if (off + len + checkLen > GF2_BYTES_CAP) {
          bad(`crcCountMatches: record ${i} (offset ${off}, ${len} bytes + ${checkLen} check bytes) runs past the ${GF2_BYTES_CAP}-byte region`);
        }
      }
      return k.crcCountMatches(width, polyHi, polyLo, initHi, initLo, nrec);
    },
  };
}

let jsGf2: Gf2Kernel | undefined;

/**
 * The GF(2) kernel of a backend, created once and cached: "js" → the
 * TypeScript twin; "wasm" → the Wasm kernel (an E_WASM error when unavailable);
 * "auto" → Wasm when available and the module has the kernel, else the twin.
 * Each backend is one shared instance with one set of slots: finish a
 * computation before awaiting anything else that may use the same backend.
 *
 * @example
 * import { getGf2Kernel } from "diskflux";
 * const gf = await getGf2Kernel("auto");
 * gf.gf2Set64(0, 0, 0b1011); // slot 0 = x^3 + x + 1
 * gf.gf2Set64(1, 0, 0b0110); // slot 1 = x^2 + x
 * console.log(gf.backend, gf.gf2Mul(0, 1)); // "wasm" 5: slot 0 = x^5 + x^4 + x^3 + x (carry-less product)
 * console.log(gf.gf2Gcd(0, 1)); // 2: gcd(x^5 + x^4 + x^3 + x, x^2 + x) = x^2 + x
 */
export const getGf2Kernel = ownInstanceLoader<Gf2Kernel>({
  name: "GF(2)",
  source: "assembly/gf2.ts",
  fromExports: (x) => (hasGf2Exports(x) ? checkedGf2(rawWasmGf2(x)) : undefined),
  twin: () => (jsGf2 ??= checkedGf2(new Gf2Js())),
});
