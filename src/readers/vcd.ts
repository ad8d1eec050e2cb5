// Value Change Dump (.vcd) captures: 1-bit wires changing at integer timestamps.
//
//   $comment Acquisition with 3/3 channels at 15 MHz $end    (sigrok: the real rate)
//   $timescale 5 ns $end                                     (tick = 1 sample, unless the comment says otherwise)
//   $scope module libsigrok $end
//   $var wire 1 ! 0 $end          wire k (declaration order) -> bit k of a sample
//   $var wire 1 " 1 $end
//   $upscope $end
//   $enddefinitions $end
//   #0 1! 0"                      timestamp, then value changes (0 1 x z; b<bits> <id>)
//   #12 0!
//   #3499904                      a bare last timestamp = end of the capture (sigrok)
//
// What the two common writers produce:
//   * sigrok-cli -O vcd: a power-of-ten timescale at or below the sample period
//     and the sample rate in the comment; timestamps are samples × period.
//   * tr_to_vcd (spec §8): `$timescale 5 ns`, wire `!` named `0`, `#T 1!` and
//     `#T+1 0!` per transition (1-tick high pulses, the rising edge is the
//     transition), and for several tracks a new header per track
//     (`$comment Track k: Cylinder c, Head h $end`) with time continuing.
//
// Samples: sample = timestamp when a tick is one sample, else round(t · rate / tickRate).
// The level of a sample is the value after the last change at or before it;
// undefined values (x, z) read as 0, as does everything before the first change.
// The capture ends at the last timestamp, inclusive when changes happen there.
//
// readVcd(..., { as: "logic" }) expands this into samples (unitSize = ceil(wires / 8)).
// { as: "edges" } extracts the data wire's leading edges exactly as decode()
// would from those samples (index level and suppress wire included) without
// ever materialising the samples: use it for long files.

import type { EdgeCapture, LogicCapture } from "../capture.js";
import { DiskfluxError } from "../errors.js";
import { escapeInput, escapeName, QUOTE_LIMIT, quoteInput } from "../escape.js";
import { parseSampleRate } from "./sigrok.js";
import { allocate } from "./zip.js";

const MAX_SAMPLE_BYTES = 2 ** 32;
/**
 * Timestamps are run lengths taken from the input, so logic samples are
 * expanded only up to this many bytes per byte of the file (deflate's ratio, as
 * for .sr), or LOGIC_FLOOR bytes whatever the file's size (readAnyCapture
 * expands at most 256 MiB and reads longer files as edges, which are bounded
 * by the file).
 */
const LOGIC_PER_BYTE = 1024;
const LOGIC_FLOOR = 256 * 2 ** 20;
/** Longest token copied into a string (a name, an identifier, a vector value); longer ones are refused. */
const MAX_TOKEN = 1 << 20;
/** Text of a declaration or comment kept (Scanner.untilEnd); the rest up to its $end is skipped. */
const KEPT_TEXT = 1 << 16;

export interface VcdReadOptions {
  /** "logic" (default): all wires as samples. "edges": the data wire's leading edges only. */
  readonly as?: "logic" | "edges";
  /** Data wire by name or identifier code (default: the first wire declared). */
  readonly dataWire?: string;
  /** Index wire for edges mode (default: the second wire, if any); null = none. */
  readonly indexWire?: string | null;
  /** Suppress wire for edges mode (default: the third wire, if any); null = none. */
  readonly suppressWire?: string | null;
  /** Leading edge of the data wire in edges mode (default rising, as tr_to_vcd writes it). */
  readonly leadingEdge?: "rising" | "falling";
  /**
   * Samples per second of the result; timestamps are converted with the
   * timescale (a file without one counts samples). Default: the rate in a
   * sigrok-style comment ("... at 15 MHz"), else 1 / timescale.
   */
  readonly sampleRate?: number;
}

export interface VcdWire {
  /** Identifier code as in the file (`!`). */
  readonly id: string;
  /** Reference name (`0`, `data`). */
  readonly name: string;
}

/** One track of a multi-track tr_to_vcd dump. */
export interface VcdTrack {
  readonly track: number;
  readonly cyl: number;
  readonly head: number;
  /** Edges relative to the track's first timestamp (so they equal the .tr's running delta sums). */
  readonly capture: EdgeCapture;
}

// ---------------------------------------------------------------- detection

const KEYWORDS = ["date", "version", "comment", "timescale", "scope", "var", "enddefinitions", "upscope"];

/** True when the bytes look like a VCD file (starts with a `$` declaration keyword). */
export function isVcd(bytes: Uint8Array): boolean {
  let i = 0;
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) i = 3;
  while (i < bytes.length && isSpace(bytes[i])) i++;
  if (bytes[i] !== 0x24) return false;
  let j = i + 1;
  while (j < bytes.length && j < i + 20 && bytes[j] >= 0x61 && bytes[j] <= 0x7a) j++;
  const word = String.fromCharCode(...bytes.subarray(i + 1, j));
  return KEYWORDS.includes(word) && (j >= bytes.length || isSpace(bytes[j]));
}

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09 || c === 0x0c || c === 0x0b;
}

// ---------------------------------------------------------------- parser

interface Sink {
  /** Values of all wires after the changes at sample s (s strictly increasing between calls). */
  group(s: number, levels: Uint8Array): void;
  /** Called at each `$comment Track k: Cylinder c, Head h` before the track's data. */
  track?(track: number, cyl: number, head: number): void;
  /** First timestamp sample after a track comment. */
  origin?(s: number): void;
}

interface Parsed {
  wires: VcdWire[];
  sampleRate: number;
  sampleCount: number;
}

const NOT_LOGIC = new Set(["real", "realtime", "shortreal", "integer", "event", "parameter", "time", "string"]);
const UNIT_FS: Record<string, number> = { s: 1e15, ms: 1e12, us: 1e9, ns: 1e6, ps: 1e3, fs: 1 };
const TRACK_COMMENT = /Track\s+(\d+)\s*:\s*Cylinder\s+(\d+)\s*,\s*Head\s+(\d+)/i;
const RATE_COMMENT = /\bat\s+(\d+(?:\.\d+)?\s*[kmg]?hz)\b/i;

class Scanner {
  pos = 0;
  constructor(readonly b: Uint8Array, readonly src: string) {}
  /** Next whitespace-separated token as [start, end), or undefined at the end. */
  next(): [number, number] | undefined {
    const b = this.b;
    let i = this.pos;
    while (i < b.length && isSpace(b[i])) i++;
    if (i >= b.length) {
      this.pos = i;
      return undefined;
    }
    const start = i;
    while (i < b.length && !isSpace(b[i])) i++;
    this.pos = i;
    return [start, i];
  }
  text(t: [number, number]): string {
    if (t[1] - t[0] > MAX_TOKEN) {
      throw new DiskfluxError("E_LIMIT", `${escapeName(this.src)}: a token of ${t[1] - t[0]} bytes at byte ${t[0]} (${quoteInput(this.b.subarray(t[0], t[0] + QUOTE_LIMIT + 1))}…); VCD names and values are short, so the file is damaged`);
    }
    return latin1(this.b, t[0], t[1]);
  }
  /**
   * Tokens up to `$end` (consumed), as text: the first KEPT_TEXT bytes of them
   * (a declaration is short; a long comment is skipped without being copied).
   */
  untilEnd(what: string): string[] {
    const out: string[] = [];
    let kept = 0;
    for (;;) {
      const t = this.next();
      if (!t) throw corrupt(this.src, `${what} has no $end; the file is truncated or damaged`);
      const n = t[1] - t[0];
      if (n === 4 && this.b[t[0]] === 0x24 && this.text(t) === "$end") return out;
      if (kept + n > KEPT_TEXT) continue;
      kept += n + 1;
      out.push(this.text(t));
    }
  }
}

function latin1(b: Uint8Array, start: number, end: number): string {
  let s = "";
  for (let i = start; i < end; i += 8192) s += String.fromCharCode(...b.subarray(i, Math.min(end, i + 8192)));
  return s;
}

function corrupt(src: string, msg: string): DiskfluxError {
  return new DiskfluxError("E_CORRUPT", `${escapeName(src)}: ${msg}`);
}

/** The bytes of a latin1 string (one char per file byte, as Scanner.text reads them), enough of them to quote. */
function latin1Bytes(s: string, max = QUOTE_LIMIT + 1): Uint8Array {
  const n = Math.min(s.length, max);
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = s.charCodeAt(i) & 0xff;
  return b;
}

/** A latin1 string from the file (an identifier, a name, declaration words) quoted for a message. */
function quoteLatin1(s: string, offset?: number): string {
  return quoteInput(latin1Bytes(s), offset);
}

function parseTimescale(src: string, words: string[], at: number): number {
  const m = /^(\d+(?:\.\d*)?)\s*(s|ms|us|ns|ps|fs)$/i.exec(words.join(" ").trim());
  if (!m) throw corrupt(src, `$timescale ${quoteLatin1(words.join(" "))} at byte ${at} is not a time such as "5 ns" or "1 us"`);
  const fs = Number(m[1]) * UNIT_FS[m[2].toLowerCase()];
  if (!(fs > 0)) throw corrupt(src, `$timescale ${quoteLatin1(words.join(" "))} at byte ${at} is zero`);
  return fs;
}

/** Wires listed in a message, at most this many. */
const LISTED_WIRES = 16;

function findWire(wires: VcdWire[], spec: string, src: string, what: string): number {
  let i = wires.findIndex((w) => w.name === spec);
  if (i < 0) i = wires.findIndex((w) => w.id === spec);
  if (i < 0) {
    const list = wires.slice(0, LISTED_WIRES).map((w) => `${escapeInput(latin1Bytes(w.name))} (${escapeInput(latin1Bytes(w.id))})`);
    if (wires.length > LISTED_WIRES) list.push(`… (${wires.length} wires)`);
    throw new DiskfluxError("E_ARGUMENT", `${escapeName(src)}: no wire ${quoteInput(spec)} for the ${what}; the file has ${list.join(", ")}`);
  }
  return i;
}

/** One pass over the file, feeding groups of changes to the sink made once the wires are known. */
function parse(bytes: Uint8Array, src: string, opts: VcdReadOptions, makeSink: (wires: VcdWire[]) => Sink): Parsed {
  const sc = new Scanner(bytes, src);
  const wires: VcdWire[] = [];
  const byId = new Map<string, number>();
  let tickFs: number | undefined;
  let commentRate: number | undefined;
  let sink: Sink | undefined;
  let levels = new Uint8Array(0);
  let rate = 0;
  let perTick = 1; // samples per tick
  let exact = true;
  let curSample = -1; // sample of the current timestamp
  let changed = false; // changes pending at curSample
  let lastTime = -1;
  let lastHadChanges = false;
  let lastChangeSample = -1;
  let awaitingOrigin = false;
  let sawDefinitions = false;
  let pendingTracks: [number, number, number][] = [];

  const start = () => {
    if (sink) return;
    if (wires.length === 0) throw corrupt(src, "no 1-bit wires are declared ($var wire 1 ...), so there is nothing to read");
    if (opts.sampleRate !== undefined) {
      if (!(opts.sampleRate > 0) || !Number.isFinite(opts.sampleRate)) throw new DiskfluxError("E_ARGUMENT", `sample rate must be positive, got ${opts.sampleRate}`);
      rate = opts.sampleRate;
    } else if (commentRate !== undefined) {
      rate = commentRate;
    } else if (tickFs !== undefined) {
      rate = 1e15 / tickFs;
      const whole = Math.round(rate);
      if (Math.abs(rate - whole) < 1e-6 * rate) rate = whole;
    } else {
      throw corrupt(src, "no $timescale, so the sample rate is unknown; pass it (--rate) or add e.g. `$timescale 5 ns $end`");
    }
    const tick = tickFs ?? 1e15 / rate;
    perTick = (rate * tick) / 1e15;
    const whole = Math.round(perTick);
    exact = Math.abs(perTick - whole) < 1e-9 && whole === 1;
    if (Math.abs(perTick - whole) < 1e-9) perTick = whole;
    levels = new Uint8Array(wires.length);
    sink = makeSink(wires);
    for (const [k, c, h] of pendingTracks) sink.track?.(k, c, h);
    pendingTracks = [];
  };
  const flush = () => {
    if (changed && sink) sink.group(curSample, levels);
    changed = false;
  };
  /** A token of the file quoted for a message, with its byte offset. */
  const token = (t: [number, number]) => quoteInput(bytes.subarray(t[0], t[1]), t[0]);

  for (;;) {
    const t = sc.next();
    if (!t) break;
    const c = bytes[t[0]];
    if (c === 0x23 /* # */) {
      let v = 0;
      for (let i = t[0] + 1; i < t[1]; i++) {
        const d = bytes[i] - 0x30;
        if (d < 0 || d > 9) throw corrupt(src, `timestamp ${token(t)} is not a number`);
        v = v * 10 + d;
      }
      if (t[1] === t[0] + 1) throw corrupt(src, `empty timestamp "#" at byte ${t[0]}`);
      if (v > Number.MAX_SAFE_INTEGER) throw new DiskfluxError("E_LIMIT", `${escapeName(src)}: timestamp ${token(t)} is too large`);
      if (v < lastTime) throw corrupt(src, `timestamp #${v} at byte ${t[0]} goes back in time (after #${lastTime}); the file is damaged`);
      start();
      const s = exact ? v : Math.round(v * perTick);
      if (s !== curSample) {
        flush();
        curSample = s;
      }
      if (awaitingOrigin) {
        sink!.origin?.(s);
        awaitingOrigin = false;
      }
      if (v !== lastTime) lastHadChanges = false;
      lastTime = v;
      continue;
    }
    if (c === 0x24 /* $ */) {
      // keywords are short: a long run of bytes after a $ is no keyword, and is not copied whole
      const word = t[1] - t[0] <= 256 ? sc.text(t) : "";
      switch (word) {
        case "$comment": {
          const text = sc.untilEnd("$comment").join(" ");
          const tm = TRACK_COMMENT.exec(text);
          if (tm) {
            const entry: [number, number, number] = [Number(tm[1]), Number(tm[2]), Number(tm[3])];
            if (sink) sink.track?.(...entry);
            else pendingTracks.push(entry);
            awaitingOrigin = true;
          }
          const rm = RATE_COMMENT.exec(text);
          if (rm && commentRate === undefined) commentRate = parseSampleRate(rm[1]);
          break;
        }
        case "$timescale": {
          const fs = parseTimescale(src, sc.untilEnd("$timescale"), t[0]);
          if (tickFs !== undefined && Math.abs(fs - tickFs) > 1e-9 * tickFs) {
            throw corrupt(src, `a second $timescale (${fs / 1e6} ns) differs from the first (${tickFs / 1e6} ns); diskflux reads one timescale per file`);
          }
          tickFs = fs;
          break;
        }
        case "$var": {
          const f = sc.untilEnd("$var");
          if (f.length < 4) throw corrupt(src, `$var ${quoteLatin1(f.join(" "), t[0])} is incomplete`);
          const [type, sizeText, id, ...ref] = f;
          const size = Number(sizeText);
          if (!Number.isInteger(size) || size < 1) throw corrupt(src, `$var ${quoteLatin1(f.join(" "), t[0])} has no valid size`);
          // Vectors, reals, integers and events are not logic channels; a repeated header redeclares.
          if (size !== 1 || NOT_LOGIC.has(type.toLowerCase()) || byId.has(id)) break;
          if (sink) throw corrupt(src, `wire ${quoteLatin1(id)} ($var at byte ${t[0]}) is declared after the value changes began; diskflux needs all wires up front`);
          byId.set(id, wires.length);
          wires.push({ id, name: ref.filter((r) => !/^\[\d+(?::\d+)?\]$/.test(r)).join(" ") || id });
          break;
        }
        case "$enddefinitions":
          sc.untilEnd("$enddefinitions");
          sawDefinitions = true;
          break;
        case "$dumpvars":
        case "$dumpall":
        case "$dumpon":
        case "$dumpoff":
        case "$end":
          break; // their value changes follow as ordinary tokens
        case "$date":
        case "$version":
        case "$scope":
        case "$upscope":
          sc.untilEnd(word);
          break;
        default:
          if (/^\$[a-z_]+$/i.test(word)) sc.untilEnd(word);
          else throw corrupt(src, `unexpected ${token(t)}`);
      }
      continue;
    }
    // Value changes.
    let id: string;
    let value: number;
    if (c === 0x62 || c === 0x42 /* b B */) {
      const bits = sc.text(t).slice(1);
      if (!/^[01xzXZ]+$/.test(bits)) throw corrupt(src, `vector value ${token(t)} is not binary`);
      const idTok = sc.next();
      if (!idTok) throw corrupt(src, "the file ends inside a vector value change; it is truncated");
      id = sc.text(idTok);
      value = bits[bits.length - 1] === "1" ? 1 : 0;
    } else if (c === 0x72 || c === 0x52 /* r R */) {
      if (!sc.next()) throw corrupt(src, "the file ends inside a real value change; it is truncated");
      continue;
    } else if (c === 0x30 || c === 0x31 || c === 0x78 || c === 0x58 || c === 0x7a || c === 0x5a) {
      if (t[1] - t[0] < 2) throw corrupt(src, `value change ${token(t)} names no wire`);
      id = sc.text([t[0] + 1, t[1]]);
      value = c === 0x31 ? 1 : 0;
    } else {
      throw corrupt(src, `unexpected ${token(t)}; not a VCD timestamp, value change or declaration`);
    }
    const w = byId.get(id);
    if (w === undefined) {
      if (wires.length === 0 && !sawDefinitions) throw corrupt(src, `value change for ${quoteLatin1(id)} at byte ${t[0]} before any wire is declared`);
      continue; // a vector or unknown wire: not a logic channel
    }
    start();
    if (curSample < 0) curSample = 0; // changes before the first timestamp happen at time 0
    levels[w] = value;
    changed = true;
    lastHadChanges = true;
    lastChangeSample = curSample;
    if (lastTime < 0) lastTime = 0;
  }
  if (!sawDefinitions && wires.length === 0) throw corrupt(src, "no $var declarations and no $enddefinitions; not a usable VCD file");
  start();
  flush();
  const lastSample = lastTime < 0 ? 0 : exact ? lastTime : Math.round(lastTime * perTick);
  const sampleCount = lastTime < 0 ? 0 : lastHadChanges ? lastSample + 1 : Math.max(lastSample, lastChangeSample + 1);
  return { wires, sampleRate: rate, sampleCount };
}

// ---------------------------------------------------------------- sinks

class LogicSink implements Sink {
  buf: Uint8Array;
  filled = 0; // samples written
  unit: Uint8Array;
  /** Most sample bytes this file may expand to (checked before growing the buffer). */
  readonly limit: number;
  constructor(readonly unitSize: number, readonly src: string, readonly fileBytes: number) {
    this.limit = Math.min(MAX_SAMPLE_BYTES, Math.max(LOGIC_FLOOR, LOGIC_PER_BYTE * fileBytes));
    this.buf = new Uint8Array(unitSize * 65536);
    this.unit = new Uint8Array(unitSize);
  }
  private fillTo(s: number): void {
    const u = this.unitSize;
    if (s * u > this.limit) {
      const what = this.limit === MAX_SAMPLE_BYTES ? "the 4 GiB diskflux expands" : `the ${this.limit} bytes diskflux expands from a ${this.fileBytes}-byte file`;
      throw new DiskfluxError("E_LIMIT", `${escapeName(this.src)}: its timestamps span ${s} samples of ${u} byte(s), more than ${what}; read it as edges (readVcd with { as: "edges" }) instead`);
    }
    if (s * u > this.buf.length) {
      let size = this.buf.length;
      while (size < s * u) size *= 2;
      const b = allocate(this.src, Math.min(size, this.limit));
      b.set(this.buf.subarray(0, this.filled * u));
      this.buf = b;
    }
    if (u === 1) {
      this.buf.fill(this.unit[0], this.filled, s);
    } else {
      for (let i = this.filled; i < s; i++) this.buf.set(this.unit, i * u);
    }
    this.filled = s;
  }
  group(s: number, levels: Uint8Array): void {
    this.fillTo(s);
    this.unit.fill(0);
    for (let k = 0; k < levels.length; k++) if (levels[k]) this.unit[k >> 3] |= 1 << (k & 7);
  }
  finish(count: number): Uint8Array {
    this.fillTo(count);
    const n = count * this.unitSize;
    return n === this.buf.length ? this.buf : this.buf.slice(0, n);
  }
}

class EdgeSink implements Sink {
  edges = new Float64Array(4096);
  index: Uint8Array | undefined;
  count = 0;
  prev = 0;
  tracks: { track: number; cyl: number; head: number; first: number; origin: number }[] = [];
  constructor(readonly data: number, readonly indexWire: number, readonly suppress: number, readonly active: number) {
    if (indexWire >= 0) this.index = new Uint8Array(4096);
  }
  group(s: number, levels: Uint8Array): void {
    const v = levels[this.data];
    const before = this.prev;
    this.prev = v;
    if (s < 1 || v === before || v !== this.active) return;
    if (this.suppress >= 0 && levels[this.suppress]) return;
    if (this.count === this.edges.length) {
      const e = new Float64Array(this.edges.length * 2);
      e.set(this.edges);
      this.edges = e;
      if (this.index) {
        const x = new Uint8Array(this.index.length * 2);
        x.set(this.index);
        this.index = x;
      }
    }
    this.edges[this.count] = s;
    if (this.index) this.index[this.count] = levels[this.indexWire];
    this.count++;
  }
  track(track: number, cyl: number, head: number): void {
    this.tracks.push({ track, cyl, head, first: this.count, origin: -1 });
  }
  origin(s: number): void {
    const t = this.tracks[this.tracks.length - 1];
    if (t && t.origin < 0) t.origin = s;
  }
}

// ---------------------------------------------------------------- API

function edgeSinkFor(wires: VcdWire[], opts: VcdReadOptions, src: string): EdgeSink {
  const data = opts.dataWire !== undefined ? findWire(wires, opts.dataWire, src, "data") : 0;
  const pick = (spec: string | null | undefined, fallback: number, what: string) =>
    spec === null ? -1 : spec !== undefined ? findWire(wires, spec, src, what) : fallback < wires.length && fallback !== data ? fallback : -1;
  const index = pick(opts.indexWire, 1, "index");
  const suppress = pick(opts.suppressWire, 2, "suppress");
  return new EdgeSink(data, index, suppress, (opts.leadingEdge ?? "rising") === "rising" ? 1 : 0);
}

/**
 * Reads a VCD file as logic samples (default) or as the data wire's leading edges.
 *
 * @example
 * import { decode, readVcd } from "diskflux";
 * import { readFile } from "node:fs/promises";
 * const bytes = await readFile("track.vcd"); // sigrok-cli -O vcd, PulseView or tr_to_vcd
 * const logic = readVcd(bytes, "track.vcd"); // every wire, channel k = the k-th wire declared
 * const edges = readVcd(bytes, "track.vcd", { as: "edges", dataWire: "0", indexWire: null });
 * const result = await decode(edges, "data_rate=5000000:format=MFM:header_format=3");
 */
export function readVcd(bytes: Uint8Array, source?: string, opts?: VcdReadOptions & { as?: "logic" }): LogicCapture;
export function readVcd(bytes: Uint8Array, source: string | undefined, opts: VcdReadOptions & { as: "edges" }): EdgeCapture;
export function readVcd(bytes: Uint8Array, source?: string, opts?: VcdReadOptions): LogicCapture | EdgeCapture;
export function readVcd(bytes: Uint8Array, source = "capture.vcd", opts: VcdReadOptions = {}): LogicCapture | EdgeCapture {
  const src = source;
  if (!isVcd(bytes)) throw new DiskfluxError("E_FORMAT", `${escapeName(src)}: does not start with a VCD declaration ($date, $timescale, $var, ...), so not a VCD file`);
  if (opts.as === "edges") {
    let sink: EdgeSink | undefined;
    const p = parse(bytes, src, opts, (w) => (sink = edgeSinkFor(w, opts, src)));
    return edgeResult(sink!, p, src, 0, sink!.count, 0);
  }
  let sink: LogicSink | undefined;
  const p = parse(bytes, src, opts, (w) => (sink = new LogicSink(Math.ceil(w.length / 8), src, bytes.length)));
  const samples = sink!.finish(p.sampleCount);
  return {
    kind: "logic",
    sampleRate: p.sampleRate,
    sampleCount: p.sampleCount,
    unitSize: sink!.unitSize,
    channels: p.wires.map((w, index) => ({ index, name: w.name })),
    samples,
    source: src,
  };
}

function edgeResult(sink: EdgeSink, p: Parsed, src: string, from: number, to: number, origin: number, count?: number): EdgeCapture {
  const edges = sink.edges.slice(from, to);
  if (origin !== 0) for (let i = 0; i < edges.length; i++) edges[i] -= origin;
  return {
    kind: "edges",
    sampleRate: p.sampleRate,
    edges,
    ...(sink.index ? { index: sink.index.slice(from, to) } : {}),
    sampleCount: count ?? p.sampleCount,
    source: src,
  };
}

/**
 * Splits a multi-track tr_to_vcd dump at its `Track k: Cylinder c, Head h`
 * comments: each track's edges count from the track's first timestamp, as in
 * the .tr it came from. Empty when the file has no such comments.
 */
export function readVcdTracks(bytes: Uint8Array, source = "capture.vcd", opts: Omit<VcdReadOptions, "as"> = {}): VcdTrack[] {
  return scanVcd(bytes, source, opts).tracks;
}

/** One pass in edges mode: the whole file's edges and its tr_to_vcd tracks (if any). */
export function scanVcd(bytes: Uint8Array, source = "capture.vcd", opts: Omit<VcdReadOptions, "as"> = {}): { edges: EdgeCapture; tracks: VcdTrack[] } {
  const src = source;
  if (!isVcd(bytes)) throw new DiskfluxError("E_FORMAT", `${escapeName(src)}: does not start with a VCD declaration ($date, $timescale, $var, ...), so not a VCD file`);
  let sink: EdgeSink | undefined;
  const p = parse(bytes, src, opts, (w) => (sink = edgeSinkFor(w, opts, src)));
  const s = sink!;
  const tracks = s.tracks.map((t, i) => {
    const to = i + 1 < s.tracks.length ? s.tracks[i + 1].first : s.count;
    const origin = Math.max(0, t.origin);
    const next = i + 1 < s.tracks.length ? s.tracks[i + 1].origin : p.sampleCount;
    const capture = edgeResult(s, p, `${src} track ${t.track} cyl ${t.cyl} head ${t.head}`, t.first, to, origin, Math.max(0, next - origin));
    return { track: t.track, cyl: t.cyl, head: t.head, capture };
  });
  return { edges: edgeResult(s, p, src, 0, s.count, 0), tracks };
}
