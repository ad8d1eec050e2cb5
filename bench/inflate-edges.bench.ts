// Issue 12 part 2: does the fused inflate→edges kernel (assembly/inflate-edges.ts)
// beat today's read + edge extraction by 3× on the shared captures?
//
//   today        readSigrokZip (zip.extractInto: Node's zlib inflateRawSync + CRC-32
//                via zlib.crc32) then captureEdges (copy into the Wasm region,
//                edgesExtract 256 KiB at a time): the samples exist whole.
//   today-nocrc  the same with verifyCrc: false (what dropping the check would give).
//   today-streamed  the bounded-memory path (src/readers/stream.ts): zlib's streaming
//                inflater via sigrokSampleChunks, 1 MiB pieces, CRC-32 per piece,
//                edges per piece — what the fused kernel would replace for long captures.
//   today-fflate the path outside Node (no zlib): fflate inflates (the reader's
//                fallback when DecompressionStream is missing), CRC-32 by the reader's
//                table loop (crc32Js), then the same edges — V8 here as in Chromium.
//   fused        sigrokEdgesFused, Wasm backend, the CRC-32 by Node's zlib.crc32 over the
//                samples the kernel hands over (IE_CRC_HOST: what the CLI runs).
//   fused-kcrc   the same with the kernel's own CRC-32 (slice-by-8: what browsers run);
//                the "fflate" speedup column compares it with today-fflate.
//   fused-nocrc  the same without the CRC-32.
//   parts        zlib inflateRawSync alone, zlib.crc32 alone, Wasm edges alone
//                (copy + edgesExtract), and the fused kernel with no edge channel
//                and no CRC (its inflate alone) — to say where the time goes.
//
// Every row is the best of ROUNDS runs, all rows of a capture measured in the
// same loop, interleaved. The fused result must equal today's edges before
// anything is timed.
//
//   npm run bench:inflate             table
//   npm run bench:inflate -- --json   ... last line: {"captures":{...},"total":{...}}
import { readFileSync, readdirSync } from "node:fs";
import zlib from "node:zlib";
import { getKernels } from "../src/kernels/load.js";
import { SAMPLE_CAP } from "../src/kernels/abi.js";
import { ZipArchive, crc32Js } from "../src/readers/zip.js";
import { readSigrokZip, sigrokSession, sigrokSampleChunks } from "../src/readers/sigrok.js";
import { sigrokEdgesFused } from "../src/readers/fused-edges.js";
import { captureEdges } from "../src/detect/edges.js";
import { getInflateEdges, inflateEdges } from "../src/kernels/inflate-edges-load.js";
import type { LogicCapture } from "../src/capture.js";
import { SAMPLES_DIR, JSON_OUT, fail, pad } from "./common.js";

const ROUNDS = Number(process.env.ROUNDS ?? 15);
const k = await getKernels("wasm");
const ie = await getInflateEdges("wasm");

const ROWS = ["today", "today-nocrc", "today-streamed", "today-fflate", "fused", "fused-kcrc", "fused-nocrc", "zlib-inflate", "zlib-crc32", "wasm-edges", "fused-inflate-only"] as const;
type Row = (typeof ROWS)[number];

function memberData(zip: ZipArchive, m: { offset: number; compressedSize: number }): Uint8Array {
  const b = zip.bytes;
  const start = m.offset + 30 + (b[m.offset + 26] | (b[m.offset + 27] << 8)) + (b[m.offset + 28] | (b[m.offset + 29] << 8));
  return b.subarray(start, start + m.compressedSize);
}

const files = readdirSync(SAMPLES_DIR).filter((f) => f.endsWith(".sr")).sort();
if (files.length === 0) fail(`no .sr captures in ${SAMPLES_DIR}`);

const results: Record<string, Record<Row, number> & { samples: number; compressed: number; edges: number }> = {};
for (const file of files) {
  const zip = ZipArchive.open(readFileSync(`${SAMPLES_DIR}/${file}`), file);
  const session = await sigrokSession(zip);
  if (session.unitSize !== 1) continue;
  const members = session.chunks.map((m) => memberData(zip, m));
  // Validate: the fused edges are today's.
  const want = captureEdges(k, await readSigrokZip(zip));
  const got = await sigrokEdgesFused(zip, { backend: "wasm" });
  if (!got || got.edges.length !== want.edges.length || got.edges.some((v, i) => v !== want.edges[i]) ||
    (want.index && got.index?.some((v, i) => v !== want.index![i]))) {
    fail(`${file}: the fused kernel's edges differ from today's`);
  }
  const samples: Uint8Array[] = members.map((d) => zlib.inflateRawSync(d));

  const timers: Record<Row, () => unknown> = {
    today: async () => captureEdges(k, await readSigrokZip(zip)),
    "today-nocrc": () => undefined, // set below
    "today-fflate": async () => {
      const out = new Uint8Array(session.sampleCount);
      let at = 0;
      for (const c of session.chunks) {
        await zip.extractInto(c, out, at, { inflater: "fflate", verifyCrc: false });
        if (crc32Js(out.subarray(at, at + c.uncompressedSize)) !== c.crc32 >>> 0) throw new Error("CRC");
        at += c.uncompressedSize;
      }
      const cap: LogicCapture = { kind: "logic", sampleRate: session.sampleRate, sampleCount: session.sampleCount, unitSize: 1, channels: session.channels, samples: out, source: file };
      return captureEdges(k, cap);
    },
    "today-streamed": async () => {
      // The bounded-memory path (readers/stream.ts): zlib's streaming inflater in 1 MiB pieces, CRC-32 per piece, edges per piece.
      let n = 0;
      let base = 0;
      k.edgesReset();
      for await (const piece of sigrokSampleChunks(zip, session)) {
        for (let at = 0; at < piece.length; at += SAMPLE_CAP) {
          const len = Math.min(SAMPLE_CAP, piece.length - at);
          k.samples.set(piece.subarray(at, at + len));
          n += k.edgesExtract(len, base + at, 0, 1, 2, 1);
        }
        base += piece.length;
      }
      return n;
    },
    fused: () => sigrokEdgesFused(zip, { backend: "wasm" }),
    "fused-kcrc": () => sigrokEdgesFused(zip, { backend: "wasm", crc: "kernel" }),
    "fused-nocrc": () => sigrokEdgesFused(zip, { backend: "wasm", verifyCrc: false }),
    "zlib-inflate": () => members.map((d, i) => zlib.inflateRawSync(d, { chunkSize: session.chunks[i].uncompressedSize + 1024 })),
    "zlib-crc32": () => samples.map((s) => zlib.crc32(s)),
    "wasm-edges": () => {
      let n = 0;
      k.edgesReset();
      let base = 0;
      for (const s of samples) {
        for (let at = 0; at < s.length; at += SAMPLE_CAP) {
          const len = Math.min(SAMPLE_CAP, s.length - at);
          k.samples.set(s.subarray(at, at + len));
          n += k.edgesExtract(len, base + at, 0, 1, 2, 1);
        }
        base += s.length;
      }
      return n;
    },
    "fused-inflate-only": () => {
      ie.configure(-1, -1, -1, 1, 0);
      for (const d of members) inflateEdges(ie, d, () => undefined);
    },
  };
  // today-nocrc: readSigrokZip always checks, so go through extractInto with verifyCrc: false.
  timers["today-nocrc"] = async () => {
    const out = new Uint8Array(session.sampleCount);
    let at = 0;
    for (const c of session.chunks) {
      await zip.extractInto(c, out, at, { verifyCrc: false });
      at += c.uncompressedSize;
    }
    const cap: LogicCapture = { kind: "logic", sampleRate: session.sampleRate, sampleCount: session.sampleCount, unitSize: 1, channels: session.channels, samples: out, source: file };
    return captureEdges(k, cap);
  };

  const best = Object.fromEntries(ROWS.map((r) => [r, Infinity])) as Record<Row, number>;
  for (let round = 0; round < ROUNDS; round++) {
    for (const r of ROWS) {
      const t0 = performance.now();
      await timers[r]();
      best[r] = Math.min(best[r], performance.now() - t0);
    }
  }
  results[file] = { ...best, samples: session.sampleCount, compressed: members.reduce((a, d) => a + d.length, 0), edges: want.edges.length };
}

const total = Object.fromEntries(ROWS.map((r) => [r, Object.values(results).reduce((a, x) => a + x[r], 0)])) as Record<Row, number>;
const ms = (v: number) => v.toFixed(2).padStart(7);
const x = (a: number, b: number) => `${(a / b).toFixed(2)}×`.padStart(7);
console.log(`best of ${ROUNDS} runs per row, ms; node ${process.versions.node}; speedup = today (or streamed) / fused`);
console.log(`${pad("capture", 30)} ${pad("MB", 5)} ${"today".padStart(7)} ${"fused".padStart(7)} ${"speedup".padStart(7)} ${"stream".padStart(7)} ${"speedup".padStart(7)} ${"fflate".padStart(7)} ${"kCRC".padStart(7)} ${"speedup".padStart(7)} │ ${"no CRC:".padStart(7)} ${"today".padStart(7)} ${"fused".padStart(7)} ${"speedup".padStart(7)} │ ${"inflate".padStart(7)} ${"crc32".padStart(7)} ${"edges".padStart(7)} ${"fInfl".padStart(7)}`);
for (const [file, r] of Object.entries(results)) {
  console.log(`${pad(file, 30)} ${(r.samples / 1e6).toFixed(2).padStart(5)} ${ms(r.today)} ${ms(r.fused)} ${x(r.today, r.fused)} ${ms(r["today-streamed"])} ${x(r["today-streamed"], r.fused)} ${ms(r["today-fflate"])} ${ms(r["fused-kcrc"])} ${x(r["today-fflate"], r["fused-kcrc"])} │ ${"".padStart(7)} ${ms(r["today-nocrc"])} ${ms(r["fused-nocrc"])} ${x(r["today-nocrc"], r["fused-nocrc"])} │ ${ms(r["zlib-inflate"])} ${ms(r["zlib-crc32"])} ${ms(r["wasm-edges"])} ${ms(r["fused-inflate-only"])}`);
}
console.log(`${pad("TOTAL", 30)} ${"".padStart(5)} ${ms(total.today)} ${ms(total.fused)} ${x(total.today, total.fused)} ${ms(total["today-streamed"])} ${x(total["today-streamed"], total.fused)} ${ms(total["today-fflate"])} ${ms(total["fused-kcrc"])} ${x(total["today-fflate"], total["fused-kcrc"])} │ ${"".padStart(7)} ${ms(total["today-nocrc"])} ${ms(total["fused-nocrc"])} ${x(total["today-nocrc"], total["fused-nocrc"])} │ ${ms(total["zlib-inflate"])} ${ms(total["zlib-crc32"])} ${ms(total["wasm-edges"])} ${ms(total["fused-inflate-only"])}`);
console.log(`keep rule: >= 3.00× (issue 12): ${total.today / total.fused >= 3 ? "KEEP" : "REJECT"} (with CRC ${x(total.today, total.fused).trim()}, without ${x(total["today-nocrc"], total["fused-nocrc"]).trim()}, vs the streamed path ${x(total["today-streamed"], total.fused).trim()}, kernel CRC vs fflate + JS CRC (no zlib) ${x(total["today-fflate"], total["fused-kcrc"]).trim()})`);
if (JSON_OUT) console.log(JSON.stringify({ captures: results, total }));
