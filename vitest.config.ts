// Two projects in one run (so test/summary.mjs counts both):
//   node    — test/**/*.test.ts, including the web end-to-end test (test/e2e-web.test.ts)
//   browser — browser-test/**/*.test.ts in headless Chromium (vitest browser mode,
//             playwright provider, Debian's /usr/bin/chromium; CHROMIUM_PATH overrides)
// The browser project fetches the shared captures and oracle files from the vite
// server through /@fs/ (hence server.fs.allow) and learns where they are from
// `provide` (inject() in the tests).
import { defineConfig } from "vitest/config";
import { playwright } from "@vitest/browser-playwright";
import { existsSync } from "node:fs";
import { CHROMIUM, CHROMIUM_ARGS, haveChromium } from "./test/support/chromium.js";
import { resolve } from "node:path";

const SAMPLES_DIR = resolve(process.env.DISKFLUX_SAMPLES ?? "../shared/samples");
const ORACLE_DIR = resolve(process.env.DISKFLUX_ORACLE ?? "../shared/oracle");
const haveShared = existsSync(SAMPLES_DIR) && existsSync(`${ORACLE_DIR}/summary.tsv`);


if (!haveChromium) {
  console.warn(`SKIPPED browser project: no Chromium at ${CHROMIUM} (apt-get install -y chromium, or set CHROMIUM_PATH)`);
}

declare module "vitest" {
  export interface ProvidedContext {
    samplesDir: string;
    oracleDir: string;
    haveShared: boolean;
  }
}

export default defineConfig({
  test: {
    testTimeout: 120_000,
    hookTimeout: 120_000,
    projects: [
      {
        test: {
          name: "node",
          include: ["test/**/*.test.ts"],
          environment: "node",
          testTimeout: 120_000,
          hookTimeout: 120_000,
        },
      },
      ...(haveChromium
        ? [{
            server: { fs: { allow: [resolve("."), ...(haveShared ? [SAMPLES_DIR, ORACLE_DIR] : [])] } },
            optimizeDeps: { include: ["fflate"] },
            test: {
              name: "browser",
              include: ["browser-test/**/*.test.ts"],
              testTimeout: 120_000,
              hookTimeout: 120_000,
              provide: { samplesDir: SAMPLES_DIR, oracleDir: ORACLE_DIR, haveShared },
              browser: {
                enabled: true,
                headless: true,
                screenshotFailures: false,
                provider: playwright({ launchOptions: { executablePath: CHROMIUM, args: CHROMIUM_ARGS } }),
                instances: [{ browser: "chromium" as const }],
              },
            },
          }]
        : []),
    ],
  },
});
