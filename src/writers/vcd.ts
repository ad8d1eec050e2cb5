// Value Change Dump writer (the reader and the format notes are in src/readers/vcd.ts).
//
// Edge captures are written the way tr_to_vcd writes transitions (spec §8):
//
//   $comment <comment> $end
//   $comment Acquisition with 1/1 channels at 200 MHz $end
//   $timescale 5 ns $end
//   $scope module diskflux $end
//   $var wire 1 ! 0 $end
//   $upscope $end
//   $enddefinitions $end
//   #0 0!
//   #T 1!          one sample high at each transition: the rising edge is the transition
//   #T+1 0!
//
// Logic captures are written as the value changes of every channel, as
// sigrok-cli -O vcd does, ending with a bare timestamp at the sample count.
//
// The timescale is the sample period when that is a whole number of fs
// (200 MHz: 5 ns, 100 MHz: 10 ns); otherwise (15 MHz) the largest power of ten
// at most a tenth of the period (1 ns), timestamps are rounded and the rate
// comment tells readers the true rate (sample = round(t · rate · tick)).

import type { Capture, EdgeCapture, LogicCapture } from "../capture.js";
import { DiskfluxError } from "../errors.js";
import { samplerateString } from "./sigrok.js";

export interface VcdWriteOptions {
  /** Text of a leading `$comment` (e.g. "Track 0: Cylinder 0, Head 0", as tr_to_vcd writes it). */
  readonly comment?: string;
  /** Scope module name (default "diskflux"). */
  readonly scope?: string;
}

const UNITS: [string, number][] = [["s", 1e15], ["ms", 1e12], ["us", 1e9], ["ns", 1e6], ["ps", 1e3], ["fs", 1]];

/** `$timescale` text and ticks per sample for a sample rate. */
export function vcdTimescale(sampleRate: number): { text: string; ticksPerSample: number } {
  if (!(sampleRate > 0) || !Number.isFinite(sampleRate)) throw new DiskfluxError("E_ARGUMENT", `sample rate must be positive, got ${sampleRate}`);
  const periodFs = 1e15 / sampleRate;
  const whole = Math.round(periodFs);
  if (whole >= 1 && Math.abs(periodFs - whole) < 1e-9 * periodFs) {
    for (const [unit, fs] of UNITS) {
      if (whole % fs === 0) return { text: `${whole / fs} ${unit}`, ticksPerSample: 1 };
    }
  }
  let tickFs = 1;
  while (tickFs * 10 <= periodFs / 10) tickFs *= 10;
  const [unit, fs] = UNITS.find(([, f]) => tickFs >= f)!;
  return { text: `${tickFs / fs} ${unit}`, ticksPerSample: periodFs / tickFs };
}

/** Identifier codes as sigrok assigns them: "!", "\"", ... then two characters. */
export function vcdId(k: number): string {
  let s = "";
  let n = k;
  do {
    s = String.fromCharCode(33 + (n % 94)) + s;
    n = Math.floor(n / 94) - 1;
  } while (n >= 0);
  return s;
}

class Text {
  private parts: string[] = [];
  private cur = "";
  add(s: string): void {
    this.cur += s;
    if (this.cur.length > 1 << 16) {
      this.parts.push(this.cur);
      this.cur = "";
    }
  }
  bytes(): Uint8Array {
    this.parts.push(this.cur);
    const enc = new TextEncoder();
    const chunks = this.parts.map((p) => enc.encode(p));
    const out = new Uint8Array(chunks.reduce((a, c) => a + c.length, 0));
    let o = 0;
    for (const c of chunks) {
      out.set(c, o);
      o += c.length;
    }
    return out;
  }
}

function header(t: Text, opts: VcdWriteOptions, channels: number, total: number, rate: number, names: string[]): number {
  const ts = vcdTimescale(rate);
  if (opts.comment !== undefined) t.add(`$comment ${opts.comment.replace(/\$end/g, "$ end")} $end\n`);
  t.add(`$comment Acquisition with ${channels}/${total} channels at ${samplerateString(Math.round(rate))} $end\n`);
  t.add(`$timescale ${ts.text} $end\n`);
  t.add(`$scope module ${opts.scope ?? "diskflux"} $end\n`);
  names.forEach((name, k) => t.add(`$var wire 1 ${vcdId(k)} ${name.replace(/\s+/g, "_") || String(k)} $end\n`));
  t.add("$upscope $end\n$enddefinitions $end\n");
  return ts.ticksPerSample;
}

/**
 * Writes an edge capture (tr_to_vcd pulses) or a logic capture (value changes) as VCD text.
 *
 * @example
 * import { synthTrack, writeVcd } from "diskflux";
 * import { writeFile } from "node:fs/promises";
 * const t = synthTrack({ format: "RLL_WD" });
 * await writeFile("track.vcd", writeVcd(t.edges, { comment: "Track 0: Cylinder 0, Head 0" })); // as tr_to_vcd writes it
 * await writeFile("track-logic.vcd", writeVcd(t.capture)); // data and index channels, as sigrok-cli -O vcd
 */
export function writeVcd(capture: Capture, opts: VcdWriteOptions = {}): Uint8Array {
  return capture.kind === "edges" ? writeEdgesVcd(capture, opts) : writeLogicVcd(capture, opts);
}

function writeEdgesVcd(c: EdgeCapture, opts: VcdWriteOptions): Uint8Array {
  const t = new Text();
  const per = header(t, opts, 1, 1, c.sampleRate, ["0"]);
  const at = per === 1 ? (s: number) => Math.round(s) : (s: number) => Math.round(s * per);
  t.add("#0 0!\n");
  const e = c.edges;
  let prev = -Infinity;
  for (let i = 0; i < e.length; i++) {
    const s = e[i];
    if (!(s >= 1) || s <= prev) throw new DiskfluxError("E_ARGUMENT", `${c.source ?? "capture"}: edge ${i} (${s}) must be ≥ 1 and after the previous edge`);
    prev = s;
    t.add(`#${at(s)} 1!\n#${at(s + 1)} 0!\n`);
  }
  return t.bytes();
}

function writeLogicVcd(c: LogicCapture, opts: VcdWriteOptions): Uint8Array {
  const { samples, unitSize: u, sampleCount: n } = c;
  if (samples.length < n * u) throw new DiskfluxError("E_ARGUMENT", `samples hold ${samples.length} bytes, ${n * u} needed`);
  const count = Math.max(1, ...c.channels.map((ch) => ch.index + 1));
  if (count > u * 8) throw new DiskfluxError("E_ARGUMENT", `channel ${count - 1} does not fit unitSize ${u}`);
  const names = new Map(c.channels.map((ch) => [ch.index, ch.name]));
  const t = new Text();
  const per = header(t, opts, count, count, c.sampleRate, Array.from({ length: count }, (_, k) => names.get(k) ?? String(k)));
  const at = per === 1 ? (s: number) => s : (s: number) => Math.round(s * per);
  const ids = Array.from({ length: count }, (_, k) => vcdId(k));
  const bit = (o: number, k: number) => (samples[o + (k >> 3)] >> (k & 7)) & 1;
  if (n > 0) {
    let line = "#0";
    for (let k = 0; k < count; k++) line += ` ${bit(0, k)}${ids[k]}`;
    t.add(line + "\n");
  }
  if (u === 1 && count <= 8) {
    const mask = (1 << count) - 1;
    let prev = samples[0] & mask;
    for (let i = 1; i < n; i++) {
      const v = samples[i] & mask;
      if (v === prev) continue;
      const diff = v ^ prev;
      let line = `#${at(i)}`;
      for (let k = 0; k < count; k++) if ((diff >> k) & 1) line += ` ${(v >> k) & 1}${ids[k]}`;
      t.add(line + "\n");
      prev = v;
    }
  } else {
    for (let i = 1, o = u; i < n; i++, o += u) {
      let line = "";
      for (let k = 0; k < count; k++) {
        const v = bit(o, k);
        if (v !== bit(o - u, k)) line += ` ${v}${ids[k]}`;
      }
      if (line) t.add(`#${at(i)}${line}\n`);
    }
  }
  t.add(`#${at(n)}\n`);
  return t.bytes();
}
