// writeFilePieces (src/cli/run.ts): `convert` to .tr writes a whole drive track
// by track instead of holding it (an 8 192-track .tr peaked at 1.5 GiB RSS; now
// ~0.6 GiB, the input). The pieces go to a temporary file beside the output,
// renamed over it at the end: a run that fails leaves the old file and no
// temporary one.
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { writeFilePieces } from "../src/cli/run.js";
import { synthTrack } from "../src/encode/synth.js";
import { trGeometry, writeTr, writeTrStream } from "../src/writers/tr.js";

const dir = mkdtempSync(join(tmpdir(), "diskflux-pieces-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("writeFilePieces", () => {
  test("a .tr written piece by piece is writeTr's bytes, and no temporary file stays", async () => {
    const tracks = [0, 1].flatMap((cyl) => [0, 1].map((head) => ({ cyl, head, capture: synthTrack({ format: "MFM", cyl, head }).edges })));
    const out = join(dir, "drive.tr");
    writeFileSync(out, "old");
    let pieces = 0;
    const n = await writeFilePieces(out, (put) => writeTrStream(tracks, (p) => { pieces++; put(p); }, { note: "t", ...trGeometry(tracks) }));
    const want = writeTr(tracks, { note: "t" });
    expect(pieces).toBe(1 + tracks.length + 1);
    expect(n).toBe(want.length);
    expect(Buffer.compare(readFileSync(out), want)).toBe(0);
    expect(readdirSync(dir)).toEqual(["drive.tr"]);
  });

  test("a run that fails midway leaves the old file as it was, and no temporary file", async () => {
    const out = join(dir, "keep.tr");
    writeFileSync(out, "the old image");
    const boom = new Error("a track that cannot be written");
    await expect(writeFilePieces(out, (put) => {
      put(new Uint8Array(1000));
      throw boom;
    })).rejects.toMatchObject({ code: "E_FILE" });
    expect(readFileSync(out, "utf8")).toBe("the old image");
    expect(readdirSync(dir).filter((f) => f.includes("keep"))).toEqual(["keep.tr"]);
  });
});
