// Capture readers: sigrok .sr and DSView .dsl sessions, both ZIP archives,
// told apart by their members ("metadata" for sigrok; "header" and L-<ch>/<block>
// data members for DSView), never by the file name.
//
// readAnyCapture also takes the other formats, again by content:
//
//   PK\x03\x04 ...            ZIP: sigrok .sr / DSView .dsl      -> single LogicCapture
//   EE 4D 46 4D 0D 0A 1A 00    dgesswein/mfm transitions (.tr)    -> tracks (EdgeCaptures at 200 MHz)
//   $date / $timescale / ...   VCD                                -> single capture, or tracks when
//                                                                    tr_to_vcd wrote several
//   text rows of numbers       CSV                                -> single LogicCapture

import type { Capture, EdgeCapture, LogicCapture } from "../capture.js";
import { DiskfluxError } from "../errors.js";
import { escapeInput, escapeName, quoteInput } from "../escape.js";
import { readCsv, isCsv, type CsvReadOptions } from "./csv.js";
import { readDslZip } from "./dsl.js";
import { readSigrokZip } from "./sigrok.js";
import type { Revolution } from "./flux.js";
import { isHfe, readHfe, type HfeFile } from "./hfe.js";
import { isImd } from "./imd.js";
import { isKryoflux, kryofluxTrackName, readKryofluxFile, readKryofluxSet, type KryofluxFile, type KryofluxSet } from "./kryoflux.js";
import { isScp, readScp, type ScpFile } from "./scp.js";
import { isTr, readTr, type TrFile } from "./tr.js";
import { isVcd, readVcd, scanVcd, type VcdReadOptions } from "./vcd.js";
import { ZipArchive } from "./zip.js";
import { readFileBounded } from "./file-bytes.js";

export { readSigrok } from "./sigrok.js";
export { readDsl } from "./dsl.js";
export { readTr } from "./tr.js";
export { readVcd, readVcdTracks } from "./vcd.js";
export { readCsv } from "./csv.js";
export { readScp } from "./scp.js";
export { readHfe } from "./hfe.js";
export { readKryoflux, readKryofluxSet, readKryofluxFile } from "./kryoflux.js";
export { revolutionCaptures, type Revolution, type FluxTrack } from "./flux.js";

/**
 * Reads a sigrok .sr or DSView .dsl capture from its bytes; `source` names it in messages.
 *
 * @example
 * import { decode, readCapture } from "diskflux";
 * const response = await fetch("captures/fdd_mfm.sr"); // in a browser; in Node, readCaptureFile()
 * const capture = await readCapture(new Uint8Array(await response.arrayBuffer()), "fdd_mfm.sr");
 * console.log(capture.sampleRate, capture.sampleCount, capture.channels.map((c) => c.name));
 * const result = await decode(capture, "data_rate=250000:format=MFM:data_crc_size=16:data_crc_poly=0x1021");
 */
export async function readCapture(bytes: Uint8Array, source?: string): Promise<LogicCapture> {
  const src = source ?? "capture";
  let zip: ZipArchive;
  try {
    zip = ZipArchive.open(bytes, src);
  } catch (e) {
    if (e instanceof DiskfluxError && e.code === "E_FORMAT") throw notACapture(src, e);
    throw e;
  }
  if (zip.has("metadata")) return readSigrokZip(zip);
  if (zip.has("header") && zip.members.some((m) => /^L-\d+\/\d+$/.test(m.name))) return readDslZip(zip);
  throw notACapture(src);
}

function notACapture(src: string, cause?: unknown): DiskfluxError {
  return new DiskfluxError("E_FORMAT", `${escapeName(src)}: not a sigrok .sr or DSView .dsl capture`, { cause });
}

/**
 * Reads a capture file (Node only). The capture's source is the file's base name.
 *
 * @example
 * import { decode, readCaptureFile } from "diskflux";
 * const capture = await readCaptureFile("captures/fdd_fm.sr"); // capture.source === "fdd_fm.sr"
 * const result = await decode(capture, "data_rate=125000:format=FM:data_crc_size=16:data_crc_poly=0x1021");
 * for (const r of result.records) if (r.kind === "id") console.log(r.cyl, r.head, r.sec, r.crc?.ok);
 */
export async function readCaptureFile(path: string): Promise<LogicCapture> {
  const { bytes, base } = await readFileBytes(path, "readCapture()");
  return readCapture(bytes, base);
}

/**
 * A file's bytes and base name (Node only), with E_FILE errors that say why.
 * Bounded whatever the path names (src/readers/file-bytes.ts): a big file or a
 * pipe whose first bytes start no capture is refused before it is read whole.
 */
export async function readFileBytes(path: string, api = "readAnyCapture()"): Promise<{ bytes: Uint8Array; base: string }> {
  return readFileBounded(path, api, captureHeadProblem);
}

/** Why `head` (a file's first bytes) cannot start a capture readAnyCapture reads; undefined when it may. */
function captureHeadProblem(head: Uint8Array, source: string): DiskfluxError | undefined {
  if (detectCaptureFormat(head) !== undefined || kryofluxTrackName(source) !== undefined) return undefined;
  // a VCD may follow any amount of white space
  if (head.every((c) => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09 || c === 0x0c || c === 0x0b || c === 0xef || c === 0xbb || c === 0xbf)) return undefined;
  return notAnyCapture(head, source);
}

/** Channels listed in a message, at most this many. */
const LISTED_CHANNELS = 16;

/**
 * Resolves a channel given by index (0, "0") or by name (as the file names it).
 * A string that matches a channel name wins over its reading as a number.
 */
export function channelIndex(capture: Pick<LogicCapture, "channels" | "source">, spec: number | string): number {
  const { channels } = capture;
  if (typeof spec === "string") {
    const named = channels.find((c) => c.name === spec);
    if (named) return named.index;
  }
  const n = typeof spec === "number" ? spec : /^\s*\d+\s*$/.test(spec) ? Number(spec) : NaN;
  if (channels.some((c) => c.index === n)) return n;
  // channel names come from the capture's metadata: escaped, and at most LISTED_CHANNELS of them
  const list = channels.slice(0, LISTED_CHANNELS).map((c) => (c.name === String(c.index) ? `${c.index}` : `${c.index} (${escapeInput(c.name)})`));
  if (channels.length > LISTED_CHANNELS) list.push(`… (${channels.length} channels)`);
  throw new DiskfluxError(
    "E_ARGUMENT",
    `${escapeName(capture.source ?? "capture")}: no channel ${typeof spec === "string" ? quoteInput(spec) : spec}; the capture has channel${channels.length === 1 ? "" : "s"} ${list.join(", ") || "(none)"}`,
  );
}

// ---------------------------------------------------------------- any format

export type CaptureFormat = "sr" | "dsl" | "tr" | "vcd" | "csv" | "scp" | "hfe" | "kryoflux";

/** The formats that come as tracks. */
export type TrackFormat = "tr" | "vcd" | "scp" | "hfe" | "kryoflux";

/** One track of a multi-track source (.tr, multi-track tr_to_vcd dump, flux files). */
export interface CaptureTrack {
  readonly cyl: number;
  readonly head: number;
  readonly capture: EdgeCapture;
  /** Flux files: the revolutions in the capture, in read order (sample ranges between index pulses). */
  readonly revolutions?: readonly Revolution[];
}

export type AnyCapture =
  | { readonly kind: "single"; readonly format: CaptureFormat; readonly capture: Capture }
  | {
      readonly kind: "tracks";
      readonly format: TrackFormat;
      readonly tracks: readonly CaptureTrack[];
      /** Flux files: tracks the file (or set) should hold but does not, or that hold no flux. */
      readonly missing?: readonly { readonly cyl: number; readonly head: number }[];
      /** Things worth telling the user that did not stop the read (.tr and flux files). */
      readonly warnings?: readonly string[];
      /** The parsed flux file, by format. */
      readonly scp?: ScpFile;
      readonly hfe?: HfeFile;
      readonly kryoflux?: KryofluxSet;
      /** Geometry and texts from a .tr header. */
      readonly cylinders?: number;
      readonly heads?: number;
      readonly commandLine?: string;
      readonly note?: string;
      readonly tr?: TrFile;
    };

export interface AnyCaptureOptions {
  /** VCD: "logic" or "edges"; default logic unless the samples would pass `vcdLogicLimit` bytes. */
  readonly vcd?: VcdReadOptions;
  /** Largest VCD expanded to logic samples by default (256 MiB); longer files are read as edges. */
  readonly vcdLogicLimit?: number;
  readonly csv?: CsvReadOptions;
  /** SCP / KryoFlux: read a file whose checksum or stream positions are wrong, with a warning instead of E_CORRUPT. */
  readonly force?: boolean;
}

/** The capture format of some bytes, by content; undefined when none matches. */
export function detectCaptureFormat(bytes: Uint8Array): "zip" | "tr" | "scp" | "hfe" | "kryoflux" | "vcd" | "csv" | undefined {
  if (bytes.length >= 4 && bytes[0] === 0x50 && bytes[1] === 0x4b && (bytes[2] === 3 || bytes[2] === 5) && (bytes[3] === 4 || bytes[3] === 6)) return "zip";
  if (isTr(bytes)) return "tr";
  if (isScp(bytes)) return "scp";
  if (isHfe(bytes)) return "hfe";
  if (isKryoflux(bytes)) return "kryoflux";
  if (isVcd(bytes)) return "vcd";
  if (isCsv(bytes)) return "csv";
  return undefined;
}

/**
 * Reads any capture diskflux knows, telling the format by content: .sr/.dsl
 * (ZIP), .tr (many tracks), SuperCard Pro .scp, HxC .hfe, a KryoFlux stream
 * (one track: cylinder and head from a trackNN.S.raw name), .vcd, .csv.
 *
 * @example
 * import { decode, readAnyCapture } from "diskflux";
 * import { readFile } from "node:fs/promises";
 * const any = await readAnyCapture(await readFile("ibm360.scp"), "ibm360.scp");
 * const tracks = any.kind === "tracks" ? any.tracks : [{ cyl: 0, head: 0, capture: any.capture }];
 * const options = "data_rate=250000:format=MFM:data_crc_size=16:data_crc_poly=0x1021";
 * for (const t of tracks) console.log(t.cyl, t.head, (await decode(t.capture, options)).stats.CRC_OK);
 */
export async function readAnyCapture(bytes: Uint8Array, source?: string, opts: AnyCaptureOptions = {}): Promise<AnyCapture> {
  const src = source ?? "capture";
  switch (detectCaptureFormat(bytes)) {
    case "zip": {
      const zip = ZipArchive.open(bytes, src);
      if (zip.has("metadata")) return { kind: "single", format: "sr", capture: await readSigrokZip(zip) };
      if (zip.has("header") && zip.members.some((m) => /^L-\d+\/\d+$/.test(m.name))) return { kind: "single", format: "dsl", capture: await readDslZip(zip) };
      throw new DiskfluxError("E_FORMAT", `${escapeName(src)}: a ZIP archive but neither a sigrok .sr nor a DSView .dsl session`);
    }
    case "tr": {
      const tr = readTr(bytes, src);
      return { kind: "tracks", format: "tr", tracks: tr.tracks, cylinders: tr.cylinders, heads: tr.heads, commandLine: tr.commandLine, note: tr.note, warnings: tr.warnings, tr };
    }
    case "scp": {
      const scp = readScp(bytes, src, { force: opts.force });
      return { kind: "tracks", format: "scp", tracks: scp.tracks, missing: scp.missing, warnings: scp.warnings, scp };
    }
    case "hfe": {
      const hfe = readHfe(bytes, src);
      return { kind: "tracks", format: "hfe", tracks: hfe.tracks, cylinders: hfe.cylinders, heads: hfe.sides, missing: hfe.missing, warnings: hfe.warnings, hfe };
    }
    case "kryoflux":
      return kryofluxCapture(readKryofluxFile(bytes, src, { force: opts.force }));
    case "vcd": {
      const v = opts.vcd ?? {};
      if (v.as === "logic") return { kind: "single", format: "vcd", capture: readVcd(bytes, src, { ...v, as: "logic" }) };
      const { edges, tracks } = scanVcd(bytes, src, v);
      if (tracks.length > 1) return { kind: "tracks", format: "vcd", tracks };
      const limit = opts.vcdLogicLimit ?? 256 * 2 ** 20;
      if (v.as === "edges" || (edges.sampleCount ?? 0) > limit) return { kind: "single", format: "vcd", capture: edges };
      return { kind: "single", format: "vcd", capture: readVcd(bytes, src, { ...v, as: "logic" }) };
    }
    case "csv":
      return { kind: "single", format: "csv", capture: readCsv(bytes, src, opts.csv) };
    default:
      // Streams from older KryoFlux firmware open with flux, not an OOB block:
      // content alone cannot tell them, so a trackNN.S.raw name does.
      if (kryofluxTrackName(src) !== undefined && bytes.length > 0) return kryofluxCapture(readKryofluxFile(bytes, src, { force: opts.force }));
      throw notAnyCapture(bytes, src);
  }
}

/** readAnyCapture's error for bytes that are none of its formats (an ImageDisk image gets its own). */
function notAnyCapture(bytes: Uint8Array, src: string): DiskfluxError {
  if (isImd(bytes)) {
    return new DiskfluxError("E_FORMAT", `${escapeName(src)}: an ImageDisk (.imd) image holds sectors, not flux, so there is nothing to decode; readImd() and imdToImage() read its sectors`);
  }
  return new DiskfluxError("E_FORMAT", `${escapeName(src)}: not a capture diskflux reads (sigrok .sr, DSView .dsl, dgesswein/mfm .tr, SuperCard Pro .scp, HxC .hfe, KryoFlux stream, VCD or CSV)`);
}

function kryofluxCapture(set: KryofluxSet): AnyCapture {
  return { kind: "tracks", format: "kryoflux", tracks: set.tracks, cylinders: set.cylinders, heads: set.heads, missing: set.missing, warnings: set.warnings, kryoflux: set };
}

/** Reads a KryoFlux set from its files' bytes (names trackNN.S.raw); see readKryofluxSet. */
export function readKryofluxCapture(files: readonly KryofluxFile[], opts: Pick<AnyCaptureOptions, "force"> = {}): AnyCapture {
  return kryofluxCapture(readKryofluxSet(files, { force: opts.force }));
}

/**
 * The KryoFlux stream files of a directory (Node only): every *.raw file named
 * like trackNN.S.raw, read as one set.
 */
export async function readKryofluxDirectory(dir: string, opts: Pick<AnyCaptureOptions, "force"> = {}): Promise<AnyCapture> {
  const fs = await import("node:fs/promises");
  const path = await import("node:path");
  let names: string[];
  try {
    names = await fs.readdir(dir);
  } catch (e) {
    throw new DiskfluxError("E_FILE", `${escapeName(dir)}: cannot list the directory (${escapeInput((e as { code?: string }).code ?? String(e), 60)})`, { cause: e });
  }
  const raw = names.filter((n) => kryofluxTrackName(n) !== undefined).sort();
  if (raw.length === 0) {
    throw new DiskfluxError("E_FILE", `${escapeName(dir)}: a directory with no KryoFlux stream files (trackNN.S.raw); give a capture file, or a directory of stream files`);
  }
  const files: KryofluxFile[] = [];
  for (const n of raw) files.push({ name: n, bytes: (await readFileBytes(path.join(dir, n))).bytes });
  return readKryofluxCapture(files, opts);
}

/**
 * readAnyCapture on a file (Node only); sources are the file's base name. A
 * directory is read as a KryoFlux set (its trackNN.S.raw files, see
 * readKryofluxDirectory); a single trackNN.S.raw file is that one track.
 *
 * @example
 * import { decode, readAnyCaptureFile } from "diskflux";
 * const drive = await readAnyCaptureFile("st225.tr"); // or .sr, .dsl, .scp, .hfe, .vcd, .csv, a KryoFlux directory
 * if (drive.kind === "single") throw new Error(`${drive.format}: one track, not a drive`);
 * console.log(drive.format, drive.cylinders, drive.heads, drive.tracks.length, drive.warnings ?? []);
 * const first = await decode(drive.tracks[0].capture, "data_rate=5000000:format=MFM:header_format=3:data_crc_poly=0x140a0445");
 */
export async function readAnyCaptureFile(path: string, opts: AnyCaptureOptions = {}): Promise<AnyCapture> {
  if (typeof process !== "undefined" && typeof process.versions?.node === "string") {
    const fs = await import("node:fs/promises");
    const st = await fs.stat(path).catch(() => undefined);
    if (st?.isDirectory()) return readKryofluxDirectory(path, opts);
  }
  const { bytes, base } = await readFileBytes(path);
  return readAnyCapture(bytes, base, opts);
}
