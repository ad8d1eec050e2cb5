// The fuzzing campaign (issue 14): seeded mutations of real and synthesized
// captures, fed through every reader and every output mode on both backends.
//
//   seeds        the shared captures (../shared/samples: .sr, .dsl, and the
//                flux files), and files diskflux's own writers make from
//                synthesized tracks (.sr, .dsl, .vcd logic and tr_to_vcd
//                pulses, a multi-track .tr, CSV with and without a time column)
//   mutations    raw (bit flips, interesting bytes and words, truncation,
//                spliced garbage, duplicated / repeated / deleted runs, tokens
//                and lines of text replaced) and structure-aware (ZIP members
//                edited and re-zipped with valid CRCs, ZIP directory fields,
//                metadata/header INI values, .tr header fields with the
//                checksums fixed so the damage reaches the decoder)
//   modes        -A annotations (text and --json), -B binary streams, --json
//                records, the sector table, image assembly and its map,
//                detect(), decode "auto", --recover, streaming (chunked
//                decode, compared with the whole decode), and the pool's file
//                read (a .sr through the fused inflate→edges kernel, compared
//                with readAnyCapture's capture)
//   backends     js and wasm
//
// Each case (one seed, 0-8 mutations, one mode, one backend) must end in a
// result or a DiskfluxError whose message is one printable line, and within
// the budget (BUDGET below; `size` = bytes of the mutated file, `expanded` =
// bytes of samples / edges the reader produced from it):
//
//   reader expansion   expanded ≤ 256 MiB + 1040 · size     (deflate's ratio; VCD/CSV run lengths)
//   time               ≤ 5 s + 2 µs · size + 1 µs · expanded
//   heap growth        ≤ 64 MiB + 16 · size + 8 · expanded  (heapUsed + arrayBuffers at the end of
//                      (+ 2 · image bytes in image mode)    the case, garbage included, from a
//                                                           baseline taken after a full GC)
//
// (image mode sizes its image from the decoded headers' cylinder and head
// numbers, not from the input: it is allowed twice the image it makes, and the
// largest image per input byte is reported.)
//
// Cases come from fast-check: case i of a campaign with seed S is generated
// from seed caseSeed(S, i), so `--seed S --case i` (or the regression file)
// replays it exactly; a failing case is shrunk by fast-check (fewer, smaller
// mutations) and saved as test/fuzz-regressions/<caseSeed>.json with the
// mutated input inlined (base64, when ≤ 1 MiB), which test/fuzz.test.ts replays.

import fc from "fast-check";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import v8 from "node:v8";
import vm from "node:vm";
import { unzipSync, zipSync, type Zippable } from "fflate";
import type { Capture, LogicCapture } from "../../src/capture.js";
import { DiskfluxError } from "../../src/errors.js";
import { readAnyCapture, detectCaptureFormat, type AnyCapture } from "../../src/readers/index.js";
import { openCaptureStream } from "../../src/readers/stream.js";
import { trChecksum } from "../../src/readers/tr.js";
import { decode, type DecodeResult } from "../../src/decode.js";
import { decodeChunks } from "../../src/stream.js";
import { annotationChunks, annotationObjects } from "../../src/annotate/index.js";
import { assembleImage } from "../../src/image/assemble.js";
import { sectorMapText } from "../../src/image/map.js";
import { sectorTable } from "../../src/report/table.js";
import { detect } from "../../src/detect/detect.js";
import { synthTrack } from "../../src/encode/synth.js";
import { readFileWork } from "../../src/pool/read.js";
import { writeSigrok } from "../../src/writers/sigrok.js";
import { writeVcd } from "../../src/writers/vcd.js";
import { writeTr } from "../../src/writers/tr.js";
import { writeDsl } from "./dsl-writer.js";
import { ORACLE_DIR, SAMPLES_DIR } from "./shared.js";

// ---------------------------------------------------------------- budget

export const BUDGET = {
  /** Reader expansion: expanded ≤ expandFloor + expandPerByte · size. */
  expandFloor: 256 * 2 ** 20,
  expandPerByte: 1040,
  /** Time: ≤ timeBaseMs + timePerByteMs · size + timePerExpandedMs · expanded. */
  timeBaseMs: 5000,
  timePerByteMs: 2e-3,
  timePerExpandedMs: 1e-3,
  /** Heap growth: ≤ memBase + memPerByte · size + memPerExpanded · expanded. */
  memBase: 64 * 2 ** 20,
  memPerByte: 16,
  memPerExpanded: 8,
};

export const BUDGET_TEXT =
  "expanded ≤ 256 MiB + 1040·size; time ≤ 5 s + 2 µs·size + 1 µs·expanded; heap+arrayBuffers growth ≤ 64 MiB + 16·size + 8·expanded (+ 2·image in image mode)";

export function timeBudgetMs(size: number, expanded: number): number {
  return BUDGET.timeBaseMs + BUDGET.timePerByteMs * size + BUDGET.timePerExpandedMs * expanded;
}
export function memBudget(size: number, expanded: number, image = 0): number {
  return BUDGET.memBase + BUDGET.memPerByte * size + BUDGET.memPerExpanded * expanded + 2 * image;
}

/** A full GC, when the runtime allows it (node --expose-gc, or V8's flag set at run time). */
export const fullGc: () => void = (() => {
  const g = (globalThis as { gc?: () => void }).gc;
  if (typeof g === "function") return g;
  try {
    v8.setFlagsFromString("--expose-gc");
    const fn = vm.runInNewContext("gc") as () => void;
    if (typeof fn === "function") return fn;
  } catch {
    /* no GC control: growth is measured against a noisier baseline */
  }
  return () => {};
})();

// ---------------------------------------------------------------- seeds

export interface Seed {
  /** Unique name; also the source name given to the readers. */
  readonly name: string;
  readonly origin: "shared" | "flux" | "synth";
  readonly bytes: Uint8Array;
  /** The -P option string that decodes it ("" = defaults). */
  readonly options: string;
}

export interface SeedSet {
  seeds: Seed[];
  /** What was skipped and why (shared folders missing). */
  skipped: string[];
}

const FLUX_OPTIONS: Record<string, string> = {
  mfm: "data_rate=250000:format=MFM:data_crc_size=16:data_crc_poly=0x1021",
  fm: "data_rate=125000:format=FM:data_crc_size=16:data_crc_poly=0x1021",
};
/** Flux files used as seeds (the big ibm360.scp is left out: 12 MB per case). */
const FLUX_SEEDS: [string, string][] = [
  ["flux/ibm360.hfe", FLUX_OPTIONS.mfm],
  ["flux/acorn.scp", FLUX_OPTIONS.fm],
  ["flux/acorn-kryoflux/acorn00.0.raw", FLUX_OPTIONS.fm],
  ["flux/acorn-kryoflux/acorn21.0.raw", FLUX_OPTIONS.fm],
];

let cachedSeeds: SeedSet | undefined;

/** Every seed: the shared captures when ../shared/samples is there (skipped loudly otherwise), and the synthesized files. */
export function loadSeeds(opts: { shared?: boolean; flux?: boolean } = {}): SeedSet {
  if (cachedSeeds && opts.shared !== false && opts.flux !== false) return cachedSeeds;
  const seeds: Seed[] = [];
  const skipped: string[] = [];
  if (opts.shared !== false) {
    if (existsSync(SAMPLES_DIR)) {
      const options = oracleOptions();
      for (const f of readdirSync(SAMPLES_DIR).sort()) {
        if (!/\.(sr|dsl)$/.test(f)) continue;
        seeds.push({ name: f, origin: "shared", bytes: new Uint8Array(readFileSync(join(SAMPLES_DIR, f))), options: options.get(f) ?? "auto" });
      }
      if (!options.size) skipped.push(`oracle options (${ORACLE_DIR}/summary.tsv missing): shared captures decode with "auto"`);
    } else {
      skipped.push(`shared captures: ${SAMPLES_DIR} not found (set DISKFLUX_SAMPLES)`);
    }
  }
  if (opts.flux !== false) {
    for (const [f, options] of FLUX_SEEDS) {
      const p = join(SAMPLES_DIR, f);
      if (existsSync(p)) seeds.push({ name: f.split("/").pop()!, origin: "flux", bytes: new Uint8Array(readFileSync(p)), options });
      else skipped.push(`flux seed ${f}: not found in ${SAMPLES_DIR}`);
    }
  }
  seeds.push(...synthSeeds());
  const set = { seeds, skipped };
  if (opts.shared !== false && opts.flux !== false) cachedSeeds = set;
  return set;
}

function oracleOptions(): Map<string, string> {
  const m = new Map<string, string>();
  const tsv = `${ORACLE_DIR}/summary.tsv`;
  if (!existsSync(tsv)) return m;
  const [head, ...rows] = readFileSync(tsv, "utf8").trim().split("\n").map((l) => l.split("\t"));
  const file = head.indexOf("sample"), options = head.indexOf("options");
  for (const r of rows) m.set(r[file].replace(" (converted)", ""), r[options]);
  return m;
}

/** Files written by diskflux's writers (and two small test writers) from synthesized tracks. */
export function synthSeeds(): Seed[] {
  const out: Seed[] = [];
  const mfm = synthTrack({ format: "MFM", sectorsPerTrack: 4, jitter: 0.02, indexPulse: true, badSectors: [2], seed: 11 });
  out.push({ name: "synth-mfm.sr", origin: "synth", bytes: writeSigrok({ ...mfm.capture, channels: [{ index: 0, name: "RD" }, { index: 1, name: "IDX" }] }), options: mfm.options });
  const fm = synthTrack({ format: "FM", sectorsPerTrack: 2, sectorSize: 128, seed: 12 });
  out.push({ name: "synth-fm.dsl", origin: "synth", bytes: writeDsl(fm.capture, 4096), options: fm.options });
  const rll = synthTrack({ format: "RLL_WD", sectorsPerTrack: 3, seed: 13 });
  out.push({ name: "synth-rll.vcd", origin: "synth", bytes: writeVcd(rll.capture), options: rll.options });
  const pulses = synthTrack({ format: "MFM", sectorsPerTrack: 3, sectorSize: 256, seed: 14 });
  out.push({ name: "synth-pulses.vcd", origin: "synth", bytes: writeVcd(pulses.edges, { comment: "Track 0: Cylinder 0, Head 0" }), options: pulses.options });
  const tracks = [];
  for (let cyl = 0; cyl < 2; cyl++) {
    for (let head = 0; head < 2; head++) {
      const t = synthTrack({ format: "MFM", cyl, head, sectorsPerTrack: 2, sectorSize: 256, seed: 20 + cyl * 2 + head });
      tracks.push({ cyl, head, capture: t.edges });
    }
  }
  out.push({ name: "synth-disk.tr", origin: "synth", bytes: writeTr(tracks, { commandLine: "mfm_read --transitions_file synth-disk.tr", note: "diskflux fuzz seed" }), options: synthTrack({ format: "MFM", sectorsPerTrack: 1 }).options });
  const floppy = synthTrack({ format: "MFM_floppy", sectorsPerTrack: 2, sectorSize: 128, seed: 15 });
  out.push({ name: "synth-floppy.csv", origin: "synth", bytes: csvWithTime(floppy.capture), options: floppy.options });
  const small = synthTrack({ format: "FM", sectorsPerTrack: 1, sectorSize: 128, sampleRate: 2_000_000, seed: 16 });
  out.push({ name: "synth-rows.csv", origin: "synth", bytes: csvRows(small.capture), options: small.options });
  return out;
}

/** sigrok-cli style CSV with a time column (seconds), one row per change. */
function csvWithTime(c: LogicCapture): Uint8Array {
  const lines = [`; CSV, generated by diskflux fuzz`, `; Samplerate: ${c.sampleRate / 1e6} MHz`, `Time [s],${c.channels.map((ch) => ch.name).join(",")}`];
  const row = (i: number) => `${(i / c.sampleRate).toFixed(9)},${c.channels.map((ch) => (c.samples[i * c.unitSize] >> ch.index) & 1).join(",")}`;
  let prev = -1;
  for (let i = 0; i < c.sampleCount; i++) {
    const v = c.samples[i * c.unitSize];
    if (v !== prev || i === c.sampleCount - 1) lines.push(row(i));
    prev = v;
  }
  return new TextEncoder().encode(lines.join("\n") + "\n");
}

/** CSV with one row per sample and no time column. */
function csvRows(c: LogicCapture): Uint8Array {
  const lines = [`; Samplerate: ${c.sampleRate} Hz`];
  for (let i = 0; i < c.sampleCount; i++) lines.push(c.channels.map((ch) => (c.samples[i * c.unitSize] >> ch.index) & 1).join(","));
  return new TextEncoder().encode(lines.join("\n") + "\n");
}

// ---------------------------------------------------------------- mutations

const INTERESTING_BYTES = [0x00, 0x01, 0x7f, 0x80, 0xff, 0xfe, 0x20, 0x0a, 0x0d, 0x1b, 0x22, 0x23, 0x24, 0x2c, 0x30, 0x31, 0x39, 0x3b, 0x3d, 0x5b];
const INTERESTING_WORDS = [0, 1, 2, 7, 8, 12, 0xff, 0x100, 0xffff, 0x10000, 0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff, 200_000_000, 1_000_000];
const INTERESTING_TOKENS = [
  "0", "1", "-1", "x", "z", "2", "#0", "#1", "#99999999999", "#18446744073709551616", "#9007199254740993", "#-5", "#", "$end", "$var", "$comment",
  "$enddefinitions", "$timescale", "1 fs", "100 s", "1!", "0!", "b101", "r1.5", "1e309", "NaN", "0x10", "4294967296", "99999999999999999999",
  "Time [s]", "Time [ps]", "sample", "; Samplerate: 1 GHz", "; Samplerate: 1 Hz", "\x1b[31m", "\x00", "\u2028", "\r", "\u00ff", "9".repeat(40),
  ",", ",,,", "\t", "\"1\"", "1e-9", "0.000000001",
];
const INTERESTING_VALUES = [
  "0", "1", "-1", "2", "3", "8", "9", "16", "64", "65", "1000000", "4294967296", "99999999999999999999", "1 Hz", "1 GHz", "100 GHz", "0.5 Hz",
  "15 MHz", "200 MHz", "1e9", "NaN", "abc", "", " 3 ", "logic-1", "logic-2", "L-0", "\x1b]0;title\x07", "a\nb", "\u202e", "0x10",
];
const INI_KEYS = ["samplerate", "total probes", "unitsize", "capturefile", "probe1", "probe2", "probe0", "total samples", "total blocks", "device mode", "version"];
const MEMBER_NAMES = ["metadata", "header", "version", "logic-1", "logic-1-1", "logic-1-2", "logic-1-9", "L-0/0", "L-0/1", "L-1/0", "L-9/0", "L-70/0", "session"];

export type Mutation =
  | { op: "flip"; at: number; bit: number }
  | { op: "flips"; at: number; n: number; seed: number }
  | { op: "byte"; at: number; value: number }
  | { op: "word"; at: number; value: number }
  | { op: "truncate"; at: number }
  | { op: "splice"; at: number; bytes: number[] }
  | { op: "overwrite"; at: number; bytes: number[] }
  | { op: "duplicate"; from: number; len: number; to: number }
  | { op: "repeat"; from: number; len: number; times: number }
  | { op: "delete"; from: number; len: number }
  | { op: "token"; at: number; value: number }
  | { op: "lines"; kind: "dup" | "del" | "swap"; line: number; other: number }
  | { op: "zipfield"; record: number; field: number; value: number }
  | { op: "member"; member: number; edit: "data" | "drop" | "rename" | "copy"; inner: RawMutation | null; name: number; level: 0 | 6 }
  | { op: "ini"; line: number; edit: "value" | "key" | "del" | "dup" | "add"; value: number; key: number; level: 0 | 6 }
  | { op: "trfield"; field: number; value: number; fix: boolean }
  | { op: "trfix" };

type RawMutation = Extract<Mutation, { op: "flip" | "flips" | "byte" | "word" | "truncate" | "splice" | "overwrite" | "duplicate" | "repeat" | "delete" }>;

const at = fc.nat();
const bytesArb = fc.array(fc.nat({ max: 255 }), { minLength: 1, maxLength: 64 });
const rawMutation: fc.Arbitrary<RawMutation> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ op: fc.constant("flip" as const), at, bit: fc.nat({ max: 7 }) }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant("flips" as const), at, n: fc.integer({ min: 2, max: 32 }), seed: fc.nat() }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant("byte" as const), at, value: fc.constantFrom(...INTERESTING_BYTES) }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant("word" as const), at, value: fc.constantFrom(...INTERESTING_WORDS) }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant("truncate" as const), at }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant("splice" as const), at, bytes: bytesArb }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant("overwrite" as const), at, bytes: bytesArb }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant("duplicate" as const), from: at, len: fc.integer({ min: 1, max: 4096 }), to: at }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("repeat" as const), from: at, len: fc.integer({ min: 1, max: 256 }), times: fc.integer({ min: 2, max: 64 }) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("delete" as const), from: at, len: fc.integer({ min: 1, max: 4096 }) }) },
);

const tokenMutation = fc.record({ op: fc.constant("token" as const), at, value: fc.nat({ max: INTERESTING_TOKENS.length - 1 }) });
const linesMutation = fc.record({ op: fc.constant("lines" as const), kind: fc.constantFrom("dup" as const, "del" as const, "swap" as const), line: fc.nat(), other: fc.nat() });
const zipFieldMutation = fc.record({ op: fc.constant("zipfield" as const), record: fc.nat({ max: 40 }), field: fc.nat({ max: 11 }), value: fc.constantFrom(...INTERESTING_WORDS) });
const memberMutation = fc.record({
  op: fc.constant("member" as const),
  member: fc.nat({ max: 40 }),
  edit: fc.constantFrom("data" as const, "data" as const, "data" as const, "drop" as const, "rename" as const, "copy" as const),
  inner: fc.option(rawMutation, { nil: null }),
  name: fc.nat({ max: MEMBER_NAMES.length - 1 }),
  level: fc.constantFrom(0 as const, 6 as const),
});
const iniMutation = fc.record({
  op: fc.constant("ini" as const),
  line: fc.nat({ max: 40 }),
  edit: fc.constantFrom("value" as const, "value" as const, "key" as const, "del" as const, "dup" as const, "add" as const),
  value: fc.nat({ max: INTERESTING_VALUES.length - 1 }),
  key: fc.nat({ max: INI_KEYS.length - 1 }),
  level: fc.constantFrom(0 as const, 6 as const),
});
const trFieldMutation = fc.record({ op: fc.constant("trfield" as const), field: fc.nat({ max: 9 }), value: fc.constantFrom(...INTERESTING_WORDS), fix: fc.boolean() });
const trFixMutation = fc.constant({ op: "trfix" as const });

export type SeedKind = "zip" | "text" | "tr" | "binary";

/** What a seed is, for choosing mutations that reach into its structure. */
export function seedKind(name: string): SeedKind {
  if (/\.(sr|dsl)$/.test(name)) return "zip";
  if (/\.(vcd|csv)$/.test(name)) return "text";
  if (/\.tr$/.test(name)) return "tr";
  return "binary";
}

/** Mutations for a kind of seed: mostly those that fit its structure, a few of every other kind. */
export function mutationArb(kind: SeedKind): fc.Arbitrary<Mutation> {
  const w = { raw: 4, token: 1, lines: 1, zipfield: 1, member: 1, ini: 1, trfield: 1, trfix: 1 };
  if (kind === "zip") Object.assign(w, { raw: 3, zipfield: 3, member: 6, ini: 6 });
  if (kind === "text") Object.assign(w, { raw: 4, token: 6, lines: 3 });
  if (kind === "tr") Object.assign(w, { raw: 4, trfield: 4, trfix: 3 });
  if (kind === "binary") Object.assign(w, { raw: 10 });
  return fc.oneof(
    { weight: w.raw, arbitrary: rawMutation },
    { weight: w.token, arbitrary: tokenMutation },
    { weight: w.lines, arbitrary: linesMutation },
    { weight: w.zipfield, arbitrary: zipFieldMutation },
    { weight: w.member, arbitrary: memberMutation },
    { weight: w.ini, arbitrary: iniMutation },
    { weight: w.trfield, arbitrary: trFieldMutation },
    { weight: w.trfix, arbitrary: trFixMutation },
  );
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((a, p) => a + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

const TEXT = new TextEncoder();

function applyRaw(b: Uint8Array, m: RawMutation): Uint8Array {
  const n = b.length;
  const pos = (v: number) => (n === 0 ? 0 : v % n);
  switch (m.op) {
    case "flip": {
      if (n === 0) return b;
      const out = b.slice();
      out[pos(m.at)] ^= 1 << m.bit;
      return out;
    }
    case "flips": {
      if (n === 0) return b;
      const out = b.slice();
      const base = pos(m.at);
      let s = m.seed >>> 0 || 1;
      for (let i = 0; i < m.n; i++) {
        s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0;
        out[Math.min(n - 1, base + (s % 64))] ^= 1 << ((s >>> 8) & 7);
      }
      return out;
    }
    case "byte": {
      if (n === 0) return b;
      const out = b.slice();
      out[pos(m.at)] = m.value;
      return out;
    }
    case "word": {
      if (n < 4) return b;
      const out = b.slice();
      new DataView(out.buffer).setUint32(m.at % (n - 3), m.value >>> 0, true);
      return out;
    }
    case "truncate":
      return b.slice(0, n === 0 ? 0 : m.at % n);
    case "splice": {
      const p = m.at % (n + 1);
      return concat(b.subarray(0, p), Uint8Array.from(m.bytes), b.subarray(p));
    }
    case "overwrite": {
      const out = b.slice();
      const p = pos(m.at);
      for (let i = 0; i < m.bytes.length && p + i < n; i++) out[p + i] = m.bytes[i];
      return out;
    }
    case "duplicate": {
      if (n === 0) return b;
      const from = pos(m.from);
      const run = b.subarray(from, Math.min(n, from + m.len));
      const to = m.to % (n + 1);
      return concat(b.subarray(0, to), run, b.subarray(to));
    }
    case "repeat": {
      if (n === 0) return b;
      const from = pos(m.from);
      const run = b.subarray(from, Math.min(n, from + m.len));
      return concat(b.subarray(0, from), ...Array.from({ length: m.times }, () => run), b.subarray(from));
    }
    case "delete": {
      if (n === 0) return b;
      const from = pos(m.from);
      return concat(b.subarray(0, from), b.subarray(Math.min(n, from + m.len)));
    }
  }
}

const SEPARATOR = (c: number) => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09 || c === 0x2c;

function applyToken(b: Uint8Array, m: Extract<Mutation, { op: "token" }>): Uint8Array {
  if (b.length === 0) return TEXT.encode(INTERESTING_TOKENS[m.value]);
  let s = m.at % b.length;
  while (s > 0 && !SEPARATOR(b[s - 1])) s--;
  let e = s;
  while (e < b.length && !SEPARATOR(b[e])) e++;
  return concat(b.subarray(0, s), TEXT.encode(INTERESTING_TOKENS[m.value]), b.subarray(e));
}

function applyLines(b: Uint8Array, m: Extract<Mutation, { op: "lines" }>): Uint8Array {
  const starts = [0];
  for (let i = 0; i < b.length && starts.length < 1 << 20; i++) if (b[i] === 0x0a) starts.push(i + 1);
  const count = starts.length;
  const line = (k: number) => b.subarray(starts[k], k + 1 < count ? starts[k + 1] : b.length);
  const i = m.line % count, j = m.other % count;
  if (m.kind === "dup") return concat(b.subarray(0, starts[i]), line(i), b.subarray(starts[i]));
  if (m.kind === "del") return concat(b.subarray(0, starts[i]), b.subarray(i + 1 < count ? starts[i + 1] : b.length));
  if (i === j) return b;
  const [x, y] = i < j ? [i, j] : [j, i];
  return concat(b.subarray(0, starts[x]), line(y), b.subarray(starts[x] + line(x).length, starts[y]), line(x), b.subarray(starts[y] + line(y).length));
}

/** ZIP directory fields: [record kind, offset, width]. */
const ZIP_FIELDS: ["central" | "local" | "eocd", number, 2 | 4][] = [
  ["central", 8, 2], ["central", 10, 2], ["central", 16, 4], ["central", 20, 4], ["central", 24, 4], ["central", 28, 2], ["central", 30, 2], ["central", 42, 4],
  ["local", 26, 2], ["local", 28, 2], ["eocd", 10, 2], ["eocd", 12, 4],
];

function applyZipField(b: Uint8Array, m: Extract<Mutation, { op: "zipfield" }>): Uint8Array {
  const [kind, off, width] = ZIP_FIELDS[m.field % ZIP_FIELDS.length];
  const sig = kind === "central" ? 0x02014b50 : kind === "local" ? 0x04034b50 : 0x06054b50;
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const found: number[] = [];
  for (let p = 0; p + 4 <= b.length; p++) if (b[p] === 0x50 && b[p + 1] === 0x4b && view.getUint32(p, true) === sig) found.push(p);
  if (found.length === 0) return b;
  const p = found[m.record % found.length] + off;
  if (p + width > b.length) return b;
  const out = b.slice();
  const v = new DataView(out.buffer);
  if (width === 2) v.setUint16(p, m.value & 0xffff, true);
  else v.setUint32(p, m.value >>> 0, true);
  return out;
}

function unzipped(b: Uint8Array): [string, Uint8Array][] | undefined {
  try {
    return Object.entries(unzipSync(b));
  } catch {
    return undefined;
  }
}

/**
 * The members zipped again; `b` unchanged when fflate cannot (a member that an
 * earlier zipfield mutation made read as ~4 GiB: the mutation is then a no-op,
 * not a failure of diskflux).
 */
function rezip(b: Uint8Array, members: [string, Uint8Array][], level: 0 | 6): Uint8Array {
  const files: Zippable = {};
  const mtime = new Date(2000, 0, 1);
  for (const [name, data] of members) files[name] = [data, { level, mtime }];
  try {
    return zipSync(files);
  } catch {
    return b;
  }
}

function applyMember(b: Uint8Array, m: Extract<Mutation, { op: "member" }>): Uint8Array {
  const members = unzipped(b);
  if (!members || members.length === 0) return b;
  const k = m.member % members.length;
  const [name, data] = members[k];
  switch (m.edit) {
    case "data":
      members[k] = [name, m.inner ? applyRaw(data, m.inner) : data];
      break;
    case "drop":
      members.splice(k, 1);
      break;
    case "rename":
      members[k] = [MEMBER_NAMES[m.name], data];
      break;
    case "copy":
      members.push([MEMBER_NAMES[m.name], data]);
      break;
  }
  const unique = new Map(members);
  return rezip(b, [...unique], m.level);
}

function applyIni(b: Uint8Array, m: Extract<Mutation, { op: "ini" }>): Uint8Array {
  const members = unzipped(b);
  if (!members) return b;
  const k = members.findIndex(([n]) => n === "metadata" || n === "header");
  if (k < 0) return b;
  const lines = new TextDecoder().decode(members[k][1]).split("\n");
  const i = m.line % lines.length;
  const value = INTERESTING_VALUES[m.value];
  const key = INI_KEYS[m.key];
  const eq = lines[i].indexOf("=");
  switch (m.edit) {
    case "value":
      lines[i] = eq < 0 ? `${lines[i]}=${value}` : `${lines[i].slice(0, eq + 1)}${value}`;
      break;
    case "key":
      lines[i] = `${key}${eq < 0 ? "=" : lines[i].slice(eq)}`;
      break;
    case "del":
      lines.splice(i, 1);
      break;
    case "dup":
      lines.splice(i, 0, lines[i]);
      break;
    case "add":
      lines.splice(i, 0, `${key}=${value}`);
      break;
  }
  members[k] = [members[k][0], TEXT.encode(lines.join("\n"))];
  return rezip(b, members, m.level);
}

/** .tr header words (offset) and, past 100, fields of the first track record (cyl, head, length). */
const TR_FIELDS = [8, 12, 16, 20, 24, 28, 32, 101, 102, 103];

function trFix(b: Uint8Array): Uint8Array {
  if (b.length < 16) return b;
  const out = b.slice();
  const v = new DataView(out.buffer);
  const off = v.getUint32(12, true);
  if (off < 8 || off > out.length) return out;
  v.setUint32(off - 4, trChecksum(out, 0, off - 4), true);
  const ths = v.getUint32(16, true);
  if (ths < 12 || ths > 1 << 16) return out;
  for (let pos = off; pos + ths <= out.length; ) {
    const n = v.getUint32(pos + 8, true);
    if (v.getInt32(pos, true) === -1 && v.getInt32(pos + 4, true) === -1 && n === 0) {
      if (pos + ths + 4 <= out.length) v.setUint32(pos + ths, trChecksum(out, pos, pos + ths), true);
      break;
    }
    const end = pos + ths + n;
    if (end + 4 > out.length) break;
    v.setUint32(end, trChecksum(out, pos, end), true);
    pos = end + 4;
  }
  return out;
}

function applyTrField(b: Uint8Array, m: Extract<Mutation, { op: "trfield" }>): Uint8Array {
  if (b.length < 36 || b[0] !== 0xee) return b;
  const out = b.slice();
  const v = new DataView(out.buffer);
  const f = TR_FIELDS[m.field % TR_FIELDS.length];
  let p = f;
  if (f > 100) {
    const off = v.getUint32(12, true);
    p = off + (f - 101) * 4;
  }
  if (p + 4 > out.length) return out;
  v.setUint32(p, m.value >>> 0, true);
  return m.fix ? trFix(out) : out;
}

/** A mutation applied to a file's bytes (never in place). Mutations that do not fit the file leave it as it is. */
export function applyMutation(b: Uint8Array, m: Mutation): Uint8Array {
  switch (m.op) {
    case "token":
      return applyToken(b, m);
    case "lines":
      return applyLines(b, m);
    case "zipfield":
      return applyZipField(b, m);
    case "member":
      return applyMember(b, m);
    case "ini":
      return applyIni(b, m);
    case "trfield":
      return applyTrField(b, m);
    case "trfix":
      return b[0] === 0xee ? trFix(b) : b;
    default:
      return applyRaw(b, m);
  }
}

export function mutate(bytes: Uint8Array, mutations: readonly Mutation[]): Uint8Array {
  let b = bytes;
  for (const m of mutations) b = applyMutation(b, m);
  return b;
}

// ---------------------------------------------------------------- cases

export const MODES = ["annotate", "annotate-json", "binary", "json", "table", "image", "detect", "auto", "recover", "stream", "pool-read"] as const;
export type Mode = (typeof MODES)[number];
export type Backend = "js" | "wasm";

export interface FuzzCase {
  /** Seed index (into the seed list) — recorded by name in regression files. */
  seed: number;
  mutations: Mutation[];
  mode: Mode;
  backend: Backend;
  /** Sub-choices of a mode (chunk size, sample numbers, options given or detected). */
  variant: number;
}

export function caseArb(seeds: readonly Seed[]): fc.Arbitrary<FuzzCase> {
  return fc.nat({ max: seeds.length - 1 }).chain((seed) =>
    fc.record({
      seed: fc.constant(seed),
      mutations: fc.array(mutationArb(seedKind(seeds[seed].name)), { minLength: 0, maxLength: 8 }),
      mode: fc.constantFrom(...MODES),
      backend: fc.constantFrom("js" as const, "wasm" as const),
      variant: fc.nat({ max: 1 << 20 }),
    }),
  );
}

/** Case i of a campaign with seed s. */
export function caseSeed(campaign: number, index: number): number {
  let h = (campaign ^ Math.imul(index + 1, 0x9e3779b1)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b) >>> 0;
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35) >>> 0;
  return (h ^ (h >>> 16)) >>> 0;
}

/** Captures decoded per case at most (multi-track files). */
const MAX_TRACKS = 3;

export interface Outcome {
  kind: "ok" | "error";
  /** DiskfluxError code, for errors. */
  code?: string;
  message?: string;
  ms: number;
  size: number;
  expanded: number;
  heapGrowth: number;
  /** Output bytes produced (annotation text, binary streams, JSON, map). */
  output: number;
  /** Image mode: bytes of the image assembled. */
  image?: number;
  format?: string;
}

export class CaseFailure extends Error {
  constructor(readonly kind: "crash" | "message" | "time" | "memory" | "expansion" | "mismatch" | "output", message: string, readonly outcome?: Partial<Outcome>) {
    super(message);
    this.name = "CaseFailure";
  }
}

function capturesOf(any: AnyCapture): Capture[] {
  if (any.kind === "single") return [any.capture];
  const out: Capture[] = [];
  for (const t of any.tracks.slice(0, MAX_TRACKS)) out.push(t.capture); // a getter may unpack: read once
  return out;
}

function expandedBytes(captures: readonly Capture[]): number {
  let n = 0;
  for (const c of captures) n += c.kind === "logic" ? c.sampleCount * c.unitSize : c.edges.byteLength + (c.index?.byteLength ?? 0);
  return n;
}

const PRINTABLE_LINE = /^[^\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]*$/;

/** Output text must be lines of printable characters (no escape sequences reach a terminal). */
function checkText(what: string, text: string): void {
  for (const line of text.split("\n")) {
    if (!PRINTABLE_LINE.test(line)) throw new CaseFailure("output", `${what} holds a control character: ${JSON.stringify(line.slice(0, 120))}`);
  }
}

function recordsJson(result: DecodeResult): string {
  return JSON.stringify(result.records.map((r) => ({ ...r, bytes: Buffer.from(r.bytes).toString("hex"), ...(r.crcInput ? { crcInput: Buffer.from(r.crcInput).toString("hex") } : {}) })));
}

function sameRecords(a: DecodeResult, b: DecodeResult): boolean {
  return recordsJson(a) === recordsJson(b) && JSON.stringify(a.stats) === JSON.stringify(b.stats);
}

/** Runs one case's mode on the mutated bytes; returns output bytes produced, and what the reader expanded. */
type Note = (expanded: number, format: string, image?: number) => void;

async function runMode(bytes: Uint8Array, seed: Seed, c: FuzzCase, note: Note): Promise<number> {
  const backend = c.backend;
  const source = seed.name;
  if (c.mode === "stream" && detectCaptureFormat(bytes) === "zip") return streamZipCase(bytes, seed, c, note);
  if (c.mode === "pool-read") return poolReadCase(bytes, seed, c, note);
  const any = await readAnyCapture(bytes, source);
  const captures = capturesOf(any);
  note(expandedBytes(captures), any.format);
  if (captures.length === 0) return 0;
  const options = seed.options;
  const first = captures[0];
  switch (c.mode) {
    case "annotate": {
      let out = 0;
      for (const cap of captures) {
        const r = await decode(cap, options, { backend, logBytes: true });
        annotationChunks(r, { sampleNumbers: (c.variant & 1) === 1, ...(c.variant & 2 ? { classes: ["fields", "errors"] } : {}) }, (chunk) => {
          checkText("annotation text", chunk);
          out += chunk.length;
        });
      }
      return out;
    }
    case "annotate-json": {
      const r = await decode(first, options, { backend, logBytes: true });
      let out = 0;
      annotationObjects(r, {}, (a) => {
        out += JSON.stringify(a).length;
      });
      return out;
    }
    case "binary": {
      let out = 0;
      for (const cap of captures) {
        const r = await decode(cap, options, { backend });
        for (const k of ["id", "idcrc", "data", "datacrc", "iddata"] as const) {
          if (!(r.binary[k] instanceof Uint8Array)) throw new CaseFailure("output", `binary stream ${k} is not bytes`);
          out += r.binary[k].length;
        }
      }
      return out;
    }
    case "json": {
      let out = 0;
      for (const cap of captures) {
        const r = await decode(cap, options, { backend });
        const text = JSON.stringify({ sampleRate: r.sampleRate, sampleCount: r.sampleCount, stats: r.stats, records: JSON.parse(recordsJson(r)) });
        out += text.length;
      }
      return out;
    }
    case "table": {
      let out = 0;
      for (const cap of captures) {
        const text = sectorTable(await decode(cap, options, { backend }));
        checkText("sector table", text);
        out += text.length;
      }
      return out;
    }
    case "image": {
      const inputs = [];
      const tracks = any.kind === "tracks" ? any.tracks.slice(0, MAX_TRACKS) : undefined;
      for (let i = 0; i < captures.length; i++) {
        inputs.push({ result: await decode(captures[i], options, { backend }), source: `${source}#${i}`, ...(tracks ? { cyl: tracks[i].cyl, head: tracks[i].head } : {}) });
      }
      const img = assembleImage(inputs, c.variant & 1 && tracks ? { placeBy: "track" } : {});
      const map = sectorMapText(img);
      checkText("sector map", map);
      note(expandedBytes(captures), any.format, img.image.length);
      return img.image.length + map.length;
    }
    case "detect": {
      const partial = c.variant & 1 ? options.split(":").filter((p) => p.startsWith("format=")).join(":") : "auto";
      const found = await detect(captures, partial, { backend });
      checkText("detected option string", found.optionString);
      return found.optionString.length + JSON.stringify(found.evidence).length;
    }
    case "auto": {
      const r = await decode(first, "auto", { backend });
      return r.records.length;
    }
    case "recover": {
      const r = await decode(first, options, { backend, recover: true });
      return r.records.length;
    }
    case "stream": {
      // logic captures of other formats: the samples in chunks through the stream API
      if (first.kind !== "logic") return 0;
      const whole = await decode(first, options, { backend });
      const size = chunkSize(c.variant);
      const data = first.samples.subarray(0, first.sampleCount * first.unitSize);
      const gen = decodeChunks((function* () {
        for (let o = 0; o < data.length; o += size) yield data.subarray(o, o + size);
      })(), first, options, { backend });
      let step = await gen.next();
      while (!step.done) step = await gen.next();
      if (!sameRecords(whole, step.value)) throw new CaseFailure("mismatch", `decoding in chunks of ${size} differs from the whole decode`);
      return step.value.records.length;
    }
  }
}

/**
 * Stream mode's chunk size: 64 B to 4 MiB, log-uniform, odd sizes included
 * (smaller chunks are tested for equality in test/stream.test.ts; here they
 * would only measure the cost of a generator step per byte).
 */
function chunkSize(variant: number): number {
  return (1 << (6 + (variant % 17))) + ((variant >> 5) % 977);
}

/**
 * Stream mode on a .sr / .dsl: openCaptureStream + decodeChunks against
 * readAnyCapture + decode. Both read the same members and check the same
 * sizes and CRCs, so they must agree: the same records, or both an error
 * (only E_LIMIT, an allocation the stream never makes, may fail the whole read alone).
 */
/**
 * Pool-read mode: the file as decodeMany's threads read it (src/pool/read.ts:
 * a .sr through the fused inflate→edges kernel, anything else through
 * readAnyCapture) against readAnyCapture's first capture: both fail, or both
 * decode to the same records (a file of several tracks is the pool's E_ARGUMENT).
 */
async function poolReadCase(bytes: Uint8Array, seed: Seed, c: FuzzCase, note: Note): Promise<number> {
  const { backend } = c;
  const options = seed.options;
  const settle = <T,>(p: Promise<T>) => p.then((r) => ({ ok: true as const, r }), (e: unknown) => ({ ok: false as const, e }));
  let tracks = 1;
  const direct = await settle(
    (async () => {
      const any = await readAnyCapture(bytes, seed.name);
      const captures = capturesOf(any);
      tracks = any.kind === "tracks" ? any.tracks.length : 1;
      note(expandedBytes(captures), any.format);
      return decode(captures[0], options, { backend });
    })(),
  );
  const pooled = await settle(
    (async () => {
      const { capture } = await readFileWork({ bytes, source: seed.name }, { options });
      return decode(capture, options, { backend });
    })(),
  );
  const why = (e: unknown) => (e instanceof Error ? e.message : String(e));
  if (direct.ok && pooled.ok) {
    if (!sameRecords(direct.r, pooled.r)) throw new CaseFailure("mismatch", "the pool's read of the file decodes differently from readAnyCapture's capture");
    return pooled.r.records.length;
  }
  if (direct.ok && !pooled.ok) {
    if (tracks !== 1 && pooled.e instanceof DiskfluxError && pooled.e.code === "E_ARGUMENT") return 0;
    throw new CaseFailure("mismatch", `readAnyCapture's capture decodes but the pool's read fails: ${why(pooled.e)}`);
  }
  if (!direct.ok && pooled.ok) {
    if (direct.e instanceof DiskfluxError && direct.e.code === "E_LIMIT") return pooled.r.records.length;
    throw new CaseFailure("mismatch", `the pool's read decodes but readAnyCapture fails: ${why(direct.e)}`);
  }
  if (!pooled.ok && !(pooled.e instanceof DiskfluxError)) throw pooled.e; // a crash on the pool's side
  throw (direct as { e: unknown }).e;
}

async function streamZipCase(bytes: Uint8Array, seed: Seed, c: FuzzCase, note: Note): Promise<number> {
  const { backend } = c;
  const options = seed.options;
  const size = chunkSize(c.variant);
  const settle = <T,>(p: Promise<T>) => p.then((r) => ({ ok: true as const, r }), (e: unknown) => ({ ok: false as const, e }));
  const whole = await settle(
    (async () => {
      const any = await readAnyCapture(bytes, seed.name);
      const captures = capturesOf(any);
      note(expandedBytes(captures), any.format);
      return decode(captures[0], options, { backend });
    })(),
  );
  const streamed = await settle(
    (async () => {
      const s = await openCaptureStream(bytes, seed.name);
      const gen = decodeChunks(s.chunks(size), s.setup, options, { backend });
      let step = await gen.next();
      while (!step.done) step = await gen.next();
      return step.value;
    })(),
  );
  if (whole.ok && streamed.ok) {
    if (!sameRecords(whole.r, streamed.r)) throw new CaseFailure("mismatch", `streamed decode (chunks of ${size}) differs from the whole decode`);
    return streamed.r.records.length;
  }
  if (whole.ok && !streamed.ok) {
    const why = streamed.e instanceof Error ? streamed.e.message : String(streamed.e);
    throw new CaseFailure("mismatch", `the whole read decodes but the stream fails (chunks of ${size}): ${why}`);
  }
  if (!whole.ok && streamed.ok) {
    if (whole.e instanceof DiskfluxError && whole.e.code === "E_LIMIT") return streamed.r.records.length;
    const why = whole.e instanceof Error ? whole.e.message : String(whole.e);
    throw new CaseFailure("mismatch", `the stream decodes (chunks of ${size}) but the whole read fails: ${why}`);
  }
  if (!streamed.ok && !(streamed.e instanceof DiskfluxError)) throw streamed.e; // a crash on the streaming side
  throw (whole as { e: unknown }).e;
}

function checkError(e: unknown, partial: Partial<Outcome>): Outcome {
  if (e instanceof CaseFailure) throw e;
  if (!(e instanceof DiskfluxError)) {
    const what = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
    const stack = e instanceof Error && e.stack ? `\n${e.stack.split("\n").slice(1, 8).join("\n")}` : "";
    throw new CaseFailure("crash", `not a DiskfluxError: ${what}${stack}`, partial);
  }
  const msg = e.message;
  if (msg.length === 0 || !PRINTABLE_LINE.test(msg)) throw new CaseFailure("message", `message is not one printable line: ${JSON.stringify(msg.slice(0, 300))}`, partial);
  if (msg.length > 2000) throw new CaseFailure("message", `message is ${msg.length} characters long: ${JSON.stringify(msg.slice(0, 200))}…`, partial);
  return { ...(partial as Outcome), kind: "error", code: e.code, message: msg };
}

/**
 * Runs one case and checks it: a result or a one-line DiskfluxError, within
 * the budget. Throws CaseFailure when the case fails.
 */
export async function runCase(seeds: readonly Seed[], c: FuzzCase, opts: { input?: Uint8Array } = {}): Promise<Outcome> {
  const seed = seeds[c.seed % seeds.length];
  const bytes = opts.input ?? mutate(seed.bytes, c.mutations);
  fullGc();
  const content = detectCaptureFormat(bytes) ?? "unknown";
  const before = process.memoryUsage();
  const t0 = performance.now();
  let expanded = 0;
  let image = 0;
  let format: string | undefined = `${content}?`; // by content until a reader says what it read
  let outcome: Outcome;
  let output = 0;
  const partial = (): Partial<Outcome> => ({ size: bytes.length, expanded, ms: performance.now() - t0, ...(format ? { format } : {}) });
  try {
    output = await runMode(bytes, seed, c, (n, f, img) => {
      expanded = n;
      format = f;
      if (img !== undefined) image = img;
    });
    outcome = { kind: "ok", ms: 0, size: bytes.length, expanded, heapGrowth: 0, output, ...(format ? { format } : {}), ...(image ? { image } : {}) };
  } catch (e) {
    outcome = checkError(e, partial());
  }
  outcome.ms = performance.now() - t0;
  const after = process.memoryUsage();
  outcome.heapGrowth = after.heapUsed + after.arrayBuffers - before.heapUsed - before.arrayBuffers;
  if (expanded > BUDGET.expandFloor + BUDGET.expandPerByte * bytes.length) {
    throw new CaseFailure("expansion", `the reader expanded ${bytes.length} bytes to ${expanded} (budget ${BUDGET.expandFloor} + ${BUDGET.expandPerByte}·size)`, outcome);
  }
  const tb = timeBudgetMs(bytes.length, expanded);
  if (outcome.ms > tb) throw new CaseFailure("time", `took ${outcome.ms.toFixed(0)} ms, budget ${tb.toFixed(0)} ms (size ${bytes.length}, expanded ${expanded})`, outcome);
  const mb = memBudget(bytes.length, expanded, image);
  if (outcome.heapGrowth > mb) throw new CaseFailure("memory", `heap grew ${(outcome.heapGrowth / 2 ** 20).toFixed(1)} MiB, budget ${(mb / 2 ** 20).toFixed(1)} MiB (size ${bytes.length}, expanded ${expanded})`, outcome);
  return outcome;
}

// ---------------------------------------------------------------- campaign

export interface Failure {
  campaignSeed: number;
  index: number;
  caseSeed: number;
  /** fast-check's path to the shrunk counterexample. */
  path?: string;
  /** The shrunk case (the one saved and replayed). */
  case: FuzzCase & { seedName: string };
  failure: { kind: string; message: string };
  /** The case as generated, and how it failed, when shrinking changed it. */
  original?: { case: FuzzCase & { seedName: string }; failure: { kind: string; message: string } };
  file?: string;
}

export interface CampaignStats {
  cases: number;
  ok: number;
  errors: Record<string, number>;
  failures: Failure[];
  byMode: Record<string, number>;
  byFormat: Record<string, number>;
  byBackend: Record<string, number>;
  /** Largest share of its time / memory budget any case used. */
  worstTime: { ratio: number; ms: number; label: string };
  worstMemory: { ratio: number; bytes: number; label: string };
  /** Image mode: the largest image per byte of input. */
  largestImage: { ratio: number; bytes: number; label: string };
  ms: number;
}

export interface CampaignOptions {
  seed: number;
  cases: number;
  /** First case index (default 0). */
  from?: number;
  /** Stop starting new cases after this long. */
  timeBoxMs?: number;
  /** Where failing cases are saved (none: not saved). */
  saveDir?: string;
  /** Time fast-check may spend shrinking one failure. */
  shrinkMs?: number;
  seeds?: Seed[];
  onCase?: (index: number, c: FuzzCase, outcome: Outcome | undefined, stats: CampaignStats) => void;
  /** Called before a case runs (awaited: the fuzz script reports the case to its watcher first). */
  onStart?: (index: number, c: FuzzCase) => void | Promise<void>;
}

export function newStats(): CampaignStats {
  return { cases: 0, ok: 0, errors: {}, failures: [], byMode: {}, byFormat: {}, byBackend: {}, worstTime: { ratio: 0, ms: 0, label: "" }, worstMemory: { ratio: 0, bytes: 0, label: "" }, largestImage: { ratio: 0, bytes: 0, label: "" }, ms: 0 };
}

export function label(seeds: readonly Seed[], c: FuzzCase): string {
  return `${seeds[c.seed % seeds.length].name} ${c.mode}/${c.backend} (${c.mutations.length} mutations)`;
}

export function describeCase(seeds: readonly Seed[], c: FuzzCase): FuzzCase & { seedName: string } {
  return { ...c, seedName: seeds[c.seed % seeds.length].name };
}

/** One case of a campaign under fast-check (generation from its seed, shrinking on failure). */
export async function runIndexedCase(seeds: Seed[], campaign: number, index: number, opts: Pick<CampaignOptions, "saveDir" | "shrinkMs" | "onStart"> = {}): Promise<{ outcome?: Outcome; failure?: Failure; c: FuzzCase }> {
  const cs = caseSeed(campaign, index);
  let firstCase: FuzzCase | undefined;
  let firstOutcome: Outcome | undefined;
  let firstError: unknown;
  const details = await fc.check(
    fc.asyncProperty(caseArb(seeds), async (c) => {
      if (!firstCase) {
        firstCase = c;
        await opts.onStart?.(index, c);
      }
      try {
        const o = await runCase(seeds, c);
        if (c === firstCase) firstOutcome = o;
      } catch (e) {
        if (c === firstCase) firstError = e;
        throw e;
      }
    }),
    { seed: cs, numRuns: 1, interruptAfterTimeLimit: opts.shrinkMs ?? 60_000, markInterruptAsFailure: false },
  );
  if (!details.failed) return { outcome: firstOutcome, c: firstCase! };
  const shrunk = details.counterexample![0] as FuzzCase;
  const err = details.errorInstance;
  const kindOf = (e: unknown) => ({ kind: e instanceof CaseFailure ? e.kind : "crash", message: e instanceof Error ? e.message : String(e) });
  const failure: Failure = {
    campaignSeed: campaign,
    index,
    caseSeed: cs,
    ...(details.counterexamplePath ? { path: details.counterexamplePath } : {}),
    case: describeCase(seeds, shrunk),
    failure: kindOf(err),
    ...(firstCase && JSON.stringify(firstCase) !== JSON.stringify(shrunk) ? { original: { case: describeCase(seeds, firstCase), failure: kindOf(firstError) } } : {}),
  };
  if (opts.saveDir) failure.file = saveFailure(seeds, failure, opts.saveDir);
  return { failure, c: firstCase! };
}

/** Inputs up to this size are saved inside the regression file (so it replays without ../shared). */
const INLINE_INPUT = 256 << 10;

function sha256(b: Uint8Array): string {
  return createHash("sha256").update(b).digest("hex");
}

/** Saves a failing case as <saveDir>/<caseSeed>.json (input inlined when ≤ 256 KiB); returns the path. */
export function saveFailure(seeds: readonly Seed[], f: Failure, saveDir: string): string {
  mkdirSync(saveDir, { recursive: true });
  const seed = seeds.find((s) => s.name === f.case.seedName);
  const input = seed ? mutate(seed.bytes, f.case.mutations) : undefined;
  const file = resolve(saveDir, `${f.caseSeed}.json`);
  const record = {
    version: 1,
    ...f,
    file: undefined,
    budget: BUDGET_TEXT,
    input: input ? { bytes: input.length, sha256: sha256(input), ...(input.length <= INLINE_INPUT ? { base64: Buffer.from(input).toString("base64") } : {}) } : undefined,
    replay: `npm run fuzz -- --replay ${file}`,
  };
  writeFileSync(file, JSON.stringify(record, null, 2) + "\n");
  return file;
}

export interface Regression {
  file: string;
  case: FuzzCase & { seedName: string };
  input?: Uint8Array;
  /** SHA-256 of the input the case failed on. */
  sha256?: string;
  failure: { kind: string; message: string };
}

export function loadRegression(file: string): Regression {
  const j = JSON.parse(readFileSync(file, "utf8"));
  return {
    file,
    case: j.case,
    failure: j.failure,
    ...(j.input?.sha256 ? { sha256: j.input.sha256 } : {}),
    ...(j.input?.base64 ? { input: new Uint8Array(Buffer.from(j.input.base64, "base64")) } : {}),
  };
}

/** Replays a saved case: its inlined input when there is one, else the seed and mutations. Throws CaseFailure if it still fails. */
export async function replay(r: Regression, seeds: Seed[] = loadSeeds().seeds): Promise<Outcome | "skipped"> {
  let index = seeds.findIndex((s) => s.name === r.case.seedName);
  let list = seeds;
  if (index < 0) {
    if (!r.input) return "skipped";
    list = [{ name: r.case.seedName, origin: "shared", bytes: r.input, options: "auto" }];
    index = 0;
  }
  if (!r.input && r.sha256 && sha256(mutate(list[index].bytes, r.case.mutations)) !== r.sha256) {
    console.warn(`fuzz: ${r.file}: the seed ${r.case.seedName} and its mutations no longer give the input that failed (the seed changed); replaying what they give now`);
  }
  return runCase(list, { ...r.case, seed: index }, r.input ? { input: r.input } : {});
}

/** Runs cases [from, from + cases) of a campaign in this process. */
export async function runCampaign(opts: CampaignOptions): Promise<CampaignStats> {
  const seeds = opts.seeds ?? loadSeeds().seeds;
  const stats = newStats();
  const t0 = performance.now();
  const from = opts.from ?? 0;
  for (let i = from; i < from + opts.cases; i++) {
    if (opts.timeBoxMs !== undefined && performance.now() - t0 > opts.timeBoxMs) break;
    const r = await runIndexedCase(seeds, opts.seed, i, opts);
    record(stats, label(seeds, r.c), r.c, r.outcome, r.failure);
    opts.onCase?.(i, r.c, r.outcome, stats);
  }
  stats.ms = performance.now() - t0;
  return stats;
}

/** Adds a case's outcome to the statistics. */
export function record(stats: CampaignStats, what: string, c: Pick<FuzzCase, "mode" | "backend">, outcome: Outcome | undefined, failure: Failure | undefined): void {
  stats.cases++;
  stats.byMode[c.mode] = (stats.byMode[c.mode] ?? 0) + 1;
  stats.byBackend[c.backend] = (stats.byBackend[c.backend] ?? 0) + 1;
  if (failure) {
    stats.failures.push(failure);
    return;
  }
  if (!outcome) return;
  const fmt = outcome.format ?? "unread";
  stats.byFormat[fmt] = (stats.byFormat[fmt] ?? 0) + 1;
  if (outcome.kind === "ok") stats.ok++;
  else stats.errors[outcome.code!] = (stats.errors[outcome.code!] ?? 0) + 1;
  const tr = outcome.ms / timeBudgetMs(outcome.size, outcome.expanded);
  if (tr > stats.worstTime.ratio) stats.worstTime = { ratio: tr, ms: outcome.ms, label: what };
  const mr = outcome.heapGrowth / memBudget(outcome.size, outcome.expanded, outcome.image);
  if (outcome.image && outcome.image / outcome.size > stats.largestImage.ratio) stats.largestImage = { ratio: outcome.image / outcome.size, bytes: outcome.image, label: what };
  if (mr > stats.worstMemory.ratio) stats.worstMemory = { ratio: mr, bytes: outcome.heapGrowth, label: what };
}

export function summary(stats: CampaignStats, seed: number): string {
  const errors = Object.entries(stats.errors).sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ${v}`).join(", ");
  const list = (o: Record<string, number>) => Object.entries(o).sort().map(([k, v]) => `${k} ${v}`).join(", ");
  return [
    `fuzz: seed ${seed}: ${stats.cases} cases in ${(stats.ms / 1000).toFixed(1)} s: ${stats.ok} results, ${stats.cases - stats.ok - stats.failures.length} DiskfluxErrors (${errors || "none"}), ${stats.failures.length} failures`,
    `  modes: ${list(stats.byMode)}`,
    `  formats read: ${list(stats.byFormat)}; backends: ${list(stats.byBackend)}`,
    `  budget: ${BUDGET_TEXT}`,
    `  worst time: ${(stats.worstTime.ratio * 100).toFixed(1)}% of budget (${stats.worstTime.ms.toFixed(0)} ms, ${stats.worstTime.label}); ` +
      `worst memory: ${(stats.worstMemory.ratio * 100).toFixed(1)}% of budget (${(stats.worstMemory.bytes / 2 ** 20).toFixed(1)} MiB, ${stats.worstMemory.label})`,
    ...(stats.largestImage.bytes ? [`  largest image: ${(stats.largestImage.bytes / 2 ** 20).toFixed(1)} MiB from ${(stats.largestImage.bytes / stats.largestImage.ratio / 1024).toFixed(0)} KiB of input (${stats.largestImage.label})`] : []),
    ...stats.failures.map((f) => `  FAILED case ${f.index} (case seed ${f.caseSeed}): ${f.failure.kind}: ${f.failure.message.split("\n")[0]}${f.file ? ` -> ${f.file}` : ""}`),
  ].join("\n");
}
