// The library as a browser sees it: no Node globals, the .sr/.dsl ZIP members
// inflated with DecompressionStream("deflate-raw") (fflate as the fallback, same
// bytes), and the Wasm module compiled once and shared.
import { describe, it, expect } from "vitest";
import { getKernels, readCapture, decode } from "../src/index.js";
import { ZipArchive } from "../src/readers/zip.js";
import { demoCapture } from "../src/encode/demo.js";
import { writeSigrok } from "../src/writers/sigrok.js";
import { equalBytes, haveShared, sampleBytes } from "./support.js";

describe("browser platform", () => {
  it("runs without Node globals and with the native inflater", () => {
    expect(typeof (globalThis as { process?: unknown }).process === "undefined" ||
      typeof (globalThis as { process?: { versions?: { node?: unknown } } }).process?.versions?.node !== "string").toBe(true);
    expect(typeof DecompressionStream).toBe("function");
    expect(() => new DecompressionStream("deflate-raw")).not.toThrow();
    expect(typeof WebAssembly.compile).toBe("function");
  });

  it("compiles the Wasm kernels once and shares them", async () => {
    const [a, b] = await Promise.all([getKernels("wasm"), getKernels("wasm")]);
    expect(a.backend).toBe("wasm");
    expect(a).toBe(b);
    expect(await getKernels("wasm")).toBe(a);
  });

  const members = async (bytes: Uint8Array) => {
    const zip = ZipArchive.open(bytes, "test");
    const logic = zip.members.filter((m) => m.method === 8 && m.uncompressedSize > 0);
    expect(logic.length).toBeGreaterThan(0);
    for (const m of logic) {
      const viaStream = await zip.extract(m, { inflater: "stream" });
      const viaFflate = await zip.extract(m, { inflater: "fflate" });
      const auto = await zip.extract(m);
      expect(viaStream.length).toBe(m.uncompressedSize);
      expect(equalBytes(viaStream, viaFflate), `${m.name}: stream = fflate`).toBe(true);
      expect(equalBytes(viaStream, auto), `${m.name}: auto = stream`).toBe(true);
    }
  };

  it("inflates a written .sr with DecompressionStream and fflate alike", async () => {
    const demo = demoCapture();
    const sr = writeSigrok(demo.capture);
    await members(sr);
    const back = await readCapture(sr, "demo.sr");
    expect(back.sampleCount).toBe(demo.capture.sampleCount);
    expect(equalBytes(back.samples, demo.capture.samples)).toBe(true);
    const r = await decode(back, demo.options, { backend: "wasm" });
    expect(r.records.filter((x) => x.kind === "id").length).toBe(17);
  });

  it.skipIf(!haveShared)("inflates the shared .sr and .dsl with DecompressionStream and fflate alike", async () => {
    await members(await sampleBytes("hdd_mfm_RQDX3.sr"));
    await members(await sampleBytes("hdd_mfm_RQDX3.dsl"));
  });
});
