// The package as npm ships it (issue 12 item 5): what `npm pack` puts in it,
// `require("diskflux")` from CommonJS and `import` from ESM on the packed
// tarball, and a browser entry that reaches no Node built-in.
//
// The build runs on a copy of the sources in a temporary folder (src/, build/,
// the configs), so the repository's own dist/ is never rebuilt under other
// tests; ~10 s of tsup (two builds, two declaration files).
import { execFileSync, spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const ROOT = resolve(".");
const NODE_ONLY = ["readCaptureFile", "readAnyCaptureFile", "openCaptureFileStream"];

let tmp: string;
let pkg: string;
let consumer: string;
let packed: { path: string }[];

const npm = (args: string[], cwd: string) => execFileSync("npm", args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, npm_config_update_notifier: "false", npm_config_fund: "false", npm_config_audit: "false" } });

beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), "diskflux-pkg-"));
  pkg = join(tmp, "pkg");
  mkdirSync(pkg);
  if (!existsSync(join(ROOT, "build/diskflux-wasm.ts"))) execFileSync(process.execPath, ["assembly/build.mjs"], { cwd: ROOT, stdio: "ignore" });
  for (const f of ["src", "build", "tsconfig.json", "tsup.config.ts", "package.json", "README.md", "LICENSE"]) cpSync(join(ROOT, f), join(pkg, f), { recursive: true });
  symlinkSync(join(ROOT, "node_modules"), join(pkg, "node_modules"), "dir");
  execFileSync(process.execPath, [join(ROOT, "node_modules/tsup/dist/cli-default.js")], { cwd: pkg, stdio: "pipe" });

  packed = JSON.parse(npm(["pack", "--dry-run", "--json", "--ignore-scripts"], pkg))[0].files;

  // The tarball, unpacked where a project's node_modules would have it.
  const tgz = JSON.parse(npm(["pack", "--json", "--ignore-scripts", "--pack-destination", tmp], pkg))[0].filename;
  consumer = join(tmp, "consumer");
  const into = join(consumer, "node_modules", "diskflux");
  mkdirSync(into, { recursive: true });
  execFileSync("tar", ["-xzf", join(tmp, tgz), "-C", into, "--strip-components=1"]);
  symlinkSync(join(ROOT, "node_modules", "fflate"), join(consumer, "node_modules", "fflate"), "dir");
}, 180_000);
afterAll(() => {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

function node(file: string, code: string, args: string[] = []) {
  writeFileSync(join(consumer, file), code);
  const r = spawnSync(process.execPath, [...args, file], { cwd: consumer, encoding: "utf8", timeout: 60_000 });
  expect(r.status, r.stderr).toBe(0);
  return JSON.parse(r.stdout.trim().split("\n").pop()!);
}

describe("npm pack", () => {
  it("holds dist (code, types, browser build), README, LICENSE and package.json, nothing else", () => {
    const names = packed.map((f) => f.path).sort();
    for (const need of ["package.json", "README.md", "LICENSE", "dist/index.js", "dist/index.d.ts", "dist/cli.js", "dist/browser/index.js", "dist/browser/index.d.ts", "dist/worker-node.js", "dist/browser/worker-web.js"]) {
      expect(names).toContain(need);
    }
    const stray = names.filter((n) => !["package.json", "README.md", "LICENSE"].includes(n) && !n.startsWith("dist/"));
    expect(stray).toEqual([]);
    expect(names.filter((n) => /\.(sr|dsl|tr|vcd|csv|bin|img|tsv)$/i.test(n) || /(^|\/)(test|shared|samples|oracle)\//.test(n))).toEqual([]);
  });

  it("the repository's own package.json packs nothing outside dist but README, LICENSE, package.json", () => {
    const names: string[] = JSON.parse(npm(["pack", "--dry-run", "--json", "--ignore-scripts"], ROOT))[0].files.map((f: { path: string }) => f.path);
    expect(names.filter((n) => !["package.json", "README.md", "LICENSE"].includes(n) && !n.startsWith("dist/"))).toEqual([]);
    expect(names).toContain("LICENSE");
  });

  it("LICENSE says GPL-3.0-or-later, as package.json does; prepack builds", () => {
    const json = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8"));
    expect(json.license).toBe("GPL-3.0-or-later");
    const text = readFileSync(join(ROOT, "LICENSE"), "utf8");
    expect(text).toMatch(/either version 3 of the License, or\s+\(at your option\) any later\s+version/);
    expect(text).toContain("GNU GENERAL PUBLIC LICENSE");
    expect(json.scripts.prepack).toBe("npm run build");
    expect(json.scripts.build).toMatch(/tsup/);
  });
});

describe("loading the packed package", () => {
  it("require('diskflux') from a CommonJS file (Node >= 20.19 loads the ES module) decodes a track", () => {
    const r = node(
      "use.cjs",
      `const d = require("diskflux");
       const b = require("diskflux/browser");
       const t = d.synthTrack({ format: "MFM", sectorsPerTrack: 3 });
       d.decode(t.capture, t.options).then((res) => {
         console.log(JSON.stringify({
           keys: Object.keys(d).sort(), browserKeys: Object.keys(b).sort(),
           good: res.records.filter((x) => x.kind === "data" && x.crc && x.crc.ok).length,
           resolved: require.resolve("diskflux"),
         }));
       });`,
    );
    expect(r.good).toBe(3);
    expect(r.keys).toContain("readCaptureFile");
    expect(r.keys).toContain("decode");
    expect(r.browserKeys).not.toContain("readCaptureFile");
    expect(r.resolved).toBe(join(consumer, "node_modules/diskflux/dist/index.js"));
  });

  it("decodeMany with 2 workers (dist/worker-node.js) from require() and import gives decode()'s records, in order, no worker left", () => {
    const body = `const tracks = [0, 1, 2, 3].map((i) => d.synthTrack({ format: i % 2 ? "RLL_WD" : "MFM", sectorsPerTrack: 2 + i, seed: i + 1 }));
       const seq = [];
       for (const t of tracks) seq.push((await d.decode(t.capture, t.options)).records.length);
       const pooled = [];
       for await (const r of d.decodeMany(tracks.map((t) => ({ capture: t.capture, options: t.options })), "", { jobs: 2, useCallingThread: false, transfer: false })) {
         pooled.push(r.ok ? [r.index, r.result.records.filter((x) => x.kind === "data" && x.crc && x.crc.ok).length, r.result.records.length] : [r.index, r.error.message]);
       }
       console.log(JSON.stringify({ seq, pooled, live: d.liveWorkers() }));`;
    const cjs = node("pool.cjs", `const d = require("diskflux");\n(async () => {\n${body}\n})();`);
    const esm = node("pool.mjs", `import * as d from "diskflux";\n${body}`);
    for (const r of [cjs, esm]) {
      expect(r.live).toBe(0);
      expect(r.pooled.map((p: unknown[]) => p[0])).toEqual([0, 1, 2, 3]);
      expect(r.pooled.map((p: unknown[]) => p[1])).toEqual([2, 3, 4, 5]);
      expect(r.pooled.map((p: unknown[]) => p[2])).toEqual(r.seq);
    }
  });

  it("import from an ES module, and the browser condition picks the browser build", () => {
    const code = `import * as d from "diskflux";
       const t = d.synthTrack({ format: "RLL_WD", sectorsPerTrack: 2 });
       const res = await d.decode(t.capture, t.options);
       console.log(JSON.stringify({ file: typeof d.readCaptureFile, good: res.records.filter((x) => x.kind === "data" && x.crc?.ok).length }));`;
    expect(node("use.mjs", code)).toEqual({ file: "function", good: 2 });
    expect(node("use.mjs", code, ["--conditions=browser"])).toEqual({ file: "undefined", good: 2 });
  });
});

describe("the browser entry", () => {
  it("has every export of src/index.ts but the file-path readers (sources)", async () => {
    const index = Object.keys(await import("../src/index.js")).sort();
    const browser = Object.keys(await import("../src/browser.js")).sort();
    expect(browser).toEqual(index.filter((k) => !NODE_ONLY.includes(k)));
    for (const k of NODE_ONLY) expect(index).toContain(k);
  });

  it("reaches no node: module and no bare Node built-in (dist/browser, every file its imports reach)", async () => {
    const dist = join(pkg, "dist/browser");
    const seen = new Set<string>();
    const bare = new Set<string>();
    const walk = (file: string) => {
      if (seen.has(file)) return;
      seen.add(file);
      const code = readFileSync(file, "utf8");
      expect(code.includes("node:"), `${file} mentions node:`).toBe(false);
      expect(/\brequire\s*\(/.test(code), `${file} calls require`).toBe(false);
      const specs = [...code.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)["']([^"']+)["']/g)].map((m) => m[1]);
      for (const s of specs) {
        if (s.startsWith(".")) walk(resolve(dirname(file), s));
        else bare.add(s);
      }
    };
    walk(join(dist, "index.js"));
    expect([...bare]).toEqual(["fflate"]);
    expect(seen.size).toBeGreaterThan(3);
    // Every emitted file is checked the same way, reached or not.
    for (const f of readdirSync(dist).filter((n) => n.endsWith(".js"))) expect(readFileSync(join(dist, f), "utf8").includes("node:"), f).toBe(false);
    const built = Object.keys(await import(join(dist, "index.js"))).sort();
    expect(built).toEqual(Object.keys(await import("../src/browser.js")).sort());
  });
});
