// Capture readers (sigrok .sr, DSView .dsl) and the ZIP reader under them:
// every real capture against the oracle's show.txt and summary.tsv, then
// synthetic archives for the layouts and errors the samples do not cover.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import { crc32 as zlibCrc32 } from "node:zlib";
import { deflateSync, strToU8, zipSync, type Zippable } from "fflate";
import { describe, expect, it } from "vitest";
import type { LogicCapture } from "../src/capture.js";
import { DiskfluxError, type DiskfluxErrorCode } from "../src/errors.js";
import { readDsl } from "../src/readers/dsl.js";
import { channelIndex, readCapture, readCaptureFile, readSigrok } from "../src/readers/index.js";
import { parseSampleRate } from "../src/readers/sigrok.js";
import { crc32Js, ZipArchive, type ZipInflater } from "../src/readers/zip.js";
import { concatBytes } from "../src/bytesink.js";

const samplesDir = resolve(process.cwd(), process.env.DISKFLUX_SAMPLES ?? "../shared/samples");
const oracleDir = resolve(process.cwd(), process.env.DISKFLUX_ORACLE ?? "../shared/oracle");

// ---------------------------------------------------------------- helpers

async function rejection(p: Promise<unknown>): Promise<DiskfluxError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e, "expected a rejection").toBeInstanceOf(DiskfluxError);
  return e as DiskfluxError;
}

async function expectCode(p: Promise<unknown>, code: DiskfluxErrorCode, message?: RegExp): Promise<void> {
  const e = await rejection(p);
  expect(e.code, e.message).toBe(code);
  if (message) expect(e.message).toMatch(message);
  expect(e.message).not.toContain("\n");
}

/** Rising edges on channel 0: samples where bit 0 goes 0 -> 1 (sample 0 is never one). */
function risingEdges(c: LogicCapture, channel = 0): number {
  const { samples: s, unitSize: u, sampleCount: n } = c;
  const byte = channel >> 3;
  const bit = channel & 7;
  let edges = 0;
  let prev = (s[byte] >> bit) & 1;
  for (let i = 1; i < n; i++) {
    const v = (s[i * u + byte] >> bit) & 1;
    if (v && !prev) edges++;
    prev = v;
  }
  return edges;
}

/** Deterministic pseudo-random bytes (xorshift32). */
function noise(n: number, seed = 0x2545f491): Uint8Array {
  const out = new Uint8Array(n);
  let x = seed >>> 0;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    out[i] = x & 0xff;
  }
  return out;
}

function metadata(lines: Record<string, string | number>): Uint8Array {
  const body = Object.entries(lines).map(([k, v]) => `${k}=${v}`).join("\n");
  return strToU8(`[global]\nsigrok version=0.5.2\n\n[device 1]\n${body}\n`);
}

function sigrokZip(meta: Record<string, string | number>, chunks: Record<string, Uint8Array>): Uint8Array {
  const files: Zippable = { version: [strToU8("2"), { level: 0 }], metadata: metadata(meta) };
  for (const [name, data] of Object.entries(chunks)) files[name] = data;
  return zipSync(files);
}

interface RawEntry {
  name: string;
  /** Bytes as they sit in the file (already deflated for method 8). */
  payload: Uint8Array;
  method: number;
  crc: number;
  size: number;
  /** Streamed writer: zero sizes in the local header, a data descriptor after the data. */
  descriptor?: boolean;
  /** Declare this uncompressed size through a ZIP64 extra field. */
  zip64Size?: number;
}

/** A hand-built ZIP, so declared values can disagree with the data. */
function rawZip(entries: RawEntry[]): Uint8Array {
  const parts: Uint8Array[] = [];
  const central: Uint8Array[] = [];
  let pos = 0;
  const push = (b: Uint8Array) => {
    parts.push(b);
    pos += b.length;
  };
  for (const e of entries) {
    const name = strToU8(e.name);
    const offset = pos;
    const local = new DataView(new ArrayBuffer(30));
    local.setUint32(0, 0x04034b50, true);
    local.setUint16(4, 20, true);
    local.setUint16(6, e.descriptor ? 8 : 0, true);
    local.setUint16(8, e.method, true);
    if (!e.descriptor) {
      local.setUint32(14, e.crc, true);
      local.setUint32(18, e.payload.length, true);
      local.setUint32(22, e.zip64Size === undefined ? e.size : 0xffffffff, true);
    }
    local.setUint16(26, name.length, true);
    push(new Uint8Array(local.buffer));
    push(name);
    push(e.payload);
    if (e.descriptor) {
      const dd = new DataView(new ArrayBuffer(16));
      dd.setUint32(0, 0x08074b50, true);
      dd.setUint32(4, e.crc, true);
      dd.setUint32(8, e.payload.length, true);
      dd.setUint32(12, e.size, true);
      push(new Uint8Array(dd.buffer));
    }
    const extra = new Uint8Array(e.zip64Size === undefined ? 0 : 12);
    if (e.zip64Size !== undefined) {
      const x = new DataView(extra.buffer);
      x.setUint16(0, 1, true);
      x.setUint16(2, 8, true);
      x.setBigUint64(4, BigInt(e.zip64Size), true);
    }
    const c = new DataView(new ArrayBuffer(46));
    c.setUint32(0, 0x02014b50, true);
    c.setUint16(4, 20, true);
    c.setUint16(6, 20, true);
    c.setUint16(8, e.descriptor ? 8 : 0, true);
    c.setUint16(10, e.method, true);
    c.setUint32(16, e.crc, true);
    c.setUint32(20, e.payload.length, true);
    c.setUint32(24, e.zip64Size === undefined ? e.size : 0xffffffff, true);
    c.setUint16(28, name.length, true);
    c.setUint16(30, extra.length, true);
    c.setUint32(42, offset, true);
    central.push(new Uint8Array(c.buffer), name, extra);
  }
  const cdOffset = pos;
  for (const b of central) push(b);
  const eocd = new DataView(new ArrayBuffer(22));
  eocd.setUint32(0, 0x06054b50, true);
  eocd.setUint16(8, entries.length, true);
  eocd.setUint16(10, entries.length, true);
  eocd.setUint32(12, pos - cdOffset, true);
  eocd.setUint32(16, cdOffset, true);
  push(new Uint8Array(eocd.buffer));
  return concatBytes(parts);
}

function deflated(name: string, data: Uint8Array, over: Partial<RawEntry> = {}): RawEntry {
  return { name, payload: deflateSync(data), method: 8, crc: crc32Js(data), size: data.length, ...over };
}

// ---------------------------------------------------------------- real captures

function readOracle(stem: string): { rate: number; channels: string[]; count: number; unitSize: number } {
  const text = readFileSync(resolve(oracleDir, stem, "show.txt"), "utf8");
  const field = (re: RegExp): number => {
    const m = re.exec(text);
    if (!m) throw new Error(`${stem}/show.txt: no match for ${re}`);
    return Number(m[1]);
  };
  const channels = [...text.matchAll(/^- (.*): logic$/gm)].map((m) => m[1]);
  expect(channels.length).toBe(field(/^Channels: (\d+)$/m));
  return { rate: field(/^Samplerate: (\d+)$/m), channels, count: field(/^Logic sample count: (\d+)$/m), unitSize: field(/^Logic unitsize: (\d+)$/m) };
}

function readSummaryEdges(): Map<string, number> {
  const lines = readFileSync(resolve(oracleDir, "summary.tsv"), "utf8").trim().split("\n");
  const head = lines[0].split("\t");
  const name = head.indexOf("sample");
  const edges = head.indexOf("rising_edges_ch0");
  expect(name).toBeGreaterThanOrEqual(0);
  expect(edges).toBeGreaterThanOrEqual(0);
  const map = new Map<string, number>();
  for (const line of lines.slice(1)) {
    const cols = line.split("\t");
    map.set(cols[name].replace(/ \(converted\)$/, ""), Number(cols[edges]));
  }
  return map;
}

describe("real captures", () => {
  if (!existsSync(samplesDir)) {
    console.warn(`readers.test: samples folder ${samplesDir} is missing; set DISKFLUX_SAMPLES to run the real-capture tests`);
    it.skip(`real captures (samples folder ${samplesDir} is missing)`, () => {});
    return;
  }
  const files = readdirSync(samplesDir).filter((f) => /\.(sr|dsl)$/.test(f)).sort();

  it("finds captures and their oracle", () => {
    expect(files.length, `no .sr/.dsl files in ${samplesDir}`).toBeGreaterThan(0);
    expect(existsSync(oracleDir), `oracle folder ${oracleDir} is missing (set DISKFLUX_ORACLE)`).toBe(true);
  });

  for (const file of files) {
    it(`${file}: rate, channels, sample count and channel-0 rising edges match the oracle`, async () => {
      const stem = file.endsWith(".dsl") ? `${file.slice(0, -4)}_dsl` : file.replace(/\.sr$/, "");
      const want = readOracle(stem);
      const edges = readSummaryEdges().get(file);
      expect(edges, `${file} has no row in summary.tsv`).toBeTypeOf("number");

      const c = await readCaptureFile(resolve(samplesDir, file));
      expect(c.kind).toBe("logic");
      expect(c.source).toBe(file);
      expect(c.sampleRate).toBe(want.rate);
      expect(c.channels.map((ch) => ch.name)).toEqual(want.channels);
      expect(c.channels.map((ch) => ch.index)).toEqual(want.channels.map((_, k) => k));
      expect(c.sampleCount).toBe(want.count);
      expect(c.unitSize).toBe(want.unitSize);
      expect(c.samples.length).toBe(c.sampleCount * c.unitSize);
      expect(risingEdges(c)).toBe(edges);
    });
  }

  it("a truncated real .sr (first half) is E_CORRUPT", async () => {
    const sr = files.find((f) => f.endsWith(".sr"));
    expect(sr).toBeDefined();
    const bytes = readFileSync(resolve(samplesDir, sr!));
    await expectCode(readCapture(bytes.subarray(0, bytes.length >> 1), sr), "E_CORRUPT", new RegExp(`^${sr}: .*truncated`));
  });

  it("every inflater gives the same bytes and the CRCs agree with zlib", async () => {
    const sr = files.find((f) => f.endsWith(".sr"))!;
    const zip = ZipArchive.open(readFileSync(resolve(samplesDir, sr)), sr);
    const member = zip.members.find((m) => m.method === 8 && m.uncompressedSize > 100_000)!;
    expect(member).toBeDefined();
    const outs: Uint8Array[] = [];
    for (const inflater of ["zlib", "stream", "fflate"] as ZipInflater[]) outs.push(await zip.extract(member, { inflater }));
    expect(outs[0].length).toBe(member.uncompressedSize);
    expect(Buffer.compare(outs[0], outs[1])).toBe(0);
    expect(Buffer.compare(outs[0], outs[2])).toBe(0);
    expect(crc32Js(outs[0])).toBe(zlibCrc32(outs[0]) >>> 0);
    expect(crc32Js(outs[0])).toBe(member.crc32);
  });
});

// ---------------------------------------------------------------- sigrok, synthetic

describe("sigrok .sr", () => {
  it("concatenates logic-1-N chunks in numeric order, with unitsize 2 and named probes", async () => {
    const data = noise(12 * 40);
    const chunks: Record<string, Uint8Array> = {};
    // Written out of order; 10, 11, 12 sort after 9 only numerically.
    for (const n of [3, 12, 1, 10, 2, 11, 4, 5, 6, 7, 8, 9]) chunks[`logic-1-${n}`] = data.subarray((n - 1) * 40, n * 40);
    const probes: Record<string, string> = {};
    for (let k = 1; k <= 10; k++) probes[`probe${k}`] = k === 1 ? "RDATA" : `D${k - 1}`;
    const bytes = sigrokZip({ capturefile: "logic-1", "total probes": 10, samplerate: "12.5 kHz", ...probes, unitsize: 2 }, chunks);

    const c = await readCapture(bytes, "multi.sr");
    expect(c.sampleRate).toBe(12500);
    expect(c.unitSize).toBe(2);
    expect(c.sampleCount).toBe(240);
    expect(c.channels.length).toBe(10);
    expect(c.channels[0]).toEqual({ index: 0, name: "RDATA" });
    expect(c.channels[9]).toEqual({ index: 9, name: "D9" });
    expect(Buffer.compare(c.samples, data)).toBe(0);
    expect(c.source).toBe("multi.sr");

    expect(channelIndex(c, "RDATA")).toBe(0);
    expect(channelIndex(c, "D3")).toBe(3);
    expect(channelIndex(c, 9)).toBe(9);
    expect(channelIndex(c, "7")).toBe(7);
    expect(() => channelIndex(c, 10)).toThrowError(DiskfluxError);
    expect(() => channelIndex(c, "index")).toThrowError(/multi\.sr: no channel "index"/);
    try {
      channelIndex(c, "nope");
    } catch (e) {
      expect((e as DiskfluxError).code).toBe("E_ARGUMENT");
    }
  });

  it("accepts a single member named like capturefile and a plain-number samplerate", async () => {
    const data = noise(1000, 7);
    const bytes = zipSync({
      version: strToU8("1"),
      metadata: metadata({ capturefile: "logic-1", "total probes": 3, samplerate: 24000000, probe1: "a", probe2: "b", probe3: "c", unitsize: 1 }),
      "logic-1": data,
    });
    const c = await readSigrok(bytes, "v1.sr");
    expect(c.sampleRate).toBe(24_000_000);
    expect(c.sampleCount).toBe(1000);
    expect(c.channels.map((ch) => ch.name)).toEqual(["a", "b", "c"]);
    expect(Buffer.compare(c.samples, data)).toBe(0);
  });

  it("random garbage is E_FORMAT", async () => {
    await expectCode(readCapture(noise(5000), "junk.bin"), "E_FORMAT", /^junk\.bin: not a sigrok \.sr or DSView \.dsl capture$/);
    await expectCode(readCapture(new Uint8Array(0), "empty.sr"), "E_FORMAT", /^empty\.sr: /);
    await expectCode(readSigrok(noise(100), "junk.sr"), "E_FORMAT", /^junk\.sr: not a ZIP archive/);
  });

  it("a truncated .sr (first half) is E_CORRUPT", async () => {
    const bytes = sigrokZip({ capturefile: "logic-1", "total probes": 1, samplerate: "1 MHz", probe1: "0", unitsize: 1 }, { "logic-1-1": noise(4000) });
    await expectCode(readCapture(bytes.subarray(0, bytes.length >> 1), "half.sr"), "E_CORRUPT", /^half\.sr: ZIP archive is truncated/);
  });

  it("a zip without metadata is E_FORMAT", async () => {
    const bytes = zipSync({ "logic-1-1": noise(100), readme: strToU8("hello") });
    await expectCode(readCapture(bytes, "nometa.sr"), "E_FORMAT", /^nometa\.sr: not a sigrok/);
    await expectCode(readSigrok(bytes, "nometa.sr"), "E_FORMAT", /no "metadata" member/);
  });

  it("metadata without samplerate is E_CORRUPT", async () => {
    const bytes = sigrokZip({ capturefile: "logic-1", "total probes": 1, probe1: "0", unitsize: 1 }, { "logic-1-1": noise(64) });
    await expectCode(readCapture(bytes, "norate.sr"), "E_CORRUPT", /^norate\.sr: no samplerate in metadata; the decoder cannot work without it$/);
  });

  it("a samplerate that is not a frequency is E_CORRUPT", async () => {
    const bytes = sigrokZip({ capturefile: "logic-1", "total probes": 1, samplerate: "fast", unitsize: 1 }, { "logic-1-1": noise(64) });
    await expectCode(readCapture(bytes, "badrate.sr"), "E_CORRUPT", /samplerate "fast"/);
  });

  it("a data length that unitsize does not divide is E_CORRUPT", async () => {
    const bytes = sigrokZip({ capturefile: "logic-1", "total probes": 9, samplerate: "1 MHz", unitsize: 2 }, { "logic-1-1": noise(64), "logic-1-2": noise(7) });
    await expectCode(readCapture(bytes, "odd.sr"), "E_CORRUPT", /^odd\.sr: 71 bytes of samples is not a whole number of 2-byte samples/);
  });

  it("a missing chunk, more probes than unitsize holds, and no logic data are E_CORRUPT", async () => {
    const meta = { capturefile: "logic-1", "total probes": 1, samplerate: "1 MHz", unitsize: 1 };
    await expectCode(readCapture(sigrokZip(meta, { "logic-1-1": noise(8), "logic-1-3": noise(8) }), "gap.sr"), "E_CORRUPT", /"logic-1-2" is missing/);
    await expectCode(readCapture(sigrokZip({ ...meta, "total probes": 9 }, { "logic-1-1": noise(8) }), "wide.sr"), "E_CORRUPT", /9 channels/);
    await expectCode(readCapture(sigrokZip(meta, {}), "empty.sr"), "E_CORRUPT", /no logic data/);
  });

  it("parses sample rates", () => {
    expect(parseSampleRate("15 MHz")).toBe(15_000_000);
    expect(parseSampleRate("200MHz")).toBe(200_000_000);
    expect(parseSampleRate("1 GHz")).toBe(1_000_000_000);
    expect(parseSampleRate("12.5 kHz")).toBe(12_500);
    expect(parseSampleRate("0.1 MHz")).toBe(100_000);
    expect(parseSampleRate("100 Hz")).toBe(100);
    expect(parseSampleRate("100000000")).toBe(100_000_000);
    expect(parseSampleRate("")).toBeUndefined();
    expect(parseSampleRate("0 Hz")).toBeUndefined();
    expect(parseSampleRate("-5 MHz")).toBeUndefined();
    expect(parseSampleRate("5 THz")).toBeUndefined();
  });
});

// ---------------------------------------------------------------- DSView, synthetic

/** A .dsl with the given channel bit planes split into blocks of blockBytes. */
function dslZip(header: Record<string, string | number>, planes: Map<number, Uint8Array>, blockBytes: number): Uint8Array {
  const text = `[version]\nversion = 3\n[header]\n${Object.entries(header).map(([k, v]) => `${k} = ${v}`).join("\n")}\n`;
  const files: Zippable = { header: strToU8(text), session: strToU8("{}") };
  for (const [ch, plane] of planes) {
    for (let b = 0; b * blockBytes < plane.length; b++) files[`L-${ch}/${b}`] = plane.subarray(b * blockBytes, (b + 1) * blockBytes);
  }
  return zipSync(files);
}

/** The expected LogicCapture samples, one bit at a time. */
function interleave(planes: Map<number, Uint8Array>, count: number, unitSize: number): Uint8Array {
  const out = new Uint8Array(count * unitSize);
  for (const [ch, plane] of planes) {
    for (let i = 0; i < count; i++) if ((plane[i >> 3] >> (i & 7)) & 1) out[i * unitSize + (ch >> 3)] |= 1 << (ch & 7);
  }
  return out;
}

describe("DSView .dsl", () => {
  it("unpacks LSB-first bit planes over several blocks, the last one partly used (unitSize 1)", async () => {
    const count = 3 * 128 + 45; // 4 blocks of 16 bytes; the last holds 45 samples
    const planes = new Map([0, 1, 2].map((ch) => [ch, noise(64, 100 + ch)] as [number, Uint8Array]));
    const header = { "total samples": count, "total probes": 3, "total blocks": 4, samplerate: "100 MHz", probe0: "RD", probe1: "IDX", probe2: "SUP" };
    const c = await readCapture(dslZip(header, planes, 16), "t.dsl");
    expect(c.sampleRate).toBe(100_000_000);
    expect(c.sampleCount).toBe(count);
    expect(c.unitSize).toBe(1);
    expect(c.channels).toEqual([{ index: 0, name: "RD" }, { index: 1, name: "IDX" }, { index: 2, name: "SUP" }]);
    expect(Buffer.compare(c.samples, interleave(planes, count, 1))).toBe(0);
  });

  it("puts channels 8 and up in the second byte (unitSize 2)", async () => {
    const count = 2 * 64 + 3;
    const channels = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
    const planes = new Map(channels.map((ch) => [ch, noise(24, 7 + ch)] as [number, Uint8Array]));
    const header: Record<string, string | number> = { "total samples": count, "total probes": 10, "total blocks": 3, samplerate: "400 MHz" };
    for (const ch of channels) header[`probe${ch}`] = String(ch);
    const c = await readDsl(dslZip(header, planes, 8), "wide.dsl");
    expect(c.unitSize).toBe(2);
    expect(c.channels.length).toBe(10);
    expect(Buffer.compare(c.samples, interleave(planes, count, 2))).toBe(0);
  });

  it("reports a missing block, too few samples and a missing samplerate", async () => {
    const planes = new Map([[0, noise(32)]]);
    const base = { "total samples": 256, "total probes": 1, "total blocks": 2, samplerate: "1 MHz", probe0: "0" };
    const full = dslZip(base, planes, 16);
    expect((await readCapture(full, "ok.dsl")).sampleCount).toBe(256);
    await expectCode(readCapture(dslZip({ ...base, "total blocks": 3 }, planes, 16), "m.dsl"), "E_CORRUPT", /"L-0\/2" is missing/);
    await expectCode(readCapture(dslZip({ ...base, "total samples": 257 }, planes, 16), "s.dsl"), "E_CORRUPT", /holds 256 samples but the header declares 257/);
    const { samplerate: _, ...norate } = base;
    await expectCode(readCapture(dslZip(norate, planes, 16), "r.dsl"), "E_CORRUPT", /^r\.dsl: no samplerate in header; the decoder cannot work without it$/);
  });
});

// ---------------------------------------------------------------- ZIP reader

describe("ZIP reader", () => {
  const data = noise(50_000, 99);
  const inflaters: ZipInflater[] = ["auto", "zlib", "stream", "fflate"];

  it("lists members from the central directory and handles data descriptors", async () => {
    const bytes = rawZip([
      deflated("a", data, { descriptor: true }),
      { name: "b", payload: data.subarray(0, 10), method: 0, crc: crc32Js(data.subarray(0, 10)), size: 10, descriptor: true },
    ]);
    const zip = ZipArchive.open(bytes, "dd.zip");
    expect(zip.members.map((m) => [m.name, m.method, m.uncompressedSize])).toEqual([
      ["a", 8, 50_000],
      ["b", 0, 10],
    ]);
    expect(zip.find("a")!.offset).toBe(0);
    for (const inflater of inflaters) {
      expect(Buffer.compare(await zip.extract("a", { inflater }), data)).toBe(0);
    }
    expect(Buffer.compare(await zip.extract("b"), data.subarray(0, 10))).toBe(0);
  });

  it("extracts into place at an offset, leaving the rest of the target alone", async () => {
    const zip = ZipArchive.open(rawZip([deflated("a", data.subarray(0, 1000))]), "x.zip");
    for (const inflater of inflaters) {
      const target = new Uint8Array(1100).fill(0xee);
      await zip.extractInto("a", target, 50, { inflater });
      expect(Buffer.compare(target.subarray(50, 1050), data.subarray(0, 1000))).toBe(0);
      expect(target[49]).toBe(0xee);
      // The fflate path may use one spare byte after the member as scratch; the others must not.
      if (inflater !== "fflate") expect(target[1050]).toBe(0xee);
    }
  });

  it("an inflated size that differs from the declared one is E_CORRUPT, with every inflater", async () => {
    for (const inflater of inflaters) {
      for (const size of [data.length - 1, data.length + 1]) {
        const zip = ZipArchive.open(rawZip([deflated("m", data, { size })]), "size.zip");
        await expectCode(zip.extract("m", { inflater }), "E_CORRUPT", /^size\.zip: member "m" inflates to .* bytes but declares/);
      }
    }
  });

  it("a damaged deflate stream and a CRC mismatch are E_CORRUPT", async () => {
    const bad = deflated("m", data);
    const payload = bad.payload.slice();
    for (let i = 10; i < payload.length; i += 7) payload[i] ^= 0x5a;
    for (const inflater of inflaters) {
      const zip = ZipArchive.open(rawZip([{ ...bad, payload }]), "bad.zip");
      await expectCode(zip.extract("m", { inflater }), "E_CORRUPT", /^bad\.zip: member "m" /);
    }
    const zip = ZipArchive.open(rawZip([deflated("m", data, { crc: 0x12345678 })]), "crc.zip");
    await expectCode(zip.extract("m"), "E_CORRUPT", /fails its CRC-32 check/);
    expect((await zip.extract("m", { verifyCrc: false })).length).toBe(data.length);
  });

  it("an unsupported method is E_FORMAT and a member over 4 GiB is E_LIMIT", async () => {
    const zip = ZipArchive.open(rawZip([deflated("m", data, { method: 12 }), deflated("big", data, { zip64Size: 5 * 2 ** 30 })]), "odd.zip");
    await expectCode(zip.extract("m"), "E_FORMAT", /compression method 12/);
    expect(zip.find("big")!.uncompressedSize).toBe(5 * 2 ** 30);
    await expectCode(zip.extract("big"), "E_LIMIT", /^odd\.zip: member "big" declares 5368709120 bytes, more than the 4 GiB/);
  });

  it("a member out of bounds and a damaged central directory are E_CORRUPT", async () => {
    const whole = rawZip([deflated("m", data)]);
    // Keep the directory but cut the member's data: shift the directory to the front of a shorter file.
    const cd = whole.length - 22 - (46 + 1);
    const cut = new Uint8Array(30 + 1 + 100 + 46 + 1 + 22);
    cut.set(whole.subarray(0, 131), 0);
    cut.set(whole.subarray(cd), 131);
    new DataView(cut.buffer).setUint32(cut.length - 22 + 16, 131, true);
    const zip = ZipArchive.open(cut, "oob.zip");
    await expectCode(zip.extract("m"), "E_CORRUPT", /extends past the end of the file/);

    const broken = whole.slice();
    broken[cd] = 0; // central record signature
    expect(() => ZipArchive.open(broken, "cd.zip")).toThrowError(/central directory record 1 of 1 is damaged/);
  });

  it("a missing file is E_FILE naming the path", async () => {
    const path = resolve(process.cwd(), "no/such/capture.sr");
    await expectCode(readCaptureFile(path), "E_FILE", new RegExp(`^${path.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}: cannot read the capture \\(no such file\\)`));
  });
});
