// The bin runs `image` on a worker thread with a small young
// generation (src/cli/limited-worker.ts): run as a child process, from source
// (node --import tsx src/cli/main.ts) and, when dist/ holds a build of the
// launcher, as built (node dist/cli.js), it must do what main() does in-process:
// the same image and stdout, the same exit status and one-line stderr on a bad
// argument, `diskflux: <message>` and a non-zero status on an uncaught error in
// the worker, the command run in-process when no worker can be made, and Ctrl-C
// (SIGINT to the process) forwarded to the worker: exit 130, every decode worker
// stopped, no temporary image left.
//
// A preload (--require, written below; node runs it in every thread) records
// which thread made which Worker and with what young generation, says when the
// command's thread starts listening for SIGINT (so the test interrupts a run
// that is decoding, not one still loading), and on request makes Worker
// creation fail or throws in the command's thread after it started.
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { CLI_YOUNG_GENERATION_MB } from "../src/cli/limited-worker.js";
import { main } from "../src/cli/main.js";
import { synthCommand } from "../src/cli/synth.js";
import { byteSink } from "./support/sink.js";

const HDD = "mfm:data_rate=5000000:format=MFM";

const SPY = String.raw`
const wt = require("node:worker_threads");
const fs = require("node:fs");
const log = process.env.DISKFLUX_TEST_SPY_LOG;
const note = (o) => log && fs.appendFileSync(log, JSON.stringify(o) + "\n");
const cli = !wt.isMainThread && wt.workerData && wt.workerData.diskfluxCli === true;
const thread = cli ? "cli" : "main";
if (wt.isMainThread || cli) {
  const Real = wt.Worker;
  wt.Worker = class extends Real {
    constructor(url, opts) {
      if (thread === "main" && process.env.DISKFLUX_TEST_NO_WORKER) throw new Error("no workers here (test)");
      super(url, opts);
      note({ thread, name: opts && opts.name, young: opts && opts.resourceLimits && opts.resourceLimits.maxYoungGenerationSizeMb });
    }
  };
  require("node:module").syncBuiltinESMExports();
}
if (cli && process.env.DISKFLUX_TEST_SLOW_CLOCK) {
  // every decode here looks a thousand times longer to the pool, so that its workers pay for their
  // start-up (src/pool/start-rule.ts) even on a small drive: which thread makes them is what is tested
  const now = performance.now.bind(performance);
  performance.now = () => now() * 1000;
}
if (cli) {
  process.on("newListener", (event) => {
    if (event === "SIGINT") note({ thread, sigint: "listening" });
  });
  if (process.env.DISKFLUX_TEST_THROW) {
    const port = wt.parentPort;
    const post = port.postMessage.bind(port);
    port.postMessage = (m, t) => {
      post(m, t);
      if (m && m.t === "started") setImmediate(() => { throw new Error("boom in the command's thread (test)"); });
    };
  }
}
`;

let tmp: string;
let spy: string;
let small: string;
let big: string;

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), "diskflux-limited-"));
  spy = join(tmp, "spy.cjs");
  writeFileSync(spy, SPY);
  small = join(tmp, "small.tr");
  big = join(tmp, "big.tr");
  const quiet = byteSink();
  expect(await synthCommand(["--format", "MFM", "--cyl", "0-9", "--head", "0-1", "--sectors", "17", "--seed", "5", "-o", small], quiet.stream, quiet.stream)).toBe(0);
  // enough tracks that a run is still decoding when its SIGINT arrives (seconds of work)
  expect(await synthCommand(["--format", "MFM", "--cyl", "0-99", "--head", "0-3", "--sectors", "17", "-o", big], quiet.stream, quiet.stream)).toBe(0);
}, 300_000);
afterAll(() => {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

/** main() in this process: status, stdout bytes, stderr text. */
async function inProcess(args: string[]) {
  const out = byteSink();
  const err = byteSink();
  const code = await main(args, out.stream, err.stream);
  return { code, out: out.bytes(), err: err.bytes().toString("utf8") };
}

interface Child {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly out: Buffer;
  readonly err: string;
  /** What the preload saw, one object a line. */
  readonly spied: Record<string, unknown>[];
}

/**
 * Runs the bin with the preload; `interrupt` (optional) is called with the child
 * once the command's thread listens for SIGINT.
 */
function runBin(bin: string[], args: string[], o: { env?: Record<string, string>; interrupt?: (kill: () => void) => void } = {}): Promise<Child> {
  const log = join(tmp, `spy-${Math.random().toString(36).slice(2)}.log`);
  writeFileSync(log, "");
  const child = spawn(process.execPath, ["--require", spy, ...bin, ...args], {
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, DISKFLUX_TEST_SPY_LOG: log, ...o.env },
  });
  const out: Buffer[] = [];
  let err = "";
  child.stdout.on("data", (d: Buffer) => out.push(d));
  child.stderr.on("data", (d: Buffer) => (err += d));
  const spied = () => readFileSync(log, "utf8").split("\n").filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
  let poll: NodeJS.Timeout | undefined;
  if (o.interrupt) {
    const interrupt = o.interrupt;
    poll = setInterval(() => {
      if (spied().some((s) => s.sigint === "listening")) {
        clearInterval(poll);
        interrupt(() => child.kill("SIGINT"));
      }
    }, 20);
  }
  return new Promise((res, rej) => {
    child.on("error", rej);
    child.on("close", (code, signal) => {
      clearInterval(poll);
      res({ code, signal, out: Buffer.concat(out), err, spied: spied() });
    });
  });
}

/** The output path as printed, made the same for two runs. */
const unpathed = (b: Buffer, path: string) => b.toString("latin1").split(path).join("OUT");

const DIST_CLI = resolve("dist/cli.js");
const bins: [string, string[] | undefined][] = [
  ["from source (tsx)", ["--import", "tsx", resolve("src/cli/main.ts")]],
  // (a dist/ built before the launcher would test the old bin: only a build that has it)
  ["built (dist/cli.js)", existsSync(DIST_CLI) && readFileSync(DIST_CLI, "utf8").includes("diskflux-cli") ? [DIST_CLI] : undefined],
];

for (const [label, bin] of bins) {
  describe(`the bin ${label}`, () => {
    if (bin === undefined) {
      test("dist/cli.js", () => {
        console.warn(`SKIPPED the built bin's limited-worker tests: ${DIST_CLI} is missing or predates the launcher (npm run build)`);
      });
      return;
    }

    test("image on a limited worker: the image, stdout and exit 0 of main() in-process (--jobs 1 and 2, table and --json)", async () => {
      for (const extra of [["--jobs", "1"], ["--jobs", "2"], ["--jobs", "2", "--json"]]) {
        const want = join(tmp, "want.img");
        const got = join(tmp, "got.img");
        const a = await inProcess(["image", small, "-P", HDD, "-o", want, ...extra]);
        // (--jobs 2 on a slow clock: 20 tracks would not pay for a worker otherwise, and no decode worker would be made)
        const b = await runBin(bin, ["image", small, "-P", HDD, "-o", got, ...extra], extra[1] === "2" ? { env: { DISKFLUX_TEST_SLOW_CLOCK: "1" } } : {});
        expect(a.code).toBe(0);
        expect(b.err).toBe(a.err);
        expect([b.code, b.signal]).toEqual([0, null]);
        expect(unpathed(b.out, got)).toBe(unpathed(a.out, want));
        expect(b.out.length).toBeGreaterThan(extra.includes("--json") ? 20_000 : 1_000);
        expect(readFileSync(got).equals(readFileSync(want))).toBe(true);
        // one limited worker, made by the main thread; --jobs 2: the decode worker made by it, not by the main thread
        const made = b.spied.filter((s) => s.name !== undefined);
        expect(made.filter((s) => s.thread === "main")).toEqual([{ thread: "main", name: "diskflux-cli", young: CLI_YOUNG_GENERATION_MB }]);
        if (extra[1] === "2") expect(made.filter((s) => s.thread === "cli").map((s) => s.name)).toEqual(["diskflux-decode"]);
        else expect(made.filter((s) => s.thread === "cli")).toEqual([]);
      }
    }, 240_000);

    test("a bad argument: exit 2 and main()'s one-line message; decode stays on the main thread", async () => {
      const args = ["image", small, "-P", "foo", "-o", join(tmp, "never.img")];
      const a = await inProcess(args);
      const b = await runBin(bin, args);
      expect(a.code).toBe(2);
      expect(a.err).toMatch(/^diskflux: protocol decoder 'foo' not found; [^\n]*\n$/);
      expect([b.code, b.signal, b.err, b.out.length]).toEqual([2, null, a.err, 0]);
      expect(b.spied.map((s) => s.name)).toEqual(["diskflux-cli"]);
      expect(existsSync(join(tmp, "never.img"))).toBe(false);
      // other commands are not moved to a worker
      const d = await runBin(bin, ["decode", "--demo", "--jobs", "1"]);
      expect(d.code).toBe(0);
      expect(d.spied).toEqual([]);
    }, 120_000);

    test("no worker to be had: the command runs in-process, same image and output", async () => {
      const want = join(tmp, "want-nw.img");
      const got = join(tmp, "got-nw.img");
      const a = await inProcess(["image", small, "-P", HDD, "-o", want, "--jobs", "1"]);
      const b = await runBin(bin, ["image", small, "-P", HDD, "-o", got, "--jobs", "1"], { env: { DISKFLUX_TEST_NO_WORKER: "1" } });
      expect([b.code, b.signal, b.err]).toEqual([0, null, a.err]);
      expect(unpathed(b.out, got)).toBe(unpathed(a.out, want));
      expect(readFileSync(got).equals(readFileSync(want))).toBe(true);
      expect(b.spied).toEqual([]);
    }, 120_000);

    test("an uncaught error in the command's thread: 'diskflux: <message>', exit 1, no image", async () => {
      const dir = join(tmp, `thrown-${label.replace(/\W+/g, "-")}`);
      mkdirSync(dir);
      const out = join(dir, "x.img");
      const b = await runBin(bin, ["image", big, "-P", HDD, "-o", out, "--jobs", "1"], { env: { DISKFLUX_TEST_THROW: "1" } });
      expect([b.code, b.signal]).toEqual([1, null]);
      expect(b.err).toBe("diskflux: boom in the command's thread (test)\n");
      expect(existsSync(out)).toBe(false);
    }, 120_000);

    test("SIGINT mid-run: forwarded to the command's thread, exit 130, every decode worker stopped, no temporary image", async () => {
      const dir = join(tmp, `int-${label.replace(/\W+/g, "-")}`);
      mkdirSync(dir);
      const out = join(dir, "disk.img");
      let atSignal: string[] | undefined;
      const b = await runBin(bin, ["image", big, "-P", HDD, "-o", out, "--jobs", "2"], {
        interrupt: (kill) => {
          atSignal = readdirSync(dir);
          kill();
        },
      });
      // the temporary image was there (made before the command listens for SIGINT), and is gone
      expect(atSignal?.filter((f) => f.endsWith(".diskflux-tmp"))).toHaveLength(1);
      expect(b.err).toMatch(/\ndiskflux: interrupted; every decode worker stopped\n$/);
      expect([b.code, b.signal]).toEqual([130, null]);
      expect(b.out.length).toBe(0); // (the summary and map come only after the last track)
      expect(readdirSync(dir)).toEqual([]);
    }, 180_000);
  });
}
