// Two builds of one package (`npm run build`, and `prepack` before `npm pack` / publish):
//
//   dist/          src/index.ts (the package's "." for Node: `import` and, on
//                  Node >= 20.19, `require`, which loads this ES module: it has
//                  no top-level await), src/cli/main.ts (the `diskflux` bin,
//                  dist/cli.js, which `image` starts again as a worker thread
//                  with a small young generation: src/cli/limited-worker.ts) and
//                  src/pool/worker-node.ts as dist/worker-node.js, the decode
//                  worker that src/pool/node.ts starts from beside itself.
//                  Node built-ins stay dynamic imports behind `typeof process`.
//                  The bin and the worker are each one file (no shared chunks),
//                  white space and syntax minified, names kept (stack traces of
//                  --debug): every run of the bin starts faster. Measured on
//                  this 2-core host, one capture with -A mfm=fields: the split
//                  build (14 chunks loaded, 764 KB of source with comments)
//                  300-314 ms a run, one file 245-254 ms, minified 217-234 ms.
//                  The price: their code is not shared with index.js's chunks
//                  (npm pack: 1.4 -> 1.8 MB, their source maps without the
//                  sources they point to).
//   dist/browser/  src/browser.ts (the "browser" condition and `diskflux/browser`):
//                  the same API without the file-path readers, and every node:
//                  specifier (and bare built-in name) resolved to a module that
//                  throws when loaded, so nothing in it imports a Node built-in;
//                  the code that would is behind `typeof process` checks anyway.
//                  src/pool/worker-web.ts is dist/browser/worker-web.js, the Web
//                  Worker that src/pool/web.ts starts from beside itself.
//
// dist/ is emptied once here, not by either build's `clean` (each would wipe
// the other's output, since they run side by side).
import { rmSync } from "node:fs";
import { builtinModules } from "node:module";
import { defineConfig, type Options } from "tsup";

const builtins = new Set(builtinModules.filter((m) => !m.startsWith("_")));

/** esbuild plugin: node:x and bare built-in names become a module that throws when evaluated. */
const nodeBuiltinsThrow = {
  name: "diskflux:browser-no-node-builtins",
  setup(build: { onResolve: Function; onLoad: Function }) {
    build.onResolve({ filter: /^[a-z_/:]+$/ }, (args: { path: string }) => {
      const name = args.path.startsWith("node:") ? args.path.slice(5) : args.path;
      if (!args.path.startsWith("node:") && !builtins.has(name)) return undefined;
      return { path: name, namespace: "diskflux-builtin-stub" };
    });
    build.onLoad({ filter: /.*/, namespace: "diskflux-builtin-stub" }, (args: { path: string }) => ({
      contents: `throw new Error(${JSON.stringify(`the Node.js built-in '${args.path}' is not part of diskflux's browser build`)});\n`,
      loader: "js",
    }));
  },
};

const common: Options = {
  format: ["esm"],
  sourcemap: true,
  target: "es2022",
  clean: false,
};

export default defineConfig((cli) => {
  const outDir = "dist"; // not --out-dir: an override would send both builds to one folder
  if (!cli.watch) rmSync(outDir, { recursive: true, force: true });
  return [
    {
      ...common,
      entry: { index: "src/index.ts" },
      dts: { entry: { index: "src/index.ts" } },
      outDir,
      platform: "neutral",
      external: [/^node:/],
      removeNodeProtocol: false,
    },
    {
      ...common,
      entry: { cli: "src/cli/main.ts", "worker-node": "src/pool/worker-node.ts" },
      outDir,
      platform: "neutral",
      external: [/^node:/],
      removeNodeProtocol: false,
      splitting: false,
      // fflate inside: as an external its top-level import loaded and ran it at every start
      // (~5 ms: module resolution and its tables), where only `synth`/`convert` to .sr need it
      noExternal: ["fflate"],
      esbuildOptions(o) {
        o.minifyWhitespace = true;
        o.minifySyntax = true;
        // (their maps point into src/ without copying it: each file's map held every source, 3.2 MB together)
        o.sourcesContent = false;
      },
    },
    {
      ...common,
      entry: { index: "src/browser.ts", "worker-web": "src/pool/worker-web.ts" },
      dts: { entry: { index: "src/browser.ts" } },
      outDir: `${outDir}/browser`,
      platform: "browser",
      removeNodeProtocol: false, // else tsup turns node:x into an external x before the plugin sees it
      esbuildPlugins: [nodeBuiltinsThrow],
    },
  ];
});
