// A track's sector reads packed where it was decoded (src/image/reads-pack.ts) come
// back as sectorReads made them: the same keys in the same order, the same values,
// for clean tracks and for damaged ones (bad, recovered, with CRC inputs for a vote),
// placed by header or by track; and through a structured clone (a worker's message).
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { synthTrack } from "../src/encode/synth.js";
import { addNoise } from "../src/encode/noise.js";
import { decode } from "../src/decode.js";
import { sectorReads, type SectorRead } from "../src/image/assemble.js";
import { packTrackReads, unpackTrackReads } from "../src/image/reads-pack.js";
import { dataCheckOf } from "../src/recover/merge.js";
import { leanRequest, leanResult } from "../src/pool/protocol.js";

/** A read as plain entries in key order (Uint8Arrays as byte lists), for a comparison that sees the order too. */
function entries(r: SectorRead): [string, unknown][] {
  return Object.entries(r).map(([k, v]) => [k, v instanceof Uint8Array ? Array.from(v) : v]);
}

describe("a track's sector reads, packed and unpacked", () => {
  const track = synthTrack({ format: "MFM", seed: 11, sectorsPerTrack: 9, cyl: 4, head: 1 });
  const cell = track.capture.sampleRate / 5e6 / 2;

  it("= sectorReads, key order included, for clean and damaged tracks decoded as image does (lean, recovery, CRC inputs)", async () => {
    let plain = 0;
    let other = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.record({ jitter: fc.double({ min: 0, max: 0.25, noNaN: true }), dropout: fc.constantFrom(0, 0, 0.002, 0.01), seed: fc.integer() }),
        fc.constantFrom("header" as const, "track" as const),
        fc.nat(1000),
        async (noise, placeBy, input) => {
          const edges = addNoise(track.edges, { cell, ...noise });
          const decoded = await decode(edges, track.options, leanRequest({ recover: true, keepCrcInputs: true }));
          const lean = leanResult(decoded);
          const want = sectorReads({ result: lean, source: "disk.tr cyl 4 head 1", cyl: 4, head: 1 }, placeBy, input);
          // (the worker's: no source, input 0; the assembling thread names and numbers them)
          const made = sectorReads({ result: lean, cyl: 4, head: 1 }, placeBy, 0);
          const { packed, transfer } = packTrackReads(made, dataCheckOf(lean), lean.options);
          const moved = structuredClone(packed, { transfer });
          const got = unpackTrackReads(moved, "disk.tr cyl 4 head 1", input);
          expect(got.badHeaders).toBe(want.badHeaders);
          expect(got.orphanData).toBe(want.orphanData);
          expect(got.reads.map(entries)).toEqual(want.reads.map(entries));
          expect(got.reads).toStrictEqual(want.reads);
          expect(moved.options).toStrictEqual(lean.options);
          for (let i = 0; i < packed.count; i++) {
            if (moved.plain[i] === 1) plain++;
            else other++;
          }
        },
      ),
      { numRuns: 40, seed: 7 },
    );
    // both ways were taken: plain good copies and the others
    expect(plain).toBeGreaterThan(0);
    expect(other).toBeGreaterThan(0);
  }, 120_000);
});
