// decode(): a capture and options in, records in track order out.
//
// Orchestration only: samples go through the edge kernel in SAMPLE_CAP chunks,
// edges through the track kernel, and the event log into records, statistics
// and the binary streams of spec §6.7. Both backends are driven identically.
import { getKernels } from "./kernels/load.js";
import type { Capture } from "./capture.js";
import { parseOptionStringShared, resolveOptionsShared, type DecodeOptions } from "./options.js";
import { DiskfluxError } from "./errors.js";
import { FAILING_CRC_INPUTS, failingCrcInputsOnly, packedDeltasOf, TrackStream } from "./stream.js";
import { wantsDetection } from "./detect/options.js";
import type { DecodeRequest, DecodeResult } from "./types.js";

export type {
  ChannelMap, DecodeRequest, CrcVerdict, IdRecord, DataRecord, TrackRecord, DecodeStats, BinaryStreams, FieldEvent, DecodeResult,
} from "./types.js";

/** Recovery, loaded on the first decode that asks for it, once (a dynamic import per call costs ~1 ms under a loader hook such as tsx's). */
let recoverModule: Promise<typeof import("./recover/recover.js")> | undefined;

/**
 * Decodes a capture. Options are a sigrok option string or an object with the
 * same keys; "auto" (or any detectable key set to "auto") detects them first
 * and records what was found in `result.detection`.
 *
 * @example
 * import { decode, readCaptureFile } from "diskflux";
 * const capture = await readCaptureFile("hdd_mfm_EV346.sr");
 * const known = await decode(capture, "data_rate=5000000:format=MFM:header_format=3:data_crc_poly=0x140a0445");
 * const found = await decode(capture, "auto"); // same records; found.detection.optionString says how
 */
export async function decode(capture: Capture, options: string | DecodeOptions = {}, request: DecodeRequest = {}): Promise<DecodeResult> {
  if (wantsDetection(options)) {
    const { detect } = await import("./detect/detect.js");
    const found = await detect(capture, options, { ...(request.backend ? { backend: request.backend } : {}), ...(request.channels ? { channels: request.channels } : {}) });
    const result = await decode(capture, found.optionString, request);
    result.detection = found;
    return result;
  }
  if (request.recover) {
    const { recover, ...plain } = request;
    // (what recovery reads: the CRC inputs of records whose check fails; all of them when the caller asks)
    const result = await decode(capture, options, request.keepCrcInputs ? plain : ({ ...plain, [FAILING_CRC_INPUTS]: true } as DecodeRequest));
    const { recoverTrack } = await (recoverModule ??= import("./recover/recover.js"));
    const given = typeof options === "string" ? parseOptionStringShared(result.detection?.optionString ?? options) : result.detection?.options ?? options;
    result.recovery = await recoverTrack(capture, given, result, plain, recover === true ? {} : recover);
    // (FAILING_CRC_INPUTS from the caller: it wants those that fail, the only ones there are)
    if (!request.keepCrcInputs && !failingCrcInputsOnly(request)) {
      for (const r of result.records) if (r.crcInput !== undefined) delete r.crcInput;
    }
    return result;
  }
  const opts = resolveOptionsShared(options);
  if (!(capture.sampleRate > 0) || !Number.isFinite(capture.sampleRate)) {
    throw new DiskfluxError("E_ARGUMENT", "Cannot decode without samplerate: the capture has no valid sample rate");
  }
  if (opts.decoder === "legacy") {
    const { decodeLegacy } = await import("./legacy/decode.js");
    return decodeLegacy(capture, opts, request);
  }
  // decode() runs synchronously once it has the kernels, so the shared instance is safe here.
  const k = await getKernels(request.backend ?? "auto");
  if (capture.kind === "edges") {
    const stream = new TrackStream(k, opts, { sampleRate: capture.sampleRate, source: capture.source }, request);
    const packed = packedDeltasOf(capture);
    if (packed) {
      // a .tr track (src/pool/read.ts): the kernel unpacks its deltas itself, no edge array is built
      const last = stream.pushTrDeltas(packed);
      return stream.finish(last > 0 ? last + 1 : 0);
    }
    stream.pushEdges(capture.edges, capture.index);
    const e = capture.edges;
    return stream.finish(capture.sampleCount ?? (e.length ? e[e.length - 1] + 1 : 0));
  }
  const stream = new TrackStream(k, opts, capture, request);
  stream.pushSamples(capture.samples.subarray(0, capture.sampleCount * capture.unitSize));
  return stream.finish(capture.sampleCount);
}
