// The public API both entries share: src/index.ts (Node) adds the readers that
// take a file path; src/browser.ts is exactly this. One list, so they cannot drift.
export { decode } from "./decode.js";
export type {
  DecodeRequest, DecodeResult, TrackRecord, IdRecord, DataRecord, CrcVerdict, DecodeStats, BinaryStreams, FieldEvent, ChannelMap,
} from "./decode.js";
export { resolveOptions, parseOptionString, OPTION_KEYS } from "./options.js";
export { detect } from "./detect/detect.js";
export type { DetectResult, DetectRequest, DetectEvidence, CrcEvidence, CandidateEvidence, Confidence } from "./detect/detect.js";
export { getGf2Kernel } from "./kernels/gf2-load.js";
export type { Gf2Kernel } from "./kernels/gf2.js";
export type { DecodeOptions, ResolvedOptions, OptionKey } from "./options.js";
export { PRESETS, FORMATS, HEADER_FORMATS } from "./presets.js";
export { readCapture } from "./readers/index.js";
export type { LogicCapture, EdgeCapture, Capture } from "./capture.js";
export { DiskfluxError, isDiskfluxError } from "./errors.js";
export type { DiskfluxErrorCode } from "./errors.js";
export { getKernels, wasmAvailable } from "./kernels/load.js";
export type { BackendChoice } from "./kernels/load.js";
export { fieldLines } from "./annotate/fields.js";
export { sectorTable } from "./report/table.js";
export { annotate, annotationText, annotationChunks, annotationObjects } from "./annotate/index.js";
export { openTrackStream, decodeChunks, TrackStream } from "./stream.js";
export type { StreamSetup, StreamRequest } from "./stream.js";
export { openCaptureStream } from "./readers/stream.js";
export type { CaptureStream } from "./readers/stream.js";
export { readAnyCapture } from "./readers/index.js";
export { readTr, iterTr, openTrStream } from "./readers/tr.js";
export { readVcd } from "./readers/vcd.js";
export { readCsv } from "./readers/csv.js";
export { writeSigrok } from "./writers/sigrok.js";
export { writeTr, writeTrStream } from "./writers/tr.js";
export { writeVcd } from "./writers/vcd.js";
export { assembleImage, assembleReads } from "./image/assemble.js";
export { FLOPPY_GEOMETRIES, findGeometry, geometryByName, matchGeometry } from "./image/geometries.js";
export type { FloppyGeometry } from "./image/geometries.js";
export { writeScp, writeScpDetailed } from "./writers/scp.js";
export { writeHfe, writeHfeDetailed, fluxToCells } from "./writers/hfe.js";
export { writeImd, imdFromImage, imdMode } from "./writers/imd.js";
export type { ImdTrack, ImdSector } from "./writers/imd.js";
export { readImd, imdToImage, imdSectorReads } from "./readers/imd.js";
export type { ImdFile } from "./readers/imd.js";
export { sectorMapText, sectorMapJson } from "./image/map.js";
export { synthTrack } from "./encode/synth.js";
export { addNoise } from "./encode/noise.js";
