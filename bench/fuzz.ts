// npm run fuzz -- [--cases N] [--seed S] [--from I] [--time-box SECONDS] [--out DIR] [--no-save] [--hang SECONDS]
// npm run fuzz -- --case I --seed S          one case of a campaign, shrunk and printed if it fails
// npm run fuzz -- --replay FILE.json         a saved case (test/fuzz-regressions/<caseSeed>.json)
//
// The campaign of test/support/fuzz.ts (what is mutated, which modes, the
// budget). Cases run in a child process (node --expose-gc, so memory is
// measured from a clean heap) watched by this one: a case that runs past
// --hang seconds (default 120) is killed and saved as a hang, a child that
// dies (a fatal out-of-memory, a crash of the runtime) is saved as one, and
// the campaign goes on from the next case in a fresh child. Failing cases are
// shrunk by fast-check and saved to test/fuzz-regressions/ (--out), where
// test/fuzz.test.ts replays them. Exit status 1 when any case failed.
import { fork, type ChildProcess } from "node:child_process";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import {
  loadSeeds, runIndexedCase, caseSeed, newStats, record, summary, saveFailure, loadRegression, replay, describeCase, label, BUDGET_TEXT,
  type CampaignStats, type Failure, type FuzzCase, type Outcome,
} from "../test/support/fuzz.js";

const HERE = fileURLToPath(import.meta.url);

interface Args {
  cases: number;
  seed: number;
  from: number;
  timeBox?: number;
  out: string;
  save: boolean;
  hang: number;
  child: boolean;
  case?: number;
  replay?: string;
}

function parse(argv: string[]): Args {
  const a: Args = { cases: 1000, seed: Date.now() % 2 ** 31, from: 0, out: resolve("test/fuzz-regressions"), save: true, hang: 120, child: false };
  const num = (i: number, name: string) => {
    const v = Number(argv[i + 1]);
    if (argv[i + 1] === undefined || !Number.isFinite(v) || v < 0) {
      console.error(`fuzz: ${name} needs a non-negative number`);
      process.exit(2);
    }
    return Math.floor(v);
  };
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i];
    if (k === "--cases") a.cases = num(i++, k);
    else if (k === "--seed") a.seed = num(i++, k) >>> 0;
    else if (k === "--from") a.from = num(i++, k);
    else if (k === "--time-box") a.timeBox = num(i++, k);
    else if (k === "--hang") a.hang = num(i++, k);
    else if (k === "--out") a.out = resolve(argv[++i] ?? ".");
    else if (k === "--no-save") a.save = false;
    else if (k === "--child") a.child = true;
    else if (k === "--case") a.case = num(i++, k);
    else if (k === "--replay") a.replay = argv[++i];
    else if (k === "--help" || k === "-h") {
      console.log(readmeOf());
      process.exit(0);
    } else {
      console.error(`fuzz: unknown argument '${k}'; see --help`);
      process.exit(2);
    }
  }
  return a;
}

function readmeOf(): string {
  return "usage: npm run fuzz -- [--cases N] [--seed S] [--from I] [--time-box SECONDS] [--out DIR] [--no-save] [--hang SECONDS]\n" +
    "       npm run fuzz -- --case I --seed S\n       npm run fuzz -- --replay FILE.json\n" + `budget: ${BUDGET_TEXT}`;
}

type ToParent =
  | { t: "start"; i: number; c: FuzzCase & { seedName: string } }
  | { t: "done"; i: number; c: FuzzCase & { seedName: string }; label: string; outcome?: Outcome; failure?: Failure };

// ---------------------------------------------------------------- child: runs cases, reports each

async function child(a: Args): Promise<void> {
  const { seeds } = loadSeeds();
  const send = (m: ToParent) => new Promise<void>((ok) => process.send!(m, () => ok()));
  for (let i = a.from; i < a.from + a.cases; i++) {
    const r = await runIndexedCase(seeds, a.seed, i, {
      ...(a.save ? { saveDir: a.out } : {}),
      onStart: (index, c) => send({ t: "start", i: index, c: describeCase(seeds, c) }), // delivered before the case runs
    });
    await send({ t: "done", i, c: describeCase(seeds, r.c), label: label(seeds, r.c), ...(r.outcome ? { outcome: r.outcome } : {}), ...(r.failure ? { failure: r.failure } : {}) });
  }
  process.disconnect?.();
}

// ---------------------------------------------------------------- parent: watches the child

async function campaign(a: Args): Promise<CampaignStats> {
  const set = loadSeeds();
  for (const s of set.skipped) console.error(`fuzz: SKIPPED ${s}`);
  console.error(`fuzz: seed ${a.seed}, cases ${a.from}..${a.from + a.cases - 1}, ${set.seeds.length} seeds (${set.seeds.map((s) => s.name).join(", ")})`);
  console.error(`fuzz: budget per case: ${BUDGET_TEXT}; a case past ${a.hang} s is a hang`);
  const stats = newStats();
  const t0 = performance.now();
  let next = a.from;
  const end = a.from + a.cases;
  let lastReport = performance.now();
  const progress = () => {
    const ok = stats.ok, fail = stats.failures.length;
    console.error(`fuzz: ${stats.cases}/${a.cases} cases, ${ok} results, ${stats.cases - ok - fail} errors, ${fail} failures, ${((performance.now() - t0) / 1000).toFixed(0)} s`);
    lastReport = performance.now();
  };
  while (next < end) {
    if (a.timeBox !== undefined && performance.now() - t0 > a.timeBox * 1000) break;
    next = await new Promise<number>((done) => {
      const proc: ChildProcess = fork(HERE, ["--child", "--seed", String(a.seed), "--from", String(next), "--cases", String(end - next), "--out", a.out, ...(a.save ? [] : ["--no-save"])], {
        execArgv: ["--import", "tsx", "--expose-gc", "--max-old-space-size=4096"],
        stdio: ["ignore", "inherit", "inherit", "ipc"],
      });
      let current: { i: number; c?: FuzzCase & { seedName: string }; timer?: NodeJS.Timeout } = { i: next };
      let settled = false;
      const finish = (resumeAt: number) => {
        if (settled) return;
        settled = true;
        clearTimeout(current.timer);
        done(resumeAt);
      };
      const lost = (kind: string, message: string) => {
        const c = current.c;
        const f: Failure = {
          campaignSeed: a.seed, index: current.i, caseSeed: 0,
          case: c ?? ({ seed: 0, seedName: "?", mutations: [], mode: "binary", backend: "js", variant: 0 } as FuzzCase & { seedName: string }),
          failure: { kind, message },
        };
        f.caseSeed = caseSeed(a.seed, current.i);
        if (a.save && c) f.file = saveFailure(set.seeds, f, a.out);
        record(stats, c ? `${c.seedName} ${c.mode}/${c.backend}` : "?", c ?? { mode: "binary", backend: "js" }, undefined, f);
        console.error(`fuzz: case ${current.i}: ${kind}: ${message}${f.file ? ` -> ${f.file}` : ""}`);
      };
      proc.on("message", (m: ToParent) => {
        if (m.t === "start") {
          clearTimeout(current.timer);
          current = { i: m.i, c: m.c };
          if (a.timeBox !== undefined && performance.now() - t0 > a.timeBox * 1000) {
            proc.kill("SIGKILL");
            finish(end);
            return;
          }
          current.timer = setTimeout(() => {
            lost("hang", `still running after ${a.hang} s; killed`);
            proc.kill("SIGKILL");
            finish(current.i + 1);
          }, a.hang * 1000);
        } else if (m.t === "done") {
          clearTimeout(current.timer);
          record(stats, m.label, m.c, m.outcome, m.failure);
          if (m.failure) console.error(`fuzz: case ${m.i}: ${m.failure.failure.kind}: ${m.failure.failure.message.split("\n")[0]}${m.failure.file ? ` -> ${m.failure.file}` : ""}`);
          current = { i: m.i + 1 };
          if (performance.now() - lastReport > 30_000 || stats.cases % 500 === 0) progress();
        }
      });
      proc.on("exit", (code, signal) => {
        if (settled) return;
        if (code === 0 && current.c === undefined) return finish(end);
        lost("died", `the process died (${signal ?? `exit code ${code}`}) during the case`);
        finish(current.i + 1);
      });
    });
  }
  stats.ms = performance.now() - t0;
  return stats;
}

// ---------------------------------------------------------------- main

const args = parse(process.argv.slice(2));
if (args.child) {
  await child(args);
} else if (args.replay) {
  const r = loadRegression(resolve(args.replay));
  console.error(`fuzz: replaying ${r.file}: ${r.case.seedName} ${r.case.mode}/${r.case.backend}, ${r.case.mutations.length} mutations; it failed with ${r.failure.kind}: ${r.failure.message.split("\n")[0]}`);
  try {
    const o = await replay(r);
    console.log(o === "skipped" ? "skipped: its seed is missing and the file holds no input" : `passes now: ${o.kind}${o.code ? ` ${o.code}: ${o.message}` : ""} in ${o.ms.toFixed(0)} ms`);
  } catch (e) {
    console.log(`still fails: ${e instanceof Error ? e.message : String(e)}`);
    process.exitCode = 1;
  }
} else if (args.case !== undefined) {
  const { seeds } = loadSeeds();
  const r = await runIndexedCase(seeds, args.seed, args.case, args.save ? { saveDir: args.out } : {});
  console.log(JSON.stringify({ case: describeCase(seeds, r.c), outcome: r.outcome, failure: r.failure }, null, 2));
  if (r.failure) process.exitCode = 1;
} else {
  const stats = await campaign(args);
  console.log(summary(stats, args.seed));
  if (stats.failures.length) process.exitCode = 1;
}
