// The kernel module: every export the TypeScript wrapper (src/kernels/wasm.ts) uses.
import { SAMPLES, EDGES, INDEX, CELLS, EVENTS, OUT, CFG_F64, CFG_I32, MARKS, MARK_CLASS, STATUS } from "./memory";

export function samplesPtr(): usize { return SAMPLES; }
export function edgesPtr(): usize { return EDGES; }
export function indexPtr(): usize { return INDEX; }
export function cellsPtr(): usize { return CELLS; }
export function eventsPtr(): usize { return EVENTS; }
export function outPtr(): usize { return OUT; }
export function cfgF64Ptr(): usize { return CFG_F64; }
export function cfgI32Ptr(): usize { return CFG_I32; }
export function marksPtr(): usize { return MARKS; }
export function markClassPtr(): usize { return MARK_CLASS; }
export function statusPtr(): usize { return STATUS; }
export { edgesReset, edgesExtract } from "./edges";
export { trackConfigure, trackRun } from "./track";
export { decodeSamples } from "./fused";
export { trUnpack, decodeTrDeltas } from "./tr-deltas";
export { crcCompute } from "./crc";
export { seedReset, seedRun, seedHash } from "./seed";
export { legacyEdgesPtr, legacyConfigPtr, legacyStatusPtr, legacyConfigure, legacyLoad, legacyRun, legacyUnsync } from "./legacy";
export { gf2WordsPtr, gf2BytesPtr, gf2Load, gf2Degree, gf2Xor, gf2Mod, gf2Gcd, gf2StripX, gf2Set64, gf2Mul, crcReverse, crcCountMatches } from "./gf2";
export { eccRecordPtr, eccOutPtr, eccCorrect } from "./ecc";
export { trckBytesPtr, trChecksumUpdate } from "./tr-checksum";
