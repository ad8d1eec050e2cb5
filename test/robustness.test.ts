// Malformed inputs never crash, hang or blow up: every damaged capture the
// tests can make ends in a DiskfluxError or in a valid (possibly empty) result.
import { describe, it, expect } from "vitest";
import fc from "fast-check";
import { readFileSync } from "node:fs";
import { zipSync, unzipSync, strToU8 } from "fflate";
import { readCapture } from "../src/readers/index.js";
import { decode } from "../src/decode.js";
import { DiskfluxError } from "../src/errors.js";
import { SAMPLES_DIR, haveShared, warnMissing } from "./support/shared.js";

/** Reads and decodes; returns the error code, or "ok". Anything but DiskfluxError fails the test. */
async function outcome(bytes: Uint8Array, options = "data_rate=5000000:format=MFM"): Promise<string> {
  try {
    const capture = await readCapture(bytes, "damaged.sr");
    const result = await decode(capture, options, { backend: "wasm" });
    expect(Array.isArray(result.records)).toBe(true);
    const js = await decode(capture, options, { backend: "js" });
    expect(Buffer.from(js.binary.data).equals(Buffer.from(result.binary.data))).toBe(true);
    return "ok";
  } catch (e) {
    if (e instanceof DiskfluxError) {
      expect(e.message.length).toBeGreaterThan(10);
      expect(e.message).not.toContain("\n");
      return e.code;
    }
    throw e;
  }
}

const original = haveShared ? new Uint8Array(readFileSync(`${SAMPLES_DIR}/hdd_mfm_RQDX3_sector.sr`)) : new Uint8Array();
const members = haveShared ? unzipSync(original) : {};
const metadata = haveShared ? new TextDecoder().decode(members["metadata"]) : "";

function rezip(files: Record<string, Uint8Array | string>): Uint8Array {
  const m: Record<string, Uint8Array> = {};
  for (const [k, v] of Object.entries(files)) m[k] = typeof v === "string" ? strToU8(v) : v;
  return zipSync(m);
}

describe("malformed captures", () => {
  if (!haveShared) {
    warnMissing("robustness corpus");
    it.skip("robustness corpus (shared samples missing)", () => {});
    return;
  }

  it("truncation at many offsets", async () => {
    const codes = new Set<string>();
    for (let cut = 0; cut < original.length; cut += Math.max(1, Math.floor(original.length / 97))) {
      codes.add(await outcome(original.subarray(0, cut)));
    }
    expect([...codes].every((c) => ["E_FORMAT", "E_CORRUPT", "ok"].includes(c))).toBe(true);
    expect(codes.has("E_CORRUPT") || codes.has("E_FORMAT")).toBe(true);
  });

  it("random bit flips", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.nat({ max: original.length * 8 - 1 }), { minLength: 1, maxLength: 8 }), async (bits) => {
        const b = original.slice();
        for (const bit of bits) b[bit >> 3] ^= 1 << (bit & 7);
        const code = await outcome(b);
        expect(["E_FORMAT", "E_CORRUPT", "E_LIMIT", "ok"]).toContain(code);
      }),
      { numRuns: 60 },
    );
  });

  it("edited metadata and missing members", async () => {
    const logic = members["logic-1-1"];
    const cases: [Record<string, Uint8Array | string>, string][] = [
      [{ metadata }, "E_CORRUPT"], // no logic chunks
      [{ "logic-1-1": logic }, "E_FORMAT"], // no metadata
      [{ metadata: metadata.replace(/samplerate=.*\n/, ""), "logic-1-1": logic }, "E_CORRUPT"],
      [{ metadata: metadata.replace(/samplerate=.*\n/, "samplerate=fast\n"), "logic-1-1": logic }, "E_CORRUPT"],
      [{ metadata: metadata.replace(/unitsize=1/, "unitsize=3"), "logic-1-1": logic.subarray(0, logic.length - 1) }, "E_CORRUPT"],
      [{ metadata: metadata.replace(/total probes=\d+/, "total probes=65"), "logic-1-1": logic }, "E_LIMIT"],
      [{ metadata: "garbage\x00\xff", "logic-1-1": logic }, "E_CORRUPT"],
    ];
    for (const [files, code] of cases) expect(await outcome(rezip(files))).toBe(code);
  });

  it("garbage files and empty input", async () => {
    expect(await outcome(new Uint8Array(0))).toBe("E_FORMAT");
    expect(await outcome(strToU8("not a capture at all"))).toBe("E_FORMAT");
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ minLength: 0, maxLength: 4000 }), async (b) => {
        expect(["E_FORMAT", "E_CORRUPT"]).toContain(await outcome(b));
      }),
      { numRuns: 50 },
    );
  });

  it("a zip bomb of zeros decodes in bounded memory or is refused", async () => {
    // 64 MiB of zeros compresses to ~64 KiB: decoding must not take more than the capture itself.
    const zeros = new Uint8Array(64 << 20);
    const bomb = rezip({ metadata, "logic-1-1": zeros });
    expect(bomb.length).toBeLessThan(200_000);
    const before = process.memoryUsage().rss;
    const code = await outcome(bomb);
    expect(["ok", "E_LIMIT"]).toContain(code);
    expect(process.memoryUsage().rss - before).toBeLessThan(512 << 20);
  });

  it("channel maps that do not exist are argument errors", async () => {
    const capture = await readCapture(original, "x.sr");
    await expect(decode(capture, "", { channels: { data: "nope" } })).rejects.toMatchObject({ code: "E_ARGUMENT" });
    await expect(decode(capture, "", { channels: { data: 99 } })).rejects.toMatchObject({ code: "E_ARGUMENT" });
    await expect(decode(capture, "", { backend: "gpu" as never })).rejects.toMatchObject({ code: "E_ARGUMENT" });
  });
});

describe("limits and traps", () => {
  it("a zip member declaring more than deflate can produce is refused before allocating", async () => {
    const zip = zipSync({ metadata: strToU8("[device 1]\nsamplerate=1 MHz\ntotal probes=1\nunitsize=1\n"), "logic-1-1": new Uint8Array(1000) });
    // patch the central directory's uncompressed size of logic-1-1 to 3 GB
    const view = new DataView(zip.buffer, zip.byteOffset, zip.byteLength);
    for (let i = zip.length - 22; i >= 0; i--) {
      if (view.getUint32(i, true) === 0x02014b50 && new TextDecoder().decode(zip.subarray(i + 46, i + 55)) === "logic-1-1") {
        view.setUint32(i + 24, 3_000_000_000, true);
      }
    }
    await expect(readCapture(zip, "lie.sr")).rejects.toMatchObject({ code: "E_CORRUPT" });
  });

  it("edges that do not increase are an argument error, not a hang", async () => {
    const bad = { kind: "edges" as const, sampleRate: 100e6, edges: new Float64Array([10, 20, 15]) };
    await expect(decode(bad, "")).rejects.toMatchObject({ code: "E_ARGUMENT" });
    const nan = { kind: "edges" as const, sampleRate: 100e6, edges: new Float64Array([10, NaN]) };
    await expect(decode(nan, "")).rejects.toMatchObject({ code: "E_ARGUMENT" });
  });
});

describe("malformed DSView captures", () => {
  it("a .dsl cut short at many offsets is an error or a valid result, never a crash", async () => {
    if (!haveShared) return warnMissing("dsl truncation corpus");
    const dsl = new Uint8Array(readFileSync(`${SAMPLES_DIR}/hdd_mfm_RQDX3.dsl`));
    const codes = new Set<string>();
    for (let cut = 0; cut < dsl.length; cut += Math.max(1, Math.floor(dsl.length / 61))) codes.add(await outcome(dsl.subarray(0, cut)));
    expect([...codes].every((c) => ["E_FORMAT", "E_CORRUPT", "ok"].includes(c))).toBe(true);
    // a block member missing from an otherwise intact archive
    const files = unzipSync(dsl);
    delete files["L-0/0"];
    expect(await outcome(zipSync(files))).toMatch(/^E_(CORRUPT|FORMAT)$/);
  });
});

describe("malformed flux files (SCP, HFE, KryoFlux)", () => {
  /** Reads and decodes the first track; returns "ok", "missing" or the error code. */
  async function fluxOutcome(bytes: Uint8Array, name: string, force: boolean): Promise<string> {
    try {
      const { readAnyCapture } = await import("../src/readers/index.js");
      const any = await readAnyCapture(bytes, name, { force });
      if (any.kind !== "tracks") return "ok";
      if (any.tracks.length === 0) return "missing";
      const result = await decode(any.tracks[0].capture, "data_rate=250000:format=MFM", { backend: "wasm" });
      expect(Array.isArray(result.records)).toBe(true);
      return "ok";
    } catch (e) {
      if (e instanceof DiskfluxError) {
        expect(e.message).not.toContain("\n");
        expect(e.message.startsWith(name)).toBe(true); // names the file
        return e.code;
      }
      throw e;
    }
  }
  const FLUX = `${SAMPLES_DIR}/flux`;
  const files = [["acorn.scp", 23], ["ibm360.hfe", 37], ["acorn-kryoflux/acorn00.0.raw", 61]] as const;
  for (const [file, cuts] of files) {
    it(`${file} cut short and bit-flipped: an error naming it, or a valid result`, async () => {
      if (!haveShared) return warnMissing("flux robustness corpus");
      const whole = new Uint8Array(readFileSync(`${FLUX}/${file}`));
      const name = file.split("/").pop()!;
      const codes = new Set<string>();
      for (let cut = 0; cut < whole.length; cut += Math.max(1, Math.floor(whole.length / cuts))) codes.add(await fluxOutcome(whole.subarray(0, cut), name, false));
      expect([...codes].every((c) => ["E_FORMAT", "E_CORRUPT", "ok", "missing"].includes(c)), [...codes].join()).toBe(true);
      expect(codes.has("E_CORRUPT")).toBe(true);
      await fc.assert(
        fc.asyncProperty(fc.array(fc.nat({ max: Math.min(whole.length, 1 << 16) * 8 - 1 }), { minLength: 1, maxLength: 8 }), async (bits) => {
          const b = whole.slice();
          for (const bit of bits) b[bit >> 3] ^= 1 << (bit & 7);
          expect(["E_FORMAT", "E_CORRUPT", "ok", "missing"]).toContain(await fluxOutcome(b, name, true));
        }),
        { numRuns: 12 },
      );
    });
  }
});

// ---------------------------------------------------------------- declared sizes (issue 14 part 3)

/** A ZIP whose central directory record for `name` is patched: [offset in the record, 32-bit value]... */
function patchCentral(zip: Uint8Array, name: string, fields: [number, number][]): Uint8Array {
  const out = zip.slice();
  const view = new DataView(out.buffer);
  for (let i = out.length - 22; i >= 0; i--) {
    if (view.getUint32(i, true) === 0x02014b50 && new TextDecoder().decode(out.subarray(i + 46, i + 46 + name.length)) === name) {
      for (const [off, v] of fields) view.setUint32(i + off, v, true);
    }
  }
  return out;
}

/**
 * Runs `read` and returns its DiskfluxError code ("ok" when it succeeds),
 * checking that no Uint8Array longer than `most` was asked for on the way (the
 * global constructor is watched while it runs: a lazily zeroed 3 GB buffer costs
 * no memory until written, so memory figures would not show it).
 */
async function refusedWithin(read: () => unknown, most = 64 << 20): Promise<string> {
  const Real = globalThis.Uint8Array;
  let largest = 0;
  class Watched extends Real {
    constructor(...args: unknown[]) {
      if (typeof args[0] === "number") largest = Math.max(largest, args[0]);
      super(...(args as []));
    }
  }
  let code = "ok";
  globalThis.Uint8Array = Watched as unknown as Uint8ArrayConstructor;
  try {
    await read();
  } catch (e) {
    if (!(e instanceof DiskfluxError)) throw e;
    expect(e.message).not.toMatch(/[\r\n]/);
    code = e.code;
  } finally {
    globalThis.Uint8Array = Real;
  }
  expect(largest, "largest Uint8Array asked for").toBeLessThanOrEqual(most);
  return code;
}

describe("declared sizes are checked against the real input before anything is allocated", () => {
  const meta = "[device 1]\nsamplerate=1 MHz\ntotal probes=1\nunitsize=1\n";

  it("a stored member declaring 3 GB in a small file (sizes in the directory agree, the file has 1000 bytes)", async () => {
    const zip = zipSync({ metadata: strToU8(meta), "logic-1-1": [new Uint8Array(1000), { level: 0 }] });
    const lie = patchCentral(zip, "logic-1-1", [[20, 3_000_000_000], [24, 3_000_000_000]]);
    expect(await refusedWithin(() => readCapture(lie, "lie.sr"))).toBe("E_CORRUPT");
    const { openCaptureStream } = await import("../src/readers/stream.js");
    expect(await refusedWithin(() => openCaptureStream(lie, "lie.sr"))).toBe("E_CORRUPT");
  });

  it("a deflated member whose compressed size runs past the file cannot vouch for a large uncompressed size", async () => {
    const zip = zipSync({ metadata: strToU8(meta), "logic-1-1": new Uint8Array(1000) });
    const lie = patchCentral(zip, "logic-1-1", [[20, 3_000_000], [24, 3_000_000_000]]);
    expect(await refusedWithin(() => readCapture(lie, "lie.sr"))).toBe("E_CORRUPT");
  });

  it("a member in an unknown method or encrypted is refused without allocating its declared size", async () => {
    const zip = zipSync({ metadata: strToU8(meta), "logic-1-1": new Uint8Array(1000) });
    const view = new DataView(zip.buffer);
    const odd = zip.slice();
    for (let i = zip.length - 22; i >= 0; i--) {
      if (view.getUint32(i, true) === 0x02014b50 && new TextDecoder().decode(zip.subarray(i + 46, i + 55)) === "logic-1-1") {
        new DataView(odd.buffer).setUint16(i + 10, 12, true); // bzip2
        new DataView(odd.buffer).setUint32(i + 24, 4_000_000_000, true);
      }
    }
    expect(await refusedWithin(() => readCapture(odd, "bz.sr"))).toBe("E_FORMAT");
    const { openCaptureStream } = await import("../src/readers/stream.js");
    expect(await refusedWithin(async () => {
      const s = await openCaptureStream(odd, "bz.sr");
      for await (const _ of s.chunks()) void _;
    })).toBe("E_FORMAT");
  });

  it("a .dsl block declaring more than its bytes can hold is refused before the samples are allocated", async () => {
    const header = "[header]\ntotal samples = 2000000000\ntotal probes = 1\ntotal blocks = 1\nsamplerate = 100 MHz\nprobe0 = 0\n";
    const zip = zipSync({ header: strToU8(header), "L-0/0": new Uint8Array(4096) });
    const lie = patchCentral(zip, "L-0/0", [[24, 250_000_000]]);
    expect(await refusedWithin(() => readCapture(lie, "lie.dsl"))).toBe("E_CORRUPT");
  });

  it("metadata and header members are text of at most 1 MiB", async () => {
    const big = rezip({ metadata: `${meta}${"#".repeat(2 << 20)}\n`, "logic-1-1": new Uint8Array(8) });
    expect(await refusedWithin(() => readCapture(big, "big.sr"))).toBe("E_LIMIT");
  });

  it("VCD timestamps: logic samples expand at most 1024 per byte of file (256 MiB whatever the size); tokens are short", async () => {
    const { readVcd } = await import("../src/readers/vcd.js");
    const vcd = strToU8("$timescale 1 ns $end\n$var wire 1 ! d $end\n$enddefinitions $end\n#0 1!\n#3000000000 0!\n");
    expect(await refusedWithin(() => readVcd(vcd, "far.vcd", { as: "logic" }))).toBe("E_LIMIT");
    expect(await refusedWithin(() => readVcd(vcd, "far.vcd", { as: "edges" }))).toBe("ok"); // edges are bounded by the file
    const long = strToU8(`$timescale 1 ns $end\n$var wire 1 ! d $end\n$enddefinitions $end\n#0 1${"!".repeat((1 << 20) + 10)}\n`);
    expect(await refusedWithin(() => readVcd(long, "long.vcd"))).toBe("E_LIMIT");
  });

  it("CSV: a time column spans at most 1024 samples per byte of file (64 MiB whatever the size), rows at most 1024 columns", async () => {
    const { readCsv } = await import("../src/readers/csv.js");
    const far = strToU8("; Samplerate: 1 GHz\nTime [s],d\n0,1\n3.5,0\n");
    expect(await refusedWithin(() => readCsv(far, "far.csv"))).toBe("E_LIMIT");
    const wide = strToU8(`; Samplerate: 1 MHz\n${Array(2000).fill("0").join(",")}\n`);
    expect(await refusedWithin(() => readCsv(wide, "wide.csv"))).toBe("E_LIMIT");
  });

  it("CSV is read without keeping its rows: memory is the samples, not the text", async () => {
    const { readCsv } = await import("../src/readers/csv.js");
    const rows: string[] = ["; Samplerate: 10 MHz", "Time [s],data,index"];
    for (let i = 0; i < 300_000; i++) rows.push(`${(i * 3e-7).toFixed(7)},${i & 1},${(i >> 10) & 1}`);
    const text = strToU8(rows.join("\n"));
    const { fullGc } = await import("./support/fuzz.js");
    fullGc();
    const before = process.memoryUsage();
    const c = readCsv(text, "long.csv");
    const after = process.memoryUsage();
    expect(c.sampleCount).toBe(3 * 299_999 + 1);
    // the old reader kept every row as an array of strings: about 25 bytes of heap per byte of text
    // (here 130 MB); now the samples, 8 bytes of time per row and some garbage
    expect(after.heapUsed + after.arrayBuffers - before.heapUsed - before.arrayBuffers).toBeLessThan(text.length * 4 + c.sampleCount + (16 << 20));
  });
});
