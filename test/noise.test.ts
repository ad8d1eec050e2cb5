// The noise injector: identity without noise, deterministic, always valid edges,
// and its effects go the right way on a synthesized track.
import { describe, it, expect } from "vitest";
import fc from "fast-check";
import { addNoise } from "../src/encode/noise.js";
import { synthTrack } from "../src/encode/synth.js";
import { decode } from "../src/decode.js";

const track = synthTrack({ format: "MFM", seed: 3, sectorsPerTrack: 6 });
const cell = track.capture.sampleRate / 5e6 / 2;

describe("noise injector", () => {
  it("is the identity without noise", () => {
    const same = addNoise(track.edges, { cell });
    expect(Array.from(same.edges)).toEqual(Array.from(track.edges.edges));
  });

  it("always yields strictly increasing positive edges, deterministically per seed", () => {
    fc.assert(
      fc.property(fc.double({ min: 0, max: 2, noNaN: true }), fc.double({ min: 0, max: 0.5, noNaN: true }), fc.double({ min: 0, max: 0.5, noNaN: true }),
        fc.double({ min: -0.1, max: 0.1, noNaN: true }), fc.integer(), (jitter, dropout, extra, drift, seed) => {
          const o = { cell, jitter, dropout, extra, drift, seed };
          const a = addNoise(track.edges, o);
          for (let i = 0; i < a.edges.length; i++) expect(a.edges[i]).toBeGreaterThan(i ? a.edges[i - 1] : 0);
          expect(Array.from(addNoise(track.edges, o).edges)).toEqual(Array.from(a.edges));
        }),
      { numRuns: 30 },
    );
  });

  it("light jitter keeps every sector; heavy dropout loses some", async () => {
    const light = await decode(addNoise(track.edges, { cell, jitter: 0.03, seed: 5 }), track.options);
    expect(light.stats.CRC_OK).toBe(12);
    const heavy = await decode(addNoise(track.edges, { cell, dropout: 0.01, seed: 5 }), track.options);
    expect(heavy.stats.CRC_OK).toBeLessThan(12);
    expect(addNoise(track.edges, { cell, dropout: 0.5, seed: 1 }).edges.length).toBeLessThan(track.edges.edges.length * 0.6);
  });
});
