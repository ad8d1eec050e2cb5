// The whole disk, worker side: a flux file (SuperCard Pro .scp, HxC .hfe, a
// KryoFlux stream or set, a dgesswein/mfm .tr) read into its tracks, options
// detected once over the first tracks, every track decoded with that one option
// string, and the flat image assembled with its per-sector statuses
// (src/image/assemble.ts; copies merged and recovered by src/recover) for the page's grid (web/diskview.ts), with the
// ImageDisk file of it (src/writers/imd.ts) where IMD can hold the disk.
//
// Loaded on demand by web/worker.ts, so a page that only ever opens .sr files
// never fetches it. Tracks of flux files unpack their edges on each access
// (src/readers/flux.ts): a track is unpacked once per decode and dropped after.
//
// The tracks decode on a pool of Web Workers (decodeMany of src/pool/web.ts,
// `jobs` of them; web/worker.ts passes navigator.hardwareConcurrency from 4
// cores up unless the page says otherwise), each track's outcome taken in track order as it arrives
// (progress names the last one), results lean (what the image needs); jobs 1,
// or no Worker in this scope, decodes them here one after another. Either way
// the grid, statuses and image are the same (test/e2e-worker.test.ts).
import { decode } from "../src/decode.js";
import { detect } from "../src/detect/detect.js";
import { wantsDetection } from "../src/detect/options.js";
import { DiskfluxError, isDiskfluxError } from "../src/errors.js";
import { escapeName } from "../src/escape.js";
import { assembleImage, type ImageTrackInput } from "../src/image/assemble.js";
import { howText, sectorMapText } from "../src/image/map.js";
import { resolveOptions } from "../src/options.js";
import { imdFromImage, writeImd } from "../src/writers/imd.js";
import { readAnyCapture, readKryofluxCapture, type CaptureTrack } from "../src/readers/index.js";
import { kryofluxTrackName } from "../src/readers/kryoflux.js";
import type { DecodeResult } from "../src/types.js";
import type { Capture } from "../src/capture.js";
import type { DiskfluxErrorCode } from "../src/errors.js";
import type { Backend, DecodedDisk, DiskProgress, DiskRow, DiskTrackInfo, DiskWorkers, TrackDetection } from "./protocol.js";

/** Tracks detection looks at (the CLI's DETECT_CAPTURES). */
export const DETECT_TRACKS = 8;

const FORMAT_NAMES: Record<string, string> = {
  scp: "SuperCard Pro .scp",
  hfe: "HxC .hfe",
  kryoflux: "KryoFlux stream",
  tr: "dgesswein/mfm .tr",
  vcd: "VCD (tr_to_vcd)",
};

/** A disk the worker holds: its tracks (captures unpacked on access) and what reading it said. */
export interface HeldDisk {
  source: string;
  stem: string;
  format: string;
  files: number;
  fileBytes: number;
  readMs: number;
  tracks: readonly CaptureTrack[];
  /**
   * Capture files given together that are not a KryoFlux set (a drive captured
   * track by track as .sr files): one track each, read where it is decoded (a
   * pool worker inflates it), its place taken from its sector headers. `tracks`
   * is empty then.
   */
  captureFiles?: readonly DiskFile[];
  missing: { cyl: number; head: number }[];
  warnings: string[];
}

export interface DiskFile {
  name: string;
  bytes: Uint8Array;
}

const baseName = (name: string) => name.split(/[\\/]/).pop() || name;

/** Reads one file of tracks, or several files given together as a KryoFlux set. */
export async function readDisk(files: readonly DiskFile[]): Promise<HeldDisk> {
  const t0 = performance.now();
  const fileBytes = files.reduce((n, f) => n + f.bytes.length, 0);
  if (files.length === 1) {
    const f = files[0];
    const name = baseName(f.name);
    const any = await readAnyCapture(f.bytes, name);
    if (any.kind !== "tracks") throw new DiskfluxError("E_FORMAT", `${escapeName(name)}: one capture, not a disk of tracks`);
    const kf = any.format === "kryoflux" ? kryofluxTrackName(name) : undefined;
    return {
      source: name,
      stem: kf ? stemOfPrefix(kf.prefix, name) : name.replace(/\.(scp|hfe|raw|tr|vcd)$/i, "") || "disk",
      format: FORMAT_NAMES[any.format] ?? any.format,
      files: 1,
      fileBytes,
      readMs: performance.now() - t0,
      tracks: any.tracks,
      missing: [...(any.missing ?? [])],
      warnings: [...(any.warnings ?? [])],
    };
  }
  const streams = files.filter((f) => kryofluxTrackName(baseName(f.name)) !== undefined);
  const skipped = files.filter((f) => kryofluxTrackName(baseName(f.name)) === undefined);
  if (streams.length === 0) {
    // capture files, one track each (read and decoded on the pool; one that fails shows its error in its place)
    const sorted = [...files].sort((a, b) => baseName(a.name).localeCompare(baseName(b.name), "en", { numeric: true }));
    const names = sorted.map((f) => baseName(f.name));
    return {
      source: `${names[0]} … ${names[names.length - 1]}`,
      stem: names[0].replace(/\.[^.]*$/, "").replace(/[._\- ]*\d*$/, "") || "disk",
      format: `${files.length} capture files, a track each`,
      files: files.length,
      fileBytes,
      readMs: performance.now() - t0,
      tracks: [],
      captureFiles: sorted.map((f, i) => ({ name: names[i], bytes: f.bytes })),
      missing: [],
      warnings: [],
    };
  }
  const any = readKryofluxCapture(streams.map((f) => ({ name: baseName(f.name), bytes: f.bytes })));
  if (any.kind !== "tracks") throw new DiskfluxError("E_FORMAT", "not a KryoFlux set");
  const names = streams.map((f) => baseName(f.name)).sort();
  const warnings = [...(any.warnings ?? [])];
  if (skipped.length > 0) {
    const list = skipped.slice(0, 8).map((f) => escapeName(baseName(f.name))).join(", ");
    warnings.unshift(`skipped ${skipped.length} file${skipped.length === 1 ? "" : "s"} not named like a KryoFlux stream (trackNN.S.raw): ${list}${skipped.length > 8 ? ", …" : ""}`);
  }
  return {
    source: names.length === 1 ? names[0] : `${names[0]} … ${names[names.length - 1]}`,
    stem: stemOfPrefix(kryofluxTrackName(names[0])!.prefix, names[0]),
    format: `${FORMAT_NAMES.kryoflux} set (${streams.length} files)`,
    files: files.length,
    fileBytes,
    readMs: performance.now() - t0,
    tracks: any.tracks,
    missing: [...(any.missing ?? [])],
    warnings,
  };
}

function stemOfPrefix(prefix: string, name: string): string {
  const p = prefix.replace(/[._\- ]+$/, "");
  return p === "" || p.toLowerCase() === "track" ? "kryoflux" : p || name;
}

/** The one track of a capture file (a capture, or a file of one track). */
export async function readCaptureFileTrack(f: DiskFile): Promise<{ capture: Capture; cyl?: number; head?: number }> {
  const any = await readAnyCapture(f.bytes, f.name);
  if (any.kind === "single") return { capture: any.capture };
  if (any.tracks.length === 1) return { capture: any.tracks[0].capture, cyl: any.tracks[0].cyl, head: any.tracks[0].head };
  throw new DiskfluxError("E_FORMAT", `${escapeName(f.name)}: holds ${any.tracks.length} tracks; open it alone`);
}

/** The place most ID records with a good CRC name (a capture file's track), or -1/-1. */
function placeOf(result: DecodeResult): { cyl: number; head: number } {
  const n = new Map<string, number>();
  for (const r of result.records) if (r.kind === "id" && r.crc?.ok) n.set(`${r.cyl}/${r.head}`, (n.get(`${r.cyl}/${r.head}`) ?? 0) + 1);
  let best = "", most = 0;
  for (const [k, v] of n) if (v > most) [best, most] = [k, v];
  if (!best) return { cyl: -1, head: -1 };
  const [cyl, head] = best.split("/").map(Number);
  return { cyl, head };
}

/** Sources of a track's sector reads in the image map: the file (its own, for a set) and the place. */
function trackSource(disk: HeldDisk, t: CaptureTrack): string {
  const file = (t as { file?: string }).file ?? disk.source;
  return `${file} cyl ${t.cyl} head ${t.head}`;
}

/** How the tracks are decoded: `jobs` Web Workers (src/pool/web.ts), or this thread alone (jobs 1, the default). */
export interface DiskPool {
  jobs?: number;
  /** Stops every worker of the pool (a newer request); the decode then throws the signal's reason. */
  signal?: AbortSignal;
}

/** A .tr track carries its packed transitions: they travel to a worker instead of the unpacked edges (8× smaller). */
function packedOf(t: CaptureTrack): Uint8Array | undefined {
  const p = (t as { packed?: unknown }).packed;
  return p instanceof Uint8Array ? p : undefined;
}

/**
 * Decodes the tracks on a pool of `jobs` Web Workers (decodeMany of src/pool/web.ts,
 * nested in this worker), handing each outcome to `take` in track order as it
 * arrives. Inputs are produced lazily (a track is unpacked when the pool takes it,
 * so at most jobs × 3 are held at once), results come back lean (no fields, no
 * binary streams: the grid and the image need neither) and the workers that
 * answered at least one track are counted.
 */
async function decodeOnPool(
  disk: HeldDisk,
  options: string,
  request: { backend: Backend; recover: true; keepCrcInputs: true },
  jobs: number,
  signal: AbortSignal | undefined,
  take: (i: number, outcome: { result: DecodeResult; cyl?: number; head?: number } | { error: DiskfluxError }) => Promise<void>,
): Promise<DiskWorkers> {
  const { decodeMany } = await import("../src/pool/web.js");
  let started = 0;
  const answered = new Set<Worker>();
  const createWorker = (): Worker => {
    const w = new Worker(new URL("../src/pool/worker-web.ts", import.meta.url), { type: "module", name: "diskflux-decode" });
    started++;
    w.addEventListener("message", (e: MessageEvent<{ type?: string }>) => {
      if (e.data?.type === "done") answered.add(w);
    });
    return w;
  };
  // capture files: their bytes, read (inflated) in the workers; copied, not moved, as this worker keeps them for the track views
  const inputs = disk.captureFiles
    ? disk.captureFiles.map((f) => ({ bytes: f.bytes, source: f.name }))
    : disk.tracks.map((t) => () => {
      const source = trackSource(disk, t);
      const packed = packedOf(t);
      return packed ? { packed, cyl: t.cyl, head: t.head, source } : { capture: t.capture, cyl: t.cyl, head: t.head, source };
    });
  let i = 0;
  for await (const r of decodeMany(inputs, options, { ...request, jobs, lean: true, signal, createWorker, transfer: !disk.captureFiles })) {
    const at = disk.captureFiles && r.cyl !== undefined && r.head !== undefined ? { cyl: r.cyl, head: r.head } : {};
    await take(i++, r.ok ? { result: r.result, ...at } : { error: new DiskfluxError(r.error.code as DiskfluxErrorCode, r.error.message) });
  }
  return { jobs, started, used: answered.size };
}

/**
 * Decodes every track of a disk with one option string (detected first, over
 * the first DETECT_TRACKS tracks, when `requested` asks for it) and assembles
 * the image. `progress` is awaited between tracks: it reports, yields to the
 * worker's event loop and throws to cancel.
 */
export async function decodeDisk(
  disk: HeldDisk,
  requested: string,
  backend: Backend,
  progress: (p: DiskProgress) => Promise<void>,
  pool: DiskPool = {},
): Promise<DecodedDisk> {
  const tracks = disk.tracks;
  const files = disk.captureFiles;
  const total = files ? files.length : tracks.length;
  if (total === 0) throw new DiskfluxError("E_CORRUPT", `${escapeName(disk.source)}: no track with flux in it`);

  let options = requested;
  let detection: TrackDetection | undefined;
  if (wantsDetection(requested)) {
    const n = Math.min(DETECT_TRACKS, total);
    await progress({ phase: "detect", done: 0, total: n, text: `the first ${n} track${n === 1 ? "" : "s"}` });
    const t0 = performance.now();
    // capture files: those of the first n that read (one that does not shows its error when decoded)
    const captures = files
      ? (await Promise.all(files.slice(0, n).map((f) => readCaptureFileTrack(f).then((t) => t.capture, () => undefined)))).filter((c) => c !== undefined)
      : tracks.slice(0, n).map((t) => t.capture);
    if (captures.length === 0) throw new DiskfluxError("E_FORMAT", `none of the first ${n} files reads as a capture`);
    const found = await detect(captures, requested, { backend, maxCaptures: n });
    options = found.optionString;
    detection = {
      requested,
      optionString: found.optionString,
      confidence: found.confidence,
      missing: [...found.evidence.missing],
      ...(found.evidence.headerCrc ? { headerCrc: { ...found.evidence.headerCrc } } : {}),
      ...(found.evidence.dataCrc ? { dataCrc: { ...found.evidence.dataCrc } } : {}),
      detectMs: performance.now() - t0,
    };
  }

  const warnings = [...disk.warnings];
  const inputs: ImageTrackInput[] = [];
  const infos: DiskTrackInfo[] = files
    ? files.map((f) => ({ cyl: -1, head: -1, source: f.name, revolutions: 1, ids: 0, good: 0 }))
    : tracks.map((t) => ({
      cyl: t.cyl, head: t.head, source: trackSource(disk, t), revolutions: Math.max(1, t.revolutions?.length ?? 1), ids: 0, good: 0,
    }));
  /** One track's outcome, taken in track order (the pool yields in input order too). */
  const take = (i: number, outcome: { result: DecodeResult; cyl?: number; head?: number } | { error: DiskfluxError | Error }) => {
    const info = infos[i];
    if ("error" in outcome) {
      const e = outcome.error;
      // Options that do not parse fail every track alike: say it once.
      if (isDiskfluxError(e) && (e.code === "E_OPTION" || e.code === "E_WASM")) throw e;
      info.error = e.message;
      warnings.push(`${files ? info.source : `cyl ${info.cyl} head ${info.head}`}: not decoded (${info.error})`);
      return;
    }
    const result = outcome.result;
    if (files) {
      // a capture file's place: its own (a .tr of one track), else what its sector headers say
      const at = outcome.cyl !== undefined && outcome.head !== undefined ? { cyl: outcome.cyl, head: outcome.head } : placeOf(result);
      info.cyl = at.cyl;
      info.head = at.head;
    }
    inputs.push({ result, source: info.source, ...(info.cyl >= 0 ? { cyl: info.cyl, head: info.head } : {}) });
    const recs = result.records;
    for (let j = 0; j < recs.length; j++) {
      const r = recs[j];
      if (r.kind !== "id") continue;
      info.ids++;
      const d = recs[j + 1];
      if (r.crc?.ok && d?.kind === "data" && d.crc?.ok) info.good++;
    }
  };
  /** What the last track taken read, for the progress line. */
  const line = (i: number) => {
    const info = infos[i];
    return `${files ? info.source : `cyl ${info.cyl} head ${info.head}`}: ${info.error !== undefined ? "not decoded" : `${info.good} of ${info.ids} sectors good`}`;
  };
  // recovered by default, with the CRC inputs a vote over the revolutions needs (src/recover/merge.ts)
  const request = { backend, recover: true, keepCrcInputs: true } as const;
  const jobs = Math.min(total, Math.max(1, Math.floor(pool.jobs ?? 1)));
  let workers: DiskWorkers = { jobs: 1, started: 0, used: 0 };
  const t0 = performance.now();
  if (jobs > 1 && typeof Worker === "function") {
    workers = await decodeOnPool(disk, options, request, jobs, pool.signal, async (i, outcome) => {
      take(i, outcome);
      await progress({ phase: "decode", done: i + 1, total, text: line(i) });
    });
  } else {
    for (let i = 0; i < total; i++) {
      await progress({ phase: "decode", done: i, total, text: i > 0 ? line(i - 1) : infos[0].source });
      let outcome: Parameters<typeof take>[1];
      try {
        if (files) {
          const t = await readCaptureFileTrack(files[i]);
          outcome = { result: await decode(t.capture, options, request), ...(t.cyl !== undefined ? { cyl: t.cyl, head: t.head } : {}) };
        } else outcome = { result: await decode(tracks[i].capture, options, request) };
      } catch (e) {
        outcome = { error: e instanceof Error ? e : new Error(String(e)) };
      }
      take(i, outcome);
    }
  }
  await progress({ phase: "decode", done: total, total, text: "assembling the image" });
  const decodeMs = performance.now() - t0;

  const img = assembleImage(inputs);
  const bySource = new Map(infos.map((t, i) => [t.source, i]));
  const byPlace = new Map(infos.map((t, i) => [`${t.cyl}/${t.head}`, i]));
  const rows: DiskRow[] = img.tracks.map((tm) => {
    const cells = tm.sectors.map((s) => ({
      sec: s.sec,
      status: s.status,
      reads: s.reads,
      good: s.good,
      bad: s.bad,
      noData: s.noData,
      variants: s.variants,
      how: howText(s),
      track: s.sources.length > 0 ? bySource.get(s.sources[0]) ?? -1 : -1,
    }));
    const track = byPlace.get(`${tm.cyl}/${tm.head}`) ?? cells.find((c) => c.track >= 0)?.track ?? -1;
    return { cyl: tm.cyl, head: tm.head, cells, track };
  });

  // ImageDisk: the track mode comes from the encoding and data rate the tracks were decoded with.
  let imd: Uint8Array | undefined;
  let imdError: string | undefined;
  try {
    const r = resolveOptions(options);
    const comment = `diskflux: ${disk.source} (${disk.format})\n-P mfm:${options}`.replace(/[\x00-\x09\x0b-\x1f\x7f]/g, "?");
    imd = writeImd(imdFromImage(img, { encoding: r.preset.limits, dataRate: r.dataRate }), { comment });
  } catch (e) {
    imdError = e instanceof Error ? e.message : String(e);
  }

  return {
    source: disk.source,
    stem: disk.stem,
    format: disk.format,
    files: disk.files,
    fileBytes: disk.fileBytes,
    readMs: disk.readMs,
    backend,
    options,
    ...(detection ? { detection } : {}),
    decodeMs,
    workers,
    tracks: infos,
    missing: disk.missing,
    warnings,
    geometry: { ...img.geometry },
    inferred: [...img.inferred],
    counts: { ...img.counts },
    rows,
    outside: img.outside.map((o) => ({ ...o })),
    badHeaders: img.badHeaders,
    orphanData: img.orphanData,
    image: img.image,
    map: sectorMapText(img),
    ...(imd ? { imd } : {}),
    ...(imdError !== undefined ? { imdError } : {}),
  };
}
