// Round trip: the project's encoder turns random sectors into cells, pulses
// with jitter and speed drift, and logic samples; decoding (both backends, from
// samples and from edges) must give back every sector's header and bytes with
// the CRC verdicts the encoder intended.
import { describe, it, expect } from "vitest";
import fc from "fast-check";
import { synthTrack } from "../src/encode/synth.js";
import { SYNTH_FORMATS } from "../src/encode/track.js";
import { decode, type DecodeResult } from "../src/decode.js";
import type { SynthResult } from "../src/encode/synth.js";

type Name = keyof typeof SYNTH_FORMATS;
const FORMATS = Object.keys(SYNTH_FORMATS) as Name[];

function check(result: DecodeResult, synth: SynthResult): void {
  const ids = result.records.filter((r) => r.kind === "id");
  const datas = result.records.filter((r) => r.kind === "data");
  expect(ids.map((r) => [r.cyl, r.head, r.sec])).toEqual(synth.expected.map((s) => [s.cyl, s.head, s.sec]));
  ids.forEach((r, i) => {
    const e = synth.expected[i];
    expect(Buffer.from(r.bytes).equals(Buffer.from(e.id))).toBe(true);
    expect(r.len).toBe(e.size);
    expect(r.crc?.ok).toBe(e.idCrcOk);
  });
  const withData = synth.expected.filter((e) => e.dataCrcOk !== null);
  expect(datas.length).toBe(withData.length);
  datas.forEach((r, i) => {
    const e = withData[i];
    expect(Buffer.from(r.bytes).equals(Buffer.from(e.data))).toBe(true);
    expect(r.crc?.ok).toBe(e.dataCrcOk);
  });
}

for (const backend of ["wasm", "js"] as const) {
  describe(`round trip (${backend})`, () => {
    for (const format of FORMATS) {
      it(`${format}: random sectors, jitter and drift decode back exactly`, async () => {
        await fc.assert(
          fc.asyncProperty(
            fc.integer({ min: 1, max: 1 << 30 }),
            // Edge jitter σ in cells. At 0.053 a 5.7σ Gaussian tail event (seen once in fast-check) makes a
            // 2-cell MFM pulse round to 1 cell and the PLL resets, exactly as the original would: a real loss,
            // not a decoder bug. Up to 0.03 such a loss needs > 9σ, so "every sector comes back" holds.
            fc.double({ min: 0, max: 0.03, noNaN: true }),
            fc.double({ min: -0.02, max: 0.02, noNaN: true }),
            fc.integer({ min: 1, max: 6 }),
            fc.array(fc.integer({ min: 0, max: 8 }), { maxLength: 2 }),
            async (seed, jitter, drift, sectorsPerTrack, bad) => {
              const synth = synthTrack({ format, seed, jitter, drift, sectorsPerTrack, badSectors: bad });
              check(await decode(synth.capture, synth.options, { backend }), synth);
              check(await decode(synth.edges, synth.options, { backend }), synth);
            },
          ),
          { numRuns: 12 },
        );
      });
    }
  });
}

describe("round trip: deliberate bad CRCs are reported as data", () => {
  it("a bad data CRC on one sector leaves the others good", async () => {
    const synth = synthTrack({ format: "MFM", seed: 7, sectorsPerTrack: 5, badSectors: [2] });
    const result = await decode(synth.capture, synth.options);
    const verdicts = result.records.filter((r) => r.kind === "data").map((r) => r.crc?.ok);
    expect(verdicts).toEqual(synth.expected.map((e) => e.dataCrcOk));
    expect(verdicts.filter((v) => v === false).length).toBe(1);
    expect(result.stats.CRC_err).toBe(1);
  });
});
