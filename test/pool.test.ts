// decodeMany (src/pool/): the worker pool gives exactly what sequential decode()
// gives, in input order, on both backends and with jobs 1, 2 and 3; a failing
// input yields its error in place and the rest decode; no worker outlives the
// loop (finished, broken out of, thrown through, aborted); the number of inputs
// taken and not yet yielded stays within jobs × (perWorker + 1).
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve as resolvePath } from "node:path";
import { pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";
import { decode } from "../src/decode.js";
import type { Capture, EdgeCapture, LogicCapture } from "../src/capture.js";
import type { DecodeRequest, DecodeResult } from "../src/types.js";
import { synthTrack } from "../src/encode/synth.js";
import { readAnyCapture, readCaptureFile } from "../src/readers/index.js";
import { readTr } from "../src/readers/tr.js";
import { writeTr } from "../src/writers/tr.js";
import { packObjects, unpackObjects } from "../src/pool/pack.js";
import { decodeMany as decodeManyNode, liveWorkers, nodeWorkerEntry, prestartDecodeWorkers, type NodeDecodeManyOptions, type PoolInputs, type PoolInput, type PoolItem, type PoolResult } from "../src/pool/node.js";
import { decodeMany as decodeManyWeb } from "../src/pool/web.js";
import { SAMPLES_DIR, haveShared, oracleCaptures, warnMissing } from "./support/shared.js";

const BACKENDS = ["wasm", "js"] as const;

/**
 * jobs 1: the calling thread alone (a decode() loop); jobs N > 1: N workers and a
 * calling thread that only feeds them (useCallingThread off), so that every input
 * goes through a worker. Node's default (the calling thread one of the jobs) has a
 * test of its own.
 */
const decodeMany = (inputs: PoolInputs, options: Parameters<typeof decodeManyNode>[1], o: NodeDecodeManyOptions = {}) =>
  decodeManyNode(inputs, options, { useCallingThread: o.jobs === 1, ...o });
const JOBS = [1, 2, 3] as const;

/**
 * The inputs one by one with a pause (a slow read) of 3 s before the 21st, long enough for
 * workers started by then to come up (tsx starts one from source in ~0.5 s); `each` before each.
 */
async function* pausedDrive(inputs: PoolInput[], each: () => void): AsyncGenerator<PoolInput> {
  let i = 0;
  for (const t of inputs) {
    if (i++ === 20) await new Promise((res) => setTimeout(res, 3000));
    each();
    yield t;
  }
}

async function collect(it: AsyncIterable<PoolResult>): Promise<PoolResult[]> {
  const out: PoolResult[] = [];
  for await (const r of it) out.push(r);
  return out;
}

function okResults(rs: PoolResult[]): DecodeResult[] {
  return rs.map((r) => {
    if (!r.ok) throw new Error(`input ${r.index} failed: ${r.error.code} ${r.error.message}`);
    return r.result;
  });
}

/** A copy of a capture with buffers of its own (the pool may move the original's). */
function clone(c: Capture): Capture {
  if (c.kind === "logic") return { ...c, samples: c.samples.slice() };
  return { ...c, edges: c.edges.slice(), ...(c.index ? { index: c.index.slice() } : {}) };
}

async function sequential(inputs: { capture: Capture; options: string }[], request: DecodeRequest): Promise<DecodeResult[]> {
  const out: DecodeResult[] = [];
  for (const i of inputs) out.push(await decode(i.capture, i.options, request));
  return out;
}

// ---------------------------------------------------------------------------
// A synthesized drive: MFM 6 cylinders × 4 heads and RLL_WD 2 × 3, with jitter
// and a bad sector here and there (recovery has something to do).
interface DriveTrack { cyl: number; head: number; capture: Capture; options: string }
const drive: DriveTrack[] = [];
for (let cyl = 0; cyl < 6; cyl++) {
  for (let head = 0; head < 4; head++) {
    const s = synthTrack({ format: "MFM", cyl, head, jitter: 0.03, seed: cyl * 4 + head + 1, badSectors: (cyl + head) % 5 === 0 ? [3] : [] });
    // Logic samples and edges: both capture kinds go through the pool.
    drive.push({ cyl, head, capture: (cyl + head) % 3 ? s.edges : s.capture, options: s.options });
  }
}
for (let cyl = 0; cyl < 2; cyl++) {
  for (let head = 0; head < 3; head++) {
    const s = synthTrack({ format: "RLL_WD", cyl, head, jitter: 0.02, seed: 100 + cyl * 3 + head });
    drive.push({ cyl, head, capture: s.edges, options: s.options });
  }
}
const driveInputs = (): PoolInput[] => drive.map((t) => ({ cyl: t.cyl, head: t.head, capture: clone(t.capture), options: t.options }));

describe("decodeMany on a synthesized drive", () => {
  for (const backend of BACKENDS) {
    test(`${backend}: pool output = sequential decode(), jobs 1, 2, 3, in input order`, async () => {
      const want = await sequential(drive, { backend });
      for (const jobs of JOBS) {
        const got = await collect(decodeMany(driveInputs(), {}, { jobs, backend }));
        expect(got.map((r) => r.index)).toEqual(drive.map((_, i) => i));
        expect(got.map((r) => [r.cyl, r.head])).toEqual(drive.map((t) => [t.cyl, t.head]));
        expect(okResults(got)).toStrictEqual(want);
        expect(liveWorkers()).toBe(0);
      }
    });
  }

  test("request fields reach the workers: event log (logBytes) and recovery, = sequential", async () => {
    const some = drive.slice(0, 6);
    for (const request of [{ logBytes: true }, { recover: true }, { keepCrcInputs: true }] satisfies DecodeRequest[]) {
      const want = await sequential(some, { backend: "wasm", ...request });
      const got = okResults(await collect(decodeMany(some.map((t) => ({ capture: clone(t.capture), options: t.options })), {}, { jobs: 2, backend: "wasm", ...request })));
      expect(got).toStrictEqual(want);
      if ("logBytes" in request) expect(got[0].events?.length).toBeGreaterThan(0);
      if ("recover" in request) expect(got.some((r) => (r.recovery?.bad ?? 0) > 0)).toBe(true);
    }
  });

  test("options \"auto\": detection runs in the workers, = sequential (result.detection included)", async () => {
    const some = [drive[1], drive[drive.length - 1]]; // an MFM and an RLL track
    const want = await sequential(some.map((t) => ({ capture: t.capture, options: "auto" })), { backend: "wasm" });
    const got = okResults(await collect(decodeMany(some.map((t) => clone(t.capture)), "auto", { jobs: 2, backend: "wasm" })));
    expect(got).toStrictEqual(want);
    expect(got[1].detection?.optionString).toMatch(/format=RLL_WD/);
  });

  test("lazy async input: the iterator is pulled only as results are taken (≤ jobs × (perWorker + 1) ahead)", async () => {
    for (const [jobs, perWorker] of [[1, 2], [2, 1], [2, 2], [3, 2]] as const) {
      let pulled = 0;
      let yielded = 0;
      let ahead = 0;
      async function* source(): AsyncGenerator<PoolInput> {
        for (const t of drive.slice(0, 16)) {
          pulled++;
          ahead = Math.max(ahead, pulled - yielded);
          yield { capture: clone(t.capture), options: t.options };
        }
      }
      for await (const r of decodeMany(source(), {}, { jobs, perWorker, backend: "wasm" })) {
        expect(r.ok).toBe(true);
        await new Promise((res) => setTimeout(res, 5)); // a slow consumer: the pool must not read ahead
        yielded++;
      }
      expect(yielded).toBe(16);
      // jobs 1 is inline: one input at a time. Else jobs × (perWorker + 1), plus the one
      // just yielded that this consumer has not counted yet.
      expect(ahead).toBeLessThanOrEqual(jobs === 1 ? 1 : jobs * (perWorker + 1) + 1);
      expect(ahead).toBeGreaterThanOrEqual(jobs); // and it does read ahead: every worker has work
      expect(liveWorkers()).toBe(0);
    }
  });

  test("the calling thread as one of the jobs (Node's default): a short input starts no worker; a long one shares with jobs − 1 workers; = sequential", async () => {
    const want = await sequential(drive, { backend: "wasm" });
    // Three one-sector tracks (well under a millisecond of decoding each, even on a loaded
    // machine): all decoded here before 20 ms of decoding have passed, no worker started.
    const small = [0, 1, 2].map((head) => synthTrack({ format: "MFM", cyl: 9, head, sectorsPerTrack: 1, seed: 40 + head }));
    const wantSmall = await sequential(small.map((s, head) => ({ cyl: 9, head, capture: s.edges, options: s.options })), { backend: "wasm" });
    let most = 0;
    const short = [];
    for await (const r of decodeManyNode(small.map((s, head) => ({ cyl: 9, head, capture: clone(s.edges), options: s.options })), {}, { jobs: 3, backend: "wasm" })) {
      most = Math.max(most, liveWorkers());
      short.push(r);
    }
    expect(most).toBe(0);
    expect(okResults(short)).toStrictEqual(wantSmall);
    // The drive, with a pause (a slow read) after 20 tracks (well over 20 ms of decoding: the
    // workers have been started) long enough for them to be up for the last ten.
    const inputs = driveInputs();
    const got = await collect(decodeManyNode(pausedDrive(inputs, () => (most = Math.max(most, liveWorkers()))), {}, { jobs: 3, backend: "wasm" }));
    expect(okResults(got)).toStrictEqual(want);
    expect(most).toBe(2); // jobs 3 = this thread + 2 workers
    expect(liveWorkers()).toBe(0);
    // Decoded here: the caller's buffers untouched; sent to a worker: moved (detached).
    const moved = inputs.map((t) => {
      const c = (t as { capture: Capture }).capture;
      return (c.kind === "logic" ? c.samples.length : c.edges.length) === 0;
    });
    expect(moved.slice(0, 20).some(Boolean)).toBe(false);
    expect(moved.slice(20).some(Boolean)).toBe(true);
  });

  test("expectedInputs: a batch whose work left cannot pay for a worker's start-up starts none; one announced large starts them; = sequential", async () => {
    const want = await sequential(drive, { backend: "wasm" });
    // the 30 tracks, ~1-2 ms each here: far from the 400 ms (jobs 2) their workers would have to win back
    let most = 0;
    const got: PoolResult[] = [];
    const inputs = driveInputs();
    for await (const r of decodeManyNode(inputs, {}, { jobs: 2, backend: "wasm", expectedInputs: inputs.length })) {
      most = Math.max(most, liveWorkers());
      got.push(r);
    }
    expect(okResults(got)).toStrictEqual(want);
    expect(most).toBe(0);
    // A count asked when the pool decides (the CLI's, grown as files of many tracks open): the same; one that
    // throws or answers no count is no hint (decoding goes on, the workers may start)
    most = 0;
    const asked: PoolResult[] = [];
    for await (const r of decodeManyNode(driveInputs(), {}, { jobs: 2, backend: "wasm", expectedInputs: () => inputs.length })) {
      most = Math.max(most, liveWorkers());
      asked.push(r);
    }
    expect(okResults(asked)).toStrictEqual(want);
    expect(most).toBe(0);
    for (const hint of [() => { throw new Error("no count"); }, () => Number.NaN]) {
      expect(okResults(await collect(decodeManyNode(driveInputs().slice(0, 4), {}, { jobs: 2, backend: "wasm", expectedInputs: hint })))).toStrictEqual(want.slice(0, 4));
    }
    // With no worker, each result is handed over before the next input is taken (nothing piles up a window deep)
    let pulled = 0;
    const ahead: number[] = [];
    async function* counted(): AsyncGenerator<PoolInput> {
      for (const t of driveInputs()) {
        pulled++;
        yield t;
      }
    }
    for await (const r of decodeManyNode(counted(), {}, { jobs: 2, backend: "wasm", expectedInputs: inputs.length })) ahead.push(pulled - r.index);
    expect(ahead).toStrictEqual(inputs.map(() => 1));
    // The same tracks announced as a long batch, with a pause (a slow read) after 20 for the workers to come up
    // (started once 20 ms of decoding have passed, as without a count): they decode the last ten.
    const slow = pausedDrive(driveInputs(), () => (most = Math.max(most, liveWorkers())));
    const many = await collect(decodeManyNode(slow, {}, { jobs: 3, backend: "wasm", expectedInputs: 100_000 }));
    expect(okResults(many)).toStrictEqual(want);
    expect(most).toBe(2);
    expect(liveWorkers()).toBe(0);
    // a count that is not one
    for (const bad of [-1, 1.5, Number.NaN]) {
      await expect(collect(decodeManyNode(driveInputs().slice(0, 1), {}, { jobs: 2, expectedInputs: bad }))).rejects.toMatchObject({ code: "E_ARGUMENT" });
    }
  });

  test("prestarted workers (the CLI's): adopted by the next pool at its first input, = sequential, none left; one that fails to start is the pool's E_FILE", async () => {
    const want = await sequential(drive, { backend: "wasm" });
    await prestartDecodeWorkers(2, { backend: "wasm" });
    expect(liveWorkers()).toBe(2); // (unreferenced until adopted: they do not keep a process alive)
    let most = 0;
    let first = -1;
    const got: PoolResult[] = [];
    for await (const r of decodeManyNode(driveInputs(), {}, { jobs: 3, backend: "wasm" })) {
      if (first < 0) first = liveWorkers();
      most = Math.max(most, liveWorkers());
      got.push(r);
    }
    expect(okResults(got)).toStrictEqual(want);
    expect(first).toBe(2); // adopted, not started again: two workers from the first input on
    expect(most).toBe(2);
    expect(liveWorkers()).toBe(0);
    // A worker file that does not load: a pool that needs a worker (useCallingThread: false) says so, whether it
    // adopts the prestarted one (its failure replayed) or that one is gone already and it starts its own.
    const bad = join(mkdtempSync(join(tmpdir(), "diskflux-prestart-")), "no-worker.mjs");
    await prestartDecodeWorkers(1, { workerUrl: pathToFileURL(bad) });
    const failed = await collect(decodeManyNode(driveInputs().slice(0, 2), {}, { jobs: 2, useCallingThread: false, backend: "wasm", workerUrl: pathToFileURL(bad) })).then(() => null, (e: unknown) => e);
    expect((failed as { code?: string }).code).toBe("E_FILE");
    expect(String((failed as Error).message)).toMatch(/a decode worker did not start/);
    expect(liveWorkers()).toBe(0);
    // one that failed before any pool came: dropped (not counted, not adopted); the next pool starts its own
    await prestartDecodeWorkers(1, { workerUrl: pathToFileURL(bad) });
    for (let t = 0; liveWorkers() > 0 && t < 200; t++) await new Promise((res) => setTimeout(res, 25));
    expect(liveWorkers()).toBe(0);
    const again = await collect(decodeManyNode(driveInputs().slice(0, 2), {}, { jobs: 2, useCallingThread: false, backend: "wasm", workerUrl: pathToFileURL(bad) })).then(() => null, (e: unknown) => e);
    expect((again as { code?: string }).code).toBe("E_FILE");
    expect(liveWorkers()).toBe(0);
  });

  test("move (default) detaches whole-buffer arrays; views into a larger buffer are copied; transfer: false copies all", async () => {
    const s = synthTrack({ format: "MFM", jitter: 0.02 });
    const want = await decode(s.edges, s.options, { backend: "wasm" });
    // Two tracks as views into one buffer, as a whole-file reader gives them.
    const n = s.edges.edges.length;
    const shared = new Float64Array(2 * n);
    shared.set(s.edges.edges, 0);
    shared.set(s.edges.edges, n);
    const views: EdgeCapture[] = [0, 1].map((k) => ({ kind: "edges", sampleRate: s.edges.sampleRate, edges: shared.subarray(k * n, (k + 1) * n), sampleCount: s.edges.sampleCount }));
    const own = clone(s.capture) as LogicCapture;
    const kept = clone(s.capture) as LogicCapture;
    const got = okResults(await collect(decodeMany([...views, own], s.options, { jobs: 2, backend: "wasm" })));
    expect(got[0].records).toStrictEqual(want.records);
    expect(got[1].records).toStrictEqual(want.records);
    expect(shared.length).toBe(2 * n); // the larger buffer is still the caller's
    expect(own.samples.length).toBe(0); // moved to the worker
    const got2 = okResults(await collect(decodeMany([kept], s.options, { jobs: 2, transfer: false, backend: "wasm" })));
    expect(got2[0].records).toStrictEqual(want.records);
    expect(kept.samples.length).toBe(s.capture.samples.length); // copied
  });
});

// ---------------------------------------------------------------------------
describe("decodeMany: .tr tracks, lean results, the packed trip back", () => {
  const trDrive = drive.filter((t) => t.capture.kind === "edges" && t.options.includes("format=MFM")).slice(0, 6);
  const trBytes = writeTr(trDrive.map((t) => ({ cyl: t.cyl, head: t.head, capture: t.capture })));

  test("TrTrack inputs travel packed (unpacked in the worker) = decode() of their captures; source, cyl, head from the track", async () => {
    const file = readTr(trBytes, "drive.tr");
    const want: DecodeResult[] = [];
    for (const t of file.tracks) want.push(await decode(t.capture, trDrive[0].options, { backend: "wasm" }));
    for (const jobs of [1, 2]) {
      const got = await collect(decodeMany(readTr(trBytes, "drive.tr").tracks, trDrive[0].options, { jobs, backend: "wasm" }));
      expect(okResults(got)).toStrictEqual(want);
      expect(got.map((r) => [r.source, r.cyl, r.head])).toEqual(file.tracks.map((t) => [`drive.tr cyl ${t.cyl} head ${t.head}`, t.cyl, t.head]));
      for (const r of got) expect(r.ok && r.decodeMs! > 0).toBe(true);
      expect(liveWorkers()).toBe(0);
    }
    // the file's bytes are left alone (a track's packed bytes are a view into them: copied, not moved)
    expect(readTr(trBytes, "drive.tr").tracks.length).toBe(trDrive.length);
  });

  test("results keep their key order and every record's own buffers after the trip (JSON as decode() gives it)", async () => {
    const some = drive.slice(0, 4);
    const want = await sequential(some, { backend: "wasm", keepCrcInputs: true, recover: true });
    const got = okResults(await collect(decodeMany(some.map((t) => ({ capture: clone(t.capture), options: t.options })), {}, { jobs: 2, backend: "wasm", keepCrcInputs: true, recover: true })));
    const json = (x: unknown) => JSON.stringify(x, (_, v) => (typeof v === "bigint" ? `${v}n` : v instanceof Uint8Array ? Buffer.from(v).toString("hex") : v));
    expect(got.map(json)).toEqual(want.map(json));
    for (const r of got) for (const rec of r.records) expect(rec.bytes.byteLength).toBe(rec.bytes.buffer.byteLength);
  });

  test("lean: no fields, empty binary streams, crcInput only on data records that fail; records otherwise = decode()", async () => {
    const some = drive.slice(0, 8); // bad sectors among them
    const want = await sequential(some, { backend: "wasm", keepCrcInputs: true });
    for (const jobs of [1, 2]) {
      const got = okResults(await collect(decodeMany(some.map((t) => ({ capture: clone(t.capture), options: t.options })), {}, { jobs, backend: "wasm", keepCrcInputs: true, lean: true })));
      let failing = 0;
      got.forEach((r, i) => {
        expect(r.fields).toEqual([]);
        expect(Object.values(r.binary).map((b) => b.length)).toEqual([0, 0, 0, 0, 0]);
        expect(r.stats).toEqual(want[i].stats);
        expect(r.records.length).toBe(want[i].records.length);
        r.records.forEach((rec, k) => {
          const w = want[i].records[k];
          const keep = w.kind === "data" && !w.crc?.ok;
          if (keep) failing++;
          expect(rec.crcInput !== undefined).toBe(keep);
          const { crcInput: _a, ...a } = rec;
          const { crcInput: _b, ...b } = w;
          expect(a).toStrictEqual(b);
        });
      });
      expect(failing).toBeGreaterThan(0);
    }
  });

  test("packObjects / unpackObjects: exact round trip, odd values left to structured clone in place", () => {
    const list = [
      { kind: "id", start: 1.5, n: -0, big: 2 ** 60, nan: NaN, s: "é\u0000x", b: new Uint8Array([1, 2]), u: undefined, z: null, t: true, f: false, o: { a: "", y: new Uint8Array(0) } },
      { kind: "data", arr: [1, 2] },
      { when: new Date(0) },
      "not an object",
      { kind: "id", start: 2, n: 3, big: 1, nan: 0, s: "", b: new Uint8Array([9]), u: undefined, z: null, t: true, f: false, o: { a: "q", y: new Uint8Array([7]) } },
    ];
    const packed = packObjects(list);
    expect(packed.raw.map((r) => r.at)).toEqual([1, 2, 3]);
    const back = unpackObjects<Record<string, unknown>>(structuredClone(packed));
    expect(back).toStrictEqual(list);
    expect(Object.is(back[0].n, -0)).toBe(true);
    expect(Object.keys(back[4])).toEqual(Object.keys(list[4] as object));
    expect((back[0].b as Uint8Array).buffer.byteLength).toBe(2);
  });
});

describe("decodeMany on the shared captures", () => {
  const rows = oracleCaptures();
  const loaded: { capture: Capture; options: string; file: string }[] = [];
  beforeAll(async () => {
    if (!haveShared) return;
    for (const r of rows) loaded.push({ capture: await readCaptureFile(`${SAMPLES_DIR}/${r.file}`), options: r.options, file: r.file });
  });
  for (const backend of BACKENDS) {
    test.skipIf(!haveShared)(`${backend}: every capture with its oracle options, jobs 1, 2, 3 = sequential decode()`, async () => {
      expect(loaded.length).toBeGreaterThanOrEqual(16);
      const want = await sequential(loaded, { backend });
      for (const jobs of JOBS) {
        const got = await collect(decodeMany(loaded.map((l) => ({ capture: l.capture, options: l.options })), {}, { jobs, backend, transfer: false }));
        expect(got.map((r) => r.source)).toEqual(loaded.map((l) => l.capture.source));
        const results = okResults(got);
        for (let i = 0; i < loaded.length; i++) expect(results[i], loaded[i].file).toStrictEqual(want[i]);
        expect(liveWorkers()).toBe(0);
      }
    });
  }
  test.skipIf(!haveShared)("file inputs: .sr/.dsl bytes read in the workers (jobs 2) and inline (jobs 1) = read + decode() here; a corrupt file yields its error in order", async () => {
    const want = await sequential(loaded, { backend: "wasm" });
    const files = async function* (): AsyncGenerator<PoolItem> {
      for (const [i, r] of rows.entries()) {
        if (i === 3) {
          const whole = readFileSync(`${SAMPLES_DIR}/${r.file}`);
          yield { bytes: new Uint8Array(whole.subarray(0, whole.length >> 1)), source: `cut-${r.file}`, options: r.options }; // a truncated ZIP
        }
        // (a thunk: the file is read from disk when the pool takes it)
        yield async () => ({ bytes: new Uint8Array(readFileSync(`${SAMPLES_DIR}/${r.file}`)), source: r.file, options: r.options });
      }
    };
    for (const jobs of [1, 2]) {
      const got = await collect(decodeMany(files(), {}, { jobs, backend: "wasm" }));
      expect(got.length).toBe(rows.length + 1);
      const bad = got[3] as Extract<PoolResult, { ok: false }>;
      expect(bad.ok).toBe(false);
      expect(bad.source).toBe(`cut-${rows[3].file}`);
      expect(["E_CORRUPT", "E_FORMAT"]).toContain(bad.error.code);
      expect(bad.error.message).not.toMatch(/[\r\n]/);
      const rest = got.filter((_, i) => i !== 3);
      expect(rest.map((r) => r.source)).toEqual(rows.map((r) => r.file));
      const results = okResults(rest);
      for (let i = 0; i < rows.length; i++) expect(results[i], rows[i].file).toStrictEqual(want[i]);
      expect(liveWorkers()).toBe(0);
    }
  });
  const FLUX = join(SAMPLES_DIR, "flux");
  const ACORN = "data_rate=125000:format=FM:data_crc_size=16:data_crc_poly=0x1021";
  test.skipIf(!existsSync(join(FLUX, "acorn-kryoflux")))("file inputs of one track (KryoFlux streams) give their cylinder and head; a file of many tracks is E_ARGUMENT", async () => {
    const names = ["acorn00.0.raw", "acorn01.0.raw", "acorn02.0.raw", "acorn03.0.raw"];
    const bytes = (n: string) => new Uint8Array(readFileSync(join(FLUX, "acorn-kryoflux", n)));
    const want: DecodeResult[] = [];
    for (const n of names) {
      const any = await readAnyCapture(bytes(n), n);
      if (any.kind !== "tracks") throw new Error(`${n}: not read as a track`);
      want.push(await decode(any.tracks[0].capture, ACORN, { backend: "wasm" }));
    }
    const hfe = { bytes: new Uint8Array(readFileSync(join(FLUX, "ibm360.hfe"))), source: "ibm360.hfe" };
    const got = await collect(decodeMany([...names.map((n) => ({ bytes: bytes(n), source: n })), hfe], ACORN, { jobs: 2, backend: "wasm" }));
    expect(got.slice(0, 4).map((r) => [r.source, r.cyl, r.head])).toEqual(names.map((n, i) => [n, i, 0]));
    expect(okResults(got.slice(0, 4))).toStrictEqual(want);
    expect(want.every((r) => r.records.some((x) => x.kind === "data" && x.crc?.ok))).toBe(true);
    expect((got[4] as Extract<PoolResult, { ok: false }>).error).toMatchObject({ code: "E_ARGUMENT", message: expect.stringMatching(/^ibm360\.hfe: holds 80 tracks; read it with readAnyCapture/) });
    expect(liveWorkers()).toBe(0);
  });
  if (!haveShared) test("shared captures", () => warnMissing("pool output against sequential output on the shared captures"));
});

// ---------------------------------------------------------------------------
describe("decodeMany: bad input, early exits, abort", () => {
  const s = synthTrack({ format: "MFM", jitter: 0.02 });
  const good = () => clone(s.capture);

  for (const jobs of JOBS) {
    test(`jobs ${jobs}: failing inputs in the middle yield their one-line errors in order; the rest decode`, async () => {
      const want = await decode(s.capture, s.options, { backend: "wasm" });
      const items: PoolItem[] = [
        good(),
        { ...clone(s.edges), sampleRate: 0, source: "norate.sr" },
        good(),
        () => {
          throw new Error("cannot read track7.sr\nsecond line");
        },
        { kind: "bogus" } as unknown as Capture,
        async () => good(),
        good(),
      ];
      const got = await collect(decodeMany(items, s.options, { jobs, backend: "wasm" }));
      expect(got.map((r) => r.index)).toEqual([0, 1, 2, 3, 4, 5, 6]);
      expect(got.map((r) => r.ok)).toEqual([true, false, true, false, false, true, true]);
      for (const r of got) {
        if (r.ok) expect(r.result.records).toStrictEqual(want.records);
        else expect(r.error.message).not.toMatch(/[\r\n]/);
      }
      const err = (i: number) => (got[i] as Extract<PoolResult, { ok: false }>).error;
      expect(err(1).code).toBe("E_ARGUMENT");
      expect(err(1).message).toMatch(/sample rate/);
      expect(got[1].source).toBe("norate.sr");
      expect(err(3)).toEqual({ code: "E_INPUT", message: "cannot read track7.sr\\x0asecond line" });
      expect(err(4).code).toBe("E_ARGUMENT");
      expect(liveWorkers()).toBe(0);
    });
  }

  test("the same capture twice (moved by the first): the second is E_ARGUMENT, not a hang", async () => {
    const once = clone(s.edges);
    const got = await collect(decodeMany([once, good(), once], s.options, { jobs: 2, backend: "wasm" }));
    expect(got.map((r) => r.ok)).toEqual([true, true, false]);
    expect((got[2] as Extract<PoolResult, { ok: false }>).error).toMatchObject({ code: "E_ARGUMENT", message: expect.stringMatching(/already moved to a decode worker/) });
    expect(liveWorkers()).toBe(0);
  });

  test("break after the first result, an exception in the loop, abort: no worker left", async () => {
    const many = () => Array.from({ length: 12 }, good);
    for await (const r of decodeMany(many(), s.options, { jobs: 3, backend: "wasm" })) {
      expect(r.ok).toBe(true);
      expect(liveWorkers()).toBeGreaterThan(0);
      break;
    }
    expect(liveWorkers()).toBe(0);

    await expect(async () => {
      for await (const r of decodeMany(many(), s.options, { jobs: 2, backend: "js" })) if (r.index === 2) throw new Error("consumer failed");
    }).rejects.toThrow("consumer failed");
    expect(liveWorkers()).toBe(0);

    const ac = new AbortController();
    let seen = 0;
    await expect(async () => {
      for await (const r of decodeMany(many(), s.options, { jobs: 2, backend: "wasm", signal: ac.signal })) {
        expect(r.ok).toBe(true);
        if (++seen === 2) ac.abort(new Error("stop now"));
      }
    }).rejects.toThrow("stop now");
    expect(seen).toBe(2);
    expect(liveWorkers()).toBe(0);

    // Aborted while waiting on a slow input.
    const ac2 = new AbortController();
    async function* slow(): AsyncGenerator<Capture> {
      yield good();
      await new Promise((res) => setTimeout(res, 60_000));
      yield good();
    }
    setTimeout(() => ac2.abort(new Error("aborted while reading")), 1500);
    await expect(collect(decodeMany(slow(), s.options, { jobs: 2, backend: "wasm", signal: ac2.signal }))).rejects.toThrow("aborted while reading");
    expect(liveWorkers()).toBe(0);

    // Already aborted: nothing starts.
    await expect(collect(decodeMany(many(), s.options, { jobs: 2, signal: AbortSignal.abort(new Error("too late")) }))).rejects.toThrow("too late");
    expect(liveWorkers()).toBe(0);
  });

  test("an input iterator that throws: the results before it, then its error; no worker left", async () => {
    async function* failing(): AsyncGenerator<Capture> {
      yield good();
      yield good();
      yield good();
      throw new Error("disk read error");
    }
    const got: PoolResult[] = [];
    await expect(async () => {
      for await (const r of decodeMany(failing(), s.options, { jobs: 2, backend: "wasm" })) got.push(r);
    }).rejects.toThrow("disk read error");
    expect(got.map((r) => r.ok)).toEqual([true, true, true]);
    expect(liveWorkers()).toBe(0);
  });

  test("argument errors", async () => {
    await expect(collect(decodeMany([good()], s.options, { jobs: 0 }))).rejects.toMatchObject({ code: "E_ARGUMENT" });
    // (a thread each: 10^6 jobs would start threads until memory ran out)
    await expect(collect(decodeMany([good()], s.options, { jobs: 1025 }))).rejects.toMatchObject({ code: "E_ARGUMENT", message: "decodeMany: jobs must be a whole number from 1 to 1024, got 1025" });
    await expect(collect(decodeMany([good()], s.options, { jobs: 2, perWorker: 1.5 }))).rejects.toMatchObject({ code: "E_ARGUMENT" });
  });
});

// ---------------------------------------------------------------------------
describe("decodeMany: workers that die or never start", () => {
  let dir = "";
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "diskflux-pool-"));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const s = synthTrack({ format: "MFM", jitter: 0.02 });

  test("a worker that crashes on one capture: E_WORKER for it, in order; the others decode; none left", async () => {
    // The real worker, plus a listener that kills the thread on the capture named "crash".
    const crashy = join(dir, "crashy.mjs");
    const real = nodeWorkerEntry().url.href;
    // (After the import: a listener attached first would take the messages the real one has not yet been there for.)
    writeFileSync(crashy, `import { parentPort } from "node:worker_threads";
await import(${JSON.stringify(real)});
parentPort.on("message", (m) => { if (m.type === "job" && m.capture.source === "crash") process.exit(7); });
`);
    const items: Capture[] = [0, 1, 2, 3, 4, 5].map((i) => ({ ...clone(s.edges), source: i === 2 ? "crash" : `t${i}` }));
    const got = await collect(decodeMany(items, s.options, { jobs: 2, perWorker: 1, backend: "wasm", workerUrl: pathToFileURL(crashy) }));
    expect(got.map((r) => r.ok)).toEqual([true, true, false, true, true, true]);
    const e = got[2] as Extract<PoolResult, { ok: false }>;
    expect(e.error.code).toBe("E_WORKER");
    expect(e.error.message).toMatch(/^crash: the decode worker stopped while decoding this capture \(exit code 7\)$/);
    expect(liveWorkers()).toBe(0);
  });

  test("a worker file that does not load: the iterator throws E_FILE; none left", async () => {
    const missing = pathToFileURL(join(dir, "no-such-worker.mjs"));
    await expect(collect(decodeMany([clone(s.edges), clone(s.edges)], s.options, { jobs: 2, workerUrl: missing }))).rejects.toMatchObject({ code: "E_FILE" });
    expect(liveWorkers()).toBe(0);
  });
});

// ---------------------------------------------------------------------------
// The browser pool (web.ts + worker-web.ts) over the same protocol, driven here
// through worker_threads dressed as Web Workers (onmessage / postMessage on the
// worker's global); test:browser runs the page itself.
describe("decodeMany for browsers (web.ts), on worker_threads dressed as Web Workers", () => {
  let dir = "";
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "diskflux-pool-web-"));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test("no static import of a Node built-in is reachable from web.ts or worker-web.ts", () => {
    const seen = new Set<string>();
    const bad: string[] = [];
    const walk = (file: string) => {
      if (seen.has(file)) return;
      seen.add(file);
      const text = readFileSync(file, "utf8");
      // Static imports and re-exports only: dynamic import() behind a typeof-process check is the project's way to Node.
      for (const m of text.matchAll(/^\s*(?:import|export)\s[^;]*?from\s+["']([^"']+)["']|^\s*import\s+["']([^"']+)["']/gm)) {
        const spec = m[1] ?? m[2];
        if (/^node:|^(?:fs|path|os|url|zlib|worker_threads|child_process)$/.test(spec)) bad.push(`${file}: ${spec}`);
        else if (spec.startsWith(".")) walk(resolvePath(dirname(file), spec.replace(/\.js$/, ".ts")));
      }
    };
    walk(resolvePath("src/pool/web.ts"));
    walk(resolvePath("src/pool/worker-web.ts"));
    expect(seen.size).toBeGreaterThan(10);
    expect(bad).toEqual([]);
  });

  test("= sequential decode(), jobs 2", async () => {
    const entry = nodeWorkerEntry();
    const boot = join(dir, "web-shim.mjs");
    const webEntry = new URL("../src/pool/worker-web.ts", import.meta.url).href;
    writeFileSync(boot, `import { parentPort, workerData } from "node:worker_threads";
globalThis.postMessage = (m, t) => parentPort.postMessage(m, t);
// A browser queues what arrives before the worker's module has run; so does this shim.
const early = [];
parentPort.on("message", (data) => (globalThis.onmessage ? globalThis.onmessage({ data }) : early.push(data)));
${entry.workerData.entry ? `const { register } = await import(${JSON.stringify(new URL("../node_modules/tsx/dist/esm/api/index.mjs", import.meta.url).href)}); register();` : ""}
await import(workerData.webEntry);
for (const data of early.splice(0)) globalThis.onmessage({ data });
`);
    const createWorker = (): globalThis.Worker => {
      const w = new Worker(boot, { workerData: { webEntry } });
      const shim = {
        onmessage: null as ((ev: { data: unknown }) => void) | null,
        onerror: null as ((ev: { message: string; preventDefault(): void }) => void) | null,
        onmessageerror: null as (() => void) | null,
        postMessage: (m: unknown, t: Transferable[]) => w.postMessage(m, t as ArrayBuffer[]),
        terminate: () => void w.terminate(),
      };
      w.on("message", (data) => shim.onmessage?.({ data }));
      w.on("error", (e) => shim.onerror?.({ message: String(e), preventDefault() {} }));
      return shim as unknown as globalThis.Worker;
    };
    const some = drive.slice(0, 8);
    const want = await sequential(some, { backend: "wasm" });
    const got = await collect(decodeManyWeb(some.map((t) => ({ capture: clone(t.capture), options: t.options, cyl: t.cyl, head: t.head })), {}, { jobs: 2, backend: "wasm", createWorker }));
    expect(okResults(got)).toStrictEqual(want);
    expect(got.map((r) => r.cyl)).toEqual(some.map((t) => t.cyl));
    expect(liveWorkers()).toBe(0);
  });
});
