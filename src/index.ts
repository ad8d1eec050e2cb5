// diskflux: decode FM/MFM/RLL disk captures into verified sectors.
// Public API (Node.js). Nothing here runs at import time; the Wasm module loads on first decode.
export * from "./api.js";
export { readCaptureFile, readAnyCaptureFile } from "./readers/index.js";
export { openCaptureFileStream } from "./readers/stream.js";
// The worker pool on worker_threads (src/browser.ts has the same names on Web Workers).
export { decodeMany, liveWorkers } from "./pool/node.js";
export type {
  NodeDecodeManyOptions, DecodeManyOptions, PoolInput, PoolInputs, PoolItem, PoolResult, TrackInput, FileInput, TrTrackInput, PoolError, PoolErrorCode,
} from "./pool/node.js";
