// Flux-file readers (src/readers/scp.ts, kryoflux.ts, hfe.ts): the shared
// floppy samples written by another tool decode to exactly their sector
// images on both backends; hand-built files cover every block type, opcode and
// flag; synthesized multi-track, multi-revolution disks round-trip through each
// format; damaged files end in one-line DiskfluxErrors (or a track reported
// missing), never a crash, a hang or a huge allocation.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { EdgeCapture } from "../src/capture.js";
import { decode } from "../src/decode.js";
import { DiskfluxError, type DiskfluxErrorCode } from "../src/errors.js";
import { synthTrack } from "../src/encode/synth.js";
import type { SectorSpec } from "../src/encode/track.js";
import { assembleImage, type ImageTrackInput } from "../src/image/assemble.js";
import { indexLevels, revolutionCaptures } from "../src/readers/flux.js";
import { HFE_SAMPLE_RATE, readHfe } from "../src/readers/hfe.js";
import { detectCaptureFormat, readAnyCapture, readAnyCaptureFile, readKryofluxCapture, type AnyCapture } from "../src/readers/index.js";
import { isKryoflux, KF_ICK, KF_SCK, kryofluxTrackName, readKryoflux, readKryofluxFile, readKryofluxSet } from "../src/readers/kryoflux.js";
import { readScp, SCP_FLAG_INDEX, SCP_FLAG_MODE, SCP_SAMPLE_RATE } from "../src/readers/scp.js";
import { buildHfe, buildKf, buildScp, cellsToHfe, edgesToKf, edgesToTicks, hfeByte, ticksToWords, type KfOp } from "./support/flux-build.js";
import { SAMPLES_DIR } from "./support/shared.js";

const FLUX_DIR = resolve(SAMPLES_DIR, "flux");
const haveFlux = existsSync(join(FLUX_DIR, "README.md"));

type Backend = "js" | "wasm";
const BACKENDS: Backend[] = ["js", "wasm"];

// ---------------------------------------------------------------- helpers

function caught(f: () => unknown): DiskfluxError {
  let e: unknown;
  try {
    f();
  } catch (err) {
    e = err;
  }
  expect(e, "expected a DiskfluxError").toBeInstanceOf(DiskfluxError);
  const d = e as DiskfluxError;
  expect(d.message).not.toContain("\n");
  return d;
}

function expectError(f: () => unknown, code: DiskfluxErrorCode, message?: RegExp): DiskfluxError {
  const e = caught(f);
  expect(e.code, e.message).toBe(code);
  if (message) expect(e.message).toMatch(message);
  return e;
}

async function decodeTracks(any: AnyCapture, options: string, backend: Backend, name = "flux"): Promise<ImageTrackInput[]> {
  if (any.kind !== "tracks") throw new Error("expected tracks");
  const inputs: ImageTrackInput[] = [];
  for (const t of any.tracks) {
    const result = await decode(t.capture, options, { backend });
    inputs.push({ result, source: `${name} cyl ${t.cyl} head ${t.head}`, cyl: t.cyl, head: t.head });
  }
  return inputs;
}

function same(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && Buffer.from(a).equals(Buffer.from(b));
}

// ---------------------------------------------------------------- shared samples

/** The -P option string the samples README gives for a file (`-P mfm:<options>` in its row). */
function readmeOptions(file: string): string {
  const readme = readFileSync(join(FLUX_DIR, "README.md"), "utf8");
  const row = readme.split("\n").find((l) => l.startsWith(`| \`${file}`));
  if (!row) throw new Error(`${file} is not in the samples README`);
  const m = /-P mfm:([^`]+)`/.exec(row);
  if (!m && /\| same as `acorn\.scp`/.test(row)) return readmeOptions("acorn.scp");
  if (!m && /\| same \|/.test(row)) return readmeOptions("ibm360.scp");
  if (!m) throw new Error(`no options in the README row of ${file}`);
  return m[1];
}

const IBM = "data_rate=250000:format=MFM:data_crc_size=16:data_crc_poly=0x1021";
const ACORN = "data_rate=125000:format=FM:data_crc_size=16:data_crc_poly=0x1021";

const SAMPLES = [
  { file: "ibm360.scp", format: "scp", options: IBM, image: "ibm360.img", tracks: 80 },
  { file: "ibm360.hfe", format: "hfe", options: IBM, image: "ibm360.img", tracks: 80 },
  { file: "acorn.scp", format: "scp", options: ACORN, image: "acorn.img", tracks: 40 },
  { file: "acorn-kryoflux", format: "kryoflux", options: ACORN, image: "acorn.img", tracks: 40 },
] as const;

describe("shared flux samples (written by greaseweazle) decode to their images", () => {
  if (!haveFlux) {
    console.warn(`SKIPPED shared flux samples: ${FLUX_DIR} not found; set DISKFLUX_SAMPLES`);
    it.skip("shared flux samples (folder missing)", () => {});
    return;
  }

  it("the option strings are the README's", () => {
    expect(readmeOptions("ibm360.scp")).toBe(IBM);
    expect(readmeOptions("ibm360.hfe")).toBe(IBM);
    expect(readmeOptions("acorn.scp")).toBe(ACORN);
    expect(readmeOptions("acorn-kryoflux/acornCC.0.raw")).toBe(ACORN);
  });

  for (const s of SAMPLES) {
    for (const backend of BACKENDS) {
      it(`${s.file} on ${backend}: every sector of ${s.image}, byte for byte`, async () => {
        const any = await readAnyCaptureFile(join(FLUX_DIR, s.file));
        expect(any.kind).toBe("tracks");
        if (any.kind !== "tracks") return;
        expect(any.format).toBe(s.format);
        expect(any.tracks.length).toBe(s.tracks);
        expect(any.missing ?? []).toEqual([]);
        expect(any.warnings ?? []).toEqual([]);
        const inputs = await decodeTracks(any, s.options, backend, s.file);
        const img = assembleImage(inputs);
        const expected = new Uint8Array(readFileSync(join(FLUX_DIR, s.image)));
        expect(img.counts.bad + img.counts.missing + img.counts.conflict, JSON.stringify(img.counts)).toBe(0);
        expect(img.outside).toEqual([]);
        expect(same(img.image, expected)).toBe(true);
        // physical track = the header's cylinder/head
        expect(same(assembleImage(inputs, { placeBy: "track" }).image, expected)).toBe(true);
      });
    }
  }

  it("SCP samples: header, checksum, revolutions and index line as the file says", () => {
    const scp = readScp(new Uint8Array(readFileSync(join(FLUX_DIR, "ibm360.scp"))), "ibm360.scp");
    expect(scp.flags).toBe(0x23);
    expect(scp.revolutionsPerTrack).toBe(2);
    expect(scp.checksum).toMatchObject({ checked: true, ok: true });
    expect(scp.tracks.map((t) => [t.cyl, t.head]).slice(0, 3)).toEqual([[0, 0], [0, 1], [1, 0]]);
    const t = scp.tracks[0];
    expect(t.revolutions.length).toBe(2);
    expect(t.revolutions[0].indexTime).toBeCloseTo(0.2, 3);
    expect(t.revolutions[1].start).toBe(t.revolutions[0].end);
    const c = t.capture;
    expect(c.sampleRate).toBe(SCP_SAMPLE_RATE);
    expect(c.index?.[0]).toBe(0); // index-cued: the pulse at the start
    const acorn = readScp(new Uint8Array(readFileSync(join(FLUX_DIR, "acorn.scp"))), "acorn.scp");
    expect(acorn.heads).toBe(1);
    expect(acorn.tracks.map((x) => x.track)).toEqual(Array.from({ length: 40 }, (_, i) => 2 * i));
    expect(acorn.tracks.every((x) => x.head === 0)).toBe(true);
  });

  it("KryoFlux samples: clocks from KFInfo, one index per revolution", async () => {
    const dir = join(FLUX_DIR, "acorn-kryoflux");
    const s = readKryoflux(new Uint8Array(readFileSync(join(dir, "acorn07.0.raw"))), "acorn07.0.raw");
    expect(s.sck).toBeCloseTo(24027428.5714286, 4);
    expect(s.ick).toBeCloseTo(3003428.5714286, 4);
    expect(s.info.name).toBe("Greaseweazle");
    expect(s.result).toBe(0);
    expect(s.indexes.length).toBeGreaterThanOrEqual(2);
    expect(s.revolutions[0].indexTime).toBeCloseTo(0.2, 3);
    expect(s.warnings).toEqual([]);
    // a single stream file through readAnyCapture is one track, placed by its name
    const one = await readAnyCapture(new Uint8Array(readFileSync(join(dir, "acorn07.0.raw"))), "acorn07.0.raw");
    expect(one.kind === "tracks" && one.tracks.map((t) => [t.cyl, t.head])).toEqual([[7, 0]]);
  });

  it("a KryoFlux set with a track left out reports it missing and still decodes the rest", async () => {
    const dir = join(FLUX_DIR, "acorn-kryoflux");
    const files = readdirSync(dir).filter((n) => n.endsWith(".raw") && n !== "acorn05.0.raw").slice(0, 8);
    const any = readKryofluxCapture(files.map((n) => ({ name: n, bytes: new Uint8Array(readFileSync(join(dir, n))) })));
    if (any.kind !== "tracks") throw new Error();
    expect(any.missing).toEqual([{ cyl: 5, head: 0 }]);
    expect(any.warnings?.join("\n")).toMatch(/no stream file for head 0 cylinder 5 /);
    const img = assembleImage(await decodeTracks(any, ACORN, "wasm"), { cylinders: 9 });
    expect(img.counts.missing).toBe(10);
    expect(img.tracks.find((t) => t.cyl === 5)!.sectors.every((x) => x.status === "missing")).toBe(true);
    expect(img.counts.good).toBe(80);
  });
});

// ---------------------------------------------------------------- synthesized disks through each format

const SIZE = 512;
function pay(c: number, h: number, s: number): Uint8Array {
  const text = `c${c}h${h}s${s} flux `;
  const out = new Uint8Array(SIZE);
  for (let i = 0; i < SIZE; i++) out[i] = text.charCodeAt(i % text.length) ^ (i >> 6);
  return out;
}

interface SynthDisk {
  options: string;
  image: Uint8Array;
  /** Per track: the revolutions' edges joined on one time axis, the index times, the cells of one revolution. */
  tracks: { cyl: number; head: number; edges: Float64Array; indexes: number[]; cells: Uint8Array }[];
}

/** cyls × heads tracks of 9 sectors, `revs` revolutions each with its own jitter, at `sampleRate`. */
function synthDisk(format: "MFM_floppy" | "FM", sampleRate: number, cyls = 2, heads = 2, revs = 2): SynthDisk {
  const tracks: SynthDisk["tracks"] = [];
  const image: Uint8Array[] = [];
  let options = "";
  for (let c = 0; c < cyls; c++) {
    for (let h = 0; h < heads; h++) {
      const sectors: SectorSpec[] = Array.from({ length: 9 }, (_, i) => ({ cyl: c, head: h, sec: i + 1, data: pay(c, h, i + 1) }));
      for (const s of sectors) image.push(s.data);
      const all: number[] = [];
      const indexes: number[] = [0];
      let cells: Uint8Array = new Uint8Array();
      let base = 0;
      for (let r = 0; r < revs; r++) {
        const t = synthTrack({ format, sectors, sampleRate, jitter: 0.03, seed: 1 + r + 10 * (c * heads + h) });
        options = t.options;
        cells = t.cells;
        const dataRate = format === "FM" ? 125000 : 250000;
        const rev = Math.round((t.cells.length + 40) * (sampleRate / (2 * dataRate)));
        for (const e of t.edges.edges) all.push(base + Math.round(e));
        base += rev;
        indexes.push(base);
      }
      tracks.push({ cyl: c, head: h, edges: Float64Array.from(all), indexes, cells });
    }
  }
  const img = new Uint8Array(image.length * SIZE);
  image.forEach((d, i) => img.set(d, i * SIZE));
  return { options, image: img, tracks };
}

async function expectImage(any: AnyCapture, disk: SynthDisk, backend: Backend): Promise<void> {
  const img = assembleImage(await decodeTracks(any, disk.options, backend));
  expect(img.counts, JSON.stringify(img.counts)).toMatchObject({ bad: 0, missing: 0, conflict: 0 });
  expect(same(img.image, disk.image)).toBe(true);
}

describe("synthesized floppies through each format decode to the exact image", () => {
  for (const format of ["MFM_floppy", "FM"] as const) {
    const scpDisk = synthDisk(format, SCP_SAMPLE_RATE);
    const scp = buildScp({
      flags: SCP_FLAG_INDEX,
      tracks: scpDisk.tracks.map((t) => {
        const ticks = edgesToTicks(t.edges);
        const revs: number[][] = t.indexes.slice(1).map(() => []);
        let r = 0;
        t.edges.forEach((e, i) => {
          while (r < revs.length - 1 && e >= t.indexes[r + 1]) r++;
          revs[r].push(ticks[i]);
        });
        return { track: t.cyl * 2 + t.head, revs: revs.map((x, k) => ({ words: ticksToWords(x), indexTicks: t.indexes[k + 1] - t.indexes[k] })) };
      }),
    });
    const kfDisk = synthDisk(format, KF_SCK);
    const kfFiles = kfDisk.tracks.map((t) => ({ name: `track${String(t.cyl).padStart(2, "0")}.${t.head}.raw`, bytes: edgesToKf(t.edges, t.indexes) }));
    const hfeDisk = synthDisk(format, HFE_SAMPLE_RATE, 2, 2, 1);
    const hfe = buildHfe({
      version: 1,
      bitRate: format === "FM" ? 125 : 250,
      tracks: [0, 1].map((c) => [0, 1].map((h) => cellsToHfe(hfeDisk.tracks[c * 2 + h].cells))),
    });
    for (const backend of BACKENDS) {
      it(`${format} → .scp (2 revolutions, jitter) on ${backend}`, async () => {
        const any = await readAnyCapture(scp, "synth.scp");
        if (any.kind !== "tracks") throw new Error();
        expect(any.format).toBe("scp");
        // the edges are the synthesized ones, exactly
        expect(Array.from(any.tracks[1].capture.edges)).toEqual(Array.from(scpDisk.tracks[1].edges));
        await expectImage(any, scpDisk, backend);
      });
      it(`${format} → KryoFlux set (2 revolutions, jitter) on ${backend}`, async () => {
        const any = readKryofluxCapture(kfFiles);
        if (any.kind !== "tracks") throw new Error();
        expect(any.tracks.map((t) => [t.cyl, t.head])).toEqual([[0, 0], [0, 1], [1, 0], [1, 1]]);
        expect(Array.from(any.tracks[2].capture.edges)).toEqual(Array.from(kfDisk.tracks[2].edges));
        expect(any.tracks[2].revolutions?.map((r) => [r.start, r.end])).toEqual([[0, kfDisk.tracks[2].indexes[1]], [kfDisk.tracks[2].indexes[1], kfDisk.tracks[2].indexes[2]]]);
        await expectImage(any, kfDisk, backend);
      });
      it(`${format} → .hfe v1 (cells) on ${backend}`, async () => {
        const any = await readAnyCapture(hfe, "synth.hfe");
        if (any.kind !== "tracks") throw new Error();
        expect(any.format).toBe("hfe");
        await expectImage(any, hfeDisk, backend);
      });
    }
  }
});

// ---------------------------------------------------------------- SCP by hand

describe("SCP files by hand", () => {
  it("ticks, overflow words, several revolutions, the index line and revolution captures", () => {
    // rev 1: 100, overflow + 5 (= 65541), 200; rev 2 starts with an overflow run carried over the boundary
    const bytes = buildScp({
      flags: SCP_FLAG_INDEX,
      tracks: [{ track: 3, revs: [{ words: [100, 0, 5, 200], indexTicks: 70000 }, { words: [0, 0, 7, 300] }] }],
    });
    const f = readScp(bytes, "hand.scp");
    expect(f.tracks.length).toBe(1);
    const t = f.tracks[0];
    expect([t.cyl, t.head, t.track]).toEqual([1, 1, 3]);
    const e1 = [100, 100 + 65541, 100 + 65541 + 200];
    const e2 = [e1[2] + 2 * 65536 + 7, e1[2] + 2 * 65536 + 7 + 300];
    expect(Array.from(t.capture.edges)).toEqual([...e1, ...e2]);
    expect(t.revolutions.map((r) => [r.start, r.end])).toEqual([[0, e1[2]], [e1[2], e2[1]]]);
    expect(t.revolutions[0].indexTime).toBeCloseTo(70000 * 25e-9, 12);
    // index pulses at 0 and at the revolution boundary: the first edge at or after each is low
    expect(Array.from(t.capture.index!)).toEqual(Array.from(indexLevels(t.capture.edges, SCP_SAMPLE_RATE, [0, e1[2], e2[1]])));
    expect(Array.from(t.capture.index!)).toEqual([0, 0, 0, 1, 0]); // 2 ms pulses from 0 and e1[2]; e2[1] lies on the last index
    const parts = revolutionCaptures(t);
    expect(parts.map((p) => Array.from(p.edges))).toEqual([e1, e2]);
  });

  it("resolution multiplies the ticks; a read not cued at the index has no index line", () => {
    const f = readScp(buildScp({ flags: 0, resolution: 1, tracks: [{ track: 0, revs: [{ words: [10, 20] }] }] }), "res.scp");
    expect(Array.from(f.tracks[0].capture.edges)).toEqual([20, 60]);
    expect(f.tracks[0].capture.index).toBeUndefined();
  });

  it("a bad checksum is E_CORRUPT, or a warning with force; read/write images carry none", () => {
    const good = buildScp({ tracks: [{ track: 0, revs: [{ words: [100, 200] }] }] });
    const bad = good.slice();
    bad[bad.length - 1] ^= 1;
    expectError(() => readScp(bad, "bad.scp"), "E_CORRUPT", /^bad\.scp: checksum 0x[0-9A-F]{8} does not match the file \(0x[0-9A-F]{8}\)/);
    const forced = readScp(bad, "bad.scp", { force: true });
    expect(forced.checksum.ok).toBe(false);
    expect(forced.warnings.join()).toMatch(/checksum .* read anyway \(force\)/);
    expect(forced.tracks[0].capture.edges.length).toBe(2);
    const rw = buildScp({ flags: SCP_FLAG_MODE, checksum: 0, tracks: [{ track: 0, revs: [{ words: [100, 200] }] }] });
    expect(readScp(rw, "rw.scp").checksum).toMatchObject({ checked: false, ok: true });
    // through readAnyCapture: force passes
    return expect(readAnyCapture(bad, "bad.scp", { force: true })).resolves.toMatchObject({ kind: "tracks", format: "scp" });
  });

  it("single-sided images: every other entry (cyl n/2), or consecutive numbering with a warning", () => {
    const skip = readScp(buildScp({ heads: 1, tracks: [0, 2, 4].map((n) => ({ track: n, revs: [{ words: [50] }] })) }), "ss.scp");
    expect(skip.tracks.map((t) => [t.cyl, t.head])).toEqual([[0, 0], [1, 0], [2, 0]]);
    expect(skip.warnings).toEqual([]);
    const side1 = readScp(buildScp({ heads: 2, tracks: [1, 3].map((n) => ({ track: n, revs: [{ words: [50] }] })) }), "s1.scp");
    expect(side1.tracks.map((t) => [t.cyl, t.head])).toEqual([[0, 1], [1, 1]]);
    const seq = readScp(buildScp({ heads: 1, tracks: [0, 1, 2].map((n) => ({ track: n, revs: [{ words: [50] }] })) }), "seq.scp");
    expect(seq.tracks.map((t) => [t.cyl, t.head])).toEqual([[0, 0], [1, 0], [2, 0]]);
    expect(seq.warnings.join()).toMatch(/consecutive track numbers/);
  });

  it("zero-length tracks and tracks of nothing but overflow are reported missing; a trailing overflow run is a warning", () => {
    const f = readScp(buildScp({
      tracks: [
        { track: 0, revs: [{ words: [] }, { words: [] }] },
        { track: 1, revs: [{ words: [0, 0, 0] }, { words: [0] }] },
        { track: 2, revs: [{ words: [100] }, { words: [200, 0, 0] }] },
      ],
    }), "z.scp");
    expect(f.missing).toEqual([{ cyl: 0, head: 0 }, { cyl: 0, head: 1 }]);
    expect(f.tracks.map((t) => t.track)).toEqual([2]);
    expect(f.warnings.join("\n")).toMatch(/track 0 \(cyl 0 head 0\) has no flux/);
    expect(f.warnings.join("\n")).toMatch(/track 1 \(cyl 0 head 1\) holds no transition \(4 overflow words\)/);
    expect(f.warnings.join("\n")).toMatch(/track 2 \(cyl 1 head 0\) ends inside an overflow run \(2 words/);
    const c = f.tracks[0].capture;
    expect(Array.from(c.edges)).toEqual([100, 300]);
    expect(c.sampleCount).toBe(300 + 2 * 65536 + 1);
  });

  it("damaged headers and offsets are one-line errors naming the file and the track", () => {
    const base = { tracks: [{ track: 0, revs: [{ words: [100, 200] }] }, { track: 1, revs: [{ words: [300] }] }] };
    const ok = buildScp(base);
    const v = (b: Uint8Array) => new DataView(b.buffer, b.byteOffset, b.byteLength);
    // a TDH offset outside the file
    let b = ok.slice();
    v(b).setUint32(0x14, b.length + 100, true);
    expectError(() => readScp(b, "off.scp", { force: true }), "E_CORRUPT", /^off\.scp: track 1 \(cyl 0 head 1\): its 16-byte header at offset \d+ lies outside the file \(\d+ bytes\); it is truncated/);
    // a TDH offset into the header
    b = ok.slice();
    v(b).setUint32(0x14, 8, true);
    expectError(() => readScp(b, "off.scp", { force: true }), "E_CORRUPT", /track 1 \(cyl 0 head 1\): its header offset 8 points into the file header and track table/);
    // a flux length beyond the file: refused before anything is allocated
    b = ok.slice();
    const tdh = v(b).getUint32(0x10, true);
    v(b).setUint32(tdh + 8, 0x7fffffff, true);
    expectError(() => readScp(b, "len.scp", { force: true }), "E_CORRUPT", /^len\.scp: track 0 \(cyl 0 head 0\) revolution 1: 2147483647 flux words at offset \d+ lie outside the file/);
    // no "TRK"
    b = ok.slice();
    b[tdh] = 0x58;
    expectError(() => readScp(b, "trk.scp", { force: true }), "E_CORRUPT", /no "TRK" at offset/);
    // a TRK with another track number: E_CORRUPT, or a warning with force
    const other = buildScp({ tracks: [{ track: 4, trk: 5, revs: [{ words: [100] }] }] });
    expectError(() => readScp(other, "n.scp"), "E_CORRUPT", /track 4 \(cyl 2 head 0\): its header at offset \d+ says track 5/);
    expect(readScp(other, "n.scp", { force: true }).tracks.length).toBe(1);
    // header fields
    b = ok.slice(); b[5] = 0;
    expectError(() => readScp(b, "r.scp", { force: true }), "E_CORRUPT", /0 revolutions/);
    b = ok.slice(); b[9] = 8;
    expectError(() => readScp(b, "w.scp"), "E_FORMAT", /8-bit flux words/);
    b = ok.slice(); b[6] = 5; b[7] = 1;
    expectError(() => readScp(b, "se.scp", { force: true }), "E_CORRUPT", /start track 5 is after end track 1/);
    b = ok.slice(); b[7] = 255;
    expectError(() => readScp(b.subarray(0, 0x100), "t.scp", { force: true }), "E_CORRUPT", /track table .* runs past the end/);
    expectError(() => readScp(new Uint8Array([0x53, 0x43, 0x50, 0]), "short.scp"), "E_CORRUPT", /ends inside its 16-byte header/);
    expectError(() => readScp(new Uint8Array(32), "zero.scp"), "E_FORMAT", /no "SCP" signature/);
  });

  it("truncated at every offset: an error or a valid read, never a crash", () => {
    const ok = buildScp({ tracks: [{ track: 0, revs: [{ words: [100, 0, 5, 200] }, { words: [7, 8] }] }, { track: 3, revs: [{ words: [9] }, { words: [1, 2] }] }] });
    for (let cut = 0; cut < ok.length; cut++) {
      const part = ok.subarray(0, cut);
      try {
        const f = readScp(part, "cut.scp", { force: true });
        for (const t of f.tracks) expect(t.capture.edges.length).toBeGreaterThan(0);
      } catch (e) {
        expect(e).toBeInstanceOf(DiskfluxError);
        expect(["E_CORRUPT", "E_FORMAT"]).toContain((e as DiskfluxError).code);
      }
    }
  });
});

// ---------------------------------------------------------------- KryoFlux by hand

describe("KryoFlux streams by hand", () => {
  const tail: KfOp[] = [{ end: true }, { eof: true }];

  it("Flux1, Flux2, Flux3, Ovl16 and Nop1-3; stream positions count every in-stream byte", () => {
    const bytes = buildKf([
      { info: "host_date=2024.01.01, host_time=10:00:00" },
      { streamInfo: true },
      { flux: 0x20 }, // Flux1
      { flux: 0x05, as: "flux2" }, // Flux2 below 0x0E
      { flux: 0x345 }, // Flux2
      { nop: 1 }, { nop: 2 }, { nop: 3 },
      { flux: 0x1234 }, // Flux3
      { streamInfo: true },
      { flux: 0x10000 + 0x40 }, // Ovl16 + Flux1
      { ovl: 2 }, { flux: 0x300 }, // two Ovl16 + Flux2
      { flux: 0x30, as: "flux3" }, // Flux3 holding a small value
      ...tail,
    ]);
    expect(isKryoflux(bytes)).toBe(true);
    const s = readKryoflux(bytes, "track00.0.raw");
    expect(s.warnings).toEqual([]);
    const deltas = [0x20, 0x05, 0x345, 0x1234, 0x10040, 0x20300, 0x30];
    const edges: number[] = [];
    deltas.reduce((t, d) => (edges.push(t + d), t + d), 0);
    expect(Array.from(s.capture.edges)).toEqual(edges);
    expect(s.transitions).toBe(7);
    expect(s.sck).toBe(KF_SCK);
    expect(s.ick).toBe(KF_ICK);
    expect(s.capture.sampleRate).toBe(KF_SCK);
    expect(s.capture.index).toBeUndefined(); // no index blocks
    expect(s.info.host_date).toBe("2024.01.01");
  });

  it("KFInfo clocks, Index blocks (before any flux, between fluxes, after an overflow, after the last flux) and revolutions", () => {
    const sck = 24e6, ick = 3e6;
    const bytes = buildKf([
      { info: `name=KryoFlux DiskSystem, version=3.00, sck=${sck}, ick=${ick}` },
      { index: true, sampleCounter: 3, indexCounter: 1000 }, // before the first flux: at 3
      { flux: 100 },
      { flux: 200 },
      { index: true, sampleCounter: 50, indexCounter: 2000 }, // 50 after the flux at 300
      { flux: 80 },
      { ovl: 1 },
      { index: true, sampleCounter: 10, indexCounter: 3000 }, // after an overflow: 380 + 65536 + 10
      { flux: 0x20 },
      { index: true, sampleCounter: 7, indexCounter: 4000 }, // after the last flux
      ...tail,
    ]);
    const s = readKryoflux(bytes, "t.raw");
    expect(s.sck).toBe(sck);
    expect(s.ick).toBe(ick);
    const last = 380 + 65536 + 0x20;
    expect(Array.from(s.capture.edges)).toEqual([100, 300, 380, last]);
    expect(s.indexes.map((i) => i.at)).toEqual([3, 350, 380 + 65536 + 10, last + 7]);
    expect(s.revolutions.map((r) => [r.start, r.end])).toEqual([[3, 350], [350, 65926], [65926, last + 7]]);
    expect(s.revolutions[0].indexTime).toBeCloseTo(1000 / ick, 12);
    expect(Array.from(s.capture.index!)).toEqual([0, 0, 0, 0]); // all within 2 ms of an index
    expect(s.capture.sampleCount).toBe(last + 1);
  });

  it("an index is never placed after the flux it precedes", () => {
    const s = readKryoflux(buildKf([{ flux: 100 }, { index: true, sampleCounter: 500 }, { flux: 50 }, ...tail]), "t.raw");
    expect(s.indexes[0].at).toBe(150);
  });

  it("EOF ends the stream (bytes after it are ignored); unknown OOB types are skipped with a warning", () => {
    const s = readKryoflux(buildKf([{ flux: 100 }, { oob: 0x07, payload: [1, 2, 3] }, { flux: 50 }, ...tail, { raw: [0xff, 0x0c] }]), "t.raw");
    expect(Array.from(s.capture.edges)).toEqual([100, 150]);
    expect(s.warnings.join()).toMatch(/unknown OOB block type 7 at offset 1; skipped/);
  });

  it("StreamEnd results and lost bytes", () => {
    expect(readKryoflux(buildKf([{ flux: 100 }, { end: true, result: 1 }, { eof: true }]), "t.raw").warnings.join()).toMatch(/buffering problem/);
    expect(readKryoflux(buildKf([{ flux: 100 }, { end: true, result: 2 }, { eof: true }]), "t.raw").warnings.join()).toMatch(/no index signal/);
    const lost = buildKf([{ flux: 100 }, { streamInfo: true, pos: 7 }, { flux: 50 }, ...tail]);
    expectError(() => readKryoflux(lost, "lost.raw"), "E_CORRUPT", /^lost\.raw: StreamInfo at offset 1 gives stream position 7 but 1 stream bytes precede it; bytes were lost/);
    expect(readKryoflux(lost, "lost.raw", { force: true }).warnings.join()).toMatch(/read anyway \(force\)/);
    const endPos = buildKf([{ flux: 100 }, { end: true, pos: 9 }, { eof: true }]);
    expectError(() => readKryoflux(endPos, "e.raw"), "E_CORRUPT", /StreamEnd at offset 1 gives stream position 9 but the stream holds 1 bytes/);
  });

  it("truncated streams, invalid blocks and a missing StreamEnd are one-line errors naming the file and offset", () => {
    expectError(() => readKryoflux(buildKf([{ flux: 100 }, { raw: [0x0c, 0x12] }]), "a.raw"), "E_CORRUPT", /^a\.raw: the file ends inside a Flux3 block at offset 1; it is truncated/);
    expectError(() => readKryoflux(buildKf([{ flux: 100 }, { raw: [0x03] }]), "a.raw"), "E_CORRUPT", /inside a Flux2 block at offset 1/);
    expectError(() => readKryoflux(buildKf([{ flux: 100 }, { raw: [0x0d, 0x02] }]), "a.raw"), "E_CORRUPT", /inside an OOB block header at offset 1/);
    expectError(() => readKryoflux(buildKf([{ flux: 100 }, { oob: 0x02, payload: [1, 2], size: 0xffff }]), "a.raw"), "E_CORRUPT", /ends inside a 65535-byte OOB block \(type 2\) at offset 1/);
    expectError(() => readKryoflux(buildKf([{ flux: 100 }, { oob: 0x02, payload: [1, 2, 3, 4] }, ...tail]), "a.raw"), "E_CORRUPT", /Index block at offset 1 has 4 bytes, expected 12/);
    expectError(() => readKryoflux(buildKf([{ flux: 100 }, { oob: 0x00, payload: [] }, ...tail]), "a.raw"), "E_CORRUPT", /invalid OOB block \(type 0\) at offset 1/);
    expectError(() => readKryoflux(buildKf([{ flux: 100 }, { flux: 200 }]), "a.raw"), "E_CORRUPT", /^a\.raw: no StreamEnd block: the file is truncated/);
    expectError(() => readKryoflux(buildKf([{ flux: 100 }, { eof: true }]), "a.raw"), "E_CORRUPT", /no StreamEnd block before the EOF block/);
    expect(readKryoflux(buildKf([{ flux: 100 }, { flux: 200 }]), "a.raw", { force: true }).transitions).toBe(2);
    expectError(() => readKryoflux(new Uint8Array(0), "empty.raw"), "E_FORMAT", /empty file/);
  });

  it("overflow runs that never end: a warning at the end of a stream, a missing track when there is no flux at all", () => {
    const trailing = readKryoflux(buildKf([{ flux: 100 }, { ovl: 3 }, ...tail]), "t.raw");
    expect(trailing.warnings.join()).toMatch(/ends inside an overflow run \(3 Ovl16 blocks/);
    expect(trailing.capture.sampleCount).toBe(100 + 3 * 65536 + 1);
    const blank = readKryofluxFile(buildKf([{ ovl: 5000 }, { index: true }, { ovl: 5000 }, ...tail]), "track07.1.raw");
    expect(blank.tracks).toEqual([]);
    expect(blank.missing).toEqual([{ cyl: 7, head: 1 }]);
  });

  it("sets: names give cylinder and head; gaps are missing tracks; bad names and duplicates are refused", () => {
    expect(kryofluxTrackName("dir/track05.1.raw")).toEqual({ prefix: "track", cyl: 5, head: 1 });
    expect(kryofluxTrackName("acorn39.0.raw")).toEqual({ prefix: "acorn", cyl: 39, head: 0 });
    expect(kryofluxTrackName("track05.raw")).toBeUndefined();
    const f = (c: number, h: number) => ({ name: `track${String(c).padStart(2, "0")}.${h}.raw`, bytes: buildKf([{ flux: 100 + c }, ...tail]) });
    const set = readKryofluxSet([f(2, 0), f(0, 0), f(0, 1), f(3, 1), f(3, 0)]);
    expect(set.tracks.map((t) => [t.cyl, t.head])).toEqual([[0, 0], [0, 1], [2, 0], [3, 0], [3, 1]]);
    expect(set.missing).toEqual([{ cyl: 1, head: 0 }, { cyl: 1, head: 1 }, { cyl: 2, head: 1 }]);
    expect(set.warnings.join("\n")).toMatch(/no stream file for head 1 cylinders 1, 2 \(between 0 and 3\); reported missing/);
    expect([set.cylinders, set.heads]).toEqual([4, 2]);
    expect(set.tracks[2].file).toBe("track02.0.raw");
    expectError(() => readKryofluxSet([f(0, 0), { ...f(1, 0), name: "other.raw" }]), "E_ARGUMENT", /^other\.raw: not named like a KryoFlux stream/);
    expectError(() => readKryofluxSet([f(0, 0), { ...f(0, 0), name: "x/track0.0.raw" }]), "E_ARGUMENT", /cylinder 0 head 0 is also track00\.0\.raw/);
    expectError(() => readKryofluxSet([]), "E_ARGUMENT");
    // a damaged file in a set names that file
    expectError(() => readKryofluxSet([f(0, 0), { name: "track01.0.raw", bytes: buildKf([{ flux: 100 }, { raw: [0x0c] }]) }]), "E_CORRUPT", /^track01\.0\.raw: the file ends inside a Flux3 block/);
    // a stream not named trackNN.S.raw is cylinder 0 head 0, with a warning
    const anon = readKryofluxFile(buildKf([{ flux: 100 }, ...tail]), "capture.bin");
    expect(anon.tracks.map((t) => [t.cyl, t.head])).toEqual([[0, 0]]);
    expect(anon.warnings.join()).toMatch(/not named trackNN\.S\.raw/);
  });

  it("a directory is read as a set; a trackNN.S.raw path is that one track", async () => {
    const dir = mkdtempSync(join(tmpdir(), "diskflux-kf-"));
    try {
      for (const [c, h] of [[0, 0], [0, 1], [2, 0]]) writeFileSync(join(dir, `track0${c}.${h}.raw`), buildKf([{ flux: 100 }, ...tail]));
      writeFileSync(join(dir, "notes.txt"), "not a stream");
      const all = await readAnyCaptureFile(dir);
      expect(all.kind === "tracks" && all.format).toBe("kryoflux");
      expect(all.kind === "tracks" && all.tracks.map((t) => [t.cyl, t.head])).toEqual([[0, 0], [0, 1], [2, 0]]);
      expect(all.kind === "tracks" && all.missing).toEqual([{ cyl: 1, head: 0 }, { cyl: 1, head: 1 }, { cyl: 2, head: 1 }]);
      const one = await readAnyCaptureFile(join(dir, "track02.0.raw"));
      expect(one.kind === "tracks" && one.tracks.map((t) => [t.cyl, t.head])).toEqual([[2, 0]]);
      const empty = mkdtempSync(join(tmpdir(), "diskflux-kf-empty-"));
      await expect(readAnyCaptureFile(empty)).rejects.toMatchObject({ code: "E_FILE", message: expect.stringMatching(/no KryoFlux stream files/) });
      rmSync(empty, { recursive: true });
    } finally {
      rmSync(dir, { recursive: true });
    }
  });
});

// ---------------------------------------------------------------- HFE by hand

describe("HFE files by hand", () => {
  const CELL = HFE_SAMPLE_RATE / 500_000; // 72 samples per cell at 250 kbit/s

  it("v1: interleaved 256-byte side blocks, bits least significant first, one transition per 1 cell", () => {
    // side 0: 300 bytes (two blocks), side 1: different bytes
    const s0 = new Uint8Array(300), s1 = new Uint8Array(300);
    s0[0] = 0b00000101; // cells 0 and 2
    s0[299] = 0x80; // cell 299*8+7
    s1[256] = 0x01; // cell 2048, in the second block's side-1 half
    const f = readHfe(buildHfe({ version: 1, tracks: [[s0, s1]] }), "v1.hfe");
    expect([f.version, f.cylinders, f.sides, f.bitRate]).toEqual([1, 1, 2, 250]);
    const [t0, t1] = f.tracks;
    expect([t0.cyl, t0.head, t1.cyl, t1.head]).toEqual([0, 0, 0, 1]);
    expect(Array.from(t0.capture.edges)).toEqual([1 * CELL, 3 * CELL, (299 * 8 + 8) * CELL]);
    expect(Array.from(t1.capture.edges)).toEqual([(2048 + 1) * CELL]);
    expect(t0.capture.sampleRate).toBe(HFE_SAMPLE_RATE);
    expect(t0.revolutions).toEqual([{ start: 0, end: 300 * 8 * CELL }]);
    expect(t0.capture.index?.[0]).toBe(0); // the index at the start of the track
  });

  it("v1 at other bit rates: the cell is 36 MHz / (2 × rate) samples", () => {
    const f = readHfe(buildHfe({ version: 1, bitRate: 125, tracks: [[new Uint8Array([0x03])]] }), "fm.hfe");
    expect(Array.from(f.tracks[0].capture.edges)).toEqual([144, 288]);
  });

  it("v3 opcodes: NOP, SETINDEX, SETBITRATE, SKIPBITS, RAND and an unknown one", () => {
    const op = (v: number) => hfeByte(v);
    const side = new Uint8Array([
      0x01, // cells 0..7: a transition in cell 0
      op(0xf0), // NOP: no cells
      op(0xf1), // SETINDEX: the index at the end of cell 7
      op(0xf2), hfeByte(36), // SETBITRATE: 36 samples per cell from here (500 kbit/s)
      0x02, // cells 8..15: a transition in cell 9
      op(0xf3), hfeByte(5), // SKIPBITS 5: the next byte gives its last 3 cells
      0xe0, // cells 16..18: three transitions (a data byte never has its low nibble all ones in v3)
      op(0xf4), // RAND: 8 cells of weak bits
      op(0xf7), // unknown opcode: skipped
      0x80, // cells 27..34: a transition in cell 34
    ]);
    const f = readHfe(buildHfe({ version: 3, sides: 1, tracks: [[side]] }), "v3.hfe");
    expect(f.version).toBe(3);
    const e = Array.from(f.tracks[0].capture.edges);
    const first8 = 8 * CELL;
    const at = (cellsAfter: number) => first8 + cellsAfter * 36;
    expect(e.slice(0, 2)).toEqual([CELL, at(2)]);
    expect(e.slice(2, 5)).toEqual([at(9), at(10), at(11)]);
    const weak = e.slice(5, -1);
    for (const w of weak) expect(w > at(11) && w <= at(19)).toBe(true);
    for (let i = 1; i < weak.length; i++) expect(weak[i] - weak[i - 1]).toBeGreaterThanOrEqual(72); // never two adjacent cells
    expect(e[e.length - 1]).toBe(at(27));
    // the index where SETINDEX stood; the revolution is the whole side
    expect(f.tracks[0].capture.index![1]).toBe(0);
    expect(f.tracks[0].revolutions[0].end).toBe(at(27));
    // repeatable: weak bits are a fixed pattern
    expect(Array.from(readHfe(buildHfe({ version: 3, sides: 1, tracks: [[side]] }), "v3.hfe").tracks[0].capture.edges)).toEqual(e);
  });

  it("zero-length tracks and sides without a transition are missing; damaged files are one-line errors", () => {
    const f = readHfe(buildHfe({ version: 1, tracks: [[new Uint8Array([1]), new Uint8Array([0])], [new Uint8Array(0), new Uint8Array(0)]] }), "m.hfe");
    expect(f.tracks.map((t) => [t.cyl, t.head])).toEqual([[0, 0]]);
    expect(f.missing).toEqual([{ cyl: 0, head: 1 }, { cyl: 1, head: 0 }, { cyl: 1, head: 1 }]);
    expect(f.warnings.join("\n")).toMatch(/cyl 1 head 0 has a zero-length track; reported missing/);
    const ok = buildHfe({ version: 1, tracks: [[new Uint8Array(600).fill(0x11), new Uint8Array(600).fill(0x22)]] });
    expectError(() => readHfe(ok.subarray(0, ok.length - 200), "cut.hfe"), "E_CORRUPT", /^cut\.hfe: cyl 0: 1200 bytes of track data at offset 1024 run past the end of the \d+-byte file/);
    expectError(() => readHfe(buildHfe({ version: 1, lengths: [60000], tracks: [[new Uint8Array(10)]] }), "len.hfe"), "E_CORRUPT", /cyl 0: 60000 bytes of track data/);
    expectError(() => readHfe(buildHfe({ version: 1, listBlock: 40, tracks: [[new Uint8Array(10)]] }).subarray(0, 2048), "list.hfe"), "E_CORRUPT", /track list \(1 tracks at offset 20480\) runs past the end/);
    const zeroList = buildHfe({ version: 1, tracks: [[new Uint8Array(10)]] });
    zeroList[0x12] = 0;
    expectError(() => readHfe(zeroList, "list.hfe"), "E_CORRUPT", /track list offset \(0\) points into the header/);
    expectError(() => readHfe(buildHfe({ version: 1, revision: 1, tracks: [[new Uint8Array(10)]] }), "v2.hfe"), "E_FORMAT", /revision 1 \(v2/);
    expectError(() => readHfe(buildHfe({ version: 1, bitRate: 0, tracks: [[new Uint8Array(10)]] }), "r.hfe"), "E_CORRUPT", /bit rate is 0/);
    expectError(() => readHfe(buildHfe({ version: 1, sides: 3, tracks: [[new Uint8Array(10)]] }), "s.hfe"), "E_CORRUPT", /3 sides/);
    expectError(() => readHfe(new TextEncoder().encode("HXCPICFE"), "h.hfe"), "E_CORRUPT", /ends inside its header/);
    for (let cut = 0; cut < ok.length; cut += 7) {
      try {
        readHfe(ok.subarray(0, cut), "cut.hfe").tracks.forEach((t) => t.capture);
      } catch (e) {
        expect(e).toBeInstanceOf(DiskfluxError);
        expect(["E_CORRUPT", "E_FORMAT"]).toContain((e as DiskfluxError).code);
      }
    }
  });
});

// ---------------------------------------------------------------- detection and robustness

describe("flux formats by content", () => {
  it("detectCaptureFormat and readAnyCapture tell SCP, HFE and KryoFlux apart", async () => {
    const scp = buildScp({ tracks: [{ track: 0, revs: [{ words: [100] }] }] });
    const v1 = buildHfe({ version: 1, tracks: [[new Uint8Array([1])]] });
    const v3 = buildHfe({ version: 3, tracks: [[new Uint8Array([1])]] });
    const kf = buildKf([{ info: "name=x" }, { flux: 100 }, { end: true }, { eof: true }]);
    const kfInfoFirst = buildKf([{ streamInfo: true }, { flux: 100 }, { end: true }, { eof: true }]);
    const kfIndexFirst = buildKf([{ index: true }, { flux: 100 }, { end: true }, { eof: true }]);
    expect([scp, v1, v3, kf, kfInfoFirst, kfIndexFirst].map((b) => detectCaptureFormat(b))).toEqual(["scp", "hfe", "hfe", "kryoflux", "kryoflux", "kryoflux"]);
    expect(detectCaptureFormat(new Uint8Array([0x0d, 0x0a, 0x31]))).not.toBe("kryoflux");
    expect(detectCaptureFormat(new TextEncoder().encode("SCP,1,2\n1,2,3\n"))).not.toBe("scp");
    for (const [b, f] of [[scp, "scp"], [v1, "hfe"], [kf, "kryoflux"]] as const) {
      const any = await readAnyCapture(b, `x.${f}`);
      expect(any).toMatchObject({ kind: "tracks", format: f });
    }
  });

  it("random damage to each format ends in a DiskfluxError or a valid decode, on both backends", async () => {
    const scp = buildScp({ tracks: [{ track: 0, revs: [{ words: [80, 160, 0, 240, 80] }, { words: [160, 80] }] }, { track: 1, revs: [{ words: [80] }, { words: [0, 0] }] }] });
    const hfe = buildHfe({ version: 3, tracks: [[new Uint8Array(40).fill(0x49), new Uint8Array(40).fill(0x8f)]] });
    const kf = buildKf([{ info: "sck=24000000" }, { flux: 48 }, { flux: 96 }, { ovl: 1 }, { index: true, sampleCounter: 3 }, { flux: 144 }, { nop: 3 }, { flux: 0x900 }, { streamInfo: true }, { flux: 48 }, { end: true }, { eof: true }]);
    for (const [bytes, name] of [[scp, "f.scp"], [hfe, "f.hfe"], [kf, "track00.0.raw"]] as const) {
      await fc.assert(
        fc.asyncProperty(fc.array(fc.nat({ max: bytes.length * 8 - 1 }), { minLength: 1, maxLength: 6 }), fc.nat({ max: bytes.length }), async (bits, cut) => {
          const b = bytes.slice(0, Math.max(cut, 1));
          for (const bit of bits) if (bit >> 3 < b.length) b[bit >> 3] ^= 1 << (bit & 7);
          try {
            const any = await readAnyCapture(b, name, { force: true });
            if (any.kind !== "tracks") return;
            for (const t of any.tracks) {
              const c: EdgeCapture = t.capture;
              const w = await decode(c, IBM, { backend: "wasm" });
              const j = await decode(c, IBM, { backend: "js" });
              expect(j.records.length).toBe(w.records.length);
            }
          } catch (e) {
            if (!(e instanceof DiskfluxError)) throw e;
            expect(e.message).not.toContain("\n");
          }
        }),
        { numRuns: 80 },
      );
    }
  });
});
