// Track encoder tests: known cell patterns, RLL round trips through a reference
// decoder written here from spec §4.3, sync-mark alignment (§3.4, §4.4, §4.5),
// CRC bytes against the original decoder's outputs, flux and logic rendering,
// the demo capture and the sigrok writer.
//
//   MFM A1 mark   0100 0100 1000 1001 = 0x4489   pulses after a 00 preamble: 3 4 3 4 3
//   FM FE/C7      1111 0101 0111 1110 = 0xF57E
//   RLL_WD F0     pulses 8 3; after the §4.5 rewrite the 12 cells are 1000 1000 1001

import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import fc from "fast-check";
import { unzipSync } from "fflate";
import { describe, expect, it } from "vitest";
import type { LogicCapture } from "../src/capture.js";
import { crcOf } from "../src/kernels/crc.js";
import {
  MFM_A1_MISSING,
  MFM_C2_MISSING,
  RllEncoder,
  CellBuffer,
  cellWord,
  encodeFm,
  encodeMfm,
  encodeRll,
  fmWord,
  mfmWord,
  pulseWidths,
  type RllCodemap,
} from "../src/encode/cells.js";
import { DEMO_BAD_SECTOR, demoCapture } from "../src/encode/demo.js";
import { cellsToEdges, edgesToLogic, mulberry32 } from "../src/encode/flux.js";
import { synthTrack } from "../src/encode/synth.js";
import {
  SYNTH_FORMATS,
  SYNTH_FORMAT_NAMES,
  dataField,
  effectiveShifts,
  encodeTrackDetailed,
  findSync,
  idField,
  lockPulses,
  wdIdMark,
  type EncodedTrack,
  type MarkPlacement,
  type SectorSpec,
  type SynthFormat,
  type SynthFormatName,
} from "../src/encode/track.js";
import { SIGROK_CHUNK_BYTES, samplerateString, writeSigrok } from "../src/writers/sigrok.js";

// ---------------------------------------------------------------------------
// Reference decoders, written from the spec tables (independent of src/)

/** §4.2: the data bit is the second cell of each pair. */
function refFold(cells: Uint8Array, at: number, count: number): number[] {
  const out: number[] = [];
  for (let k = 0; k < count; k++) {
    let v = 0;
    for (let i = 0; i < 8; i++) v = (v << 1) | cells[at + 16 * k + 2 * i + 1];
    out.push(v);
  }
  return out;
}

/** §4.3 code tables, code word → data bits. */
const REF_RLL: Record<RllCodemap, Record<string, string>> = {
  IBM: { "1000": "11", "0100": "10", "100100": "010", "001000": "011", "000100": "000", "00100100": "0010", "00001000": "0011" },
  WD: { "1000": "11", "0100": "10", "100100": "000", "001000": "011", "000100": "010", "00100100": "0010", "00001000": "0011" },
};

/** §4.3: parse code words from `at` and return the first `count` bytes. */
function refRll(cells: Uint8Array, at: number, count: number, map: RllCodemap): number[] {
  let bits = "";
  let i = at;
  while (bits.length < 8 * count) {
    let hit: string | undefined;
    for (const len of [4, 6, 8]) {
      hit = REF_RLL[map][Array.from(cells.subarray(i, i + len)).join("")];
      if (hit !== undefined) {
        i += len;
        break;
      }
    }
    if (hit === undefined) throw new Error(`no RLL code word at cell ${i}`);
    bits += hit;
  }
  const out: number[] = [];
  for (let k = 0; k < count; k++) out.push(parseInt(bits.slice(8 * k, 8 * k + 8), 2));
  return out;
}

/** Transition positions of the sync mark that ends at markEnd, oldest first (the first is the last preamble edge). */
function markEdges(cells: Uint8Array, markEnd: number, pulses: number): number[] {
  const edges = [markEnd];
  for (let t = markEnd - 1; t >= 0 && edges.length <= pulses; t--) if (cells[t]) edges.unshift(t);
  return edges;
}

/** §4.5 (non-OMTI): on each 8-cell pulse of the mark, add a transition 4 cells before its end. */
function refRewrite(cells: Uint8Array, edges: number[]): Uint8Array {
  const c = cells.slice();
  for (let k = 1; k < edges.length; k++) if (edges[k] - edges[k - 1] === 8) c[edges[k] - 4] = 1;
  return c;
}

/** Decodes `count` bytes at a mark placement the way the decoder would (rewrite + fold or code table). */
function decodeAt(track: EncodedTrack, m: MarkPlacement, count: number): number[] {
  const fmt = track.format;
  if (fmt.encoding !== "RLL") return refFold(track.cells, m.cell, count);
  const eff = effectiveShifts(fmt)[m.syncMark];
  const edges = markEdges(track.cells, m.cell + eff - 1, fmt.syncMarks[m.syncMark].length);
  return refRll(refRewrite(track.cells, edges), m.cell, count, fmt.codemap as RllCodemap);
}

function randomBytes(n: number, seed: number): Uint8Array {
  const r = mulberry32(seed);
  return Uint8Array.from({ length: n }, () => (r() * 256) | 0);
}

function sectorsFor(name: SynthFormatName, n: number, seed: number): SectorSpec[] {
  const f = SYNTH_FORMATS[name];
  const cyl = f.headerFormat === "3" ? 1234 : f.headerFormat === "Seagate" ? 700 : 77;
  return Array.from({ length: n }, (_, i) => ({ cyl, head: 3, sec: i + 1, data: randomBytes(f.defaults.sectorSize, seed + i) }));
}

/** Byte equality without vitest's element-by-element deep compare (slow on megabytes). */
const sameBytes = (a: Uint8Array, b: Uint8Array) => Buffer.from(a.buffer, a.byteOffset, a.length).equals(Buffer.from(b.buffer, b.byteOffset, b.length));

const hex = (b: ArrayLike<number>) => Array.from(b, (x) => x.toString(16).toUpperCase().padStart(2, "0")).join(" ");

// ---------------------------------------------------------------------------

describe("cell encoders: known answers", () => {
  it("FM marks (§4.2)", () => {
    expect(fmWord(0xfe, 0xc7)).toBe(0xf57e);
    expect(fmWord(0xfb, 0xc7)).toBe(0xf56f);
    expect(fmWord(0xfc, 0xd7)).toBe(0xf77a);
    expect(fmWord(0x00)).toBe(0xaaaa);
    expect(fmWord(0xff)).toBe(0xffff);
  });

  it("MFM bytes and missing-clock marks (§4.2)", () => {
    expect(mfmWord(0xa1, 0)).toBe(0x44a9);
    expect(mfmWord(0xa1, 0, MFM_A1_MISSING)).toBe(0x4489);
    expect(mfmWord(0xc2, 0)).toBe(0x52a4);
    expect(mfmWord(0xc2, 0, MFM_C2_MISSING)).toBe(0x5224);
    expect(mfmWord(0x00, 0)).toBe(0xaaaa);
    expect(mfmWord(0x00, 1)).toBe(0x2aaa);
    expect(mfmWord(0x4e, 0)).toBe(0x9254);
  });

  it("MFM A1 after a 00 preamble: pulses 3 4 3 4 3 ending on the A1's last cell", () => {
    const cells = encodeMfm([0, 0, 0, 0xa1, 0xfe], 0, [0, 0, 0, MFM_A1_MISSING, 0]);
    const lastPreamble = 46; // clock cell of the third 00 byte's bit 0
    expect(cells[lastPreamble]).toBe(1);
    expect(pulseWidths(cells, lastPreamble, 48 + 16)).toEqual([3, 4, 3, 4, 3]);
    expect(cellWord(cells, 48)).toBe(0x4489);
  });

  it("MFM C2 after a 00 preamble: pulses 3 2 3 4 3 4 (mark B, 18 cells)", () => {
    const m = MFM_C2_MISSING;
    const cells = encodeMfm([0, 0, 0xc2, 0xc2], 0, [0, 0, m, m]);
    expect(pulseWidths(cells, 30, 32 + 18)).toEqual([3, 2, 3, 4, 3, 4]);
  });

  it("FM FE/C7 after a 00 preamble: pulse 2, then mark A ending on the next clock", () => {
    const cells = encodeFm([0, 0, 0xfe, 0x00], [0xff, 0xff, 0xc7, 0xff]);
    expect(pulseWidths(cells, 30, 32 + 17)).toEqual([2, 1, 1, 1, 2, 2, 2, 1, 1, 1, 1, 1, 2]);
  });

  it("RLL code words, one table entry each (§4.3)", () => {
    // 0x00 in WD = 000 000 00|0 … ; 0xFF = 11 11 11 11
    expect(Array.from(encodeRll([0xff], "IBM")).join("")).toBe("1000".repeat(4));
    expect(Array.from(encodeRll([0x40], "IBM")).join("")).toBe("100100" + "000100" + "000100"); // 010 000 00+0
    expect(Array.from(encodeRll([0x40], "WD")).join("")).toBe("000100" + "100100" + "100100");
    expect(Array.from(encodeRll([0x30], "IBM")).join("")).toBe("00001000" + "000100" + "000100"); // 0011 000 0+00
  });

  it("streaming RLL: words straddle bytes, flush pads with 0 bits", () => {
    const out = new CellBuffer();
    const enc = new RllEncoder(out, "IBM");
    enc.byte(0x01); // 000 001 → "000" out, "00001" waits… until 0010/0011 is decided
    expect(enc.pending).toBeGreaterThan(0);
    expect(enc.flush()).toBeGreaterThan(0);
    expect(enc.pending).toBe(0);
    expect(refRll(out.toCells(), 0, 1, "IBM")).toEqual([0x01]);
  });

  it("WD header-format-3 ID marks carry cylinder bits 8..10 (§5.3)", () => {
    expect([0, 256, 512, 768, 1024, 1280, 1536, 1792].map(wdIdMark)).toEqual([0xfe, 0xff, 0xfc, 0xfd, 0xf6, 0xf7, 0xf4, 0xf5]);
  });

  it("effective shifts match the §2.3 table", () => {
    expect(effectiveShifts(SYNTH_FORMATS.FM)).toEqual([17, 16, 17]);
    expect(effectiveShifts(SYNTH_FORMATS.MFM)).toEqual([16, 18]);
    expect(effectiveShifts(SYNTH_FORMATS.RLL_WD)).toEqual([12, 12, 12]);
    expect(effectiveShifts(SYNTH_FORMATS.RLL_Seagate)).toEqual([18, 18]);
    expect([2, 3, 4].map(lockPulses)).toEqual([16, 11, 8]);
  });
});

describe("RLL(2,7) round trip through the reference decoder", () => {
  for (const map of ["IBM", "WD"] as const) {
    it(`${map}: encode → decode gives the bytes back, pulses stay within 3..8 cells`, () => {
      fc.assert(
        fc.property(fc.uint8Array({ minLength: 1, maxLength: 96 }), (bytes) => {
          const cells = encodeRll(bytes, map);
          expect(refRll(cells, 0, bytes.length, map)).toEqual(Array.from(bytes));
          for (const p of pulseWidths(cells)) {
            expect(p).toBeGreaterThanOrEqual(3);
            expect(p).toBeLessThanOrEqual(8);
          }
        }),
        { numRuns: 300 },
      );
    });
  }

  it("concatenated flushed segments keep the (2,7) limits", () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 8 }), fc.uint8Array({ minLength: 1, maxLength: 8 }), (a, b) => {
        const cells = new Uint8Array([...encodeRll(a, "IBM"), ...encodeRll(b, "WD")]);
        for (const p of pulseWidths(cells)) expect(p >= 3 && p <= 8).toBe(true);
      }),
    );
  });
});

describe("encoded tracks: sync marks, alignment, gaps", () => {
  for (const name of SYNTH_FORMAT_NAMES) {
    const fmt = SYNTH_FORMATS[name];
    const hasIam = fmt.indexMark !== undefined && fmt.encoding !== "RLL";
    const sectors = sectorsFor(name, 4, 100);
    sectors[1] = { ...sectors[1], badIdCrc: true };
    sectors[2] = { ...sectors[2], missingData: true };
    sectors[3] = { ...sectors[3], badDataCrc: true };
    const track = encodeTrackDetailed({ format: name, sectors, indexMark: hasIam });

    it(`${name}: every mark is preceded by ≥ lock S-pulses and spells a preset sync mark`, () => {
      const S = fmt.syncPulse;
      const eff = effectiveShifts(fmt);
      expect(track.marks.map((m) => m.kind)).toEqual([...(hasIam ? ["index"] : []), "id", "data", "id", "data", "id", "id", "data"]);
      for (const m of track.marks) {
        const mark = fmt.syncMarks[m.syncMark];
        const markEnd = m.cell + eff[m.syncMark] - 1;
        const edges = markEdges(track.cells, markEnd, mark.length);
        const pulses = edges.slice(1).map((e, i) => e - edges[i]);
        expect(pulses).toEqual(mark);
        const before = pulseWidths(track.cells, m.preambleCell, edges[0] + 1);
        expect(before.length).toBeGreaterThanOrEqual(lockPulses(S) + 4);
        expect(before.every((p) => p === S)).toBe(true);
      }
    });

    it(`${name}: decoding from each mark yields mark bytes, record, CRC and the first gap byte`, () => {
      for (const m of track.marks) {
        expect(hex(decodeAt(track, m, m.bytes.length))).toBe(hex(m.bytes));
      }
      const id0 = track.marks.find((m) => m.kind === "id")!;
      expect(hex(id0.bytes.subarray(0, fmt.idMark.length))).toBe(hex(fmt.idMark.map((b) => (b === 0xfe && fmt.headerFormat === "3" ? wdIdMark(sectors[0].cyl) : b))));
    });

    if (fmt.encoding === "RLL") {
      it(`${name}: the mark's 8-cell pulse is the §4.5 rewrite target`, () => {
        for (const m of track.marks) {
          const eff = effectiveShifts(fmt)[m.syncMark];
          const edges = markEdges(track.cells, m.cell + eff - 1, fmt.syncMarks[m.syncMark].length);
          const k = edges.findIndex((e, i) => i > 0 && e - edges[i - 1] === 8);
          expect(k).toBeGreaterThan(0);
          expect(track.cells[edges[k] - 4]).toBe(0); // removed on the track …
          expect(refRewrite(track.cells, edges)[edges[k] - 4]).toBe(1); // … put back by the decoder
        }
      });
    }

    it(`${name}: scanning the whole track finds the marks in order; gaps never lock`, () => {
      let from = 0;
      for (const m of track.marks) {
        const hit = findSync(track.cells, fmt, from);
        expect(hit?.byteStart).toBe(m.cell);
        // The decoder resets after the first gap byte; resume about there.
        from = m.cell + 16 * m.bytes.length + 8;
      }
      expect(findSync(track.cells, fmt, from)).toBeNull();
      // No lock-length run of S pulses between a field's end and the next preamble.
      const nLock = lockPulses(fmt.syncPulse);
      for (let i = 0; i + 1 < track.marks.length; i++) {
        const a = track.marks[i];
        const b = track.marks[i + 1];
        let run = 0;
        for (const p of pulseWidths(track.cells, a.cell + 16 * a.bytes.length, b.preambleCell + 1)) {
          run = p === fmt.syncPulse ? run + 1 : 0;
          expect(run).toBeLessThan(nLock);
        }
      }
    });

    it(`${name}: CRCs cover the §5.4 bytes; bad flags flip exactly one bit`, () => {
      for (let i = 0; i < sectors.length; i++) {
        const f = track.fields[i];
        const good = crcOf(fmt.headerCrc.width, fmt.headerCrc.poly, fmt.headerCrc.init, f.id.covered);
        const stored = f.id.crc.reduce((a, b) => (a << 8n) | BigInt(b), 0n);
        expect(stored ^ good).toBe(sectors[i].badIdCrc ? 1n : 0n);
        expect(f.id.crcOk).toBe(!sectors[i].badIdCrc);
        if (sectors[i].missingData) {
          expect(f.data).toBeNull();
          continue;
        }
        const d = f.data!;
        const gd = crcOf(fmt.dataCrc.width, fmt.dataCrc.poly, fmt.dataCrc.init, d.covered);
        expect(d.crc.reduce((a, b) => (a << 8n) | BigInt(b), 0n) ^ gd).toBe(sectors[i].badDataCrc ? 1n : 0n);
      }
    });
  }

  it("rejects impossible layouts with E_ARGUMENT", () => {
    const data = new Uint8Array(512);
    expect(() => encodeTrackDetailed({ format: "MFM", sectors: [{ cyl: 300, head: 0, sec: 0, data }] })).toThrow(/cyl/);
    expect(() => encodeTrackDetailed({ format: "MFM", sectors: [{ cyl: 0, head: 0, sec: 0, data: new Uint8Array(500) }] })).toThrow(/length/);
    expect(() => encodeTrackDetailed({ format: "RLL_Seagate", sectors: [{ cyl: 0, head: 0, sec: 0, data: new Uint8Array(256) }] })).toThrow(/512/);
    expect(() => encodeTrackDetailed({ format: "MFM", sectors: [], gaps: { preamble: 1 } })).toThrow(/lock/);
    expect(() => encodeTrackDetailed({ format: "RLL_WD", sectors: [], indexMark: true })).toThrow(/index/);
    try {
      encodeTrackDetailed({ format: "FM", sectors: [{ cyl: 0, head: 0, sec: 0, data: new Uint8Array(256), dataMark: 0xf8 }] });
      expect.unreachable();
    } catch (e) {
      expect((e as { code?: string }).code).toBe("E_ARGUMENT");
    }
  });
});

// ---------------------------------------------------------------------------
// Against the original decoder's binary outputs (../shared/oracle)

const ORACLE = fileURLToPath(new URL("../../shared/oracle/", import.meta.url));
const haveOracle = existsSync(ORACLE);

/** Header fields back from a record (§5.3), to rebuild the sector the oracle saw. */
function sectorFromId(fmt: SynthFormat, idcrc: Uint8Array, data: Uint8Array): SectorSpec {
  const pre = fmt.idCrcPrefix.length;
  const r = idcrc.subarray(pre, pre + fmt.headerBytes);
  switch (fmt.headerFormat) {
    case "4":
      return { cyl: r[0], head: r[1], sec: r[2], data };
    case "3": {
      const m = (idcrc[pre - 1] ^ 0x0e) & 0x0f;
      return { cyl: ((m & 3) << 8) + ((m & 8) << 7) + r[0], head: r[1] & 0x0f, sec: r[2], data };
    }
    case "Seagate":
      return { cyl: ((r[0] & 0xc0) << 2) + r[1], head: r[0] & 0x0f, sec: r[2], data };
  }
}

describe.skipIf(!haveOracle)("CRC bytes equal the original decoder's idcrc/datacrc records", () => {
  const cases: { stem: string; format: SynthFormatName; dam?: number }[] = [
    { stem: "fdd_fm", format: "FM" },
    { stem: "fdd_mfm", format: "MFM_floppy" },
    { stem: "hdd_mfm_RQDX3_sector", format: "MFM", dam: 0xfb },
    { stem: "hdd_rll_WD1003V-SR1", format: "RLL_WD" },
    { stem: "hdd_rll_ST21R", format: "RLL_Seagate" },
  ];
  for (const c of cases) {
    it(`${c.format} vs ${c.stem}: first ID and data records`, () => {
      const fmt = SYNTH_FORMATS[c.format];
      const idcrc = new Uint8Array(readFileSync(`${ORACLE}${c.stem}/idcrc.bin`));
      const datacrc = new Uint8Array(readFileSync(`${ORACLE}${c.stem}/datacrc.bin`));
      const idLen = fmt.idCrcPrefix.length + fmt.headerBytes + fmt.headerCrc.width / 8;
      const size = fmt.headerFormat === "Seagate" ? 512 : 128 << (fmt.headerFormat === "3" ? (idcrc[fmt.idCrcPrefix.length + 1] >> 4) & 7 : idcrc[fmt.idCrcPrefix.length + 3] & 7);
      const dPre = fmt.dataCrcPrefix.length;
      const dataLen = dPre + size + fmt.dataCrc.width / 8;
      const payload = datacrc.slice(dPre, dPre + size);
      const s = { ...sectorFromId(fmt, idcrc, payload), ...(c.dam ? { dataMark: c.dam } : {}) };
      const id = idField(fmt, s);
      expect(hex([...id.covered, ...id.crc])).toBe(hex(idcrc.subarray(0, idLen)));
      const d = dataField(fmt, s);
      expect(hex([...d.covered, ...d.crc])).toBe(hex(datacrc.subarray(0, dataLen)));
    });
  }

  it("MFM: an encoded sector 8 decodes to the RQDX3 idcrc.bin bytes A1 FE 00 00 08 02 F3 8D", () => {
    const idcrc = new Uint8Array(readFileSync(`${ORACLE}hdd_mfm_RQDX3_sector/idcrc.bin`));
    expect(hex(idcrc)).toBe("A1 FE 00 00 08 02 F3 8D");
    const track = encodeTrackDetailed({ format: "MFM", sectors: [{ cyl: 0, head: 0, sec: 8, data: new Uint8Array(512) }] });
    const m = track.marks[0];
    expect(hex(decodeAt(track, m, 8))).toBe(hex(idcrc));
  });
});

// ---------------------------------------------------------------------------

describe("flux: cells → edges → logic samples", () => {
  const cells = new Uint8Array(4000);
  const r = mulberry32(7);
  for (let i = 0; i < cells.length; i += 2 + ((r() * 3) | 0)) cells[i] = 1;
  cells[cells.length - 1] = 1;
  const ones: number[] = [];
  cells.forEach((c, i) => c && ones.push(i));

  it("jitter 0, drift 0: edges sit on exact multiples of the cell width", () => {
    const e = cellsToEdges(cells, { sampleRate: 100e6, dataRate: 5e6, startOffset: 100 });
    expect(e.length).toBe(ones.length);
    ones.forEach((c, i) => expect(e[i]).toBe(100 + 10 * c));
  });

  it("with jitter and drift: strictly increasing, > 0, integer, mean spacing = cell width", () => {
    for (const [sampleRate, dataRate] of [
      [200e6, 7.5e6],
      [15e6, 125e3],
    ]) {
      const h0 = sampleRate / (2 * dataRate);
      const e = cellsToEdges(cells, { sampleRate, dataRate, jitter: 0.08, drift: 0.02, seed: 3 });
      for (let i = 0; i < e.length; i++) {
        expect(Number.isInteger(e[i])).toBe(true);
        expect(e[i]).toBeGreaterThan(i ? e[i - 1] : 0);
      }
      const mean = (e[e.length - 1] - e[0]) / (ones[ones.length - 1] - ones[0]);
      expect(Math.abs(mean / h0 - 1)).toBeLessThan(0.002);
      // drift: early pulses shorter than late ones by about 2 %
      const rate = (a: number, b: number) => (e[b] - e[a]) / (ones[b] - ones[a]);
      const q = Math.floor(e.length / 10);
      expect(rate(9 * q, e.length - 1) / rate(0, q)).toBeCloseTo(1.018, 2);
      // same seed, same edges; other seed, other edges
      expect(cellsToEdges(cells, { sampleRate, dataRate, jitter: 0.08, drift: 0.02, seed: 3 })).toEqual(e);
      expect(cellsToEdges(cells, { sampleRate, dataRate, jitter: 0.08, drift: 0.02, seed: 4 })).not.toEqual(e);
    }
  });

  it("edgesToLogic: rising edges of bit 0 are exactly the edges; index is active low on bit 1", () => {
    const e = cellsToEdges(cells, { sampleRate: 100e6, dataRate: 5e6, jitter: 0.1, seed: 9 });
    const cap = edgesToLogic(e, { sampleRate: 100e6, pulseWidth: 6, index: { positions: [50, 20000], width: 300 } });
    expect(cap.unitSize).toBe(1);
    expect(cap.sampleRate).toBe(100e6);
    expect(cap.channels).toEqual([
      { index: 0, name: "0" },
      { index: 1, name: "1" },
    ]);
    const rising: number[] = [];
    for (let s = 1; s < cap.sampleCount; s++) if ((cap.samples[s] & 1) === 1 && (cap.samples[s - 1] & 1) === 0) rising.push(s);
    expect(rising).toEqual(Array.from(e));
    expect(cap.samples[0] & 1).toBe(0);
    const idx = (s: number) => (cap.samples[s] >> 1) & 1;
    expect([idx(49), idx(50), idx(349), idx(350), idx(19999), idx(20000), idx(20299), idx(20300)]).toEqual([1, 0, 0, 1, 1, 0, 0, 1]);
    expect(() => edgesToLogic(new Float64Array([5, 6]), { sampleRate: 1e6 })).toThrow();
    expect(() => edgesToLogic(e)).toThrow(/sampleRate/);
  });
});

// ---------------------------------------------------------------------------
// A tiny ideal decoder over captured samples: pulse → cells → sync → bytes → CRC.

function samplesToCells(cap: LogicCapture, h0: number): Uint8Array {
  const cells: number[] = [];
  let prev = -1;
  for (let s = 1; s < cap.sampleCount; s++) {
    if ((cap.samples[s] & 1) === 1 && (cap.samples[s - 1] & 1) === 0) {
      if (prev >= 0) {
        const n = Math.floor((s - prev) / h0 + 0.5);
        for (let i = 1; i < n; i++) cells.push(0);
      }
      cells.push(1);
      prev = s;
    }
  }
  return Uint8Array.from(cells);
}

describe("synthTrack and the demo capture", () => {
  for (const name of SYNTH_FORMAT_NAMES) {
    it(`${name}: defaults, options string, deterministic, decodable by an ideal decoder`, () => {
      const fmt = SYNTH_FORMATS[name];
      const a = synthTrack({ format: name, sectorsPerTrack: 3, jitter: 0.05, drift: 0.01, seed: 5, badSectors: [fmt.defaults.firstSector + 1] });
      const b = synthTrack({ format: name, sectorsPerTrack: 3, jitter: 0.05, drift: 0.01, seed: 5, badSectors: [fmt.defaults.firstSector + 1] });
      expect(a.options).toBe(fmt.options);
      expect(a.capture.sampleRate).toBe(fmt.sampleRate);
      expect(sameBytes(a.capture.samples, b.capture.samples)).toBe(true);
      expect(a.edges.edges.length).toBe(a.cells.reduce((x, c) => x + c, 0));
      expect(a.expected.map((s) => [s.sec, s.idCrcOk, s.dataCrcOk])).toEqual([0, 1, 2].map((i) => [fmt.defaults.firstSector + i, true, i !== 1]));
      expect(a.expected[0].data.length).toBe(fmt.defaults.sectorSize);
      // Cells recovered from the samples equal the encoded ones from the first edge on.
      const h0 = fmt.sampleRate / (2 * fmt.dataRate);
      const back = samplesToCells(a.capture, h0);
      const first = a.cells.indexOf(1);
      const last = a.cells.lastIndexOf(1);
      expect(sameBytes(back, a.cells.subarray(first, last + 1))).toBe(true);
    });
  }

  it("synth options: data rate override rewrites the option string; unknown rates refused", () => {
    const r = synthTrack({ format: "FM", dataRate: 250000, sectorsPerTrack: 1 });
    expect(r.options).toBe("data_rate=250000:format=FM:data_crc_size=16:data_crc_poly=0x1021");
    expect(() => synthTrack({ format: "FM", dataRate: 200000 })).toThrow(/data rate/);
    const withIndex = synthTrack({ format: "MFM", sectorsPerTrack: 1, indexPulse: true });
    expect(withIndex.capture.channels.length).toBe(2);
    expect(withIndex.edges.index?.some((v) => v === 0)).toBe(true);
  });

  it("demo: MFM track, 17 text sectors, sector 9 bad, deterministic", () => {
    const d = demoCapture();
    expect(d.options).toBe("data_rate=5000000:format=MFM");
    expect(d.capture.sampleRate).toBe(100e6);
    expect(sameBytes(demoCapture().capture.samples, d.capture.samples)).toBe(true);
    const fmt = SYNTH_FORMATS.MFM;
    const cells = samplesToCells(d.capture, 10);
    const found: { sec: number; ok: boolean; text: string }[] = [];
    let from = 0;
    for (;;) {
      const id = findSync(cells, fmt, from);
      if (!id) break;
      const hdr = refFold(cells, id.byteStart, 8);
      expect(hdr.slice(0, 2)).toEqual([0xa1, 0xfe]);
      expect(crcOf(16, 0x1021n, 0xffffn, Uint8Array.from(hdr))).toBe(0n); // CRC over data ‖ CRC is 0
      const dm = findSync(cells, fmt, id.byteStart + 16 * 9)!;
      const rec = Uint8Array.from(refFold(cells, dm.byteStart, 2 + 512 + 4));
      expect(rec[1]).toBe(0xf8);
      const ok = crcOf(32, 0xa00805n, 0xffffffffn, rec.subarray(0, 514)) === BigInt("0x" + hex(rec.subarray(514)).replace(/ /g, ""));
      found.push({ sec: hdr[4], ok, text: new TextDecoder().decode(rec.subarray(2, 52)) });
      from = dm.byteStart + 16 * 519;
    }
    expect(found.map((f) => f.sec)).toEqual(Array.from({ length: 17 }, (_, i) => i));
    expect(found.filter((f) => !f.ok).map((f) => f.sec)).toEqual([DEMO_BAD_SECTOR]);
    expect(found[3].text).toBe("diskflux demo: cylinder 0 head 0 sector 3 line 01\n");
  });
});

// ---------------------------------------------------------------------------

describe("sigrok session writer", () => {
  it("samplerate text as sigrok writes it", () => {
    expect([200e6, 15e6, 100e6, 12.5e6, 1e9, 300].map(samplerateString)).toEqual(["200 MHz", "15 MHz", "100 MHz", "12500 kHz", "1 GHz", "300 Hz"]);
  });

  it("zip holds version, metadata and the samples in ≤ 4 MiB logic-1-N members", () => {
    const n = 9 * 1024 * 1024 + 123;
    const samples = new Uint8Array(n);
    for (let i = 0; i < n; i += 97) samples[i] = i & 3;
    const cap: LogicCapture = {
      kind: "logic",
      sampleRate: 200e6,
      sampleCount: n,
      unitSize: 1,
      channels: [
        { index: 0, name: "RD" },
        { index: 1, name: "INDEX" },
      ],
      samples,
    };
    const files = unzipSync(writeSigrok(cap, { level: 1 }));
    expect(new TextDecoder().decode(files.version)).toBe("2");
    expect(new TextDecoder().decode(files.metadata)).toBe(
      "[global]\nsigrok version=0.5.2\n\n[device 1]\ncapturefile=logic-1\ntotal probes=2\nsamplerate=200 MHz\n" +
        "total analog=0\nprobe1=RD\nprobe2=INDEX\nunitsize=1\n",
    );
    const chunks = Object.keys(files).filter((k) => k.startsWith("logic-1-")).sort();
    expect(chunks).toEqual(["logic-1-1", "logic-1-2", "logic-1-3"]);
    expect(files["logic-1-1"].length).toBe(SIGROK_CHUNK_BYTES);
    expect(files["logic-1-3"].length).toBe(n - 2 * SIGROK_CHUNK_BYTES);
    const joined = new Uint8Array(n);
    joined.set(files["logic-1-1"], 0);
    joined.set(files["logic-1-2"], SIGROK_CHUNK_BYTES);
    joined.set(files["logic-1-3"], 2 * SIGROK_CHUNK_BYTES);
    expect(sameBytes(joined, samples)).toBe(true);
  });

  it("a synthesized capture round-trips and is byte-identical on repeat", () => {
    const { capture } = synthTrack({ format: "FM", sectorsPerTrack: 2 });
    const a = writeSigrok(capture);
    expect(sameBytes(writeSigrok(capture), a)).toBe(true);
    const files = unzipSync(a);
    expect(new TextDecoder().decode(files.metadata)).toContain("samplerate=15 MHz\n");
    expect(sameBytes(files["logic-1-1"], capture.samples)).toBe(true);
  });
});
