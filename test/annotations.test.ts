// Annotation stream tests: for every shared capture, on both backends, the whole
// `-A mfm --protocol-decoder-samplenum` stream equals the original's line for
// line, and so do the fields/errors and report outputs (each with the exact
// options of its sigrok-cli command in cmd.txt). Index reports (§6.6) are tested
// on synthetic multi-revolution captures, since no shared capture has index pulses.
import { describe, it, expect, beforeAll } from "vitest";
import fc from "fast-check";
import { readFileSync, existsSync } from "node:fs";
import { gunzipSync } from "node:zlib";
import { Writable } from "node:stream";
import { readCaptureFile } from "../src/readers/index.js";
import { decode, type DecodeResult } from "../src/decode.js";
import type { Capture, EdgeCapture, LogicCapture } from "../src/capture.js";
import { annotate, annotationText, annotationObjects, parseAnnotationFilter, type Annotation } from "../src/annotate/index.js";
import { synthTrack } from "../src/encode/synth.js";
import { edgeCapture } from "../src/encode/flux.js";
import { main } from "../src/cli/main.js";
import { SAMPLES_DIR, ORACLE_DIR, haveShared, oracleCaptures, warnMissing, firstDifference } from "./support/shared.js";

const captures = oracleCaptures();
const BACKENDS = ["js", "wasm"] as const;

if (!haveShared) {
  warnMissing("annotation oracle tests");
  it.skip("annotation oracle tests (shared samples/oracle missing)", () => {});
}

/** The sigrok-cli commands of cmd.txt: output file → options, -A filter, sample numbers. */
function oracleCommands(stem: string): Map<string, { options: string; filter: string; sampleNumbers: boolean }> {
  const out = new Map<string, { options: string; filter: string; sampleNumbers: boolean }>();
  const text = readFileSync(`${ORACLE_DIR}/${stem}/cmd.txt`, "utf8");
  for (const line of text.split("\n")) {
    const m = / -P mfm:(\S+) -A (\S+)( --protocol-decoder-samplenum)? > (\S+)$/.exec(line);
    if (m) out.set(m[4], { options: m[1], filter: m[2], sampleNumbers: m[3] !== undefined });
  }
  return out;
}

function expectSameText(expected: string, actual: string): void {
  const el = expected.split("\n").length, al = actual.split("\n").length;
  if (actual !== expected) expect.fail(`lines: expected ${el - 1}, got ${al - 1}\n${firstDifference(expected, actual)}`);
}

for (const backend of BACKENDS) {
  describe(`annotations vs the original (${backend})`, () => {
    for (const c of captures) {
      describe(c.stem, () => {
        let capture: LogicCapture;
        const results = new Map<string, Promise<DecodeResult>>();
        const decodeWith = (options: string) => {
          let r = results.get(options);
          if (!r) {
            r = decode(capture, options, { backend, logBytes: true });
            results.set(options, r);
          }
          return r;
        };
        beforeAll(async () => {
          capture = await readCaptureFile(`${SAMPLES_DIR}/${c.file}`);
        });

        it("the whole stream (-A mfm --protocol-decoder-samplenum) equals annotations_sn.txt.gz", async () => {
          const result = await decodeWith(c.options);
          expect(result.backend).toBe(backend);
          const expected = gunzipSync(readFileSync(`${ORACLE_DIR}/${c.stem}/annotations_sn.txt.gz`)).toString("utf8");
          expectSameText(expected, annotationText(result, { sampleNumbers: true }));
        });

        for (const file of ["fields_errors_sn.txt", "fields_errors.txt", "reports.txt", "reports_q1_sn.txt", "fields_sn.txt", "fields.txt"]) {
          it(`${file} (options and -A as in cmd.txt)`, async () => {
            const cmd = oracleCommands(c.stem).get(file);
            if (!cmd) return expect.fail(`no command for ${file} in ${c.stem}/cmd.txt`);
            const path = `${ORACLE_DIR}/${c.stem}/${file}`;
            if (!existsSync(path)) return expect.fail(`missing ${path}`);
            const result = await decodeWith(cmd.options);
            const actual = annotate(result, { classes: parseAnnotationFilter(cmd.filter), sampleNumbers: cmd.sampleNumbers }).join("");
            expectSameText(readFileSync(path, "utf8"), actual);
          });
        }
      });
    }
  });
}

describe("annotations: API and filters", () => {
  const stem = "hdd_mfm_RQDX3_sector";
  const c = captures.find((x) => x.stem === stem);
  let result: DecodeResult;
  beforeAll(async () => {
    if (!c) return;
    result = await decode(await readCaptureFile(`${SAMPLES_DIR}/${c.file}`), c.options, { logBytes: true });
  });

  it.skipIf(!c)("rows and classes select the same lines as filtering the whole stream", () => {
    const all = annotationObjects(result);
    const rows = annotationObjects(result, { classes: ["pulses", "bits"] });
    expect(rows).toEqual(all.filter((a) => a.row === "pulses" || a.row === "bits"));
    const cls = annotationObjects(result, { classes: ["crc", "byt"] });
    expect(cls).toEqual(all.filter((a) => a.class === "crc" || a.class === "byt"));
    expect(annotationObjects(result, { classes: ["cre", "pfx", "erw", "unk"] })).toEqual([]);
  });

  it.skipIf(!c)("objects carry the first text the lines print, plus the alternates", () => {
    const lines = annotate(result, { sampleNumbers: true });
    const objs = annotationObjects(result);
    expect(objs.length).toBe(lines.length);
    objs.forEach((a, i) => {
      if (lines[i] !== `${a.start}-${a.end} mfm-1: ${a.texts[0]}\n`) expect.fail(`line ${i + 1}: ${lines[i]} vs ${JSON.stringify(a)}`);
    });
    const byClass = (cls: string) => objs.find((a) => a.class === cls)!;
    expect(byClass("mrk").texts).toEqual(["ID Address Mark", "IDAM", "M"]);
    expect(byClass("crc").texts).toEqual(["CRC OK F38D", "CRC OK", "CRC", "C"]);
    expect(byClass("err").texts).toEqual(["Pulse too long Error", "OoTI Error", "Err", "E"]);
    expect(byClass("erp").texts).toEqual(["670ns out-of-tolerance leading edge", "670ns OoTI", "OoTI"]);
    expect(byClass("syn").texts).toEqual(["Sync pattern 13 bytes", "Sync", "S"]);
    expect(byClass("byt").texts).toEqual(["A1", "A1"]);
  });

  it("unknown rows or classes are refused", () => {
    expect(() => parseAnnotationFilter("mfm=fields:bogus")).toThrow(/bogus/);
    expect(() => parseAnnotationFilter("uart")).toThrow(/not found/);
  });

  it("a decode without logBytes cannot be annotated", async () => {
    const synth = synthTrack({ format: "MFM", sectorsPerTrack: 1 });
    const r = await decode(synth.edges, synth.options);
    expect(() => annotate(r)).toThrow(/logBytes/);
    const withEvents = await decode(synth.edges, synth.options, { keepEvents: true });
    expect(() => annotate(withEvents)).toThrow(/logBytes/);
  });

  it("time_unit and dsply_sn change the pulse and window texts as §6.2/§6.3 say", async () => {
    const synth = synthTrack({ format: "MFM", sectorsPerTrack: 1 });
    const pulses = async (opts: string) => {
      const r = await decode(synth.edges, `${synth.options}:${opts}`, { logBytes: true });
      return annotationObjects(r, { classes: ["pul", "clk"] });
    };
    const ns = await pulses("time_unit=ns");
    const first = ns.find((a) => a.class === "pul")!;
    expect(first.texts[0]).toMatch(/^\d+ns$/);
    const win = (await pulses("time_unit=window")).find((a) => a.class === "pul")!;
    expect(win.texts[0]).toMatch(/^\d+$/);
    expect((await pulses("time_unit=us")).find((a) => a.class === "pul")!.texts[0]).toBe("0us");
    expect((await pulses("time_unit=auto")).find((a) => a.class === "pul")!.texts[0]).toBe(first.texts[0]);
    const sn = await pulses("dsply_sn=yes");
    const p = sn.find((a) => a.class === "pul")!;
    expect(p.texts).toEqual([`${first.texts[0]} s${p.start} - ${p.end}`, first.texts[0]]);
    const clk = sn.find((a) => a.class === "clk")!;
    expect(clk.texts[0]).toBe(`${clk.texts[1]} c s${clk.start}`);
  });
});

for (const backend of BACKENDS) {
  describe(`annotations: window ring replay agrees with the kernel (${backend})`, () => {
    // The kernel computes each byte's range from its own ring; the annotation
    // side rebuilds the ring from the edge log. Bit 7's clock window must start
    // at the byte start and bit 0's data window end at the byte end.
    for (const format of ["FM", "MFM", "RLL_WD", "RLL_Seagate"] as const) {
      it(`${format}: random tracks with jitter and drift`, async () => {
        await fc.assert(
          fc.asyncProperty(
            fc.integer({ min: 1, max: 1 << 30 }),
            fc.double({ min: 0, max: 0.05, noNaN: true }),
            fc.double({ min: -0.03, max: 0.03, noNaN: true }),
            async (seed, jitter, drift) => {
              const synth = synthTrack({ format, seed, jitter, drift, sectorsPerTrack: 2 });
              const r = await decode(synth.edges, synth.options, { backend, logBytes: true });
              const objs = annotationObjects(r, { classes: ["windows", "bits", "bytes"] });
              let bytes = 0;
              for (let i = 0; i < objs.length; i++) {
                const a = objs[i];
                if (a.class !== "byt") continue;
                bytes++;
                // 8 × (2 windows + 1 bit) precede the byte
                const first = objs[i - 24], last = objs[i - 2];
                if (first.start !== a.start || last.end !== a.end || first.row !== "windows" || last.row !== "windows") {
                  expect.fail(`byte ${a.start}-${a.end} ${a.texts[0]}: windows ${first.start}-${first.end} … ${last.start}-${last.end}`);
                }
              }
              expect(bytes).toBeGreaterThan(synth.expected.reduce((n, x) => n + x.size, 0));
            },
          ),
          { numRuns: 8 },
        );
      });
    }
  });
}

describe("annotations: CLI", () => {
  const c = captures.find((x) => x.stem === "hdd_mfm_RQDX3_sector");
  const run = async (args: string[]) => {
    let stdout = "", stderr = "";
    const sink = (f: (s: string) => void) => new Writable({ write(chunk, _enc, cb) { f(String(chunk)); cb(); } });
    const code = await main(args, sink((s) => (stdout += s)), sink((s) => (stderr += s)));
    return { code, stdout, stderr };
  };

  it.skipIf(!c)("-A mfm --protocol-decoder-samplenum prints the original's stream", async () => {
    const r = await run(["decode", `${SAMPLES_DIR}/${c!.file}`, "-P", `mfm:${c!.options}`, "-A", "mfm", "--protocol-decoder-samplenum", "--backend", "js"]);
    expect(r.code).toBe(0);
    expectSameText(gunzipSync(readFileSync(`${ORACLE_DIR}/${c!.stem}/annotations_sn.txt.gz`)).toString("utf8"), r.stdout);
  });

  it.skipIf(!c)("-A mfm=fields:errors without sample numbers, two captures in one call", async () => {
    const f = `${SAMPLES_DIR}/${c!.file}`;
    const r = await run(["decode", f, f, "-P", `mfm:${c!.options}`, "-A", "mfm=fields:errors"]);
    expect(r.code).toBe(0);
    const one = readFileSync(`${ORACLE_DIR}/${c!.stem}/fields_errors.txt`, "utf8");
    expect(r.stdout).toBe(one + one);
  });

  it.skipIf(!c)("--json with -A: one object per annotation line", async () => {
    const r = await run(["decode", `${SAMPLES_DIR}/${c!.file}`, "-P", `mfm:${c!.options}`, "-A", "mfm=fields", "--json"]);
    expect(r.code).toBe(0);
    const objs = r.stdout.trim().split("\n").map((l) => JSON.parse(l));
    const expected = readFileSync(`${ORACLE_DIR}/${c!.stem}/fields_sn.txt`, "utf8").trim().split("\n");
    expect(objs.map((o) => `${o.start}-${o.end} mfm-1: ${o.texts[0]}`)).toEqual(expected);
    expect(Object.keys(objs[0])).toEqual(["start", "end", "class", "row", "texts"]);
    expect(objs[0].row).toBe("fields");
  });

  it("an unknown row or class exits 2 with one line", async () => {
    const r = await run(["decode", "--demo", "-A", "mfm=nope"]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toMatch(/nope/);
    expect(r.stdout).toBe("");
  });

  it("-A and -B together are refused", async () => {
    const r = await run(["decode", "--demo", "-A", "mfm", "-B", "mfm=id"]);
    expect(r.code).toBe(2);
  });
});

// ---------------------------------------------------------------------------
// Index reports (§6.6) on synthetic captures with index pulses.

const SPT = 3;
const base = synthTrack({ format: "MFM", indexPulse: true, sectorsPerTrack: SPT, seed: 11 });

/** `revs` copies of the synthetic track back to back, one index pulse near the start of each. */
function revolutions(revs: number, level?: (rev: number) => "pulse" | "low"): EdgeCapture {
  const e = base.edges;
  const len = e.sampleCount ?? e.edges[e.edges.length - 1] + 1;
  const edges = new Float64Array(e.edges.length * revs);
  for (let r = 0; r < revs; r++) for (let i = 0; i < e.edges.length; i++) edges[r * e.edges.length + i] = e.edges[i] + r * len;
  // The index pulse: where base has the index low.
  const lowFrom = e.edges[e.index!.indexOf(0)];
  const lowTo = e.edges[e.index!.lastIndexOf(0)];
  const positions: number[] = [];
  for (let r = 0; r < revs; r++) positions.push(lowFrom + r * len);
  const cap = edgeCapture(edges, e.sampleRate, { index: { positions, width: lowTo - lowFrom + 1 }, sampleCount: len * revs });
  if (level) {
    const idx = cap.index!;
    for (let r = 0; r < revs; r++) {
      if (level(r) === "low") idx.fill(0, r * e.edges.length, (r + 1) * e.edges.length);
    }
  }
  return cap;
}

/** Edge numbers where an index pulse begins (level goes 1 → 0, or 0 at the first edge). */
function pulseStarts(cap: EdgeCapture): number[] {
  const out: number[] = [];
  const idx = cap.index!;
  for (let i = 0; i < idx.length; i++) if (idx[i] === 0 && (i === 0 || idx[i - 1] !== 0)) out.push(i);
  return out;
}

async function reports(cap: Capture, opts: string, backend: "js" | "wasm"): Promise<{ all: Annotation[]; rpt: Annotation[] }> {
  const r = await decode(cap, `${base.options}:${opts}`, { backend, logBytes: true });
  const all = annotationObjects(r);
  return { all, rpt: all.filter((a) => a.class === "rpt") };
}

function parseSummary(text: string): Record<string, number> {
  const m = /^Summary: IAM=(\d+), IDAM=(\d+), DAM=(\d+), DDAM=(\d+), CRC_OK=(\d+), CRC_err=(\d+), EiPW=(\d+), CkEr=(\d+), OoTI=(\d+)\/(\d+)$/.exec(text);
  if (!m) throw new Error(`not a summary: ${text}`);
  const [IAM, IDAM, DAM, DDAM, CRC_OK, CRC_err, EiPW, CkEr, OoTI, Intrvls] = m.slice(1).map(Number);
  return { IAM, IDAM, DAM, DDAM, CRC_OK, CRC_err, EiPW, CkEr, OoTI, Intrvls };
}

for (const backend of BACKENDS) {
  describe(`index reports (${backend})`, () => {
    it("the synthetic track decodes and has one index pulse per revolution", async () => {
      const cap = revolutions(4);
      expect(pulseStarts(cap)).toHaveLength(4);
      const r = await decode(cap, base.options, { backend });
      expect(r.records.filter((x) => x.kind === "id" && x.crc?.ok)).toHaveLength(4 * SPT);
    });

    it("report_qty=1: reports cover revolutions 1→2, 3→4, 5→6 (one in two skipped)", async () => {
      const cap = revolutions(6);
      const starts = pulseStarts(cap).map((i) => cap.edges[i]);
      const { rpt, all } = await reports(cap, "report=Index:report_qty=1", backend);
      expect(rpt.map((a) => [a.start, a.end])).toEqual([[starts[0], starts[1]], [starts[2], starts[3]], [starts[4], starts[5]]]);
      const s = rpt.map((a) => parseSummary(a.texts[0]));
      // Counters cover the span since the previous report: one revolution, then two.
      expect(s.map((x) => x.IDAM)).toEqual([SPT, 2 * SPT, 2 * SPT]);
      expect(s.map((x) => x.DAM)).toEqual([SPT, 2 * SPT, 2 * SPT]);
      expect(s.every((x) => x.EiPW === 0 && x.CRC_err === 0)).toBe(true);
      // Intrvls counts every edge up to and including the report's edge.
      const edgeNo = pulseStarts(cap);
      expect(s.map((x) => x.Intrvls)).toEqual([edgeNo[1] + 1, edgeNo[3] - edgeNo[1], edgeNo[5] - edgeNo[3]]);
      // The report comes right after the pulse annotation of its edge.
      for (const a of rpt) {
        const i = all.indexOf(a);
        expect(["pul", "erp"]).toContain(all[i - 1].class);
        expect(all[i - 1].end).toBe(a.end);
      }
    });

    it("report_qty=2: reports cover revolutions 1→3 and 4→6", async () => {
      const cap = revolutions(7);
      const starts = pulseStarts(cap).map((i) => cap.edges[i]);
      const { rpt } = await reports(cap, "report=Index:report_qty=2", backend);
      expect(rpt.map((a) => [a.start, a.end])).toEqual([[starts[0], starts[2]], [starts[3], starts[5]]]);
    });

    it("an index line held at 0 never reports", async () => {
      const cap = revolutions(4, () => "low");
      expect(pulseStarts(cap)).toEqual([0]);
      expect((await reports(cap, "report=Index:report_qty=1", backend)).rpt).toEqual([]);
    });

    it("no index channel, or another report setting: no Index report", async () => {
      const cap = revolutions(4);
      const noIndex: EdgeCapture = { ...cap, index: undefined };
      expect((await reports(noIndex, "report=Index:report_qty=1", backend)).rpt).toEqual([]);
      expect((await reports(cap, "report=no", backend)).rpt).toEqual([]);
    });

    it("the logic-sample capture (index on channel 1) gives the same stream as its edges", async () => {
      const synth = synthTrack({ format: "MFM", indexPulse: true, sectorsPerTrack: 1 });
      const a = await decode(synth.capture, `${synth.options}:report=Index`, { backend, logBytes: true });
      const b = await decode(synth.edges, `${synth.options}:report=Index`, { backend, logBytes: true });
      expect(annotationText(a, { sampleNumbers: true })).toBe(annotationText(b, { sampleNumbers: true }));
    });

    it("report=IDAM:report_qty=2 reports right after every second ID mark, ending at the mark's last byte", async () => {
      const cap = revolutions(2);
      const { all, rpt } = await reports(cap, "report=IDAM:report_qty=2", backend);
      expect(rpt).toHaveLength(Math.floor((2 * SPT) / 2));
      for (const a of rpt) {
        const i = all.indexOf(a);
        expect(all[i - 1].texts[0]).toBe("ID Address Mark");
        const byte = all.slice(0, i).reverse().find((x) => x.class === "byt")!;
        expect(a.end).toBe(byte.start);
        expect(parseSummary(a.texts[0]).IDAM).toBe(2);
      }
    });
  });
}
