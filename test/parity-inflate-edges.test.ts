// Parity of the fused inflate→edges kernel: Wasm (assembly/inflate-edges.ts)
// vs its TypeScript twin (src/kernels/inflate-edges.ts). Not just the end
// result: every ieRun status, the edge count and records of every call, the
// stream length, CRC-32 and the input left over must be the same, on valid,
// truncated, corrupted and random input fed in any pieces.
// Needs build/inflate-edges-wasm.ts: run `npm run asbuild` first.
import { describe, it, expect, beforeAll } from "vitest";
import fc from "fast-check";
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { createWasmInflateEdges } from "../src/kernels/inflate-edges-load";
import { InflateEdgesJs, type InflateEdgesKernel } from "../src/kernels/inflate-edges";
import { ZipArchive } from "../src/readers/zip";
import { sigrokSession } from "../src/readers/sigrok";
import { SAMPLES_DIR } from "./support/shared";
import { IE_DONE } from "../src/kernels/inflate-edges-abi";
import { makeSamples, deflate, runStream, streamArb, paramsArb, feedArb, firstDifference, type EdgeParams, type Transcript } from "./support/inflate-edges-cases";

let wasm: InflateEdgesKernel;
const js = new InflateEdgesJs();
beforeAll(async () => {
  wasm = await createWasmInflateEdges();
});

function both(data: Uint8Array, p: EdgeParams, feed: (i: number) => number, crc: boolean | "host" = true): [Transcript, Transcript] {
  return [runStream(wasm, data, p, feed, crc), runStream(js, data, p, feed, crc)];
}

function same([a, b]: [Transcript, Transcript]): void {
  expect(a.status).toBe(b.status);
  expect(firstDifference(a.calls, b.calls)).toBe(-1);
  expect(a.produced).toBe(b.produced);
  expect(a.crc).toBe(b.crc);
  expect(a.inputLeft).toBe(b.inputLeft);
  expect(firstDifference(a.edges, b.edges)).toBe(-1);
  expect(firstDifference(a.index, b.index)).toBe(-1);
  expect(firstDifference(a.handed, b.handed)).toBe(-1);
}

const captures = existsSync(SAMPLES_DIR) ? readdirSync(SAMPLES_DIR).filter((f) => f.endsWith(".sr")).sort() : [];

describe("inflate-edges parity: Wasm vs TS twin", () => {
  it.skipIf(captures.length === 0)("every shared capture's members, fed 4093 bytes at a time, both edge directions", async () => {
    for (const file of captures) {
      const zip = ZipArchive.open(readFileSync(`${SAMPLES_DIR}/${file}`), file);
      const b = zip.bytes;
      for (const m of (await sigrokSession(zip)).chunks) {
        const start = m.offset + 30 + (b[m.offset + 26] | (b[m.offset + 27] << 8)) + (b[m.offset + 28] | (b[m.offset + 29] << 8));
        const data = b.subarray(start, start + m.compressedSize);
        for (const rising of [true, false]) same(both(data, { dataBit: 0, indexBit: 1, suppressBit: 2, rising }, () => 4093));
      }
    }
  }, 120_000);

  it("random streams of every zlib level and strategy, any pieces, with and without CRC", () => {
    fc.assert(
      fc.property(streamArb, paramsArb, feedArb, fc.boolean(), (st, p, feed, crc) => {
        same(both(deflate(makeSamples(st.kind, st.len, st.seed), st.level, st.strategy, st.memLevel), p, () => feed, crc));
      }),
      { numRuns: 50 },
    );
  }, 120_000);

  it("the host's CRC (IE_CRC_HOST): every sample handed over once, in order, the same runs on both; its CRC-32 is the kernel's", () => {
    fc.assert(
      fc.property(streamArb, paramsArb, feedArb, (st, p, feed) => {
        const data = deflate(makeSamples(st.kind, st.len, st.seed), st.level, st.strategy, st.memLevel);
        const host = both(data, p, () => feed, "host");
        same(host);
        const [kernel] = both(data, p, () => feed, true);
        expect(host[0].status).toBe(IE_DONE);
        expect(host[0].crc).toBe(kernel.crc);
        expect(host[0].handed.reduce((a, n) => a + n, 0)).toBe(kernel.produced);
        expect(host[0].handed.every((n) => n > 0)).toBe(true);
      }),
      { numRuns: 40 },
    );
  }, 120_000);

  it("pieces of changing sizes", () => {
    fc.assert(
      fc.property(streamArb, paramsArb, fc.array(fc.integer({ min: 0, max: 9000 }), { minLength: 1, maxLength: 50 }), (st, p, sizes) => {
        const data = deflate(makeSamples(st.kind, Math.min(st.len, 100_000), st.seed), st.level, st.strategy, st.memLevel);
        // Zero-length pieces too: the kernel must just ask again.
        same(both(data, p, (i) => sizes[i % sizes.length] || (i & 1)));
      }),
      { numRuns: 40 },
    );
  }, 60_000);

  it("truncated and corrupted streams, and random bytes", () => {
    fc.assert(
      fc.property(
        streamArb, paramsArb, feedArb,
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.array(fc.record({ at: fc.double({ min: 0, max: 1, noNaN: true }), v: fc.integer({ min: 1, max: 255 }) }), { maxLength: 4 }),
        (st, p, feed, cut, hits) => {
          const data = deflate(makeSamples(st.kind, Math.min(st.len, 50_000), st.seed), st.level, st.strategy, st.memLevel).slice();
          for (const h of hits) if (data.length > 0) data[Math.floor(h.at * data.length) % data.length] ^= h.v;
          same(both(data.subarray(0, Math.ceil(cut * data.length)), p, () => feed));
        },
      ),
      { numRuns: 200 },
    );
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2000 }), paramsArb, feedArb, (data, p, feed) => same(both(data, p, () => feed))),
      { numRuns: 300 },
    );
  }, 60_000);
});
