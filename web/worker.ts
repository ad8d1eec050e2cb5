// The decoding worker: reads captures, synthesizes the demo, decodes, and builds
// the histogram and timeline rows, so the page's thread never blocks.
//
// Buffers move, they are not copied: the page transfers the file's ArrayBuffer
// here, and every typed array of a result goes back in the transfer list of
// postMessage (owned() first gives a view that does not own its whole buffer —
// e.g. one over Wasm memory or over the held capture — a buffer of its own).
// The worker keeps only the current capture, so new options or another backend
// decode again without the page sending the file twice.
//
// Options with "auto" in them (a capture opened with no `?opts=`) are detected
// first, here, on the chosen backend: detect() finds them, decode() then runs
// with the option string it returns, and the track carries what was found.
import { decode, readCapture, isDiskfluxError, getKernels, wasmAvailable } from "../src/index.js";
import type { Capture, DecodeResult, TrackRecord } from "../src/index.js";
import { demoCapture } from "../src/encode/demo.js";
import { wantsDetection } from "../src/detect/options.js";
import { buildHistogram, buildRows, rowViews } from "./rows.js";
import {
  owned, transferList, type Backend, type CaptureInfo, type DecodedTrack, type TrackDetection, type WorkerRequest, type WorkerResponse,
} from "./protocol.js";

interface WorkerScope {
  postMessage(message: WorkerResponse, transfer?: Transferable[]): void;
  addEventListener(type: "message", listener: (e: MessageEvent<WorkerRequest>) => void): void;
}
const scope = self as unknown as WorkerScope;

let held: { capture: Capture; info: CaptureInfo; demoOptions?: string } | undefined;

// Compile the Wasm module once, in the background, as soon as the worker starts.
const warm = wasmAvailable() ? getKernels("wasm").then(() => true, () => false) : Promise.resolve(false);
void warm.then((wasm) => scope.postMessage({ type: "ready", wasm }));

function infoOf(capture: Capture, fileBytes: number, readMs: number, description?: string): CaptureInfo {
  return {
    source: capture.source ?? "capture",
    ...(description ? { description } : {}),
    sampleRate: capture.sampleRate,
    sampleCount: capture.kind === "logic" ? capture.sampleCount : capture.sampleCount ?? 0,
    channels: capture.kind === "logic" ? capture.channels.map((c) => c.name) : ["edges"],
    fileBytes,
    readMs,
  };
}

/** The options to decode with: the request's, or what detection makes of them when they hold "auto". */
async function resolveAuto(capture: Capture, options: string, backend: Backend): Promise<{ options: string; detection?: TrackDetection }> {
  if (!wantsDetection(options)) return { options };
  const { detect } = await import("../src/detect/detect.js");
  const t0 = performance.now();
  const found = await detect(capture, options, { backend });
  const detection: TrackDetection = {
    requested: options,
    optionString: found.optionString,
    confidence: found.confidence,
    missing: [...found.evidence.missing],
    ...(found.evidence.headerCrc ? { headerCrc: { ...found.evidence.headerCrc } } : {}),
    ...(found.evidence.dataCrc ? { dataCrc: { ...found.evidence.dataCrc } } : {}),
    detectMs: performance.now() - t0,
  };
  return { options: found.optionString, detection };
}

async function decodeHeld(seq: number, requested: string, backend: Backend): Promise<void> {
  if (!held) throw new Error("no capture loaded");
  await warm;
  const { options, detection } = await resolveAuto(held.capture, requested, backend);
  const t0 = performance.now();
  const result = await decode(held.capture, options, { backend, logBytes: true });
  const decodeMs = performance.now() - t0;
  send(seq, result, decodeMs, options, detection);
}

function send(seq: number, result: DecodeResult, decodeMs: number, options: string, detection?: TrackDetection): void {
  if (!held) return;
  const records: TrackRecord[] = result.records.map((r) => ({ ...r, bytes: owned(r.bytes) }));
  const b = result.binary;
  const binary = { id: owned(b.id), idcrc: owned(b.idcrc), data: owned(b.data), datacrc: owned(b.datacrc), iddata: owned(b.iddata) };
  const histogram = buildHistogram(result);
  const rows = buildRows(result);
  const track: DecodedTrack = {
    capture: held.info,
    backend: result.backend,
    decodeMs,
    options,
    ...(held.demoOptions !== undefined ? { demoOptions: held.demoOptions } : {}),
    records,
    stats: result.stats,
    binary,
    fields: result.fields,
    histogram,
    rows,
    ...(detection ? { detection } : {}),
  };
  const views: ArrayBufferView[] = [...records.map((r) => r.bytes), ...Object.values(binary), histogram.counts, ...rowViews(rows)];
  scope.postMessage({ type: "decoded", seq, track }, transferList(views));
}

async function compare(seq: number, requested: string): Promise<void> {
  if (!held) throw new Error("no capture loaded");
  const wasm = await warm;
  // Detect once, then time both backends on the same options.
  const { options } = await resolveAuto(held.capture, requested, wasm ? "wasm" : "js");
  const ms = { wasm: 0, js: 0 } as Record<Backend, number>;
  const results = {} as Record<Backend, DecodeResult>;
  for (const backend of ["wasm", "js"] as const) {
    const t0 = performance.now();
    results[backend] = await decode(held.capture, options, { backend });
    ms[backend] = performance.now() - t0;
  }
  const differences: string[] = [];
  for (const name of ["id", "idcrc", "data", "datacrc", "iddata"] as const) {
    if (!sameBytes(results.wasm.binary[name], results.js.binary[name])) differences.push(name);
  }
  if (JSON.stringify(results.wasm.fields) !== JSON.stringify(results.js.fields)) differences.push("fields");
  if (JSON.stringify(results.wasm.stats) !== JSON.stringify(results.js.stats)) differences.push("stats");
  scope.postMessage({ type: "compared", seq, ms, identical: differences.length === 0, differences });
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

// Requests run one at a time, in order.
let queue: Promise<void> = Promise.resolve();

scope.addEventListener("message", (e) => {
  const req = e.data;
  queue = queue.then(() => handle(req)).catch((err: unknown) => {
    const message = err instanceof Error ? err.message : String(err);
    scope.postMessage({ type: "error", seq: req.seq, ...(isDiskfluxError(err) ? { code: err.code } : {}), message, held: held !== undefined });
  });
});

async function handle(req: WorkerRequest): Promise<void> {
  switch (req.type) {
    case "open": {
      held = undefined;
      const t0 = performance.now();
      const capture = await readCapture(new Uint8Array(req.bytes), req.name);
      held = { capture, info: infoOf(capture, req.bytes.byteLength, performance.now() - t0) };
      return decodeHeld(req.seq, req.options, req.backend);
    }
    case "demo": {
      const t0 = performance.now();
      const demo = demoCapture();
      held = { capture: demo.capture, info: infoOf(demo.capture, 0, performance.now() - t0, demo.description), demoOptions: demo.options };
      return decodeHeld(req.seq, req.options ?? demo.options, req.backend);
    }
    case "decode":
      return decodeHeld(req.seq, req.options, req.backend);
    case "compare":
      return compare(req.seq, req.options);
  }
}
