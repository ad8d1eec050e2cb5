// The legacy decoder (decoder=legacy, spec §3.9) against the original's outputs
// for the two floppy captures — the whole `-A mfm --protocol-decoder-samplenum`
// stream with dsply_pfx=yes, `fields:errors`, the DAM report figure of spec §7
// — plus its building blocks and synthetic tracks (no shared files needed).
import { describe, it, expect, beforeAll } from "vitest";
import fc from "fast-check";
import { readFileSync, existsSync, mkdtempSync } from "node:fs";
import { execFileSync } from "node:child_process";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { gunzipSync } from "node:zlib";
import { Writable } from "node:stream";
import { readCaptureFile } from "../src/readers/index.js";
import { decode, type DecodeResult, type DataRecord, type IdRecord } from "../src/decode.js";
import { logicToEdges, type LogicCapture } from "../src/capture.js";
import { annotate, annotationText, annotationObjects, parseAnnotationFilter } from "../src/annotate/index.js";
import { resolveOptions } from "../src/options.js";
import { synthTrack } from "../src/encode/synth.js";
import { main } from "../src/cli/main.js";
import { legacyParams, type LegacyParams } from "../src/legacy/params.js";
import { LegacyCore, CORE_BYTE, type LegacyCoreApi } from "../src/legacy/core.js";
import { wasmLegacyCore } from "../src/kernels/legacy.js";
import { encodeFm, encodeMfm } from "../src/encode/cells.js";
import { mulberry32 } from "../src/encode/flux.js";
import { intervalWindows, intervalNs } from "../src/legacy/pulse.js";
import { WindowTracker } from "../src/legacy/windows.js";
import { WindowFifo, FIFO_SLOTS } from "../src/legacy/fifo.js";
import { extractByte } from "../src/legacy/byte.js";
import { prefixOf, PREFIX_IS_A1, PREFIX_IS_C2, PREFIX_NONE, shiftPattern } from "../src/legacy/pattern.js";
import { LegacyEngine } from "../src/legacy/engine.js";
import { LegacyAnnotationWriter } from "../src/legacy/annotate.js";
import { classFilter } from "../src/annotate/classes.js";
import { SAMPLES_DIR, ORACLE_DIR, haveShared, warnMissing, firstDifference } from "./support/shared.js";

const FLOPPIES = ["fdd_fm", "fdd_mfm"] as const;
const haveLegacy = haveShared && FLOPPIES.every((s) => existsSync(`${ORACLE_DIR}/${s}/legacy_annotations_sn.txt.gz`));

if (!haveLegacy) {
  warnMissing("legacy decoder oracle tests (fdd_fm/fdd_mfm legacy_* files)");
  it.skip("legacy decoder oracle tests (shared samples/oracle missing)", () => {});
}

/** The -P options of the legacy run in cmd.txt (…:decoder=legacy:dsply_pfx=yes). */
function legacyOptions(stem: string): string {
  const text = readFileSync(`${ORACLE_DIR}/${stem}/cmd.txt`, "utf8");
  const m = / -P mfm:(\S*decoder=legacy\S*) -A mfm --protocol-decoder-samplenum/.exec(text);
  if (!m) throw new Error(`no legacy command in ${stem}/cmd.txt`);
  return m[1];
}

function expectSameText(expected: string, actual: string): void {
  if (actual !== expected) {
    expect.fail(`lines: expected ${expected.split("\n").length - 1}, got ${actual.split("\n").length - 1}\n${firstDifference(expected, actual)}`);
  }
}

const oracleStream = (stem: string) => gunzipSync(readFileSync(`${ORACLE_DIR}/${stem}/legacy_annotations_sn.txt.gz`)).toString("utf8");

describe.skipIf(!haveLegacy)("legacy decoder vs the original", () => {
  for (const stem of FLOPPIES) {
    describe(stem, () => {
      let capture: LogicCapture;
      let options: string;
      let result: DecodeResult;
      beforeAll(async () => {
        capture = await readCaptureFile(`${SAMPLES_DIR}/${stem}.sr`);
        options = legacyOptions(stem);
        result = await decode(capture, options, { logBytes: true });
      });

      it("the whole stream (-A mfm --protocol-decoder-samplenum) equals legacy_annotations_sn.txt.gz", () => {
        expectSameText(oracleStream(stem), annotationText(result, { sampleNumbers: true }));
      });

      it("-A mfm=fields:errors equals legacy_fields_errors_sn.txt", () => {
        const actual = annotate(result, { classes: parseAnnotationFilter("mfm=fields:errors"), sampleNumbers: true }).join("");
        expectSameText(readFileSync(`${ORACLE_DIR}/${stem}/legacy_fields_errors_sn.txt`, "utf8"), actual);
      });

      it("the same stream from the capture's edges (EdgeCapture input)", async () => {
        const r = await decode(logicToEdges(capture), options, { logBytes: true });
        expectSameText(oracleStream(stem), annotationText(r, { sampleNumbers: true }));
      });

      it("records carry the payloads and headers the PLL decoder writes (oracle data.bin / id.bin)", () => {
        const data = result.records.filter((r): r is DataRecord => r.kind === "data" && r.crc !== undefined);
        const ids = result.records.filter((r): r is IdRecord => r.kind === "id");
        const cat = (parts: Uint8Array[]) => Buffer.concat(parts.map((p) => Buffer.from(p)));
        expect(cat(data.map((r) => r.bytes)).equals(readFileSync(`${ORACLE_DIR}/${stem}/data.bin`))).toBe(true);
        expect(cat(ids.map((r) => r.bytes)).equals(readFileSync(`${ORACLE_DIR}/${stem}/id.bin`))).toBe(true);
        expect([...data, ...ids].every((r) => r.crc === undefined || r.crc.ok)).toBe(true);
        expect(result.binary.data.length).toBe(0); // the legacy decoder has no binary outputs
      });

      it("statistics agree with the stream", () => {
        const lines = oracleStream(stem).split("\n");
        const count = (re: RegExp) => lines.filter((l) => re.test(l)).length;
        const s = result.stats;
        expect(s.IDAM).toBe(count(/ mfm-1: ID Address Mark$/));
        expect(s.DAM).toBe(count(/ mfm-1: Data Address Mark$/));
        expect(s.IAM).toBe(count(/ mfm-1: Index Mark$/));
        expect(s.CRC_OK).toBe(count(/ mfm-1: CRC OK /));
        expect(s.OoTI).toBe(count(/out-of-tolerance leading edge$/));
        expect(s.EiPW).toBe(count(/extra pulse in win\)$/));
        // every edge but the first has a pulse annotation
        expect(s.Intrvls).toBe(count(/ mfm-1: \d+ns( out-of-tolerance leading edge)?$/) + 1);
        expect(s.CkEr).toBe(0);
      });

      it("classes: every line's class matches its text; pfx lines are the A1/C2 windows", () => {
        const objs = annotationObjects(result);
        const text = oracleStream(stem).split("\n");
        expect(objs.length).toBe(text.length - 1);
        const shape: Record<string, RegExp> = {
          pul: /^\d+ns$/, erp: /^\d+ns out-of-tolerance leading edge$/, err: /^(Error|Clock Error|Unknown byte Error)$/,
          unk: /^\d$/, clk: /^\d c$/, dat: /^\d d$/, erw: /^\d( [cd])? \(extra pulse in win\)$/, pfx: /^(A1|C2)$/,
          bit: /^[01]$/, erb: /^[01] \(clock error\)$/, byt: /^[0-9A-F]{2}( '.')?$/,
          mrk: /Mark$/, rec: /Record/, crc: /^CRC (OK|error) [0-9A-F]+$/,
        };
        const seen = new Set<string>();
        for (const a of objs) {
          seen.add(a.class);
          if (!shape[a.class]?.test(a.texts[0])) expect.fail(`${a.class} ${a.start}-${a.end} ${a.texts[0]}`);
        }
        expect([...seen].sort()).toEqual(
          (stem === "fdd_fm" ? ["bit", "byt", "clk", "crc", "dat", "erb", "erp", "err", "erw", "mrk", "pul", "rec", "unk"]
            : ["bit", "byt", "clk", "crc", "dat", "erb", "erp", "err", "mrk", "pfx", "pul", "rec", "unk"]).sort());
        const pfx = annotate(result, { classes: parseAnnotationFilter("mfm=prefixes"), sampleNumbers: true });
        const bc = capture.sampleRate / resolveOptions(options).dataRate;
        expect(pfx).toEqual(text.filter((l) => {
          const m = /^(\d+)-(\d+) mfm-1: (A1|C2)$/.exec(l);
          return m !== null && Number(m[2]) - Number(m[1]) < bc; // a window, not a byte
        }).map((l) => l + "\n"));
        if (stem === "fdd_mfm") expect(pfx.length).toBeGreaterThan(100);
      });

      it("rows select the same lines as filtering the whole stream", () => {
        const all = annotationObjects(result);
        const rows = annotationObjects(result, { classes: ["windows", "prefixes", "errors"] });
        expect(rows).toEqual(all.filter((a) => a.row === "windows" || a.row === "prefixes" || a.row === "errors"));
      });

      it("pushing the edges in arbitrary pieces gives the same stream", () => {
        const o = resolveOptions(options);
        const { edges, index } = logicToEdges(capture);
        const hashOf = (cuts: number[]) => {
          let h = 0x811c9dc5, lines = 0;
          const writer = new LegacyAnnotationWriter(o, capture.sampleRate, {
            on: classFilter(), alternates: false,
            put(start, end, _cls, t) {
              lines++;
              const s = `${start}-${end}${t}`;
              for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
            },
          });
          const engine = new LegacyEngine(o, capture.sampleRate, writer);
          let at = 0;
          for (const cut of [...cuts, edges.length]) {
            engine.push(edges.subarray(at, cut), cut - at, index?.subarray(at, cut));
            at = cut;
          }
          return `${lines}:${h >>> 0}:${JSON.stringify(engine.stats())}`;
        };
        const whole = hashOf([]);
        fc.assert(
          fc.property(fc.uniqueArray(fc.integer({ min: 0, max: edges.length }), { maxLength: 12 }), (cuts) => {
            expect(hashOf([...cuts].sort((a, b) => a - b))).toBe(whole);
          }),
          { numRuns: 6 },
        );
      });
    });
  }

  it("fdd_mfm with report=DAM:report_qty=9: the first report is the figure of spec §7", async () => {
    const capture = await readCaptureFile(`${SAMPLES_DIR}/fdd_mfm.sr`);
    const r = await decode(capture, `${legacyOptions("fdd_mfm")}:report=DAM:report_qty=9`, { logBytes: true });
    const reports = annotate(r, { classes: parseAnnotationFilter("mfm=reports") });
    expect(reports[0]).toBe("mfm-1: Summary: IAM=1, IDAM=9, DAM=9, DDAM=0, CRC_OK=18, CRC_err=0, EiPW=0, CkEr=0, OoTI=8/21993\n");
    expect(reports.length).toBe(2);
  });

  it("hdd_mfm_RQDX3 (single-A1 HDD): only Unknown byte and OoTI errors, no records (spec §3.9)", async () => {
    const capture = await readCaptureFile(`${SAMPLES_DIR}/hdd_mfm_RQDX3.sr`);
    const r = await decode(capture, "data_rate=5000000:format=MFM:decoder=legacy", { logBytes: true });
    expect(r.records).toEqual([]);
    const lines = annotate(r, { classes: parseAnnotationFilter("mfm=fields:errors") });
    expect(new Set(lines)).toEqual(new Set(["mfm-1: Unknown byte Error\n", "mfm-1: Error\n"]));
    expect(lines.filter((l) => l.includes("Unknown")).length).toBe(40); // one per address mark
    expect(lines.filter((l) => l === "mfm-1: Error\n").length).toBe(r.stats.OoTI);
  });

  it("CLI: -A mfm --protocol-decoder-samplenum prints the original's legacy stream", async () => {
    let stdout = "", stderr = "";
    const sink = (f: (s: string) => void) => new Writable({ write(chunk, _enc, cb) { f(String(chunk)); cb(); } });
    const code = await main(["decode", `${SAMPLES_DIR}/fdd_mfm.sr`, "-P", `mfm:${legacyOptions("fdd_mfm")}`, "-A", "mfm", "--protocol-decoder-samplenum"],
      sink((s) => (stdout += s)), sink((s) => (stderr += s)));
    expect(stderr).toBe("");
    expect(code).toBe(0);
    expectSameText(oracleStream("fdd_mfm"), stdout);
  });
});

describe("legacy decoder: building blocks", () => {
  const mfm = legacyParams(resolveOptions("data_rate=250000:format=MFM:decoder=legacy"), 15e6); // BC = 60
  const fm = legacyParams(resolveOptions("data_rate=125000:format=FM:decoder=legacy"), 15e6); // BC = 120

  it("intervals: k·BC ± 0.2·BC, both ends inclusive; anything else is OoTI (0)", () => {
    const cases: [typeof mfm, number, number][] = [
      [mfm, 47, 0], [mfm, 48, 2], [mfm, 60, 2], [mfm, 72, 2], [mfm, 73, 0], [mfm, 77, 0], [mfm, 78, 3], [mfm, 102, 3],
      [mfm, 103, 0], [mfm, 108, 4], [mfm, 132, 4], [mfm, 133, 0],
      [fm, 35, 0], [fm, 36, 1], [fm, 84, 1], [fm, 85, 0], [fm, 95, 0], [fm, 96, 2], [fm, 144, 2], [fm, 145, 0],
    ];
    for (const [p, delta, w] of cases) expect([delta, intervalWindows(p, delta)]).toEqual([delta, w]);
    expect(intervalNs(15, 121)).toBe(8067); // int((121000 + 7.5) / 15)
    expect(fm.firstInterval).toBe(120);
    expect(legacyParams(resolveOptions("data_rate=7500000:format=RLL_WD:decoder=legacy"), 200e6).fm).toBe(false); // not FM → MFM
  });

  it("window tracking: running average of 32 windows; the pull towards an edge is capped at +width/4 only", () => {
    const w = new WindowTracker();
    w.reset(120);
    expect([w.start, w.end, w.width]).toEqual([0, 60, 60]);
    w.train(132, 2); // acc = 1920 − 120 + 132
    expect(w.width).toBe(1932 / 32);
    w.reset(120);
    w.pull(50); // late edge: (50 − 30) / 1.75 = 11.43 > 15? no
    expect(w.end).toBeCloseTo(60 + 20 / 1.75, 12);
    w.reset(120);
    w.pull(59.9); // (59.9 − 30) / 1.75 = 17.09 → capped at 15
    expect(w.end).toBe(75);
    w.reset(120);
    w.pull(0); // early edge: −30 / 1.75, not capped
    expect(w.end).toBeCloseTo(60 - 30 / 1.75, 12);
    w.advance();
    expect(w.start).toBeCloseTo(60 - 30 / 1.75, 12);
  });

  it("FIFO: a ring that wraps; byte extraction and the FM/MFM clock rules", () => {
    const f = new WindowFifo();
    for (let i = 0; i < FIFO_SLOTS + 5; i++) { f.push(i, i + 1, 0); if (f.length > 3) f.drop(1); }
    expect(f.length).toBe(3);
    expect(f.start[f.slot(0)]).toBe(FIFO_SLOTS + 2);
    const load = (prev: number, cells: number) => {
      f.reset();
      f.push(0, 1, prev);
      for (let i = 15; i >= 0; i--) f.push(0, 1, (cells >> i) & 1);
    };
    load(0, 0x4489); // MFM A1 with the missing clock: bit 2's clock
    expect(extractByte(f, false)).toBe(0xa1 | (0x04 << 8));
    load(0, 0x5224); // MFM C2: bit 3's clock
    expect(extractByte(f, false)).toBe(0xc2 | (0x08 << 8));
    load(0, 0xf57e); // FM FE with clock C7: clocks 5, 4, 3 missing
    expect(extractByte(f, true)).toBe(0xfe | (0x38 << 8));
    load(1, 0x2aaa); // MFM 00 after a 1: clean
    expect(extractByte(f, false)).toBe(0x00);
  });

  it("pattern register: 31 bits, A1/C2 prefixes in the low 16", () => {
    let p = 0;
    for (let i = 15; i >= 0; i--) p = shiftPattern(p, (0x4489 >> i) & 1);
    expect(prefixOf(p)).toBe(PREFIX_IS_A1);
    for (let i = 15; i >= 0; i--) p = shiftPattern(p, (0x5224 >> i) & 1);
    expect(prefixOf(p)).toBe(PREFIX_IS_C2);
    expect(prefixOf(shiftPattern(p, 1))).toBe(PREFIX_NONE);
    for (let i = 0; i < 40; i++) p = shiftPattern(p, 1);
    expect(p).toBe(0x7fffffff);
  });
});

describe("legacy decoder: synthetic tracks", () => {
  for (const format of ["FM", "MFM_floppy"] as const) {
    it(`${format}: every sector, CRC verdicts as written (one bad data CRC), index mark`, async () => {
      const s = synthTrack({ format, badSectors: [3], indexMark: true, seed: 7, jitter: 0.03 });
      const r = await decode(s.capture, `${s.options}:decoder=legacy`);
      const ids = r.records.filter((x): x is IdRecord => x.kind === "id");
      const data = r.records.filter((x): x is DataRecord => x.kind === "data");
      expect(ids.map((x) => x.sec)).toEqual(s.expected.map((e) => e.sec));
      s.expected.forEach((e, i) => {
        expect(Buffer.from(ids[i].bytes).equals(Buffer.from(e.id))).toBe(true);
        expect(ids[i].crc?.ok).toBe(e.idCrcOk);
        expect(Buffer.from(data[i].bytes).equals(Buffer.from(e.data))).toBe(true);
        expect(data[i].crc?.ok).toBe(e.dataCrcOk);
      });
      expect(r.stats.IAM).toBe(1);
      expect(r.stats.CRC_err).toBe(1);
      expect(r.stats.OoTI).toBe(0);
    });
  }

  it("a bad CRC: err Error over [end−1, end], then `CRC error <computed>`", async () => {
    const s = synthTrack({ format: "MFM_floppy", sectorsPerTrack: 2, badSectors: [2] });
    const r = await decode(s.edges, `${s.options}:decoder=legacy`, { logBytes: true });
    const objs = annotationObjects(r, { classes: ["fields", "errors"] });
    const i = objs.findIndex((a) => a.texts[0].startsWith("CRC error"));
    expect(i).toBeGreaterThan(0);
    expect(objs[i - 1]).toMatchObject({ class: "err", start: objs[i].end - 1, end: objs[i].end, texts: ["Error", "Err", "E"] });
    const rec = r.records.find((x) => x.kind === "data" && x.crc && !x.crc.ok)!;
    expect(objs[i].texts[0]).toBe(`CRC error ${rec.crc!.computed.replace(/^0+(?=..)/, "")}`);
    expect(rec.crc!.read).not.toBe(rec.crc!.computed);
  });

  it("FM deleted data (F8) is a DDAM: reachable in legacy mode only", async () => {
    // Two FM data fields, F8 then FB (clock C7), 128 bytes each, built from cells.
    const { FM_CLOCK, FM_MARK_CLOCK } = await import("../src/encode/cells.js");
    const { crcOf } = await import("../src/kernels/crc.js");
    const bytes: number[] = [], clocks: number[] = [];
    const put = (v: number, c = FM_CLOCK) => { bytes.push(v); clocks.push(c); };
    const payloads: Uint8Array[] = [];
    for (const mark of [0xf8, 0xfb]) {
      for (let i = 0; i < 8; i++) put(0xff);
      for (let i = 0; i < 6; i++) put(0x00);
      put(mark, FM_MARK_CLOCK);
      const payload = Uint8Array.from({ length: 128 }, (_, i) => (i * 37 + mark) & 0xff);
      payloads.push(payload);
      payload.forEach((v) => put(v));
      const crc = Number(crcOf(16, 0x1021n, 0xffffn, Uint8Array.from([mark, ...payload])));
      put(crc >> 8); put(crc & 0xff);
      for (let i = 0; i < 4; i++) put(0xff);
    }
    const cells = encodeFm(bytes, clocks);
    const edges: number[] = [];
    for (let i = 0; i < cells.length; i++) if (cells[i]) edges.push(120 + i * 60);
    const capture = { kind: "edges" as const, sampleRate: 15e6, edges: Float64Array.from(edges) };
    const options = "data_rate=125000:format=FM:data_crc_size=16:data_crc_poly=0x1021:sector_size=128";
    const legacy = await decode(capture, `${options}:decoder=legacy`);
    expect([legacy.stats.DAM, legacy.stats.DDAM, legacy.stats.CRC_OK, legacy.stats.CRC_err]).toEqual([1, 1, 2, 0]);
    const data = legacy.records.filter((x): x is DataRecord => x.kind === "data");
    expect(data.map((d) => [d.mark, d.deleted])).toEqual([[0xf8, true], [0xfb, false]]);
    data.forEach((d, i) => expect(Buffer.from(d.bytes).equals(Buffer.from(payloads[i]))).toBe(true));
    const pll = await decode(capture, options);
    expect([pll.stats.DAM, pll.stats.DDAM]).toEqual([1, 0]); // the PLL cannot sync on F8
  });

  it("an extra edge inside a window is an edge in the previous window (EiPW, erw window)", async () => {
    const s = synthTrack({ format: "MFM_floppy", sectorsPerTrack: 1 });
    const e = Array.from(s.edges.edges);
    const at = 40; // in the lead-in gap, out of sync
    e.splice(at + 1, 0, e[at] + 3); // 3 samples after an edge (windows are 30 samples)
    const r = await decode({ ...s.edges, edges: Float64Array.from(e) }, `${s.options}:decoder=legacy`, { logBytes: true });
    expect(r.stats.EiPW).toBe(1);
    const erw = annotationObjects(r, { classes: ["erw"] });
    expect(erw.map((a) => a.texts[0])).toEqual(["2 (extra pulse in win)"]);
    expect(erw[0].start).toBeLessThanOrEqual(e[at]);
    expect(erw[0].end).toBeGreaterThan(e[at]);
    expect(r.records.filter((x) => x.kind === "id" && x.crc?.ok).length).toBe(1);
  });

  it("a sync followed by a byte no state expects: `Unknown byte Error` over that byte", async () => {
    // 00 × 12, then C2 C2 (with the missing clock) and 55: C2_2 → C2_3 expects a third C2.
    const bytes = [...new Array(12).fill(0x00), 0xc2, 0xc2, 0x55, ...new Array(8).fill(0x4e)];
    const missing = bytes.map((b, i) => (b === 0xc2 && i >= 12 ? 0x08 : 0));
    const cells = encodeMfm(bytes, 0, missing);
    const edges: number[] = [];
    for (let i = 0; i < cells.length; i++) if (cells[i]) edges.push(100 + i * 30);
    const u = await decode({ kind: "edges", sampleRate: 15e6, edges: Float64Array.from(edges) },
      "data_rate=250000:format=MFM:decoder=legacy", { logBytes: true });
    const unk = u.fields.filter((f) => f.kind === "unknown");
    expect(unk.length).toBe(1);
    const byt = annotationObjects(u, { classes: ["byt"] });
    const b55 = byt.find((a) => a.texts[0] === "55 'U'")!;
    expect([unk[0].start, unk[0].end]).toEqual([b55.start, b55.end]);
    expect(annotate(u, { classes: ["errors"] })).toContain("mfm-1: Unknown byte Error\n");
  });

  it("MFM marks need exactly three A1s: one or two A1s, or four, make the next byte unknown", async () => {
    for (const [a1s, mark, ok] of [[3, 0xfb, true], [1, 0xfb, false], [2, 0xfe, false], [4, 0xfe, false]] as const) {
      const bytes = [...new Array(12).fill(0x00), ...new Array(a1s).fill(0xa1), mark, ...new Array(8).fill(0x4e)];
      const cells = encodeMfm(bytes, 0, bytes.map((b, i) => (b === 0xa1 && i >= 12 ? 0x04 : 0)));
      const edges: number[] = [];
      for (let i = 0; i < cells.length; i++) if (cells[i]) edges.push(100 + i * 30);
      const r = await decode({ kind: "edges", sampleRate: 15e6, edges: Float64Array.from(edges) },
        "data_rate=250000:format=MFM:decoder=legacy:sector_size=128", { logBytes: true });
      expect([a1s, r.fields.map((f) => f.text)]).toEqual([a1s, ok ? ["Data Address Mark"] : ["Unknown byte"]]);
      const unknown = annotationObjects(r, { classes: ["errors", "byt"] }).find((a) => a.texts[0] === "Unknown byte Error");
      if (!ok) {
        const byt = annotationObjects(r, { classes: ["byt"] });
        const culprit = byt[1 + Math.min(a1s, 3)]; // the 00, then the A1s the prefix takes
        expect(unknown).toMatchObject({ start: culprit.start, end: culprit.end });
      }
    }
  });

  it("edges must increase; an edge too far from sample 0 is refused (the tracker walks every window)", async () => {
    const opts = "data_rate=250000:decoder=legacy";
    await expect(decode({ kind: "edges", sampleRate: 15e6, edges: Float64Array.from([5, 5]) }, opts)).rejects.toMatchObject({ code: "E_ARGUMENT" });
    await expect(decode({ kind: "edges", sampleRate: 15e6, edges: Float64Array.from([1, 2 ** 40]) }, opts)).rejects.toMatchObject({ code: "E_LIMIT" });
    const r = await decode({ kind: "edges", sampleRate: 15e6, edges: new Float64Array(0) }, opts, { logBytes: true });
    expect([r.stats.Intrvls, r.records.length, annotate(r).length]).toEqual([0, 0, 0]);
  });

  it("dsply_sn and dsply_pfx change the texts; annotations need logBytes", async () => {
    const s = synthTrack({ format: "MFM_floppy", sectorsPerTrack: 1 });
    const plain = await decode(s.edges, `${s.options}:decoder=legacy`);
    expect(() => annotate(plain)).toThrow(/logBytes/);
    const sn = await decode(s.edges, `${s.options}:decoder=legacy:dsply_sn=yes:dsply_pfx=yes`, { logBytes: true });
    const objs = annotationObjects(sn);
    const pul = objs.find((a) => a.class === "pul")!;
    expect(pul.texts[0]).toBe(`${pul.texts[1]} s${pul.start} - ${pul.end}`);
    const clk = objs.find((a) => a.class === "clk")!;
    expect(clk.texts[0]).toBe(`${clk.texts[1]} c s${clk.start}`);
    expect(objs.filter((a) => a.class === "pfx").length).toBeGreaterThanOrEqual(6); // A1 A1 A1 per mark
    const noPfx = await decode(s.edges, `${s.options}:decoder=legacy`, { logBytes: true });
    expect(annotationObjects(noPfx, { classes: ["pfx"] })).toEqual([]);
  });
});

// ---------------------------------------------------------------------------
// The Wasm twin of the hot loop (assembly/legacy.ts): same inputs, same outputs.
// The twin is compiled here on its own, so this runs whether or not
// assembly/index.ts re-exports it yet; when the kernel module has it, decode()
// with backend "wasm" is checked too.

/** Compiles assembly/legacy.ts alone and returns a fresh Wasm core factory. */
async function compileLegacyTwin(): Promise<() => Promise<LegacyCoreApi>> {
  const require = createRequire(import.meta.url);
  const asc = join(dirname(require.resolve("assemblyscript/package.json")), "bin", "asc.js");
  const dir = mkdtempSync(join(tmpdir(), "diskflux-legacy-"));
  const out = join(dir, "legacy.wasm");
  execFileSync(process.execPath, [asc, "assembly/legacy.ts", "-O3", "--runtime", "stub", "--noAssert", "-o", out], { stdio: "pipe" });
  const module = await WebAssembly.compile(readFileSync(out));
  return async () => wasmLegacyCore((await WebAssembly.instantiate(module, { env: { abort() { throw new Error("abort"); } } })).exports);
}

/**
 * Every CORE_BYTE of a core over edges (loaded in pieces), unsyncing where `drop`
 * says, with the inner state (unrounded window floats, pattern, FIFO fill) after
 * each, then the final state and counters.
 */
function coreTrace(core: LegacyCoreApi, p: LegacyParams, edges: Float64Array, piece: number, drop: (n: number, v: number) => boolean): number[] {
  core.configure(p);
  const out: number[] = [];
  for (let at = 0; at < edges.length; at += piece) {
    const n = Math.min(piece, edges.length - at);
    core.load(edges.subarray(at, at + n), n);
    while (core.run() === CORE_BYTE) {
      out.push(core.byteValue, core.byteClock, core.byteFirst ? 1 : 0, core.byteStart, core.byteEnd, core.intervals, core.ooti, core.eipw,
        core.synced ? 1 : 0, core.windowStart, core.windowEnd, core.windowWidth, core.pattern, core.queued);
      if (drop(out.length, core.byteValue)) core.unsync();
    }
  }
  out.push(core.windowStart, core.windowEnd, core.windowWidth, core.pattern, core.queued, core.intervals, core.ooti, core.eipw, core.synced ? 1 : 0);
  return out;
}

/** Edges of a byte stream with marks (preambles, A1/C2 or FM marks), jitter, glitches and dropouts. */
function noisyTrack(rand: () => number, fm: boolean, bitCell: number, nBytes: number): Float64Array {
  const bytes: number[] = [], extra: number[] = [];
  while (bytes.length < nBytes) {
    const kind = rand();
    if (kind < 0.35) { // preamble + mark
      for (let i = 0, n = 4 + Math.floor(rand() * 10); i < n; i++) { bytes.push(0x00); extra.push(fm ? 0xff : 0); }
      if (fm) { const m = [0xfe, 0xfb, 0xf8, 0xfc][Math.floor(rand() * 4)]; bytes.push(m); extra.push(m === 0xfc ? 0xd7 : 0xc7); }
      else { const c2 = rand() < 0.2; for (let i = 0; i < 3; i++) { bytes.push(c2 ? 0xc2 : 0xa1); extra.push(c2 ? 0x08 : 0x04); } }
    } else {
      const v = rand() < 0.5 ? Math.floor(rand() * 256) : [0xfe, 0xfb, 0x4e, 0xff, 0x00][Math.floor(rand() * 5)];
      bytes.push(v); extra.push(fm ? 0xff : 0);
    }
  }
  const cells = fm ? encodeFm(bytes, extra) : encodeMfm(bytes, 0, extra);
  const half = bitCell / 2, jitter = rand() * 0.25;
  const edges: number[] = [];
  let last = 0;
  for (let i = 0; i < cells.length; i++) {
    if (!cells[i]) continue;
    if (rand() < 0.002) continue; // dropout
    let t = Math.round(bitCell + i * half + (rand() - 0.5) * 2 * jitter * half);
    if (t <= last) t = last + 1;
    edges.push(t);
    last = t;
    if (rand() < 0.003) { last += 1 + Math.floor(rand() * half); edges.push(last); } // glitch: an extra edge
  }
  return Float64Array.from(edges);
}

describe("legacy decoder: Wasm twin parity", () => {
  let twin: () => Promise<LegacyCoreApi>;
  beforeAll(async () => {
    twin = await compileLegacyTwin();
  });

  it("the twin compiles on its own and reports the Wasm backend", async () => {
    const core = await twin();
    expect(core.backend).toBe("wasm");
    expect(core.capacity).toBeGreaterThan(1000);
  });

  for (const fm of [true, false]) {
    it(`${fm ? "FM" : "MFM"}: random noisy tracks, random pieces and unsyncs — byte for byte`, async () => {
      const wasm = await twin();
      const stats = { bytes: 0, ooti: 0, eipw: 0 };
      await fc.assert(
        fc.asyncProperty(
          fc.integer({ min: 1, max: 0x7fffffff }),
          fc.constantFrom(15e6, 16e6, 20e6, 24e6, 200e6 / 3),
          fc.integer({ min: 1, max: 5000 }),
          fc.double({ min: 0, max: 0.02, noNaN: true }),
          async (seed, sampleRate, piece, dropRate) => {
            const rand = mulberry32(seed);
            const o = resolveOptions(`data_rate=${fm ? 125000 : 250000}:format=${fm ? "FM" : "MFM"}:decoder=legacy`);
            const p = legacyParams(o, sampleRate);
            const edges = noisyTrack(rand, fm, p.bitCell, 300);
            const drop = (n: number) => mulberry32(seed ^ Math.imul(n, 0x9e3779b1))() < dropRate;
            const ts = coreTrace(new LegacyCore(), p, edges, piece, drop);
            const w = coreTrace(wasm, p, edges, piece, drop);
            expect(w).toEqual(ts);
            // the tracks do reach sync, bytes, out-of-tolerance intervals and edges in a previous window
            stats.bytes += (ts.length - 9) / 14;
            stats.ooti += ts[ts.length - 3];
            stats.eipw += ts[ts.length - 2];
          },
        ),
        { numRuns: 25 },
      );
      expect(stats.bytes).toBeGreaterThan(25 * 50);
      expect(stats.ooti).toBeGreaterThan(0);
      expect(stats.eipw).toBeGreaterThan(0);
    });
  }

  it.skipIf(!haveLegacy)("both floppy captures: records, fields and statistics equal through the engine", async () => {
    const wasm = await twin();
    for (const stem of FLOPPIES) {
      const capture = await readCaptureFile(`${SAMPLES_DIR}/${stem}.sr`);
      const o = resolveOptions(legacyOptions(stem));
      const { edges, index } = logicToEdges(capture);
      const a = new LegacyEngine(o, capture.sampleRate, undefined, new LegacyCore());
      const b = new LegacyEngine(o, capture.sampleRate, undefined, wasm);
      a.push(edges, edges.length, index);
      b.push(edges, edges.length, index);
      expect(b.stats()).toEqual(a.stats());
      expect(b.fields).toEqual(a.fields);
      expect(b.records).toEqual(a.records);
      expect(a.records.length).toBeGreaterThan(20);
    }
  });

  it("decode(): backend js runs the TypeScript core; wasm runs the twin once the kernel module exports it", async () => {
    const s = synthTrack({ format: "MFM_floppy", sectorsPerTrack: 3, jitter: 0.03 });
    const js = await decode(s.capture, `${s.options}:decoder=legacy`, { backend: "js" });
    expect(js.backend).toBe("js");
    const auto = await decode(s.capture, `${s.options}:decoder=legacy`);
    expect({ ...auto, backend: "js" }).toEqual(js);
    const { compileKernelModule } = await import("../src/kernels/wasm.js");
    const exported = WebAssembly.Module.exports(await compileKernelModule()).some((e) => e.name === "legacyRun");
    if (exported) {
      const w = await decode(s.capture, `${s.options}:decoder=legacy`, { backend: "wasm" });
      expect(w.backend).toBe("wasm");
      expect({ ...w, backend: "js" }).toEqual(js);
    } else {
      console.warn("NOTE: build/diskflux.wasm has no legacy exports yet (assembly/index.ts); decode() uses the TypeScript core");
      await expect(decode(s.capture, `${s.options}:decoder=legacy`, { backend: "wasm" })).rejects.toThrow(/legacy exports/);
    }
  });
});
