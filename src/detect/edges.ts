// The leading edges of a capture through the edge kernel (spec §1.1), so that
// detection decodes the same track many times without touching samples again.
// An EdgeCapture decodes to the same records as the samples it came from.
import * as A from "../kernels/abi.js";
import type { Kernels } from "../kernels/backend.js";
import type { Capture, EdgeCapture } from "../capture.js";
import { packChannels, resolveChannel } from "../stream.js";
import type { ChannelMap } from "../types.js";
import { EdgeList } from "../edge-list.js";

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
  const list = new EdgeList(bits[1] >= 0);
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
    list.push(k.edges, k.index, n);
  }
  return {
    kind: "edges",
    sampleRate: capture.sampleRate,
    ...list.take(),
    sampleCount: units,
    ...(capture.source !== undefined ? { source: capture.source } : {}),
  };
}
