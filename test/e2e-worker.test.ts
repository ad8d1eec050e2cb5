// End-to-end tests of the page's worker side (issue 12).
//
// The worker pool for disks (item 1): a flux
// file of 80 tracks decodes on several Web Workers (src/pool/web.ts, started by
// the page's worker; `?workers=N`), and the grid, the legend, the per-track
// figures and the .img are those of the one-worker decode (`?workers=1`: every
// track in the page's worker, one after another). A newer request while the
// pool decodes stops it, and the newer result is the one shown.
//
// The fused reader (item 2): a sigrok .sr opened through the fused
// inflate→edges kernel decodes to exactly what the samples read as before
// (`?fused=0`) decode to: records, statuses, streams, fields, histogram and
// timeline rows; again after leading_edge changes (the edges are rebuilt).
//
// Capture files dropped together (not a KryoFlux set) decode as a disk, each
// file read and decoded in a pool worker, one that fails shown with its error in
// its place; the same with one worker.
//
// Same harness as test/e2e-disk.test.ts, built into a folder of its own.
import { describe, it, expect, beforeAll, afterAll } from "vitest";
import { existsSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import type { BrowserContext, Page } from "playwright-core";
import { SAMPLES_DIR } from "./support/shared.js";
import { CHROMIUM, haveChromium, startWebHarness, waitDisk, watchProblems, type WebHarness } from "./support/web.js";

const FLUX = resolve(SAMPLES_DIR, "flux");
const SR = ["fdd_mfm.sr", "hdd_rll_WD1003V-SR1.sr"].filter((f) => existsSync(`${SAMPLES_DIR}/${f}`));
const haveFlux = existsSync(`${FLUX}/ibm360.scp`) && existsSync(`${FLUX}/ibm360.img`);
const ready = haveChromium && haveFlux;
if (!ready) {
  console.warn(`SKIPPED web disk pool test: ${haveChromium ? `no shared flux samples at ${FLUX}` : `no Chromium at ${CHROMIUM}`}`);
  it.skip("web disk pool (no Chromium or flux samples)", () => {});
}


describe.runIf(ready)("web page: the worker side", () => {
  let web: WebHarness;
  let context: BrowserContext;
  let base: string;
  const problems: string[] = [];

  beforeAll(async () => {
    web = await startWebHarness("web-dist-worker", { acceptDownloads: true });
    ({ context, base } = web);
  });

  afterAll(async () => {
    await web?.close();
  });

  /** What the page shows of the disk: every cell's place, status and label, the legend, the per-track figures, the .img. */
  async function shown(page: Page) {
    const cells = await page.$$eval('[data-testid="disk-cell"]', (tds) => tds.map((td) => {
      const d = (td as HTMLElement).dataset;
      return `${d.cyl}/${d.head}/${d.sec} ${d.status} ${td.getAttribute("aria-label")}`;
    }));
    const legend = await page.$$eval("#disk-legend [data-count]", (els) => els.map((e) => `${(e as HTMLElement).dataset.count}=${e.textContent}`));
    const tracks = await page.evaluate(() => (window as unknown as { __diskflux: { disk: { tracks: unknown[]; warnings: string[]; map: string } } }).__diskflux.disk);
    const [dl] = await Promise.all([page.waitForEvent("download"), page.click("#download-img")]);
    const img = readFileSync(await dl.path());
    return { cells, legend, tracks: JSON.stringify(tracks.tracks), warnings: tracks.warnings, map: tracks.map, img };
  }

  async function open(workers: number): Promise<{ page: Page; workers: string | null; summary: string }> {
    const page = watchProblems(await context.newPage(), problems);
    await page.goto(`${base}?workers=${workers}`); // no ?opts=: detected over the first tracks, then every track decoded
    await page.setInputFiles("#file", `${FLUX}/ibm360.scp`);
    await waitDisk(page);
    return { page, workers: await page.getAttribute("#disk-grid", "data-workers"), summary: (await page.textContent("#disk-summary")) ?? "" };
  }

  it("ibm360.scp on 3 workers: several workers used, the grid and the image those of one worker", async () => {
    const one = await open(1);
    expect(one.workers).toBe("0"); // the page's worker alone
    expect(one.summary).toContain("one after another in the page's worker");
    const many = await open(3);
    expect(Number(many.workers), "workers that decoded at least one track").toBeGreaterThan(1);
    expect(many.summary).toMatch(/on [23] Web Workers at once \(of 3 asked for\)/);
    const a = await shown(one.page);
    const b = await shown(many.page);
    expect(a.cells.length).toBe(720);
    expect(b.cells).toEqual(a.cells);
    expect(b.legend).toEqual(a.legend);
    expect(b.tracks).toEqual(a.tracks);
    expect(b.warnings).toEqual(a.warnings);
    expect(b.map).toEqual(a.map);
    expect(Buffer.compare(b.img, a.img)).toBe(0);
    expect(Buffer.compare(b.img, readFileSync(`${FLUX}/ibm360.img`))).toBe(0);
    // the track views still decode one track with everything (fields, statuses)
    expect(await many.page.locator('[data-testid="sector"] td.status').count()).toBe(18);
    await one.page.close();
    await many.page.close();
    expect(problems).toEqual([]);
  });

  it("a newer request stops the pool: another backend while the tracks decode, the grid is the newer one's", async () => {
    const page = watchProblems(await context.newPage(), problems);
    await page.goto(`${base}?workers=3`);
    await page.setInputFiles("#file", `${FLUX}/ibm360.scp`);
    // as soon as some tracks are in, switch to the TypeScript backend: posted at once, every track decodes again
    await page.waitForFunction(`(() => { const p = document.querySelector("#progress"); return p && !p.hidden && p.value > 2; })()`, null, { timeout: 60_000, polling: 20 });
    await page.check('input[name="backend"][value="js"]');
    await waitDisk(page);
    const d = await page.evaluate(() => (window as unknown as { __diskflux: { disk: { backend: string; counts: Record<string, number> } } }).__diskflux.disk);
    expect(d.backend).toBe("js");
    expect(d.counts.good).toBe(720);
    expect(await page.getAttribute("#disk-grid", "data-workers")).not.toBe("0");
    await page.close();
    expect(problems).toEqual([]);
  });

  /** A digest of everything the worker sent for the track shown, times and read figures left out. */
  async function trackDigest(page: Page): Promise<{ digest: string; records: number; edge: string; channels: string[]; sampleCount: number; fused: boolean }> {
    return page.evaluate(async () => {
      const t = (window as unknown as { __diskflux: { track: Record<string, unknown> & { capture: Record<string, unknown>; records: unknown[]; options: string } } }).__diskflux.track;
      const { decodeMs: _d, capture, detection, ...rest } = t;
      const { readMs: _r, fused, ...cap } = capture;
      const det = detection ? { ...(detection as Record<string, unknown>), detectMs: 0 } : undefined;
      const json = JSON.stringify({ ...rest, capture: cap, detection: det }, (_k, v: unknown) =>
        ArrayBuffer.isView(v) ? Array.from(v as unknown as ArrayLike<number>) : v);
      const hash = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(json)));
      return {
        digest: Array.from(hash, (b) => b.toString(16).padStart(2, "0")).join(""),
        records: t.records.length,
        edge: /leading_edge=falling/.test(t.options) ? "falling" : "rising",
        channels: cap.channels as string[],
        sampleCount: cap.sampleCount as number,
        fused: fused === true,
      };
    });
  }

  async function waitTrack(page: Page, pred = "window.__diskflux.track"): Promise<void> {
    await page.waitForFunction(`(document.body.dataset.state === "done" || document.body.dataset.state === "error") && (${pred})`, null, { timeout: 60_000 });
    if ((await page.getAttribute("body", "data-state")) !== "done") expect.fail(`page reports an error: ${await page.textContent("#error")}`);
  }

  for (const file of SR) {
    it(`${file}: the fused reader's decode equals the samples' (rising, then falling edges)`, async () => {
      const pages: Page[] = [];
      const got: Awaited<ReturnType<typeof trackDigest>>[][] = [];
      for (const fused of [false, true]) {
        const page = watchProblems(await context.newPage(), problems);
        pages.push(page);
        await page.goto(`${base}${fused ? "" : "?fused=0"}`); // detected first, from the edges or the samples
        await page.setInputFiles("#file", `${SAMPLES_DIR}/${file}`);
        await waitTrack(page);
        const first = await trackDigest(page);
        // leading_edge=falling: the fused reader builds the edges again, the other reads the samples it holds
        const opts = `${(await page.inputValue("#optstring")).replace(/(^|:)leading_edge=[a-z]+/, "")}:leading_edge=falling`.replace(/^:/, "");
        await page.fill("#optstring", opts);
        await page.press("#optstring", "Enter");
        await waitTrack(page, `window.__diskflux.track && /leading_edge=falling/.test(window.__diskflux.track.options)`);
        got.push([first, await trackDigest(page)]);
      }
      const [plain, fused] = got;
      expect(plain[0].records).toBeGreaterThan(0);
      expect(plain[1].edge).toBe("falling");
      expect(plain.map((x) => x.fused)).toEqual([false, false]);
      expect(fused.map((x) => x.fused)).toEqual([true, true]);
      expect({ ...fused[0], fused: false }).toEqual(plain[0]);
      expect({ ...fused[1], fused: false }).toEqual(plain[1]);
      expect(fused[0].channels).not.toEqual(["edges"]); // the session's probe names
      expect(await pages[1].textContent("#summary")).toContain("(straight to edges)");
      for (const p of pages) await p.close();
      expect(problems).toEqual([]);
    });
  }

  const DTC = ["hdd_mfm_WD1003V-MM2.sr", "hdd_mfm_WD1003V-MM2_int.sr"];
  it.runIf(DTC.every((f) => existsSync(`${SAMPLES_DIR}/${f}`)))("capture files dropped together: decoded on the pool, a broken one's error in its place, as one worker does", async () => {
    const files = [...DTC.map((n) => ({ name: n, b64: readFileSync(`${SAMPLES_DIR}/${n}`).toString("base64") })), { name: "broken.sr", b64: Buffer.from("PK\x03\x04 not a zip at all").toString("base64") }];
    const runs: { cells: string[]; tracks: { source: string; cyl: number; head: number; good: number; error?: string }[]; warnings: string[]; workers: string | null; img: string }[] = [];
    for (const workers of [1, 3]) {
      const page = watchProblems(await context.newPage(), problems);
      await page.goto(`${base}?workers=${workers}`);
      const dataTransfer = await page.evaluateHandle((list) => {
        const dt = new DataTransfer();
        for (const f of list) dt.items.add(new File([Uint8Array.from(atob(f.b64), (c) => c.charCodeAt(0))], f.name));
        return dt;
      }, files);
      await page.dispatchEvent("body", "drop", { dataTransfer });
      await waitDisk(page);
      const d = await page.evaluate(() => (window as unknown as { __diskflux: { disk: { tracks: { source: string; cyl: number; head: number; good: number; error?: string }[]; warnings: string[]; image: Uint8Array } } }).__diskflux.disk);
      runs.push({
        cells: await page.$$eval('[data-testid="disk-cell"]', (tds) => tds.map((td) => `${(td as HTMLElement).dataset.cyl}/${(td as HTMLElement).dataset.head}/${(td as HTMLElement).dataset.sec} ${(td as HTMLElement).dataset.status}`)),
        tracks: d.tracks.map((t) => ({ source: t.source, cyl: t.cyl, head: t.head, good: t.good, ...(t.error !== undefined ? { error: t.error } : {}) })),
        warnings: d.warnings,
        workers: await page.getAttribute("#disk-grid", "data-workers"),
        img: Buffer.from(Object.values(d.image) as number[]).toString("hex"),
      });
      expect(await page.textContent("#disk-heading")).toBe("Disk — broken.sr … hdd_mfm_WD1003V-MM2.sr");
      await page.close();
    }
    const [one, many] = runs;
    expect(one.workers).toBe("0");
    expect(Number(many.workers)).toBeGreaterThan(1);
    // in name order: the broken file first, with its error; the two reads of one track placed by their sector headers
    expect(one.tracks.map((t) => t.source)).toEqual(["broken.sr", "hdd_mfm_WD1003V-MM2_int.sr", "hdd_mfm_WD1003V-MM2.sr"]); // sorted by name
    expect(one.tracks[0].error).toBeDefined();
    expect(one.warnings[0]).toMatch(/^broken\.sr: not decoded \(/);
    for (const t of one.tracks.slice(1)) {
      expect(t.error, t.source).toBeUndefined();
      expect(t.good, t.source).toBeGreaterThan(0);
      expect(t.cyl, t.source).toBeGreaterThanOrEqual(0);
    }
    expect(one.cells.length).toBeGreaterThan(0);
    expect(many.cells).toEqual(one.cells);
    expect(many.tracks).toEqual(one.tracks);
    expect(many.warnings).toEqual(one.warnings);
    expect(many.img).toEqual(one.img);
    expect(problems).toEqual([]);
  });
});
