// `decode -A` through the worker pool (src/cli/jobs.ts runAnnotateJobs, the
// pool's annotate jobs in src/pool/annotate.ts): --jobs 2 prints, byte for byte,
// what --jobs 1 prints (text, --protocol-decoder-samplenum, --json, the full row
// set) over the shared captures given in one call and over the tracks of a
// multi-track .tr, on both backends; each capture's text equals the oracle's; a
// file that fails prints its one-line error in its place, the others still
// print, exit 1; the legacy decoder annotates in the workers too; a big session
// (streamed on the main thread, in its place) sits among pooled captures; Ctrl-C
// stops the workers and exits 130.
//
// As in cli-jobs.test.ts, --jobs N > 1 runs the pool with useCallingThread off,
// so that every capture goes through a worker.
import { spawn } from "node:child_process";
import { EventEmitter } from "node:events";
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { gunzipSync } from "node:zlib";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, test, vi } from "vitest";
import { main } from "../src/cli/main.js";
import { liveWorkers } from "../src/pool/node.js";
import { ORACLE_DIR, SAMPLES_DIR, haveShared, oracleCaptures, warnMissing } from "./support/shared.js";
import { byteSink } from "./support/sink.js";

/** Workers seen alive while a run's results came in (the most at once). */
let seenWorkers = 0;
vi.mock("../src/pool/node.js", async (importOriginal) => {
  const real = await importOriginal<typeof import("../src/pool/node.js")>();
  return {
    ...real,
    decodeMany: async function* (...args: Parameters<typeof real.decodeMany>) {
      const [inputs, options, opts = {}] = args;
      for await (const r of real.decodeMany(inputs, options, { ...opts, useCallingThread: opts.jobs === 1 })) {
        seenWorkers = Math.max(seenWorkers, real.liveWorkers());
        yield r;
      }
    },
    annotateMany: async function* (...args: Parameters<typeof real.annotateMany>) {
      const [inputs, options, opts] = args;
      for await (const r of real.annotateMany(inputs, options, { ...opts, useCallingThread: opts.jobs === 1 })) {
        seenWorkers = Math.max(seenWorkers, real.liveWorkers());
        yield r;
      }
    },
  };
});

const sink = byteSink;

async function run(args: string[]) {
  seenWorkers = 0;
  const out = sink();
  const err = sink();
  const code = await main(args, out.stream, err.stream);
  const jobs = args.includes("--jobs") ? Number(args[args.indexOf("--jobs") + 1]) : 1;
  // --jobs N > 1 over several captures annotated in workers; --jobs 1 started none
  if (code === 0 && jobs > 1) expect(seenWorkers).toBeGreaterThan(0);
  if (jobs === 1) expect(seenWorkers).toBe(0);
  expect(liveWorkers()).toBe(0);
  return { code, out: out.bytes(), err: err.bytes().toString("utf8") };
}

let tmp: string;
beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), "diskflux-jobs-a-"));
});
afterAll(() => {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

const HDD = "mfm:data_rate=5000000:format=MFM";

describe("decode -A --jobs on the shared captures", () => {
  if (!haveShared) {
    test("shared captures", () => warnMissing("-A --jobs against --jobs 1 on the shared captures"));
    return;
  }
  const files = readdirSync(SAMPLES_DIR).filter((f) => /\.(sr|dsl)$/.test(f)).sort().map((f) => join(SAMPLES_DIR, f));

  const modes: [string, string[]][] = [
    ["-A mfm=fields", ["-A", "mfm=fields"]],
    ["-A mfm=fields:errors --protocol-decoder-samplenum, js backend", ["-A", "mfm=fields:errors", "--protocol-decoder-samplenum", "--backend", "js"]],
    ["-A mfm=fields:reports:errors --json", ["-A", "mfm=fields:reports:errors", "--json"]],
  ];
  for (const [name, extra] of modes) {
    test(`${name}: every shared capture in one call, --jobs 2 prints what --jobs 1 prints, byte for byte`, async () => {
      const one = await run(["decode", ...files, "-P", HDD, ...extra, "--jobs", "1"]);
      expect(one.code, one.err).toBe(0);
      expect(one.out.length).toBeGreaterThan(10000);
      const two = await run(["decode", ...files, "-P", HDD, ...extra, "--jobs", "2"]);
      expect(two.code, two.err).toBe(0);
      expect(two.err).toBe(one.err);
      expect(Buffer.compare(two.out, one.out)).toBe(0);
      if (extra.includes("--json")) {
        // every object names its capture, the captures in the order given
        const names = one.out.toString("utf8").trim().split("\n").map((l) => JSON.parse(l).capture as string);
        expect([...new Set(names)]).toEqual(files);
      }
    }, 600_000);
  }

  test("each capture's text is the oracle's (fields, fields_errors_sn), in order, --jobs 1 and 2", async () => {
    const caps = oracleCaptures().filter((c) => c.file.endsWith(".sr")).slice(0, 6);
    for (const c of caps) {
      const f = join(SAMPLES_DIR, c.file);
      const oracle = (name: string) => readFileSync(join(ORACLE_DIR, c.stem, name));
      for (const [rows, file] of [[["-A", "mfm=fields"], "fields.txt"], [["-A", "mfm=fields:errors", "--protocol-decoder-samplenum"], "fields_errors_sn.txt"]] as const) {
        const want = Buffer.concat([oracle(file), oracle(file), oracle(file)]);
        for (const jobs of ["1", "2"]) {
          const r = await run(["decode", f, f, f, "-P", `mfm:${c.options}`, ...rows, "--jobs", jobs]);
          expect(r.code, r.err).toBe(0);
          expect(Buffer.compare(r.out, want), `${c.stem} ${file} --jobs ${jobs}`).toBe(0);
        }
      }
    }
  }, 600_000);

  test("the full row set (-A mfm --protocol-decoder-samplenum): the oracle's stream for each capture, --jobs 2 as --jobs 1", async () => {
    const c = oracleCaptures().find((x) => x.stem === "hdd_mfm_EV346")!;
    const f = join(SAMPLES_DIR, c.file);
    const want = gunzipSync(readFileSync(join(ORACLE_DIR, c.stem, "annotations_sn.txt.gz")));
    const one = await run(["decode", f, f, f, "-P", `mfm:${c.options}`, "-A", "mfm", "--protocol-decoder-samplenum", "--jobs", "1"]);
    const two = await run(["decode", f, f, f, "-P", `mfm:${c.options}`, "-A", "mfm", "--protocol-decoder-samplenum", "--jobs", "2"]);
    expect(one.code, one.err).toBe(0);
    expect(two.code, two.err).toBe(0);
    expect(Buffer.compare(one.out, Buffer.concat([want, want, want]))).toBe(0);
    expect(Buffer.compare(two.out, one.out)).toBe(0);
  }, 600_000);

  test("a slow stdout ('drain' after every write) holds the workers back: the full row set of 3 captures, --jobs 2 as --jobs 1", async () => {
    const c = oracleCaptures().find((x) => x.stem === "hdd_mfm_EV346")!;
    const f = join(SAMPLES_DIR, c.file);
    const args = ["decode", f, f, f, "-P", `mfm:${c.options}`, "-A", "mfm", "--protocol-decoder-samplenum"];
    const slow = () => {
      const chunks: Buffer[] = [];
      const ee = new EventEmitter() as EventEmitter & { write(c: string | Uint8Array): boolean };
      ee.write = (c: string | Uint8Array) => {
        chunks.push(Buffer.from(c as Uint8Array));
        setImmediate(() => ee.emit("drain"));
        return false;
      };
      return { stream: ee as unknown as NodeJS.WritableStream, bytes: () => Buffer.concat(chunks) };
    };
    const outs: Buffer[] = [];
    for (const jobs of ["1", "2"]) {
      const out = slow();
      const err = sink();
      seenWorkers = 0;
      expect(await main([...args, "--jobs", jobs], out.stream, err.stream), err.bytes().toString()).toBe(0);
      if (jobs === "2") expect(seenWorkers).toBeGreaterThan(0);
      outs.push(out.bytes());
    }
    const want = gunzipSync(readFileSync(join(ORACLE_DIR, c.stem, "annotations_sn.txt.gz")));
    expect(Buffer.compare(outs[0], Buffer.concat([want, want, want]))).toBe(0);
    expect(Buffer.compare(outs[1], outs[0])).toBe(0);
    expect(liveWorkers()).toBe(0);
  }, 600_000);

  test("the legacy decoder's annotations are made in the workers too (the oracle's legacy stream)", async () => {
    const c = oracleCaptures().find((x) => x.stem === "fdd_mfm")!;
    const f = join(SAMPLES_DIR, c.file);
    const opts = `mfm:${c.options}:decoder=legacy:dsply_pfx=yes`;
    const want = readFileSync(join(ORACLE_DIR, "fdd_mfm", "legacy_fields_errors_sn.txt"));
    for (const jobs of ["1", "2"]) {
      const r = await run(["decode", f, f, "-P", opts, "-A", "mfm=fields:errors", "--protocol-decoder-samplenum", "--jobs", jobs]);
      expect(r.code, r.err).toBe(0);
      expect(Buffer.compare(r.out, Buffer.concat([want, want]))).toBe(0);
    }
    const one = await run(["decode", f, f, "-P", opts, "-A", "mfm=fields:errors", "--json", "--jobs", "1"]);
    const two = await run(["decode", f, f, "-P", opts, "-A", "mfm=fields:errors", "--json", "--jobs", "2"]);
    expect(Buffer.compare(two.out, one.out)).toBe(0);
    expect(JSON.parse(one.out.toString("utf8").split("\n")[0]).capture).toBe(f);
  }, 600_000);

  for (const json of [false, true]) {
    test(`a corrupt file and a missing one among good ones${json ? " (--json)" : ""}: their errors in order, the rest printed, exit 1 (jobs 1 and 2 alike)`, async () => {
      const corrupt = join(tmp, "corrupt.sr");
      writeFileSync(corrupt, Buffer.concat([Buffer.from("PK\x03\x04"), Buffer.alloc(200, 0x5a)]));
      const good = [join(SAMPLES_DIR, "hdd_mfm_ST21M.sr"), join(SAMPLES_DIR, "hdd_mfm_EV346.sr"), join(SAMPLES_DIR, "hdd_mfm_AMS1100M4.sr")];
      const extra = ["-A", "mfm=fields", ...(json ? ["--json"] : [])];
      const args = ["decode", good[0], corrupt, good[1], join(tmp, "missing.sr"), good[2], "-P", HDD, ...extra];
      const one = await run([...args, "--jobs", "1"]);
      const two = await run([...args, "--jobs", "2"]);
      // the good captures alone, one call
      const alone = await run(["decode", ...good, "-P", HDD, ...extra, "--jobs", "1"]);
      expect(alone.code).toBe(0);
      for (const r of [one, two]) {
        expect(r.code).toBe(1);
        const lines = r.err.trim().split("\n");
        expect(lines).toHaveLength(2);
        expect(lines[0]).toMatch(/^diskflux: corrupt\.sr: /);
        expect(lines[1]).toMatch(/^diskflux: .*missing\.sr: cannot read .*no such file/);
        expect(Buffer.compare(r.out, alone.out)).toBe(0);
      }
    }, 600_000);
  }

  test("a big session (streamed on this thread, in its place) among pooled captures: --jobs 2 as --jobs 1", async () => {
    const small = join(SAMPLES_DIR, "hdd_mfm_RQDX3_sector.sr");
    const files3 = [small, join(SAMPLES_DIR, "hdd_mfm_ST21M.sr"), small, join(SAMPLES_DIR, "hdd_mfm_RQDX3.sr"), join(SAMPLES_DIR, "hdd_mfm_EV346.sr"), small, small];
    const normal = await run(["decode", ...files3, "-P", HDD, "-A", "mfm=fields:errors", "--jobs", "1"]);
    // ST21M, RQDX3 and EV346 (2-3.3 MB of samples) over the limit: streamed here; RQDX3_sector.sr (93 KB) under it: pooled
    const saved = process.env.DISKFLUX_STREAM_BYTES;
    process.env.DISKFLUX_STREAM_BYTES = String(1 << 20);
    try {
      for (const jobs of ["1", "2"]) {
        const r = await run(["decode", ...files3, "-P", HDD, "-A", "mfm=fields:errors", "--jobs", jobs]);
        expect(r.code, r.err).toBe(0);
        expect(Buffer.compare(r.out, normal.out)).toBe(0);
      }
    } finally {
      if (saved === undefined) delete process.env.DISKFLUX_STREAM_BYTES;
      else process.env.DISKFLUX_STREAM_BYTES = saved;
    }
  }, 600_000);
});

describe("decode -A of a multi-track .tr through the pool", () => {
  let tr: string;
  beforeAll(async () => {
    tr = join(tmp, "drive.tr");
    const { synthCommand } = await import("../src/cli/synth.js");
    const s = sink();
    const code = await synthCommand(["--format", "MFM", "--cyl", "0-3", "--head", "0-1", "--jitter", "0.02", "--seed", "5", "-o", tr], s.stream, s.stream);
    expect(code).toBe(0);
  }, 300_000);

  for (const backend of ["wasm", "js"]) {
    test(`${backend}: -A (text, --protocol-decoder-samplenum, --json) --jobs 2 = --jobs 1, every track in file order`, async () => {
      for (const extra of [["-A", "mfm=fields"], ["-A", "mfm=fields:errors", "--protocol-decoder-samplenum"], ["-A", "mfm=fields:reports", "--json"]]) {
        const one = await run(["decode", tr, "-P", HDD, "--backend", backend, ...extra, "--jobs", "1"]);
        const two = await run(["decode", tr, "-P", HDD, "--backend", backend, ...extra, "--jobs", "2"]);
        expect(one.code, one.err).toBe(0);
        expect(two.code, two.err).toBe(0);
        expect(two.err).toBe(one.err);
        expect(Buffer.compare(two.out, one.out)).toBe(0);
        if (extra[1] === "mfm=fields" && extra.length === 2) {
          // 8 tracks of 17 sectors: one "ID Address Mark" line a sector
          expect(one.out.toString("latin1").match(/^mfm-1: ID Address Mark$/gm)?.length).toBe(8 * 17);
        }
      }
    }, 600_000);
  }

  test("a .tr and a .sr in one call (--json names the capture, not the track): jobs 1 and 2 alike", async () => {
    if (!haveShared) return warnMissing("-A .tr with a .sr");
    const sr = join(SAMPLES_DIR, "hdd_mfm_EV346.sr");
    const one = await run(["decode", sr, tr, "-P", HDD, "-A", "mfm=fields", "--json", "--jobs", "1"]);
    const two = await run(["decode", sr, tr, "-P", HDD, "-A", "mfm=fields", "--json", "--jobs", "2"]);
    expect(one.code, one.err).toBe(0);
    expect(Buffer.compare(two.out, one.out)).toBe(0);
    const names = [...new Set(one.out.toString("utf8").trim().split("\n").map((l) => JSON.parse(l).capture as string))];
    const want = [sr];
    for (let c = 0; c <= 3; c++) for (let h = 0; h <= 1; h++) want.push(`${tr} [cyl ${c} head ${h}]`);
    expect(names).toEqual(want);
  }, 600_000);
});

describe("decode -A --jobs 2 and Ctrl-C", () => {
  test("SIGINT stops every worker and exits 130", async () => {
    if (!haveShared) return warnMissing("SIGINT test");
    const files = Array.from({ length: 80 }, () => join(SAMPLES_DIR, "hdd_mfm_EV346.sr"));
    const child = spawn(process.execPath, ["--import", "tsx", resolve("src/cli/main.ts"), "decode", ...files, "-P", HDD, "-A", "mfm=fields", "--jobs", "2"], { stdio: ["ignore", "pipe", "pipe"] });
    let err = "";
    let got = 0;
    child.stderr.on("data", (d) => (err += d));
    const done = new Promise<number | null>((res) => child.on("exit", (code) => res(code)));
    await new Promise<void>((res) => child.stdout.on("data", (d: Buffer) => {
      got += d.length;
      if (got > 6 * 1500) res();
    }));
    child.kill("SIGINT");
    const code = await done;
    expect(err).toMatch(/interrupted; every decode worker stopped/);
    expect(code).toBe(130);
  }, 300_000);

  test("--jobs 1 streams each capture's text as it is made: Ctrl-C there ends the process as with no handler (the signal)", async () => {
    if (!haveShared) return warnMissing("SIGINT test, --jobs 1");
    const files = Array.from({ length: 80 }, () => join(SAMPLES_DIR, "hdd_mfm_EV346.sr"));
    const child = spawn(process.execPath, ["--import", "tsx", resolve("src/cli/main.ts"), "decode", ...files, "-P", HDD, "-A", "mfm", "--jobs", "1"], { stdio: ["ignore", "pipe", "pipe"] });
    let err = "";
    let got = 0;
    child.stderr.on("data", (d) => (err += d));
    const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((res) => child.on("exit", (code, signal) => res({ code, signal })));
    await new Promise<void>((res) => child.stdout.on("data", (d: Buffer) => {
      got += d.length;
      if (got > 1 << 20) res();
    }));
    child.kill("SIGINT");
    // Mid-capture (nearly always): the signal ends it. Between two captures: the run's own handler, exit 130.
    const end = await done;
    if (end.signal !== null) {
      expect(end).toEqual({ code: null, signal: "SIGINT" });
      expect(err).toBe("");
    } else {
      expect(end.code).toBe(130);
      expect(err).toMatch(/interrupted/);
    }
  }, 300_000);
});
