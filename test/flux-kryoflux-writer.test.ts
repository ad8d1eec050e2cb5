// KryoFlux stream writer (issue 13, the last writer): src/writers/kryoflux.ts
// and `diskflux convert <in> DIR/trackNN.S.raw`.
//
//   - the shared floppy captures (fdd_fm.sr, fdd_mfm.sr) → KryoFlux → the
//     project's reader → decode (both backends) gives the oracle's sectors;
//   - the shared flux files (greaseweazle's SCP and KryoFlux set) → KryoFlux
//     → readKryofluxSet → decode → exactly the .img beside them; a KryoFlux
//     set written again keeps every transition and index counter;
//   - synthesized multi-track floppies (FM and MFM, three revolutions with
//     jitter) → KryoFlux → `image` gives the exact IMG;
//   - a hand-checked small stream: every flux block (Flux1, Flux2, Flux3,
//     Ovl16) and OOB block (KFInfo, StreamInfo, Index, StreamEnd, EOF) byte
//     for byte, and a strict walk of every written stream.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { EdgeCapture } from "../src/capture.js";
import { convertCommand } from "../src/cli/convert.js";
import { decode } from "../src/decode.js";
import { DiskfluxError } from "../src/errors.js";
import { synthTrack } from "../src/encode/synth.js";
import type { SectorSpec } from "../src/encode/track.js";
import { assembleImage, type ImageTrackInput } from "../src/image/assemble.js";
import { fluxCapture, type Revolution } from "../src/readers/flux.js";
import { readAnyCapture, readAnyCaptureFile, readCaptureFile, type AnyCapture } from "../src/readers/index.js";
import { KF_ICK, KF_SCK, readKryoflux, readKryofluxSet } from "../src/readers/kryoflux.js";
import { SCP_SAMPLE_RATE } from "../src/readers/scp.js";
import type { DecodeResult } from "../src/types.js";
import { kryofluxFileName, kryofluxFluxBlocks, writeKryoflux, writeKryofluxDetailed, type KryofluxWriteFile } from "../src/writers/kryoflux.js";
import { ORACLE_DIR, SAMPLES_DIR } from "./support/shared.js";

type Backend = "js" | "wasm";
const BACKENDS: Backend[] = ["js", "wasm"];
const FLUX_DIR = resolve(SAMPLES_DIR, "flux");
const haveFlux = existsSync(join(FLUX_DIR, "README.md"));
const FDD = ["fdd_fm", "fdd_mfm"] as const;
const haveFdd = FDD.every((s) => existsSync(join(SAMPLES_DIR, `${s}.sr`)) && existsSync(join(ORACLE_DIR, s, "data.bin")));

const tmp = mkdtempSync(join(tmpdir(), "diskflux-kfw-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

// ---------------------------------------------------------------- helpers

function same(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && Buffer.from(a).equals(Buffer.from(b));
}

function sink(): NodeJS.WritableStream & { text: () => string } {
  let s = "";
  return { write(c: string | Uint8Array) { s += typeof c === "string" ? c : Buffer.from(c).toString("latin1"); return true; }, text: () => s } as never;
}

async function decodeTracks(any: AnyCapture, options: string, backend: Backend): Promise<ImageTrackInput[]> {
  if (any.kind !== "tracks") throw new Error("expected tracks");
  const inputs: ImageTrackInput[] = [];
  for (const t of any.tracks) inputs.push({ result: await decode(t.capture, options, { backend }), source: `kf cyl ${t.cyl} head ${t.head}`, cyl: t.cyl, head: t.head });
  return inputs;
}

function recordList(r: DecodeResult): string[] {
  return r.records.map((x) =>
    x.kind === "id" ? `id ${x.cyl}/${x.head}/${x.sec}/${x.len} ${x.crc?.ok}` : `data ${Buffer.from(x.bytes).toString("base64").slice(0, 24)}:${x.bytes.length} ${x.crc?.ok}`,
  );
}
const dataBytes = (r: DecodeResult) => Buffer.concat(r.records.filter((x) => x.kind === "data").map((x) => Buffer.from(x.bytes)));
const idList = (r: DecodeResult) => r.records.filter((x) => x.kind === "id").map((x) => (x.kind === "id" ? `${x.cyl}/${x.head}/${x.sec}` : ""));

function oracleRow(stem: string): { options: string; sectors: string[] } {
  const [head, ...rows] = readFileSync(join(ORACLE_DIR, "summary.tsv"), "utf8").trim().split("\n").map((l) => l.split("\t"));
  const row = rows.find((r) => r[head.indexOf("sample")] === `${stem}.sr`);
  if (!row) throw new Error(`${stem} not in summary.tsv`);
  return { options: row[head.indexOf("options")], sectors: row[head.indexOf("sectors")].split(",") };
}

/**
 * A strict, independent walk of a stream, as the protocol document describes
 * it: the file opens with KFInfo, every block is whole, StreamInfo and
 * StreamEnd give the exact stream position, every Index position lies at a
 * block boundary no later than where its OOB block sits, counters only grow,
 * StreamEnd says ok and EOF is the last block. Returns the index times
 * (previous flux + overflows between it and the position + sample counter).
 */
function strictWalk(bytes: Uint8Array): { indexTimes: number[]; edges: number[]; blocks: Set<string> } {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const blocks = new Set<string>();
  const boundaries = new Set<number>([0]);
  const edges: number[] = [];
  const fluxAt: { end: number; t: number }[] = []; // ISB end of each flux block run, and its time
  const ovlAt: number[] = [];
  const raw: { pos: number; sc: number; ic: number; oobIsb: number }[] = [];
  let p = 0, isb = 0, t = 0, ovl = 0, ended = false, eof = false;
  expect(bytes[0]).toBe(0x0d);
  expect(bytes[1]).toBe(0x04);
  while (p < bytes.length) {
    const b = bytes[p];
    if (ended && b !== 0x0d) throw new Error(`stream data after StreamEnd at ${p}`);
    if (b === 0x0d) {
      const type = bytes[p + 1];
      if (type === 0x0d) {
        expect(p + 4, "EOF is the last block").toBe(bytes.length);
        expect(Array.from(bytes.subarray(p))).toEqual([0x0d, 0x0d, 0x0d, 0x0d]);
        blocks.add("EOF");
        eof = true;
        break;
      }
      const size = v.getUint16(p + 2, true);
      expect(p + 4 + size).toBeLessThanOrEqual(bytes.length);
      if (type === 1 || type === 3) {
        expect(size).toBe(8);
        expect(v.getUint32(p + 4, true), `stream position of block type ${type} at ${p}`).toBe(isb);
        if (type === 3) {
          expect(v.getUint32(p + 8, true)).toBe(0);
          ended = true;
        }
        blocks.add(type === 1 ? "StreamInfo" : "StreamEnd");
      } else if (type === 2) {
        expect(size).toBe(12);
        raw.push({ pos: v.getUint32(p + 4, true), sc: v.getUint32(p + 8, true), ic: v.getUint32(p + 12, true), oobIsb: isb });
        blocks.add("Index");
      } else if (type === 4) {
        expect(bytes[p + 4 + size - 1], "KFInfo ends in NUL").toBe(0);
        blocks.add("KFInfo");
      } else {
        throw new Error(`unexpected OOB type ${type}`);
      }
      p += 4 + size;
      continue;
    }
    let len = 1, val = -1;
    if (b >= 0x0e) { val = b; blocks.add("Flux1"); }
    else if (b <= 0x07) { val = (b << 8) | bytes[p + 1]; len = 2; blocks.add("Flux2"); }
    else if (b === 0x0c) { val = (bytes[p + 1] << 8) | bytes[p + 2]; len = 3; blocks.add("Flux3"); }
    else if (b === 0x0b) { ovlAt.push(isb); ovl++; blocks.add("Ovl16"); }
    else throw new Error(`the writer writes no block 0x${b.toString(16)}`);
    p += len; isb += len;
    boundaries.add(isb);
    if (val >= 0) {
      t += ovl * 65536 + val;
      ovl = 0;
      edges.push(t);
      fluxAt.push({ end: isb, t });
    }
  }
  expect(eof && ended).toBe(true);
  expect(ovl, "no overflow run at the end").toBe(0);
  const indexTimes = raw.map((r, i) => {
    expect(boundaries.has(r.pos), `index ${i} position ${r.pos} at a block boundary`).toBe(true);
    expect(r.pos).toBeLessThanOrEqual(r.oobIsb);
    if (i > 0) expect(r.ic).toBeGreaterThanOrEqual(raw[i - 1].ic);
    let nBefore = 0;
    while (nBefore < fluxAt.length && fluxAt[nBefore].end <= r.pos) nBefore++;
    const prev = nBefore ? fluxAt[nBefore - 1] : { end: 0, t: 0 };
    const over = ovlAt.filter((o) => o >= prev.end && o < r.pos).length;
    const inStream = fluxAt.length > nBefore;
    if (inStream) expect(r.sc, "a 16-bit sample counter inside the stream").toBeLessThan(65536);
    return prev.t + over * 65536 + r.sc;
  });
  for (let i = 1; i < indexTimes.length; i++) expect(indexTimes[i]).toBeGreaterThanOrEqual(indexTimes[i - 1]);
  return { indexTimes, edges, blocks };
}

// ---------------------------------------------------------------- by hand

describe("KryoFlux writer by hand", () => {
  it("the flux blocks: Flux1 0x0E-0xFF, Flux2 up to 0x7FF (and below 0x0E), Flux3 above, Ovl16 per 65536", () => {
    const table: [number, number[]][] = [
      [0x01, [0x00, 0x01]],
      [0x0d, [0x00, 0x0d]],
      [0x0e, [0x0e]],
      [0xff, [0xff]],
      [0x100, [0x01, 0x00]],
      [0x7ff, [0x07, 0xff]],
      [0x800, [0x0c, 0x08, 0x00]],
      [0xffff, [0x0c, 0xff, 0xff]],
      [0x10000, [0x0b, 0x00, 0x00]],
      [0x1000e, [0x0b, 0x0e]],
      [0x207ff, [0x0b, 0x0b, 0x07, 0xff]],
      [0x31234, [0x0b, 0x0b, 0x0b, 0x0c, 0x12, 0x34]],
    ];
    for (const [v, want] of table) expect(kryofluxFluxBlocks(v), `0x${v.toString(16)}`).toEqual(want);
    expect(kryofluxFluxBlocks(0x20005, 1)).toEqual([0x0b, 0x00, 0x05]); // one Ovl16 already written (before an index)
    expect(kryofluxFileName(3, 1)).toBe("track03.1.raw");
    expect(kryofluxFileName(123, 0, "disk")).toBe("disk123.0.raw");
  });

  it("a hand-checked stream: every flux and OOB block byte for byte; the reader and a strict walk agree on the flux and the indexes", () => {
    // edges at the sample clock itself (no resampling): flux 0x20, 0x100, 0x0A, 0x1234, 0x10050, 0x20005
    const flux = [0x20, 0x100, 0x0a, 0x1234, 0x10050, 0x20005];
    const edges: number[] = [];
    flux.reduce((t, d) => (edges.push(t + d), t + d), 0);
    expect(edges).toEqual([32, 288, 298, 4958, 70574, 201651]);
    // indexes at 0, inside the long cell (65606 samples after its start: one Ovl16 before it), 100 after the last flux
    const revolutions: Revolution[] = [
      { start: 0, end: 70564, indexTime: 1000 / KF_ICK },
      { start: 70564, end: 201751, indexTime: 2000 / KF_ICK },
    ];
    const capture = fluxCapture(Float64Array.from(edges), KF_SCK, [0, 70564, 201751], 201752, "hand");
    const r = writeKryofluxDetailed([{ cyl: 7, head: 1, capture, revolutions }]);
    expect(r.warnings).toEqual([]);
    expect(r.files.map((f) => f.name)).toEqual(["track07.1.raw"]);
    expect(r.tracks[0]).toMatchObject({ indexes: 3, revolutions: 2, transitions: 6, merged: 0, streamBytes: 14, from: "revolutions", indexCued: true });
    const info = "name=diskflux, sck=24027428.57142857, ick=3003428.5714285714";
    const le = (...xs: number[]) => xs.flatMap((x) => [x & 0xff, (x >>> 8) & 0xff, (x >>> 16) & 0xff, x >>> 24]);
    const want = [
      0x0d, 0x04, info.length + 1, 0x00, ...Buffer.from(info, "latin1"), 0x00, // KFInfo
      0x0d, 0x01, 0x08, 0x00, ...le(0, 0), // StreamInfo: position 0, 0 ms
      0x0d, 0x02, 0x0c, 0x00, ...le(0, 0, 0), // Index: position 0, counter 0, index counter 0
      0x20, // Flux1
      0x01, 0x00, // Flux2 0x100
      0x00, 0x0a, // Flux2 0x0A (below Flux1's range)
      0x0c, 0x12, 0x34, // Flux3 0x1234
      0x0b, // Ovl16: the first 65536 samples of the long cell lie before the index
      0x0d, 0x02, 0x0c, 0x00, ...le(9, 70564 - 4958 - 65536, 1000), // Index: position 9, counter 70, + 1000 ick
      0x50, // Flux1: 0x10000 + 0x50
      0x0b, 0x0b, 0x00, 0x05, // 2 × Ovl16 + Flux2 5: 0x20005
      0x0d, 0x02, 0x0c, 0x00, ...le(14, 100, 3000), // Index after the last flux: position 14, counter 100
      0x0d, 0x01, 0x08, 0x00, ...le(14, Math.round((201751 / KF_SCK) * 1000)), // StreamInfo: position 14, 8 ms
      0x0d, 0x03, 0x08, 0x00, ...le(14, 0), // StreamEnd: position 14, result 0 (ok)
      0x0d, 0x0d, 0x0d, 0x0d, // EOF
    ];
    expect(Math.round((201751 / KF_SCK) * 1000)).toBe(8);
    expect(Array.from(r.files[0].bytes)).toEqual(want);

    const walk = strictWalk(r.files[0].bytes);
    expect([...walk.blocks].sort()).toEqual(["EOF", "Flux1", "Flux2", "Flux3", "Index", "KFInfo", "Ovl16", "StreamEnd", "StreamInfo"]);
    expect(walk.edges).toEqual(edges);
    expect(walk.indexTimes).toEqual([0, 70564, 201751]);
    const s = readKryoflux(r.files[0].bytes, "track07.1.raw");
    expect(s.warnings).toEqual([]);
    expect([s.sck, s.ick, s.result, s.transitions]).toEqual([KF_SCK, KF_ICK, 0, 6]);
    expect(s.info.name).toBe("diskflux");
    expect(Array.from(s.capture.edges)).toEqual(edges);
    expect(s.indexes.map((x) => [x.streamPos, x.sampleCounter, x.indexCounter, x.at])).toEqual([[0, 0, 0, 0], [9, 70, 1000, 70564], [14, 100, 3000, 201751]]);
    expect(s.revolutions.map((x) => [x.start, x.end])).toEqual([[0, 70564], [70564, 201751]]);
    s.revolutions.forEach((x, i) => expect(x.indexTime!).toBeCloseTo(revolutions[i].indexTime!, 12));
    const set = readKryofluxSet(r.files);
    expect(set.tracks.map((t) => [t.cyl, t.head])).toEqual([[7, 1]]);
  });

  it("an index exactly on a transition, and on a long cell's end; other sample rates are resampled; transitions on one sample merged", () => {
    // index on the transition ending a 0x20000-sample cell: two Ovl16 before the index, counter 0
    const edges = [100, 100 + 0x20000, 100 + 0x20000 + 50];
    const cap = fluxCapture(Float64Array.from(edges), KF_SCK, [100, 100 + 0x20000], 100 + 0x20000 + 51, "exact");
    const f = writeKryoflux([{ cyl: 0, head: 0, capture: cap, revolutions: [{ start: 100, end: 100 + 0x20000 }] }])[0];
    const w = strictWalk(f.bytes);
    expect(w.indexTimes).toEqual([100, 100 + 0x20000]);
    expect(readKryoflux(f.bytes).indexes.map((x) => [x.sampleCounter, x.at])).toEqual([[100, 100], [0, 100 + 0x20000]]);
    // 1 GHz capture: transitions 1 ns apart land on one sample of 41.6 ns
    const g = fluxCapture(Float64Array.from([1000, 1001, 5000, 9000]), 1e9, [], 9001, "fast");
    const r = writeKryofluxDetailed([{ cyl: 0, head: 0, capture: g }]);
    expect(r.tracks[0]).toMatchObject({ merged: 1, transitions: 3, from: "none", indexCued: false, indexes: 2 });
    expect(r.warnings.join()).toMatch(/1 transitions fell on the sample of the one before/);
    const back = readKryoflux(r.files[0].bytes);
    expect(Array.from(back.capture.edges)).toEqual([1000, 5000, 9000].map((x) => Math.round((x * KF_SCK) / 1e9)));
    strictWalk(r.files[0].bytes);
  });

  it("refuses what a KryoFlux set cannot hold, with one-line errors", () => {
    const cap = fluxCapture(Float64Array.from([10, 20]), KF_SCK, [], 21, "x");
    const code = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        expect(e).toBeInstanceOf(DiskfluxError);
        expect((e as Error).message).not.toContain("\n");
        return (e as DiskfluxError).code;
      }
      return "none";
    };
    expect(code(() => writeKryoflux([]))).toBe("E_ARGUMENT");
    expect(code(() => writeKryoflux([{ cyl: 0, head: 0, capture: cap }, { cyl: 0, head: 0, capture: cap }]))).toBe("E_ARGUMENT");
    expect(code(() => writeKryoflux([{ cyl: -1, head: 0, capture: cap }]))).toBe("E_ARGUMENT");
    expect(code(() => writeKryoflux([{ cyl: 0, head: 0, capture: cap }], { sck: 0 }))).toBe("E_ARGUMENT");
    expect(code(() => writeKryoflux([{ cyl: 0, head: 0, capture: cap }], { prefix: "a/b" }))).toBe("E_ARGUMENT");
  });
});

// ---------------------------------------------------------------- shared floppy captures

describe("shared floppy captures → KryoFlux → decode gives the oracle's sectors", () => {
  if (!haveFdd) {
    console.warn(`SKIPPED shared floppy captures → KryoFlux: ${SAMPLES_DIR} or ${ORACLE_DIR} not found; set DISKFLUX_SAMPLES / DISKFLUX_ORACLE`);
    it.skip("shared floppy captures (folder missing)", () => {});
    return;
  }
  for (const stem of FDD) {
    const { options, sectors } = oracleRow(stem);
    for (const backend of BACKENDS) {
      it(`${stem}.sr → KryoFlux on ${backend}: the oracle's ID records and data bytes`, async () => {
        const capture = await readCaptureFile(join(SAMPLES_DIR, `${stem}.sr`));
        const r = writeKryofluxDetailed([{ cyl: 0, head: 0, capture }]);
        expect(r.warnings).toEqual([]);
        // its index line is held low: simulated indexes 200 ms apart
        expect(r.tracks[0]).toMatchObject({ from: "none", indexCued: false, merged: 0, sampleRate: 15e6 });
        strictWalk(r.files[0].bytes);
        const any = await readAnyCapture(r.files[0].bytes, r.files[0].name);
        expect(any).toMatchObject({ kind: "tracks", format: "kryoflux" });
        if (any.kind !== "tracks") return;
        expect(any.warnings ?? []).toEqual([]);
        const res = await decode(any.tracks[0].capture, options, { backend });
        expect(idList(res)).toEqual(sectors);
        expect(dataBytes(res).equals(readFileSync(join(ORACLE_DIR, stem, "data.bin")))).toBe(true);
        expect(recordList(res)).toEqual(recordList(await decode(capture, options, { backend })));
      });
    }
  }
});

// ---------------------------------------------------------------- shared flux files

const IBM = "data_rate=250000:format=MFM:data_crc_size=16:data_crc_poly=0x1021";
const ACORN = "data_rate=125000:format=FM:data_crc_size=16:data_crc_poly=0x1021";
const FLUX_SAMPLES = [
  { file: "ibm360.scp", options: IBM, image: "ibm360.img" },
  { file: "acorn.scp", options: ACORN, image: "acorn.img" },
  { file: "acorn-kryoflux", options: ACORN, image: "acorn.img" },
];

describe("shared flux files → KryoFlux → decode gives exactly their images", () => {
  if (!haveFlux) {
    console.warn(`SKIPPED shared flux files → KryoFlux: ${FLUX_DIR} not found; set DISKFLUX_SAMPLES`);
    it.skip("shared flux files (folder missing)", () => {});
    return;
  }
  const written = new Map<string, KryofluxWriteFile[]>();
  const filesOf = async (file: string) => {
    if (!written.has(file)) {
      const src = await readAnyCaptureFile(join(FLUX_DIR, file));
      if (src.kind !== "tracks") throw new Error("tracks expected");
      const r = writeKryofluxDetailed(src.tracks);
      expect(r.warnings).toEqual([]);
      expect(r.tracks.every((t) => t.indexCued && t.from === "revolutions" && t.merged === 0)).toBe(true);
      expect(r.tracks.map((t) => `${t.cyl}/${t.head}`)).toEqual(src.tracks.map((t) => `${t.cyl}/${t.head}`));
      written.set(file, [...r.files]);
    }
    return written.get(file)!;
  };
  for (const s of FLUX_SAMPLES) {
    for (const backend of BACKENDS) {
      it(`${s.file} → KryoFlux on ${backend}: every sector of ${s.image}`, async () => {
        const files = await filesOf(s.file);
        const set = readKryofluxSet(files);
        expect(set.warnings).toEqual([]);
        expect(set.missing).toEqual([]);
        const any: AnyCapture = { kind: "tracks", format: "kryoflux", tracks: set.tracks };
        const img = assembleImage(await decodeTracks(any, s.options, backend));
        expect(img.counts, JSON.stringify(img.counts)).toMatchObject({ bad: 0, missing: 0, conflict: 0 });
        expect(same(img.image, new Uint8Array(readFileSync(join(FLUX_DIR, s.image))))).toBe(true);
      });
    }
  }

  it("SCP → KryoFlux keeps the revolutions and index times; every stream passes the strict walk", async () => {
    const src = await readAnyCaptureFile(join(FLUX_DIR, "ibm360.scp"));
    if (src.kind !== "tracks") throw new Error();
    const files = await filesOf("ibm360.scp");
    const set = readKryofluxSet(files);
    for (const i of [0, 1, 40, src.tracks.length - 1]) {
      const a = src.tracks[i], b = set.tracks[i];
      const w = strictWalk(files[i].bytes);
      expect(w.indexTimes.length).toBe(a.revolutions!.length + 1);
      expect(b.revolutions!.length).toBe(a.revolutions!.length);
      b.revolutions!.forEach((rev, k) => {
        // boundaries within half a sample of the resampled originals, index times within one index clock tick
        expect(Math.abs(rev.start - (a.revolutions![k].start * KF_SCK) / SCP_SAMPLE_RATE)).toBeLessThanOrEqual(0.5);
        expect(Math.abs(rev.indexTime! - a.revolutions![k].indexTime!)).toBeLessThanOrEqual(1 / KF_ICK);
      });
      expect(b.capture.edges.length).toBe(a.capture.edges.length);
    }
  });

  it("KryoFlux → KryoFlux: every transition, index position, sample counter and index counter kept", async () => {
    const dir = join(FLUX_DIR, "acorn-kryoflux");
    const orig = readdirSync(dir).sort().map((name) => ({ name, bytes: new Uint8Array(readFileSync(join(dir, name))) }));
    const src = readKryofluxSet(orig);
    const files = writeKryoflux(src.tracks, { prefix: "acorn" });
    expect(files.map((f) => f.name)).toEqual(orig.map((f) => f.name));
    for (let i = 0; i < files.length; i++) {
      const a = readKryoflux(orig[i].bytes, orig[i].name), b = readKryoflux(files[i].bytes, files[i].name);
      expect(b.warnings).toEqual([]);
      expect(same(new Uint8Array(b.capture.edges.buffer), new Uint8Array(a.capture.edges.buffer))).toBe(true);
      expect(b.indexes).toEqual(a.indexes);
      strictWalk(files[i].bytes);
    }
  });

  it("convert on the command line: DIR/trackNN.S.raw, a directory, one track's name; usage errors", async () => {
    const out = sink(), err = sink();
    expect(await convertCommand([join(FLUX_DIR, "acorn.scp"), join(tmp, "a", "discNN.S.raw")], out, err)).toBe(0);
    expect(err.text()).toBe("");
    expect(out.text()).toMatch(/a: 40 KryoFlux streams \(disc00\.0\.raw … disc39\.0\.raw\), up to 2 revolutions each, index-cued, sck 24\.027429 MHz \(from 40 MHz\), \d+ bytes/);
    expect(readdirSync(join(tmp, "a")).length).toBe(40);
    const back = await readAnyCaptureFile(join(tmp, "a"));
    if (back.kind !== "tracks") throw new Error();
    expect(back.tracks.length).toBe(40);
    const img = assembleImage(await decodeTracks(back, ACORN, "js"));
    expect(same(img.image, new Uint8Array(readFileSync(join(FLUX_DIR, "acorn.img"))))).toBe(true);

    const out2 = sink();
    expect(await convertCommand([join(FLUX_DIR, "acorn-kryoflux"), join(tmp, "b") + "/", "--track", "3:0"], out2, sink())).toBe(0);
    expect(readdirSync(join(tmp, "b"))).toEqual(["track03.0.raw"]);
    const out3 = sink();
    expect(await convertCommand([join(FLUX_DIR, "acorn-kryoflux"), join(tmp, "b", "track05.0.raw"), "--track", "5:0"], out3, sink())).toBe(0);
    expect(readdirSync(join(tmp, "b")).sort()).toEqual(["track03.0.raw", "track05.0.raw"]);
    if (haveFdd) {
      const out4 = sink();
      expect(await convertCommand([join(SAMPLES_DIR, "fdd_mfm.sr"), join(tmp, "c", "track02.1.raw")], out4, sink())).toBe(0);
      expect(out4.text()).toMatch(/1 KryoFlux stream \(track02\.1\.raw\), up to 2 revolutions each, no index pulses: an index every 200\.0 ms/);
      const one = await readAnyCaptureFile(join(tmp, "c", "track02.1.raw"));
      expect(one.kind === "tracks" && one.tracks.map((t) => [t.cyl, t.head])).toEqual([[2, 1]]);
    }
    const usage = async (args: string[], re: RegExp) => {
      const e = sink();
      expect(await convertCommand(args, sink(), e)).toBe(2);
      expect(e.text()).toMatch(re);
    };
    await usage([join(FLUX_DIR, "acorn.scp"), join(tmp, "disk.raw")], /a KryoFlux output is named PREFIXNN\.S\.raw/);
    await usage([join(FLUX_DIR, "acorn.scp"), join(tmp, "track01.0.raw")], /names the stream of cyl 1 head 0 but .* gives 0:0 1:0/);
    await usage([join(FLUX_DIR, "acorn.scp"), join(tmp, "x.img")], /must end in \.tr, \.vcd, \.sr, \.scp or \.hfe/);
  });
});

// ---------------------------------------------------------------- synthesized floppies

interface DiskSpec {
  readonly format: "MFM_floppy" | "FM";
  readonly cyls: number;
  readonly heads: number;
  readonly spt: number;
  readonly size: number;
  readonly sampleRate: number;
  readonly order: readonly number[];
}

function synthDisk(spec: DiskSpec, revs = 3) {
  const tracks: { cyl: number; head: number; capture: EdgeCapture; revolutions: Revolution[] }[] = [];
  const image = new Uint8Array(spec.cyls * spec.heads * spec.spt * spec.size);
  let options = "";
  for (let c = 0; c < spec.cyls; c++) {
    for (let h = 0; h < spec.heads; h++) {
      const sectors: SectorSpec[] = [];
      for (const s of spec.order) {
        const text = `c${c}h${h}s${s} kf `;
        const data = new Uint8Array(spec.size);
        for (let i = 0; i < spec.size; i++) data[i] = text.charCodeAt(i % text.length) ^ (i >> 4);
        sectors.push({ cyl: c, head: h, sec: s, data });
        image.set(data, ((c * spec.heads + h) * spec.spt + (s - 1)) * spec.size);
      }
      const all: number[] = [];
      const revolutions: Revolution[] = [];
      let base = 0;
      for (let r = 0; r < revs; r++) {
        const t = synthTrack({ format: spec.format, sectors, sampleRate: spec.sampleRate, jitter: 0.04, seed: 11 + r + 17 * (c * spec.heads + h) });
        options = t.options;
        const dataRate = spec.format === "FM" ? 125000 : 250000;
        const len = Math.round((t.cells.length + 48) * (spec.sampleRate / (2 * dataRate)));
        for (const e of t.edges.edges) all.push(base + Math.round(e));
        revolutions.push({ start: base, end: base + len, indexTime: len / spec.sampleRate });
        base += len;
      }
      tracks.push({ cyl: c, head: h, capture: fluxCapture(Float64Array.from(all), spec.sampleRate, [...revolutions.map((x) => x.start), base], base + 1, `synth c${c}h${h}`), revolutions });
    }
  }
  return { tracks, image, options };
}

describe("synthesized multi-track floppies (three revolutions, jitter) → KryoFlux → the exact IMG", () => {
  const specs: DiskSpec[] = [
    { format: "MFM_floppy", cyls: 2, heads: 2, spt: 9, size: 512, sampleRate: 15e6, order: [1, 6, 2, 7, 3, 8, 4, 9, 5] },
    { format: "FM", cyls: 2, heads: 1, spt: 8, size: 256, sampleRate: SCP_SAMPLE_RATE, order: [1, 3, 5, 7, 2, 4, 6, 8] },
  ];
  for (const spec of specs) {
    const disk = synthDisk(spec);
    for (const variant of ["revolutions", "index line only"] as const) {
      for (const backend of BACKENDS) {
        it(`${spec.format} (${variant}) → KryoFlux on ${backend}: the exact IMG`, async () => {
          const input = variant === "revolutions" ? disk.tracks : disk.tracks.map(({ cyl, head, capture }) => ({ cyl, head, capture }));
          const r = writeKryofluxDetailed(input);
          expect(r.warnings).toEqual([]);
          expect(r.files.map((f) => f.name)).toEqual(disk.tracks.map((t) => kryofluxFileName(t.cyl, t.head)));
          for (const f of r.files) strictWalk(f.bytes);
          const set = readKryofluxSet(r.files);
          expect(set.warnings).toEqual([]);
          expect(set.tracks[0].revolutions.length).toBe(variant === "revolutions" ? 3 : 2); // index line: the last index has no flux after it
          const any: AnyCapture = { kind: "tracks", format: "kryoflux", tracks: set.tracks };
          const img = assembleImage(await decodeTracks(any, disk.options, backend));
          expect(img.geometry).toMatchObject({ cylinders: spec.cyls, heads: spec.heads, sectorsPerTrack: spec.spt, sectorSize: spec.size, firstSector: 1 });
          expect(img.counts, JSON.stringify(img.counts)).toMatchObject({ bad: 0, missing: 0, conflict: 0 });
          expect(same(img.image, disk.image)).toBe(true);
        });
      }
    }
  }
});
