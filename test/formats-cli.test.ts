// The convert and synth command functions (wired into `diskflux convert|synth`
// by src/cli/main.ts): files written, what they decode to, exit codes and
// one-line error messages.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { convertCommand } from "../src/cli/convert.js";
import { synthCommand } from "../src/cli/synth.js";
import { logicToEdges } from "../src/capture.js";
import { decode } from "../src/decode.js";
import { synthTrack } from "../src/encode/synth.js";
import { readAnyCaptureFile, readCaptureFile } from "../src/readers/index.js";
import { readTr } from "../src/readers/tr.js";
import { readVcd } from "../src/readers/vcd.js";
import { writeSigrok } from "../src/writers/sigrok.js";
import { writeTr } from "../src/writers/tr.js";
import { ORACLE_DIR, SAMPLES_DIR, haveShared, warnMissing } from "./support/shared.js";

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "diskflux-cli-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const p = (name: string) => join(dir, name);

async function run(cmd: typeof convertCommand, args: string[]) {
  let out = "", err = "";
  const stream = (f: (s: string) => void) => ({ write: (s: string | Uint8Array) => (f(typeof s === "string" ? s : Buffer.from(s).toString()), true) }) as unknown as NodeJS.WritableStream;
  const code = await cmd(args, stream((s) => (out += s)), stream((s) => (err += s)));
  return { code, out, err };
}

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");

describe("diskflux synth", () => {
  it("writes the .sr that synthTrack makes, and prints the options that decode it", async () => {
    const r = await run(synthCommand, ["--format", "MFM", "--cyl", "0", "--head", "0", "--sectors", "17", "--size", "512", "--rate", "100e6", "--jitter", "0.02", "--seed", "1", "-o", p("out.sr")]);
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
    expect(r.out).toContain("decode with: -P mfm:data_rate=5000000:format=MFM\n");
    const ref = synthTrack({ format: "MFM", sectorsPerTrack: 17, sectorSize: 512, sampleRate: 100e6, jitter: 0.02, seed: 1 });
    expect(Buffer.compare(readFileSync(p("out.sr")), Buffer.from(writeSigrok(ref.capture)))).toBe(0);
  });

  it("writes several tracks to one .tr, with bad, bad-ID and missing sectors", async () => {
    const r = await run(synthCommand, ["--format", "MFM", "--cyl", "0-1", "--head", "0-1", "--sectors", "6", "--bad", "1", "--bad-id", "2", "--missing", "4-5", "-o", p("disk.tr")]);
    expect([r.code, r.err]).toEqual([0, ""]);
    expect(r.out).toMatch(/^.*disk\.tr: 4 tracks \(cyl 0-1, head 0-1\), MFM, 6 sectors x 512 bytes per track, 200 MHz \(bad data CRC: 1; bad ID CRC: 2; no data field: 4,5\)\n/);
    const tr = readTr(readFileSync(p("disk.tr")));
    expect(tr.tracks.map((t) => `${t.cyl}/${t.head}`)).toEqual(["0/0", "0/1", "1/0", "1/1"]);
    expect(tr.commandLine).toBe("--heads 2 --cylinders 2"); // mfm_read options, which mfm_util parses
    expect(tr.note).toMatch(/^diskflux synth: MFM, 6 sectors x 512 bytes per track/);
    for (const t of tr.tracks) {
      const res = await decode(t.capture, "data_rate=5000000:format=MFM");
      const ids = res.records.filter((x) => x.kind === "id");
      expect(ids.map((x) => (x.kind === "id" ? [x.cyl, x.head, x.sec, x.crc?.ok] : []))).toEqual(
        [0, 1, 2, 3, 4, 5].map((s) => [t.cyl, t.head, s, s !== 2]),
      );
      expect(res.records.filter((x) => x.kind === "data").map((x) => x.crc?.ok)).toEqual([true, false, true, true]);
    }
  });

  it("writes .vcd (15 MHz FM, 1 ns ticks) that decodes to the synthesized sectors", async () => {
    const r = await run(synthCommand, ["--format", "FM", "--sectors", "3", "--seed", "7", "--index-pulse", "-o", p("fm.vcd")]);
    expect(r.code).toBe(0);
    const ref = synthTrack({ format: "FM", sectorsPerTrack: 3, seed: 7, indexPulse: true });
    const c = readVcd(readFileSync(p("fm.vcd")), "fm.vcd");
    expect(c.sampleRate).toBe(15e6);
    expect(hex(c.samples)).toBe(hex(ref.capture.samples));
    const res = await decode(c, ref.options);
    expect(res.records.filter((x) => x.kind === "data").map((x) => hex(x.bytes))).toEqual(ref.expected.map((s) => hex(s.data)));
  });

  it("one file per track with {cyl} and {head} in the name", async () => {
    const r = await run(synthCommand, ["--format", "RLL_WD", "--sectors", "2", "--head", "0-2", "-o", p("rll-{cyl}-{head}.sr")]);
    expect(r.code).toBe(0);
    for (const h of [0, 1, 2]) expect(existsSync(p(`rll-0-${h}.sr`))).toBe(true);
  });

  it("usage errors exit 2 with one line", async () => {
    const bad = [
      ["--format", "GCR", "-o", p("x.sr")],
      ["--format", "MFM"],
      ["--format", "MFM", "-o", p("x.img")],
      ["--format", "MFM", "--head", "0-1", "-o", p("x.sr")],
      ["--format", "MFM", "--sectors", "many", "-o", p("x.sr")],
      ["--format", "MFM", "--rate", "fast", "-o", p("x.sr")],
      ["--format", "MFM", "--jitter", "-1", "-o", p("x.sr")],
      ["--format", "MFM", "--bad", "3-1", "-o", p("x.sr")],
      ["--format", "MFM", "--size", "300", "-o", p("x.sr")],
      ["--format", "MFM", "--data-rate", "123", "-o", p("x.sr")],
      ["--format", "MFM", "--frobnicate", "-o", p("x.sr")],
      ["--format", "MFM", "extra", "-o", p("x.sr")],
    ];
    for (const args of bad) {
      const r = await run(synthCommand, args);
      expect(r.code, args.join(" ")).toBe(2);
      expect(r.err, args.join(" ")).toMatch(/^diskflux: [^\n]+\n$/);
    }
    const h = await run(synthCommand, ["--help"]);
    expect(h.code).toBe(0);
    expect(h.out).toMatch(/^usage: diskflux synth/);
  });

  it("an unwritable output exits 1", async () => {
    const r = await run(synthCommand, ["--format", "MFM", "--sectors", "1", "-o", p("no/such/dir/x.sr")]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/cannot write it \(no such directory\)/);
  });
});

describe("diskflux convert", () => {
  const ref = synthTrack({ format: "MFM", sectorsPerTrack: 4, seed: 11, jitter: 0.02, indexPulse: true });
  const dataOf = async (c: Parameters<typeof decode>[0]) =>
    (await decode(c, ref.options)).records.filter((x) => x.kind === "data").map((x) => hex(x.bytes));
  const want = ref.expected.map((s) => hex(s.data));
  beforeAll(() => writeFileSync(p("ref.sr"), writeSigrok(ref.capture)));

  it(".sr -> .tr -> .sr -> .vcd, each decoding to the same sectors", async () => {
    let r = await run(convertCommand, [p("ref.sr"), p("ref.tr"), "--cyl", "3", "--head", "1", "--note", "hello"]);
    expect([r.code, r.err]).toEqual([0, ""]);
    expect(r.out).toMatch(/ref\.tr: 1 track of 200 MHz transitions \(from 100 MHz\), \d+ bytes\n$/);
    const tr = readTr(readFileSync(p("ref.tr")));
    expect([tr.tracks[0].cyl, tr.tracks[0].head, tr.cylinders, tr.heads, tr.note]).toEqual([3, 1, 4, 2, "hello"]);
    expect(await dataOf(tr.tracks[0].capture)).toEqual(want);

    r = await run(convertCommand, [p("ref.tr"), p("back.sr")]);
    expect(r.code).toBe(0);
    const back = await readCaptureFile(p("back.sr"));
    expect(back.sampleRate).toBe(200e6);
    expect(await dataOf(back)).toEqual(want);

    r = await run(convertCommand, [p("ref.tr"), p("back.vcd")]);
    expect(r.code).toBe(0);
    expect(readFileSync(p("back.vcd"), "utf8")).toContain("$comment Track 0: Cylinder 3, Head 1 $end");
    expect(await dataOf(readVcd(readFileSync(p("back.vcd")), "back.vcd"))).toEqual(want);
  });

  it("a logic capture to .vcd keeps every channel; --edges keeps the transitions", async () => {
    let r = await run(convertCommand, [p("ref.sr"), p("ref.vcd")]);
    expect(r.code).toBe(0);
    const v = readVcd(readFileSync(p("ref.vcd")), "ref.vcd");
    expect(hex(v.samples)).toBe(hex(ref.capture.samples));
    r = await run(convertCommand, [p("ref.sr"), p("ref-edges.vcd"), "--edges"]);
    expect(r.code).toBe(0);
    const e = readVcd(readFileSync(p("ref-edges.vcd")), "x", { as: "edges" });
    expect(Array.from(e.edges)).toEqual(Array.from(ref.edges.edges));
    // An edge capture with index levels becomes a 2-channel .sr whose decode keeps them.
    r = await run(convertCommand, [p("ref-edges.vcd"), p("ref-edges.sr")]);
    expect(r.code).toBe(0);
  });

  it("multi-track .tr: --track picks one, {cyl}/{head} names write all", async () => {
    const tracks = [0, 1, 2].map((h) => synthTrack({ format: "MFM", sectorsPerTrack: 2, head: h, seed: 20 + h, sampleRate: 200e6 }));
    writeFileSync(p("three.tr"), writeTr(tracks.map((t, h) => ({ cyl: 5, head: h, capture: t.edges }))));
    let r = await run(convertCommand, [p("three.tr"), p("one.vcd"), "--track", "5:2"]);
    expect(r.code).toBe(0);
    expect(Array.from(readVcd(readFileSync(p("one.vcd")), "x", { as: "edges" }).edges)).toEqual(Array.from(tracks[2].edges.edges));
    r = await run(convertCommand, [p("three.tr"), p("t-{cyl}-{head}.sr")]);
    expect(r.code).toBe(0);
    expect(r.out.trim().split("\n")).toHaveLength(3);
    for (const h of [0, 1, 2]) {
      const c = await readCaptureFile(p(`t-5-${h}.sr`));
      expect(Array.from(logicToEdges(c).edges)).toEqual(Array.from(tracks[h].edges.edges));
    }
    r = await run(convertCommand, [p("three.tr"), p("sub.tr"), "--track", "5:1"]);
    expect(r.code).toBe(0);
    const sub = readTr(readFileSync(p("sub.tr")));
    expect(sub.tracks.map((t) => [t.cyl, t.head])).toEqual([[5, 1]]);
    expect([sub.cylinders, sub.heads]).toEqual([6, 3]);
  });

  it("CSV input with --rate, data channel by name, leading edge from -P", async () => {
    const lines = ["idx,data"];
    const s = ref.capture.samples;
    for (let i = 0; i < ref.capture.sampleCount; i++) lines.push(`${(s[i] >> 1) & 1},${s[i] & 1}`);
    writeFileSync(p("ref.csv"), lines.join("\n"));
    let r = await run(convertCommand, [p("ref.csv"), p("csv.tr"), "--rate", "100MHz", "--channel", "data"]);
    expect([r.code, r.err]).toEqual([0, ""]);
    expect(await dataOf(readTr(readFileSync(p("csv.tr"))).tracks[0].capture)).toEqual(want);
    // Falling leading edges: each transition is then the end of a pulse, 10 samples later at most.
    r = await run(convertCommand, [p("ref.csv"), p("fall.tr"), "--rate", "100MHz", "--channel", "data", "-P", "mfm:leading_edge=falling"]);
    expect(r.code).toBe(0);
    const rising = readTr(readFileSync(p("csv.tr"))).tracks[0].capture.edges;
    const falling = readTr(readFileSync(p("fall.tr"))).tracks[0].capture.edges;
    expect(falling.length).toBe(rising.length);
    expect(falling[0] - rising[0]).toBeGreaterThan(0);
    r = await run(convertCommand, [p("ref.csv"), p("x.tr")]); // no sample rate anywhere
    expect(r.code).toBe(1);
  });

  it("errors: usage 2, unreadable input 1, one line each", async () => {
    const cases: [string[], number, RegExp][] = [
      [[p("ref.sr")], 2, /takes an input and an output/],
      [[p("ref.sr"), p("x.img")], 2, /must end in \.tr, \.vcd, \.sr, \.scp or \.hfe/],
      [[p("ref.sr"), p("x.tr"), "--track", "1:0"], 2, /single capture/],
      [[p("ref.sr"), p("x.tr"), "--track", "one"], 2, /--track takes CYL:HEAD/],
      [[p("three.tr"), p("x.vcd")], 2, /holds 3 tracks/],
      [[p("three.tr"), p("x.vcd"), "--track", "9:9"], 2, /no track cyl 9 head 9/],
      [[p("ref.sr"), p("x.tr"), "--channel", "nine"], 2, /no channel "nine"/],
      [[p("ref.sr"), p("x.tr"), "--leading-edge", "up"], 2, /rising or falling/],
      [[p("ref.sr"), p("x.tr"), "-P", "uart:baud=9600"], 2, /protocol decoder 'uart' not found/],
      [[p("nope.sr"), p("x.tr")], 1, /no such file/],
      [[p("ref.csv.missing"), p("x.tr")], 1, /no such file/],
    ];
    writeFileSync(p("junk.bin"), Uint8Array.of(1, 2, 3, 0, 255));
    cases.push([[p("junk.bin"), p("x.tr")], 1, /not a capture diskflux reads/]);
    const badTr = readFileSync(p("three.tr"));
    badTr[badTr.length - 20] ^= 0xff;
    writeFileSync(p("bad.tr"), badTr);
    cases.push([[p("bad.tr"), p("x.vcd"), "--track", "5:0"], 1, /CRC .* does not match/]);
    for (const [args, code, msg] of cases) {
      const r = await run(convertCommand, args);
      expect(r.code, args.join(" ")).toBe(code);
      expect(r.err, args.join(" ")).toMatch(msg);
      expect(r.err.split("\n").filter(Boolean), args.join(" ")).toHaveLength(1);
    }
  });
});

describe("convert on the shared RQDX3 capture (100 MHz)", () => {
  if (!haveShared) {
    warnMissing("convert on the shared captures");
    it.skip("convert on the shared captures (shared samples/oracle missing)", () => {});
    return;
  }
  it("hdd_mfm_RQDX3.sr -> .tr -> .sr decodes to the oracle's sectors", async () => {
    let r = await run(convertCommand, [`${SAMPLES_DIR}/hdd_mfm_RQDX3.sr`, p("rq.tr")]);
    expect([r.code, r.err]).toEqual([0, ""]);
    r = await run(convertCommand, [p("rq.tr"), p("rq.sr")]);
    expect(r.code).toBe(0);
    const data = readFileSync(`${ORACLE_DIR}/hdd_mfm_RQDX3/data.bin`);
    const id = readFileSync(`${ORACLE_DIR}/hdd_mfm_RQDX3/id.bin`);
    for (const f of ["rq.tr", "rq.sr"]) {
      const any = await readAnyCaptureFile(p(f));
      const c = any.kind === "tracks" ? any.tracks[0].capture : any.capture;
      const res = await decode(c, "data_rate=5000000:format=MFM");
      expect(Buffer.compare(Buffer.from(res.binary.data), data), f).toBe(0);
      expect(Buffer.compare(Buffer.from(res.binary.id), id), f).toBe(0);
    }
  });
});
