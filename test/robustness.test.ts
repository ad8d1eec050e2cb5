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
