// The fused inflate→edges kernel (assembly/inflate-edges.ts, twin
// src/kernels/inflate-edges.ts) against zlib: on every shared capture its edges
// equal zlib-inflate + edgesExtract, and on random and adversarial deflate
// streams it agrees with zlib — same bytes (length, CRC-32, edges on a random
// bit) where zlib accepts, an error status where zlib refuses, never a hang.
// Needs build/inflate-edges-wasm.ts: run `npm run asbuild` first.
import { describe, it, expect, beforeAll } from "vitest";
import fc from "fast-check";
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { getKernels } from "../src/kernels/load";
import { SAMPLE_CAP } from "../src/kernels/abi";
import {
  IE_DONE, IE_IN_CAP, IE_ERR_TRUNCATED, IE_ERR_BLOCK_TYPE, IE_ERR_STORED, IE_ERR_CODES, IE_ERR_SYMBOL,
  IE_ERR_DISTANCE, IE_ERR_INPUT, IE_NEED_INPUT,
} from "../src/kernels/inflate-edges-abi";
import { getInflateEdges, inflateEdges, type InflateEdgesKernel } from "../src/kernels/inflate-edges-load";
import { InflateEdgesJs } from "../src/kernels/inflate-edges";
import { ZipArchive } from "../src/readers/zip";
import { readSigrokZip, sigrokSession } from "../src/readers/sigrok";
import { sigrokEdgesFused, fusedPreferred } from "../src/readers/fused-edges";
import { captureEdges } from "../src/detect/edges";
import { DiskfluxError } from "../src/errors";
import { EdgeList } from "../src/edge-list";
import { SAMPLES_DIR } from "./support/shared";
import {
  naiveEdges, makeSamples, deflate, runStream, zlibInflate, crc32, streamArb, paramsArb, feedArb, firstDifference,
  type EdgeParams, type Transcript,
} from "./support/inflate-edges-cases";

const captures = existsSync(SAMPLES_DIR) ? readdirSync(SAMPLES_DIR).filter((f) => f.endsWith(".sr")).sort() : [];

let backends: InflateEdgesKernel[] = [];
beforeAll(async () => {
  backends = [await getInflateEdges("wasm"), new InflateEdgesJs()];
});

/** What zlib + the naive edge test say about a stream: null when zlib refuses it. */
function expected(data: Uint8Array, p: EdgeParams): { produced: number; crc: number; edges: number[]; index: number[] } | null {
  const s = zlibInflate(data);
  if (!s) return null;
  return { produced: s.length, crc: crc32(s), ...naiveEdges(s, p) };
}

function agree(t: Transcript, e: ReturnType<typeof expected>): void {
  if (e === null) {
    expect(t.status).toBeLessThan(0);
    return;
  }
  expect(t.status).toBe(IE_DONE);
  expect(t.produced).toBe(e.produced);
  expect(t.crc).toBe(e.crc);
  expect(t.edges.length).toBe(e.edges.length);
  expect(firstDifference(t.edges, e.edges)).toBe(-1);
  expect(firstDifference(t.index, e.index)).toBe(-1);
}

// ---- bit writer for hand-made streams (LSB first; Huffman codes MSB first, RFC 1951 §3.1.1)

class Bits {
  private bytes: number[] = [];
  private acc = 0;
  private n = 0;
  put(v: number, n: number): this {
    for (let i = 0; i < n; i++) this.bit((v >> i) & 1);
    return this;
  }
  code(c: number, n: number): this {
    for (let i = n - 1; i >= 0; i--) this.bit((c >> i) & 1);
    return this;
  }
  private bit(b: number): void {
    this.acc |= b << this.n++;
    if (this.n === 8) {
      this.bytes.push(this.acc);
      this.acc = 0;
      this.n = 0;
    }
  }
  done(): Uint8Array {
    return Uint8Array.from(this.n > 0 ? [...this.bytes, this.acc] : this.bytes);
  }
}

/** Fixed-code literal/length symbol (§3.2.6). */
function fixedLit(b: Bits, sym: number): Bits {
  if (sym < 144) return b.code(0x30 + sym, 8);
  if (sym < 256) return b.code(0x190 + sym - 144, 9);
  if (sym < 280) return b.code(sym - 256, 7);
  return b.code(0xc0 + sym - 280, 8);
}

const P: EdgeParams = { dataBit: 0, indexBit: 1, suppressBit: 2, rising: true };
const whole = () => IE_IN_CAP;

describe("shared captures: fused edges = zlib inflate + edgesExtract", () => {
  const sharedList = new EdgeList(true);
  it.skipIf(captures.length === 0).each(captures)("%s", async (file) => {
    const zip = ZipArchive.open(readFileSync(`${SAMPLES_DIR}/${file}`), file);
    const session = await sigrokSession(zip);
    expect(session.unitSize).toBe(1);
    const bits = [0, session.channels.length > 1 ? 1 : -1, session.channels.length > 2 ? 2 : -1];
    // Today's path: the reader's samples, then the Wasm edge kernel SAMPLE_CAP at a time.
    const cap = await readSigrokZip(zip);
    const k = await getKernels("wasm");
    const ref: number[] = [];
    const refIndex: number[] = [];
    k.edgesReset();
    for (let at = 0; at < cap.sampleCount; at += SAMPLE_CAP) {
      const len = Math.min(SAMPLE_CAP, cap.sampleCount - at);
      k.samples.set(cap.samples.subarray(at, at + len));
      const n = k.edgesExtract(len, at, bits[0], bits[1], bits[2], 1);
      for (let j = 0; j < n; j++) {
        ref.push(k.edges[j]);
        refIndex.push(k.index[j]);
      }
    }
    expect(ref.length).toBeGreaterThan(1000);
    for (const ie of backends) {
      const edges: number[] = [];
      const index: number[] = [];
      ie.configure(bits[0], bits[1], bits[2], 1, 1);
      let produced = 0;
      for (const m of session.chunks) {
        const b = zip.bytes;
        const start = m.offset + 30 + (b[m.offset + 26] | (b[m.offset + 27] << 8)) + (b[m.offset + 28] | (b[m.offset + 29] << 8));
        // Odd input pieces, so every kind of step gets split somewhere.
        const r = inflateEdges(ie, b.subarray(start, start + m.compressedSize), (e, ix, n) => {
          for (let j = 0; j < n; j++) {
            edges.push(e[j]);
            index.push(ix[j]);
          }
        }, undefined, 1021);
        expect(r.ok).toBe(true);
        if (r.ok) {
          expect(r.crc).toBe(m.crc32 >>> 0);
          produced += r.produced;
        }
      }
      expect(produced).toBe(cap.sampleCount);
      expect(edges.length, ie.backend).toBe(ref.length);
      expect(firstDifference(edges, ref), ie.backend).toBe(-1);
      expect(firstDifference(index, refIndex), ie.backend).toBe(-1);
    }
    // The reader hook gives captureEdges' EdgeCapture.
    const want = captureEdges(k, cap);
    for (const backend of ["wasm", "js"] as const) {
      const got = await sigrokEdgesFused(zip, { backend });
      expect(got).toBeDefined();
      expect(firstDifference(got!.edges, want.edges), backend).toBe(-1);
      if (want.index) expect(firstDifference(got!.index!, want.index), backend).toBe(-1);
      else expect(got!.index).toBeUndefined();
      expect(got!.sampleCount).toBe(want.sampleCount);
      expect(got!.sampleRate).toBe(want.sampleRate);
      // The same through one list lent capture after capture (the pool's reads: src/pool/read.ts),
      // whatever the captures before left in it (longer or shorter, with or without index levels).
      const lent = await sigrokEdgesFused(zip, { backend, into: sharedList });
      expect(lent!.edges.length).toBe(want.edges.length);
      expect(firstDifference(lent!.edges, want.edges), `${backend}, lent list`).toBe(-1);
      if (want.index) expect(firstDifference(lent!.index!, want.index), `${backend}, lent list`).toBe(-1);
      else expect(lent!.index).toBeUndefined();
    }
  }, 60_000);
});

describe("random streams: zlib at every level and strategy", () => {
  it("agrees with zlib on samples deflated by zlib, fed in random pieces", () => {
    fc.assert(
      fc.property(streamArb, paramsArb, feedArb, fc.boolean(), (st, p, feed, useJs) => {
        const s = makeSamples(st.kind, st.len, st.seed);
        const data = deflate(s, st.level, st.strategy, st.memLevel);
        const t = runStream(backends[useJs ? 1 : 0], data, p, () => feed);
        expect(t.status).toBe(IE_DONE);
        expect(t.produced).toBe(s.length);
        expect(t.crc).toBe(crc32(s));
        expect(t.inputLeft).toBe(0);
        const e = naiveEdges(s, p);
        expect(firstDifference(t.edges, e.edges)).toBe(-1);
        expect(firstDifference(t.index, e.index)).toBe(-1);
      }),
      { numRuns: 60 },
    );
  }, 120_000);

  it("gives every bit of every byte (all 8 data bits, both directions) on run-heavy and random samples", () => {
    for (const [kind, level, strategy] of [["pulses", 6, 0], ["random", 1, 0], ["runs", 9, 3], ["text", 4, 4], ["periodic", 9, 1]] as const) {
      const s = makeSamples(kind, 150_000, level * 31 + strategy);
      const data = deflate(s, level, strategy);
      for (let bit = 0; bit < 8; bit++) {
        for (const rising of [true, false]) {
          const p = { dataBit: bit, indexBit: (bit + 1) & 7, suppressBit: -1, rising };
          agree(runStream(backends[0], data, p, whole), expected(data, p));
        }
      }
    }
  }, 60_000);

  it("continues the sample count and the carried sample across streams (members)", () => {
    for (const ie of backends) {
      const parts = [makeSamples("pulses", 70_000, 1), makeSamples("pulses", 1, 2), makeSamples("runs", 300_000, 3), makeSamples("pulses", 0, 4)];
      const all = new Uint8Array(parts.reduce((a, x) => a + x.length, 0));
      let at = 0;
      for (const x of parts) {
        all.set(x, at);
        at += x.length;
      }
      const edges: number[] = [];
      ie.configure(P.dataBit, P.indexBit, P.suppressBit, 1, 1);
      for (const x of parts) {
        const t = runStream(ie, deflate(x, 6, 0), P, () => 3000, true, true);
        expect(t.status).toBe(IE_DONE);
        expect(t.crc).toBe(crc32(x));
        edges.push(...t.edges);
      }
      expect(firstDifference(edges, naiveEdges(all, P).edges)).toBe(-1);
    }
  });
});

describe("hand-made streams", () => {
  const run = (data: Uint8Array, feed = whole) => backends.map((k) => runStream(k, data, P, feed));

  it("decodes stored blocks (many, empty, split anywhere) and a fixed block with a run", () => {
    const s = makeSamples("random", 200_000, 9);
    const stored = deflate(s, 0, 0);
    const want = expected(stored, P);
    for (const feed of [() => 1, () => 5, () => 65_536]) for (const t of run(stored, feed)) agree(t, want);
    // Empty stored final block: 1 | 00, pad, LEN 0, NLEN 0xFFFF.
    const empty = Uint8Array.from([0x01, 0x00, 0x00, 0xff, 0xff]);
    for (const t of run(empty)) agree(t, expected(empty, P));
    // Fixed: 'A', then length 258 at distance 1 twice (a run), end of block.
    const b = new Bits().put(1, 1).put(1, 2);
    fixedLit(b, 65);
    for (let i = 0; i < 2; i++) fixedLit(b, 285).code(0, 5);
    fixedLit(b, 256);
    const fixed = b.done();
    for (const t of run(fixed)) {
      agree(t, expected(fixed, P));
      expect(t.produced).toBe(517);
    }
  });

  it("reaches back the whole 32 KiB window", () => {
    const s = makeSamples("periodic", 300_000, 77);
    const far = new Uint8Array(100_000);
    const head = makeSamples("random", 32_768, 5);
    for (let i = 0; i < far.length; i++) far[i] = head[i % 32_768];
    for (const data of [deflate(s, 9, 0), deflate(far, 9, 0)]) for (const t of run(data, () => 777)) agree(t, expected(data, P));
  });

  it("refuses what RFC 1951 forbids, with the status that says why (zlib refuses them too)", () => {
    const cases: [string, Uint8Array, number][] = [
      ["block type 3", Uint8Array.from([0x07, 0, 0, 0]), IE_ERR_BLOCK_TYPE],
      ["stored NLEN", Uint8Array.from([0x01, 0x05, 0x00, 0x00, 0x00, 1, 2, 3, 4, 5]), IE_ERR_STORED],
      ["distance too far", (() => { const b = new Bits().put(1, 1).put(1, 2); fixedLit(b, 65); fixedLit(b, 257).code(1, 5); return fixedLit(b, 256).done(); })(), IE_ERR_DISTANCE],
      ["literal/length 286", (() => { const b = new Bits().put(1, 1).put(1, 2); return fixedLit(b, 286).put(0, 16).done(); })(), IE_ERR_SYMBOL],
      ["distance code 30", (() => { const b = new Bits().put(1, 1).put(1, 2); fixedLit(b, 65); fixedLit(b, 257).code(30, 5); return fixedLit(b, 256).done(); })(), IE_ERR_SYMBOL],
      // Dynamic: HLIT 0, HDIST 0, HCLEN 15 (19 lengths), every code-length length 1: over-subscribed.
      ["over-subscribed", (() => { const b = new Bits().put(1, 1).put(2, 2).put(0, 5).put(0, 5).put(15, 4); for (let i = 0; i < 19; i++) b.put(1, 3); return b.put(0, 16).done(); })(), IE_ERR_CODES],
      // Dynamic: HLIT 30 (287 codes), more than the 286 allowed.
      ["HLIT 287", new Bits().put(1, 1).put(2, 2).put(30, 5).put(0, 5).put(0, 4).put(0, 64).done(), IE_ERR_CODES],
      // Dynamic: a repeat (16) first, with nothing to repeat. Code-length code: 16 and 0 of length 1.
      ["repeat first", new Bits().put(1, 1).put(2, 2).put(0, 5).put(0, 5).put(0, 4).put(1, 3).put(0, 3).put(0, 3).put(1, 3).code(1, 1).put(0, 2).put(0, 32).done(), IE_ERR_CODES],
      ["nothing", new Uint8Array(0), IE_ERR_TRUNCATED],
    ];
    for (const [what, data, status] of cases) {
      expect(zlibInflate(data), what).toBeNull();
      for (const t of run(data)) expect(t.status, what).toBe(status);
    }
  });

  it("refuses input after the last, and stays refused until begin()", () => {
    for (const k of backends) {
      k.configure(0, -1, -1, 1, 0);
      k.begin();
      expect(k.run()).toBe(IE_NEED_INPUT);
      k.inputSpace();
      expect(k.feed(0, 1)).toBe(0);
      expect(k.feed(1, 1)).toBe(IE_ERR_INPUT);
      expect(k.run()).toBe(IE_ERR_INPUT);
      expect(k.feed(IE_IN_CAP + 1, 0)).toBe(IE_ERR_INPUT);
      k.begin();
      k.inputSpace();
      expect(k.feed(IE_IN_CAP + 1, 0)).toBe(IE_ERR_INPUT);
      k.begin();
      expect(k.run()).toBe(IE_NEED_INPUT);
    }
  });
});

describe("adversarial streams: truncated, corrupted, random", () => {
  const srcArb = fc.record({ st: streamArb, p: paramsArb, feed: feedArb, useJs: fc.boolean() });

  it("a truncated stream is IE_ERR_TRUNCATED, wherever it is cut", () => {
    fc.assert(
      fc.property(srcArb, fc.double({ min: 0, max: 1, noNaN: true }), ({ st, p, feed, useJs }, cut) => {
        const data = deflate(makeSamples(st.kind, Math.min(st.len, 60_000), st.seed), st.level, st.strategy, st.memLevel);
        const n = Math.floor(cut * data.length);
        const t = runStream(backends[useJs ? 1 : 0], data.subarray(0, Math.min(n, data.length - 1)), p, () => feed);
        expect(t.status).toBe(IE_ERR_TRUNCATED);
      }),
      { numRuns: 80 },
    );
  }, 60_000);

  it("a corrupted stream: zlib's bytes when zlib accepts it, an error when it refuses", () => {
    fc.assert(
      fc.property(
        srcArb,
        fc.array(fc.record({ at: fc.double({ min: 0, max: 1, noNaN: true }), v: fc.integer({ min: 1, max: 255 }), flip: fc.boolean() }), { minLength: 1, maxLength: 4 }),
        ({ st, p, feed, useJs }, hits) => {
          const data = deflate(makeSamples(st.kind, Math.min(st.len, 60_000), st.seed), st.level, st.strategy, st.memLevel).slice();
          if (data.length === 0) return;
          for (const h of hits) {
            const i = Math.floor(h.at * data.length) % data.length;
            data[i] ^= h.flip ? 1 << (h.v & 7) : h.v;
          }
          agree(runStream(backends[useJs ? 1 : 0], data, p, () => feed), expected(data, p));
        },
      ),
      { numRuns: 150 },
    );
  }, 60_000);

  it("random bytes: the same verdict as zlib", () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 0, maxLength: 3000 }), paramsArb, feedArb, fc.boolean(), (data, p, feed, useJs) => {
        agree(runStream(backends[useJs ? 1 : 0], data, p, () => feed), expected(data, p));
      }),
      { numRuns: 300 },
    );
  });
});

describe("reader hook guards", () => {
  it("is the preferred path in Node too (the CLI's file reads: docs/fused-reader.md, \"In the CLI\")", () => {
    expect(fusedPreferred()).toBe(true);
  });

  it.skipIf(!captures.some((f) => f.includes("RQDX3_sector")))("a corrupted member is E_CORRUPT (from the platform inflater), a wrong CRC too (the platform's check and the kernel's)", async () => {
    const file = captures.find((f) => f.includes("RQDX3_sector"))!;
    const bytes = readFileSync(`${SAMPLES_DIR}/${file}`);
    const zip = ZipArchive.open(bytes, file);
    const m = (await sigrokSession(zip)).chunks[0];
    const start = m.offset + 30 + bytes.readUInt16LE(m.offset + 26) + bytes.readUInt16LE(m.offset + 28);
    // A flipped byte in the middle of the member: refused (bad code) or a CRC mismatch.
    for (const crc of ["platform", "kernel"] as const) {
      for (const at of [10, m.compressedSize >> 1, m.compressedSize - 3]) {
        const bad = Buffer.from(bytes); // (a copy: a Buffer's slice() is a view)
        bad[start + at] ^= 0x55;
        const z = ZipArchive.open(bad, file);
        const err = await sigrokEdgesFused(z, { crc }).then(() => null, (e: unknown) => e);
        expect(err).toBeInstanceOf(DiskfluxError);
        expect((err as DiskfluxError).code).toBe("E_CORRUPT");
      }
      // The member intact, the CRC-32 its directory entries declare wrong: the check (the platform's or the kernel's) refuses it.
      const wrong = Buffer.from(bytes);
      for (let at = 0; at + 4 <= wrong.length; at++) {
        const sig = wrong.readUInt32LE(at);
        if (sig === 0x02014b50 && wrong.readUInt32LE(at + 16) === m.crc32 >>> 0) wrong.writeUInt32LE((m.crc32 ^ 1) >>> 0, at + 16);
        if (sig === 0x04034b50 && wrong.readUInt32LE(at + 14) === m.crc32 >>> 0) wrong.writeUInt32LE((m.crc32 ^ 1) >>> 0, at + 14);
      }
      const err = await sigrokEdgesFused(ZipArchive.open(wrong, file), { crc }).then(() => null, (e: unknown) => e);
      expect(err, crc).toBeInstanceOf(DiskfluxError);
      expect((err as DiskfluxError).message, crc).toMatch(/fails its CRC-32 check/);
    }
  });
});
