// diskflux: decode FM/MFM/RLL disk captures into verified sectors.
// Public API (Node.js). Nothing here runs at import time; the Wasm module loads on first decode.
export * from "./api.js";
export { readCaptureFile, readAnyCaptureFile } from "./readers/index.js";
export { openCaptureFileStream } from "./readers/stream.js";
