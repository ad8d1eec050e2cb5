// The page never inserts what a capture says as HTML (issue 14, part 4): a
// capture whose file name and metadata channel names hold markup, a capture
// whose samplerate does (so the worker's error message quotes it), and an
// `?opts=` parameter with markup all show up as literal text, and nothing of it
// executes (window.__pwned stays undefined, no <img>/<svg> appears, no request
// for the image goes out). A positive control proves the probe would notice.
//
// Same harness as test/e2e-web.test.ts (vite build + preview in-process, Debian's
// Chromium through playwright-core), built into a folder of its own so both can
// run at once. Needs no shared captures: the capture is synthesized. Skipped,
// with a warning, when Chromium is missing.
import { describe, it, expect, beforeAll, afterAll, beforeEach } from "vitest";
import type { BrowserContext, Page } from "playwright-core";
import type { LogicCapture } from "../src/capture.js";
import { synthTrack } from "../src/encode/synth.js";
import { escapeName, quoteInput } from "../src/escape.js";
import { writeSigrok } from "../src/writers/sigrok.js";
import { CHROMIUM, haveChromium, startWebHarness, type WebHarness } from "./support/web.js";


/** Markup that runs code wherever it is parsed as HTML: the image "x" fails to load, the svg loads. */
const MARKUP = `<img src=x onerror="window.__pwned=1"><svg onload="window.__pwned=2">`;
const FILE_NAME = `${MARKUP}.sr`;

type Probe = { pwned: unknown; img: number; svg: number };

if (!haveChromium) {
  console.warn(`SKIPPED web markup test: no Chromium at ${CHROMIUM} (apt-get install -y chromium, or set CHROMIUM_PATH)`);
  it.skip(`web markup test (no Chromium at ${CHROMIUM})`, () => {});
}

describe.runIf(haveChromium)("web page: names and texts from a capture are never HTML", () => {
  let web: WebHarness;
  let context: BrowserContext;
  let base: string;
  const problems: string[] = [];
  const imageRequests: string[] = [];

  const track = synthTrack({ format: "MFM", sectorsPerTrack: 17, sectorSize: 512, sampleRate: 100e6, seed: 3 });
  const hostile: LogicCapture = {
    ...track.capture,
    // bit 1 (always 0) is a second channel, named too
    channels: [{ index: 0, name: MARKUP }, { index: 1, name: `idx<b onmouseover="window.__pwned=3">` }],
  };

  beforeAll(async () => {
    web = await startWebHarness("web-dist-markup", { viewport: { width: 1280, height: 900 } });
    ({ context, base } = web);
  });

  afterAll(async () => {
    await web?.close();
  });

  beforeEach(() => {
    problems.length = 0;
    imageRequests.length = 0;
  });

  async function newPage(): Promise<Page> {
    const page = await context.newPage();
    page.on("pageerror", (e) => problems.push(`pageerror: ${e.message}`));
    page.on("console", (m) => { if (m.type() === "error") problems.push(`console.error: ${m.text()}`); });
    page.on("request", (r) => {
      const u = new URL(r.url());
      if (u.pathname.endsWith("/x")) imageRequests.push(r.url());
      if ((u.protocol === "http:" || u.protocol === "https:") && u.hostname !== "127.0.0.1") problems.push(`external request: ${r.url()}`);
    });
    return page;
  }

  /** Whether anything of the markup ran or became an element (after giving a stray image time to fail). */
  async function probe(page: Page): Promise<Probe> {
    await page.waitForTimeout(300);
    return page.evaluate(() => ({
      pwned: (window as unknown as { __pwned?: unknown }).__pwned,
      img: document.querySelectorAll("img").length,
      svg: document.querySelectorAll("svg").length,
    }));
  }

  async function openBytes(page: Page, name: string, bytes: Uint8Array): Promise<void> {
    await page.setInputFiles("#file", { name, mimeType: "application/octet-stream", buffer: Buffer.from(bytes) });
    await page.waitForFunction(`document.body.dataset.state === "done" || document.body.dataset.state === "error"`, null, { timeout: 60_000 });
  }

  it("the probe notices markup that is inserted as HTML (positive control)", async () => {
    const page = await newPage();
    await page.goto(base);
    await page.evaluate((m) => {
      const d = document.createElement("div");
      d.innerHTML = m; // what the page must never do
      document.body.append(d);
    }, MARKUP);
    await expect.poll(async () => (await probe(page)).pwned, { timeout: 5000 }).toBeDefined();
    expect((await probe(page)).img).toBe(1);
    await page.close();
  });

  it("shows a file name and channel names holding markup as text, and decodes the capture", async () => {
    const page = await newPage();
    await page.goto(`${base}?opts=${encodeURIComponent(track.options)}`);
    await openBytes(page, FILE_NAME, writeSigrok(hostile));
    expect(await page.getAttribute("body", "data-state"), (await page.textContent("#error")) ?? "").toBe("done");
    expect(await page.locator('[data-testid="sector"]').count()).toBe(17);

    const summary = (await page.textContent("#summary")) ?? "";
    expect(summary).toContain(FILE_NAME);
    expect(summary).toContain(`${MARKUP} (data)`);
    expect(summary).toContain(`idx<b onmouseover="window.__pwned=3"> (index)`);
    expect(await page.textContent("#status")).toContain(`${FILE_NAME}: 17 ID records`);
    // hovering the channel list would fire an inserted onmouseover
    await page.hover("#summary");
    expect(await probe(page)).toEqual({ pwned: undefined, img: 0, svg: 0 });
    expect(imageRequests).toEqual([]);
    await page.close();
    expect(problems).toEqual([]);
  });

  it("shows a reader's error message that quotes markup as text", async () => {
    const page = await newPage();
    await page.goto(`${base}?opts=${encodeURIComponent(track.options)}`);
    // a samplerate that is markup: the worker's E_CORRUPT message quotes it (escaped, cut) after the file name
    const { zipSync, unzipSync, strToU8 } = await import("fflate");
    const members = unzipSync(writeSigrok(hostile));
    const meta = new TextDecoder().decode(members["metadata"]).replace(/^samplerate=.*$/m, `samplerate=${MARKUP}`);
    members["metadata"] = strToU8(meta);
    await openBytes(page, FILE_NAME, zipSync(members));
    expect(await page.getAttribute("body", "data-state")).toBe("error");
    const text = (await page.textContent("#error")) ?? "";
    expect(text).toContain(`${escapeName(FILE_NAME)}: samplerate ${quoteInput(MARKUP)} in metadata is not a frequency`);
    expect(await probe(page)).toEqual({ pwned: undefined, img: 0, svg: 0 });
    expect(imageRequests).toEqual([]);
    await page.close();
    expect(problems).toEqual([]);
  });

  it("shows an ?opts= parameter holding markup as text", async () => {
    for (const opts of [`format=${MARKUP}`, MARKUP, `data_rate=${MARKUP}`, `${MARKUP}=1`]) {
      const page = await newPage();
      await page.goto(`${base}?opts=${encodeURIComponent(opts)}`);
      await expect.poll(() => page.isVisible("#opt-error")).toBe(true);
      const text = (await page.textContent("#opt-error")) ?? "";
      expect(text, opts).toContain("<img src"); // the option parser cuts at the first = or :
      expect(await probe(page), opts).toEqual({ pwned: undefined, img: 0, svg: 0 });
      // the page still works: the demo decodes
      await page.click("#demo");
      await page.waitForFunction(`document.body.dataset.state === "done" || document.body.dataset.state === "error"`, null, { timeout: 60_000 });
      expect(await probe(page), opts).toEqual({ pwned: undefined, img: 0, svg: 0 });
      await page.close();
    }
    expect(imageRequests).toEqual([]);
    expect(problems).toEqual([]);
  });
});
