// The whole-disk view: a grid of the image's tracks (cylinder × head, one row
// each) × sectors, every cell coloured by its status in the assembled image
// (the one set of src/recover/status.ts: good, corrected, recovered, voted,
// conflict, bad, missing) and marked with a glyph and an accessible label too,
// so the colour is never the only cue; a legend of every status with its count
// (built here from SECTOR_STATUSES); a summary of the disk; the reader's
// warnings. Clicking (or Enter on) a cell or a track's
// header asks the page to open that track in the track views.
//
// Everything that comes from the file (names, warnings) is set as text.
import { SECTOR_STATUSES, type SectorStatus } from "../src/recover/status.js";
import type { DecodedDisk, DiskCell, DiskProgress, DiskRow } from "./protocol.js";

export const STATUS_GLYPH: Readonly<Record<SectorStatus, string>> = {
  good: "✓", corrected: "c", recovered: "r", voted: "v", conflict: "≠", bad: "✗", missing: "–",
};
export const STATUS_TEXT: Readonly<Record<SectorStatus, string>> = {
  good: "good",
  corrected: "corrected",
  recovered: "recovered",
  voted: "voted",
  conflict: "conflict",
  bad: "bad",
  missing: "missing",
};
/** What each status means, for the legend's tooltips. */
export const STATUS_HELP: Readonly<Record<SectorStatus, string>> = {
  good: "its check verifies as read",
  corrected: "ECC corrected a burst; the check verifies after it",
  recovered: "another data separator gave a copy whose check verifies",
  voted: "no copy verified; a bit-wise vote over the copies did",
  conflict: "copies whose checks verify disagree",
  bad: "read, but no copy verifies",
  missing: "never read",
};

/** Fills the legend: one entry per status, with its glyph, colour, name and count (data-count). */
export function renderLegend(legend: HTMLElement, counts?: Readonly<Record<SectorStatus, number>>): void {
  legend.replaceChildren(...SECTOR_STATUSES.map((k) => {
    const li = document.createElement("li");
    li.title = STATUS_HELP[k];
    li.dataset.status = k;
    const sw = document.createElement("span");
    sw.className = `cell s-${k}`;
    sw.setAttribute("aria-hidden", "true");
    sw.textContent = STATUS_GLYPH[k];
    const n = document.createElement("span");
    n.className = "n";
    const c = document.createElement("span");
    c.dataset.count = k;
    c.textContent = fmtInt(counts?.[k] ?? 0);
    n.append("(", c, ")");
    li.append(sw, ` ${STATUS_TEXT[k]}${k === "conflict" ? ": verifying copies differ" : ""} `, n);
    return li;
  }));
}

export interface DiskViewElements {
  card: HTMLElement;
  heading: HTMLElement;
  summary: HTMLElement;
  warnings: HTMLUListElement;
  grid: HTMLTableElement;
  current: HTMLElement;
  legend: HTMLElement;
}

const fmtInt = (n: number) => n.toLocaleString("en-US");
const fmtMs = (ms: number) => (ms >= 100 ? `${ms.toFixed(0)} ms` : `${ms.toFixed(1)} ms`);
const plural = (n: number, one: string, many = `${one}s`) => `${fmtInt(n)} ${n === 1 ? one : many}`;

/** "0–39" or "0, 2, 5" for a set of numbers. */
function span(values: Iterable<number>): string {
  const v = [...new Set(values)].sort((a, b) => a - b);
  if (v.length === 0) return "none";
  const contiguous = v[v.length - 1] - v[0] === v.length - 1;
  if (contiguous) return v.length === 1 ? String(v[0]) : `${v[0]}–${v[v.length - 1]}`;
  return v.length > 12 ? `${v.slice(0, 12).join(", ")}, … (${v.length})` : v.join(", ");
}

function places(list: readonly { cyl: number; head: number }[], max = 10): string {
  const s = list.slice(0, max).map((t) => `cyl ${t.cyl} head ${t.head}`).join(", ");
  return list.length > max ? `${s}, … (${list.length})` : s;
}

export function cellLabel(row: DiskRow, c: DiskCell): string {
  const reads =
    c.reads === 0 ? "no ID record read" :
    `${plural(c.reads, "read")}: ${c.good} good${c.bad ? `, ${c.bad} bad CRC` : ""}${c.noData ? `, ${c.noData} without data` : ""}` +
    (c.variants > 1 ? `, ${c.variants} different payloads` : "");
  return `cyl ${row.cyl} head ${row.head} sector ${c.sec}: ${STATUS_TEXT[c.status]} (${reads})${c.how ? ` — ${c.how}` : ""}`;
}

export class DiskView {
  /** Called with the row (and the cell) the user opens. */
  onOpen?: (row: DiskRow, cell: DiskCell | undefined) => void;
  private disk: DecodedDisk | undefined;
  /** Focusable grid elements: [row][0] the track's header, [row][1 + i] its sectors. */
  private cells: HTMLElement[][] = [];
  private focusAt: [number, number] = [0, 0];
  private busy = false;

  constructor(private readonly els: DiskViewElements) {
    els.grid.addEventListener("click", (e) => {
      const el = (e.target as HTMLElement).closest<HTMLElement>("[data-r]");
      if (el) this.activate(el);
    });
    els.grid.addEventListener("keydown", (e) => this.key(e));
  }

  get current(): DecodedDisk | undefined {
    return this.disk;
  }

  hide(): void {
    this.disk = undefined;
    this.cells = [];
    this.els.card.hidden = true;
    this.els.grid.replaceChildren();
  }

  /** While the disk is read or decoded again: shown, the old grid (if any) marked stale and inert. */
  progress(source: string, p: DiskProgress | undefined): void {
    this.els.card.hidden = false;
    this.setBusy(p !== undefined);
    if (!this.disk) this.els.heading.textContent = `Disk — ${source}`;
  }

  setBusy(busy: boolean): void {
    this.busy = busy;
    this.els.grid.classList.toggle("stale", busy);
    this.els.grid.setAttribute("aria-busy", busy ? "true" : "false");
  }

  show(d: DecodedDisk): void {
    this.disk = d;
    this.setBusy(false);
    this.els.card.hidden = false;
    this.els.heading.textContent = `Disk — ${d.source}`;
    this.renderSummary(d);
    this.renderWarnings(d);
    this.renderGrid(d);
    renderLegend(this.els.legend, d.counts);
  }

  /** Marks the rows of the physical track shown in the track views. */
  setCurrent(index: number): void {
    const d = this.disk;
    for (const tr of this.els.grid.tBodies[0]?.rows ?? []) {
      const r = Number(tr.dataset.row);
      const on = d !== undefined && d.rows[r]?.track === index && index >= 0;
      tr.classList.toggle("current", on);
      const th = tr.cells[0];
      if (on) th.setAttribute("aria-current", "true");
      else th.removeAttribute("aria-current");
    }
    const t = d?.tracks[index];
    this.els.current.textContent = t
      ? `Shown below: ${t.source} — ${plural(t.ids, "ID record")}, ${t.good} with good ID and data CRCs over ${plural(t.revolutions, "revolution")}.`
      : "";
  }

  private renderSummary(d: DecodedDisk): void {
    const g = d.geometry;
    const n = d.counts;
    const revs = new Set(d.tracks.map((t) => t.revolutions));
    const used = new Set<number>();
    for (const r of d.rows) for (const c of r.cells) if (c.track >= 0) used.add(c.track);
    const unplaced = d.tracks.filter((_, i) => !used.has(i));
    const last = g.firstSector + g.sectorsPerTrack - 1;
    const inferred = d.inferred.length > 0 ? " (from the sector headers)" : "";
    const detected = d.detection;
    const items: [string, string][] = [
      ["File", `${d.source} — ${d.format}, ${fmtInt(d.fileBytes)} bytes${d.files > 1 ? ` in ${d.files} files` : ""}, read in ${fmtMs(d.readMs)}`],
      ["Tracks", `${plural(d.tracks.length, "track")} in the file: cylinders ${span(d.tracks.map((t) => t.cyl))}, head${new Set(d.tracks.map((t) => t.head)).size === 1 ? "" : "s"} ${span(d.tracks.map((t) => t.head))}` +
        (revs.size === 1 ? `, ${plural([...revs][0], "revolution")} each` : "")],
      ...(d.missing.length ? [["Not in the file", places(d.missing)] as [string, string]] : []),
      ["Geometry", `${g.cylinders} cylinder${g.cylinders === 1 ? "" : "s"} × ${g.heads} head${g.heads === 1 ? "" : "s"} × ${g.sectorsPerTrack} sector${g.sectorsPerTrack === 1 ? "" : "s"} of ${fmtInt(g.sectorSize)} bytes, ` +
        `sectors ${g.firstSector === last ? g.firstSector : `${g.firstSector}–${last}`}${g.firstCylinder ? `, from cylinder ${g.firstCylinder}` : ""}${inferred}; image ${fmtInt(d.image.length)} bytes`],
      ["Sectors", SECTOR_STATUSES.filter((k) => k === "good" || k === "bad" || k === "missing" || k === "conflict" || (n[k] ?? 0) > 0)
        .map((k) => `${fmtInt(n[k] ?? 0)} ${STATUS_TEXT[k]}`).join(" · ") +
        (d.outside.length ? ` · ${fmtInt(d.outside.length)} outside the geometry (not in the image)` : "") +
        (d.badHeaders ? ` · ${plural(d.badHeaders, "ID record")} with a bad CRC` : "")],
      ...(unplaced.length ? [["No sector placed", places(unplaced)] as [string, string]] : []),
      ["Options", d.options === "" ? "(the decoder's defaults)" : d.options],
      ["How", detected
        ? `detected over the first ${Math.min(8, d.tracks.length)} tracks in ${fmtMs(detected.detectMs)} — ${detected.confidence} confidence; every track decoded with them`
        : "given; every track decoded with them"],
      ["Decoded", `${plural(d.tracks.length, "track")} in ${fmtMs(d.decodeMs)} with ${d.backend === "wasm" ? "Wasm" : "TypeScript"}, ` +
        (d.workers.started > 0 ? `on ${plural(d.workers.used, "Web Worker")} at once (of ${d.workers.jobs} asked for)` : "one after another in the page's worker")],
      ...(d.imdError !== undefined ? [["ImageDisk", `no .imd for this disk: ${d.imdError}`] as [string, string]] : []),
    ];
    this.els.summary.replaceChildren(...items.flatMap(([k, v]) => {
      const dt = document.createElement("dt");
      dt.textContent = k;
      const dd = document.createElement("dd");
      dd.textContent = v;
      if (k === "Options") dd.className = "mono";
      if (k === "How" && detected) dd.dataset.confidence = detected.confidence;
      if (k === "Sectors") dd.dataset.testid = "disk-counts";
      return [dt, dd];
    }));
  }

  private renderWarnings(d: DecodedDisk): void {
    const list = d.warnings.slice(0, 50).map((w) => {
      const li = document.createElement("li");
      li.textContent = w;
      return li;
    });
    if (d.warnings.length > 50) {
      const li = document.createElement("li");
      li.textContent = `… and ${d.warnings.length - 50} more`;
      list.push(li);
    }
    this.els.warnings.replaceChildren(...list);
    this.els.warnings.hidden = list.length === 0;
  }

  private renderGrid(d: DecodedDisk): void {
    const g = d.geometry;
    const thead = document.createElement("thead");
    const hr = document.createElement("tr");
    const corner = document.createElement("th");
    corner.textContent = "track";
    corner.title = "cylinder and head; each column is a sector number";
    hr.append(corner);
    for (let i = 0; i < g.sectorsPerTrack; i++) {
      const th = document.createElement("th");
      th.scope = "col";
      th.textContent = String(g.firstSector + i);
      th.setAttribute("aria-label", `sector ${g.firstSector + i}`);
      hr.append(th);
    }
    thead.append(hr);
    const tbody = document.createElement("tbody");
    this.cells = [];
    d.rows.forEach((row, r) => {
      const tr = document.createElement("tr");
      tr.dataset.row = String(r);
      tr.dataset.cyl = String(row.cyl);
      tr.dataset.head = String(row.head);
      const th = document.createElement("th");
      th.scope = "row";
      th.className = "track-head";
      th.textContent = `${row.cyl}.${row.head}`;
      th.dataset.r = String(r);
      th.dataset.c = "0";
      th.tabIndex = -1;
      th.setAttribute("role", "rowheader");
      const info = row.track >= 0 ? d.tracks[row.track] : undefined;
      const counts = row.cells.reduce((m, c) => (m[c.status]++, m), Object.fromEntries(SECTOR_STATUSES.map((k) => [k, 0])) as Record<SectorStatus, number>);
      const what = SECTOR_STATUSES.filter((k) => counts[k] > 0).map((k) => `${counts[k]} ${STATUS_TEXT[k]}`).join(", ");
      th.setAttribute("aria-label", `cyl ${row.cyl} head ${row.head}: ${what}${info ? "; open the track" : "; the file has no such track"}`);
      th.title = info ? `cyl ${row.cyl} head ${row.head}: ${what} — open ${info.source}` : `cyl ${row.cyl} head ${row.head}: not in the file`;
      if (!info) th.classList.add("absent");
      const line: HTMLElement[] = [th];
      tr.append(th);
      row.cells.forEach((c, i) => {
        const td = document.createElement("td");
        td.className = `cell s-${c.status}`;
        td.textContent = STATUS_GLYPH[c.status];
        td.dataset.testid = "disk-cell";
        td.dataset.r = String(r);
        td.dataset.c = String(i + 1);
        td.dataset.cyl = String(row.cyl);
        td.dataset.head = String(row.head);
        td.dataset.sec = String(c.sec);
        td.dataset.status = c.status;
        td.tabIndex = -1;
        td.setAttribute("role", "gridcell");
        const label = cellLabel(row, c);
        td.setAttribute("aria-label", label);
        td.title = label;
        line.push(td);
        tr.append(td);
      });
      this.cells.push(line);
      tbody.append(tr);
    });
    this.els.grid.setAttribute("aria-rowcount", String(d.rows.length + 1));
    // the workers that decoded the tracks (0: the page's worker alone), for tests and the curious
    this.els.grid.dataset.workers = String(d.workers.used);
    this.els.grid.replaceChildren(thead, tbody);
    this.focusAt = [0, this.cells[0]?.length > 1 ? 1 : 0];
    const first = this.cells[this.focusAt[0]]?.[this.focusAt[1]];
    if (first) first.tabIndex = 0;
  }

  private activate(el: HTMLElement): void {
    const d = this.disk;
    if (!d || this.busy) return;
    const r = Number(el.dataset.r), c = Number(el.dataset.c);
    const row = d.rows[r];
    if (!row) return;
    this.moveFocus(r, c, false);
    this.onOpen?.(row, c > 0 ? row.cells[c - 1] : undefined);
  }

  private moveFocus(r: number, c: number, focus: boolean): void {
    const [r0, c0] = this.focusAt;
    const old = this.cells[r0]?.[c0];
    if (old) old.tabIndex = -1;
    this.focusAt = [r, c];
    const el = this.cells[r]?.[c];
    if (!el) return;
    el.tabIndex = 0;
    if (focus) {
      el.focus();
      el.scrollIntoView({ block: "nearest", inline: "nearest" });
    }
  }

  // Arrow keys move through the grid (column 0 is the track's header); Enter or Space opens.
  private key(e: KeyboardEvent): void {
    const el = (e.target as HTMLElement).closest<HTMLElement>("[data-r]");
    if (!el || this.cells.length === 0) return;
    let r = Number(el.dataset.r), c = Number(el.dataset.c);
    const rows = this.cells.length;
    const cols = this.cells[r].length;
    switch (e.key) {
      case "ArrowRight": c = Math.min(cols - 1, c + 1); break;
      case "ArrowLeft": c = Math.max(0, c - 1); break;
      case "ArrowDown": r = Math.min(rows - 1, r + 1); break;
      case "ArrowUp": r = Math.max(0, r - 1); break;
      case "PageDown": r = Math.min(rows - 1, r + 10); break;
      case "PageUp": r = Math.max(0, r - 10); break;
      case "Home": c = 0; if (e.ctrlKey) r = 0; break;
      case "End": c = cols - 1; if (e.ctrlKey) r = rows - 1; break;
      case "Enter":
      case " ":
        e.preventDefault();
        this.activate(el);
        return;
      default:
        return;
    }
    e.preventDefault();
    this.moveFocus(r, Math.min(c, this.cells[r].length - 1), true);
  }
}
