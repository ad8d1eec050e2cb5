// sigrok session files (.sr): a ZIP archive holding
//
//   version      "2" (or "1")
//   metadata     an INI (GLib key file). Section [device 1] holds
//                  capturefile=logic-1    base name of the logic data members
//                  total probes=3         channel count
//                  samplerate=15 MHz      "<number> [Hz|kHz|MHz|GHz]"
//                  probe1=<name> ...      name of channel 0 (probeN is channel N-1)
//                  unitsize=1             bytes per sample
//   logic-1-1, logic-1-2, ...  raw samples, concatenated in numeric order
//                (old files: one member named exactly like capturefile)
//
// A sample is unitsize bytes, little-endian, channel k in bit k: the layout of
// LogicCapture, so the chunks are copied as they are.

import type { LogicCapture } from "../capture.js";
import { DiskfluxError } from "../errors.js";
import { escapeName, quoteInput } from "../escape.js";
import { allocate, ZipArchive, type ZipMember } from "./zip.js";

const MAX_CAPTURE_BYTES = 2 ** 32;

/** Reads a sigrok .sr session. */
export async function readSigrok(bytes: Uint8Array, source?: string): Promise<LogicCapture> {
  return readSigrokZip(ZipArchive.open(bytes, source ?? "capture"));
}

/** Reads a sigrok session from an opened archive (readCapture opens it once). */
export async function readSigrokZip(zip: ZipArchive): Promise<LogicCapture> {
  const session = await sigrokSession(zip);
  const { source: src, sampleRate, unitSize, channels, chunks, sampleCount } = session;
  let samples: Uint8Array;
  if (chunks.length === 1 && chunks[0].uncompressedSize === sampleCount * unitSize) {
    samples = await zip.extract(chunks[0]); // (the inflater's output itself)
  } else {
    samples = allocate(src, sampleCount * unitSize);
    let at = 0;
    for (const c of chunks) {
      await zip.extractInto(c, samples, at);
      at += c.uncompressedSize;
    }
  }
  return { kind: "logic", sampleRate, sampleCount, unitSize, channels, samples, source: src };
}

/** What the metadata says, and where the samples are, without inflating them. */
export interface SigrokSession {
  source: string;
  sampleRate: number;
  sampleCount: number;
  unitSize: number;
  channels: { index: number; name: string }[];
  /** The logic members in sample order. */
  chunks: ZipMember[];
}

/** The samples of a session piece by piece (bounded memory); a piece may split a sample unit. */
export async function* sigrokSampleChunks(zip: ZipArchive, session: SigrokSession, chunkBytes = 1 << 20): AsyncGenerator<Uint8Array> {
  for (const c of session.chunks) yield* zip.extractChunks(c, chunkBytes);
}

/** Parses and checks the metadata of a sigrok session. */
export async function sigrokSession(zip: ZipArchive): Promise<SigrokSession> {
  const src = zip.source;
  if (!zip.has("metadata")) {
    throw new DiskfluxError("E_FORMAT", `${escapeName(src)}: no "metadata" member, so not a sigrok session; expected a sigrok .sr capture`);
  }
  if (zip.has("version")) {
    const version = (await zip.extractText("version")).trim();
    if (version !== "1" && version !== "2") {
      throw new DiskfluxError("E_FORMAT", `${escapeName(src)}: sigrok session format version ${quoteInput(version)} is not supported (only 1 and 2); re-save it with sigrok 0.5 or later`);
    }
  }

  const ini = parseIni(await zip.extractText("metadata"));
  const dev = ini.get("device 1");
  if (!dev) throw new DiskfluxError("E_CORRUPT", `${escapeName(src)}: metadata has no [device 1] section; the file is damaged or not a logic capture`);

  const rateText = dev.get("samplerate");
  if (rateText === undefined) {
    throw new DiskfluxError("E_CORRUPT", `${escapeName(src)}: no samplerate in metadata; the decoder cannot work without it`);
  }
  const sampleRate = parseSampleRate(rateText);
  if (sampleRate === undefined) {
    throw new DiskfluxError("E_CORRUPT", `${escapeName(src)}: samplerate ${quoteInput(rateText)} in metadata is not a frequency; the decoder cannot work without it`);
  }

  // Channel count: "total probes", else the highest probeN present.
  let probes = 0;
  for (const key of dev.keys()) {
    const m = /^probe(\d+)$/.exec(key);
    if (m) probes = Math.max(probes, Number(m[1]));
  }
  const totalText = dev.get("total probes");
  if (totalText !== undefined) probes = positiveInt(src, "total probes", totalText, 1, 64);
  if (probes === 0) throw new DiskfluxError("E_FORMAT", `${escapeName(src)}: the session has no logic channels; diskflux reads logic captures only`);

  const unitText = dev.get("unitsize");
  const unitSize = unitText === undefined ? Math.ceil(probes / 8) : positiveInt(src, "unitsize", unitText, 1, 8);
  if (probes > unitSize * 8) {
    throw new DiskfluxError("E_CORRUPT", `${escapeName(src)}: metadata declares ${probes} channels but only ${unitSize} byte(s) per sample; the file is damaged`);
  }
  const channels = [];
  for (let k = 0; k < probes; k++) channels.push({ index: k, name: dev.get(`probe${k + 1}`) ?? String(k) });

  const chunks = logicChunks(zip, dev.get("capturefile") ?? "logic-1");
  let total = 0;
  for (const c of chunks) {
    zip.check(c); // declared sizes against the bytes in the file, before readSigrokZip allocates from them
    total += c.uncompressedSize;
  }
  if (total > MAX_CAPTURE_BYTES) {
    throw new DiskfluxError("E_LIMIT", `${escapeName(src)}: ${total} bytes of samples, more than the 4 GiB diskflux accepts; split the capture into shorter sessions`);
  }
  if (total % unitSize !== 0) {
    throw new DiskfluxError(
      "E_CORRUPT",
      `${escapeName(src)}: ${total} bytes of samples is not a whole number of ${unitSize}-byte samples; the file is damaged, re-copy or re-export the capture`,
    );
  }

  return { source: src, sampleRate, sampleCount: total / unitSize, unitSize, channels, chunks };
}

/** The logic data members in order: "<base>-1", "<base>-2", ... or a single "<base>". */
function logicChunks(zip: ZipArchive, base: string): ZipMember[] {
  const numbered: { n: number; member: ZipMember }[] = [];
  const prefix = `${base}-`;
  for (const m of zip.members) {
    if (!m.name.startsWith(prefix)) continue;
    const tail = m.name.slice(prefix.length);
    if (/^\d+$/.test(tail)) numbered.push({ n: Number(tail), member: m });
  }
  if (numbered.length === 0) {
    const single = zip.find(base);
    if (single) return [single];
    throw new DiskfluxError("E_CORRUPT", `${escapeName(zip.source)}: no logic data (members ${quoteInput(`${base}-1`)}, ...) in the session; the file is damaged or holds no samples`);
  }
  numbered.sort((a, b) => a.n - b.n);
  numbered.forEach((c, i) => {
    if (c.n !== i + 1) {
      throw new DiskfluxError("E_CORRUPT", `${escapeName(zip.source)}: logic chunk ${quoteInput(`${prefix}${i + 1}`)} is missing (found ${quoteInput(c.member.name)}); the file is damaged, re-copy or re-export the capture`);
    }
  });
  return numbered.map((c) => c.member);
}

function positiveInt(src: string, key: string, text: string, min: number, max: number): number {
  const t = text.trim();
  const n = /^\d+$/.test(t) ? Number(t) : NaN;
  if (n > max) {
    throw new DiskfluxError("E_LIMIT", `${escapeName(src)}: "${key}" = ${t} is more than the ${max} diskflux accepts`);
  }
  if (!(n >= min && n <= max)) {
    throw new DiskfluxError("E_CORRUPT", `${escapeName(src)}: "${key}" = ${quoteInput(text)} in the capture's metadata is not a number from ${min} to ${max}; the file is damaged`);
  }
  return n;
}

// ---------------------------------------------------------------- shared with dsl.ts

/**
 * Parses an INI / GLib key file into sections of key -> value. Keys and values
 * are trimmed (both "key=value" and "key = value" occur); lines starting with
 * # or ; are comments; keys before any section go into section "".
 */
export function parseIni(text: string): Map<string, Map<string, string>> {
  const sections = new Map<string, Map<string, string>>();
  let current = new Map<string, string>();
  sections.set("", current);
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#") || line.startsWith(";")) continue;
    if (line.startsWith("[") && line.endsWith("]")) {
      const name = line.slice(1, -1).trim();
      current = sections.get(name) ?? new Map<string, string>();
      sections.set(name, current);
      continue;
    }
    const eq = line.indexOf("=");
    if (eq < 0) continue;
    const key = line.slice(0, eq).trim();
    if (!current.has(key)) current.set(key, line.slice(eq + 1).trim());
  }
  return sections;
}

const RATE_UNITS: Record<string, number> = { "": 1, k: 1e3, m: 1e6, g: 1e9 };

/**
 * "15 MHz", "200MHz", "12.5 kHz", "1 GHz", "100000000" -> samples per second;
 * undefined when the text is not a positive frequency.
 */
export function parseSampleRate(text: string): number | undefined {
  const m = /^\s*(\d+(?:\.\d*)?|\.\d+)\s*([kmg]?)(?:hz)?\s*$/i.exec(text);
  if (!m) return undefined;
  const hz = Number(m[1]) * RATE_UNITS[m[2].toLowerCase()];
  if (!Number.isFinite(hz) || hz <= 0) return undefined;
  // Rates are whole numbers of Hz; undo float noise from the decimal scaling.
  const whole = Math.round(hz);
  return Math.abs(hz - whole) < 1e-9 * Math.max(1, hz) ? whole : hz;
}
