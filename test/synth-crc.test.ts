// synth with CRC overrides: any header (16/32) and data (16/32/48/56) polynomial
// and init, the option string that spells them, the §5.4 quirk refused, and the
// `diskflux synth --header-crc-* / --data-crc-*` flags. Every synthesized track
// is decoded on both backends and must give good CRCs and the same payloads.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { synthCommand } from "../src/cli/synth.js";
import { decode } from "../src/decode.js";
import { synthTrack, type SynthOptions, type SynthResult } from "../src/encode/synth.js";
import { SYNTH_FORMATS, SYNTH_FORMAT_NAMES, encodeTrackDetailed } from "../src/encode/track.js";
import { isDiskfluxError } from "../src/errors.js";
import { crcOf } from "../src/kernels/crc.js";
import { resolveOptions } from "../src/options.js";
import { readCaptureFile } from "../src/readers/index.js";

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");
const mask = (w: number) => (1n << BigInt(w)) - 1n;
const LISTED = [0x1021n, 0xa00805n, 0x140a0445n, 0x0104c981n, 0x41044185n, 0x181814503011n, 0x140a0445000101n];

/** Decodes on both backends; every ID and data record has a good CRC and matches what was synthesized. */
async function expectRoundTrip(r: SynthResult): Promise<void> {
  for (const backend of ["js", "wasm"] as const) {
    const res = await decode(r.capture, r.options, { backend });
    const ids = res.records.filter((x) => x.kind === "id");
    const data = res.records.filter((x) => x.kind === "data");
    const tag = `${r.format.name} ${backend} ${r.options}`;
    expect(ids.map((x) => (x.kind === "id" ? [x.cyl, x.head, x.sec, x.crc?.ok] : [])), tag).toEqual(
      r.expected.map((s) => [s.cyl, s.head, s.sec, true]),
    );
    expect(data.map((x) => [hex(x.bytes), x.crc?.ok]), tag).toEqual(r.expected.map((s) => [hex(s.data), true]));
  }
}

/** The code of the DiskfluxError that f throws. */
function errorCode(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    if (isDiskfluxError(e)) return e.code;
    throw e;
  }
  return "no error";
}

/** An odd polynomial of `width` bits, sometimes one of the listed data polynomials (masked). */
const polyArb = (width: number) =>
  fc.oneof(
    { weight: 3, arbitrary: fc.bigInt({ min: 0n, max: mask(width) }).map((v) => v | 1n) },
    { weight: 1, arbitrary: fc.constantFrom(...LISTED).map((v) => v & mask(width)) },
  );
const initArb = (width: number) =>
  fc.oneof(fc.bigInt({ min: 0n, max: mask(width) }), fc.constantFrom(0n, mask(width)));

const crcCase = fc
  .record({
    hw: fc.constantFrom(16 as const, 32 as const),
    dw: fc.constantFrom(16 as const, 32 as const, 48 as const, 56 as const),
    seed: fc.integer({ min: 1, max: 1 << 30 }),
  })
  .chain(({ hw, dw, seed }) =>
    fc.record({
      headerCrc: fc.record({ width: fc.constant(hw), poly: polyArb(hw), init: initArb(hw) }),
      dataCrc: fc.record({ width: fc.constant(dw), poly: polyArb(dw), init: initArb(dw) }),
      seed: fc.constant(seed),
    }),
  );

describe("synth with random CRC polynomials and inits decodes back (js and wasm)", () => {
  for (const name of SYNTH_FORMAT_NAMES) {
    it(`${name}: header 16/32 and data 16/32/48/56 bits`, async () => {
      const sectorSize = name === "RLL_Seagate" ? 512 : 128;
      await fc.assert(
        fc.asyncProperty(crcCase, async ({ headerCrc, dataCrc, seed }) => {
          // The §5.4 quirk combination is refused (tested below).
          fc.pre(!(headerCrc.poly === dataCrc.poly && headerCrc.width !== dataCrc.width));
          const r = synthTrack({ format: name, sectorsPerTrack: 3, sectorSize, seed, headerCrc, dataCrc });
          expect(r.format.headerCrc).toEqual(headerCrc);
          expect(r.format.dataCrc).toEqual(dataCrc);
          // The option string resolves to exactly these CRCs.
          const o = resolveOptions(r.options);
          expect([o.headerCrc.bits, o.headerCrc.poly, o.headerCrc.init]).toEqual([headerCrc.width, headerCrc.poly, headerCrc.init]);
          expect([o.dataCrc.bits, o.dataCrc.poly, o.dataCrc.init]).toEqual([dataCrc.width, dataCrc.poly, dataCrc.init]);
          await expectRoundTrip(r);
        }),
        { numRuns: 25 },
      );
    });
  }

  it("only one CRC overridden: the other keeps the format's default", async () => {
    for (const name of SYNTH_FORMAT_NAMES) {
      const fmt = SYNTH_FORMATS[name];
      const sectorSize = name === "RLL_Seagate" ? 512 : 128;
      // A data poly that differs from the header's so no width pairing trips §5.4.
      const d = synthTrack({ format: name, sectorsPerTrack: 2, sectorSize, dataCrc: { width: 48, poly: 0x181814503011n, init: 0x123456789abcn } });
      expect(d.format.headerCrc).toEqual(fmt.headerCrc);
      await expectRoundTrip(d);
      const h = synthTrack({ format: name, sectorsPerTrack: 2, sectorSize, headerCrc: { width: fmt.dataCrc.width === 16 ? 16 : 32, poly: 0x8005n, init: 0n } });
      expect(h.format.dataCrc).toEqual(fmt.dataCrc);
      await expectRoundTrip(h);
    }
  });

  it("equal header and data polynomials at equal widths, different inits, decode fine", async () => {
    for (const width of [16, 32] as const) {
      const r = synthTrack({
        format: "MFM", sectorsPerTrack: 3,
        headerCrc: { width, poly: 0x8005n, init: 0n },
        dataCrc: { width, poly: 0x8005n, init: mask(width) },
      });
      await expectRoundTrip(r);
    }
  });
});

describe("synth CRC options", () => {
  it("no override: the format's option string, unchanged", () => {
    for (const name of SYNTH_FORMAT_NAMES) expect(synthTrack({ format: name, sectorsPerTrack: 1 }).options).toBe(SYNTH_FORMATS[name].options);
  });

  it("spells the CRCs: listed data polys as data_crc_poly (as in the list), others as data_crc_poly_custom", () => {
    const one = (o: Omit<SynthOptions, "sectorsPerTrack">) => synthTrack({ sectorsPerTrack: 1, ...o }).options;
    expect(one({ format: "MFM", dataCrc: { width: 48, poly: 0x181814503011n, init: 0n } })).toBe(
      "data_rate=5000000:format=MFM:data_crc_size=48:data_crc_poly=0x181814503011:data_crc_init=0x0",
    );
    expect(one({ format: "MFM", dataCrc: { width: 32, poly: 0xa00805n, init: 0xffffffffn } })).toBe(
      "data_rate=5000000:format=MFM:data_crc_size=32:data_crc_poly=0xA00805:data_crc_init=0xffffffff",
    );
    expect(one({ format: "FM", dataCrc: { width: 32, poly: 0x104c981n, init: 0n } })).toBe(
      "data_rate=125000:format=FM:data_crc_size=32:data_crc_poly=0x0104c981:data_crc_init=0x0",
    );
    expect(one({ format: "FM", dataRate: 250000, dataCrc: { width: 16, poly: 0x8005n, init: 0xffffn } })).toBe(
      "data_rate=250000:format=FM:data_crc_size=16:data_crc_poly_custom=0x8005:data_crc_init=0xffff",
    );
    // Header override on Seagate: its header options replaced, the rest kept.
    expect(one({ format: "RLL_Seagate", headerCrc: { width: 16, poly: 0x1021n, init: 0xffffn } })).toBe(
      "data_rate=7500000:format=RLL_Seagate:header_format=Seagate:sector_size=512:data_crc_poly=0x41044185:data_crc_init=0" +
        ":header_crc_size=16:header_crc_poly=0x1021:header_crc_init=0xffff",
    );
    // Masked to the width: the x^W term and high init bits go; a listed poly masked is no longer listed.
    expect(one({ format: "MFM", headerCrc: { width: 16, poly: 0x11021n, init: 0x1ffffn } })).toBe(
      "data_rate=5000000:format=MFM:header_crc_size=16:header_crc_poly=0x1021:header_crc_init=0xffff",
    );
    expect(one({ format: "RLL_WD", dataCrc: { width: 32, poly: 0x140a0445000101n, init: -1n } })).toBe(
      "data_rate=7500000:format=RLL_WD:header_format=3:data_crc_size=32:data_crc_poly_custom=0x45000101:data_crc_init=0xffffffff",
    );
  });

  it("the layout carries the CRCs: re-encoding it gives the same cells and CRC bytes", () => {
    const headerCrc = { width: 32 as const, poly: 0x04c11db7n, init: 0x12345678n };
    const dataCrc = { width: 56 as const, poly: 0x140a0445000101n, init: 0n };
    const r = synthTrack({ format: "RLL_WD", sectorsPerTrack: 2, sectorSize: 256, headerCrc, dataCrc });
    const t = encodeTrackDetailed(r.layout);
    expect(hex(t.cells)).toBe(hex(r.cells));
    const f = t.fields[0];
    expect(BigInt("0x" + hex(f.id.crc))).toBe(crcOf(32, headerCrc.poly, headerCrc.init, f.id.covered));
    expect(BigInt("0x" + hex(f.data!.crc))).toBe(crcOf(56, dataCrc.poly, dataCrc.init, f.data!.covered));
    expect(f.id.crc.length).toBe(4);
    expect(f.data!.crc.length).toBe(7);
  });

  it("refuses equal header and data polynomials at different widths (§5.4 quirk) with E_USAGE", () => {
    const cases: SynthOptions[] = [
      { format: "FM", dataCrc: { width: 32, poly: 0x1021n, init: 0n } }, // header default 16/0x1021
      { format: "MFM", headerCrc: { width: 32, poly: 0x1021n, init: 0n } }, // data 0xA00805 32 bits: fine…
      { format: "RLL_Seagate", headerCrc: { width: 16, poly: 0x41044185n, init: 0n } }, // masked 0x4185 ≠ 0x41044185: fine
      { format: "MFM", headerCrc: { width: 32, poly: 0x8005n, init: 0n }, dataCrc: { width: 48, poly: 0x8005n, init: 0n } },
      { format: "MFM", headerCrc: { width: 16, poly: 0x18005n, init: 0n }, dataCrc: { width: 32, poly: 0x8005n, init: 0n } },
    ];
    expect(cases.map((c) => errorCode(() => synthTrack({ ...c, sectorsPerTrack: 1 })))).toEqual(["E_USAGE", "no error", "no error", "E_USAGE", "E_USAGE"]);
    expect(() => synthTrack(cases[0])).toThrow(/^header and data CRC polynomials are both 0x1021 but 16 and 32 bits wide;[^\n]*same width/);
  });

  it("refuses widths the decoder does not have", () => {
    expect(errorCode(() => synthTrack({ format: "MFM", headerCrc: { width: 48 as unknown as 32, poly: 0x1021n, init: 0n } }))).toBe("E_ARGUMENT");
    expect(errorCode(() => synthTrack({ format: "MFM", dataCrc: { width: 24 as unknown as 32, poly: 0x1021n, init: 0n } }))).toBe("E_ARGUMENT");
  });
});

describe("diskflux synth --header-crc-* / --data-crc-*", () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "diskflux-synth-crc-"));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const p = (name: string) => join(dir, name);

  async function run(args: string[]) {
    let out = "", err = "";
    const stream = (f: (s: string) => void) => ({ write: (s: string | Uint8Array) => (f(typeof s === "string" ? s : Buffer.from(s).toString()), true) }) as unknown as NodeJS.WritableStream;
    const code = await synthCommand(args, stream((s) => (out += s)), stream((s) => (err += s)));
    return { code, out, err };
  }

  it("writes a track with the given CRCs and prints options that decode it", async () => {
    const args = ["--format", "MFM_floppy", "--sectors", "3", "--seed", "4",
      "--header-crc-size", "32", "--header-crc-poly", "0x04c11db7", "--header-crc-init", "0",
      "--data-crc-size", "48", "--data-crc-poly", "0x181814503011", "--data-crc-init", "0x0000_1234", "-o", p("crc.sr")];
    const r = await run(args);
    expect([r.code, r.err]).toEqual([0, ""]);
    const opts = "data_rate=250000:format=MFM:header_crc_size=32:header_crc_poly=0x4c11db7:header_crc_init=0x0" +
      ":data_crc_size=48:data_crc_poly=0x181814503011:data_crc_init=0x1234";
    expect(r.out).toContain(`decode with: -P mfm:${opts}\n`);
    const ref = synthTrack({
      format: "MFM_floppy", sectorsPerTrack: 3, seed: 4,
      headerCrc: { width: 32, poly: 0x04c11db7n, init: 0n },
      dataCrc: { width: 48, poly: 0x181814503011n, init: 0x1234n },
    });
    expect(ref.options).toBe(opts);
    const res = await decode(await readCaptureFile(p("crc.sr")), opts);
    expect(res.records.map((x) => x.crc?.ok)).toEqual([true, true, true, true, true, true]);
    expect(res.records.filter((x) => x.kind === "data").map((x) => hex(x.bytes))).toEqual(ref.expected.map((s) => hex(s.data)));
  });

  it("omitted parts keep the format's: poly masked to the new width, an all-ones init stays all ones", async () => {
    const r = await run(["--format", "MFM", "--sectors", "2", "--data-crc-size", "16", "--header-crc-poly", "0x8005", "-o", p("part.sr")]);
    expect([r.code, r.err]).toEqual([0, ""]);
    const opts = "data_rate=5000000:format=MFM:header_crc_size=16:header_crc_poly=0x8005:header_crc_init=0xffff" +
      ":data_crc_size=16:data_crc_poly_custom=0x805:data_crc_init=0xffff";
    expect(r.out).toContain(`decode with: -P mfm:${opts}\n`);
    const res = await decode(await readCaptureFile(p("part.sr")), opts);
    expect(res.records.map((x) => x.crc?.ok)).toEqual([true, true, true, true]);
    const s = await run(["--format", "RLL_Seagate", "--sectors", "1", "--data-crc-size", "56", "--data-crc-poly", "0x140a0445000101", "-o", p("sg.sr")]);
    expect(s.out).toContain(":data_crc_size=56:data_crc_poly=0x140a0445000101:data_crc_init=0x0\n"); // Seagate's init 0 kept
  });

  it("bad values: exit 2, one line", async () => {
    const cases: [string[], RegExp][] = [
      [["--header-crc-size", "48"], /--header-crc-size must be 16 or 32, not '48'/],
      [["--data-crc-size", "24"], /--data-crc-size must be 16, 32, 48 or 56, not '24'/],
      [["--data-crc-poly", "0x1020"], /--data-crc-poly 0x1020 is even: a CRC polynomial needs its \+1 term/],
      [["--header-crc-poly", "banana"], /--header-crc-poly must be a non-negative integer/],
      [["--data-crc-init=-1"], /--data-crc-init must be a non-negative integer/],
      [["--data-crc-size", "32", "--data-crc-poly", "0x1021"], /both 0x1021 but 16 and 32 bits wide/],
    ];
    for (const [extra, msg] of cases) {
      const r = await run(["--format", "FM", "--sectors", "1", ...extra, "-o", p("bad.sr")]);
      expect(r.code, extra.join(" ")).toBe(2);
      expect(r.err, extra.join(" ")).toMatch(/^diskflux: [^\n]+\n$/);
      expect(r.err, extra.join(" ")).toMatch(msg);
    }
  });
});
