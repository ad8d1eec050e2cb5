// `--jobs N` (src/cli/jobs.ts): `decode` and `image` through a worker pool print
// exactly what --jobs 1 prints (tables, --json, --json --records, -B, the image
// and its map), in input order, on the shared captures and on a multi-track .tr
// streamed track by track, on both backends; a file that fails prints its
// one-line error in its place, the others still decode, exit status 1; Ctrl-C
// stops the workers and exits 130; --jobs must be a whole number ≥ 1.
//
// In this file decodeMany runs with useCallingThread off for --jobs N > 1, so
// that every capture goes through a worker (by default the calling thread
// decodes too, and from source a worker takes ~0.5 s to start: a short input
// would never reach one). pool.test.ts covers the default split; the SIGINT
// test runs the real CLI.
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, test, vi } from "vitest";
import { main } from "../src/cli/main.js";
import { liveWorkers } from "../src/pool/node.js";

/** Workers seen alive while a run's results came in (the most at once). */
let seenWorkers = 0;
/** The count of inputs the CLI announced to the pool (decodeMany's expectedInputs), as it stood at the end. */
let announced: number | (() => number) | undefined;
vi.mock("../src/pool/node.js", async (importOriginal) => {
  const real = await importOriginal<typeof import("../src/pool/node.js")>();
  return {
    ...real,
    decodeMany: async function* (...args: Parameters<typeof real.decodeMany>) {
      const [inputs, options, opts = {}] = args;
      announced = opts.expectedInputs;
      for await (const r of real.decodeMany(inputs, options, { ...opts, useCallingThread: opts.jobs === 1 })) {
        seenWorkers = Math.max(seenWorkers, real.liveWorkers());
        yield r;
      }
    },
    // (image: the workers send each track's sector reads)
    decodeManyImageReads: async function* (...args: Parameters<typeof real.decodeManyImageReads>) {
      const [inputs, options, opts] = args;
      announced = opts.expectedInputs;
      for await (const r of real.decodeManyImageReads(inputs, options, { ...opts, useCallingThread: opts.jobs === 1 })) {
        seenWorkers = Math.max(seenWorkers, real.liveWorkers());
        yield r;
      }
    },
  };
});
import { SAMPLES_DIR, haveShared, warnMissing } from "./support/shared.js";
import { byteSink } from "./support/sink.js";

const sink = byteSink;

async function run(args: string[]) {
  seenWorkers = 0;
  announced = undefined;
  const out = sink();
  const err = sink();
  const code = await main(args, out.stream, err.stream);
  const jobs = args.includes("--jobs") ? Number(args[args.indexOf("--jobs") + 1]) : 1;
  // --jobs N > 1 decoded in workers; --jobs 1 started none
  if (code === 0 && jobs > 1) expect(seenWorkers).toBeGreaterThan(0);
  if (jobs === 1) expect(seenWorkers).toBe(0);
  return { code, out: out.bytes(), text: out.bytes().toString("latin1"), err: err.bytes().toString("utf8") };
}

/** The timings, the only thing that differs from run to run. */
function untimed(s: string): string {
  return s.replace(/backend, [\d.]+ ms$/gm, "backend, T ms").replace(/"decodeMs": [\d.]+/g, '"decodeMs": T');
}

let tmp: string;
beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), "diskflux-jobs-"));
});
afterAll(() => {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

const HDD = "mfm:data_rate=5000000:format=MFM";

describe("decode --jobs on the shared captures", () => {
  if (!haveShared) {
    test("shared captures", () => warnMissing("--jobs against --jobs 1 on the shared captures"));
    return;
  }
  const files = readdirSync(SAMPLES_DIR).filter((f) => /\.(sr|dsl)$/.test(f)).sort().map((f) => join(SAMPLES_DIR, f));

  const modes: [string, string[]][] = [
    ["table, wasm", ["--backend", "wasm"]],
    ["table, js", ["--backend", "js"]],
    ["--json", ["--json"]],
    ["--json --records", ["--json", "--records"]],
    ["-B mfm=iddata", ["-B", "mfm=iddata"]],
  ];
  for (const [name, extra] of modes) {
    test(`${name}: --jobs 2 and 3 print what --jobs 1 prints, byte for byte (timings aside)`, async () => {
      const one = await run(["decode", ...files, "-P", HDD, ...extra, "--jobs", "1"]);
      expect(one.code, one.err).toBe(0);
      expect(one.out.length).toBeGreaterThan(1000);
      for (const jobs of ["2", "3"]) {
        const many = await run(["decode", ...files, "-P", HDD, ...extra, "--jobs", jobs]);
        expect(many.code, many.err).toBe(0);
        expect(many.err).toBe(one.err);
        if (extra[0] === "-B") expect(Buffer.compare(many.out, one.out)).toBe(0);
        else expect(untimed(many.text)).toBe(untimed(one.text));
        expect(liveWorkers()).toBe(0);
      }
      if (!extra.includes("-B") && !extra.includes("--json")) {
        // every capture's table, in the order given
        const heads = one.text.split("\n").filter((l) => / backend, [\d.]+ ms$/.test(l)).map((l) => l.slice(0, l.indexOf(": ")));
        expect(heads).toEqual(files);
      }
    }, 600_000);
  }

  test("a corrupt file and a missing one among good ones: their errors in order, the rest decoded, exit 1 (jobs 1 and 2 alike)", async () => {
    const corrupt = join(tmp, "corrupt.sr");
    writeFileSync(corrupt, Buffer.concat([Buffer.from("PK\x03\x04"), Buffer.alloc(200, 0x5a)]));
    const good = [join(SAMPLES_DIR, "hdd_mfm_ST21M.sr"), join(SAMPLES_DIR, "hdd_mfm_EV346.sr")];
    const args = ["decode", good[0], corrupt, join(tmp, "missing.sr"), good[1], "-P", HDD];
    const one = await run([...args, "--jobs", "1"]);
    const two = await run([...args, "--jobs", "2"]);
    // the pool is told how many captures come (it starts workers only when those left pay for them)
    expect(typeof announced === "function" ? announced() : announced).toBe(4);
    for (const r of [one, two]) {
      expect(r.code).toBe(1);
      const lines = r.err.trim().split("\n");
      expect(lines).toHaveLength(2);
      expect(lines[0]).toMatch(/^diskflux: corrupt\.sr: /);
      expect(lines[1]).toMatch(/^diskflux: .*missing\.sr: cannot read .*no such file/);
      const heads = r.text.split("\n").filter((l) => / backend, [\d.]+ ms$/.test(l)).map((l) => l.slice(0, l.indexOf(": ")));
      expect(heads).toEqual(good);
    }
    expect(untimed(two.text)).toBe(untimed(one.text));
    expect(two.err).toBe(one.err);
  }, 300_000);
});

describe("a multi-track .tr, streamed track by track", () => {
  let tr: string;
  beforeAll(async () => {
    tr = join(tmp, "drive.tr");
    const { synthCommand } = await import("../src/cli/synth.js");
    const s = sink();
    const code = await synthCommand(["--format", "MFM", "--cyl", "0-5", "--head", "0-1", "--jitter", "0.02", "--seed", "7", "-o", tr], s.stream, s.stream);
    expect(code).toBe(0);
  }, 300_000);

  for (const backend of ["wasm", "js"]) {
    test(`${backend}: decode --jobs 2 = --jobs 1 (tables, --json --records), every track in file order`, async () => {
      for (const extra of [[], ["--json", "--records"]]) {
        const one = await run(["decode", tr, "-P", HDD, "--backend", backend, ...extra, "--jobs", "1"]);
        const two = await run(["decode", tr, "-P", HDD, "--backend", backend, ...extra, "--jobs", "2"]);
        expect(one.code, one.err).toBe(0);
        expect(two.code, two.err).toBe(0);
        expect(untimed(two.text)).toBe(untimed(one.text));
        // the pool was told of the .tr's 6 × 2 tracks once its header was read (one file counted one until then)
        expect(typeof announced === "function" ? announced() : announced).toBe(12);
        if (extra.length === 0) {
          const heads = one.text.split("\n").filter((l) => / backend, [\d.]+ ms$/.test(l)).map((l) => l.slice(l.indexOf("["), l.indexOf("]") + 1));
          const want: string[] = [];
          for (let c = 0; c <= 5; c++) for (let h = 0; h <= 1; h++) want.push(`[cyl ${c} head ${h}]`);
          expect(heads).toEqual(want);
          // 17 good sectors a track (synth's MFM default), none bad
          expect(one.text.match(/OK [0-9A-F]{4}\s+OK [0-9A-F]{4}/g)?.length).toBe(12 * 17);
        }
      }
    }, 300_000);

    test(`${backend}: image --jobs 2 writes the image and map --jobs 1 writes (placed by header, and --by-track)`, async () => {
      for (const place of [[], ["--by-track"]]) {
        const out = (j: string) => ["-o", join(tmp, `${backend}-${j}.img`), "--map", join(tmp, `${backend}-${j}.map`), "--jobs", j, ...place];
        const one = await run(["image", tr, "-P", HDD, "--backend", backend, ...out("1")]);
        const two = await run(["image", tr, "-P", HDD, "--backend", backend, ...out("2")]);
        expect(one.code, one.err).toBe(0);
        expect(two.code, two.err).toBe(0);
        expect(typeof announced === "function" ? announced() : announced).toBe(12);
        expect(two.text).toBe(one.text.replaceAll(`${backend}-1.img`, `${backend}-2.img`));
        expect(one.text).toMatch(/6 x 2 x 17 sectors of 512 bytes .* from 12 tracks: 204 good/);
        const img1 = readFileSync(join(tmp, `${backend}-1.img`));
        expect(img1.length).toBe(6 * 2 * 17 * 512);
        expect(Buffer.compare(readFileSync(join(tmp, `${backend}-2.img`)), img1)).toBe(0);
        expect(readFileSync(join(tmp, `${backend}-2.map`), "utf8")).toBe(readFileSync(join(tmp, `${backend}-1.map`), "utf8"));
      }
    }, 300_000);
  }

  test("decode --json of one multi-track .tr: an array of every track (with --records: each line names its track), jobs 1 and 2 alike", async () => {
    for (const jobs of ["1", "2"]) {
      const r = await run(["decode", tr, "-P", HDD, "--json", "--jobs", jobs]);
      expect(r.code, r.err).toBe(0);
      const all = JSON.parse(r.text);
      expect(Array.isArray(all)).toBe(true);
      const want: string[] = [];
      for (let c = 0; c <= 5; c++) for (let h = 0; h <= 1; h++) want.push(`${tr} [cyl ${c} head ${h}]`);
      expect(all.map((x: { capture: string }) => x.capture)).toEqual(want);
      expect(all.every((x: { records: unknown[] }) => x.records.length === 2 * 17)).toBe(true);
      const lines = await run(["decode", tr, "-P", HDD, "--json", "--records", "--jobs", jobs]);
      const recs = lines.text.trim().split("\n").map((l) => JSON.parse(l));
      expect(recs).toHaveLength(12 * 2 * 17);
      expect(recs[0].capture).toBe(want[0]);
      expect(recs.at(-1).capture).toBe(want[11]);
    }
  }, 300_000);

  test("--recover reaches the workers: a .tr with a bad sector a track decodes (tables with statuses, --json --records) as with --jobs 1", async () => {
    const bad = join(tmp, "bad.tr");
    const s = sink();
    expect(await (await import("../src/cli/synth.js")).synthCommand(["--format", "MFM", "--cyl", "0-1", "--head", "0-1", "--jitter", "0.02", "--bad", "3", "-o", bad], s.stream, s.stream)).toBe(0);
    for (const extra of [[], ["--json", "--records"]]) {
      const one = await run(["decode", bad, "-P", HDD, "--recover", ...extra, "--jobs", "1"]);
      const two = await run(["decode", bad, "-P", HDD, "--recover", ...extra, "--jobs", "2"]);
      expect(one.code, one.err).toBe(0);
      expect(two.code, two.err).toBe(0);
      expect(untimed(two.text)).toBe(untimed(one.text));
      // every data record of the 4 tracks has a status: recovery ran (in the worker for --jobs 2)
      if (extra.length) expect(one.text.trim().split("\n").map((l) => JSON.parse(l)).filter((r) => r.kind === "data" && typeof r.status === "string").length).toBe(4 * 17);
    }
  }, 300_000);

  test("a .tr cut short: the tracks before the damage decode, then its error in place, exit 1 (jobs 1 and 2 alike)", async () => {
    const whole = readFileSync(tr);
    const cut = join(tmp, "cut.tr");
    writeFileSync(cut, whole.subarray(0, Math.floor(whole.length * 0.6)));
    const one = await run(["decode", cut, "-P", HDD, "--jobs", "1"]);
    const two = await run(["decode", cut, "-P", HDD, "--jobs", "2"]);
    for (const r of [one, two]) {
      expect(r.code).toBe(1);
      expect(r.err).toMatch(/^diskflux: cut\.tr: .*truncated/m);
      expect(r.text.split("\n").filter((l) => / backend, [\d.]+ ms$/.test(l)).length).toBeGreaterThan(3);
    }
    expect(untimed(two.text)).toBe(untimed(one.text));
  }, 300_000);
});

describe("--jobs arguments and Ctrl-C", () => {
  test("--jobs must be a whole number ≥ 1 (exit 2, one line)", async () => {
    for (const bad of ["0", "-1", "two", "1.5"]) {
      const r = await run(["decode", "--demo", "--jobs", bad]);
      expect(r.code).toBe(2);
      expect(r.err.trim().split("\n")).toHaveLength(1);
    }
    const ok = await run(["decode", "--demo", "--jobs", "4"]);
    expect(ok.code).toBe(0);
  });

  test("--jobs over 4 a core (at least 8) is lowered, with a one-line note: --jobs 1024 would start ~13 GB of workers", async () => {
    const { jobsArg, maxJobs } = await import("../src/cli/jobs.js");
    const { availableParallelism } = await import("node:os");
    expect(maxJobs()).toBe(Math.min(1024, Math.max(8, 4 * availableParallelism())));
    let note = "";
    const err = { write: (t: string) => ((note += t), true) } as unknown as NodeJS.WritableStream;
    expect(jobsArg("1024", err)).toBe(maxJobs());
    if (maxJobs() < 1024) {
      expect(note).toBe(`diskflux: --jobs 1024: using ${maxJobs()} (4 threads for each of the ${availableParallelism()} available cores; more would only add memory)\n`);
    }
    note = "";
    expect(jobsArg("8", err)).toBe(8);
    expect(jobsArg(String(maxJobs()), err)).toBe(maxJobs());
    expect(note).toBe("");
    const r = await run(["decode", "--demo", "--jobs", "1024"]);
    expect(r.code).toBe(0);
  });

  test("SIGINT stops every worker and exits 130", async () => {
    if (!haveShared) return warnMissing("SIGINT test");
    const files = Array.from({ length: 60 }, () => join(SAMPLES_DIR, "hdd_mfm_EV346.sr"));
    const child = spawn(process.execPath, ["--import", "tsx", resolve("src/cli/main.ts"), "decode", ...files, "-P", HDD, "-B", "mfm=data", "--jobs", "2"], { stdio: ["ignore", "pipe", "pipe"] });
    let err = "";
    let got = 0;
    child.stderr.on("data", (d) => (err += d));
    const done = new Promise<number | null>((res) => child.on("exit", (code) => res(code)));
    await new Promise<void>((res) => child.stdout.on("data", (d: Buffer) => {
      got += d.length;
      // once several captures are out (the worker has started by then), interrupt
      if (got > 6 * 17 * 512) res();
    }));
    child.kill("SIGINT");
    const code = await done;
    expect(err).toMatch(/interrupted; every decode worker stopped/);
    expect(code).toBe(130);
  }, 300_000);
});
