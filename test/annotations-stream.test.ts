// Annotations made while a capture streams (src/annotate/incremental.ts) equal
// the original's files and the whole-capture walk, byte for byte: every shared
// capture cut into random chunk sizes (1 byte and up, cutting sync marks and
// sample units), on both backends, for the whole stream and every row the
// oracle has, also as --json objects; edge captures with index reports; a
// writer that makes the stream wait (backpressure); the CLI streaming a big session.
import { describe, it, expect, beforeAll } from "vitest";
import { readFileSync } from "node:fs";
import { gunzipSync } from "node:zlib";
import { Writable } from "node:stream";
import { readCapture, readCaptureFile } from "../src/readers/index.js";
import { decode } from "../src/decode.js";
import type { EdgeCapture, LogicCapture } from "../src/capture.js";
import { annotate, annotationObjects, annotationText, parseAnnotationFilter } from "../src/annotate/index.js";
import { annotationNeeds } from "../src/annotate/classes.js";
import { AnnotationStream, annotateCapture, annotateSampleChunks, type AnnotationStreamOptions } from "../src/annotate/incremental.js";
import { synthTrack } from "../src/encode/synth.js";
import { edgeCapture } from "../src/encode/flux.js";
import { addNoise } from "../src/encode/noise.js";
import { LazyRing, RING, WindowRing } from "../src/annotate/ring.js";
import { LineBuffer } from "../src/annotate/lines.js";
import fc from "fast-check";
import { resolveOptions } from "../src/options.js";
import { main } from "../src/cli/main.js";
import { SAMPLES_DIR, ORACLE_DIR, haveShared, oracleCaptures, warnMissing, firstDifference } from "./support/shared.js";
import { bigDsl, bitPlane } from "./support/dsl-writer.js";

const BACKENDS = ["js", "wasm"] as const;
const captures = oracleCaptures();

/** Deterministic chunk sizes: mostly large, some tiny (1..7 bytes), some odd mid sizes. */
function chunkSizes(seed: number, count = 64): number[] {
  let s = seed >>> 0;
  const next = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
  return Array.from({ length: count }, () => {
    const r = next();
    if (r < 0.2) return 1 + Math.floor(next() * 7);
    if (r < 0.6) return 1 + Math.floor(next() * 5000);
    return 1 + Math.floor(next() * 400_000);
  });
}

/** A piece as text (text pieces are ASCII bytes, JSON pieces strings). */
function asText(p: Uint8Array | string): string {
  return typeof p === "string" ? p : Buffer.from(p.buffer, p.byteOffset, p.byteLength).toString("latin1");
}

function pieces(capture: LogicCapture, sizes: number[]): Uint8Array[] {
  const data = capture.samples.subarray(0, capture.sampleCount * capture.unitSize);
  const out: Uint8Array[] = [];
  for (let at = 0, i = 0; at < data.length; i++) {
    const n = sizes[i % sizes.length];
    out.push(data.subarray(at, at + n));
    at += n;
  }
  return out;
}

/** Streams `capture` in the given chunk sizes; the text as written, and how many writes. */
async function streamed(capture: LogicCapture, options: string, opts: AnnotationStreamOptions, sizes: number[]): Promise<string> {
  const parts: string[] = [];
  await annotateSampleChunks(pieces(capture, sizes), capture, options, opts, (t) => void parts.push(asText(t)));
  return parts.join("");
}

function expectSameText(expected: string, actual: string, what: string): void {
  if (actual !== expected) {
    expect.fail(`${what}: lines expected ${expected.split("\n").length - 1}, got ${actual.split("\n").length - 1}\n${firstDifference(expected, actual)}`);
  }
}

/** The sigrok-cli commands of cmd.txt: output file → options, -A filter, sample numbers. */
function oracleCommands(stem: string): Map<string, { options: string; filter: string; sampleNumbers: boolean }> {
  const out = new Map<string, { options: string; filter: string; sampleNumbers: boolean }>();
  for (const line of readFileSync(`${ORACLE_DIR}/${stem}/cmd.txt`, "utf8").split("\n")) {
    const m = / -P mfm:(\S+) -A (\S+)( --protocol-decoder-samplenum)? > (\S+)$/.exec(line);
    if (m) out.set(m[4], { options: m[1], filter: m[2], sampleNumbers: m[3] !== undefined });
  }
  return out;
}

describe("which log each row needs (spec §6)", () => {
  it("fields need no byte log and no edge walk; errors and reports (but report=Index) the edge walk only; the per-bit rows both", () => {
    const need = (spec: string) => annotationNeeds(parseAnnotationFilter(spec));
    expect(need("mfm=fields")).toEqual({ bytes: false, edges: false, ring: false });
    expect(need("mfm=bytes")).toEqual({ bytes: true, edges: false, ring: false });
    expect(need("mfm=pulses")).toEqual({ bytes: false, edges: true, ring: false });
    expect(need("mfm=reports")).toEqual({ bytes: true, edges: true, ring: false }); // report=Index: the last byte's end
    for (const report of ["no", "IAM", "IDAM", "DAM", "DDAM"]) {
      expect(annotationNeeds(parseAnnotationFilter("mfm=reports"), report)).toEqual({ bytes: false, edges: true, ring: false });
    }
    expect(annotationNeeds(parseAnnotationFilter("mfm=reports"), "Index")).toEqual({ bytes: true, edges: true, ring: false });
    expect(need("mfm=errors")).toEqual({ bytes: false, edges: true, ring: true });
    expect(need("mfm=fields:errors")).toEqual({ bytes: false, edges: true, ring: true });
    expect(need("mfm=errors:bytes")).toEqual({ bytes: true, edges: true, ring: true });
    expect(need("mfm=windows")).toEqual({ bytes: true, edges: true, ring: true });
    expect(need("mfm")).toEqual({ bytes: true, edges: true, ring: true });
  });
});

if (!haveShared) {
  warnMissing("streamed annotation tests");
  it.skip("streamed annotation tests (shared samples/oracle missing)", () => {});
}

for (const backend of BACKENDS) {
  describe(`streamed annotations vs the original (${backend})`, () => {
    captures.forEach((c, ci) => {
      describe(c.stem, () => {
        let capture: LogicCapture;
        beforeAll(async () => {
          capture = await readCaptureFile(`${SAMPLES_DIR}/${c.file}`);
        });

        it("the whole stream, in random chunks, equals annotations_sn.txt.gz", async () => {
          const seed = 1000 + ci * 7 + (backend === "js" ? 1 : 0);
          const expected = gunzipSync(readFileSync(`${ORACLE_DIR}/${c.stem}/annotations_sn.txt.gz`)).toString("utf8");
          expectSameText(expected, await streamed(capture, c.options, { backend, sampleNumbers: true }, chunkSizes(seed)), `seed ${seed}`);
        });

        it("every row file of the oracle, in random chunks", async () => {
          const cmds = oracleCommands(c.stem);
          let i = 0;
          for (const file of ["fields_errors_sn.txt", "fields_errors.txt", "reports.txt", "reports_q1_sn.txt", "fields_sn.txt", "fields.txt"]) {
            const cmd = cmds.get(file);
            if (!cmd) return expect.fail(`no command for ${file} in ${c.stem}/cmd.txt`);
            const seed = 5000 + ci * 31 + i++;
            const actual = await streamed(capture, cmd.options, { backend, classes: parseAnnotationFilter(cmd.filter), sampleNumbers: cmd.sampleNumbers }, chunkSizes(seed));
            expectSameText(readFileSync(`${ORACLE_DIR}/${c.stem}/${file}`, "utf8"), actual, `${file}, seed ${seed}`);
          }
        });
      });
    });
  });
}

describe("streamed annotations vs the whole-capture walk", () => {
  // (the whole stream as JSON objects is slow to build twice: the two smaller captures)
  const picks = [["hdd_mfm_RQDX3_sector", true], ["fdd_fm", true], ["hdd_rll_ACB4070", false], ["hdd_mfm_OMTI8240", false]] as const;
  for (const backend of BACKENDS) {
    for (const [stem, withJson] of picks) {
      const c = captures.find((x) => x.stem === stem);
      if (!c && haveShared) console.warn(`SKIPPED streamed vs whole-capture walk, ${stem} (${backend}): not among the shared captures`);
      it.skipIf(!c)(`${stem} (${backend}): text without sample numbers, rows${withJson ? ", and --json objects with every text variant" : ""}`, async () => {
        const capture = await readCaptureFile(`${SAMPLES_DIR}/${c!.file}`);
        const whole = await decode(capture, c!.options, { backend, logBytes: true });
        expectSameText(annotationText(whole), await streamed(capture, c!.options, { backend }, chunkSizes(77)), "text");
        if (withJson) {
          const json = annotationObjects(whole).map((a) => JSON.stringify({ capture: "x", ...a }) + "\n").join("");
          expectSameText(json, await streamed(capture, c!.options, { backend, json: true, jsonExtra: { capture: "x" } }, chunkSizes(78)), "json");
        }
        for (const rows of [["fields"], ["bytes"], ["pulses", "reports"], ["windows", "bits"], ["errors", "fields"]]) {
          const exp = annotate(whole, { classes: rows, sampleNumbers: true }).join("");
          expectSameText(exp, await streamed(capture, c!.options, { backend, classes: rows, sampleNumbers: true }, chunkSizes(79)), rows.join(":"));
        }
      });
    }
  }
});

describe("LineBuffer", () => {
  it("writes exactly the lines the template `${start}-${end} mfm-1: ${text}\\n` gives, in pieces of whole lines", () => {
    const num = fc.oneof(fc.nat(), fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }), fc.double({ noNaN: true }), fc.constantFrom(0, -0, 9, 10, 99, 100, 1e15, 2 ** 53));
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.boolean(), num, num, fc.string({ unit: "binary", maxLength: 40 })), { maxLength: 200 }), fc.integer({ min: 1, max: 300 }), (lines, piece) => {
        const out: Uint8Array[] = [];
        const b = new LineBuffer(piece, (x) => void out.push(x));
        let expected = "";
        for (const [sn, start, end, text] of lines) {
          b.line(sn, start, end, text);
          expected += sn ? `${start}-${end} mfm-1: ${text}\n` : `mfm-1: ${text}\n`;
        }
        b.flush();
        b.release(); // (the next case's LineBuffer reuses its buffer: what was handed over must not change)
        const bytes = Buffer.concat(out);
        expect(bytes.toString("utf8")).toBe(Buffer.from(expected, "utf8").toString("utf8"));
        for (const x of out) expect(x[x.length - 1]).toBe(0x0a);
      }),
      { numRuns: 300, seed: 3 },
    );
  });

  it("grows from a small buffer to its piece size: long lines (up to 16 K characters, some not ASCII) and big pieces", () => {
    const text = fc.oneof(
      fc.string({ unit: "binary", maxLength: 40 }),
      fc.integer({ min: 1000, max: 16000 }).map((n) => "x".repeat(n)),
      fc.integer({ min: 1000, max: 4000 }).map((n) => "é€".repeat(n)),
    );
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(), text), { maxLength: 120 }), fc.constantFrom(1 << 14, 1 << 16, 1 << 18, 1 << 20), (lines, piece) => {
        const out: Uint8Array[] = [];
        const b = new LineBuffer(piece, (x) => void out.push(x));
        let expected = "";
        for (const [start, t] of lines) {
          b.line(true, start, start + 1, t);
          expected += `${start}-${start + 1} mfm-1: ${t}\n`;
        }
        b.flush();
        b.release();
        new LineBuffer(piece, () => undefined).line(true, 0, 1, "overwrites a reused buffer, not the pieces handed over");
        expect(Buffer.concat(out).toString("utf8")).toBe(expected);
        for (const x of out) expect(x[x.length - 1]).toBe(0x0a);
        // a piece goes out once it reaches `piece` bytes: none is longer than that and its last line
        for (const x of out) expect(x.length).toBeLessThan(piece + 65536);
      }),
      { numRuns: 60, seed: 5 },
    );
  });
});

describe("LazyRing", () => {
  it("sync() leaves every window (relative to the newest) as replaying each edge does, at any sync points", () => {
    fc.assert(
      fc.property(
        fc.boolean(),
        // one window per edge (so the oldest window comes from the oldest edge) or many; syncs now and then (rebuilds)
        fc.array(
          fc.record({ gap: fc.double({ min: 0.5, max: 400, noNaN: true }), n: fc.integer({ min: 0, max: 90 }), sync: fc.integer({ min: 0, max: 50 }).map((x) => x === 0) }),
          { minLength: 1, maxLength: 400, size: "max" },
        ),
        (oneWindow, steps) => {
          const eager = new WindowRing(), lazy = new LazyRing();
          let t = 0;
          for (const s of steps) {
            const p0 = t;
            t = Math.round((t + s.gap) * 8) / 8;
            if (t <= p0) t = p0 + 1;
            const n = oneWindow ? s.n & 1 : s.n;
            eager.replay(p0, t, t - p0, n);
            lazy.note(p0, t, t - p0, n);
            if (!s.sync && s !== steps[steps.length - 1]) continue;
            const r = lazy.sync();
            for (let off = 0; off > -RING; off--) {
              const a = eager.index(off), b = r.index(off);
              if (eager.start[a] !== r.start[b] || eager.end[a] !== r.end[b] || eager.value[a] !== r.value[b]) return false;
            }
          }
          return true;
        },
      ),
      { numRuns: 300, seed: 12 },
    );
  });
});

describe("the ring replayed lazily (errors only) equals the ring replayed at every edge", () => {
  for (const backend of BACKENDS) {
    for (const format of ["MFM", "FM"] as const) {
      it(`${format} (${backend}): noisy tracks (MFM: with Clock Errors), whole and streamed`, async () => {
        let clockErrors = 0;
        for (const seed of [1, 2, 3]) {
          const t = synthTrack({ format, sectorsPerTrack: 4, seed });
          const cell = t.edges.sampleRate / (2 * resolveOptions(t.options).dataRate);
          const noisy = addNoise(t.edges, { cell, jitter: 0.12, dropout: 3e-3, extra: 3e-3, seed: 10 + seed });
          const whole = await decode(noisy, t.options, { backend, logBytes: true });
          // every class at once replays the ring at every edge; errors alone replay it only at bytes with clock errors
          const eager = annotationObjects(whole).filter((a) => a.class === "err");
          clockErrors += eager.filter((a) => a.texts[0] === "Clock Error").length;
          expect(annotationObjects(whole, { classes: ["errors"] })).toEqual(eager);
          const parts: string[] = [];
          await annotateCapture(noisy, t.options, { backend, classes: ["errors"], sampleNumbers: true }, (x) => void parts.push(asText(x)));
          expect(parts.join("")).toBe(eager.map((a) => `${a.start}-${a.end} mfm-1: ${a.texts[0]}\n`).join(""));
        }
        // FM's PLL loses the track before its clock check fires; MFM's clock errors are the point here
        if (format === "MFM") expect(clockErrors).toBeGreaterThan(20);
      });
    }
  }
});

describe("streamed annotations of edge captures (index reports)", () => {
  const t = synthTrack({ format: "MFM", indexPulse: true, sectorsPerTrack: 3, seed: 11 });
  /** `revs` copies of the track back to back with an index pulse near each start. */
  function revolutions(revs: number): EdgeCapture {
    const e = t.edges;
    const len = e.sampleCount ?? e.edges[e.edges.length - 1] + 1;
    const edges = new Float64Array(e.edges.length * revs);
    for (let r = 0; r < revs; r++) for (let i = 0; i < e.edges.length; i++) edges[r * e.edges.length + i] = e.edges[i] + r * len;
    const lowFrom = e.edges[e.index!.indexOf(0)], lowTo = e.edges[e.index!.lastIndexOf(0)];
    const positions = Array.from({ length: revs }, (_, r) => lowFrom + r * len);
    return edgeCapture(edges, e.sampleRate, { index: { positions, width: lowTo - lowFrom + 1 }, sampleCount: len * revs });
  }
  for (const backend of BACKENDS) {
    it(`report=Index (${backend}): the same stream and reports as the whole walk`, async () => {
      const cap = revolutions(5);
      const options = `${t.options}:report=Index:report_qty=1`;
      const whole = await decode(cap, options, { backend, logBytes: true });
      const expected = annotationText(whole, { sampleNumbers: true });
      expect(annotate(whole, { classes: ["reports"] }).length).toBeGreaterThanOrEqual(2);
      const parts: string[] = [];
      await annotateCapture(cap, options, { backend, sampleNumbers: true }, (s) => void parts.push(asText(s)));
      expectSameText(expected, parts.join(""), "edges");
    });
  }
});

describe("backpressure and pieces", () => {
  const c = captures.find((x) => x.stem === "hdd_mfm_EV346");
  if (!c && haveShared) console.warn("SKIPPED backpressure tests: hdd_mfm_EV346 not among the shared captures");
  it.skipIf(!c)("a writer that makes the stream wait gets one piece at a time, each whole lines of about 1 MB", async () => {
    const capture = await readCaptureFile(`${SAMPLES_DIR}/${c!.file}`);
    let pending = false, overlaps = 0, largest = 0;
    const parts: string[] = [];
    await annotateSampleChunks([capture.samples], capture, c!.options, { backend: "wasm", sampleNumbers: true }, (piece) => {
      const s = asText(piece);
      if (pending) overlaps++;
      pending = true;
      parts.push(s);
      largest = Math.max(largest, s.length);
      expect(s.endsWith("\n")).toBe(true);
      return new Promise<void>((r) => setTimeout(() => { pending = false; r(); }, 1));
    });
    expect(overlaps).toBe(0);
    expect(parts.length).toBeGreaterThan(4);
    expect(largest).toBeLessThan(2 << 20);
    expect(parts.join("")).toBe(gunzipSync(readFileSync(`${ORACLE_DIR}/${c!.stem}/annotations_sn.txt.gz`)).toString("utf8"));
  });

  it.skipIf(!c)("the CLI waits for 'drain' on a slow stdout and prints the same bytes", async () => {
    let text = "", writes = 0;
    const slow = new Writable({
      highWaterMark: 1 << 16,
      write(chunk, _enc, cb) { text += String(chunk); writes++; setTimeout(cb, 0); },
    });
    let drains = 0;
    slow.on("drain", () => drains++);
    const err = new Writable({ write(_c, _e, cb) { cb(); } });
    const code = await main(["decode", `${SAMPLES_DIR}/${c!.file}`, "-P", `mfm:${c!.options}`, "-A", "mfm", "--protocol-decoder-samplenum", "--backend", "wasm"], slow, err);
    await new Promise<void>((r) => slow.end(r));
    expect(code).toBe(0);
    expect(drains).toBeGreaterThan(0);
    expect(writes).toBeGreaterThan(4);
    expect(text).toBe(gunzipSync(readFileSync(`${ORACLE_DIR}/${c!.stem}/annotations_sn.txt.gz`)).toString("utf8"));
  });

  it("a stream used after a failure is not reused; decoder=legacy is refused with a clear error", async () => {
    const t = synthTrack({ format: "MFM", sectorsPerTrack: 1 });
    await expect(AnnotationStream.open({ sampleRate: t.edges.sampleRate }, `${t.options}:decoder=legacy`)).rejects.toMatchObject({ code: "E_OPTION" });
    const bad = annotateCapture({ ...t.edges, edges: Float64Array.of(5, 3) }, t.options, {}, () => undefined);
    await expect(bad).rejects.toMatchObject({ code: "E_ARGUMENT" });
  });
});

describe("CLI: -A on a big session streams it", () => {
  it("a 96 Mi-sample .dsl (over the streaming threshold): -A mfm=fields and --json equal the whole walk", async () => {
    const t = synthTrack({ format: "MFM", seed: 3 });
    const n = 96 * 2 ** 20;
    const dsl = bigDsl(bitPlane(t.capture, 0), n, t.capture.sampleRate);
    const { writeFileSync, mkdtempSync } = await import("node:fs");
    const { tmpdir } = await import("node:os");
    const path = `${mkdtempSync(`${tmpdir()}/diskflux-ann-`)}/big.dsl`;
    writeFileSync(path, dsl);
    const whole = await decode(await readCapture(dsl, "big.dsl"), t.options, { backend: "wasm", keepEvents: true });
    const expected = annotate(whole, { classes: ["fields"], sampleNumbers: true }).join("");
    expect(expected.split("\n").length).toBeGreaterThan(100);
    const run = async (args: string[]) => {
      let out = "";
      const sink = new Writable({ write(chunk, _e, cb) { out += String(chunk); cb(); } });
      const err = new Writable({ write(_c, _e, cb) { cb(); } });
      const code = await main(["decode", path, "-P", `mfm:${t.options}`, "--backend", "wasm", ...args], sink, err);
      return { code, out };
    };
    const text = await run(["-A", "mfm=fields", "--protocol-decoder-samplenum"]);
    expect(text.code).toBe(0);
    expectSameText(expected, text.out, "fields");
    const json = await run(["-A", "mfm=fields", "--json"]);
    expect(json.out).toBe(annotationObjects(whole, { classes: ["fields"] }).map((a) => JSON.stringify(a) + "\n").join(""));
  }, 120_000);
});
