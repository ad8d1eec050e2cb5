// dgesswein/mfm transitions file (.tr) writer; the layout is in src/readers/tr.ts (spec §8).
//
// Every capture is brought to the file's 200 MHz clock: a transition at sample
// t of a capture sampled at Fs lies at tick round(t · 200e6 / Fs). 200 MHz
// captures keep their sample numbers; 100 MHz ones double exactly; others
// (15 MHz: 13⅓ ticks per sample) round to the nearest 5 ns. Transitions that
// round onto the previous one are merged (a .tr delta is at least 1).
//
// Logic captures are reduced to their leading edges first (logicToEdges, the
// decoder's own rule), so the data channel and `leading_edge` matter; the
// index channel is not stored (a .tr has none).

import { logicToEdges, type Capture, type EdgeChannels } from "../capture.js";
import { DiskfluxError } from "../errors.js";
import { TR_CLOCK, TR_MAGIC, TR_MAX_DELTA, TR_TRACK_HEADER_SIZE, TR_VERSION_TRANSITIONS, trChecksum } from "../readers/tr.js";

export interface TrWriteTrack {
  readonly cyl: number;
  readonly head: number;
  readonly capture: Capture;
}

export interface TrWriteOptions {
  /** Header geometry; default: highest cylinder / head written + 1. */
  readonly cylinders?: number;
  readonly heads?: number;
  readonly commandLine?: string;
  readonly note?: string;
  /** Start time after index, ns (default 0). */
  readonly startTimeNs?: number;
  /** How logic captures become transitions (data channel, leading edge). */
  readonly channels?: EdgeChannels;
}

/** Transition times of a capture in 200 MHz ticks (strictly increasing, ≥ 1). */
export function toTrTicks(capture: Capture, channels?: EdgeChannels): Float64Array {
  const ec = capture.kind === "edges" ? capture : logicToEdges(capture, channels);
  const rate = ec.sampleRate;
  if (!(rate > 0) || !Number.isFinite(rate)) {
    throw new DiskfluxError("E_ARGUMENT", `${capture.source ?? "capture"}: no valid sample rate, so its transitions cannot be put on the 200 MHz .tr clock`);
  }
  const src = ec.edges;
  const out = new Float64Array(src.length);
  let k = 0;
  let prev = 0;
  const same = rate === TR_CLOCK;
  for (let i = 0; i < src.length; i++) {
    const t = same ? Math.round(src[i]) : Math.round((src[i] * TR_CLOCK) / rate);
    if (t <= prev) continue;
    out[k++] = t;
    prev = t;
  }
  return k === out.length ? out : out.slice(0, k);
}

/** Packs transition ticks as .tr deltas. */
export function packDeltas(ticks: Float64Array, where = "track"): Uint8Array {
  const out = new Uint8Array(ticks.length * 4);
  let o = 0;
  let prev = 0;
  for (let i = 0; i < ticks.length; i++) {
    const d = ticks[i] - prev;
    prev = ticks[i];
    if (!(d >= 1) || !Number.isInteger(d)) throw new DiskfluxError("E_ARGUMENT", `${where}: transition ${i} at tick ${ticks[i]} is not after the previous one`);
    if (d < 254) {
      out[o++] = d;
    } else if (d <= 0xffff) {
      out[o++] = 254;
      out[o++] = d & 0xff;
      out[o++] = d >>> 8;
    } else if (d <= TR_MAX_DELTA) {
      out[o++] = 255;
      out[o++] = d & 0xff;
      out[o++] = (d >>> 8) & 0xff;
      out[o++] = d >>> 16;
    } else {
      throw new DiskfluxError(
        "E_LIMIT",
        `${where}: ${d} ticks (${(d / TR_CLOCK) * 1e3} ms) between transition ${i} and the one before it; a .tr delta holds at most ${TR_MAX_DELTA} ticks (83.9 ms)`,
      );
    }
  }
  return out.subarray(0, o);
}

class Out {
  private buf = new Uint8Array(1 << 16);
  length = 0;
  private view = new DataView(this.buf.buffer);
  private room(n: number): void {
    if (this.length + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.length + n) size *= 2;
    const b = new Uint8Array(size);
    b.set(this.buf.subarray(0, this.length));
    this.buf = b;
    this.view = new DataView(b.buffer);
  }
  u32(v: number): void {
    this.room(4);
    this.view.setUint32(this.length, v >>> 0, true);
    this.length += 4;
  }
  i32(v: number): void {
    this.room(4);
    this.view.setInt32(this.length, v | 0, true);
    this.length += 4;
  }
  bytes(b: ArrayLike<number>): void {
    this.room(b.length);
    this.buf.set(b, this.length);
    this.length += b.length;
  }
  crc(from: number): void {
    this.u32(trChecksum(this.buf, from, this.length));
  }
  patchU32(at: number, v: number): void {
    this.view.setUint32(at, v >>> 0, true);
  }
  result(): Uint8Array {
    return this.buf.slice(0, this.length);
  }
}

function checkCount(name: string, v: number, max: number): void {
  if (!Number.isInteger(v) || v < 1 || v > max) throw new DiskfluxError("E_ARGUMENT", `${name} must be an integer in 1..${max}, got ${v}`);
}

/** Writes tracks as a transitions file: header with checksum, one CRC'd record per track, the -1/-1 end marker. */
export function writeTr(tracks: readonly TrWriteTrack[], opts: TrWriteOptions = {}): Uint8Array {
  const cylinders = opts.cylinders ?? Math.max(0, ...tracks.map((t) => t.cyl)) + 1;
  const heads = opts.heads ?? Math.max(0, ...tracks.map((t) => t.head)) + 1;
  checkCount("cylinders", cylinders, 1 << 16);
  checkCount("heads", heads, 256);
  for (const t of tracks) {
    if (!Number.isInteger(t.cyl) || !Number.isInteger(t.head) || t.cyl < 0 || t.head < 0 || t.cyl >= cylinders || t.head >= heads) {
      throw new DiskfluxError("E_ARGUMENT", `track cyl ${t.cyl} head ${t.head} lies outside the ${cylinders} x ${heads} geometry`);
    }
  }
  const enc = new TextEncoder();
  const text = (s: string) => {
    const b = enc.encode(s);
    const z = new Uint8Array(b.length + 1); // NUL-terminated, as C writers store it
    z.set(b);
    return z;
  };
  const cmd = text(opts.commandLine ?? "");
  const note = text(opts.note ?? "");
  const out = new Out();
  out.bytes(TR_MAGIC);
  out.u32(TR_VERSION_TRANSITIONS);
  const offsetAt = out.length;
  out.u32(0); // first-track offset, patched below
  out.u32(TR_TRACK_HEADER_SIZE);
  out.u32(cylinders);
  out.u32(heads);
  out.u32(TR_CLOCK);
  out.u32(cmd.length);
  out.bytes(cmd);
  out.u32(note.length);
  out.bytes(note);
  out.u32(opts.startTimeNs ?? 0);
  out.patchU32(offsetAt, out.length + 4);
  out.crc(0);

  for (const t of tracks) {
    const where = `cyl ${t.cyl} head ${t.head}`;
    const capture = t.capture; // may be a getter that unpacks a track: read it once
    const packed = packDeltas(toTrTicks(capture, opts.channels), `${capture.source ?? "capture"} (${where})`);
    const start = out.length;
    out.i32(t.cyl);
    out.i32(t.head);
    out.u32(packed.length);
    out.bytes(packed);
    out.crc(start);
  }
  // End marker: a track header with cylinder = head = -1.
  out.i32(-1);
  out.i32(-1);
  out.u32(0);
  return out.result();
}
