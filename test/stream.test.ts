// Chunked equals one-shot: for every shared capture and many chunk sizes
// (1 byte, odd sizes, sizes that cut sync marks and sample units), streaming
// gives the same records, fields and binary streams as decoding at once.
import { describe, it, expect, beforeAll } from "vitest";
import fc from "fast-check";
import { readFileSync } from "node:fs";
import { unzipSync } from "fflate";
import { readCapture, readCaptureFile } from "../src/readers/index.js";
import { openCaptureStream } from "../src/readers/stream.js";
import { decode, type DecodeResult } from "../src/decode.js";
import { decodeChunks, openTrackStream } from "../src/stream.js";
import type { LogicCapture } from "../src/capture.js";
import type { TrackRecord } from "../src/decode.js";
import { synthTrack } from "../src/encode/synth.js";
import { SAMPLES_DIR, haveShared, oracleCaptures, warnMissing } from "./support/shared.js";
import { bigDsl, bitPlane, writeDsl } from "./support/dsl-writer.js";

function summary(records: readonly TrackRecord[]) {
  return records.map((r) => ({ ...r, bytes: Buffer.from(r.bytes).toString("hex") }));
}

function expectSame(a: DecodeResult, b: DecodeResult): void {
  expect(summary(b.records)).toEqual(summary(a.records));
  expect(b.fields).toEqual(a.fields);
  expect(b.stats).toEqual(a.stats);
  for (const k of ["id", "idcrc", "data", "datacrc", "iddata"] as const) {
    expect(Buffer.from(b.binary[k]).equals(Buffer.from(a.binary[k]))).toBe(true);
  }
}

async function streamed(capture: LogicCapture, options: string, sizes: number[], backend: "wasm" | "js") {
  const data = capture.samples.subarray(0, capture.sampleCount * capture.unitSize);
  const pieces: Uint8Array[] = [];
  for (let at = 0, i = 0; at < data.length; i++) {
    const n = sizes[i % sizes.length];
    pieces.push(data.subarray(at, at + n));
    at += n;
  }
  const gen = decodeChunks(pieces, capture, options, { backend });
  const yielded: TrackRecord[] = [];
  for (;;) {
    const step = await gen.next();
    if (step.done) return { result: step.value, yielded };
    yielded.push(step.value);
  }
}

describe("streaming equals one-shot", () => {
  if (!haveShared) {
    warnMissing("streaming tests");
    it.skip("streaming (shared folders missing)", () => {});
    return;
  }
  for (const c of oracleCaptures()) {
    describe(c.stem, () => {
      let capture: LogicCapture;
      const whole: Partial<Record<"wasm" | "js", DecodeResult>> = {};
      beforeAll(async () => {
        capture = await readCaptureFile(`${SAMPLES_DIR}/${c.file}`);
        whole.wasm = await decode(capture, c.options, { backend: "wasm" });
        whole.js = await decode(capture, c.options, { backend: "js" });
      });
      for (const backend of ["wasm", "js"] as const) {
        it(`${backend}: odd chunk sizes; records are yielded as they complete`, async () => {
          const { result, yielded } = await streamed(capture, c.options, [4093, 1, 65537, 3, 262147, 999_999], backend);
          expectSame(whole[backend]!, result);
          expect(summary(yielded)).toEqual(summary(result.records));
        });
      }
    });
  }

  it("1-byte chunks (small capture)", async () => {
    const capture = await readCaptureFile(`${SAMPLES_DIR}/hdd_mfm_RQDX3_sector.sr`);
    const a = await decode(capture, "", { backend: "wasm" });
    for (const backend of ["wasm", "js"] as const) expectSame(a, (await streamed(capture, "", [1], backend)).result);
  });

  it("random chunkings, unit size 2 (units split across chunks)", async () => {
    const one = await readCaptureFile(`${SAMPLES_DIR}/hdd_mfm_RQDX3_sector.sr`);
    // spread into 2-byte units: data on bit 9, noise elsewhere
    const wide = new Uint8Array(one.sampleCount * 2);
    for (let i = 0; i < one.sampleCount; i++) {
      wide[2 * i] = (i * 37) & 0xff;
      wide[2 * i + 1] = ((one.samples[i] & 1) << 1) | 0x40;
    }
    const capture: LogicCapture = {
      kind: "logic", sampleRate: one.sampleRate, sampleCount: one.sampleCount, unitSize: 2, samples: wide,
      channels: Array.from({ length: 10 }, (_, k) => ({ index: k, name: `D${k}` })),
    };
    const request = { channels: { data: "D9", index: null, suppress: null } };
    const a = await decode(capture, "", { ...request, backend: "wasm" });
    expect(a.records.length).toBe(2);
    expect(Buffer.from(a.binary.data).equals(readFileSync(`${SAMPLES_DIR}/../oracle/hdd_mfm_RQDX3_sector/data.bin`))).toBe(true);
    await fc.assert(
      fc.asyncProperty(fc.array(fc.integer({ min: 1, max: 40000 }), { minLength: 1, maxLength: 5 }), fc.constantFrom("wasm", "js"), async (sizes, backend) => {
        const stream = await openTrackStream(capture, "", { ...request, backend: backend as "wasm" | "js" });
        for (let at = 0, i = 0; at < wide.length; i++) {
          stream.pushSamples(wide.subarray(at, at + sizes[i % sizes.length]));
          at += sizes[i % sizes.length];
        }
        expectSame(a, stream.finish());
      }),
      { numRuns: 10 },
    );
  });

  it("a .sr file streams member by member without materialising it", async () => {
    const bytes = new Uint8Array(readFileSync(`${SAMPLES_DIR}/hdd_rll_WD1003V-SR1.sr`));
    const options = "data_rate=7500000:format=RLL_WD:header_format=3:data_crc_size=56:data_crc_poly=0x140a0445000101";
    const s = await openCaptureStream(bytes, "hdd_rll_WD1003V-SR1.sr");
    let biggest = 0;
    async function* watched() {
      for await (const piece of s.chunks(1 << 16)) {
        biggest = Math.max(biggest, piece.length);
        yield piece;
      }
    }
    const gen = decodeChunks(watched(), s.setup, options);
    let step = await gen.next();
    while (!step.done) step = await gen.next();
    const whole = await decode(await readCaptureFile(`${SAMPLES_DIR}/hdd_rll_WD1003V-SR1.sr`), options);
    expectSame(whole, step.value);
    expect(biggest).toBeLessThanOrEqual(1 << 17);
  });

  it("streams are independent of each other", async () => {
    const capture = await readCaptureFile(`${SAMPLES_DIR}/hdd_mfm_RQDX3_sector.sr`);
    const [s1, s2] = [await openTrackStream(capture, ""), await openTrackStream(capture, "")];
    const half = Math.floor(capture.samples.length / 2);
    s1.pushSamples(capture.samples.subarray(0, half));
    s2.pushSamples(capture.samples.subarray(0, 1000));
    s1.pushSamples(capture.samples.subarray(half));
    s2.pushSamples(capture.samples.subarray(1000));
    expectSame(s1.finish(), s2.finish());
    expect(() => s1.pushSamples(new Uint8Array(1))).toThrow(/finished/);
  });
});

// ---------------------------------------------------------------- DSView .dsl, block by block

async function collect(chunks: AsyncIterable<Uint8Array>): Promise<{ bytes: Uint8Array; biggest: number }> {
  const parts: Uint8Array[] = [];
  let biggest = 0;
  for await (const c of chunks) {
    parts.push(c.slice());
    biggest = Math.max(biggest, c.length);
  }
  return { bytes: new Uint8Array(Buffer.concat(parts)), biggest };
}

describe(".dsl streams block by block", () => {
  it("the shared hdd_mfm_RQDX3.dsl: chunked reading gives the whole read's samples and records", async () => {
    if (!haveShared) return warnMissing(".dsl streaming on the shared capture");
    const bytes = new Uint8Array(readFileSync(`${SAMPLES_DIR}/hdd_mfm_RQDX3.dsl`));
    const whole = await readCapture(bytes, "hdd_mfm_RQDX3.dsl");
    for (const size of [4093, 1 << 16, 1 << 20, 1 << 23]) {
      const s = await openCaptureStream(bytes, "hdd_mfm_RQDX3.dsl");
      expect(s.setup).toMatchObject({ sampleRate: whole.sampleRate, unitSize: whole.unitSize, sampleCount: whole.sampleCount, channels: whole.channels });
      const { bytes: got, biggest } = await collect(s.chunks(size));
      expect(Buffer.compare(got, whole.samples), `chunks of ${size}`).toBe(0);
      expect(biggest).toBeLessThanOrEqual(Math.max(8, size));
    }
    const options = "data_rate=5000000:format=MFM";
    const one = await decode(whole, options);
    const s = await openCaptureStream(bytes, "hdd_mfm_RQDX3.dsl");
    const gen = decodeChunks(s.chunks(1 << 16), s.setup, options);
    let step = await gen.next();
    while (!step.done) step = await gen.next();
    expectSame(one, step.value);
    expect(one.records.length).toBe(40);
  });

  it("several channels and blocks, unit sizes 1 and 2: chunked equals whole for any chunk size", async () => {
    const t = synthTrack({ format: "MFM", sectorsPerTrack: 3, sectorSize: 128, indexPulse: true, seed: 5 });
    expect(t.capture.sampleCount).toBeLessThan(200_000);
    const wide: LogicCapture = {
      ...t.capture,
      unitSize: 2,
      samples: (() => {
        const w = new Uint8Array(t.capture.sampleCount * 2);
        for (let i = 0; i < t.capture.sampleCount; i++) {
          w[2 * i] = t.capture.samples[i] | ((i * 7) & 0xf8);
          w[2 * i + 1] = (i >> 5) & 3;
        }
        return w;
      })(),
      channels: Array.from({ length: 10 }, (_, k) => ({ index: k, name: `D${k}` })),
    };
    for (const capture of [t.capture, wide]) {
      const dsl = writeDsl(capture, 4093); // blocks that end mid-way through a chunk
      const whole = await readCapture(dsl, "synth.dsl");
      expect(Buffer.compare(whole.samples, capture.samples.subarray(0, capture.sampleCount * capture.unitSize))).toBe(0);
      await fc.assert(
        fc.asyncProperty(fc.oneof(fc.integer({ min: 1, max: 40 }), fc.integer({ min: 41, max: 300_000 })), async (size) => {
          const s = await openCaptureStream(dsl, "synth.dsl");
          const { bytes } = await collect(s.chunks(size));
          expect(Buffer.compare(bytes, whole.samples)).toBe(0);
        }),
        { numRuns: 8, seed: 14 },
      );
    }
    const s = await openCaptureStream(writeDsl(t.capture, 4093), "synth.dsl");
    const gen = decodeChunks(s.chunks(5000), s.setup, t.options, { backend: "js" });
    let step = await gen.next();
    while (!step.done) step = await gen.next();
    expect(step.value.records.filter((r) => r.crc?.ok).length).toBe(6);
  });

  it("a member whose declared CRC-32 or size is wrong fails the chunked read (zlib checks them as it inflates)", async () => {
    const t = synthTrack({ format: "FM", sectorsPerTrack: 2, seed: 5 });
    const dsl = writeDsl(t.capture, 1 << 12);
    const name = Object.keys(unzipSync(dsl)).filter((n) => n.startsWith("L-"))[0];
    /** The file with `patch` applied to the member's CRC-32 field in both its local and its central header. */
    const damaged = (field: number, patch: (b: Uint8Array, at: number) => void) => {
      const bad = dsl.slice();
      const buf = Buffer.from(bad);
      for (const [sig, crcAt, nameAt] of [[0x04034b50, 14, 30], [0x02014b50, 16, 46]] as const) {
        for (let p = buf.indexOf(Buffer.from(name)); p >= 0; p = buf.indexOf(Buffer.from(name), p + 1)) {
          const h = p - nameAt;
          if (h >= 0 && buf.readUInt32LE(h) === sig) patch(bad, h + crcAt + field);
        }
      }
      return bad;
    };
    const read = async (bytes: Uint8Array) => {
      const s = await openCaptureStream(bytes, "bad.dsl");
      return collect(s.chunks(1 << 10)).then(() => "ok", (e: { code?: string; message?: string }) => `${e.code}: ${e.message}`);
    };
    expect(await read(dsl)).toBe("ok");
    expect(await read(damaged(0, (b, at) => void (b[at] ^= 1)))).toMatch(/^E_CORRUPT: .*fails its CRC-32 check/);
  });

  it("a damaged block fails the chunked read as it fails the whole read", async () => {
    const t = synthTrack({ format: "FM", sectorsPerTrack: 2, seed: 9 });
    const dsl = writeDsl(t.capture, 1 << 12);
    const files = unzipSync(dsl);
    const names = Object.keys(files).filter((n) => n.startsWith("L-"));
    // flip a bit of the last block's compressed data: an inflate error or a CRC-32 mismatch
    const bad = dsl.slice();
    const last = names[names.length - 1];
    const at = Buffer.from(bad).indexOf(Buffer.from(last)) + last.length + 5;
    bad[at] ^= 0x10;
    const whole = await readCapture(bad, "bad.dsl").then(() => "ok", (e) => e.code);
    const s = await openCaptureStream(bad, "bad.dsl");
    const chunked = await collect(s.chunks(1 << 10)).then(() => "ok", (e) => e.code);
    expect(whole).toBe("E_CORRUPT");
    expect(chunked).toBe("E_CORRUPT");
  });

  it("a large .dsl (256 Mi samples; DISKFLUX_BIG_DSL_SAMPLES to change) decodes in bounded memory", async () => {
    const n = Number(process.env.DISKFLUX_BIG_DSL_SAMPLES ?? 2 ** 28);
    const t = synthTrack({ format: "MFM", seed: 3 });
    const dsl = bigDsl(bitPlane(t.capture, 0), n, t.capture.sampleRate);
    const s = await openCaptureStream(dsl, "big.dsl");
    expect(s.setup.sampleCount).toBe(n);
    const stream = await openTrackStream(s.setup, t.options, { backend: "wasm" });
    const base = process.memoryUsage();
    let peak = 0;
    let good = 0;
    for await (const c of s.chunks(1 << 22)) {
      stream.pushSamples(c);
      good += stream.takeRecords().filter((r) => r.crc?.ok).length;
      const m = process.memoryUsage();
      peak = Math.max(peak, m.arrayBuffers + m.heapUsed - base.arrayBuffers - base.heapUsed);
    }
    const result = stream.finish();
    good += stream.takeRemaining().filter((r) => r.crc?.ok).length;
    expect(result.sampleCount).toBe(n);
    // every whole copy of the track decodes (17 sectors: ID + data), the copies' seams cost at most a sector each
    const copies = Math.floor(n / t.capture.sampleCount);
    expect(good).toBeGreaterThanOrEqual(copies * 32);
    // memory: chunks, the inflaters and the decoded records, nowhere near the n bytes a whole read takes
    expect(peak, `peak growth ${(peak / 2 ** 20).toFixed(1)} MiB`).toBeLessThan(Math.min(n / 2, 160 * 2 ** 20));
  });
});
