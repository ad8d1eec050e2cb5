// The WebAssembly backend: one instance of build/diskflux.wasm, typed-array views
// on its static regions, and the exports bound to the Kernels interface.
import type { Kernels } from "./backend.js";
import { decodeBase64 } from "./base64.js";
import * as A from "./abi.js";

interface Exports {
  memory: WebAssembly.Memory;
  samplesPtr(): number; edgesPtr(): number; indexPtr(): number; cellsPtr(): number; eventsPtr(): number;
  outPtr(): number; cfgF64Ptr(): number; cfgI32Ptr(): number; marksPtr(): number; markClassPtr(): number; statusPtr(): number;
  edgesReset(): void;
  edgesExtract(len: number, base: number, dataBit: number, indexBit: number, suppressBit: number, rising: number): number;
  trackConfigure(): void;
  trackRun(first: number, count: number): number;
  decodeSamples(len: number, base: number, dataBit: number, indexBit: number, suppressBit: number, rising: number): number;
  decodeTrDeltas(len: number, t0: number): number;
  trUnpack(len: number, t0: number): number;
  seedReset(): void;
  seedRun(len: number, rll: number): number;
  seedHash(): number;
  crcCompute(width: number, polyHi: number, polyLo: number, initHi: number, initLo: number, len: number): bigint;
}

let compiled: Promise<WebAssembly.Module> | undefined;

export function compileKernelModule(): Promise<WebAssembly.Module> {
  compiled ??= import("../../build/diskflux-wasm.js").then((m) => WebAssembly.compile(decodeBase64(m.wasmBase64)));
  return compiled;
}

/** A new instance of the compiled kernel module (each has its own memory). */
export async function instantiateKernelModule(): Promise<WebAssembly.Instance> {
  return WebAssembly.instantiate(await compileKernelModule(), {
    env: {
      abort(_msg: number, _file: number, line: number, col: number): never {
        throw new Error(`diskflux wasm kernel aborted at ${line}:${col}`);
      },
    },
  });
}

export async function createWasmKernels(): Promise<Kernels> {
  const instance = await instantiateKernelModule();
  const x = instance.exports as unknown as Exports;
  const buf = x.memory.buffer;
  return {
    backend: "wasm",
    samples: new Uint8Array(buf, x.samplesPtr(), A.SAMPLE_CAP + 16),
    edges: new Float64Array(buf, x.edgesPtr(), A.EDGE_CAP),
    index: new Uint8Array(buf, x.indexPtr(), A.EDGE_CAP),
    cells: new Int32Array(buf, x.cellsPtr(), A.EDGE_CAP),
    events: new Float64Array(buf, x.eventsPtr(), A.EVENT_CAP * A.EVENT_STRIDE),
    out: new Uint8Array(buf, x.outPtr(), A.OUT_CAP),
    cfgF64: new Float64Array(buf, x.cfgF64Ptr(), A.CFG_F64_LEN),
    cfgI32: new Int32Array(buf, x.cfgI32Ptr(), A.CFG_I32_LEN),
    marks: new Int32Array(buf, x.marksPtr(), A.MAX_MARKS * A.MARK_STRIDE),
    markClass: new Uint8Array(buf, x.markClassPtr(), 256),
    status: new Int32Array(buf, x.statusPtr(), A.STATUS_LEN),
    edgesReset: x.edgesReset,
    edgesExtract: x.edgesExtract,
    trackConfigure: x.trackConfigure,
    trackRun: x.trackRun,
    decodeSamples: x.decodeSamples,
    decodeTrDeltas: x.decodeTrDeltas,
    trUnpack: x.trUnpack,
    seedReset: x.seedReset,
    seedRun: x.seedRun,
    seedHash: () => x.seedHash() >>> 0,
    crcCompute(width, polyHi, polyLo, initHi, initLo, len) {
      const v = BigInt.asUintN(64, x.crcCompute(width, polyHi, polyLo, initHi, initLo, len));
      return [Number(v >> 32n), Number(v & 0xffffffffn)];
    },
  };
}
