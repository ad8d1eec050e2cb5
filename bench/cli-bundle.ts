// The CLI bundled once into a private temp folder (esbuild, one ES module), so
// benchmarks run `node <bundle>` in a child: no tsx loader in the figures, and
// no dependence on (or race with) the shared dist/ build.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { build } from "esbuild";

/** Path of a fresh bundle of src/cli/main.ts (named cli.js, so it runs main() when executed). */
export async function bundleCli(): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), "diskflux-bench-cli-"));
  writeFileSync(join(dir, "package.json"), '{ "type": "module" }\n');
  const out = join(dir, "cli.js");
  await build({
    entryPoints: [resolve(import.meta.dirname ?? new URL(".", import.meta.url).pathname, "../src/cli/main.ts")],
    outfile: out,
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    logLevel: "error",
    banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
  });
  return out;
}
