// The CLI bundled once into a private temp folder (esbuild, one ES module), so
// benchmarks run it in a child process: no tsx loader in the figures, and no
// dependence on (or race with) the shared dist/ build. runCli() runs one
// command there with stdout counted (no buffering, no disk) and returns the
// child's wall time, CPU time (all threads: zlib inflates on the thread pool)
// and peak RSS.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { spawn, spawnSync } from "node:child_process";
import { build } from "esbuild";

const RUNNER = `// runs the bundled CLI's main() with stdout counted; stats as JSON on stderr's last line
import { Writable } from "node:stream";
import { main } from "./cli.js";
let bytes = 0;
const out = new Writable({ write(c, _e, cb) { bytes += c.length; cb(); } });
const quiet = new Writable({ write(_c, _e, cb) { cb(); } });
const t0 = performance.now(), c0 = process.cpuUsage();
const code = await main(process.argv.slice(2), out, process.env.BENCH_STDERR ? process.stderr : quiet);
const ms = performance.now() - t0, cpu = process.cpuUsage(c0);
process.stderr.write("\\n" + JSON.stringify({ code, ms, cpuMs: (cpu.user + cpu.system) / 1000, bytes, maxRssMiB: process.resourceUsage().maxRSS / 1024 }) + "\\n");
`;

// runs the bundled CLI as its bin does (dist/cli.js run by node: \`image\` on its limited worker
// thread, src/cli/limited-worker.ts); stats of the whole process (every thread) when it exits
const BIN_RUNNER = `// the bundled CLI as a bin; stats as JSON on stderr's last line
const args = process.argv.slice(2);
process.argv = [process.argv[0], new URL("./cli.js", import.meta.url).pathname, ...args];
const t0 = performance.now(), c0 = process.cpuUsage();
process.on("exit", (code) => {
  const cpu = process.cpuUsage(c0);
  process.stderr.write("\\n" + JSON.stringify({ code, ms: performance.now() - t0, cpuMs: (cpu.user + cpu.system) / 1000, bytes: 0, maxRssMiB: process.resourceUsage().maxRSS / 1024 }) + "\\n");
});
await import("./cli.js");
`;

/** Path of the runner beside a fresh bundle of src/cli/main.ts (bin.mjs beside it: the CLI run as its bin). */
export async function bundleCli(): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), "diskflux-bench-cli-"));
  writeFileSync(join(dir, "package.json"), '{ "type": "module" }\n');
  const src = resolve(new URL(".", import.meta.url).pathname, "../src");
  // the CLI, and the decode worker beside it where src/pool/node.ts looks for it in a build (--jobs N)
  for (const [entry, out] of [["cli/main.ts", "cli.js"], ["pool/worker-node.ts", "worker-node.js"]]) {
    await build({
      entryPoints: [join(src, entry)],
      outfile: join(dir, out),
      bundle: true,
      platform: "node",
      format: "esm",
      target: "node20",
      logLevel: "error",
      banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
    });
  }
  writeFileSync(join(dir, "run.mjs"), RUNNER);
  writeFileSync(join(dir, "bin.mjs"), BIN_RUNNER);
  return join(dir, "run.mjs");
}

export interface CliRun {
  code: number;
  /** Wall time of main() in the child (no process start-up). */
  ms: number;
  /** User + system CPU time of the child over main(). */
  cpuMs: number;
  /** Bytes written to stdout. */
  bytes: number;
  maxRssMiB: number;
}

/**
 * One `diskflux <args>` in a fresh process: main() called (stdout counted), or with
 * `asBin` the CLI run as its bin (stdout dropped; `ms` from just before the CLI's
 * module loads to the process's exit, which includes loading it and, for \`image\`,
 * starting its worker thread).
 */
export function runCli(runner: string, args: string[], asBin = false): CliRun {
  const script = asBin ? join(dirname(runner), "bin.mjs") : runner;
  const r = spawnSync(process.execPath, [script, ...args], { encoding: "utf8", maxBuffer: 1 << 26, stdio: ["ignore", asBin ? "ignore" : "pipe", "pipe"] });
  return cliRunOf(args, r.status, r.stderr);
}

/**
 * runCli's bin run (`asBin`), started without waiting: several of them side by
 * side show what the machine gives independent processes (bench/drive.bench.ts).
 */
export function startCliBin(runner: string, args: string[]): Promise<CliRun> {
  const child = spawn(process.execPath, [join(dirname(runner), "bin.mjs"), ...args], { stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
  return new Promise((resolveRun, reject) => {
    child.on("error", reject);
    child.on("close", (status) => {
      try {
        resolveRun(cliRunOf(args, status, stderr));
      } catch (e) {
        reject(e);
      }
    });
  });
}

/** The stats line a runner writes last on stderr. */
function cliRunOf(args: string[], status: number | null, stderr: string): CliRun {
  const last = stderr.trim().split("\n").pop() ?? "";
  if (status !== 0 || !last.startsWith("{")) throw new Error(`diskflux ${args.join(" ")} failed (${status}):\n${stderr.slice(-2000)}`);
  return JSON.parse(last) as CliRun;
}
