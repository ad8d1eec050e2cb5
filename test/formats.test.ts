// Capture formats beyond .sr/.dsl: dgesswein/mfm transitions (.tr), VCD and CSV.
//
//  * every shared capture through .tr and through .vcd decodes to the oracle's
//    sectors (binary id and data byte for byte);
//  * 100 MHz and 15 MHz captures rescaled to the 200 MHz .tr clock decode to the
//    same records, CRC verdicts, statistics and cell counts;
//  * the .tr files we write pass an independent check of the spec §8 layout,
//    header checksum and track CRCs, and read back identically;
//  * damaged inputs fail with the right DiskfluxError code.
import { readFileSync } from "node:fs";
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { logicToEdges, type EdgeCapture, type LogicCapture } from "../src/capture.js";
import { decode, type DecodeResult } from "../src/decode.js";
import { fieldLines } from "../src/annotate/fields.js";
import { synthTrack } from "../src/encode/synth.js";
import { DiskfluxError, type DiskfluxErrorCode } from "../src/errors.js";
import { crcOf } from "../src/kernels/crc.js";
import { readCsv } from "../src/readers/csv.js";
import { detectCaptureFormat, readAnyCapture, readCaptureFile } from "../src/readers/index.js";
import { readTr, trChecksum, unpackDeltas, TR_CLOCK, type TrFile } from "../src/readers/tr.js";
import { readVcd, readVcdTracks } from "../src/readers/vcd.js";
import { writeSigrok } from "../src/writers/sigrok.js";
import { packDeltas, toTrTicks, writeTr } from "../src/writers/tr.js";
import { vcdTimescale, writeVcd } from "../src/writers/vcd.js";
import { ORACLE_DIR, SAMPLES_DIR, haveShared, oracleCaptures, warnMissing } from "./support/shared.js";

// ---------------------------------------------------------------- helpers

function code(f: () => unknown): DiskfluxErrorCode {
  try {
    f();
  } catch (e) {
    expect(e, String(e)).toBeInstanceOf(DiskfluxError);
    const d = e as DiskfluxError;
    expect(d.message).not.toContain("\n");
    return d.code;
  }
  throw new Error("expected a DiskfluxError, nothing was thrown");
}

async function codeAsync(p: Promise<unknown>): Promise<DiskfluxErrorCode> {
  try {
    await p;
  } catch (e) {
    expect(e, String(e)).toBeInstanceOf(DiskfluxError);
    return (e as DiskfluxError).code;
  }
  throw new Error("expected a DiskfluxError, nothing was thrown");
}

function messageOf(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    return (e as Error).message;
  }
  return "";
}

const enc = (s: string) => new TextEncoder().encode(s);
const same = (a: Uint8Array, b: Uint8Array) => Buffer.compare(Buffer.from(a), Buffer.from(b)) === 0;

/** Records without sample positions (these scale with the rate), for comparing decodes at different rates. */
function recordsSansPositions(r: DecodeResult): string {
  return JSON.stringify(
    r.records.map((x) => ({
      ...x, start: 0, end: 0, markStart: 0,
      crc: x.crc ? { ...x.crc, start: 0, end: 0 } : undefined,
      bytes: Buffer.from(x.bytes).toString("hex"),
    })),
  );
}

/** The .tr layout of spec §8, parsed independently of src/readers/tr.ts. */
function parseTrIndependently(b: Uint8Array) {
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const u32 = (o: number) => v.getUint32(o, true);
  const magic = Array.from(b.subarray(0, 8));
  const version = u32(8);
  const off = u32(12);
  let at = 16;
  const trackHeaderSize = u32(at); at += 4;
  const cylinders = u32(at); at += 4;
  const heads = u32(at); at += 4;
  const rate = u32(at); at += 4;
  const cmdLen = u32(at); at += 4;
  const cmd = new TextDecoder().decode(b.subarray(at, at + cmdLen)).replace(/\0+$/, ""); at += cmdLen;
  const noteLen = u32(at); at += 4;
  const note = new TextDecoder().decode(b.subarray(at, at + noteLen)).replace(/\0+$/, ""); at += noteLen;
  const start = u32(at); at += 4;
  const checksum = u32(at); at += 4;
  const checksumOk = BigInt(checksum) === crcOf(32, 0x140a0445n, 0xffffffffn, b.subarray(0, off - 4));
  const tracks: { cyl: number; head: number; deltas: Uint8Array; crcOk: boolean }[] = [];
  let p = off;
  let end = false;
  while (p < b.length) {
    const cyl = v.getInt32(p, true), head = v.getInt32(p + 4, true);
    if (cyl === -1 && head === -1) {
      // the end record carries its CRC like any record (16 bytes, ending 33 A5 3E A5)
      end = u32(p + 8) === 0 && BigInt(u32(p + 12)) === crcOf(32, 0x140a0445n, 0xffffffffn, b.subarray(p, p + 12));
      p += 16;
      break;
    }
    const n = u32(p + 8);
    const crc = u32(p + 12 + n);
    tracks.push({ cyl, head, deltas: b.subarray(p + 12, p + 12 + n), crcOk: BigInt(crc) === crcOf(32, 0x140a0445n, 0xffffffffn, b.subarray(p, p + 12 + n)) });
    p += 12 + n + 4;
  }
  return { magic, version, off, headerLength: at, trackHeaderSize, cylinders, heads, rate, cmd, note, start, checksumOk, tracks, end, trailing: b.length - p };
}

function edgeCap(edges: number[], rate = TR_CLOCK): EdgeCapture {
  return { kind: "edges", sampleRate: rate, edges: Float64Array.from(edges) };
}

// ---------------------------------------------------------------- oracle captures

const captures = oracleCaptures();
if (!haveShared) {
  warnMissing("format conversion tests on the shared captures");
  it.skip("format conversions of the shared captures (shared samples/oracle missing)", () => {});
}

describe.runIf(haveShared)("shared 200 MHz captures through .tr and .vcd decode to the oracle's sectors", () => {
  it("the shared folders hold 200 MHz captures", () => expect(captures.filter((x) => x.sampleRate === TR_CLOCK).length).toBeGreaterThan(10));
  for (const c of captures.filter((x) => x.sampleRate === TR_CLOCK)) {
    it(c.stem, async () => {
      const capture = await readCaptureFile(`${SAMPLES_DIR}/${c.file}`);
      const id = new Uint8Array(readFileSync(`${ORACLE_DIR}/${c.stem}/id.bin`));
      const data = new Uint8Array(readFileSync(`${ORACLE_DIR}/${c.stem}/data.bin`));
      const fieldsSn = readFileSync(`${ORACLE_DIR}/${c.stem}/fields_sn.txt`, "utf8");
      const check = (r: DecodeResult, how: string) => {
        expect(same(r.binary.id, id), `${how}: id`).toBe(true);
        expect(same(r.binary.data, data), `${how}: data`).toBe(true);
      };

      // .sr -> .tr -> decode: at 200 MHz the transitions keep their sample numbers,
      // so even the annotated sample ranges are the original's.
      const tr = readTr(writeTr([{ cyl: 0, head: 0, capture }], { note: c.stem }), `${c.stem}.tr`);
      expect(tr.tracks).toHaveLength(1);
      const fromTr = await decode(tr.tracks[0].capture, c.options);
      check(fromTr, ".tr");
      expect(fieldLines(fromTr, { sampleNumbers: true }).join("")).toBe(fieldsSn);

      // .sr -> .vcd (tr_to_vcd pulses) -> decode, read as edges and as logic samples.
      const vcd = writeVcd(logicToEdges(capture));
      check(await decode(readVcd(vcd, `${c.stem}.vcd`, { as: "edges" }), c.options), ".vcd edges");
      check(await decode(readVcd(vcd, `${c.stem}.vcd`), c.options), ".vcd logic");

      // .sr -> .vcd (sigrok-style value changes) -> the very same samples.
      const back = readVcd(writeVcd(capture), `${c.stem}.vcd`);
      expect(back.sampleRate).toBe(capture.sampleRate);
      expect(back.sampleCount).toBe(capture.sampleCount);
      expect(same(back.samples, capture.samples)).toBe(true);
    });
  }
});

describe.runIf(haveShared)("100 MHz and 15 MHz captures rescaled to the 200 MHz .tr clock decode identically", () => {
  const low = captures.filter((x) => x.sampleRate !== TR_CLOCK);
  it("the shared folders hold hdd_mfm_RQDX3.sr at 100 MHz", () => {
    expect(low.map((x) => x.file)).toContain("hdd_mfm_RQDX3.sr");
  });
  for (const c of low) {
    it(`${c.stem} (${c.sampleRate / 1e6} MHz)`, async () => {
      const capture = await readCaptureFile(`${SAMPLES_DIR}/${c.file}`);
      const tr = readTr(writeTr([{ cyl: 0, head: 0, capture }]), `${c.stem}.tr`).tracks[0].capture;
      expect(tr.sampleRate).toBe(TR_CLOCK);
      const a = await decode(capture, c.options, { keepEvents: true });
      const b = await decode(tr, c.options, { keepEvents: true });
      // Every edge survives the rescaling, and each pulse is the same number of cells.
      expect(b.edges!.positions.length).toBe(a.edges!.positions.length);
      expect(Array.from(b.edges!.cells)).toEqual(Array.from(a.edges!.cells));
      expect(recordsSansPositions(b)).toBe(recordsSansPositions(a));
      expect(b.stats).toEqual(a.stats);
      expect(b.fields.map((f) => f.text)).toEqual(a.fields.map((f) => f.text));
      for (const k of ["id", "idcrc", "data", "datacrc", "iddata"] as const) expect(same(b.binary[k], a.binary[k]), k).toBe(true);
      // ... and both give the oracle's sectors.
      expect(same(b.binary.data, new Uint8Array(readFileSync(`${ORACLE_DIR}/${c.stem}/data.bin`)))).toBe(true);
      expect(same(b.binary.id, new Uint8Array(readFileSync(`${ORACLE_DIR}/${c.stem}/id.bin`)))).toBe(true);
    });
  }

  it("the rescaled transitions lie within half a 5 ns tick of the original times", async () => {
    const capture = await readCaptureFile(`${SAMPLES_DIR}/fdd_fm.sr`);
    const edges = logicToEdges(capture).edges;
    const ticks = toTrTicks(capture);
    expect(ticks.length).toBe(edges.length);
    for (let i = 0; i < edges.length; i += 97) expect(Math.abs(ticks[i] - (edges[i] * 200) / 15)).toBeLessThanOrEqual(0.5);
  });
});

// ---------------------------------------------------------------- .tr writer and reader

describe(".tr writer: spec §8 layout, checksums, read back", () => {
  const synth = synthTrack({ format: "MFM", sectorsPerTrack: 4, seed: 3, sampleRate: TR_CLOCK });

  it("header and track records follow the spec byte for byte", () => {
    const bytes = writeTr(
      [
        { cyl: 0, head: 1, capture: synth.edges },
        { cyl: 2, head: 0, capture: synth.capture },
      ],
      { cylinders: 3, heads: 2, commandLine: "mfm_read --transitions_file x.tr", note: "näte", startTimeNs: 1234 },
    );
    const p = parseTrIndependently(bytes);
    expect(p.magic).toEqual([0xee, 0x4d, 0x46, 0x4d, 0x0d, 0x0a, 0x1a, 0x00]);
    expect(p.version).toBe(0x01020200);
    expect(p.off).toBe(p.headerLength);
    expect(p.trackHeaderSize).toBe(12);
    expect([p.cylinders, p.heads, p.rate, p.start]).toEqual([3, 2, 200_000_000, 1234]);
    expect([p.cmd, p.note]).toEqual(["mfm_read --transitions_file x.tr", "näte"]);
    expect(p.checksumOk).toBe(true);
    expect(p.tracks.map((t) => [t.cyl, t.head, t.crcOk])).toEqual([[0, 1, true], [2, 0, true]]);
    expect(p.end).toBe(true);
    expect(p.trailing).toBe(0);
    // The logic capture and its edges give the same transitions.
    expect(same(p.tracks[0].deltas, p.tracks[1].deltas)).toBe(true);
    expect(Array.from(unpackDeltas(p.tracks[0].deltas))).toEqual(Array.from(synth.edges.edges));
  });

  it("reads back what was written", () => {
    const bytes = writeTr([{ cyl: 1, head: 0, capture: synth.edges }], { commandLine: "cmd", note: "note" });
    const tr = readTr(bytes, "x.tr");
    expect([tr.cylinders, tr.heads, tr.rate, tr.commandLine, tr.note, tr.endMarker, tr.version]).toEqual([2, 1, TR_CLOCK, "cmd", "note", true, 0x01020200]);
    expect(tr.tracks[0].cyl).toBe(1);
    expect(Array.from(tr.tracks[0].capture.edges)).toEqual(Array.from(synth.edges.edges));
    expect(tr.tracks[0].capture.source).toBe("x.tr cyl 1 head 0");
    // Writing what was read gives the same file.
    expect(same(writeTr(tr.tracks, { cylinders: 2, heads: 1, commandLine: "cmd", note: "note" }), bytes)).toBe(true);
  });

  it("round trip of arbitrary deltas, geometry and texts (property)", () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            cyl: fc.integer({ min: 0, max: 20 }),
            head: fc.integer({ min: 0, max: 7 }),
            deltas: fc.array(fc.oneof(fc.integer({ min: 1, max: 300 }), fc.constantFrom(253, 254, 255, 0xffff, 0x10000, 0xffffff)), { maxLength: 60 }),
          }),
          { maxLength: 5 },
        ),
        fc.string(),
        fc.string(),
        (tracks, cmd, note) => {
          const input = tracks.map((t) => {
            let s = 0;
            return { cyl: t.cyl, head: t.head, capture: edgeCap(t.deltas.map((d) => (s += d))) };
          });
          const bytes = writeTr(input, { cylinders: 21, heads: 8, commandLine: cmd, note });
          const p = parseTrIndependently(bytes);
          expect(p.checksumOk).toBe(true);
          expect(p.tracks.every((t) => t.crcOk)).toBe(true);
          const tr = readTr(bytes);
          expect(tr.commandLine).toBe(cmd.replace(/\0+$/, ""));
          expect(tr.note).toBe(note.replace(/\0+$/, ""));
          expect(tr.tracks.map((t) => [t.cyl, t.head, Array.from(t.capture.edges)])).toEqual(input.map((t) => [t.cyl, t.head, Array.from(t.capture.edges)]));
        },
      ),
      { numRuns: 150 },
    );
  });

  it("packs deltas as 1, 3 or 4 bytes at the spec's boundaries", () => {
    const ticks = (d: number[]) => {
      let s = 0;
      return Float64Array.from(d.map((x) => (s += x)));
    };
    expect(Array.from(packDeltas(ticks([1, 253])))).toEqual([1, 253]);
    expect(Array.from(packDeltas(ticks([254])))).toEqual([254, 254, 0]);
    expect(Array.from(packDeltas(ticks([255])))).toEqual([254, 255, 0]);
    expect(Array.from(packDeltas(ticks([0xffff])))).toEqual([254, 0xff, 0xff]);
    expect(Array.from(packDeltas(ticks([0x10000])))).toEqual([255, 0, 0, 1]);
    expect(Array.from(packDeltas(ticks([0xffffff])))).toEqual([255, 0xff, 0xff, 0xff]);
    expect(code(() => packDeltas(ticks([0x1000000])))).toBe("E_LIMIT");
    expect(code(() => writeTr([{ cyl: 0, head: 0, capture: edgeCap([0x1000000]) }]))).toBe("E_LIMIT");
  });

  it("unpacks escapes, drops a truncated final escape and merges zero deltas", () => {
    expect(Array.from(unpackDeltas(Uint8Array.of(5, 254, 0x34, 0x12, 255, 1, 0, 1)))).toEqual([5, 5 + 0x1234, 5 + 0x1234 + 0x10001]);
    expect(Array.from(unpackDeltas(Uint8Array.of(5, 254, 1)))).toEqual([5]);
    expect(Array.from(unpackDeltas(Uint8Array.of(5, 255, 1, 2)))).toEqual([5]);
    expect(Array.from(unpackDeltas(Uint8Array.of(0, 5, 0, 7)))).toEqual([5, 12]);
  });

  it("rescales other clocks: t200 = round(t · 200e6 / rate), merging collisions", () => {
    expect(Array.from(toTrTicks(edgeCap([1, 2, 3], 100e6)))).toEqual([2, 4, 6]);
    expect(Array.from(toTrTicks(edgeCap([1, 2, 3], 15e6)))).toEqual([13, 27, 40]);
    // At 400 MHz two samples can share a tick: the later transition is merged.
    expect(Array.from(toTrTicks(edgeCap([10, 11, 13], 400e6)))).toEqual([5, 6, 7]);
    expect(Array.from(toTrTicks(edgeCap([10, 12, 13], 400e6)))).toEqual([5, 6, 7]);
    expect(Array.from(toTrTicks(edgeCap([9, 10], 400e6)))).toEqual([5]);
  });

  it("rejects tracks outside the geometry and bad counts", () => {
    expect(code(() => writeTr([{ cyl: 3, head: 0, capture: edgeCap([5]) }], { cylinders: 3 }))).toBe("E_ARGUMENT");
    expect(code(() => writeTr([{ cyl: 0, head: -1, capture: edgeCap([5]) }]))).toBe("E_ARGUMENT");
    expect(code(() => writeTr([], { heads: 0 }))).toBe("E_ARGUMENT");
  });

  it("an empty file (no tracks) is valid", () => {
    const tr = readTr(writeTr([], { cylinders: 1, heads: 1 }));
    expect(tr.tracks).toEqual([]);
    expect(tr.endMarker).toBe(true);
  });
});

describe(".tr reader: damaged and foreign files", () => {
  const good = writeTr(
    [
      { cyl: 0, head: 0, capture: edgeCap([10, 20, 400, 70000, 70010]) },
      { cyl: 0, head: 1, capture: edgeCap([7, 14, 21]) },
    ],
    { cylinders: 1, heads: 2, commandLine: "c", note: "n" },
  );
  const p = parseTrIndependently(good);
  /** Record boundaries: after each track record, and after the end marker's cyl/head. */
  const firstEnd = p.off + 12 + p.tracks[0].deltas.length + 4;
  const secondEnd = firstEnd + 12 + p.tracks[1].deltas.length + 4;

  function withChecksum(b: Uint8Array): Uint8Array {
    const c = b.slice();
    new DataView(c.buffer).setUint32(p.off - 4, trChecksum(c, 0, p.off - 4), true);
    return c;
  }

  it("bad magic is E_FORMAT", () => {
    const b = good.slice();
    b[1] = 0x4e;
    expect(code(() => readTr(b))).toBe("E_FORMAT");
    expect(code(() => readTr(enc("hello world, not a .tr")))).toBe("E_FORMAT");
  });

  it("emulator files are E_FORMAT, and say so", () => {
    const b = good.slice();
    new DataView(b.buffer).setUint32(8, 0x02020200, true);
    expect(code(() => readTr(b))).toBe("E_FORMAT");
    expect(messageOf(() => readTr(b))).toMatch(/emulator files are not transitions/);
  });

  it("a transition clock other than 200 MHz is E_FORMAT", () => {
    const b = good.slice();
    new DataView(b.buffer).setUint32(28, 100_000_000, true);
    expect(code(() => readTr(b))).toBe("E_CORRUPT"); // the checksum catches it first
    expect(code(() => readTr(withChecksum(b)))).toBe("E_FORMAT");
  });

  it("a header checksum mismatch is E_CORRUPT", () => {
    const b = good.slice();
    b[p.off - 6] ^= 0x20; // inside the note / start time
    expect(code(() => readTr(b))).toBe("E_CORRUPT");
    expect(messageOf(() => readTr(b))).toMatch(/header checksum/);
  });

  it("a track CRC mismatch is E_CORRUPT", () => {
    const b = good.slice();
    b[p.off + 12 + 1] ^= 1;
    expect(code(() => readTr(b))).toBe("E_CORRUPT");
    expect(messageOf(() => readTr(b))).toMatch(/track record 0 \(cyl 0 head 0\): CRC/);
    const c = good.slice();
    c[secondEnd - 1] ^= 0x80; // the second track's stored CRC
    expect(messageOf(() => readTr(c))).toMatch(/track record 1 .*CRC/);
  });

  it("a track outside the header geometry is E_CORRUPT", () => {
    const b = good.slice();
    new DataView(b.buffer).setInt32(firstEnd + 4, 2, true); // head 2 of 2 heads
    expect(code(() => readTr(b))).toBe("E_CORRUPT");
  });

  it("every truncation is E_FORMAT (inside the magic), E_CORRUPT, or a clean end at a record boundary", () => {
    for (let n = 0; n < good.length; n++) {
      const cut = good.subarray(0, n);
      if (n < 8) expect(code(() => readTr(cut)), `length ${n}`).toBe("E_FORMAT");
      else if (n === p.off || n === firstEnd || n === secondEnd) {
        expect(readTr(cut).tracks.length).toBe(n === p.off ? 0 : n === firstEnd ? 1 : 2);
        expect(readTr(cut).endMarker).toBe(false);
      } else if (n >= secondEnd + 8) expect(readTr(cut).endMarker).toBe(true);
      else expect(code(() => readTr(cut)), `length ${n}`).toBe("E_CORRUPT");
    }
  });

  it("an unexpected version or a missing end marker only warns", () => {
    expect(readTr(good).warnings).toEqual([]);
    const b = good.slice();
    new DataView(b.buffer).setUint32(8, 0x01030100, true);
    const tr = readTr(withChecksum(b), "v.tr");
    expect(tr.tracks).toHaveLength(2);
    expect(tr.warnings).toEqual(["v.tr: version word 0x01030100, expected 0x01020200; read as a transitions file anyway"]);
    expect(readTr(good.subarray(0, secondEnd), "cut.tr").warnings).toEqual(["cut.tr: no end marker after track record 1; the file may have been cut short"]);
  });

  it("absurd header fields are E_CORRUPT", () => {
    const b = good.slice();
    new DataView(b.buffer).setUint32(12, good.length + 10, true);
    expect(code(() => readTr(b))).toBe("E_CORRUPT");
    const c = good.slice();
    new DataView(c.buffer).setUint32(32, 1 << 30, true); // command-line length
    expect(code(() => readTr(c))).toBe("E_CORRUPT");
    const d = good.slice();
    new DataView(d.buffer).setUint32(16, 4, true); // track header size
    expect(code(() => readTr(withChecksum(d)))).toBe("E_CORRUPT");
  });
});

// ---------------------------------------------------------------- VCD

describe("VCD reader", () => {
  // sigrok-cli -O vcd of a 500 kHz capture (layout of the sigrok wiki's example).
  const sigrokVcd = `$date Fri Aug  1 23:46:38 2014 $end
$version libsigrok 0.3.0 $end
$comment
  Acquisition with 2/8 channels at 500 kHz
$end
$timescale 1 us $end
$scope module libsigrok $end
$var wire 1 ! sda $end
$var wire 1 " scl $end
$upscope $end
$enddefinitions $end
#0 1! 0"
#40 0!
#72 1"
#102 1!
#144 0! 1"
#160
`;

  it("reads sigrok's VCD: rate from the comment, timestamps in µs, wires as bits", () => {
    const c = readVcd(enc(sigrokVcd), "sigrok.vcd");
    expect(c.sampleRate).toBe(500_000);
    expect(c.channels).toEqual([{ index: 0, name: "sda" }, { index: 1, name: "scl" }]);
    expect(c.unitSize).toBe(1);
    expect(c.sampleCount).toBe(80);
    const level = (s: number) => c.samples[s];
    expect([level(0), level(19), level(20), level(35), level(36), level(50), level(51), level(71), level(72), level(79)]).toEqual([1, 1, 0, 0, 2, 2, 3, 3, 2, 2]);
  });

  it("edges mode gives what logicToEdges gives on the logic samples (index and suppress wires included)", () => {
    const logic = readVcd(enc(sigrokVcd), "s.vcd");
    const edges = readVcd(enc(sigrokVcd), "s.vcd", { as: "edges" });
    const ref = logicToEdges(logic);
    expect(Array.from(edges.edges)).toEqual(Array.from(ref.edges));
    expect(Array.from(edges.index!)).toEqual(Array.from(ref.index!));
    expect(Array.from(edges.edges)).toEqual([51]);
    const falling = readVcd(enc(sigrokVcd), "s.vcd", { as: "edges", leadingEdge: "falling", indexWire: null });
    expect(Array.from(falling.edges)).toEqual([20, 72]);
    expect(falling.index).toBeUndefined();
    const scl = readVcd(enc(sigrokVcd), "s.vcd", { as: "edges", dataWire: "scl", indexWire: null });
    expect(Array.from(scl.edges)).toEqual([36]);
    expect(Array.from(readVcd(enc(sigrokVcd), "s.vcd", { as: "edges", dataWire: '"', indexWire: null }).edges)).toEqual([36]);
    expect(code(() => readVcd(enc(sigrokVcd), "s.vcd", { as: "edges", dataWire: "nope" }))).toBe("E_ARGUMENT");
  });

  it("edges mode equals logicToEdges on random files (property)", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 4 }),
        fc.array(fc.record({ dt: fc.integer({ min: 0, max: 5 }), wire: fc.nat(3), v: fc.constantFrom("0", "1", "x") }), { maxLength: 80 }),
        fc.constantFrom("rising", "falling") as fc.Arbitrary<"rising" | "falling">,
        (wires, changes, leadingEdge) => {
          let text = "$timescale 10 ps $end\n";
          for (let k = 0; k < wires; k++) text += `$var wire 1 ${String.fromCharCode(33 + k)} w${k} $end\n`;
          text += "$enddefinitions $end\n";
          let t = 0;
          for (const ch of changes) {
            if (ch.dt) text += `#${(t += ch.dt)}\n`;
            text += `${ch.v}${String.fromCharCode(33 + (ch.wire % wires))}\n`;
          }
          const bytes = enc(text);
          const logic = readVcd(bytes, "r.vcd");
          expect(logic.sampleRate).toBe(1e11);
          const ref = logicToEdges(logic, { leadingEdge });
          const e = readVcd(bytes, "r.vcd", { as: "edges", leadingEdge });
          expect(Array.from(e.edges)).toEqual(Array.from(ref.edges));
          expect(e.index && Array.from(e.index)).toEqual(ref.index && Array.from(ref.index));
          expect(e.sampleCount).toBe(logic.sampleCount);
        },
      ),
      { numRuns: 200 },
    );
  });

  it("timescales: 5 ns, 5ns, 1 ns, 10 ps, 100 us", () => {
    const rate = (ts: string) => readVcd(enc(`$timescale ${ts} $end $var wire 1 ! 0 $end $enddefinitions $end #0 0! #3 1! #4 0!`)).sampleRate;
    expect(rate("5 ns")).toBe(200e6);
    expect(rate("5ns")).toBe(200e6);
    expect(rate("1 ns")).toBe(1e9);
    expect(rate("10 ps")).toBe(1e11);
    expect(rate("100 us")).toBe(1e4);
    expect(rate("1\n  ps")).toBe(1e12);
  });

  it("a 1-tick pulse per transition (tr_to_vcd) decodes from samples and from edges", async () => {
    const synth = synthTrack({ format: "RLL_WD", sectorsPerTrack: 3, seed: 9, jitter: 0.03 });
    const vcd = writeVcd(synth.edges);
    const text = new TextDecoder().decode(vcd);
    expect(text).toContain("$timescale 5 ns $end");
    expect(text).toMatch(/\$var wire 1 ! 0 \$end/);
    const e0 = synth.edges.edges[0];
    expect(text).toContain(`#0 0!\n#${e0} 1!\n#${e0 + 1} 0!\n`);
    const asLogic = readVcd(vcd, "x.vcd");
    const asEdges = readVcd(vcd, "x.vcd", { as: "edges" });
    expect(Array.from(asEdges.edges)).toEqual(Array.from(synth.edges.edges));
    for (const c of [asLogic, asEdges]) {
      const r = await decode(c, synth.options);
      const datas = r.records.filter((x) => x.kind === "data");
      expect(datas.map((d) => Buffer.from(d.bytes).toString("hex"))).toEqual(synth.expected.map((s) => Buffer.from(s.data).toString("hex")));
    }
  });

  it("logic captures at rates without a whole-fs period (15 MHz) round-trip through a 1 ns timescale", () => {
    const synth = synthTrack({ format: "FM", sectorsPerTrack: 2, indexPulse: true, seed: 4 });
    expect(vcdTimescale(15e6).text).toBe("1 ns");
    expect(vcdTimescale(15e6).ticksPerSample).toBeCloseTo(1e9 / 15e6, 9);
    expect(vcdTimescale(200e6)).toEqual({ text: "5 ns", ticksPerSample: 1 });
    expect(vcdTimescale(100e6).text).toBe("10 ns");
    expect(vcdTimescale(1e6).text).toBe("1 us");
    const back = readVcd(writeVcd(synth.capture), "fm.vcd");
    expect(back.sampleRate).toBe(15e6);
    expect(back.sampleCount).toBe(synth.capture.sampleCount);
    expect(back.channels.length).toBe(2);
    expect(same(back.samples, synth.capture.samples)).toBe(true);
    const edges = readVcd(writeVcd(synth.edges), "fm.vcd", { as: "edges" });
    expect(Array.from(edges.edges)).toEqual(Array.from(synth.edges.edges));
  });

  it("more than 8 wires use wider sample units", () => {
    let text = "$timescale 1 ns $end\n";
    for (let k = 0; k < 10; k++) text += `$var wire 1 w${k} ch${k} $end\n`;
    text += "$enddefinitions $end\n#0 1w0 1w9\n#2 0w0\n#3\n";
    const c = readVcd(enc(text));
    expect([c.unitSize, c.sampleCount]).toEqual([2, 3]);
    expect(Array.from(c.samples)).toEqual([1, 2, 1, 2, 0, 2]);
    const w = readVcd(writeVcd(c));
    expect(same(w.samples, c.samples)).toBe(true);
  });

  it("vector and real variables are not channels; b-values of 1-bit wires are", () => {
    const text = `$timescale 1 ns $end $var wire 8 # bus $end $var real 1 % r $end $var wire 1 ! d $end $enddefinitions $end
#0 b00001111 # r1.5 % b0 !
#4 b1 !
#6 b0 !
#8`;
    const c = readVcd(enc(text));
    expect(c.channels).toEqual([{ index: 0, name: "d" }]);
    expect(Array.from(c.samples)).toEqual([0, 0, 0, 0, 1, 1, 0, 0]);
  });

  function trToVcd(tr: TrFile): string {
    // What tools/tr_to_vcd.py writes for several tracks into one file (spec §8).
    let out = "";
    let T = 0;
    tr.tracks.forEach((t, k) => {
      if (k > 0) T += 1;
      out += `$comment Track ${k}: Cylinder ${t.cyl}, Head ${t.head} $end\n$timescale 5 ns $end\n$var wire 1 ! 0 $end\n$enddefinitions $end\n#${T} 0!\n`;
      let prev = 0;
      for (const e of t.capture.edges) {
        T += e - prev;
        prev = e;
        out += `#${T} 1!\n#${T + 1} 0!\n`;
      }
      T += 1;
    });
    return out;
  }

  it("a multi-track tr_to_vcd dump splits into its tracks, each as in the .tr", async () => {
    const tracks = [0, 1, 2].map((k) => synthTrack({ format: "MFM", sectorsPerTrack: 2, seed: 10 + k, cyl: k >> 1, head: k & 1, sampleRate: TR_CLOCK }));
    const tr = readTr(writeTr(tracks.map((s, k) => ({ cyl: k >> 1, head: k & 1, capture: s.edges }))));
    const vcd = enc(trToVcd(tr));
    const split = readVcdTracks(vcd, "dump.vcd");
    expect(split.map((t) => [t.track, t.cyl, t.head])).toEqual([[0, 0, 0], [1, 0, 1], [2, 1, 0]]);
    split.forEach((t, k) => expect(Array.from(t.capture.edges)).toEqual(Array.from(tr.tracks[k].capture.edges)));
    const any = await readAnyCapture(vcd, "dump.vcd");
    expect(any.kind).toBe("tracks");
    if (any.kind !== "tracks") return;
    for (const [k, t] of any.tracks.entries()) {
      const r = await decode(t.capture, tracks[k].options);
      expect(r.records.filter((x) => x.kind === "data").map((x) => x.crc?.ok)).toEqual([true, true]);
    }
    // A single-track dump stays a single capture.
    const one = await readAnyCapture(enc(trToVcd({ ...tr, tracks: tr.tracks.slice(0, 1) })), "one.vcd");
    expect(one.kind).toBe("single");
  });

  it("damaged VCD text is E_CORRUPT; other text is E_FORMAT", () => {
    const head = "$timescale 5 ns $end\n$var wire 1 ! 0 $end\n$enddefinitions $end\n";
    expect(code(() => readVcd(enc(head + "#0 0!\n#10 ?!\n")))).toBe("E_CORRUPT");
    expect(code(() => readVcd(enc(head + "#10 1!\n#5 0!\n")))).toBe("E_CORRUPT");
    expect(code(() => readVcd(enc(head + "#1x0 1!\n")))).toBe("E_CORRUPT");
    expect(code(() => readVcd(enc(head + "#0 1\n")))).toBe("E_CORRUPT");
    expect(code(() => readVcd(enc(head + "#0 b2 !\n")))).toBe("E_CORRUPT");
    expect(code(() => readVcd(enc("$timescale 5 parsecs $end\n$var wire 1 ! 0 $end\n$enddefinitions $end\n")))).toBe("E_CORRUPT");
    expect(code(() => readVcd(enc("$timescale 5 ns $end\n$enddefinitions $end\n#0\n")))).toBe("E_CORRUPT");
    expect(code(() => readVcd(enc("$comment never ends\n")))).toBe("E_CORRUPT");
    expect(code(() => readVcd(enc("$var wire 1 ! 0 $end\n$enddefinitions $end\n#0 1!\n")))).toBe("E_CORRUPT"); // no timescale
    expect(readVcd(enc("$var wire 1 ! 0 $end\n$enddefinitions $end\n#0 1!\n#2"), "x", { sampleRate: 1e6 }).sampleRate).toBe(1e6);
    expect(code(() => readVcd(enc("hello\n")))).toBe("E_FORMAT");
    expect(code(() => readVcd(enc("$timescale 5 ns $end $var wire 1 ! 0 $end $enddefinitions $end #0 0! $timescale 1 ns $end")))).toBe("E_CORRUPT");
  });

  it("random garbage after a valid header fails cleanly (property)", () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 200 }), (junk) => {
        const bytes = new Uint8Array([...enc("$timescale 5 ns $end $var wire 1 ! 0 $end $enddefinitions $end #0 0! "), ...junk]);
        try {
          readVcd(bytes);
          readVcd(bytes, "x", { as: "edges" });
        } catch (e) {
          expect(e).toBeInstanceOf(DiskfluxError);
          expect(["E_CORRUPT", "E_LIMIT"]).toContain((e as DiskfluxError).code);
        }
      }),
      { numRuns: 300 },
    );
  });
});

// ---------------------------------------------------------------- CSV

describe("CSV reader", () => {
  it("one row per sample, samplerate from a comment, channel names from the header", () => {
    const text = "; CSV, generated by libsigrok 0.5.2\n; Samplerate: 15 MHz\ndata,index\n0,1\n1,1\n1,0\n0,0\n";
    const c = readCsv(enc(text), "a.csv");
    expect([c.sampleRate, c.sampleCount, c.unitSize]).toEqual([15e6, 4, 1]);
    expect(c.channels).toEqual([{ index: 0, name: "data" }, { index: 1, name: "index" }]);
    expect(Array.from(c.samples)).toEqual([2, 3, 1, 0]);
  });

  it("a numeric header row of channel names (0,1,2) is a header", () => {
    const c = readCsv(enc("; samplerate=1000\n0,1,2\n0,0,1\n1,0,1\n"));
    expect(c.channels.map((x) => x.name)).toEqual(["0", "1", "2"]);
    expect(Array.from(c.samples)).toEqual([4, 5]);
  });

  it("a time column in seconds holds levels until the next row", () => {
    const text = "Time [us],d\n0,0\n0.5,1\n0.6,0\n2.0,1\n";
    const c = readCsv(enc(text), "t.csv", { sampleRate: 10e6 });
    expect(c.sampleCount).toBe(21);
    expect(Array.from(c.samples)).toEqual([0, 0, 0, 0, 0, 1, ...Array(14).fill(0), 1]);
    // Without a rate the smallest step gives it (0.1 us -> 10 MHz).
    expect(readCsv(enc(text)).sampleRate).toBe(10e6);
  });

  it("a sample-number column, with or without a header", () => {
    const a = readCsv(enc("; Samplerate: 1 MHz\nsamplenum,x\n0,1\n3,0\n4,1\n"));
    const b = readCsv(enc("; Samplerate: 1 MHz\n0,1\n3,0\n4,1\n"));
    for (const c of [a, b]) {
      expect(c.sampleCount).toBe(5);
      expect(Array.from(c.samples)).toEqual([1, 1, 1, 0, 1]);
    }
  });

  it("a synthesized track written as a CSV of changes decodes to its sectors", async () => {
    const synth = synthTrack({ format: "FM", sectorsPerTrack: 3, seed: 5, indexPulse: true });
    const c = synth.capture;
    const lines = ["; CSV written by the test", "; Samplerate: 15 MHz", "Time [s],data,index"];
    for (let i = 0; i < c.sampleCount; i++) {
      if (i === 0 || c.samples[i] !== c.samples[i - 1]) lines.push(`${(i / 15e6).toFixed(9)},${c.samples[i] & 1},${(c.samples[i] >> 1) & 1}`);
    }
    const back = readCsv(enc(lines.join("\r\n") + "\r\n"), "track.csv");
    // The capture ends at the last row: the last change.
    expect(back.sampleCount).toBe(lastChange(c) + 1);
    expect(same(back.samples, c.samples.subarray(0, back.sampleCount))).toBe(true);
    const r = await decode(back, synth.options);
    expect(r.records.filter((x) => x.kind === "data").map((x) => Buffer.from(x.bytes).toString("hex"))).toEqual(synth.expected.map((s) => Buffer.from(s.data).toString("hex")));
    const any = await readAnyCapture(enc(lines.join("\n")), "track.csv");
    expect(any.kind === "single" && any.format).toBe("csv");
  });

  function lastChange(c: LogicCapture): number {
    for (let i = c.sampleCount - 1; i > 0; i--) if (c.samples[i] !== c.samples[i - 1]) return i;
    return 0;
  }

  it("garbage is E_FORMAT or E_CORRUPT", () => {
    expect(code(() => readCsv(enc("0,1\n1,7\n"), "x", { sampleRate: 1 }))).toBe("E_CORRUPT");
    expect(code(() => readCsv(enc("a,b\nfoo,bar\n"), "x", { sampleRate: 1 }))).toBe("E_CORRUPT");
    expect(code(() => readCsv(enc("0,1\n1,0,1\n"), "x", { sampleRate: 1 }))).toBe("E_CORRUPT");
    expect(code(() => readCsv(enc("0,1\n1,0\n")))).toBe("E_FORMAT"); // no sample rate
    expect(code(() => readCsv(enc("; only a comment\n")))).toBe("E_FORMAT");
    expect(code(() => readCsv(Uint8Array.of(1, 0, 2, 0)))).toBe("E_FORMAT");
    expect(code(() => readCsv(enc("time,d\n5,1\n3,0\n"), "x", { sampleRate: 1 }))).toBe("E_CORRUPT");
  });
});

// ---------------------------------------------------------------- detection

describe("readAnyCapture: detection by content", () => {
  const synth = synthTrack({ format: "MFM", sectorsPerTrack: 2, seed: 2 });

  it("tells .sr, .tr, .vcd and .csv apart whatever the name", async () => {
    const sr = writeSigrok(synth.capture);
    const tr = writeTr([{ cyl: 0, head: 0, capture: synth.edges }]);
    const vcd = writeVcd(synth.capture);
    expect(detectCaptureFormat(sr)).toBe("zip");
    expect(detectCaptureFormat(tr)).toBe("tr");
    expect(detectCaptureFormat(vcd)).toBe("vcd");
    expect(detectCaptureFormat(enc("; Samplerate: 1 MHz\n0,1\n1,0\n"))).toBe("csv");
    const a = await readAnyCapture(sr, "x.vcd");
    expect(a.kind === "single" && a.format).toBe("sr");
    const b = await readAnyCapture(tr, "x.sr");
    expect(b.kind === "tracks" && b.format).toBe("tr");
    const c = await readAnyCapture(vcd, "x.csv");
    expect(c.kind === "single" && c.format === "vcd" && c.capture.kind).toBe("logic");
    const d = await readAnyCapture(vcd, "x", { vcd: { as: "edges" } });
    expect(d.kind === "single" && d.capture.kind).toBe("edges");
    const e = await readAnyCapture(vcd, "x", { vcdLogicLimit: 10 });
    expect(e.kind === "single" && e.capture.kind).toBe("edges");
  });

  it("anything else is E_FORMAT", async () => {
    expect(await codeAsync(readAnyCapture(Uint8Array.of(0, 1, 2, 3, 255, 254), "junk.bin"))).toBe("E_FORMAT");
    expect(await codeAsync(readAnyCapture(new Uint8Array(0), "empty"))).toBe("E_FORMAT");
    expect(await codeAsync(readAnyCapture(enc("just some words\nand more\n"), "words.txt"))).toBe("E_FORMAT");
  });

  it("random bytes never escape as anything but a DiskfluxError (property)", async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 300 }), fc.constantFrom("", "$timescale 5 ns $end ", "\xee\x4d\x46\x4d\r\n\x1a\0", "; samplerate: 1 MHz\n"), async (junk, prefix) => {
        const bytes = new Uint8Array([...Buffer.from(prefix, "latin1"), ...junk]);
        try {
          await readAnyCapture(bytes, "junk");
        } catch (e) {
          expect(e).toBeInstanceOf(DiskfluxError);
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe.runIf(haveShared)("shared captures: other readers agree with .sr", () => {
  let capture: LogicCapture;
  beforeAll(async () => {
    capture = await readCaptureFile(`${SAMPLES_DIR}/hdd_mfm_RQDX3_sector.sr`);
  });
  it("hdd_mfm_RQDX3_sector as CSV (one row per sample) is the same capture", () => {
    const lines = ["; Samplerate: 100 MHz", "0,1,2"];
    for (let i = 0; i < capture.sampleCount; i++) {
      const v = capture.samples[i];
      lines.push(`${v & 1},${(v >> 1) & 1},${(v >> 2) & 1}`);
    }
    const c = readCsv(enc(lines.join("\n")), "s.csv");
    expect(c.sampleRate).toBe(capture.sampleRate);
    expect(same(c.samples, capture.samples)).toBe(true);
    expect(c.channels.map((x) => x.name)).toEqual(capture.channels.map((x) => x.name));
  });
});
