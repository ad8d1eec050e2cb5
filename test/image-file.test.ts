// Images written to a sink as tracks come (src/image/slots.ts ImageFileReads,
// what `diskflux image -o disk.img` uses): the same image bytes, map text and
// map JSON as assembleImage / ImageReads for the same inputs, whatever the
// drive hint and options; per sector only slots are kept for the plain good
// copies (no SectorRead objects), the problem sectors' reads as objects.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { decode, type DecodeResult, type TrackRecord } from "../src/decode.js";
import { synthTrack } from "../src/encode/synth.js";
import type { SectorSpec } from "../src/encode/track.js";
import { assembleImage, ImageReads, sectorReads, type DiskImage, type ImageOptions, type ImageTrackInput } from "../src/image/assemble.js";
import { packTrackReads } from "../src/image/reads-pack.js";
import { dataCheckOf } from "../src/recover/merge.js";
import { leanResult } from "../src/pool/protocol.js";
import { ImageFileReads, MemorySink, type SinkImage } from "../src/image/slots.js";
import { sectorMapJson, sectorMapText } from "../src/image/map.js";
import { writeTr } from "../src/writers/tr.js";
import { imageCommand } from "../src/cli/image.js";

const SIZE = 512;
const OPTIONS = "data_rate=5000000:format=MFM";

function pay(c: number, h: number, s: number, variant = 0): Uint8Array {
  const text = `c${c}h${h}s${s}v${variant} `;
  const out = new Uint8Array(SIZE);
  for (let i = 0; i < SIZE; i++) out[i] = text.charCodeAt(i % text.length);
  return out;
}
function sectors(c: number, h: number, nums: number[], extra: Partial<Record<number, Partial<SectorSpec>>> = {}, variant: Record<number, number> = {}): SectorSpec[] {
  return nums.map((s) => ({ cyl: c, head: h, sec: s, data: pay(c, h, s, variant[s] ?? 0), ...extra[s] }));
}
const synth = (list: SectorSpec[], seed: number) => synthTrack({ format: "MFM", sectors: list, sampleRate: 200e6, jitter: 0.02, seed });

/** The same image and map (text and JSON, key order included). */
function expectSame(got: SinkImage, sink: MemorySink, want: DiskImage): void {
  expect(got.imageBytes).toBe(want.image.length);
  expect(Buffer.compare(Buffer.from(sink.bytes.subarray(0, got.imageBytes)), Buffer.from(want.image))).toBe(0);
  expect(JSON.stringify(sectorMapJson(got))).toBe(JSON.stringify(sectorMapJson(want)));
  expect(sectorMapText(got)).toBe(sectorMapText(want));
  expect(got.tracks.map((t) => t.order)).toEqual(want.tracks.map((t) => t.order));
  expect(got.tracks.map((t) => t.ids)).toEqual(want.tracks.map((t) => t.ids));
}

/** A decode result with its records twice (two revolutions read back to back). */
const twice = (r: DecodeResult): DecodeResult => ({ ...r, records: [...r.records, ...r.records] });

describe("ImageFileReads: the image written to a sink as tracks come", () => {
  let inputs: ImageTrackInput[];
  beforeAll(async () => {
    const tracks = [
      { c: 0, h: 0, t: synth(sectors(0, 0, [0, 1, 2, 3, 4, 5]), 1) },
      { c: 0, h: 1, t: synth(sectors(0, 1, [0, 1, 2, 3, 4, 5], { 2: { badDataCrc: true }, 5: { badIdCrc: true } }), 2) },
      { c: 1, h: 0, t: synth(sectors(1, 0, [0, 1, 2, 3, 4], { 4: { missingData: true } }), 3) },
      { c: 1, h: 1, t: synth(sectors(1, 1, [0, 1, 2, 3, 4, 5, 254], { 1: { badDataCrc: true } }), 4) },
      { c: 1, h: 1, t: synth(sectors(1, 1, [0, 1, 2, 3, 4, 5]), 5) }, // sector 1 good this time: a later better copy
      { c: 0, h: 0, t: synth(sectors(0, 0, [0, 1, 2, 3, 4, 5], {}, { 3: 1 }), 6) }, // sector 3 differs: a conflict
      { c: 0, h: 1, t: synth(sectors(0, 1, [3, 4, 0, 1], { 0: { badDataCrc: true } }), 7) }, // another order, a bad copy after a good one
    ];
    inputs = [];
    for (const [i, x] of tracks.entries()) {
      const result = await decode(x.t.capture, OPTIONS, { recover: true, keepCrcInputs: true });
      inputs.push({ result: i === 0 ? twice(result) : result, source: `t${i}`, cyl: x.c, head: x.h });
    }
  });

  it("gives assembleImage's image bytes, map text and JSON, for every drive hint and option set", () => {
    const drives = [undefined, { cylinders: 2, heads: 2 }, { cylinders: 4, heads: 2 }, { cylinders: 1, heads: 2 }, { cylinders: 2, heads: 1 }, { cylinders: 2, heads: 4 }];
    const optionSets: ImageOptions[] = [{}, { sectorsPerTrack: 8 }, { firstSector: 1 }, { cylinders: 1 }, { cylinders: 3 }, { sectorSize: 256 }, { placeBy: "track" }, { geometry: "pc360" }, { fill: "xy", recover: false }];
    for (const opts of optionSets) {
      for (const order of [inputs, [...inputs].reverse()]) {
        const want = assembleImage(order, opts);
        for (const drive of drives) {
          const sink = new MemorySink();
          const r = new ImageFileReads(opts, drive, sink);
          for (const x of order) r.add(x);
          expectSame(r.assemble(), sink, want);
          // the same tracks as a worker sends them (image --jobs N: sector reads made there, packed), some as results
          const sink2 = new MemorySink();
          const r2 = new ImageFileReads(opts, drive, sink2);
          for (const [i, x] of order.entries()) {
            if (i % 3 === 1) {
              r2.add(x);
              continue;
            }
            // (a worker's result is lean: CRC inputs only on data records that fail, what the CLI's image decodes keep)
            const lean = leanResult(x.result);
            const made = sectorReads({ result: lean, cyl: x.cyl, head: x.head }, opts.placeBy ?? "header", 0);
            r2.addPacked(structuredClone(packTrackReads(made, dataCheckOf(lean), lean.options).packed), x.source);
          }
          expectSame(r2.assemble(), sink2, want);
        }
        // and in memory (.imd, a device): ImageReads given packed reads = given results
        const mem = new ImageReads(opts);
        const memPacked = new ImageReads(opts);
        for (const x of order) {
          mem.add(x);
          const lean = leanResult(x.result);
          const made = sectorReads({ result: lean, cyl: x.cyl, head: x.head }, opts.placeBy ?? "header", 0);
          memPacked.addPacked(structuredClone(packTrackReads(made, dataCheckOf(lean), lean.options).packed), x.source);
        }
        const a = mem.assemble();
        const b = memPacked.assemble();
        expect(Buffer.compare(Buffer.from(b.image), Buffer.from(a.image))).toBe(0);
        expect(sectorMapText(b)).toBe(sectorMapText(a));
        expect(JSON.stringify(sectorMapJson(b))).toBe(JSON.stringify(sectorMapJson(a)));
      }
    }
  });

  it("counts equal copies of one read in a slot, keeps no object for them", () => {
    const sink = new MemorySink();
    const r = new ImageFileReads({}, { cylinders: 2, heads: 2 }, sink);
    r.add(inputs[0]); // every sector twice, equal
    expect(r.reads.length).toBe(0);
    expect(r.compactSectors).toBe(6);
    const img = r.assemble();
    expect(img.tracks[0].sectors.map((s) => s.reads)).toEqual([2, 2, 2, 2, 2, 2]);
  });
});

describe("a big synthetic drive", () => {
  const CYLS = 120;
  const HEADS = 8;
  let drive: ImageTrackInput[];
  beforeAll(async () => {
    // 4 tracks decoded for real, then relabelled (their headers' cylinder and head, the payloads'
    // first bytes) as every track of a 120 x 8 drive: 16 320 sectors
    const base: DecodeResult[] = [];
    for (let i = 0; i < 4; i++) {
      const t = synth(sectors(0, 0, Array.from({ length: 17 }, (_, s) => s), i === 3 ? { 5: { badDataCrc: true } } : {}), 10 + i);
      base.push(await decode(t.capture, OPTIONS, { recover: true, keepCrcInputs: true }));
    }
    drive = [];
    for (let c = 0; c < CYLS; c++) {
      for (let h = 0; h < HEADS; h++) {
        const r = base[(c * HEADS + h) % 4];
        const records: TrackRecord[] = r.records.map((x) => {
          if (x.kind === "id") return { ...x, cyl: c, head: h };
          const bytes = new Uint8Array(x.bytes);
          bytes[0] = c;
          bytes[1] = h;
          return { ...x, bytes };
        });
        drive.push({ result: { ...r, records }, source: `drive.tr cyl ${c} head ${h}`, cyl: c, head: h });
      }
    }
  });

  it("written through the sink equals the in-memory image and map; only the bad sectors' reads are objects", () => {
    const want = new ImageReads({}, { cylinders: CYLS, heads: HEADS });
    for (const x of drive) want.add(x);
    const sink = new MemorySink();
    const got = new ImageFileReads({}, { cylinders: CYLS, heads: HEADS }, sink);
    for (const x of drive) got.add(x);
    // bounded: one slot per good sector, a SectorRead only for the bad copies (one track in 4 has one)
    expect(got.compactSectors).toBe(CYLS * HEADS * 17 - (CYLS * HEADS) / 4);
    expect(got.reads.length).toBe((CYLS * HEADS) / 4);
    expect(want.reads.length).toBe(CYLS * HEADS * 17);
    const img = got.assemble();
    expectSame(img, sink, want.assemble());
    expect(img.counts.bad).toBe((CYLS * HEADS) / 4);
  });
});

describe("diskflux image -o: written to the file as tracks come", () => {
  it("the same image and map as the in-memory way; no temporary file left; an existing image replaced", async () => {
    const dir = mkdtempSync(join(tmpdir(), "diskflux-image-file-"));
    try {
      const tracks = [];
      for (let c = 0; c < 3; c++) for (let h = 0; h < 2; h++) tracks.push({ cyl: c, head: h, capture: synth(sectors(c, h, [0, 1, 2, 3, 4, 5], c === 1 && h === 1 ? { 3: { badDataCrc: true } } : {}), 20 + c * 2 + h).edges });
      writeFileSync(join(dir, "d.tr"), writeTr(tracks, { note: "image-file test" }));
      const inputs: ImageTrackInput[] = [];
      for (const t of tracks) inputs.push({ result: await decode(t.capture, OPTIONS, { recover: true, keepCrcInputs: true }), source: `d.tr cyl ${t.cyl} head ${t.head}`, cyl: t.cyl, head: t.head });
      const want = assembleImage(inputs);
      writeFileSync(join(dir, "d.img"), "an older image, longer than the new one ".repeat(1000));
      const sink = { out: "", err: "" };
      const w = (k: "out" | "err") => ({ write: (s: string) => ((sink[k] += s), true) }) as unknown as NodeJS.WritableStream;
      const code = await imageCommand([join(dir, "d.tr"), "-P", `mfm:${OPTIONS}`, "-o", join(dir, "d.img"), "--map", join(dir, "d.map"), "--jobs", "1"], w("out"), w("err"));
      expect(sink.err).toBe("");
      expect(code).toBe(0);
      expect(Buffer.compare(readFileSync(join(dir, "d.img")), Buffer.from(want.image))).toBe(0);
      expect(readFileSync(join(dir, "d.map"), "utf8")).toBe(sectorMapText(want));
      expect(sink.out).toContain(`(${want.image.length} bytes) from 6 tracks: 35 good, 0 corrected, 0 recovered, 0 voted, 0 conflict, 1 bad, 0 missing`);
      const { chmodSync, readdirSync, statSync, symlinkSync } = await import("node:fs");
      expect(readdirSync(dir).sort()).toEqual(["d.img", "d.map", "d.tr"]);
      // through a symbolic link: the file it names is replaced, with its mode; the link stays
      chmodSync(join(dir, "d.img"), 0o600);
      symlinkSync("d.img", join(dir, "link.img"));
      writeFileSync(join(dir, "d.img"), "old");
      expect(await imageCommand([join(dir, "d.tr"), "-P", `mfm:${OPTIONS}`, "-o", join(dir, "link.img"), "--map", join(dir, "d.map"), "--jobs", "1"], w("out"), w("err"))).toBe(0);
      expect(Buffer.compare(readFileSync(join(dir, "d.img")), Buffer.from(want.image))).toBe(0);
      expect(statSync(join(dir, "d.img")).mode & 0o777).toBe(0o600);
      expect(readdirSync(dir).sort()).toEqual(["d.img", "d.map", "d.tr", "link.img"]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
