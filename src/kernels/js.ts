// The pure-TypeScript backend: the twins of every Wasm kernel over plain typed arrays.
import { allocateMemory, type Kernels } from "./backend.js";
import { Edges } from "./edges.js";
import { Track } from "./track.js";
import { decodeSamples } from "./fused.js";
import { decodeTrDeltas, trUnpack } from "./tr-deltas.js";
import { Seed } from "./seed.js";
import { crcBuildTable, crcUpdate } from "./crc.js";

export function createJsKernels(): Kernels {
  const mem = allocateMemory();
  const edges = new Edges();
  const track = new Track(mem);
  const seed = new Seed();
  return {
    ...mem,
    backend: "js",
    edgesReset: () => edges.reset(),
    edgesExtract: (len, base, dataBit, indexBit, suppressBit, rising) =>
      edges.extract(mem, len, base, dataBit, indexBit, suppressBit, rising),
    trackConfigure: () => track.trackConfigure(),
    trackRun: (first, count) => track.trackRun(first, count),
    decodeSamples: (len, base, dataBit, indexBit, suppressBit, rising) =>
      decodeSamples(mem, edges, track, len, base, dataBit, indexBit, suppressBit, rising),
    decodeTrDeltas: (len, t0) => decodeTrDeltas(mem, track, len, t0),
    trUnpack: (len, t0) => trUnpack(mem, len, t0),
    seedReset: () => seed.seedReset(),
    seedRun: (len, rll) => seed.seedRun(mem.samples, len, rll),
    seedHash: () => seed.seedHash(),
    crcCompute(width, polyHi, polyLo, initHi, initLo, len) {
      const hi = new Uint32Array(256), lo = new Uint32Array(256);
      crcBuildTable(hi, lo, width, polyHi >>> 0, polyLo >>> 0);
      const state = new Uint32Array([initHi >>> 0, initLo >>> 0]);
      crcUpdate(hi, lo, width, state, mem.samples, 0, len);
      return [state[0], state[1]];
    },
  };
}
