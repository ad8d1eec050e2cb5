// Opens a capture for streaming: its metadata now, its samples piece by piece.
// sigrok .sr members and DSView .dsl blocks are inflated incrementally, so a
// capture that inflates to gigabytes never sits in memory; other formats are
// read whole, then cut up.
import { ZipArchive, looksLikeZip } from "./zip.js";
import { sigrokSession, sigrokSampleChunks } from "./sigrok.js";
import { dslSession, dslSampleChunks } from "./dsl.js";
import { readCapture, readFileBytes } from "./index.js";
import type { StreamSetup } from "../stream.js";
import type { LogicCapture } from "../capture.js";

export interface CaptureStream {
  setup: StreamSetup & { sampleCount: number };
  /** The samples in order, about chunkBytes at a time. */
  chunks(chunkBytes?: number): AsyncGenerator<Uint8Array>;
}

/**
 * A sigrok .sr or DSView .dsl session from its compressed bytes, with its
 * samples inflated lazily, a chunk at a time (bounded memory for long captures).
 *
 * @example
 * import { decodeChunks, openCaptureStream } from "diskflux";
 * const bytes = new Uint8Array(await (await fetch("long-session.sr")).arrayBuffer());
 * const cap = await openCaptureStream(bytes, "long-session.sr");
 * for await (const record of decodeChunks(cap.chunks(), cap.setup, "data_rate=5000000:format=MFM:header_format=3")) console.log(record.kind);
 */
export async function openCaptureStream(bytes: Uint8Array, source = "capture"): Promise<CaptureStream> {
  if (looksLikeZip(bytes)) {
    const zip = ZipArchive.open(bytes, source);
    if (zip.has("metadata")) {
      const session = await sigrokSession(zip);
      return {
        setup: { sampleRate: session.sampleRate, unitSize: session.unitSize, channels: session.channels, source, sampleCount: session.sampleCount },
        chunks: (chunkBytes = 1 << 20) => sigrokSampleChunks(zip, session, chunkBytes),
      };
    }
    if (isDslZip(zip)) {
      const session = await dslSession(zip);
      return {
        setup: { sampleRate: session.sampleRate, unitSize: session.unitSize, channels: session.channels, source, sampleCount: session.sampleCount },
        chunks: (chunkBytes = 1 << 20) => dslSampleChunks(zip, session, chunkBytes),
      };
    }
  }
  const capture = await readCapture(bytes, source);
  const data = capture.samples.subarray(0, capture.sampleCount * capture.unitSize);
  return {
    setup: { sampleRate: capture.sampleRate, unitSize: capture.unitSize, channels: capture.channels, source, sampleCount: capture.sampleCount },
    async *chunks(chunkBytes = 1 << 20) {
      for (let at = 0; at < data.length; at += chunkBytes) yield data.subarray(at, Math.min(data.length, at + chunkBytes));
    },
  };
}

/**
 * The first samples of a capture, at most `maxBytes` of them (whole units), as
 * a LogicCapture, inflating no further than that: for a look at a session too
 * long to hold (detection; the web page). `sampleCount` is the whole session's;
 * `cut` says whether the capture holds fewer samples than that.
 *
 * @example
 * import { captureHead, decode } from "diskflux";
 * const response = await fetch("long-session.sr");
 * const head = await captureHead(new Uint8Array(await response.arrayBuffer()), "long-session.sr", 64 << 20);
 * if (head.cut) console.log(`the first ${head.capture.sampleCount} of ${head.sampleCount} samples`);
 * const result = await decode(head.capture, "data_rate=5000000:format=MFM");
 */
export async function captureHead(bytes: Uint8Array, source: string, maxBytes: number): Promise<{ capture: LogicCapture; sampleCount: number; cut: boolean }> {
  const s = await openCaptureStream(bytes, source);
  const unit = s.setup.unitSize ?? 1;
  const whole = s.setup.sampleCount * unit;
  const want = Math.floor(Math.min(Math.max(0, maxBytes), whole) / unit) * unit;
  // each chunk copied once, into its place (a stream that ends short of its metadata: cut to what came)
  let samples = new Uint8Array(want);
  let n = 0;
  if (want > 0) {
    for await (const c of s.chunks(Math.min(1 << 22, want))) {
      const take = Math.min(c.length, want - n);
      samples.set(c.subarray(0, take), n);
      n += take;
      if (n >= want) break;
    }
  }
  const units = Math.floor(n / unit);
  if (units * unit < want) samples = samples.slice(0, units * unit);
  const capture: LogicCapture = {
    kind: "logic", sampleRate: s.setup.sampleRate, sampleCount: units, unitSize: unit,
    channels: s.setup.channels ?? [{ index: 0, name: "0" }], samples, source,
  };
  return { capture, sampleCount: s.setup.sampleCount, cut: units < s.setup.sampleCount };
}

/** A DSView session, told apart as readCapture does: a "header" member and L-<channel>/<block> data. */
function isDslZip(zip: ZipArchive): boolean {
  return zip.has("header") && zip.members.some((m) => /^L-\d+\/\d+$/.test(m.name));
}

/**
 * Bytes of samples (sampleCount × unitSize) a .sr or .dsl session holds, from
 * its metadata alone (no sample data is inflated); undefined for anything else
 * or an archive the readers would refuse. For choosing between reading a
 * capture whole and streaming it (openCaptureStream).
 */
export async function sessionSampleBytes(bytes: Uint8Array, source = "capture"): Promise<number | undefined> {
  if (!looksLikeZip(bytes)) return undefined;
  try {
    const zip = ZipArchive.open(bytes, source);
    const s = zip.has("metadata") ? await sigrokSession(zip) : isDslZip(zip) ? await dslSession(zip) : undefined;
    return s === undefined ? undefined : s.sampleCount * s.unitSize;
  } catch {
    return undefined; // the reader reports what is wrong
  }
}

/**
 * Node: openCaptureStream on a file (read as compressed bytes; samples inflate lazily).
 *
 * @example
 * import { openCaptureFileStream, openTrackStream } from "diskflux";
 * const cap = await openCaptureFileStream("long-session.sr");
 * const stream = await openTrackStream(cap.setup, "data_rate=5000000:format=MFM:header_format=3");
 * for await (const chunk of cap.chunks()) stream.pushSamples(chunk);
 * console.log(stream.finish().records.length);
 */
export async function openCaptureFileStream(path: string): Promise<CaptureStream> {
  const { bytes, base } = await readFileBytes(path, "openCaptureStream()");
  return openCaptureStream(bytes, base);
}
