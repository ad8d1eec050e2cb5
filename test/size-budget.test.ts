// Size budgets (as hash-wasm and fflate keep them): the Wasm module and the
// browser bundle may grow only on purpose. A change that crosses a budget
// fails here; raise the budget in the same commit, with the reason, when the
// growth is worth it.
//
//   build/diskflux.wasm            every kernel, one module (assembly/build.mjs)
//   src/browser.ts, bundled        what a page downloads: esbuild --bundle --minify
//                                  (the Wasm travels inside it as base64)
//
// Measured when the budgets were set (2026-11-26): Wasm 18 933 bytes (7.6 KiB
// gzipped); browser bundle 276 587 bytes minified, 104 685 gzipped.
import { existsSync, readFileSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { build } from "esbuild";
import { describe, expect, it } from "vitest";

const KiB = 1024;
const BUDGET = {
  wasm: 40 * KiB,
  wasmGzip: 16 * KiB,
  bundle: 384 * KiB,
  bundleGzip: 144 * KiB,
};

describe("size budgets", () => {
  it("build/diskflux.wasm stays within its budget", () => {
    if (!existsSync("build/diskflux.wasm")) throw new Error("build/diskflux.wasm is missing: run npm run asbuild first");
    const wasm = readFileSync("build/diskflux.wasm");
    expect(wasm.length).toBeGreaterThan(1000); // a real module, not an empty file
    expect(wasm.length).toBeLessThanOrEqual(BUDGET.wasm);
    expect(gzipSync(wasm).length).toBeLessThanOrEqual(BUDGET.wasmGzip);
  });

  it("the browser bundle (src/browser.ts, minified) stays within its budget", async () => {
    const r = await build({
      entryPoints: ["src/browser.ts"], bundle: true, minify: true, format: "esm", platform: "browser",
      write: false, external: ["node:*"], logLevel: "silent",
    });
    const js = r.outputFiles[0].contents;
    expect(js.length).toBeGreaterThan(10 * KiB);
    expect(js.length).toBeLessThanOrEqual(BUDGET.bundle);
    expect(gzipSync(js).length).toBeLessThanOrEqual(BUDGET.bundleGzip);
  }, 60_000);
});
