// The web page (web/): `npm run web` serves it with vite's dev server,
// `npm run build:web` writes a static site to web-dist/ (relative URLs, so it
// works from any folder or file server). The page imports the library from
// src/ directly; the decoder runs in a module worker (web/worker.ts).
import { defineConfig, type Plugin } from "vite";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));

/**
 * The library's Node-only branches (node:zlib for inflating, node:fs/promises for
 * readCaptureFile) are dynamic imports behind `typeof process` checks, so a
 * browser never evaluates them. Resolve them to an empty module instead of vite's
 * "externalized for browser compatibility" shim: the bundle then holds no
 * reference to a Node built-in at all (the e2e test checks this).
 */
export function nodeOnlyStubs(): Plugin {
  const ids = new Set(["node:zlib", "node:fs/promises"]);
  return {
    name: "diskflux:node-only-stubs",
    enforce: "pre",
    resolveId(id) {
      return ids.has(id) ? `\0node-only:${id}` : null;
    },
    load(id) {
      return id.startsWith("\0node-only:") ? "// Node-only; never loaded in a browser.\nexport {};\n" : null;
    },
  };
}

export default defineConfig({
  root: resolve(here, "web"),
  base: "./",
  plugins: [nodeOnlyStubs()],
  publicDir: false,
  clearScreen: false,
  build: {
    outDir: resolve(here, "web-dist"),
    emptyOutDir: true,
    target: "es2022",
    sourcemap: true,
    // Nothing inlined as data: URLs; the Wasm is base64 inside its own lazy chunk anyway.
    assetsInlineLimit: 0,
    chunkSizeWarningLimit: 1024,
  },
  // Module worker: the worker code-splits (the Wasm chunk loads on first use).
  worker: { format: "es", plugins: () => [nodeOnlyStubs()] },
  // Pre-bundle fflate up front, so the dev server never reloads the page mid-session to add it.
  optimizeDeps: { include: ["fflate"] },
  server: {
    // src/ and build/ sit outside the web/ root.
    fs: { allow: [here] },
  },
});
