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
//
// A file of tracks (SuperCard Pro .scp, HxC .hfe, a KryoFlux stream, a .tr), or
// a KryoFlux set given as several files, opens as a *disk* (web/disk.ts, loaded
// on demand): options detected once over the first tracks, every track decoded
// with that option string, the image assembled; progress goes to the page
// between tracks, and a newer request cancels the rest. One track of the held
// disk is then decoded on demand ("track") for the track views, and becomes the
// capture "decode" and "compare" work on.
//
// A disk's tracks decode on a pool of Web Workers started from here
// (src/pool/web.ts, `jobs` of the request, default navigator.hardwareConcurrency
// from 4 cores up; 1: here, one after another); a newer request aborts the pool, which ends every
// worker at once.
//
// A sigrok .sr is read by the fused inflate→edges kernel where it pays
// (fusedPreferred(): browsers; 4.8× the DecompressionStream read + edge
// extraction in Chromium, docs/fused-reader.md): its edges are held and decoded,
// rebuilt when leading_edge changes, and its samples are read only for
// "compare". Anything the kernel leaves to today's path (or a kernel that fails)
// reads the samples as before; a damaged file is E_CORRUPT either way.
import { decode, readCapture, isDiskfluxError, getKernels, wasmAvailable } from "../src/index.js";
import { detectCaptureFormat } from "../src/readers/index.js";
import { fusedPreferred, sigrokEdgesFused } from "../src/readers/fused-edges.js";
import { looksLikeZip, ZipArchive } from "../src/readers/zip.js";
import { sigrokSession } from "../src/readers/sigrok.js";
import { captureHead, sessionSampleBytes } from "../src/readers/stream.js";
import { kryofluxTrackName } from "../src/readers/kryoflux.js";
import type { Capture, DecodeResult, TrackRecord } from "../src/index.js";
import { demoCapture } from "../src/encode/demo.js";
import { wantsDetection } from "../src/detect/options.js";
import { buildHistogram, buildRows, rowViews } from "./rows.js";
import { mergeResults } from "../src/recover/merge.js";
import { howText } from "../src/image/map.js";
import {
  owned, transferList, type Backend, type CaptureInfo, type DecodedTrack, type DiskProgress, type TrackDetection, type TrackSector, type WorkerRequest, type WorkerResponse,
} from "./protocol.js";
import type { DiskFile, HeldDisk } from "./disk.js";

interface WorkerScope {
  postMessage(message: WorkerResponse, transfer?: Transferable[]): void;
  addEventListener(type: "message", listener: (e: MessageEvent<WorkerRequest>) => void): void;
}
const scope = self as unknown as WorkerScope;

/**
 * A sigrok .sr opened through the fused reader: the file's bytes and archive are
 * kept, `capture` holds the leading edges built for `edge` (rebuilt, ~5 ms, when
 * the options' leading_edge changes), and the samples are read only when
 * something needs them ("compare", which times edge extraction too).
 */
interface HeldSr {
  zip: ZipArchive;
  bytes: Uint8Array;
  edge: "rising" | "falling";
  samples?: Capture;
}

let held: { capture: Capture; info: CaptureInfo; demoOptions?: string; place?: DecodedTrack["place"]; sr?: HeldSr } | undefined;
/** The disk file (or KryoFlux set) last opened, while it is the current one. */
let disk: HeldDisk | undefined;
/** The newest request's sequence number: a disk still decoding for an older one stops. */
let latest = 0;

// Compile the Wasm module once, in the background, as soon as the worker starts.
const warm = wasmAvailable() ? getKernels("wasm").then(() => true, () => false) : Promise.resolve(false);
void warm.then((wasm) => scope.postMessage({ type: "ready", wasm }));

/**
 * The most bytes of samples the page decodes of one .sr/.dsl session: a page
 * holds the byte log, rows and timeline of all it decodes (a 1 GiB session took
 * the tab past 6.9 GB, measured 2026-11-27). A longer session shows its first
 * this many, and says so; the command line streams any length.
 */
const PAGE_SAMPLE_BYTES = 64 << 20;

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

// ---------------------------------------------------------------- the fused reader

/** The leading edge an option string asks for (detection keeps the given one; default rising). */
function leadingEdgeOf(options: string): "rising" | "falling" {
  return /(?:^|:)\s*leading_edge\s*=\s*falling\s*(?::|$)/.test(options) ? "falling" : "rising";
}

/**
 * A sigrok .sr's leading edges straight from its compressed members (the fused
 * inflate→edges kernel, src/readers/fused-edges.ts: 4.8× the DecompressionStream
 * read + edge extraction in Chromium, docs/fused-reader.md), with what the page
 * shows of the capture; undefined where today's path must read it (not a sigrok
 * session, a session the kernel leaves to it, a kernel that fails to load).
 * A damaged file (E_CORRUPT) throws, as today's reader would.
 */
async function openSrFused(bytes: Uint8Array, name: string, edge: "rising" | "falling"): Promise<{ capture: Capture; zip: ZipArchive; info: Omit<CaptureInfo, "fileBytes" | "readMs"> } | undefined> {
  if (!fusedPreferred() || !looksLikeZip(bytes)) return undefined;
  try {
    const zip = ZipArchive.open(bytes, name);
    if (!zip.has("metadata")) return undefined;
    // (the session's metadata, for the probe names, inflates while the kernel runs)
    const sessionP = sigrokSession(zip);
    sessionP.catch(() => undefined);
    const capture = await sigrokEdgesFused(zip, { leadingEdge: edge });
    if (!capture) return undefined;
    const session = await sessionP;
    return {
      capture,
      zip,
      info: { source: capture.source ?? name, sampleRate: session.sampleRate, sampleCount: session.sampleCount, channels: session.channels.map((c) => c.name) },
    };
  } catch (e) {
    if (isDiskfluxError(e) && e.code === "E_CORRUPT") throw e;
    return undefined; // anything else: today's path reads it (and reports what it finds)
  }
}

/** The held capture for decoding with `options`: a fused .sr's edges rebuilt when the leading edge changes. */
async function captureFor(options: string): Promise<Capture> {
  if (!held) throw new Error("no capture loaded");
  const sr = held.sr;
  const edge = leadingEdgeOf(options);
  if (!sr || sr.edge === edge) return held.capture;
  const again = await openSrFused(sr.bytes, held.info.source, edge);
  if (again) {
    held.capture = again.capture;
    sr.edge = edge;
  } else {
    // (the kernel read it before, so this does not happen; the samples decode any edge)
    held.capture = await samplesOf(held);
    held.sr = undefined;
  }
  return held.capture;
}

/** The held capture's samples (a fused .sr reads them now, once). */
async function samplesOf(h: NonNullable<typeof held>): Promise<Capture> {
  if (!h.sr) return h.capture;
  return (h.sr.samples ??= await readCapture(h.sr.bytes, h.info.source));
}

async function decodeHeld(seq: number, requested: string, backend: Backend): Promise<void> {
  if (!held) throw new Error("no capture loaded");
  await warm;
  const capture = await captureFor(requested);
  const { options, detection } = await resolveAuto(capture, requested, backend);
  const t0 = performance.now();
  // recovered by default: records carry a status, failing ones ECC-corrected or read again (the page's table and downloads)
  const result = await decode(capture, options, { backend, logBytes: true, recover: true, keepCrcInputs: true });
  const decodeMs = performance.now() - t0;
  // one status per sector over the copies (a vote needs the CRC inputs), then the records as decode() gives them
  const sectors = mergeResults([result]).map((m) => ({ cyl: m.cyl, head: m.head, sec: m.sec, status: m.status, copies: m.copies, how: howText(m) }));
  for (const r of result.records) delete r.crcInput;
  send(seq, result, decodeMs, options, detection, sectors);
}

function send(seq: number, result: DecodeResult, decodeMs: number, options: string, detection?: TrackDetection, sectors?: TrackSector[]): void {
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
    ...(held.place ? { place: held.place } : {}),
    records,
    ...(result.resets ? { resets: result.resets } : {}),
    stats: result.stats,
    binary,
    fields: result.fields,
    histogram,
    rows,
    ...(detection ? { detection } : {}),
    ...(sectors ? { sectors } : {}),
  };
  const views: ArrayBufferView[] = [...records.map((r) => r.bytes), ...Object.values(binary), histogram.counts, ...rowViews(rows)];
  scope.postMessage({ type: "decoded", seq, track }, transferList(views));
}

async function compare(seq: number, requested: string): Promise<void> {
  if (!held) throw new Error("no capture loaded");
  const wasm = await warm;
  // The samples, so that both backends extract the edges too (as they did before the fused reader).
  const capture = await samplesOf(held);
  // Detect once, then time both backends on the same options.
  const { options } = await resolveAuto(capture, requested, wasm ? "wasm" : "js");
  const ms = { wasm: 0, js: 0 } as Record<Backend, number>;
  const results = {} as Record<Backend, DecodeResult>;
  for (const backend of ["wasm", "js"] as const) {
    const t0 = performance.now();
    results[backend] = await decode(capture, options, { backend });
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

// ---------------------------------------------------------------- disks

/** Thrown out of a disk decode that a newer request replaced; nothing is posted for it. */
const CANCELLED = Symbol("cancelled");

/** Whether a file opens as a disk of tracks rather than one capture. */
function isDiskFile(bytes: Uint8Array, name: string): boolean {
  const f = detectCaptureFormat(bytes);
  if (f === "scp" || f === "hfe" || f === "kryoflux" || f === "tr") return true;
  // streams of older KryoFlux firmware open with flux: only the name tells them
  return f === undefined && bytes.length > 0 && kryofluxTrackName(name) !== undefined;
}

/** A macrotask turn, so the worker sees new requests while a disk decodes. */
function yieldToEvents(): Promise<void> {
  return new Promise((resolve) => {
    const ch = new MessageChannel();
    ch.port1.onmessage = () => {
      ch.port1.close();
      resolve();
    };
    ch.port2.postMessage(null);
  });
}

/** A progress reporter for one request: throttled messages, a yield now and then, and cancellation. */
function reporter(seq: number): (p: DiskProgress) => Promise<void> {
  let lastPost = -Infinity;
  let lastYield = performance.now();
  let phase = "";
  return async (p) => {
    const now = performance.now();
    if (now - lastYield > 40) {
      await yieldToEvents();
      lastYield = performance.now();
    }
    if (latest !== seq) throw CANCELLED;
    if (p.phase !== phase || p.done >= p.total || now - lastPost > 100) {
      phase = p.phase;
      lastPost = now;
      scope.postMessage({ type: "progress", seq, progress: p });
    }
  };
}

async function openDisk(seq: number, files: DiskFile[], options: string, backend: Backend, jobs: number | undefined): Promise<void> {
  const report = reporter(seq);
  await report({ phase: "read", done: 0, total: files.length, text: files.length === 1 ? files[0].name : `${files.length} files` });
  const { readDisk } = await import("./disk.js");
  disk = await readDisk(files);
  return decodeHeldDisk(seq, options, backend, jobs);
}

/** Stops the pool of the disk decode in flight: a newer request came (its workers end at once, not after their track). */
let stopPool: AbortController | undefined;

/** Cores from which a disk decodes on a pool by default. */
const POOL_FROM_CORES = 4;

/**
 * Workers for a disk's tracks: the request's, else every core the browser
 * reports from POOL_FROM_CORES up, else 1 (this worker alone). On 2 shared
 * cores (load ~7) the pool was slower than this worker alone: ibm360.scp's 80
 * tracks in 610–777 ms alone, 796–1372 ms on 2 workers, 1081–1194 ms on 3
 * (worker start-up, every track's edges unpacked here and copied to a worker).
 */
function diskJobs(jobs: number | undefined): number {
  if (jobs !== undefined && Number.isFinite(jobs) && jobs >= 1) return Math.floor(jobs);
  const cores = typeof navigator === "object" && navigator.hardwareConcurrency > 0 ? navigator.hardwareConcurrency : 1;
  return cores >= POOL_FROM_CORES ? cores : 1;
}

async function decodeHeldDisk(seq: number, options: string, backend: Backend, jobs: number | undefined): Promise<void> {
  if (!disk) throw new Error("no disk loaded");
  await warm;
  const { decodeDisk } = await import("./disk.js");
  const stop = new AbortController();
  stopPool = stop;
  let d;
  try {
    d = await decodeDisk(disk, options, backend, reporter(seq), { jobs: diskJobs(jobs), signal: stop.signal });
  } catch (e) {
    throw stop.signal.aborted ? CANCELLED : e;
  } finally {
    if (stopPool === stop) stopPool = undefined;
  }
  const image = owned(d.image);
  const imd = d.imd ? owned(d.imd) : undefined;
  scope.postMessage({ type: "disk", seq, disk: { ...d, image, ...(imd ? { imd } : {}) } }, transferList(imd ? [image, imd] : [image]));
}

async function openTrack(seq: number, index: number, options: string, backend: Backend): Promise<void> {
  if (!disk) throw new Error("no disk loaded");
  const files = disk.captureFiles;
  if (files) {
    // a capture file of the disk: read now (its bytes are held), shown like a file opened alone
    const f = files[index];
    if (!f) throw new Error(`the disk has no file ${index}`);
    const t0 = performance.now();
    const { readCaptureFileTrack } = await import("./disk.js");
    const t = await readCaptureFileTrack(f);
    const info = infoOf(t.capture, f.bytes.length, performance.now() - t0, `file ${index + 1} of ${files.length} (${disk.source})`);
    held = { capture: t.capture, info: { ...info, source: f.name }, place: { index, cyl: t.cyl ?? -1, head: t.head ?? -1 } };
    return decodeHeld(seq, options, backend);
  }
  const t = disk.tracks[index];
  if (!t) throw new Error(`the disk has no track ${index}`);
  const t0 = performance.now();
  const capture = t.capture; // unpacked on access: once
  const file = (t as { file?: string }).file ?? disk.source;
  const revolutions = Math.max(1, t.revolutions?.length ?? 1);
  const info: CaptureInfo = {
    ...infoOf(capture, 0, performance.now() - t0, `cylinder ${t.cyl}, head ${t.head} of ${disk.source} (${disk.format})`),
    source: `${file} cyl ${t.cyl} head ${t.head}`,
    revolutions,
  };
  held = { capture, info, place: { index, cyl: t.cyl, head: t.head } };
  return decodeHeld(seq, options, backend);
}

// Requests run one at a time, in order.
let queue: Promise<void> = Promise.resolve();

scope.addEventListener("message", (e) => {
  const req = e.data;
  latest = req.seq;
  stopPool?.abort(CANCELLED);
  queue = queue.then(() => handle(req)).catch((err: unknown) => {
    if (err === CANCELLED) return;
    const message = err instanceof Error ? err.message : String(err);
    scope.postMessage({ type: "error", seq: req.seq, ...(isDiskfluxError(err) ? { code: err.code } : {}), message, held: held !== undefined || disk !== undefined });
  });
});

async function handle(req: WorkerRequest): Promise<void> {
  switch (req.type) {
    case "open": {
      held = undefined;
      disk = undefined;
      const bytes = new Uint8Array(req.bytes);
      if (isDiskFile(bytes, req.name)) return openDisk(req.seq, [{ name: req.name, bytes }], req.options, req.backend, req.jobs);
      const t0 = performance.now();
      // A session too long for a page (its byte log, rows and timeline): its first PAGE_SAMPLE_BYTES.
      const total = await sessionSampleBytes(bytes, req.name);
      if (total !== undefined && total > PAGE_SAMPLE_BYTES) {
        const head = await captureHead(bytes, req.name, PAGE_SAMPLE_BYTES);
        held = { capture: head.capture, info: { ...infoOf(head.capture, bytes.length, performance.now() - t0), sessionSamples: head.sampleCount } };
        return decodeHeld(req.seq, req.options, req.backend);
      }
      const edge = leadingEdgeOf(req.options);
      const fused = req.fused === false ? undefined : await openSrFused(bytes, req.name, edge);
      if (fused) {
        held = { capture: fused.capture, info: { ...fused.info, fileBytes: bytes.length, readMs: performance.now() - t0, fused: true }, sr: { zip: fused.zip, bytes, edge } };
        return decodeHeld(req.seq, req.options, req.backend);
      }
      const capture = await readCapture(bytes, req.name);
      held = { capture, info: infoOf(capture, bytes.length, performance.now() - t0) };
      return decodeHeld(req.seq, req.options, req.backend);
    }
    case "open-set":
      held = undefined;
      disk = undefined;
      return openDisk(req.seq, req.files.map((f) => ({ name: f.name, bytes: new Uint8Array(f.bytes) })), req.options, req.backend, req.jobs);
    case "disk":
      return decodeHeldDisk(req.seq, req.options, req.backend, req.jobs);
    case "track":
      return openTrack(req.seq, req.index, req.options, req.backend);
    case "demo": {
      disk = undefined;
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
