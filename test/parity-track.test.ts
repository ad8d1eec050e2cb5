// Parity: the Wasm track decoder and its TypeScript twin must write identical
// cells, events and output bytes, bit for bit, for any edge stream and options,
// however the stream is split into trackRun calls. Also the CRC kernels.
import { describe, it, expect } from "vitest";
import fc from "fast-check";
import { getKernels } from "../src/kernels/load.js";
import type { Kernels } from "../src/kernels/backend.js";
import { writeTrackConfig } from "../src/kernels/config.js";
import { resolveOptions } from "../src/options.js";
import { crcOf } from "../src/kernels/crc.js";
import * as A from "../src/kernels/abi.js";
import { readCaptureFile } from "../src/readers/index.js";
import { decode } from "../src/decode.js";
import { SAMPLES_DIR, haveShared, warnMissing } from "./support/shared.js";
import { synthTrack, type SynthResult } from "../src/encode/synth.js";
import { encodeTrackDetailed } from "../src/encode/track.js";
import { mfmWord } from "../src/encode/cells.js";
import { cellsToEdges } from "../src/encode/flux.js";

const wasm = await getKernels("wasm");
const js = await getKernels("js");

const OPTION_SETS = [
  "data_rate=5000000:format=MFM",
  "data_rate=250000:format=MFM:data_crc_size=16:data_crc_poly=0x1021",
  "data_rate=125000:format=FM:data_crc_size=16:data_crc_poly=0x1021",
  "data_rate=5000000:format=MFM:header_format=3:data_crc_poly=0x140a0445",
  "data_rate=7500000:format=RLL_WD:header_format=3:data_crc_size=56:data_crc_poly=0x140a0445000101",
  "data_rate=7500000:format=RLL_OMTI:header_format=OMTI:header_crc_init=0x7107:data_crc_size=48:data_crc_poly=0x181814503011:data_crc_init=0x6062ebbf22b4",
  "data_rate=7500000:format=RLL_Seagate:header_format=Seagate:header_crc_size=32:header_crc_poly=0x41044185:header_crc_init=0:data_crc_poly=0x41044185:data_crc_init=0",
  "data_rate=7500000:format=RLL_Adaptec:header_format=Adaptec:header_crc_init=0:data_crc_size=48:data_crc_poly=0x181814503011:data_crc_init=0x010000000000",
  "data_rate=7500000:format=RLL_Adaptec4070:header_format=Adaptec4070:pll_kp=1",
  "data_rate=7500000:format=RLL_DTC7287_unknown:header_format=RLL_DTC7287_unknown",
  "data_rate=5000000:format=RQDX3_badbloks:data_crc_poly=0x1021",
  "data_rate=5000000:format=custom:custom_encoder_limits=MFM:custom_encoder_sync_pulse=2:custom_encoder_sync_marks=3-4-3-4-3:custom_encoder_shift_index=16:custom_encoder_IDData_mark=*",
  "data_rate=5000000:format=MFM:sector_size=128:pll_sync_tolerance=50%:pll_ki=0.01",
];

/** Runs edges through one backend in the given chunk sizes; returns everything it wrote. */
function runTrack(k: Kernels, options: string, sampleRate: number, edges: Float64Array, chunks: number[], log: number) {
  writeTrackConfig(k, resolveOptions(options), sampleRate, log);
  k.trackConfigure();
  const cells: Buffer[] = [], events: Buffer[] = [], out: Buffer[] = [];
  let pos = 0;
  for (const size of chunks) {
    const n = Math.min(size, edges.length - pos, A.EDGE_CAP);
    if (n <= 0) break;
    k.edges.set(edges.subarray(pos, pos + n));
    let done = 0;
    while (done < n) {
      const used = k.trackRun(done, n - done);
      cells.push(Buffer.from(new Uint8Array(k.cells.buffer, k.cells.byteOffset + done * 4, used * 4)));
      const ev = k.events.subarray(0, k.status[A.ST_EVENTS] * A.EVENT_STRIDE);
      events.push(Buffer.from(new Uint8Array(ev.buffer, ev.byteOffset, ev.byteLength))); // bit-exact, -0 included
      out.push(Buffer.from(k.out.subarray(0, k.status[A.ST_OUT])));
      done += used;
    }
    pos += n;
  }
  return { cells: Buffer.concat(cells), events: Buffer.concat(events), out: Buffer.concat(out) };
}

/** Edge streams: cell-multiple pulses with jitter, plus garbage and long gaps. */
const edgeStream = (h0: number) =>
  fc.array(
    fc.oneof(
      { weight: 8, arbitrary: fc.tuple(fc.integer({ min: 1, max: 8 }), fc.double({ min: -0.45, max: 0.45, noNaN: true })).map(([c, j]) => Math.max(1, Math.round((c + j) * h0))) },
      { weight: 1, arbitrary: fc.integer({ min: 1, max: 2000 }) },
      { weight: 3, arbitrary: fc.constant(Math.round(2 * h0)) },
    ),
    { minLength: 0, maxLength: 3000 },
  ).map((gaps) => {
    const e = new Float64Array(gaps.length);
    let t = 0;
    gaps.forEach((g, i) => (e[i] = t += g));
    return e;
  });

describe("track decoder parity (wasm vs ts)", () => {
  it("identical output on random and adversarial edge streams, any chunking", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...OPTION_SETS),
        fc.constantFrom(100e6, 200e6, 15e6),
        fc.boolean(),
        fc.array(fc.integer({ min: 1, max: 700 }), { minLength: 1, maxLength: 8 }),
        fc.integer({ min: 4, max: 30 }).chain((h0) => edgeStream(h0)),
        (options, rate, logBytes, chunks, edges) => {
          const plan = [...chunks, edges.length];
          const log = logBytes ? A.LOG_BYTES : 0;
          const a = runTrack(wasm, options, rate, edges, plan, log);
          const b = runTrack(js, options, rate, edges, plan, log);
          expect(a.cells.equals(b.cells)).toBe(true);
          expect(a.out.equals(b.out)).toBe(true);
          expect(a.events.equals(b.events)).toBe(true);
        },
      ),
      { numRuns: 150 },
    );
  });

  it("identical reset notes (EV_RESET) on damaged synthetic tracks, every reason, any chunking", () => {
    // clean tracks of several codes, then edges inserted (short pulses), dropped (long pulses) and moved
    const tracks: SynthResult[] = (["MFM", "FM", "MFM_floppy", "RLL_WD", "RLL_Seagate"] as const).map((format) =>
      synthTrack({ format, sectorsPerTrack: 3, sectorSize: 512, jitter: 0.04, seed: 7 }),
    );
    // and an MFM track whose mark bytes are damaged: a data mark the framer does not know, an A1 with its clock
    const m = tracks[0];
    const enc = encodeTrackDetailed(m.layout);
    const cells = enc.cells.slice();
    for (const [kind, sector, byte, word] of [["data", 1, 1, mfmWord(0x12, 1)], ["id", 2, 0, mfmWord(0xa1, 0)]] as const) {
      const at = enc.marks.find((x) => x.kind === kind && x.sector === sector)!.cell + 16 * byte;
      for (let i = 0; i < 16; i++) cells[at + i] = (word >>> (15 - i)) & 1;
    }
    const h0 = m.edges.sampleRate / 1e7;
    const marked = cellsToEdges(cells, { sampleRate: m.edges.sampleRate, dataRate: 5e6, jitter: 0.04, startOffset: m.edges.edges[0] - enc.cells.indexOf(1) * h0 });
    tracks.push({ ...m, edges: { ...m.edges, edges: marked } });
    const reasons = new Set<number>();
    const fields = new Set<number>();
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: tracks.length - 1 }),
        fc.boolean(),
        fc.array(fc.integer({ min: 1, max: 900 }), { minLength: 1, maxLength: 6 }),
        // (integers, not doubles: fast-check's doubles crowd at the ends of their range)
        fc.array(fc.tuple(fc.constantFrom("insert", "drop", "move"), fc.integer({ min: 0, max: 1e6 }), fc.integer({ min: 1, max: 6 }), fc.integer({ min: 10, max: 90 })), { minLength: 1, maxLength: 12 }),
        (which, logBytes, chunks, damage) => {
          const t = tracks[which];
          const e = Array.from(t.edges.edges);
          for (const [kind, at, count, percent] of damage) {
            const k = Math.min(e.length - 3, Math.floor((at / 1e6) * (e.length - 1)));
            const frac = percent / 100;
            if (kind === "insert") e.splice(k + 1, 0, e[k] + Math.max(1, Math.floor((e[k + 1] - e[k]) * frac)));
            else if (kind === "drop") e.splice(k + 1, Math.min(count, e.length - k - 2));
            else e[k + 1] = Math.max(e[k] + 1, Math.min(e[k + 2] - 1, e[k + 1] + Math.round((frac - 0.5) * (e[k + 2] - e[k]))));
          }
          const edges = Float64Array.from(e);
          const plan = [...chunks, edges.length];
          const log = logBytes ? A.LOG_BYTES : 0;
          const a = runTrack(wasm, t.options, t.edges.sampleRate, edges, plan, log);
          const b = runTrack(js, t.options, t.edges.sampleRate, edges, plan, log);
          expect(a.cells.equals(b.cells)).toBe(true);
          expect(a.out.equals(b.out)).toBe(true);
          expect(a.events.equals(b.events)).toBe(true);
          const ev = new Float64Array(a.events.buffer, a.events.byteOffset, a.events.length / 8);
          for (let o = 0; o < ev.length; o += A.EVENT_STRIDE) {
            if (ev[o] !== A.EV_RESET) continue;
            reasons.add(ev[o + 4]);
            fields.add(ev[o + 6]);
            // never noted while locking: in SCANNING (a mark's pulses matched) or DECODING
            expect([A.RM_SCANNING, A.RM_DECODING]).toContain(ev[o + 6] >> 4);
            expect(ev[o + 2]).toBeLessThanOrEqual(ev[o + 3]);
          }
        },
      ),
      // a fixed seed: the reasons and fields seen below are a coverage check over these runs, and
      // unseeded runs missed one now and then (a CI run saw no reset while decoding an ID record)
      { numRuns: 120, seed: 20261127 },
    );
    for (const r of [A.RR_SHORT, A.RR_LONG, A.RR_LONG_DEFERRED, A.RR_NO_MARK, A.RR_UNKNOWN, A.RR_RECORD_END]) expect(reasons).toContain(r);
    for (const f of [A.RS_DATA_REC | (A.RM_DECODING << 4), A.RS_ID_REC | (A.RM_DECODING << 4), A.RS_SYNC_MARK | (A.RM_SCANNING << 4)]) expect(fields).toContain(f);
  });

  it("identical reset notes when the event log fills up (trackRun stops early, resets included)", () => {
    // 34 sectors logged byte by byte overflow one trackRun's event log; a 1-cell pulse in every data CRC
    const t = synthTrack({ format: "MFM", sectorsPerTrack: 34, sectorSize: 512, jitter: 0.04, seed: 3 });
    const enc = encodeTrackDetailed(t.layout);
    const h0 = t.edges.sampleRate / 1e7;
    const src = t.edges.edges;
    const cuts = new Set(enc.marks.filter((x) => x.kind === "data").map((x) => src.findIndex((s) => s >= src[0] + (x.cell + 16 * (2 + 512 + 1) - enc.cells.indexOf(1)) * h0)));
    const e: number[] = [];
    for (let i = 0; i < src.length; i++) {
      e.push(src[i]);
      if (cuts.has(i)) e.push(src[i] + Math.max(1, Math.floor((src[i + 1] - src[i]) / 3)));
    }
    const edges = Float64Array.from(e);
    expect(edges.length).toBeLessThanOrEqual(A.EDGE_CAP);
    let early = 0;
    const runs = (k: Kernels) => {
      writeTrackConfig(k, resolveOptions(t.options), t.edges.sampleRate, A.LOG_BYTES);
      k.trackConfigure();
      k.edges.set(edges);
      const log: number[] = [];
      for (let done = 0; done < edges.length; ) {
        const used = k.trackRun(done, edges.length - done);
        if (done + used < edges.length) early++;
        expect(k.status[A.ST_EVENTS]).toBeLessThanOrEqual(A.EVENT_CAP);
        for (let o = 0; o < k.status[A.ST_EVENTS] * A.EVENT_STRIDE; o += A.EVENT_STRIDE) if (k.events[o] === A.EV_RESET) log.push(...k.events.subarray(o, o + A.EVENT_STRIDE));
        done += used;
      }
      return log;
    };
    const a = runTrack(wasm, t.options, t.edges.sampleRate, edges, [edges.length], A.LOG_BYTES);
    const b = runTrack(js, t.options, t.edges.sampleRate, edges, [edges.length], A.LOG_BYTES);
    expect(a.events.equals(b.events)).toBe(true);
    expect(a.cells.equals(b.cells)).toBe(true);
    const ra = runs(wasm), rb = runs(js);
    expect(early).toBeGreaterThanOrEqual(2);
    expect(ra).toEqual(rb);
    const shortPulses = ra.filter((_, i) => i % A.EVENT_STRIDE === 4 && ra[i] === A.RR_SHORT).length;
    expect(shortPulses).toBe(34);
  });

  it("identical output on real captures with injected jitter, split at odd sizes", async () => {
    if (!haveShared) return warnMissing("parity on real captures");
    for (const [file, options] of [
      ["hdd_mfm_RQDX3.sr", "data_rate=5000000:format=MFM"],
      ["hdd_rll_WD1003V-SR1.sr", "data_rate=7500000:format=RLL_WD:header_format=3:data_crc_size=56:data_crc_poly=0x140a0445000101"],
      ["fdd_fm.sr", "data_rate=125000:format=FM:data_crc_size=16:data_crc_poly=0x1021"],
    ]) {
      const capture = await readCaptureFile(`${SAMPLES_DIR}/${file}`);
      const r = await decode(capture, options, { backend: "js", keepEvents: true });
      const edges = Float64Array.from(r.edges!.positions);
      let seed = 12345;
      for (let i = 1; i < edges.length; i++) {
        seed = (seed * 1103515245 + 12345) >>> 0;
        if (seed % 50 === 0) edges[i] = Math.max(edges[i - 1] + 1, edges[i] + ((seed >>> 8) % 7) - 3);
        else edges[i] = Math.max(edges[i - 1] + 1, edges[i]);
      }
      const plan = [1, 7, 4093, 1, 65536, edges.length];
      const a = runTrack(wasm, options, capture.sampleRate, edges, plan, A.LOG_BYTES);
      const b = runTrack(js, options, capture.sampleRate, edges, plan, A.LOG_BYTES);
      expect(a.cells.length).toBe(edges.length * 4);
      expect(a.cells.equals(b.cells)).toBe(true);
      expect(a.out.equals(b.out)).toBe(true);
      expect(a.events.equals(b.events)).toBe(true);
      expect(a.events.length).toBeGreaterThan(0);
    }
  });
});

/**
 * Samples through one backend in the given chunk sizes, either with decodeSamples
 * (fused) or edgesExtract + trackRun; everything written, plus the OoTI count.
 */
function runSamples(k: Kernels, options: string, sampleRate: number, samples: Uint8Array, chunks: number[], log: number, bits: readonly number[], rising: number, fused: boolean) {
  writeTrackConfig(k, resolveOptions(options), sampleRate, log);
  k.trackConfigure();
  k.edgesReset();
  const cells: Buffer[] = [], events: Buffer[] = [], out: Buffer[] = [], edges: Buffer[] = [], index: Buffer[] = [];
  const cmin = k.cfgI32[A.CI_CMIN], cmax = k.cfgI32[A.CI_CMAX];
  let ooti = 0, ootiRecount = 0, pos = 0;
  const collect = (done: number, used: number) => {
    cells.push(Buffer.from(new Uint8Array(k.cells.buffer, k.cells.byteOffset + done * 4, used * 4)));
    const ev = k.events.subarray(0, k.status[A.ST_EVENTS] * A.EVENT_STRIDE);
    events.push(Buffer.from(new Uint8Array(ev.buffer, ev.byteOffset, ev.byteLength)));
    out.push(Buffer.from(k.out.subarray(0, k.status[A.ST_OUT])));
    ooti += k.status[A.ST_OOTI];
    for (let i = done; i < done + used; i++) {
      const c = k.cells[i] & A.CELLS_MASK;
      if (c < cmin || c > cmax) ootiRecount++;
    }
  };
  for (const size of chunks) {
    const len = Math.min(size, samples.length - pos, A.SAMPLE_CAP);
    if (len <= 0) break;
    k.samples.set(samples.subarray(pos, pos + len));
    let n: number, done = 0;
    if (fused) {
      done = k.decodeSamples(len, pos, bits[0], bits[1], bits[2], rising);
      n = k.status[A.ST_EDGES];
      collect(0, done);
    } else {
      n = k.edgesExtract(len, pos, bits[0], bits[1], bits[2], rising);
    }
    edges.push(Buffer.from(new Uint8Array(k.edges.buffer, k.edges.byteOffset, n * 8)));
    index.push(Buffer.from(k.index.subarray(0, n)));
    while (done < n) {
      const used = k.trackRun(done, n - done);
      collect(done, used);
      done += used;
    }
    pos += len;
  }
  expect(ooti).toBe(ootiRecount); // the kernel's count is the cells' count
  const cat = (b: Buffer[]) => Buffer.concat(b);
  return { cells: cat(cells), events: cat(events), out: cat(out), edges: cat(edges), index: cat(index), ooti };
}

/** Logic samples: bit 0 pulses at cell-multiple gaps with jitter (plus garbage), bits 1 and 2 toggling rarely. */
const sampleStream = (h0: number) =>
  fc.tuple(
    fc.array(
      fc.oneof(
        { weight: 8, arbitrary: fc.tuple(fc.integer({ min: 1, max: 8 }), fc.double({ min: -0.45, max: 0.45, noNaN: true })).map(([c, j]) => Math.max(2, Math.round((c + j) * h0))) },
        { weight: 1, arbitrary: fc.integer({ min: 2, max: 2000 }) },
        { weight: 3, arbitrary: fc.constant(Math.max(2, Math.round(2 * h0))) },
      ),
      { minLength: 0, maxLength: 3000 },
    ),
    fc.integer({ min: 0, max: 0xffffffff }),
  ).map(([gaps, seed]) => {
    const total = gaps.reduce((a, b) => a + b, 0) + 4;
    const s = new Uint8Array(total);
    let t = 1, other = 0;
    for (const g of gaps) {
      seed = (seed * 1103515245 + 12345) >>> 0;
      if (seed % 97 === 0) other ^= 2;
      if (seed % 389 === 1) other ^= 4;
      s[t] = 1;
      const w = Math.min(g - 1, 1 + ((seed >>> 12) % 3));
      for (let j = 1; j < w; j++) s[t + j] = 1;
      for (let j = 0; j < g; j++) s[t + j] |= other;
      t += g;
    }
    return s;
  });

describe("fused decodeSamples parity (wasm vs ts, fused vs two-step)", () => {
  it("identical output and OoTI counts on random samples, any chunking", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...OPTION_SETS),
        fc.constantFrom(100e6, 200e6, 15e6),
        fc.boolean(),
        fc.boolean(),
        fc.constantFrom([0, 1, 2], [0, -1, -1], [0, 1, -1], [1, 0, 2]),
        fc.array(fc.integer({ min: 1, max: 5000 }), { minLength: 1, maxLength: 8 }),
        fc.integer({ min: 4, max: 30 }).chain((h0) => sampleStream(h0)),
        (options, rate, logBytes, rising, bits, chunks, samples) => {
          const plan = [...chunks, samples.length];
          const log = logBytes ? A.LOG_BYTES : 0;
          const r = rising ? 1 : 0;
          const a = runSamples(wasm, options, rate, samples, plan, log, bits, r, true);
          const b = runSamples(js, options, rate, samples, plan, log, bits, r, true);
          const c = runSamples(wasm, options, rate, samples, plan, log, bits, r, false);
          const d = runSamples(js, options, rate, samples, plan, log, bits, r, false);
          for (const x of [b, c, d]) {
            expect(x.edges.equals(a.edges)).toBe(true);
            expect(x.index.equals(a.index)).toBe(true);
            expect(x.cells.equals(a.cells)).toBe(true);
            expect(x.out.equals(a.out)).toBe(true);
            expect(x.events.equals(a.events)).toBe(true);
            expect(x.ooti).toBe(a.ooti);
          }
        },
      ),
      { numRuns: 100 },
    );
  });

  it("identical output on real captures, split at odd sizes", async () => {
    if (!haveShared) return warnMissing("fused parity on real captures");
    for (const [file, options] of [
      ["hdd_mfm_RQDX3.sr", "data_rate=5000000:format=MFM"],
      ["hdd_rll_WD1003V-SR1.sr", "data_rate=7500000:format=RLL_WD:header_format=3:data_crc_size=56:data_crc_poly=0x140a0445000101"],
    ]) {
      const capture = await readCaptureFile(`${SAMPLES_DIR}/${file}`);
      expect(capture.unitSize).toBe(1);
      const samples = capture.samples.subarray(0, capture.sampleCount);
      const plan = [1, 7, 40_093, A.SAMPLE_CAP, 3, 100_000, samples.length];
      const a = runSamples(wasm, options, capture.sampleRate, samples, plan, A.LOG_BYTES, [0, 1, 2], 1, true);
      const b = runSamples(js, options, capture.sampleRate, samples, plan, A.LOG_BYTES, [0, 1, 2], 1, true);
      const c = runSamples(js, options, capture.sampleRate, samples, plan, A.LOG_BYTES, [0, 1, 2], 1, false);
      expect(a.events.length).toBeGreaterThan(0);
      for (const x of [b, c]) {
        expect(x.edges.equals(a.edges)).toBe(true);
        expect(x.cells.equals(a.cells)).toBe(true);
        expect(x.out.equals(a.out)).toBe(true);
        expect(x.events.equals(a.events)).toBe(true);
        expect(x.ooti).toBe(a.ooti);
      }
    }
  });
});

describe("CRC parity (wasm vs ts vs bigint reference)", () => {
  it("equal for every width, polynomial and init, high bits included", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(8, 16, 24, 32, 40, 48, 56),
        fc.bigInt({ min: 0n, max: (1n << 56n) - 1n }),
        fc.bigInt({ min: 0n, max: (1n << 56n) - 1n }),
        fc.uint8Array({ minLength: 0, maxLength: 600 }),
        (width, poly, init, data) => {
          const mask = (1n << BigInt(width)) - 1n;
          const p = poly & mask, i = init & mask;
          const hi = (v: bigint) => Number(v >> 32n) | 0, lo = (v: bigint) => Number(v & 0xffffffffn) | 0;
          wasm.samples.set(data);
          js.samples.set(data);
          const w = wasm.crcCompute(width, hi(p), lo(p), hi(i), lo(i), data.length);
          const t = js.crcCompute(width, hi(p), lo(p), hi(i), lo(i), data.length);
          expect(w).toEqual(t);
          // bit-by-bit reference, independent of the table method
          let c = i;
          for (const b of data) {
            c ^= BigInt(b) << BigInt(width - 8);
            for (let k = 0; k < 8; k++) c = (c >> BigInt(width - 1)) & 1n ? ((c << 1n) ^ p) & mask : (c << 1n) & mask;
          }
          expect((BigInt(t[0] >>> 0) << 32n) | BigInt(t[1] >>> 0)).toBe(c);
          expect(crcOf(width, p, i, data)).toBe(c);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe("seed harness parity (wasm vs ts)", () => {
  it("same bytes decoded and same hash for random widths, any chunking", () => {
    fc.assert(
      fc.property(
        fc.boolean(),
        fc.uint8Array({ minLength: 0, maxLength: 5000 }),
        fc.array(fc.integer({ min: 1, max: 900 }), { minLength: 1, maxLength: 6 }),
        (rll, raw, chunks) => {
          // FM widths 1..2; RLL widths 1..8 (valid and invalid code), as the harness feeds them
          const widths = raw.map((b) => (rll ? 1 + (b % 8) : 1 + (b & 1)));
          const results = [wasm, js].map((k) => {
            k.seedReset();
            let pos = 0, bytes = 0;
            for (const size of [...chunks, widths.length]) {
              const n = Math.min(size, widths.length - pos);
              if (n <= 0) break;
              k.samples.set(widths.subarray(pos, pos + n));
              bytes += k.seedRun(n, rll ? 1 : 0);
              pos += n;
            }
            return [bytes, k.seedHash()];
          });
          expect(results[0]).toEqual(results[1]);
        },
      ),
      { numRuns: 200 },
    );
  });
});
