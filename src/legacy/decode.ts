// decode() for `decoder=legacy`: leading edges (extracted exactly as for the PLL
// decoder, spec §1.1) through the legacy engine, into a DecodeResult. The hot
// loop runs on the requested backend (src/kernels/legacy.ts; "auto" falls back
// to TypeScript while the kernel module lacks the legacy exports).
//
// Logic captures of one byte per sample go through the chosen backend's edge
// kernel in chunks (wider ones through logicToEdges, the same edges).
// The legacy decoder has no binary outputs (§3.9), so the binary streams are
// empty. With { logBytes } or { keepEvents } the edges are kept in the result;
// annotations are rebuilt from them on demand (annotate.ts).
import type { Capture, LogicCapture } from "../capture.js";
import { logicToEdges } from "../capture.js";
import type { ChannelMap, DecodeRequest, DecodeResult } from "../types.js";
import { DiskfluxError } from "../errors.js";
import type { ResolvedOptions } from "../options.js";
import { LegacyEngine } from "./engine.js";
import { intervalWindows } from "./pulse.js";
import { getKernels } from "../kernels/load.js";
import { legacyCore } from "../kernels/legacy.js";
import { SAMPLE_CAP, INDEX_ABSENT } from "../kernels/abi.js";
import { ByteSink } from "../bytesink.js";

/** A channel given by index or name, as a bit number; -1 = none. */
function channelBit(capture: LogicCapture, spec: number | string | null | undefined, fallback: number | null): number | null {
  if (spec === null) return null;
  if (spec === undefined) return fallback !== null && fallback < capture.channels.length ? capture.channels[fallback].index : null;
  if (typeof spec === "number") {
    if (!Number.isInteger(spec) || spec < 0 || spec >= capture.unitSize * 8) {
      throw new DiskfluxError("E_ARGUMENT", `channel ${spec} does not exist in ${capture.source ?? "the capture"} (it has ${capture.channels.length})`);
    }
    return spec;
  }
  const ch = capture.channels.find((c) => c.name === spec);
  if (!ch) {
    throw new DiskfluxError("E_ARGUMENT",
      `no channel named '${spec}' in ${capture.source ?? "the capture"}; channels: ${capture.channels.map((c) => c.name).join(", ")}`);
  }
  return ch.index;
}

/** Windows the legacy tracker may step through in one decode. */
const MAX_WINDOWS = 2 ** 28;

function checkEdges(edges: Float64Array): void {
  let last = 0;
  for (let i = 0; i < edges.length; i++) {
    const t = edges[i];
    if (!(t > last) || !Number.isFinite(t) || t > 2 ** 52) {
      throw new DiskfluxError("E_ARGUMENT", `edge ${i} (${t}) is not a finite sample number after the previous edge (${last}); edges must increase strictly`);
    }
    last = t;
  }
}

export async function decodeLegacy(capture: Capture, opts: ResolvedOptions, request: DecodeRequest = {}): Promise<DecodeResult> {
  const keep = request.logBytes === true || request.keepEvents === true;
  const core = await legacyCore(request.backend ?? "auto");
  const engine = new LegacyEngine(opts, capture.sampleRate, undefined, core);
  const k = await getKernels(request.backend ?? "auto");
  const kept = keep ? { edges: new ByteSink(), index: new ByteSink() } : undefined;
  const push = (edges: Float64Array, count: number, index: Uint8Array | undefined) => {
    engine.push(edges, count, index);
    if (kept) {
      kept.edges.append(new Uint8Array(edges.buffer, edges.byteOffset, count * 8));
      kept.index.append(index ? index.subarray(0, count) : new Uint8Array(count).fill(INDEX_ABSENT));
    }
  };
  let sampleCount: number;
  if (capture.kind === "edges") {
    checkEdges(capture.edges);
    const e = capture.edges;
    // The window tracker steps through every window from sample 0 (width ≥ about 0.4·BC).
    const last = e.length ? e[e.length - 1] : 0;
    if (last / (0.4 * engine.params.bitCell) > MAX_WINDOWS) {
      throw new DiskfluxError("E_LIMIT", `edge at sample ${last}: the legacy decoder steps through every window from sample 0, and that is more than ${MAX_WINDOWS} windows`);
    }
    push(e, e.length, capture.index);
    sampleCount = capture.sampleCount ?? (e.length ? e[e.length - 1] + 1 : 0);
  } else {
    const ch: ChannelMap = request.channels ?? {};
    const data = channelBit(capture, ch.data, 0);
    if (data === null) throw new DiskfluxError("E_ARGUMENT", "the data channel is required");
    const index = channelBit(capture, ch.index, 1), suppress = channelBit(capture, ch.suppress, 2);
    sampleCount = capture.sampleCount;
    if (capture.unitSize === 1) {
      // The edge kernel of the chosen backend, chunk by chunk, as the PLL path does.
      k.edgesReset();
      const rising = opts.leadingEdge === "rising" ? 1 : 0;
      for (let base = 0; base < sampleCount; base += SAMPLE_CAP) {
        const len = Math.min(SAMPLE_CAP, sampleCount - base);
        k.samples.set(capture.samples.subarray(base, base + len));
        const n = k.edgesExtract(len, base, data, index ?? -1, suppress ?? -1, rising);
        push(k.edges, n, index !== null ? k.index : undefined);
      }
    } else {
      const e = logicToEdges(capture, { data, index, suppress, leadingEdge: opts.leadingEdge });
      push(e.edges, e.edges.length, e.index);
    }
  }

  const empty = new Uint8Array(0);
  const result: DecodeResult = {
    backend: core.backend, sampleRate: capture.sampleRate, sampleCount, options: opts,
    records: engine.records, stats: engine.stats(), fields: engine.fields,
    binary: { id: empty, idcrc: empty, data: empty, datacrc: empty, iddata: empty },
  };
  if (kept) {
    const eb = kept.edges.bytes();
    const edges = new Float64Array(eb.buffer, eb.byteOffset, eb.byteLength / 8);
    // Per edge: the windows its interval is worth (0 = out of tolerance); the first edge counts int(BC).
    const cells = new Int32Array(edges.length);
    const p = engine.params;
    for (let i = 0; i < edges.length; i++) cells[i] = intervalWindows(p, i === 0 ? p.firstInterval : edges[i] - edges[i - 1]);
    result.events = new Float64Array(0);
    result.bytesLogged = request.logBytes === true;
    result.edges = { positions: edges, cells, index: kept.index.bytes() };
  }
  return result;
}
