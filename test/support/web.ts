// The web end-to-end harness shared by test/e2e-*.test.ts: build the page with
// vite's build API into a folder of the test's own (so the files can run at
// once), serve it with vite's preview() on 127.0.0.1 (port 0), and drive
// Debian's Chromium through playwright-core.
import { mkdirSync } from "node:fs";
import { resolve } from "node:path";
import type { Browser, BrowserContext, Page } from "playwright-core";
import type { PreviewServer } from "vite";
import { CHROMIUM, CHROMIUM_ARGS } from "./chromium.js";
import { expect } from "vitest";

export { CHROMIUM, haveChromium } from "./chromium.js";
/** Screenshots and built sites (gitignored). */
export const ARTIFACTS = resolve("test-artifacts");

export interface WebHarness {
  /** The page's URL. */
  readonly base: string;
  readonly context: BrowserContext;
  close(): Promise<void>;
}

export interface WebHarnessOptions {
  viewport?: { width: number; height: number };
  acceptDownloads?: boolean;
  /** Called with each vite build warning. */
  onBuildWarning?: (msg: string) => void;
}

/** Builds the site into test-artifacts/<site>, serves it and opens a browser context. */
export async function startWebHarness(site: string, o: WebHarnessOptions = {}): Promise<WebHarness> {
  const vite = await import("vite");
  const { chromium } = await import("playwright-core");
  mkdirSync(ARTIFACTS, { recursive: true });
  const outDir = resolve(ARTIFACTS, site);
  const logger = vite.createLogger("warn");
  if (o.onBuildWarning) {
    const warn = logger.warn.bind(logger);
    logger.warn = (msg, opts) => { o.onBuildWarning!(msg); warn(msg, opts); };
  }
  await vite.build({ configFile: resolve("vite.config.ts"), customLogger: logger, logLevel: "warn", build: { outDir, emptyOutDir: true } });
  const server: PreviewServer = await vite.preview({
    configFile: resolve("vite.config.ts"),
    logLevel: "silent",
    build: { outDir },
    preview: { port: 0, host: "127.0.0.1", open: false },
  });
  const browser: Browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  const context = await browser.newContext({ viewport: o.viewport ?? { width: 1440, height: 960 }, acceptDownloads: o.acceptDownloads ?? false });
  return {
    base: server.resolvedUrls?.local[0] ?? "",
    context,
    async close() {
      await context.close();
      await browser.close();
      await server.close();
    },
  };
}

/** Collects what must not happen on a page: errors, console errors, failed or external requests. */
export function watchProblems(page: Page, problems: string[]): Page {
  page.on("pageerror", (e) => problems.push(`pageerror: ${e.message}`));
  page.on("console", (m) => { if (m.type() === "error") problems.push(`console.error: ${m.text()}`); });
  page.on("requestfailed", (r) => problems.push(`request failed: ${r.url()} ${r.failure()?.errorText}`));
  page.on("request", (r) => {
    const u = new URL(r.url());
    if ((u.protocol === "http:" || u.protocol === "https:") && u.hostname !== "127.0.0.1") problems.push(`external request: ${r.url()}`);
  });
  return page;
}

/**
 * Waits until the page is done (a disk shown and one of its tracks in the track
 * views, unless `pred` says otherwise); fails with the page's state, status and
 * error when it does not get there, or when it reports an error.
 */
export async function waitDisk(page: Page, pred = "window.__diskflux.disk && window.__diskflux.track && window.__diskflux.track.place", timeout = 60_000): Promise<void> {
  try {
    await page.waitForFunction(`(document.body.dataset.state === "done" || document.body.dataset.state === "error") && (${pred})`, null, { timeout });
  } catch (e) {
    expect.fail(`waiting for ${pred}: ${String(e)}; state ${await page.getAttribute("body", "data-state")}, status '${await page.textContent("#status")}', error '${await page.textContent("#error")}'`);
  }
  if ((await page.getAttribute("body", "data-state")) !== "done") expect.fail(`page reports an error: ${await page.textContent("#error")}`);
}

