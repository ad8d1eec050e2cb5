// Disk images (src/image): sectors of many decoded tracks placed by (cyl, head,
// sec), best copy per sector, fill pattern for missing ones, and the sector map.
//
// The main case is built end to end from synthTrack tracks: a multi-track .tr
// with deliberate bad and missing sectors, a second read of one track (as .sr)
// where a bad sector reads good, and a second read of another track (as .vcd)
// where one sector's good payload differs (a conflict). The expected image is
// assembled by hand from the payloads; the expected map is written out in full.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { decode, type DecodeResult, type TrackRecord } from "../src/decode.js";
import { synthTrack } from "../src/encode/synth.js";
import type { SectorSpec } from "../src/encode/track.js";
import { DiskfluxError } from "../src/errors.js";
import { assembleImage, ImageReads, inferSectorRun, MISSING_SECTOR_TEXT, type DiskImage, type ImageOptions, type ImageTrackInput } from "../src/image/assemble.js";
import { sectorMapJson, sectorMapText } from "../src/image/map.js";
import { readAnyCapture, readCaptureFile } from "../src/readers/index.js";
import { writeSigrok } from "../src/writers/sigrok.js";
import { writeTr } from "../src/writers/tr.js";
import { writeVcd } from "../src/writers/vcd.js";
import { imageCommand } from "../src/cli/image.js";
import { ORACLE_DIR, SAMPLES_DIR, haveShared, oracleCaptures, warnMissing } from "./support/shared.js";

const SIZE = 512;
const OPTIONS = "data_rate=5000000:format=MFM";

/** A readable 512-byte payload: "c1h0s3v0 " repeated. */
function pay(c: number, h: number, s: number, variant = 0): Uint8Array {
  const text = `c${c}h${h}s${s}v${variant} `;
  const out = new Uint8Array(SIZE);
  for (let i = 0; i < SIZE; i++) out[i] = text.charCodeAt(i % text.length);
  return out;
}

function missingFill(): Uint8Array {
  const out = new Uint8Array(SIZE);
  for (let i = 0; i < SIZE; i++) out[i] = MISSING_SECTOR_TEXT.charCodeAt(i % MISSING_SECTOR_TEXT.length);
  return out;
}

function sectors(c: number, h: number, nums: number[], extra: Partial<Record<number, Partial<SectorSpec>>> = {}, variant: Record<number, number> = {}): SectorSpec[] {
  return nums.map((s) => ({ cyl: c, head: h, sec: s, data: pay(c, h, s, variant[s] ?? 0), ...extra[s] }));
}

const synth = (list: SectorSpec[], seed: number) => synthTrack({ format: "MFM", sectors: list, sampleRate: 200e6, jitter: 0.02, seed });

// The disk: 2 cylinders x 2 heads x sectors 0..5.
const T00 = synth(sectors(0, 0, [0, 1, 2, 3, 4, 5]), 1);
const T01 = synth(sectors(0, 1, [0, 1, 2, 3, 4, 5], { 2: { badDataCrc: true }, 5: { badIdCrc: true } }), 2);
const T10 = synth(sectors(1, 0, [0, 1, 2, 3, 4], { 4: { missingData: true } }), 3); // sector 5 never written
const T11 = synth(sectors(1, 1, [0, 1, 2, 3, 4, 5, 254], { 1: { badDataCrc: true } }), 4); // 254: a spare outside the geometry
const REREAD11 = synth(sectors(1, 1, [0, 1, 2, 3, 4, 5]), 5); // sector 1 reads good this time
const REREAD00 = synth(sectors(0, 0, [0, 1, 2, 3, 4, 5], {}, { 3: 1 }), 6); // sector 3: a different good payload

const EXPECTED_MAP = `# diskflux sector map
# geometry: 2 cylinders x 2 heads x 6 sectors x 512 bytes, first sector 0, first cylinder 0; image 12288 bytes
# inferred: cylinders, heads, firstSector, sectorsPerTrack, sectorSize
# legend: . good  c corrected  r recovered  v voted  C conflict  B bad  - missing; one column per sector, lowest number first
cyl 0 head 0  ...C..  5 good, 1 conflict
cyl 0 head 1  ..B..-  4 good, 1 bad, 1 missing
cyl 1 head 0  ....--  4 good, 2 missing
cyl 1 head 1  ......  6 good
totals: 19 good, 0 corrected, 0 recovered, 0 voted, 1 conflict, 1 bad, 3 missing (24 sectors)
problems:
  cyl 0 head 0 sec 3: conflict (2 good copies, 2 different payloads; the most frequent is in the image)
  cyl 0 head 1 sec 2: bad (1 read: 1 bad CRC)
  cyl 0 head 1 sec 5: missing (no ID record found)
  cyl 1 head 0 sec 4: missing (1 ID record, no data record)
  cyl 1 head 0 sec 5: missing (no ID record found)
outside the geometry (not in the image):
  cyl 1 head 1 sec 254: good (1 read)
ID records with a bad CRC (not placed): 1
`;

function expectedImage(): Uint8Array {
  const img = new Uint8Array(2 * 2 * 6 * SIZE);
  const missing = new Set(["0/1/5", "1/0/4", "1/0/5"]);
  for (let c = 0; c < 2; c++) {
    for (let h = 0; h < 2; h++) {
      for (let s = 0; s < 6; s++) {
        const at = ((c * 2 + h) * 6 + s) * SIZE;
        // Bad-CRC sector (0,1,2): its data as read, which is the payload (only the CRC was broken).
        // Conflict (0,0,3): both copies once, the first read (variant 0) wins the tie.
        img.set(missing.has(`${c}/${h}/${s}`) ? missingFill() : pay(c, h, s, 0), at);
      }
    }
  }
  return img;
}

describe("image from a multi-track .tr plus re-reads in other formats", () => {
  let inputs: ImageTrackInput[];
  let img: DiskImage;
  const trBytes = writeTr(
    [
      { cyl: 0, head: 0, capture: T00.edges },
      { cyl: 0, head: 1, capture: T01.edges },
      { cyl: 1, head: 0, capture: T10.edges },
      { cyl: 1, head: 1, capture: T11.edges },
    ],
    { note: "image test" },
  );
  const srBytes = writeSigrok(REREAD11.capture);
  const vcdBytes = writeVcd(REREAD00.edges);

  beforeAll(async () => {
    inputs = [];
    const tr = await readAnyCapture(trBytes, "disk.tr");
    if (tr.kind !== "tracks") throw new Error("expected tracks");
    for (const t of tr.tracks) inputs.push({ result: await decode(t.capture, OPTIONS), source: `disk.tr cyl ${t.cyl} head ${t.head}`, cyl: t.cyl, head: t.head });
    for (const [bytes, name] of [[srBytes, "reread11.sr"], [vcdBytes, "reread00.vcd"]] as const) {
      const any = await readAnyCapture(bytes, name);
      if (any.kind !== "single") throw new Error("expected one capture");
      inputs.push({ result: await decode(any.capture, OPTIONS), source: name });
    }
    img = assembleImage(inputs);
  });

  it("ImageReads (tracks added one by one, sectors placed as they come) gives assembleImage's image and map, whatever the drive hint and options", () => {
    const same = (a: DiskImage, b: DiskImage) => {
      expect(Buffer.compare(Buffer.from(a.image), Buffer.from(b.image))).toBe(0);
      expect(sectorMapJson(a)).toEqual(sectorMapJson(b));
      expect(sectorMapText(a)).toBe(sectorMapText(b));
    };
    const drives = [undefined, { cylinders: 2, heads: 2 }, { cylinders: 4, heads: 2 }, { cylinders: 1, heads: 2 }, { cylinders: 2, heads: 1 }, { cylinders: 2, heads: 4 }];
    const optionSets: ImageOptions[] = [{}, { sectorsPerTrack: 8 }, { firstSector: 1 }, { cylinders: 1 }, { sectorSize: 256 }, { placeBy: "track" }, { geometry: "pc360" }, { fill: "xy", recover: false }];
    for (const opts of optionSets) {
      const inputsHere = opts.placeBy === "track" ? inputs.slice(0, 4) : inputs;
      const want = assembleImage(inputsHere, opts);
      for (const drive of drives) {
        const r = new ImageReads(opts, drive);
        for (const x of inputsHere) r.add(x);
        same(r.assemble(), want);
      }
    }
    // in place: the image is the buffer the sectors were written into, not a copy
    const r = new ImageReads({}, { cylinders: 2, heads: 2 });
    for (const x of inputs) r.add(x);
    const built = r.assemble();
    expect(built.image.buffer).toBe((r.reads.find((x) => x.data && x.data.length === SIZE)!.data!).buffer);
  });

  it("the decoder saw what the synthesizer wrote", () => {
    const ids = (r: DecodeResult) => r.records.filter((x) => x.kind === "id").map((x) => (x.kind === "id" ? `${x.sec}${x.crc?.ok ? "" : "!"}` : ""));
    expect(ids(inputs[1].result)).toEqual(["0", "1", "2", "3", "4", "5!"]);
    expect(ids(inputs[2].result)).toEqual(["0", "1", "2", "3", "4"]);
    expect(ids(inputs[3].result)).toEqual(["0", "1", "2", "3", "4", "5", "254"]);
  });

  it("gives the exact image bytes", () => {
    expect(img.geometry).toEqual({ cylinders: 2, heads: 2, sectorsPerTrack: 6, sectorSize: 512, firstSector: 0, firstCylinder: 0 });
    expect(img.image.length).toBe(12288);
    const want = expectedImage();
    for (let k = 0; k < 24; k++) {
      const a = Buffer.from(img.image.subarray(k * SIZE, (k + 1) * SIZE));
      expect(a.toString("latin1"), `sector slot ${k}`).toBe(Buffer.from(want.subarray(k * SIZE, (k + 1) * SIZE)).toString("latin1"));
    }
    expect(Buffer.compare(Buffer.from(img.image), Buffer.from(want))).toBe(0);
  });

  it("gives the exact text sector map", () => {
    expect(sectorMapText(img)).toBe(EXPECTED_MAP);
  });

  it("gives the sector map as JSON with every read accounted for", () => {
    const j = sectorMapJson(img);
    expect(j.counts).toEqual({ good: 19, corrected: 0, recovered: 0, voted: 0, conflict: 1, bad: 1, missing: 3 });
    expect(j.tracks.map((t) => t.map)).toEqual(["...C..", "..B..-", "....--", "......"]);
    expect(j.tracks[0].sectors[3]).toEqual({
      sec: 3, status: "conflict", reads: 2, good: 2, bad: 0, noData: 0, variants: 2, offset: 3 * 512, sources: ["disk.tr cyl 0 head 0", "reread00.vcd"],
      // the first read's payload is in the image (a tie)
      evidence: { reads: 2, good: 2, corrected: 0, recovered: 0, bad: 0, noData: 0, variants: 2, chosen: 0, overruled: 0 },
    });
    // The sector read twice with one bad copy: good beats bad.
    expect(j.tracks[3].sectors[1]).toEqual({
      sec: 1, status: "good", reads: 2, good: 1, bad: 1, noData: 0, variants: 1, offset: (3 * 6 + 1) * 512, sources: ["disk.tr cyl 1 head 1", "reread11.sr"],
      // the second read (reread11.sr) is the good one; decoded without CRC inputs, so no vote
      evidence: { reads: 2, good: 1, corrected: 0, recovered: 0, bad: 1, noData: 0, variants: 1, chosen: 1, overruled: 0 },
    });
    expect(j.tracks[2].sectors[4]).toMatchObject({ status: "missing", reads: 1, noData: 1 });
    expect(j.tracks[2].sectors[5]).toMatchObject({ status: "missing", reads: 0 });
    expect(j.outside).toEqual([{ cyl: 1, head: 1, sec: 254, status: "good", reads: 1 }]);
    expect([j.badHeaders, j.imageBytes]).toEqual([1, 12288]);
    expect(JSON.parse(JSON.stringify(j))).toEqual(j);
  });

  it("the order of the inputs decides only ties", () => {
    const reversed = assembleImage([...inputs].reverse());
    expect(reversed.counts).toEqual(img.counts);
    // Now the re-read's variant of sector (0,0,3) comes first and wins the tie.
    const at = 3 * SIZE;
    expect(Buffer.from(reversed.image.subarray(at, at + SIZE)).toString("latin1")).toBe(Buffer.from(pay(0, 0, 3, 1)).toString("latin1"));
  });

  describe("the image command", () => {
    let dir: string;
    beforeAll(() => {
      dir = mkdtempSync(join(tmpdir(), "diskflux-image-"));
      writeFileSync(join(dir, "disk.tr"), trBytes);
      writeFileSync(join(dir, "reread11.sr"), srBytes);
      writeFileSync(join(dir, "reread00.vcd"), vcdBytes);
    });
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    const sink = () => {
      let text = "";
      return { stream: { write: (s: string | Uint8Array) => ((text += typeof s === "string" ? s : Buffer.from(s).toString()), true) } as unknown as NodeJS.WritableStream, text: () => text };
    };

    it("writes the same image and map", async () => {
      const out = sink(), err = sink();
      const files = ["disk.tr", "reread11.sr", "reread00.vcd"].map((f) => join(dir, f));
      const code = await imageCommand([...files, "-P", `mfm:${OPTIONS}`, "-o", join(dir, "disk.img"), "--map", join(dir, "map.txt")], out.stream, err.stream);
      expect(err.text()).toBe("");
      expect(code).toBe(0);
      expect(out.text()).toBe(`${join(dir, "disk.img")}: 2 x 2 x 6 sectors of 512 bytes (12288 bytes) from 6 tracks: 19 good, 0 corrected, 0 recovered, 0 voted, 1 conflict, 1 bad, 3 missing\n`);
      expect(Buffer.compare(readFileSync(join(dir, "disk.img")), Buffer.from(expectedImage()))).toBe(0);
      expect(readFileSync(join(dir, "map.txt"), "utf8")).toBe(EXPECTED_MAP);
    });

    it("prints the JSON map, honours the geometry options", async () => {
      const out = sink(), err = sink();
      const code = await imageCommand(
        [join(dir, "disk.tr"), "-P", `mfm:${OPTIONS}`, "-o", join(dir, "part.img"), "--json", "--first-cylinder", "1", "--sectors", "8", "--fill", "XY"],
        out.stream, err.stream,
      );
      expect([code, err.text()]).toEqual([0, ""]);
      const j = JSON.parse(out.text());
      expect(j.geometry).toEqual({ cylinders: 1, heads: 2, sectorsPerTrack: 8, sectorSize: 512, firstSector: 0, firstCylinder: 1 });
      expect(j.tracks.map((t: { map: string }) => t.map)).toEqual(["....----", ".B....--"]);
      const part = readFileSync(join(dir, "part.img"));
      expect(part.length).toBe(2 * 8 * 512);
      expect(part.subarray(4 * 512, 4 * 512 + 6).toString("latin1")).toBe("XYXYXY");
    });

    it("usage errors exit 2, unreadable inputs 1", async () => {
      const run = async (args: string[]) => {
        const out = sink(), err = sink();
        const code = await imageCommand(args, out.stream, err.stream);
        return { code, err: err.text() };
      };
      const auto = await run([join(dir, "disk.tr"), "-o", join(dir, "auto.img")]); // no -P: the options are detected
      expect(auto.err).toMatch(/^diskflux: detected -P mfm:data_rate=\d+:format=\w+/);
      expect(auto.code).toBe(0);
      expect((await run([join(dir, "disk.tr"), "-P", "mfm:"])).code).toBe(2); // no -o
      expect((await run(["-P", "mfm:", "-o", join(dir, "x.img")])).code).toBe(2); // no input
      expect((await run([join(dir, "disk.tr"), "-P", "mfm:format=XYZ", "-o", join(dir, "x.img")])).code).toBe(2);
      expect((await run([join(dir, "disk.tr"), "-P", "mfm:", "-o", join(dir, "x.img"), "--sectors", "0"])).code).toBe(2);
      expect((await run([join(dir, "disk.tr"), "-P", "mfm:", "-o", join(dir, "x.img"), "--bogus"])).code).toBe(2);
      const missing = await run([join(dir, "nope.tr"), "-P", "mfm:", "-o", join(dir, "x.img")]);
      expect(missing.code).toBe(1);
      expect(missing.err).toMatch(/^diskflux: .*nope\.tr: cannot read the capture \(no such file\)/);
      expect(missing.err.trim().split("\n")).toHaveLength(1);
      expect((await run([join(dir, "map.txt"), "-P", "mfm:", "-o", join(dir, "x.img")])).code).toBe(1);
      expect((await run([join(dir, "disk.tr"), "-P", "mfm:", "-o", join(dir, "no/such/dir/x.img")])).code).toBe(1);
      const help = sink();
      expect(await imageCommand(["--help"], help.stream, sink().stream)).toBe(0);
      expect(help.text()).toMatch(/^usage: diskflux image/);
    });
  });
});

// ---------------------------------------------------------------- assembler rules, on hand-made records

let at = 0;
function id(cyl: number, head: number, sec: number, ok = true, len = 4): TrackRecord {
  at += 100;
  return { kind: "id", start: at, end: at + 10, markStart: at - 2, cyl, head, sec, len, bytes: Uint8Array.of(cyl, head, sec, 2), crc: { ok, read: "", computed: "", bits: 16, start: 0, end: 0 } };
}
/** ok = null: a data record the capture ended inside (no CRC verdict). */
function data(bytes: number[] | Uint8Array, ok: boolean | null = true): TrackRecord {
  at += 100;
  return {
    kind: "data", start: at, end: at + 10, markStart: at - 2, mark: 0xfb, deleted: false, bytes: Uint8Array.from(bytes),
    ...(ok === null ? {} : { crc: { ok, read: "", computed: "", bits: 16, start: 0, end: 0 } }),
  };
}
function track(records: TrackRecord[], source = "t", cyl?: number, head?: number): ImageTrackInput {
  return { result: { records } as unknown as DecodeResult, source, ...(cyl !== undefined ? { cyl, head } : {}) };
}

describe("assembler rules", () => {
  const A = [1, 1, 1, 1], B = [2, 2, 2, 2], C = [3, 3, 3, 3];

  it("the most frequent good copy wins a conflict; the earliest on a tie", () => {
    const img = assembleImage([track([id(0, 0, 1), data(A), id(0, 0, 1), data(B), id(0, 0, 1), data(B)])]);
    expect(Array.from(img.image)).toEqual(B);
    expect(img.tracks[0].sectors[0]).toMatchObject({ status: "conflict", reads: 3, good: 3, variants: 2 });
    const tie = assembleImage([track([id(0, 0, 1), data(C), id(0, 0, 1), data(A)])]);
    expect(Array.from(tie.image)).toEqual(C);
  });

  it("a good copy beats any number of bad ones; bad copies vote among themselves", () => {
    const img = assembleImage([track([id(0, 0, 1), data(A, false), id(0, 0, 1), data(A, false), id(0, 0, 1), data(B)])]);
    expect(Array.from(img.image)).toEqual(B);
    expect(img.tracks[0].sectors[0]).toMatchObject({ status: "good", good: 1, bad: 2 });
    const bad = assembleImage([track([id(0, 0, 1), data(C, false), id(0, 0, 1), data(A, false), id(0, 0, 1), data(A, false)])]);
    expect(Array.from(bad.image)).toEqual(A);
    expect(bad.tracks[0].sectors[0].status).toBe("bad");
  });

  it("IDs with bad CRCs, data without ID and truncated data records are not placed", () => {
    const img = assembleImage(
      [track([data(C), id(0, 0, 0), data(A), id(0, 0, 1, false), data(B), id(0, 0, 2), data(C, null)])],
      { sectorsPerTrack: 3, fill: "ab" },
    );
    expect([img.orphanData, img.badHeaders]).toEqual([1, 1]);
    expect(img.tracks[0].sectors.map((s) => s.status)).toEqual(["good", "missing", "missing"]);
    expect(img.tracks[0].sectors[2]).toMatchObject({ reads: 1, noData: 1 });
    expect(String.fromCharCode(...img.image)).toBe("\x01\x01\x01\x01" + "abab" + "abab");
  });

  it("a copy of the wrong length counts as bad and is cut or padded to the sector size", () => {
    const img = assembleImage(
      [track([id(0, 0, 0), data(A), id(0, 0, 1), data([9, 9, 9, 9, 9, 9]), id(0, 0, 2), data([7, 7]), id(0, 0, 3), data(A)])],
      { fill: Uint8Array.of(0xe5) },
    );
    expect(img.geometry.sectorSize).toBe(4); // the most common length
    expect(img.tracks[0].sectors.map((s) => s.status)).toEqual(["good", "bad", "bad", "good"]);
    expect(Array.from(img.image)).toEqual([1, 1, 1, 1, 9, 9, 9, 9, 7, 7, 0xe5, 0xe5, 1, 1, 1, 1]);
  });

  it("explicit geometry: empty tracks are missing, out-of-range sectors are listed", () => {
    const img = assembleImage([track([id(0, 0, 1), data(A), id(3, 0, 1), data(B), id(0, 0, 9), data(C)])], {
      cylinders: 2, heads: 2, sectorsPerTrack: 2, sectorSize: 4, firstSector: 1,
    });
    expect(img.inferred).toEqual([]);
    expect(img.tracks.map((t) => t.sectors.map((s) => s.status).join(","))).toEqual(["good,missing", "missing,missing", "missing,missing", "missing,missing"]);
    expect(img.outside.map((o) => `${o.cyl}/${o.head}/${o.sec}`)).toEqual(["0/0/9", "3/0/1"]);
    expect(img.image.length).toBe(2 * 2 * 2 * 4);
  });

  it("placing by physical track uses the input's cylinder and head", () => {
    const img = assembleImage([track([id(7, 3, 0), data(A)], "x", 1, 0)], { placeBy: "track" });
    expect([img.geometry.cylinders, img.geometry.heads]).toEqual([2, 1]);
    expect(img.tracks[1]).toMatchObject({ cyl: 1, head: 0 });
    expect(img.tracks[1].sectors[0].status).toBe("good");
    expect(() => assembleImage([track([id(0, 0, 0), data(A)])], { placeBy: "track" })).toThrow(DiskfluxError);
  });

  it("bad geometry is E_ARGUMENT, absurd sizes E_LIMIT", () => {
    const t = track([id(0, 0, 0), data(A)]);
    const codeOf = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        return (e as DiskfluxError).code;
      }
      return "none";
    };
    expect(codeOf(() => assembleImage([t], { heads: 0 }))).toBe("E_ARGUMENT");
    expect(codeOf(() => assembleImage([t], { sectorSize: 1.5 }))).toBe("E_ARGUMENT");
    expect(codeOf(() => assembleImage([t], { fill: "" }))).toBe("E_ARGUMENT");
    expect(codeOf(() => assembleImage([t], { cylinders: 65536, heads: 256, sectorsPerTrack: 256, sectorSize: 65536 }))).toBe("E_LIMIT");
  });

  it("no input at all gives a one-sector placeholder geometry", () => {
    const img = assembleImage([]);
    expect(img.geometry).toMatchObject({ cylinders: 1, heads: 1, sectorsPerTrack: 1, sectorSize: 512 });
    expect(img.counts.missing).toBe(1);
  });

  it("infers the sector run, leaving far-away spare numbers out", () => {
    expect(inferSectorRun([...Array(17).keys(), 254])).toEqual({ first: 0, count: 17 });
    expect(inferSectorRun(Array.from({ length: 26 }, (_, i) => i + 1))).toEqual({ first: 1, count: 26 });
    expect(inferSectorRun([0, 1, 2, 4, 5])).toEqual({ first: 0, count: 6 });
    expect(inferSectorRun([])).toBeUndefined();
  });
});

// ---------------------------------------------------------------- real captures

describe("images of the shared captures", () => {
  if (!haveShared) {
    warnMissing("image tests on the shared captures");
    it.skip("images of the shared captures (shared samples/oracle missing)", () => {});
    return;
  }
  const rows = oracleCaptures();
  const summary = readFileSync(`${ORACLE_DIR}/summary.tsv`, "utf8").trim().split("\n").map((l) => l.split("\t"));
  const col = (name: string) => summary[0].indexOf(name);

  for (const stem of ["hdd_mfm_ST21M", "hdd_mfm_WD1003V-MM2_int", "hdd_mfm_AMS1100M4"]) {
    it(`${stem}: every sector lands where its header says, with the oracle's bytes`, async () => {
      const c = rows.find((r) => r.stem === stem)!;
      const row = summary.find((r) => r[0] === c.file)!;
      const result = await decode(await readCaptureFile(`${SAMPLES_DIR}/${c.file}`), c.options);
      const data = readFileSync(`${ORACLE_DIR}/${stem}/data.bin`);
      const ids = row[col("sectors")].split(",").map((s) => s.split("/").map(Number));
      const nData = Number(row[col("data_records")]);
      const cyl = ids[0][0];
      const img = assembleImage([{ result, source: c.file }], { firstCylinder: cyl });
      expect(img.geometry.firstCylinder).toBe(cyl);
      // The data records in data.bin follow the ID records (the capture may end inside the last one).
      const dataRecs = result.records.filter((r) => r.kind === "data" && r.crc);
      expect(dataRecs.length).toBe(nData);
      const g = img.geometry;
      let placed = 0;
      for (const rec of result.records) {
        if (rec.kind !== "id") continue;
        const k = result.records.indexOf(rec);
        const next = result.records[k + 1];
        if (next?.kind !== "data" || !next.crc) continue;
        const j = dataRecs.indexOf(next);
        const bytes = data.subarray(j * g.sectorSize, (j + 1) * g.sectorSize);
        if (rec.sec >= g.firstSector + g.sectorsPerTrack) {
          expect(img.outside.map((o) => o.sec)).toContain(rec.sec);
          continue;
        }
        const off = (((rec.cyl - cyl) * g.heads + rec.head) * g.sectorsPerTrack + rec.sec - g.firstSector) * g.sectorSize;
        expect(Buffer.compare(Buffer.from(img.image.subarray(off, off + g.sectorSize)), bytes)).toBe(0);
        placed++;
      }
      expect(placed).toBeGreaterThan(10);
      expect(img.counts.bad + img.counts.conflict).toBe(0);
      if (stem === "hdd_mfm_ST21M") expect(img.outside.map((o) => o.sec)).toEqual([254]);
    });
  }
});
