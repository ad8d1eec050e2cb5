// End-to-end: the web page's sector table says why the PLL reset where a record
// was cut short or is missing (diskflux-only notes, issue 11). A synthesized MFM
// track with a 1-cell pulse inside one data record (no data record: "missing")
// and one inside another data record's CRC ("incomplete"), written as a .sr and
// loaded through the file input. Skipped, with a warning, without Chromium.
import { describe, it, expect, beforeAll, afterAll } from "vitest";
import { mkdirSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import type { BrowserContext } from "playwright-core";
import { synthTrack } from "../src/encode/synth.js";
import { encodeTrackDetailed } from "../src/encode/track.js";
import { edgesToLogic } from "../src/encode/flux.js";
import { writeSigrok } from "../src/writers/sigrok.js";
import { decode } from "../src/decode.js";
import { resetText } from "../src/resets.js";
import { ARTIFACTS, haveChromium, startWebHarness, watchProblems, type WebHarness } from "./support/web.js";

if (!haveChromium) {
  console.warn("SKIPPED web page reset notes: no Chromium (the e2e harness needs it; .ci/run installs it)");
  it.skip("web page reset notes (Chromium missing)", () => {});
}

const t = synthTrack({ format: "MFM", sectorsPerTrack: 4, sectorSize: 256 });
const enc = encodeTrackDetailed(t.layout);
const h0 = t.edges.sampleRate / (2 * 5_000_000);
const sampleOf = (cell: number) => t.edges.edges[0] + (cell - enc.cells.indexOf(1)) * h0;
const dataByte = (sector: number, k: number) => enc.marks.find((m) => m.kind === "data" && m.sector === sector)!.cell + 16 * (2 + k);

/** The clean edges with a 1-cell pulse after the first edge at or after each of the cells. */
function damaged(cells: number[]): Float64Array {
  const e = Array.from(t.edges.edges);
  for (const c of cells) {
    const k = e.findIndex((x) => x >= sampleOf(c));
    e.splice(k + 1, 0, e[k] + h0);
  }
  return Float64Array.from(e);
}

describe.runIf(haveChromium)("web page: reset notes in the sector table", () => {
  let web: WebHarness;
  let context: BrowserContext;
  let base: string;
  const problems: string[] = [];
  const file = resolve(ARTIFACTS, "reset-notes.sr");

  beforeAll(async () => {
    web = await startWebHarness("web-dist-resets");
    ({ context, base } = web);
    mkdirSync(ARTIFACTS, { recursive: true });
    const edges = damaged([dataByte(1, 100), dataByte(2, 256 + 1)]);
    writeFileSync(file, writeSigrok(edgesToLogic({ ...t.edges, edges })));
  });

  afterAll(async () => {
    await web?.close();
  });

  it("a cut data record and a cut data CRC each show their reason", async () => {
    const expected = await decode(edgesToLogic({ ...t.edges, edges: damaged([dataByte(1, 100), dataByte(2, 256 + 1)]) }), t.options);
    const cut = expected.records.find((r) => r.kind === "data" && r.reset)!;
    const missing = (expected.resets ?? []).find((r) => r.field === "data")!;
    expect(missing.reason).toBe("short-pulse");

    const page = watchProblems(await context.newPage(), problems);
    await page.goto(`${base}?opts=${encodeURIComponent(t.options)}`);
    await page.setInputFiles("#file", file);
    await page.waitForFunction(`document.body.dataset.state === "done" || document.body.dataset.state === "error"`, null, { timeout: 60_000 });
    expect(await page.getAttribute("body", "data-state")).toBe("done");

    const rows = await page.$$eval('[data-testid="sector"]', (trs) => trs.map((tr) => {
      const el = tr as HTMLTableRowElement;
      const status = el.querySelector("td.status") as HTMLTableCellElement;
      return { sec: Number(el.dataset.sec), reset: el.dataset.reset ?? "", title: status.title, note: status.querySelector(".reset-note")?.getAttribute("aria-label") ?? "", text: status.textContent, status: status.dataset.status };
    }));
    expect(rows.map((r) => r.sec)).toEqual(t.expected.map((s) => s.sec));
    // sector 1: its data record cut after 100 bytes (the page decodes with recovery, which may read it again: the
    // plain decode's reason stays); sector 2: its data CRC cut short; the others clean
    expect(rows.map((r) => r.reset)).toEqual(["", "short-pulse", "short-pulse", ""]);
    expect(rows[1].note).toBe(resetText(missing));
    expect(rows[1].title).toContain(resetText(missing));
    expect(rows[1].note).toContain("data record after 100 bytes");
    expect(rows[2].note).toBe(resetText(cut.reset!));
    expect(rows[2].note).toContain("data record's CRC");
    // the note adds no text to the status cell
    for (const r of rows) expect(r.text).toBe(r.status);

    await page.locator("#sectors").screenshot({ path: resolve(ARTIFACTS, "web-reset-notes.png") });

    // the hex panel of the missing sector says why
    await page.locator('[data-testid="sector"]').nth(1).click();
    expect(await page.textContent("#hexdump")).toContain(resetText(missing));
    expect(problems).toEqual([]);
  });
});
