// decode(): a capture and options in, records in track order out.
//
// Orchestration only: samples go through the edge kernel in SAMPLE_CAP chunks,
// edges through the track kernel, and the event log into records, statistics
// and the binary streams of spec §6.7. Both backends are driven identically.
import { getKernels } from "./kernels/load.js";
import type { Capture } from "./capture.js";
import { resolveOptions, type DecodeOptions } from "./options.js";
import { DiskfluxError } from "./errors.js";
import { TrackStream } from "./stream.js";
import type { DecodeRequest, DecodeResult } from "./types.js";

export type {
  ChannelMap, DecodeRequest, CrcVerdict, IdRecord, DataRecord, TrackRecord, DecodeStats, BinaryStreams, FieldEvent, DecodeResult,
} from "./types.js";

/** Decodes a capture. Options are a sigrok option string or an object with the same keys. */
export async function decode(capture: Capture, options: string | DecodeOptions = {}, request: DecodeRequest = {}): Promise<DecodeResult> {
  const opts = resolveOptions(options);
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
    stream.pushEdges(capture.edges, capture.index);
    const e = capture.edges;
    return stream.finish(capture.sampleCount ?? (e.length ? e[e.length - 1] + 1 : 0));
  }
  const stream = new TrackStream(k, opts, capture, request);
  stream.pushSamples(capture.samples.subarray(0, capture.sampleCount * capture.unitSize));
  return stream.finish(capture.sampleCount);
}
