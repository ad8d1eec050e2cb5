// diskflux for browsers (the package's "browser" entry, `diskflux/browser`): the
// public API of src/index.ts without what reads files by path, which needs
// Node.js: readCaptureFile, readAnyCaptureFile, openCaptureFileStream. Pass the
// bytes instead (readCapture, readAnyCapture, openCaptureStream; File.bytes()
// or arrayBuffer() in a page).
//
// The modules below reach Node built-ins only through dynamic imports behind
// `typeof process` checks (node:zlib for inflating, node:fs/promises and
// node:path for paths). The browser build (tsup.config.ts) resolves every
// node: specifier to a module that throws when loaded, so dist/browser holds no
// import of a Node built-in at all; test/package.test.ts checks that, and that
// every other export of src/index.ts is here too (both take src/api.ts).
export * from "./api.js";
// The worker pool on Web Workers (src/index.ts has the same names on worker_threads).
export { decodeMany, liveWorkers } from "./pool/web.js";
export type {
  WebDecodeManyOptions, DecodeManyOptions, PoolInput, PoolInputs, PoolItem, PoolResult, TrackInput, FileInput, TrTrackInput, PoolError, PoolErrorCode,
} from "./pool/web.js";
