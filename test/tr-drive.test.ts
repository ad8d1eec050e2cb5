// Whole drives as dgesswein/mfm transitions files (issue 12 item 4).
//
// What the format description says (dgesswein/mfm, mfm/emu_tran_file.c, the
// comment at its top; and spec §8 with its addendum), checked here with code
// written from that text, not with src/readers/tr.ts:
// - "Transition file track header format: int32_t Cylinder number of track,
//   int32_t Head number of track, uint32_t Number of bytes of transition data,
//   uint32_t Checksum of header and track data [...] Polynomial 0x140a0445
//   length 32 initial value 0xffffffff. Cylinder and head of -1 indicate no more
//   data." The end-of-file record is written like a track record with zero bytes
//   of data, so it carries its checksum too: FF×8 00×4 then the CRC, 33 A5 3E A5.
// - The header's command-line field is the "Command line used when capturing";
//   mfm_util parses it as its own options, so diskflux stores only mfm_read
//   options true for the file (`--heads H --cylinders C`) and its description
//   in the note ("--note: String is stored in header of transition and emulation
//   file for information about image. mfm_util will display.").
// - Header length = 8 + 4·10 + (command line + NUL) + (note + NUL).
import { createReadStream, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { spawnSync } from "node:child_process";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { EdgeCapture } from "../src/capture.js";
import { convertCommand } from "../src/cli/convert.js";
import { synthCommand } from "../src/cli/synth.js";
import { decode } from "../src/decode.js";
import { synthTrack } from "../src/encode/synth.js";
import { isDiskfluxError } from "../src/errors.js";
import { iterTr, openTrStream, readTr, type TrTrack } from "../src/readers/tr.js";
import { trEndRecord, writeTr, writeTrStream, type TrWriteTrack } from "../src/writers/tr.js";

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "diskflux-trdrive-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const p = (name: string) => join(dir, name);

async function run(cmd: typeof synthCommand, args: string[]) {
  let out = "", err = "";
  const stream = (f: (s: string) => void) => ({ write: (s: string | Uint8Array) => (f(typeof s === "string" ? s : Buffer.from(s).toString()), true) }) as unknown as NodeJS.WritableStream;
  const code = await cmd(args, stream((s) => (out += s)), stream((s) => (err += s)));
  return { code, out, err };
}

// ---------------------------------------------------------------- the format, from its description

/** CRC-32 as the description gives it: poly 0x140a0445, init 0xffffffff, MSB first, bit by bit. */
function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) {
    for (let i = 7; i >= 0; i--) {
      const top = ((c >>> 31) ^ (b >>> i)) & 1;
      c = (c << 1) >>> 0;
      if (top) c = (c ^ 0x140a0445) >>> 0;
    }
  }
  return c >>> 0;
}

const le = (v: number) => [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff];

/** Packs deltas as the description says (254 + 16-bit, 255 + 24-bit, else one byte). */
function pack(deltas: number[]): number[] {
  const out: number[] = [];
  for (const d of deltas) {
    if (d < 254) out.push(d);
    else if (d <= 0xffff) out.push(254, d & 0xff, d >>> 8);
    else out.push(255, d & 0xff, (d >>> 8) & 0xff, d >>> 16);
  }
  return out;
}

/** A transitions file as mfm_read writes it, built from the description alone. */
function mfmReadFile(o: { cylinders: number; heads: number; cmd: string; note: string; start?: number; tracks: { cyl: number; head: number; deltas: number[] }[] }): Uint8Array {
  const text = (s: string) => [...new TextEncoder().encode(s), 0];
  const cmd = text(o.cmd), note = text(o.note);
  const length = 8 + 4 * 10 + cmd.length + note.length;
  const h = [
    0xee, 0x4d, 0x46, 0x4d, 0x0d, 0x0a, 0x1a, 0x00, ...le(0x01020200), ...le(length), ...le(12), ...le(o.cylinders), ...le(o.heads), ...le(200_000_000),
    ...le(cmd.length), ...cmd, ...le(note.length), ...note, ...le(o.start ?? 0),
  ];
  const bytes = [...h, ...le(crc32(Uint8Array.from(h)))];
  const record = (cyl: number, head: number, data: number[]) => {
    const r = [...le(cyl), ...le(head), ...le(data.length), ...data];
    return [...r, ...le(crc32(Uint8Array.from(r)))];
  };
  for (const t of o.tracks) bytes.push(...record(t.cyl, t.head, pack(t.deltas)));
  bytes.push(...record(-1, -1, []));
  return Uint8Array.from(bytes);
}

/** Walks a file as mfm_util does: every record, the end record included, must have its 4-byte CRC. */
function walkLikeMfmUtil(b: Uint8Array) {
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const off = v.getUint32(12, true);
  expect(v.getUint32(off - 4, true), "header checksum").toBe(crc32(b.subarray(0, off - 4)));
  const tracks: { cyl: number; head: number }[] = [];
  let at = off;
  for (;;) {
    expect(at + 12, "a record header").toBeLessThanOrEqual(b.length);
    const cyl = v.getInt32(at, true), head = v.getInt32(at + 4, true), n = v.getUint32(at + 8, true);
    expect(at + 12 + n + 4, `record ${tracks.length}: data and its CRC ("Failed to read word from transition file" otherwise)`).toBeLessThanOrEqual(b.length);
    expect(v.getUint32(at + 12 + n, true), `record ${tracks.length} CRC`).toBe(crc32(b.subarray(at, at + 12 + n)));
    at += 12 + n + 4;
    if (cyl === -1 && head === -1) break;
    tracks.push({ cyl, head });
  }
  return { tracks, trailing: b.length - at };
}

function textField(b: Uint8Array, which: 0 | 1): string {
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  let at = 32;
  if (which === 1) at += 4 + v.getUint32(at, true);
  const len = v.getUint32(at, true);
  return new TextDecoder().decode(b.subarray(at + 4, at + 4 + len)).replace(/\0+$/, "");
}

/** mfm_read's long options that take a value (mfm/parse_cmdline.c, long_options). */
const MFM_READ_OPTIONS = new Set(["sectors", "heads", "cylinders", "header_crc", "data_crc", "format", "drive", "sector_length", "interleave", "retries", "begin_time", "note", "track_words"]);

// ---------------------------------------------------------------- writer output

describe(".tr files diskflux writes are what dgesswein's tools read", () => {
  it("synth: end record with its CRC (33 A5 3E A5), the geometry in mfm_read's syntax, diskflux's words in the note", async () => {
    const r = await run(synthCommand, ["--format", "MFM", "--cyl", "0-99", "--head", "0", "--sectors", "2", "-o", p("cyl100.tr")]);
    expect([r.code, r.err]).toEqual([0, ""]);
    const b = new Uint8Array(readFileSync(p("cyl100.tr")));
    const end = b.subarray(b.length - 16);
    expect(Array.from(end)).toEqual([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0, 0x33, 0xa5, 0x3e, 0xa5]);
    expect(le(crc32(end.subarray(0, 12)))).toEqual([0x33, 0xa5, 0x3e, 0xa5]);
    expect(Array.from(trEndRecord())).toEqual(Array.from(end));

    const w = walkLikeMfmUtil(b);
    expect(w.trailing).toBe(0);
    expect(w.tracks.map((t) => t.cyl)).toEqual(Array.from({ length: 100 }, (_, i) => i));

    const cmd = textField(b, 0), note = textField(b, 1);
    const v = new DataView(b.buffer, b.byteOffset);
    expect(v.getUint32(12, true)).toBe(8 + 4 * 10 + cmd.length + 1 + note.length + 1);
    // --cyl 0-99 used to land here, and mfm_util read it as --cylinders 0.
    expect(cmd).toBe("--heads 1 --cylinders 100");
    const tokens = cmd.split(/\s+/);
    for (let i = 0; i < tokens.length; i += 2) {
      expect(tokens[i]).toMatch(/^--[a-z_]+$/);
      expect(MFM_READ_OPTIONS.has(tokens[i].slice(2)), tokens[i]).toBe(true);
    }
    expect([v.getUint32(24, true), v.getUint32(20, true)]).toEqual([Number(tokens[1]), Number(tokens[3])]); // heads, cylinders
    expect(note).toMatch(/^diskflux synth: MFM, 2 sectors x 512 bytes per track, 200 MHz; cyl 0-99, head 0; decode with diskflux -P mfm:data_rate=5000000:format=MFM$/);
  });

  it("writeTr and writeTrStream (async tracks, async sink) write the same bytes, every record CRC'd", async () => {
    const tracks: TrWriteTrack[] = [0, 1, 2].map((k) => ({ cyl: k >> 1, head: k & 1, capture: synthTrack({ format: "MFM", sectorsPerTrack: 2, seed: k, sampleRate: 200e6 }).edges }));
    const whole = writeTr(tracks, { note: "n" });
    const chunks: Uint8Array[] = [];
    async function* gen() {
      for (const t of tracks) yield t;
    }
    const res = await writeTrStream(gen(), async (c) => void chunks.push(c.slice()), { cylinders: 2, heads: 2, note: "n" });
    const streamed = Buffer.concat(chunks);
    expect(res).toEqual({ tracks: 3, bytes: streamed.length });
    expect(Buffer.compare(streamed, Buffer.from(whole))).toBe(0);
    expect(textField(whole, 0)).toBe("--heads 2 --cylinders 2");
    expect(walkLikeMfmUtil(whole).tracks).toEqual([{ cyl: 0, head: 0 }, { cyl: 0, head: 1 }, { cyl: 1, head: 0 }]);
    // geometry is checked before a record is written
    await expect(writeTrStream([{ cyl: 2, head: 0, capture: tracks[0].capture }], () => {}, { cylinders: 2, heads: 2 })).rejects.toMatchObject({ code: "E_ARGUMENT" });
  });
});

// ---------------------------------------------------------------- round trip, streamed

describe("synth → .tr → streamed reader → decode", () => {
  it("every track of a 3-head drive decodes to the sectors synth made, read in small chunks", async () => {
    const r = await run(synthCommand, ["--format", "MFM", "--cyl", "0-3", "--head", "0-2", "--sectors", "5", "--bad", "2", "--seed", "7", "-o", p("rt.tr")]);
    expect([r.code, r.err]).toEqual([0, ""]);
    const tr = await openTrStream(createReadStream(p("rt.tr"), { highWaterMark: 1000 }), "rt.tr");
    expect([tr.cylinders, tr.heads, tr.commandLine]).toEqual([4, 3, "--heads 3 --cylinders 4"]);
    expect(tr.end).toBeUndefined();
    const sync = readTr(new Uint8Array(readFileSync(p("rt.tr"))), "rt.tr");
    let k = 0;
    for await (const t of tr.tracks) {
      expect([t.cyl, t.head]).toEqual([k / 3 | 0, k % 3]);
      expect(Buffer.compare(Buffer.from(t.packed), Buffer.from(sync.tracks[k].packed))).toBe(0);
      const want = synthTrack({ format: "MFM", sectorsPerTrack: 5, cyl: t.cyl, head: t.head, seed: 7 + 64 * t.cyl + t.head, badSectors: [2], sampleRate: 200e6 });
      const res = await decode(t.capture, "data_rate=5000000:format=MFM");
      const ids = res.records.filter((x) => x.kind === "id");
      const data = res.records.filter((x) => x.kind === "data");
      expect(ids.map((x) => (x.kind === "id" ? [x.cyl, x.head, x.sec] : []))).toEqual(want.expected.map((s) => [s.cyl, s.head, s.sec]));
      expect(data.map((x) => x.crc?.ok)).toEqual(want.expected.map((s) => s.dataCrcOk));
      expect(data.map((x) => Buffer.from(x.bytes).toString("hex"))).toEqual(
        want.expected.map((s) => Buffer.from(s.data).toString("hex")),
      );
      k++;
    }
    expect(k).toBe(12);
    expect(tr.end).toEqual({ endMarker: true, tracks: 12 });
    expect(tr.warnings).toEqual([]);
  });

  it("a drive of a few hundred tracks is written and read with bounded memory (child process, forced GCs)", () => {
    const child = spawnSync(process.execPath, ["--expose-gc", "--import", "tsx", "test/support/tr-drive-memory.ts", dir, "99", "1"], { encoding: "utf8", timeout: 110_000 });
    expect(child.status, child.stderr).toBe(0);
    const m = JSON.parse(child.stdout.trim().split("\n").pop()!);
    expect(m.tracks).toBe(200);
    expect(m.goodSectors).toBe(200 * 17);
    // The drive's edges alone (the old reader's arrays, all kept) are over 80 MB; its
    // 200 MHz logic captures (the old synth's array of tracks) over 600 MB.
    expect(m.edgesMB).toBeGreaterThan(80);
    expect(m.writeGrowthMB).toBeLessThan(40);
    expect(m.readGrowthMB).toBeLessThan(24);
  }, 120_000);
});

// ---------------------------------------------------------------- the streamed reader is the in-memory reader

type Outcome = { ok: true; tracks: [number, number, string][]; endMarker: boolean; warnings: string[] } | { ok: false; code: string; message: string };

function syncOutcome(b: Uint8Array): Outcome {
  try {
    const t = readTr(b, "f.tr");
    return { ok: true, tracks: t.tracks.map((x) => [x.cyl, x.head, Buffer.from(x.packed).toString("hex")]), endMarker: t.endMarker, warnings: t.warnings };
  } catch (e) {
    if (!isDiskfluxError(e)) throw e;
    return { ok: false, code: e.code, message: e.message };
  }
}

async function streamOutcome(b: Uint8Array, cuts: number[]): Promise<Outcome> {
  const chunks: Uint8Array[] = [];
  let at = 0;
  for (const c of [...cuts, b.length]) {
    const end = Math.min(b.length, Math.max(at, c));
    chunks.push(b.slice(at, end));
    at = end;
  }
  const tracks: TrTrack[] = [];
  try {
    async function* src() {
      for (const c of chunks) yield c;
    }
    const t = await openTrStream(src(), "f.tr");
    for await (const x of t.tracks) tracks.push(x);
    return { ok: true, tracks: tracks.map((x) => [x.cyl, x.head, Buffer.from(x.packed).toString("hex")]), endMarker: t.end!.endMarker, warnings: t.warnings };
  } catch (e) {
    if (!isDiskfluxError(e)) throw e;
    return { ok: false, code: e.code, message: e.message };
  }
}

describe("openTrStream gives what readTr gives, at any chunking and any truncation", () => {
  const edge = (d: number[]): EdgeCapture => {
    let s = 0;
    return { kind: "edges", sampleRate: 200e6, edges: Float64Array.from(d.map((x) => (s += x))) };
  };
  const file = writeTr(
    [
      { cyl: 0, head: 0, capture: edge([10, 20, 400, 70000, 9]) },
      { cyl: 0, head: 1, capture: edge([7, 7, 7]) },
      { cyl: 1, head: 0, capture: edge([300, 1]) },
    ],
    { cylinders: 2, heads: 2, note: "x" },
  );

  it("every cut length, one chunk and byte by byte", async () => {
    for (let n = 0; n <= file.length; n++) {
      const cut = file.slice(0, n);
      const want = syncOutcome(cut);
      expect(await streamOutcome(cut, []), `length ${n}`).toEqual(want);
      if (n % 7 === 0) expect(await streamOutcome(cut, Array.from({ length: n }, (_, i) => i)), `length ${n}, bytewise`).toEqual(want);
    }
  });

  it("random chunkings of whole and damaged files (property)", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: 0, max: file.length }), { maxLength: 12 }),
        fc.option(fc.integer({ min: 0, max: file.length - 1 }), { nil: undefined }),
        async (cuts, flip) => {
          const b = file.slice();
          if (flip !== undefined) b[flip] ^= 0x10;
          expect(await streamOutcome(b, cuts.sort((x, y) => x - y))).toEqual(syncOutcome(b));
        },
      ),
      { numRuns: 300 },
    );
  });

  it("tracks of a Node stream (Buffer chunks) are plain Uint8Array views: slice() copies, so moving one to a worker leaves the chunk alone", async () => {
    const dir = mkdtempSync(join(tmpdir(), "diskflux-trview-"));
    try {
      const path = join(dir, "d.tr");
      writeFileSync(path, file);
      const t = await openTrStream(createReadStream(path, { highWaterMark: 1 << 20 }), "d.tr");
      const want = readTr(file, "d.tr").tracks;
      let k = 0;
      for await (const x of t.tracks) {
        expect(Object.getPrototypeOf(x.packed)).toBe(Uint8Array.prototype);
        const copy = x.packed.slice();
        expect(copy.buffer).not.toBe(x.packed.buffer);
        // (what decodeMany does with a view it posts: the copy moves, the chunk stays readable)
        structuredClone(copy, { transfer: [copy.buffer] });
        expect(Array.from(x.packed)).toEqual(Array.from(want[k++].packed));
      }
      expect(k).toBe(want.length);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("a web ReadableStream is read too, and a break stops the source", async () => {
    let pulled = 0;
    let cancelled = false;
    const rs = new ReadableStream<Uint8Array>({
      pull(c) {
        if (pulled * 8 >= file.length) return c.close();
        c.enqueue(file.slice(pulled * 8, ++pulled * 8));
      },
      cancel() {
        cancelled = true;
      },
    });
    const t = await openTrStream(rs, "rs.tr");
    for await (const x of t.tracks) {
      expect([x.cyl, x.head]).toEqual([0, 0]);
      break;
    }
    expect(cancelled).toBe(true);
    expect(pulled * 8).toBeLessThan(file.length);
  });
});

// ---------------------------------------------------------------- files from elsewhere

describe("files written by dgesswein's tools and by older diskflux", () => {
  const MFM_READ_CMD = "--format WD_1006 --sectors 17,0 --heads 2 --cylinders 3 --header_crc 0xffff,0x1021,16,0 --data_crc  0xffffffff,0x140a0445,32,6 --sector_length 512 --retries 50,4 --drive 1 ";
  const tracks = [0, 1, 2].map((k) => {
    const s = synthTrack({ format: "MFM", sectorsPerTrack: 3, cyl: k, head: k & 1, seed: k, sampleRate: 200e6 });
    const e = Array.from(s.edges.edges);
    return { cyl: k, head: k & 1, deltas: e.map((x, i) => x - (i ? e[i - 1] : 0)), edges: e };
  });
  const dg = mfmReadFile({ cylinders: 3, heads: 2, cmd: MFM_READ_CMD, note: "ST-225 from the attic", start: 0, tracks });

  it("an mfm_read file: header texts, tracks and end record read by all three readers", async () => {
    for (const tr of [readTr(dg, "dg.tr"), { ...iterTr(dg, "dg.tr").header, tracks: [...iterTr(dg, "dg.tr").tracks], warnings: [] as string[] }]) {
      expect([tr.commandLine, tr.note, tr.cylinders, tr.heads]).toEqual([MFM_READ_CMD, "ST-225 from the attic", 3, 2]);
      expect(tr.tracks.map((t) => [t.cyl, t.head, Array.from(t.capture.edges)])).toEqual(tracks.map((t) => [t.cyl, t.head, t.edges]));
      expect(tr.warnings).toEqual([]);
    }
    const s = await openTrStream([dg.subarray(0, 100), dg.subarray(100)], "dg.tr");
    const got: [number, number][] = [];
    for await (const t of s.tracks) got.push([t.cyl, t.head]);
    expect(got).toEqual([[0, 0], [1, 1], [2, 0]]);
    expect([s.end, s.warnings]).toEqual([{ endMarker: true, tracks: 3 }, []]);
    const res = await decode(readTr(dg).tracks[1].capture, "data_rate=5000000:format=MFM");
    expect(res.records.filter((x) => x.kind === "data" && x.crc?.ok)).toHaveLength(3);
  });

  it("convert .tr → .tr keeps an mfm_read command line (same geometry): the file comes back byte for byte", async () => {
    writeFileSync(p("dg.tr"), dg);
    const r = await run(convertCommand, [p("dg.tr"), p("dg2.tr")]);
    expect([r.code, r.err]).toEqual([0, ""]);
    expect(Buffer.compare(readFileSync(p("dg2.tr")), Buffer.from(dg))).toBe(0);
  });

  it("an older diskflux file (its own argv as the command line, end record without CRC) is read, and convert mends it", async () => {
    const old = writeTr(tracks.map((t) => ({ cyl: t.cyl, head: t.head, capture: { kind: "edges" as const, sampleRate: 200e6, edges: Float64Array.from(t.edges) } })), {
      cylinders: 3, heads: 2, commandLine: "diskflux synth --format MFM --cyl 0-2 --head 0-1 -o old.tr", note: "diskflux synthetic MFM",
    }).slice(0, -4);
    expect(Array.from(old.subarray(old.length - 12))).toEqual([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0]);
    const tr = readTr(old, "old.tr");
    expect([tr.tracks.length, tr.endMarker, tr.warnings]).toEqual([3, true, []]);
    const s = await openTrStream([old], "old.tr");
    for await (const _ of s.tracks) void _;
    expect([s.end, s.warnings]).toEqual([{ endMarker: true, tracks: 3 }, []]);

    writeFileSync(p("old.tr"), old);
    const r = await run(convertCommand, [p("old.tr"), p("mended.tr")]);
    expect([r.code, r.err]).toEqual([0, ""]);
    const mended = new Uint8Array(readFileSync(p("mended.tr")));
    expect(walkLikeMfmUtil(mended)).toEqual({ tracks: tracks.map((t) => ({ cyl: t.cyl, head: t.head })), trailing: 0 });
    expect([textField(mended, 0), textField(mended, 1)]).toEqual(["--heads 2 --cylinders 3", "diskflux synthetic MFM"]);
  });

  it("an end record whose CRC is wrong only warns", async () => {
    const b = dg.slice();
    b[b.length - 1] ^= 1;
    const tr = readTr(b, "e.tr");
    expect(tr.tracks).toHaveLength(3);
    expect(tr.warnings).toEqual(["e.tr: the end record's CRC 0xA43EA533 does not match it (0xA53EA533); the tracks before it are fine"]);
    const s = await openTrStream([b], "e.tr");
    for await (const _ of s.tracks) void _;
    expect(s.warnings).toEqual(tr.warnings);
  });
});

// ---------------------------------------------------------------- synth geometry limits

describe("synth: any cylinder the format's ID header can hold", () => {
  const cases: [string, number, number, string][] = [
    ["MFM", 255, 255, "header_format 4"],
    ["FM", 255, 255, "header_format 4"],
    ["RLL_WD", 2047, 15, "header_format 3"],
    ["RLL_Seagate", 1023, 15, "header_format Seagate"],
  ];
  for (const [format, cyl, head, hf] of cases) {
    it(`${format}: cylinder ${cyl} head ${head} is written and decodes; ${cyl + 1} and head ${head + 1} are refused`, async () => {
      const r = await run(synthCommand, ["--format", format, "--cyl", String(cyl), "--head", String(head), "--sectors", "2", "-o", p(`${format}.tr`)]);
      expect([r.code, r.err]).toEqual([0, ""]);
      const opts = r.out.match(/decode with: -P mfm:(\S+)/)![1];
      const tr = readTr(new Uint8Array(readFileSync(p(`${format}.tr`))));
      expect([tr.cylinders, tr.heads, tr.commandLine]).toEqual([cyl + 1, head + 1, `--heads ${head + 1} --cylinders ${cyl + 1}`]);
      const res = await decode(tr.tracks[0].capture, opts);
      const ids = res.records.filter((x) => x.kind === "id" && x.crc?.ok);
      expect(ids.map((x) => (x.kind === "id" ? [x.cyl, x.head] : []))).toEqual([[cyl, head], [cyl, head]]);

      const c = await run(synthCommand, ["--format", format, "--cyl", `0-${cyl + 1}`, "-o", p("no.tr")]);
      expect(c.code).toBe(2);
      expect(c.err).toBe(`diskflux: --cyl '0-${cyl + 1}': cylinder ${cyl + 1} is past ${cyl}, the highest cylinder ${format}'s ID header (${hf}) can hold\n`);
      const h = await run(synthCommand, ["--format", format, "--head", String(head + 1), "-o", p("no.tr")]);
      expect(h.code).toBe(2);
      expect(h.err).toMatch(new RegExp(`head ${head + 1} is past ${head}`));
    });
  }
});
