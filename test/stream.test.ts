// Chunked equals one-shot: for every shared capture and many chunk sizes
// (1 byte, odd sizes, sizes that cut sync marks and sample units), streaming
// gives the same records, fields and binary streams as decoding at once.
import { describe, it, expect, beforeAll } from "vitest";
import fc from "fast-check";
import { readFileSync } from "node:fs";
import { readCaptureFile } from "../src/readers/index.js";
import { openCaptureStream } from "../src/readers/stream.js";
import { decode, type DecodeResult } from "../src/decode.js";
import { decodeChunks, openTrackStream } from "../src/stream.js";
import type { LogicCapture } from "../src/capture.js";
import type { TrackRecord } from "../src/decode.js";
import { SAMPLES_DIR, haveShared, oracleCaptures, warnMissing } from "./support/shared.js";

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
