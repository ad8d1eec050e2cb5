// End-to-end test of the whole-disk view (issue 13, item 5): the page opens a
// flux file (SuperCard Pro .scp through the file input; a KryoFlux set dropped
// as its 40 stream files together), detects the options once over the first
// tracks, decodes every track in the worker and shows the grid of tracks ×
// sectors with each sector's status; the .img download equals the image
// greaseweazle wrote beside the shared sample, byte for byte; a click on a cell
// (or Enter on it) opens that track in the sector table; names from the files
// are shown as text, never as HTML.
//
// Same harness as test/e2e-web.test.ts (vite build + preview in-process, Debian's
// Chromium through playwright-core), built into a folder of its own so the web
// tests can run at once. Skipped, with a warning, when Chromium or the shared
// flux samples are missing.
import { describe, it, expect, beforeAll, afterAll, beforeEach } from "vitest";
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { BrowserContext, Page } from "playwright-core";
import { SAMPLES_DIR } from "./support/shared.js";
import { CHROMIUM, haveChromium, startWebHarness, waitDisk, watchProblems, type WebHarness } from "./support/web.js";
import { OPTIONS as DAMAGED_OPTIONS, scpOf, sectorList, trackCells } from "./support/damaged-track.js";

const FLUX = resolve(SAMPLES_DIR, "flux");
const haveFlux = existsSync(`${FLUX}/ibm360.scp`) && existsSync(`${FLUX}/ibm360.img`) && existsSync(`${FLUX}/acorn-kryoflux`);
const ready = haveChromium && haveFlux;
if (!haveChromium) {
  console.warn(`SKIPPED web whole-disk test: no Chromium at ${CHROMIUM} (apt-get install -y chromium, or set CHROMIUM_PATH)`);
  it.skip(`web whole-disk view (no Chromium at ${CHROMIUM})`, () => {});
} else if (!haveFlux) {
  console.warn(`SKIPPED web whole-disk test: no shared flux samples at ${FLUX} (ibm360.scp, ibm360.img, acorn-kryoflux/); set DISKFLUX_SAMPLES`);
  it.skip(`web whole-disk view (no flux samples at ${FLUX})`, () => {});
}

/** Markup that runs code wherever it is parsed as HTML. */
const MARKUP = `<img src=x onerror="window.__pwned=1">`;

interface ImdTrack { mode: number; cyl: number; head: number; secs: number[]; types: number[]; data: (Buffer | undefined)[] }

/** A minimal ImageDisk parser (Dunfield's IMD.TXT, chapter 6), independent of src/: header, comment, then the tracks. */
function parseImd(b: Buffer): { header: string; tracks: ImdTrack[] } {
  const eof = b.indexOf(0x1a);
  if (eof < 0) throw new Error("no 0x1A after the IMD comment");
  const header = b.subarray(0, eof).toString("latin1");
  const tracks: ImdTrack[] = [];
  let o = eof + 1;
  while (o < b.length) {
    const [mode, cyl, headByte, n, sizeCode] = b.subarray(o, o + 5);
    o += 5;
    const secs = [...b.subarray(o, o + n)];
    o += n;
    if (headByte & 0x80) o += n; // cylinder map
    if (headByte & 0x40) o += n; // head map
    let sizes = new Array<number>(n).fill(128 << sizeCode);
    if (sizeCode === 0xff) {
      sizes = Array.from({ length: n }, (_, i) => b.readUInt16LE(o + 2 * i));
      o += 2 * n;
    }
    const types: number[] = [];
    const data: (Buffer | undefined)[] = [];
    for (let i = 0; i < n; i++) {
      const t = b[o++];
      types.push(t);
      if (t === 0) data.push(undefined);
      else if (t % 2 === 0) data.push(Buffer.alloc(sizes[i], b[o++]));
      else {
        data.push(b.subarray(o, o + sizes[i]));
        o += sizes[i];
      }
    }
    if (o > b.length) throw new Error(`IMD track cyl ${cyl} head ${headByte & 0x3f} runs past the end`);
    tracks.push({ mode, cyl, head: headByte & 0x3f, secs, types, data });
  }
  return { header, tracks };
}

interface Cell { cyl: number; head: number; sec: number; status: string; label: string }

type Hooks = { __diskflux: { track?: { place?: { cyl: number; head: number } }; disk?: { tracks: unknown[] } } };

describe.runIf(ready)("web page: the whole disk of a flux file", () => {
  let web: WebHarness;
  let context: BrowserContext;
  let base: string;
  const problems: string[] = [];

  beforeAll(async () => {
    web = await startWebHarness("web-dist-disk", { acceptDownloads: true });
    ({ context, base } = web);
  });

  afterAll(async () => {
    await web?.close();
  });

  beforeEach(() => {
    problems.length = 0;
  });

  async function newPage(): Promise<Page> {
    return watchProblems(await context.newPage(), problems);
  }

  async function cells(page: Page): Promise<Cell[]> {
    return page.$$eval('[data-testid="disk-cell"]', (tds) => tds.map((td) => {
      const d = (td as HTMLElement).dataset;
      return { cyl: Number(d.cyl), head: Number(d.head), sec: Number(d.sec), status: d.status ?? "", label: td.getAttribute("aria-label") ?? "" };
    }));
  }

  /** Every (cyl, head, sec) of a geometry, in grid order. */
  function chs(cyls: number, heads: number, secs: number[]): string[] {
    const out: string[] = [];
    for (let c = 0; c < cyls; c++) for (let h = 0; h < heads; h++) for (const s of secs) out.push(`${c}/${h}/${s}`);
    return out;
  }

  async function downloadImage(page: Page): Promise<{ name: string; bytes: Buffer }> {
    const [dl] = await Promise.all([page.waitForEvent("download"), page.click("#download-img")]);
    return { name: dl.suggestedFilename(), bytes: readFileSync(await dl.path()) };
  }

  it("opens ibm360.scp: a 40 × 2 × 9 grid all good, the .img equals ibm360.img, a click opens the track", async () => {
    const page = await newPage();
    await page.goto(base); // no ?opts=: detected once over the first tracks
    await page.setInputFiles("#file", `${FLUX}/ibm360.scp`);
    await waitDisk(page);
    expect(await page.isVisible("#disk")).toBe(true);
    expect(await page.textContent("#disk-heading")).toBe("Disk — ibm360.scp");

    // the grid: 80 tracks (cylinder.head) × sectors 1–9, every sector good, labelled in words too
    const got = await cells(page);
    expect(got.map((c) => `${c.cyl}/${c.head}/${c.sec}`)).toEqual(chs(40, 2, [1, 2, 3, 4, 5, 6, 7, 8, 9]));
    expect(got.filter((c) => c.status !== "good")).toEqual([]);
    expect(got[0].label).toMatch(/^cyl 0 head 0 sector 1: good \(/);
    expect(await page.$$eval("#disk-grid thead th", (ths) => ths.map((t) => t.textContent))).toEqual(["track", "1", "2", "3", "4", "5", "6", "7", "8", "9"]);
    expect(await page.locator("#disk-grid tbody th").count()).toBe(80);
    expect(await page.textContent('#disk-legend [data-count="good"]')).toBe("720");
    // one legend entry per status (src/recover/status.ts), each with its count and a colour of its own
    for (const k of ["corrected", "recovered", "voted", "conflict", "bad", "missing"]) {
      expect(await page.textContent(`#disk-legend [data-count="${k}"]`), k).toBe("0");
    }
    const legend = await page.$$eval("#disk-legend li", (lis) => lis.map((li) => ({
      status: (li as HTMLElement).dataset.status,
      text: li.textContent ?? "",
      colour: getComputedStyle(li.querySelector(".cell")!).backgroundColor,
    })));
    expect(legend.map((l) => l.status)).toEqual(["good", "corrected", "recovered", "voted", "conflict", "bad", "missing"]);
    for (const l of legend) expect(l.text).toContain(l.status!);
    expect(new Set(legend.map((l) => l.colour)).size).toBe(7);

    // the summary: geometry, counts, the detected options with their confidence
    const summary = (await page.textContent("#disk-summary")) ?? "";
    expect(summary).toContain("40 cylinders × 2 heads × 9 sectors of 512 bytes, sectors 1–9");
    expect(summary).toContain("80 tracks in the file");
    expect(await page.textContent('[data-testid="disk-counts"]')).toBe("720 good · 0 conflict · 0 bad · 0 missing");
    expect(summary).toMatch(/detected over the first 8 tracks in .* — high confidence/);
    expect(summary).toContain("data_rate=250000:format=MFM");
    expect(new URL(page.url()).searchParams.get("opts")).toMatch(/^data_rate=250000:format=MFM:/);
    expect(await page.textContent("#detect-confidence")).toBe("high confidence");

    // the image download is greaseweazle's image, byte for byte
    const img = await downloadImage(page);
    expect(img.name).toBe("ibm360.img");
    const expected = readFileSync(`${FLUX}/ibm360.img`);
    expect(img.bytes.length).toBe(expected.length);
    expect(Buffer.compare(img.bytes, expected), "the .img differs from ibm360.img").toBe(0);

    // the ImageDisk file: 80 tracks of MFM 250 kbit/s (mode 5), 9 sectors each, every sector's data as in the image
    const [imdDl] = await Promise.all([page.waitForEvent("download"), page.click("#download-imd")]);
    expect(imdDl.suggestedFilename()).toBe("ibm360.imd");
    const imd = parseImd(readFileSync(await imdDl.path()));
    expect(imd.header).toMatch(/^IMD 1\.\d+: \d\d\/\d\d\/\d{4} \d\d:\d\d:\d\d\r\n/);
    expect(imd.tracks.map((t) => `${t.cyl}/${t.head}`)).toEqual(chs(40, 2, [0]).map((x) => x.replace(/\/0$/, "")));
    for (const t of imd.tracks) {
      expect(t.mode, `cyl ${t.cyl} head ${t.head} mode`).toBe(5);
      expect([...t.secs].sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
      expect(t.types.every((x) => x === 1 || x === 2), `cyl ${t.cyl} head ${t.head}: every record normal`).toBe(true);
      t.secs.forEach((sec, i) => {
        const at = ((t.cyl * 2 + t.head) * 9 + sec - 1) * 512;
        expect(Buffer.compare(t.data[i]!, expected.subarray(at, at + 512)), `IMD cyl ${t.cyl} head ${t.head} sec ${sec}`).toBe(0);
      });
    }

    // the first track is in the track views; a click on cyl 5 head 1 sector 3 opens that track there
    expect(await page.getAttribute('#disk-grid tr[data-cyl="0"][data-head="0"] th', "aria-current")).toBe("true");
    await page.click('[data-testid="disk-cell"][data-cyl="5"][data-head="1"][data-sec="3"]');
    await waitDisk(page, "window.__diskflux.track && window.__diskflux.track.place && window.__diskflux.track.place.cyl === 5 && window.__diskflux.track.place.head === 1");
    const rows = await page.$$eval('[data-testid="sector"]', (trs) => trs.map((tr) => {
      const d = (tr as HTMLElement).dataset;
      return { chs: `${d.cyl}/${d.head}/${d.sec}`, ok: d.idCrc === "ok" && d.dataCrc === "ok", selected: tr.getAttribute("aria-selected") };
    }));
    // two revolutions: every sector read twice, all good
    expect(rows.length).toBe(18);
    expect([...new Set(rows.map((r) => r.chs))].sort()).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9].map((s) => `5/1/${s}`));
    expect(rows.every((r) => r.ok)).toBe(true);
    // the table's status column: the track is decoded with recovery, every copy good
    expect(await page.$$eval('[data-testid="sector"] td.status', (tds) => tds.map((td) => td.textContent))).toEqual(new Array(18).fill("good"));
    expect(await page.$$eval("#sectors thead th", (ths) => ths.map((t) => t.textContent))).toContain("status");
    expect(rows.filter((r) => r.selected === "true").map((r) => r.chs)).toEqual(["5/1/3"]);
    expect(await page.textContent("#summary")).toContain("ibm360.scp cyl 5 head 1");
    // the hex dump shows that sector, as the image holds it
    const at = ((5 * 2 + 1) * 9 + 2) * 512;
    const hexLine = Array.from(expected.subarray(at, at + 8), (b) => b.toString(16).padStart(2, "0")).join(" ");
    expect(await page.textContent("#hexdump")).toContain(`0000  ${hexLine}`);
    expect(await page.getAttribute('#disk-grid tr[data-cyl="5"][data-head="1"] th', "aria-current")).toBe("true");
    expect(await page.getAttribute('#disk-grid tr[data-cyl="0"][data-head="0"] th', "aria-current")).toBeNull();

    // keyboard: the clicked cell has focus in the grid; ArrowDown then Enter opens cyl 6 head 0
    await page.focus('[data-testid="disk-cell"][data-cyl="5"][data-head="1"][data-sec="3"]');
    await page.keyboard.press("ArrowDown");
    await page.keyboard.press("Enter");
    await waitDisk(page, "window.__diskflux.track && window.__diskflux.track.place && window.__diskflux.track.place.cyl === 6 && window.__diskflux.track.place.head === 0");
    expect(await page.locator('[data-testid="sector"][data-cyl="6"][data-head="0"]').count()).toBe(18);

    await page.evaluate(() => window.scrollTo(0, 0));
    await page.screenshot({ path: resolve("test-artifacts", "web-disk-ibm360.png"), fullPage: true });
    await page.close();
    expect(problems).toEqual([]);
  });

  it("shows the Acorn KryoFlux set dropped as its 40 stream files together", async () => {
    const dir = `${FLUX}/acorn-kryoflux`;
    const names = readdirSync(dir).filter((n) => n.endsWith(".raw")).sort();
    expect(names.length).toBe(40);
    const files = names.map((n) => ({ name: n, b64: readFileSync(`${dir}/${n}`).toString("base64") }));
    const page = await newPage();
    await page.goto(base);
    const dataTransfer = await page.evaluateHandle((list) => {
      const dt = new DataTransfer();
      for (const f of list) dt.items.add(new File([Uint8Array.from(atob(f.b64), (c) => c.charCodeAt(0))], f.name));
      return dt;
    }, files);
    await page.dispatchEvent("body", "dragenter", { dataTransfer });
    await page.dispatchEvent("body", "drop", { dataTransfer });
    await waitDisk(page);
    expect(await page.textContent("#disk-heading")).toBe("Disk — acorn00.0.raw … acorn39.0.raw");
    const got = await cells(page);
    expect(got.map((c) => `${c.cyl}/${c.head}/${c.sec}`)).toEqual(chs(40, 1, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]));
    expect(got.filter((c) => c.status !== "good")).toEqual([]);
    const summary = (await page.textContent("#disk-summary")) ?? "";
    expect(summary).toContain("KryoFlux stream set (40 files)");
    expect(summary).toContain("40 cylinders × 1 head × 10 sectors of 256 bytes, sectors 0–9");
    expect(summary).toContain("format=FM");
    const img = await downloadImage(page);
    expect(img.name).toBe("acorn.img");
    expect(Buffer.compare(img.bytes, readFileSync(`${FLUX}/acorn.img`)), "the .img differs from acorn.img").toBe(0);
    // FM at 125 kbit/s is IMD mode 2 (ImageDisk's "250 kbps FM")
    const [imdDl] = await Promise.all([page.waitForEvent("download"), page.click("#download-imd")]);
    const imd = parseImd(readFileSync(await imdDl.path()));
    expect(imd.tracks.length).toBe(40);
    expect(new Set(imd.tracks.map((t) => t.mode))).toEqual(new Set([2]));
    await page.close();
    expect(problems).toEqual([]);
  });

  it("merges the revolutions of a damaged track: each sector's status in its colour, counted in the legend", async () => {
    // three revolutions: sector 2 damaged at a different bit in each (voted back), sector 3's
    // data CRC broken in every one (bad), sector 4 damaged in one only (good)
    const dir = mkdtempSync(join(tmpdir(), "diskflux-e2e-merge-"));
    const file = join(dir, "damaged.scp");
    writeFileSync(file, scpOf([
      trackCells([{ sec: 2, byte: 10, bit: 3 }], [3]),
      trackCells([{ sec: 2, byte: 100, bit: 5 }], [3]),
      trackCells([{ sec: 2, byte: 200, bit: 1 }, { sec: 4, byte: 50, bit: 6 }], [3]),
    ]));
    try {
      const page = await newPage();
      await page.goto(`${base}?opts=${encodeURIComponent(DAMAGED_OPTIONS)}`);
      await page.setInputFiles("#file", file);
      await waitDisk(page);
      const got = await cells(page);
      expect(got.map((c) => `${c.sec}:${c.status}`)).toEqual(["1:good", "2:voted", "3:bad", "4:good"]);
      expect(got[1].label).toMatch(/^cyl 0 head 0 sector 2: voted \(3 reads: 0 good, 3 bad CRC\) — a bit-wise vote over 3 verifies, 3 contested bits$/);
      const colour = (sec: number) => page.$eval(`[data-testid="disk-cell"][data-sec="${sec}"]`, (td) => getComputedStyle(td).backgroundColor);
      const swatch = (k: string) => page.$eval(`#disk-legend li[data-status="${k}"] .cell`, (el) => getComputedStyle(el).backgroundColor);
      expect(await colour(2)).toBe(await swatch("voted"));
      expect(await colour(3)).toBe(await swatch("bad"));
      expect(await colour(1)).toBe(await swatch("good"));
      expect(new Set([await colour(1), await colour(2), await colour(3)]).size).toBe(3);
      for (const [k, n] of [["good", "2"], ["voted", "1"], ["bad", "1"], ["conflict", "0"], ["missing", "0"]]) {
        expect(await page.textContent(`#disk-legend [data-count="${k}"]`), k).toBe(n);
      }
      expect(await page.textContent('[data-testid="disk-counts"]')).toBe("2 good · 1 voted · 0 conflict · 1 bad · 0 missing");
      // the .img holds the voted bytes of sector 2; sector 3's as read (its payload: only the CRC was broken)
      const img = await downloadImage(page);
      expect(img.bytes.toString("hex")).toBe(Buffer.concat(sectorList().map((x) => Buffer.from(x.data))).toString("hex"));
      // the track's table: one status per copy (sector 2's copies are bad one by one), and the sector's over them
      const statuses = await page.$$eval('[data-testid="sector"]', (trs) => trs.map((tr) => `${(tr as HTMLElement).dataset.sec}:${tr.querySelector("td.status")?.textContent}`));
      expect(statuses.filter((x) => x.startsWith("2:"))).toEqual(["2:bad · sector voted", "2:bad · sector voted", "2:bad · sector voted"]);
      expect(statuses.filter((x) => x.startsWith("3:"))).toEqual(["3:bad", "3:bad", "3:bad"]);
      expect(await page.getAttribute('[data-testid="sector"][data-sec="2"] td.status', "title")).toMatch(/the sector over its 3 copies: voted \(a bit-wise vote over 3 verifies, 3 contested bits\)/);
      expect(statuses.filter((x) => x.startsWith("1:"))).toEqual(["1:good", "1:good", "1:good"]);
      await page.evaluate(() => window.scrollTo(0, 0));
      await page.screenshot({ path: resolve("test-artifacts", "web-disk-merged.png"), fullPage: true });
      await page.close();
      expect(problems).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("shows file names holding markup as text (a set with a file it skips)", async () => {
    const dir = `${FLUX}/acorn-kryoflux`;
    const files = [
      { name: `${MARKUP}00.0.raw`, b64: readFileSync(`${dir}/acorn00.0.raw`).toString("base64") },
      { name: `${MARKUP}01.0.raw`, b64: readFileSync(`${dir}/acorn01.0.raw`).toString("base64") },
      { name: `<svg onload="window.__pwned=2">.txt`, b64: "" },
    ];
    const page = await newPage();
    await page.goto(base);
    const dataTransfer = await page.evaluateHandle((list) => {
      const dt = new DataTransfer();
      for (const f of list) dt.items.add(new File([Uint8Array.from(atob(f.b64), (c) => c.charCodeAt(0))], f.name));
      return dt;
    }, files);
    await page.dispatchEvent("body", "drop", { dataTransfer });
    await waitDisk(page);
    expect(await page.textContent("#disk-heading")).toBe(`Disk — ${MARKUP}00.0.raw … ${MARKUP}01.0.raw`);
    expect((await cells(page)).length).toBe(20);
    expect(await page.textContent("#disk-warnings")).toMatch(/skipped 1 file not named like a KryoFlux stream/);
    expect(await page.textContent("#status")).toContain(`Shown: ${MARKUP}00.0.raw cyl 0 head 0:`);
    await page.hover("#disk-summary");
    await page.waitForTimeout(200);
    expect(await page.evaluate(() => ({
      pwned: (window as unknown as { __pwned?: unknown }).__pwned,
      img: document.querySelectorAll("img").length,
      svg: document.querySelectorAll("svg").length,
    }))).toEqual({ pwned: undefined, img: 0, svg: 0 });
    const hooks = await page.evaluate(() => (window as unknown as Hooks).__diskflux.disk?.tracks.length);
    expect(hooks).toBe(2);
    await page.close();
    // the stray image request would be a failed request; none may happen
    expect(problems).toEqual([]);
  });
});
