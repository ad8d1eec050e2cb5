import { defineConfig } from "tsup";

export default defineConfig({
  entry: { index: "src/index.ts", cli: "src/cli/main.ts" },
  format: ["esm"],
  dts: { entry: { index: "src/index.ts" } },
  clean: true,
  sourcemap: true,
  target: "es2022",
  platform: "neutral",
  external: ["node:fs/promises", "node:zlib", "node:util", "node:path"],
  removeNodeProtocol: false,
});
