// A damaged header must not make `image` build a huge image of fill: an inferred
// geometry far larger than the sectors read is refused (E_LIMIT) unless given.
import { describe, it, expect } from "vitest";
import { synthTrack } from "../src/encode/synth.js";
import { decode } from "../src/decode.js";
import { assembleImage } from "../src/image/assemble.js";

describe("image size limits", () => {
  it("one sector claiming cyl 255 head 255 of 16 KiB is refused, not a 1 GiB image", async () => {
    const r = synthTrack({ format: "MFM", cyl: 255, head: 255, sectorsPerTrack: 1, sectorSize: 16384 });
    const result = await decode(r.capture, r.options);
    expect(() => assembleImage([{ result, source: "one.sr" }])).toThrow(/give the geometry/);
    try {
      assembleImage([{ result, source: "one.sr" }]);
    } catch (e) {
      expect((e as { code?: string }).code).toBe("E_LIMIT");
    }
  });

  it("the same sector with the geometry given builds what was asked", async () => {
    const r = synthTrack({ format: "MFM", cyl: 3, head: 1, sectorsPerTrack: 1, sectorSize: 512 });
    const result = await decode(r.capture, r.options);
    const img = assembleImage([{ result, source: "one.sr" }], { cylinders: 4, heads: 2 });
    expect(img.image.length).toBe(4 * 2 * 512);
  });
});
