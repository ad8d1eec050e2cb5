// The fused inflate→edges kernel in a real browser (Chromium): its Wasm module
// loads, and on shared captures its edges equal today's browser path —
// readSigrokZip (DecompressionStream "deflate-raw", CRC-32 by the table loop)
// then captureEdges on the Wasm kernels. It also logs the best of a few runs
// of both paths, for docs/fused-reader.md (not a pass/fail figure).
import { describe, it, expect } from "vitest";
import { ZipArchive } from "../src/readers/zip.js";
import { readSigrokZip } from "../src/readers/sigrok.js";
import { sigrokEdgesFused, fusedPreferred } from "../src/readers/fused-edges.js";
import { captureEdges } from "../src/detect/edges.js";
import { getKernels } from "../src/kernels/load.js";
import { haveShared, sampleBytes, warnMissing } from "./support.js";

const FILES = ["hdd_mfm_OMTI8240.sr", "hdd_rll_ACB2370A.sr", "fdd_mfm.sr"];
const ROUNDS = 5;

if (!haveShared) {
  warnMissing("browser inflate-edges test");
  it.skip("browser inflate-edges (shared samples missing)", () => {});
} else {
  describe("fused inflate→edges in the browser", () => {
    it("is the preferred path here (no Node zlib)", () => {
      expect(fusedPreferred()).toBe(true);
    });

    for (const file of FILES) {
      it(`${file}: the fused edges are today's, on both backends`, async () => {
        const zip = ZipArchive.open(await sampleBytes(file), file);
        const k = await getKernels("wasm");
        const today = async () => captureEdges(k, await readSigrokZip(zip));
        const want = await today();
        for (const backend of ["wasm", "js"] as const) {
          const got = await sigrokEdgesFused(zip, { backend });
          expect(got).toBeDefined();
          expect(got!.edges.length).toBe(want.edges.length);
          let diff = -1;
          for (let i = 0; i < want.edges.length && diff < 0; i++) if (got!.edges[i] !== want.edges[i]) diff = i;
          expect(diff, backend).toBe(-1);
        }
        const best = { today: Infinity, fused: Infinity };
        for (let r = 0; r < ROUNDS; r++) {
          let t = performance.now();
          await today();
          best.today = Math.min(best.today, performance.now() - t);
          t = performance.now();
          await sigrokEdgesFused(zip, { backend: "wasm" });
          best.fused = Math.min(best.fused, performance.now() - t);
        }
        console.log(`inflate-edges ${file}: today ${best.today.toFixed(2)} ms, fused ${best.fused.toFixed(2)} ms, ${(best.today / best.fused).toFixed(2)}×`);
      });
    }
  });
}
