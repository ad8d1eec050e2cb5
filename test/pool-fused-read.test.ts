// A pool's file inputs read through the fused inflate→edges kernel (src/pool/read.ts:
// the default in a browser's Web Workers, where it pays) decode to exactly what the
// samples read as before decode to: every shared .sr, both leading edges (the
// TS twin on the rising one). The browser side (workers of the page's pool) is test/e2e-worker.test.ts.
import { describe, it, expect } from "vitest";
import { readFileSync } from "node:fs";
import { decode } from "../src/decode.js";
import { readFileWork } from "../src/pool/read.js";
import type { DecodeResult } from "../src/types.js";
import { SAMPLES_DIR, haveShared, oracleCaptures, warnMissing } from "./support/shared.js";

/** What a decode gives a user, without the capture-kind-specific parts. */
function seen(r: DecodeResult) {
  return { records: r.records, fields: r.fields, stats: r.stats, binary: r.binary, resets: r.resets };
}

const captures = oracleCaptures().filter((c) => c.file.endsWith(".sr"));
if (!haveShared) {
  warnMissing("pool fused-read tests");
  it.skip("pool fused-read tests (shared samples/oracle missing)", () => {});
}

describe.runIf(haveShared)("pool file reads through the fused kernel", () => {
  it("every shared .sr decodes the same read either way (both edges; the TS twin on rising)", async () => {
    expect(captures.length).toBeGreaterThan(10);
    for (const c of captures) {
      const bytes = new Uint8Array(readFileSync(`${SAMPLES_DIR}/${c.file}`));
      for (const edge of ["rising", "falling"] as const) {
        const options = `${c.options}:leading_edge=${edge}`;
        const fused = await readFileWork({ bytes, source: c.file }, { options, fused: true });
        const samples = await readFileWork({ bytes, source: c.file }, { options, fused: false });
        expect(fused.capture.kind, c.file).toBe("edges");
        expect(samples.capture.kind, c.file).toBe("logic");
        for (const backend of edge === "rising" ? (["wasm", "js"] as const) : (["wasm"] as const)) {
          const a = await decode(fused.capture, options, { backend });
          const b = await decode(samples.capture, options, { backend });
          expect(seen(a), `${c.file} ${edge} ${backend}`).toEqual(seen(b));
        }
      }
    }
  });

  it("a damaged .sr is the same E_CORRUPT either way", async () => {
    const c = captures[0];
    const bytes = new Uint8Array(readFileSync(`${SAMPLES_DIR}/${c.file}`));
    // a byte in the middle of the largest member's compressed data
    const hit = bytes.slice();
    hit[Math.floor(hit.length / 2)] ^= 0x55;
    const errorOf = (fused: boolean) => readFileWork({ bytes: hit, source: c.file }, { options: c.options, fused }).then(() => undefined, (e: unknown) => e as { code?: string });
    const [a, b] = [await errorOf(true), await errorOf(false)];
    expect(b?.code).toBe("E_CORRUPT");
    expect(a?.code).toBe("E_CORRUPT");
  });
});
