// The ECC burst corrector (recovery-facts.md §A) on either backend: the
// TypeScript twin (src/kernels/ecc.ts) or the Wasm kernel (assembly/ecc.ts),
// both behind EccKernel. The Wasm kernel runs in its own instance of the kernel
// module, created lazily once, so it never touches the decoders' memory.
//
// Wasm memory (regions of assembly/ecc.ts, constants in src/kernels/ecc-abi.ts):
//   record u8 [ECC_RECORD_CAP]  ← correct() copies the record here, and back when corrected
//   out    u32 [EO_LEN]         → status, burst start/length/pattern, syndrome
//
// The span (maxBurst) is the caller's: src/recover/spans.ts holds the table.
import * as E from "./ecc-abi.js";
import { JsEccCore, type EccCore } from "./ecc.js";
import { ownInstanceLoader } from "./own-instance.js";
import { DiskfluxError } from "../errors.js";

/** 0 = clean (the check verifies), 1 = corrected, 2 = uncorrectable. */
export type EccStatus = typeof E.ECC_CLEAN | typeof E.ECC_CORRECTED | typeof E.ECC_UNCORRECTABLE;

export interface EccParams {
  /** Check width in bits: 8..56, a multiple of 8 (the ECC codes: 32, 48, 56). */
  width: number;
  /** P, the polynomial without its x^W term (0x140a0445, 0x181814503011n, …); must be odd. */
  poly: bigint | number;
  /** The register's start value (any: the syndrome does not depend on it). Default 0. */
  init?: bigint | number;
  /** Longest burst to correct, 0..width bits (0 = detect only). Take it from src/recover/spans.ts. */
  maxBurst: number;
}

export interface EccResult {
  status: EccStatus;
  /** First bit of the burst from the start of the record (bit 0 = MSB of byte 0); 0 unless corrected. */
  startBit: number;
  /** Bits from the burst's first to its last error bit; 0 unless corrected. */
  length: number;
  /** The error pattern (`length` bits, MSB at startBit), high and low 32 bits; 0 unless corrected. */
  patternHi: number;
  patternLo: number;
  /** The syndrome (register over the whole record from init), high and low 32 bits; 0 when clean. */
  syndromeHi: number;
  syndromeLo: number;
  /** Single bursts inside the record that explain the syndrome (1 when corrected, ≥ 2 when ambiguous). */
  candidates: number;
  /** An ECC_REASON_* of src/kernels/ecc-abi.ts: why it is uncorrectable. */
  reason: number;
}

export interface EccKernel {
  readonly backend: "wasm" | "js";
  /**
   * Checks `record` (message bytes then the W/8 check bytes, big endian) and,
   * when a single burst of at most maxBurst bits explains the syndrome,
   * corrects it in place; the record's check then verifies. Otherwise the
   * record is left unchanged.
   */
  correct(record: Uint8Array, params: EccParams): EccResult;
}

/** The exports assembly/index.ts gets from assembly/ecc.ts. */
export interface EccExports {
  memory: WebAssembly.Memory;
  eccRecordPtr(): number;
  eccOutPtr(): number;
  eccCorrect(len: number, width: number, polyHi: number, polyLo: number, initHi: number, initLo: number, maxBurst: number): number;
}

export function hasEccExports(x: unknown): x is EccExports {
  const e = x as Partial<EccExports> | null;
  return typeof e === "object" && e !== null && e.memory instanceof WebAssembly.Memory &&
    typeof e.eccCorrect === "function" && typeof e.eccRecordPtr === "function" && typeof e.eccOutPtr === "function";
}

/** The Wasm kernel behind EccCore (its views are built once: the module's memory never grows). */
export class WasmEccCore implements EccCore {
  readonly backend = "wasm";
  readonly record: Uint8Array;
  readonly out: Uint32Array;

  constructor(private readonly x: EccExports) {
    this.record = new Uint8Array(x.memory.buffer, x.eccRecordPtr(), E.ECC_RECORD_CAP);
    this.out = new Uint32Array(x.memory.buffer, x.eccOutPtr(), E.EO_LEN);
  }

  run(len: number, width: number, polyHi: number, polyLo: number, initHi: number, initLo: number, maxBurst: number): number {
    return this.x.eccCorrect(len, width, polyHi, polyLo, initHi, initLo, maxBurst);
  }
}

function toBig(name: string, v: bigint | number | undefined): bigint {
  if (v === undefined) return 0n;
  if (typeof v === "number") {
    if (!Number.isSafeInteger(v) || v < 0) throw new DiskfluxError("E_ARGUMENT", `ECC ${name} must be a non-negative integer (a bigint above 2^53), got ${v}`);
    return BigInt(v);
  }
  if (typeof v !== "bigint" || v < 0n) throw new DiskfluxError("E_ARGUMENT", `ECC ${name} must be a non-negative integer, got ${String(v)}`);
  return v;
}

/** Checks the parameters; returns [polyHi, polyLo, initHi, initLo] masked to the width. */
export function eccArguments(recordLength: number, p: EccParams): [number, number, number, number] {
  const { width, maxBurst } = p;
  if (!Number.isInteger(width) || width < E.ECC_MIN_WIDTH || width > E.ECC_MAX_WIDTH || width % 8 !== 0) {
    throw new DiskfluxError("E_ARGUMENT", `ECC width must be 8..56 bits in steps of 8, got ${String(width)}`);
  }
  if (!Number.isInteger(maxBurst) || maxBurst < 0 || maxBurst > width) {
    throw new DiskfluxError("E_ARGUMENT", `ECC maxBurst must be an integer 0..${width}, got ${String(maxBurst)}`);
  }
  if (recordLength < width / 8 || recordLength > E.ECC_MAX_RECORD) {
    throw new DiskfluxError("E_ARGUMENT", `ECC record must hold ${width / 8}..${E.ECC_MAX_RECORD} bytes (message and check), got ${recordLength}`);
  }
  const mask = (1n << BigInt(width)) - 1n;
  const poly = toBig("poly", p.poly) & mask;
  const init = toBig("init", p.init) & mask;
  if ((poly & 1n) === 0n) {
    throw new DiskfluxError("E_ARGUMENT", `ECC poly 0x${poly.toString(16)} is even: x divides the generator, so no burst can be trapped`);
  }
  return [Number(poly >> 32n), Number(poly & 0xffffffffn), Number(init >> 32n), Number(init & 0xffffffffn)];
}

/** EccKernel over a core (either backend). */
export function eccKernelOf(core: EccCore): EccKernel {
  return {
    backend: core.backend,
    correct(record: Uint8Array, params: EccParams): EccResult {
      const [polyHi, polyLo, initHi, initLo] = eccArguments(record.length, params);
      core.record.set(record);
      const status = core.run(record.length, params.width, polyHi, polyLo, initHi, initLo, params.maxBurst);
      if (status !== E.ECC_CLEAN && status !== E.ECC_CORRECTED && status !== E.ECC_UNCORRECTABLE) {
        throw new DiskfluxError("E_ARGUMENT", `the ECC kernel refused its arguments (status ${status})`);
      }
      const o = core.out;
      if (status === E.ECC_CORRECTED) record.set(core.record.subarray(0, record.length));
      return {
        status,
        startBit: o[E.EO_START],
        length: o[E.EO_LENGTH],
        patternHi: o[E.EO_PAT_HI],
        patternLo: o[E.EO_PAT_LO],
        syndromeHi: o[E.EO_SYN_HI],
        syndromeLo: o[E.EO_SYN_LO],
        candidates: o[E.EO_CANDIDATES],
        reason: o[E.EO_REASON],
      };
    },
  };
}

/** A Wasm ECC kernel of its own from an instantiated module that has the ECC exports. */
export function wasmEccKernel(exports: unknown): EccKernel {
  if (!hasEccExports(exports)) {
    throw new DiskfluxError("E_WASM", "the kernel module has no ECC exports (assembly/index.ts must re-export assembly/ecc.ts)");
  }
  return eccKernelOf(new WasmEccCore(exports));
}

let jsKernel: EccKernel | undefined;

/**
 * The ECC kernel for a backend choice: "js" → TypeScript; "wasm" → the Wasm
 * kernel (an E_WASM error when unavailable); "auto" → Wasm when the module has
 * it, else TypeScript. correct() is synchronous, so one shared instance per
 * backend is safe within a thread.
 */
export const getEccKernel = ownInstanceLoader<EccKernel>({
  name: "ECC",
  source: "assembly/ecc.ts",
  fromExports: (x) => (hasEccExports(x) ? eccKernelOf(new WasmEccCore(x)) : undefined),
  twin: () => (jsKernel ??= eccKernelOf(new JsEccCore())),
});

/** The pattern of a result as a bigint (for reports and tests). */
export function eccPattern(r: EccResult): bigint {
  return (BigInt(r.patternHi) << 32n) | BigInt(r.patternLo);
}
