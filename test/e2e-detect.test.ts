// End-to-end test of auto-detection on the web page (issue 10, item 5): a page
// opened with no `?opts=` detects the options of the capture it is given (in the
// worker, on the chosen backend), shows the sectors, marks the detected fields
// with the confidence, and puts the detected option string into the URL; a
// reload then decodes directly with it, and a field set back to "auto" is the
// only one detected again.
//
// Same harness as test/e2e-web.test.ts (vite build + preview in-process, Debian's
// Chromium through playwright-core), built into a folder of its own so both can
// run at once. Expected sectors come from the oracle's summary.tsv and data.bin.
// Skipped, with a warning, when Chromium or the shared folders are missing.
import { describe, it, expect, beforeAll, afterAll, beforeEach } from "vitest";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import type { BrowserContext, Page } from "playwright-core";
import { SAMPLES_DIR, ORACLE_DIR, haveShared, warnMissing } from "./support/shared.js";
import { ARTIFACTS, CHROMIUM, haveChromium, startWebHarness, watchProblems, type WebHarness } from "./support/web.js";
import { writeSigrok } from "../src/writers/sigrok.js";


interface OracleRow {
  file: string;
  stem: string;
  options: string;
  idRecords: number;
  idCrcOk: number;
  dataCrcOk: number;
  /** "c/h/s" of every ID record, in track order. */
  sectors: string[];
}

/** summary.tsv's row for a capture, with the counts and the sector list. */
function oracleRow(file: string): OracleRow {
  const [head, ...rows] = readFileSync(`${ORACLE_DIR}/summary.tsv`, "utf8").trim().split("\n").map((l) => l.split("\t"));
  const col = (name: string) => {
    const i = head.indexOf(name);
    if (i < 0) throw new Error(`summary.tsv has no column ${name}`);
    return i;
  };
  const r = rows.find((x) => x[col("sample")] === file);
  if (!r) throw new Error(`${file} not in summary.tsv`);
  return {
    file,
    stem: file.replace(/\.sr$/, ""),
    options: r[col("options")],
    idRecords: Number(r[col("id_records")]),
    idCrcOk: Number(r[col("id_crc_ok")]),
    dataCrcOk: Number(r[col("data_crc_ok")]),
    sectors: r[col("sectors")].split(","),
  };
}

type Hooks = {
  __diskflux: {
    track?: { options: string; backend: string; detection?: { requested: string; optionString: string; confidence: string } };
    detection?: { optionString: string; confidence: string; missing: string[] };
  };
};

const ready = haveChromium && haveShared;
if (!haveChromium) {
  console.warn(`SKIPPED web auto-detection test: no Chromium at ${CHROMIUM} (apt-get install -y chromium, or set CHROMIUM_PATH)`);
  it.skip(`web auto-detection (no Chromium at ${CHROMIUM})`, () => {});
} else if (!haveShared) {
  warnMissing("web auto-detection tests");
  it.skip("web auto-detection (shared samples/oracle missing)", () => {});
}

describe.runIf(ready)("web page: a capture given without ?opts= is detected", () => {
  let web: WebHarness;
  let context: BrowserContext;
  let base: string;
  const problems: string[] = [];

  beforeAll(async () => {
    web = await startWebHarness("web-dist-detect", { acceptDownloads: true });
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

  async function settle(page: Page, pred = "true"): Promise<string> {
    try {
      await page.waitForFunction(`(document.body.dataset.state === "done" || document.body.dataset.state === "error") && (${pred})`, null, { timeout: 60_000 });
    } catch (e) {
      const state = await page.getAttribute("body", "data-state");
      expect.fail(`waiting for ${pred}: ${String(e)}; state ${state}, status '${await page.textContent("#status")}', error '${await page.textContent("#error")}', opts '${optsOf(page)}'`);
    }
    return (await page.getAttribute("body", "data-state")) ?? "";
  }

  async function waitDone(page: Page, pred = "true"): Promise<void> {
    if ((await settle(page, pred)) !== "done") expect.fail(`page reports an error: ${await page.textContent("#error")}`);
  }

  /** The sector table: c/h/s per ID record and the CRC verdicts. */
  async function sectorRows(page: Page): Promise<{ chs: string; idCrc: string; dataCrc: string }[]> {
    return page.$$eval('[data-testid="sector"]', (trs) => trs.map((tr) => {
      const d = (tr as HTMLElement).dataset;
      return { chs: `${d.cyl}/${d.head}/${d.sec}`, idCrc: d.idCrc ?? "", dataCrc: d.dataCrc ?? "" };
    }));
  }

  /** Field state in the option form: its value and whether it is marked detected / auto, with the badge text. */
  async function field(page: Page, key: string): Promise<{ value: string; detected: boolean; auto: boolean; badge: string }> {
    return page.$eval(`label.opt[data-key="${key}"]`, (el) => {
      const input = el.querySelector("select, input") as HTMLSelectElement | HTMLInputElement;
      const badge = el.querySelector(".badge") as HTMLElement;
      return { value: input.value, detected: el.classList.contains("detected"), auto: el.classList.contains("auto"), badge: badge.hidden ? "" : badge.textContent ?? "" };
    });
  }

  const optsOf = (page: Page) => new URL(page.url()).searchParams.get("opts");
  /** Runs f on the page's test hooks (window.__diskflux); f must not close over anything. */
  const hooks = <T>(page: Page, f: (h: Hooks["__diskflux"]) => T) => page.evaluate(`(${f.toString()})(window.__diskflux)`) as Promise<T>;

  it("picks hdd_rll_WD1003V-SR1.sr with no ?opts=, shows the oracle's sectors, the detected options and their confidence", async () => {
    const o = oracleRow("hdd_rll_WD1003V-SR1.sr");
    const page = await newPage();
    await page.goto(base);
    expect(optsOf(page), "no ?opts= before anything is known").toBeNull();
    // before a capture: every detectable field is on auto
    for (const k of ["data_rate", "format", "header_format", "data_crc_size", "header_crc_poly"]) {
      const f = await field(page, k);
      expect(f, k).toMatchObject({ value: "auto", auto: true, detected: false, badge: "auto" });
    }
    expect(await page.inputValue("#optstring")).toBe("auto");

    await page.setInputFiles("#file", `${SAMPLES_DIR}/${o.file}`);
    await waitDone(page);

    // the sectors: every ID record of the oracle, in track order, all with good CRCs
    const rows = await sectorRows(page);
    expect(rows.map((r) => r.chs)).toEqual(o.sectors);
    expect(rows.length).toBe(o.idRecords);
    expect(rows.filter((r) => r.idCrc === "ok").length).toBe(o.idCrcOk);
    expect(rows.filter((r) => r.dataCrc === "ok").length).toBe(o.dataCrcOk);
    expect(o.dataCrcOk).toBe(26);

    // detection ran in the worker, on the page's backend (Wasm)
    const t = (await hooks(page, (h) => h.track))!;
    expect(t.backend).toBe("wasm");
    expect(t.detection?.requested).toBe("auto");
    const detected = t.detection!.optionString;
    expect(t.options).toBe(detected);
    // every option the oracle was run with is among the detected ones
    for (const kv of o.options.split(":")) expect(detected.split(":"), kv).toContain(kv);

    // the form shows the detected values, each marked detected with the confidence
    expect(t.detection!.confidence).toBe("high");
    const fmt = await field(page, "format");
    expect(fmt).toMatchObject({ value: "RLL_WD", detected: true, auto: false });
    expect(fmt.badge).toBe("detected · high");
    expect(await page.getAttribute('label.opt[data-key="format"]', "data-detected")).toBe("high");
    for (const kv of detected.split(":")) {
      const [k, v] = kv.split("=");
      const f = await field(page, k);
      expect(f.detected, k).toBe(true);
      expect([v, ""], `${k} shows ${v} (a text field at its default shows the default as placeholder)`).toContain(f.value);
    }
    expect(await field(page, "decoder"), "a field detection does not set").toMatchObject({ detected: false, badge: "" });
    expect(await page.isVisible("#detection")).toBe(true);
    expect(await page.textContent("#detect-confidence")).toBe("high confidence");
    expect(await page.isVisible("#detect-missing"), "no warning at high confidence").toBe(false);
    expect(await page.textContent("#status")).toMatch(/options detected \(high confidence\)/);

    // the URL and the option string carry the detected option string
    expect(optsOf(page)).toBe(detected);
    expect(await page.inputValue("#optstring")).toBe(detected);

    // the data stream is the oracle's data.bin
    const [dl] = await Promise.all([page.waitForEvent("download"), page.click('button[data-bin="data"]')]);
    expect(Buffer.compare(readFileSync(await dl.path()), readFileSync(`${ORACLE_DIR}/${o.stem}/data.bin`))).toBe(0);
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.screenshot({ path: resolve(ARTIFACTS, "web-detect-WD1003V-SR1.png"), fullPage: true });

    // override one field: decoded with the form's values, no detection; the others stay marked
    await page.selectOption('select[name="data_crc_size"]', "48");
    await waitDone(page, `window.__diskflux.track.options.includes("data_crc_size=48")`);
    expect(await hooks(page, (h) => h.track?.detection)).toBeUndefined();
    expect(optsOf(page)).toBe(detected.replace("data_crc_size=56", "data_crc_size=48"));
    expect(await field(page, "data_crc_size")).toMatchObject({ value: "48", detected: false, badge: "" });
    expect(await field(page, "format")).toMatchObject({ detected: true });
    expect((await sectorRows(page)).filter((r) => r.dataCrc === "ok").length, "a wrong width fails every data CRC").toBe(0);

    // that field back on auto: detected again, the rest kept as given
    await page.selectOption('select[name="data_crc_size"]', "auto");
    await waitDone(page, `!!window.__diskflux.track.detection`);
    const again = (await hooks(page, (h) => h.track?.detection))!;
    expect(again.requested).toContain("data_crc_size=auto");
    expect(again.requested).toContain("format=RLL_WD");
    expect(again.optionString).toBe(detected);
    expect(await field(page, "data_crc_size")).toMatchObject({ value: "56", detected: true });
    expect((await sectorRows(page)).filter((r) => r.dataCrc === "ok").length).toBe(o.dataCrcOk);
    expect(optsOf(page)).toBe(detected);

    // a reload (or a shared link) decodes directly with the option string in the URL
    await page.reload();
    expect(optsOf(page)).toBe(detected);
    expect(await field(page, "format")).toMatchObject({ value: "RLL_WD", auto: false, detected: false });
    await page.setInputFiles("#file", `${SAMPLES_DIR}/${o.file}`);
    await waitDone(page);
    expect(await hooks(page, (h) => h.track?.detection)).toBeUndefined();
    expect(await hooks(page, (h) => h.track?.options)).toBe(detected);
    expect((await sectorRows(page)).map((r) => r.chs)).toEqual(o.sectors);
    expect(await page.isVisible("#detection")).toBe(false);
    await page.close();
    expect(problems).toEqual([]);
  });

  it("detects hdd_mfm_EV346.sr on the TypeScript backend (?backend=js)", async () => {
    const o = oracleRow("hdd_mfm_EV346.sr");
    const page = await newPage();
    await page.goto(`${base}?backend=js`);
    await page.setInputFiles("#file", `${SAMPLES_DIR}/${o.file}`);
    await waitDone(page);
    const t = (await hooks(page, (h) => h.track))!;
    expect(t.backend).toBe("js");
    expect(t.detection?.confidence).toBe("high");
    for (const kv of o.options.split(":")) expect(t.options.split(":"), kv).toContain(kv);
    const rows = await sectorRows(page);
    expect(rows.map((r) => r.chs)).toEqual(o.sectors);
    expect(rows.filter((r) => r.dataCrc === "ok").length).toBe(o.dataCrcOk);
    expect(await field(page, "format")).toMatchObject({ value: "MFM", detected: true });
    expect(await field(page, "header_format")).toMatchObject({ value: "3", detected: true });
    expect(optsOf(page)).toBe(t.options);
    expect(new URL(page.url()).searchParams.get("backend")).toBe("js");
    await page.close();
    expect(problems).toEqual([]);
  });

  it("drops a one-sector capture: medium confidence, with what is missing as a warning", async () => {
    const page = await newPage();
    await page.goto(base);
    const bytes = Array.from(readFileSync(`${SAMPLES_DIR}/hdd_mfm_RQDX3_sector.sr`));
    const dataTransfer = await page.evaluateHandle((b) => {
      const dt = new DataTransfer();
      dt.items.add(new File([new Uint8Array(b)], "hdd_mfm_RQDX3_sector.sr"));
      return dt;
    }, bytes);
    await page.dispatchEvent("body", "drop", { dataTransfer });
    await waitDone(page);
    const rows = await sectorRows(page);
    expect(rows).toEqual([{ chs: "0/0/8", idCrc: "ok", dataCrc: "ok" }]);
    const d = (await hooks(page, (h) => h.detection))!;
    expect(d.confidence).not.toBe("high");
    expect(d.missing.length).toBeGreaterThan(0);
    expect(await page.textContent("#detect-confidence")).toBe(`${d.confidence} confidence`);
    expect(await page.isVisible("#detect-missing")).toBe(true);
    // one list item per missing piece, as text
    expect(await page.$$eval("#detect-missing li", (lis) => lis.map((li) => li.textContent))).toEqual(d.missing);
    expect(await page.$$eval("#detect-missing *", (els) => els.every((e) => e.tagName === "LI"))).toBe(true);
    expect((await field(page, "format")).badge).toBe(`detected · ${d.confidence}`);
    expect(optsOf(page)).toBe(d.optionString);
    await page.close();
    expect(problems).toEqual([]);
  });

  it("reports a capture with no track as an error and keeps the fields on auto", async () => {
    const page = await newPage();
    await page.goto(base);
    // a constant data line: nothing to detect
    const flat = writeSigrok({
      kind: "logic", sampleRate: 100e6, sampleCount: 200_000, unitSize: 1,
      channels: [{ index: 0, name: "D0" }], samples: new Uint8Array(200_000),
    });
    await page.setInputFiles("#file", { name: "flat.sr", mimeType: "application/octet-stream", buffer: Buffer.from(flat) });
    expect(await settle(page)).toBe("error");
    expect(await page.textContent("#error")).toMatch(/no FM\/MFM\/RLL track/);
    expect(await page.textContent("#status")).toMatch(/Detection failed/);
    expect(await field(page, "format")).toMatchObject({ value: "auto", auto: true });
    expect(optsOf(page)).toBeNull();
    // the capture is still held: a choice in the form decodes it (no detection: nothing left on auto but what detection cannot find)
    await page.selectOption("#preset", { label: "DEC RQDX3 (MFM)" });
    await waitDone(page);
    expect(await page.locator('[data-testid="sector"]').count()).toBe(0);
    expect(optsOf(page)).toBe("data_rate=5000000:format=MFM");
    await page.close();
    expect(problems).toEqual([]);
  });
});
