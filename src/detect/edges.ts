// The leading edges of a capture through the edge kernel (spec §1.1), so that
// detection decodes the same track many times without touching samples again.
// An EdgeCapture decodes to the same records as the samples it came from.
import * as A from "../kernels/abi.js";
import type { Kernels } from "../kernels/backend.js";
import type { Capture, EdgeCapture } from "../capture.js";
import { packChannels, resolveChannel } from "../stream.js";
import type { ChannelMap } from "../types.js";

export function captureEdges(k: Kernels, capture: Capture, channels: ChannelMap = {}, leadingEdge: "rising" | "falling" = "rising"): EdgeCapture {
  if (capture.kind === "edges") return capture;
  const setup = { sampleRate: capture.sampleRate, unitSize: capture.unitSize, channels: capture.channels, source: capture.source };
  const bits = [
    resolveChannel(setup, channels.data, 0),
    resolveChannel(setup, channels.index, 1),
    resolveChannel(setup, channels.suppress, 2),
  ];
  const rising = leadingEdge === "rising" ? 1 : 0;
  const units = capture.sampleCount;
  const unit = capture.unitSize;
  let edges = new Float64Array(1 << 16);
  let index = bits[1] >= 0 ? new Uint8Array(1 << 16) : undefined;
  let count = 0;
  k.edgesReset();
  for (let at = 0; at < units; at += A.SAMPLE_CAP) {
    const len = Math.min(A.SAMPLE_CAP, units - at);
    let n: number;
    if (unit === 1) {
      k.samples.set(capture.samples.subarray(at, at + len));
      n = k.edgesExtract(len, at, bits[0], bits[1], bits[2], rising);
    } else {
      packChannels(capture.samples, unit, at, len, bits, k.samples);
      n = k.edgesExtract(len, at, 0, bits[1] >= 0 ? 1 : -1, bits[2] >= 0 ? 2 : -1, rising);
    }
    if (count + n > edges.length) {
      const size = Math.max(edges.length * 2, count + n);
      const grown = new Float64Array(size);
      grown.set(edges.subarray(0, count));
      edges = grown;
      if (index) {
        const g = new Uint8Array(size);
        g.set(index.subarray(0, count));
        index = g;
      }
    }
    edges.set(k.edges.subarray(0, n), count);
    if (index) index.set(k.index.subarray(0, n), count);
    count += n;
  }
  return {
    kind: "edges",
    sampleRate: capture.sampleRate,
    edges: edges.slice(0, count),
    ...(index ? { index: index.slice(0, count) } : {}),
    sampleCount: units,
    ...(capture.source !== undefined ? { source: capture.source } : {}),
  };
}
