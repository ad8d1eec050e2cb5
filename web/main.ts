// The page: loads captures (picker, drag-and-drop, demo), edits options (kept in
// `?opts=`), and shows what the worker decoded: sector table, hex dump, pulse
// histogram, timeline, downloads. All decoding happens in web/worker.ts.
//
// A page opened without `?opts=` starts with every detectable option on "auto":
// the first capture is detected in the worker, the form then shows the detected
// values (each marked "detected", with the confidence), and `?opts=` carries the
// detected option string, so a reload or a shared link decodes directly.
//
// A flux file (.scp, .hfe, a KryoFlux stream, .tr), or a KryoFlux set's files
// picked or dropped together, opens as a whole disk (web/diskview.ts): the
// worker detects the options once over the first tracks, decodes every track
// with them (progress below the header) and assembles the image; the grid shows
// every sector's status, the .img and the sector map download, and a click on a
// sector or a track decodes that one track for the track views. Capture files
// dropped together that are not a KryoFlux set (a drive's tracks as .sr files)
// open the same way, one track each; a file that fails shows its error in its
// place. A disk's tracks decode on a pool of Web Workers (`?workers=N`, default
// every core from 4 up; web/disk.ts), a .sr through the fused reader (`?fused=0`: not).
import { sectorRows, type SectorRow } from "../src/report/table.js";
import { resetText, sectorResets } from "../src/resets.js";
import type { ResetNote } from "../src/types.js";
import { SECTOR_STATUSES } from "../src/recover/status.js";
import { parseOptionString, type OptionKey } from "../src/options.js";
import { DETECTED_KEYS, wantsDetection } from "../src/detect/options.js";
import { AUTO_KEYS, GROUPS, OptionState, PRESET_STRINGS, optionSpecs, type OptionSpec } from "./options.js";
import { HistogramView } from "./histogram.js";
import { Timeline, type SectorSpan } from "./timeline.js";
import { DiskView } from "./diskview.js";
import type { Backend, DecodedDisk, DecodedTrack, DiskCell, DiskProgress, DiskRow, TrackDetection, WorkerRequest, WorkerResponse } from "./protocol.js";

const $ = <T extends HTMLElement = HTMLElement>(sel: string): T => {
  const el = document.querySelector<T>(sel);
  if (!el) throw new Error(`missing ${sel}`);
  return el;
};

const els = {
  file: $<HTMLInputElement>("#file"),
  demo: $<HTMLButtonElement>("#demo"),
  compare: $<HTMLButtonElement>("#compare"),
  status: $("#status"),
  progress: $<HTMLProgressElement>("#progress"),
  error: $("#error"),
  preset: $<HTMLSelectElement>("#preset"),
  optstring: $<HTMLInputElement>("#optstring"),
  optError: $("#opt-error"),
  detectAll: $<HTMLButtonElement>("#detect-all"),
  detection: $("#detection"),
  detectSummary: $("#detect-summary"),
  confidence: $("#detect-confidence"),
  detectCrc: $("#detect-crc"),
  detectMissing: $<HTMLUListElement>("#detect-missing"),
  groups: $("#option-groups"),
  summary: $("#summary"),
  tbody: $<HTMLTableSectionElement>("#sectors tbody"),
  hex: $("#hexdump"),
  hexHeading: $("#hex-heading"),
  downloadSector: $<HTMLButtonElement>("#download-sector"),
  downloadJson: $<HTMLButtonElement>("#download-json"),
  readout: $("#view-readout"),
  overlay: $("#drop-overlay"),
  downloadImg: $<HTMLButtonElement>("#download-img"),
  downloadMap: $<HTMLButtonElement>("#download-map"),
  downloadImd: $<HTMLButtonElement>("#download-imd"),
};

// ---------------------------------------------------------------- state

const options = new OptionState();
let backend: Backend = "wasm";
/** Workers for a disk's tracks (`?workers=`); undefined: the worker takes navigator.hardwareConcurrency. */
let jobs: number | undefined;
const jobsField = () => (jobs !== undefined ? { jobs } : {});
let fused = true;
let seq = 0;
let track: DecodedTrack | undefined;
let rows: SectorRow[] = [];
let spans: SectorSpan[] = [];
/** Per row: why the PLL reset where its ID or data record was cut short or is missing (diskflux-only notes). */
let notes: (ResetNote | undefined)[] = [];
let selected = -1;
let haveCapture = false;
/** Whether the request in flight detects options first. */
let lastDetects = false;
/** What the last detection found (shown until another capture is opened). */
let detection: TrackDetection | undefined;
/** The values detection set, per key; a field is marked detected while it still holds its value. */
const detectedValues = new Map<OptionKey, string>();
const times: Record<Backend, number | undefined> = { wasm: undefined, js: undefined };
/** The name of what is being opened (for the disk card while it is read). */
let opening = "";
/** Disk mode: the worker holds a disk; the track views show one of its tracks (index in disk.tracks, -1: none yet). */
let shownTrack = -1;
/** The sector to select when the track asked for arrives. */
let pendingSec: { cyl: number; head: number; sec: number } | undefined;

const worker = new Worker(new URL("./worker.ts", import.meta.url), { type: "module" });
const histogram = new HistogramView($<HTMLCanvasElement>("#histogram"));
const timeline = new Timeline($<HTMLCanvasElement>("#timeline"), $<HTMLCanvasElement>("#overview"));
const diskView = new DiskView({
  card: $("#disk"),
  heading: $("#disk-heading"),
  summary: $("#disk-summary"),
  warnings: $<HTMLUListElement>("#disk-warnings"),
  grid: $<HTMLTableElement>("#disk-grid"),
  current: $("#disk-current"),
  legend: $("#disk-legend"),
});
/** The disk the page shows, when one is open. */
const currentDisk = (): DecodedDisk | undefined => diskView.current;
/** Whether the worker holds a disk (a disk is shown, or one is being read). */
let diskMode = false;

// ---------------------------------------------------------------- URL <-> options

{
  const params = new URLSearchParams(location.search);
  const opts = params.get("opts");
  // No ?opts= at all: detect every option of the first capture (`?opts=` empty = the decoder's defaults).
  if (opts === null) options.detectRest = true;
  else {
    try {
      options.setString(opts);
    } catch (e) {
      showOptError(`?opts= ${message(e)}`);
    }
  }
  const b = params.get("backend");
  if (b === "js" || b === "wasm") backend = b;
  // ?workers=N: a disk's tracks decode on N Web Workers (1: in the page's worker alone); default every core from 4 up
  const w = Number(params.get("workers"));
  if (Number.isInteger(w) && w >= 1) jobs = w;
  // ?fused=0: a .sr's samples read as before the fused reader (to compare the two)
  if (params.get("fused") === "0") fused = false;
}

function writeUrl(): void {
  const url = new URL(location.href);
  const s = options.toString();
  // Everything on auto is the page's starting state: no ?opts= (`?opts=auto` reads the same).
  if (s === "auto") url.searchParams.delete("opts");
  else url.searchParams.set("opts", s);
  if (backend !== "wasm") url.searchParams.set("backend", backend);
  else url.searchParams.delete("backend");
  // Keep ':' and '=' readable in the shared link.
  const query = url.searchParams.toString().replace(/%3A/gi, ":").replace(/%3D/gi, "=");
  history.replaceState(null, "", `${url.pathname}${query ? `?${query}` : ""}${url.hash}`);
}

// ---------------------------------------------------------------- option form

const specs = optionSpecs();
const inputs = new Map<OptionKey, HTMLInputElement | HTMLSelectElement>();

function buildForm(): void {
  for (const p of [{ name: "Auto-detect every option", options: "auto" }, ...PRESET_STRINGS]) {
    const o = document.createElement("option");
    o.value = p.options;
    o.textContent = p.name;
    els.preset.append(o);
  }
  const custom = document.createElement("option");
  custom.value = "\u0000custom";
  custom.textContent = "(your own settings)";
  els.preset.append(custom);
  els.preset.addEventListener("change", () => {
    if (els.preset.value === "\u0000custom") return;
    applyString(els.preset.value);
  });

  for (const group of GROUPS) {
    const details = document.createElement("details");
    details.open = group === "Encoding" || group === "CRC";
    details.dataset.group = group;
    const summary = document.createElement("summary");
    summary.textContent = group;
    if (group === "Custom encoder") summary.append(" ", hint("(format=custom)"));
    details.append(summary);
    for (const spec of specs.filter((s) => s.group === group)) details.append(optionField(spec));
    els.groups.append(details);
  }
  els.detectAll.addEventListener("click", () => {
    options.detectAll();
    showOptError(null);
    optionsChanged();
  });
  els.optstring.addEventListener("change", () => applyString(els.optstring.value));
  els.optstring.addEventListener("keydown", (e) => {
    if (e.key === "Enter") applyString(els.optstring.value);
  });
}

function hint(text: string): HTMLElement {
  const s = document.createElement("span");
  s.className = "hint";
  s.textContent = text;
  return s;
}

function optionField(spec: OptionSpec): HTMLElement {
  const wrap = document.createElement("label");
  wrap.className = "opt";
  wrap.dataset.key = spec.key;
  const name = document.createElement("span");
  name.className = "name";
  name.textContent = spec.key;
  if (spec.help) wrap.title = spec.help;
  let input: HTMLInputElement | HTMLSelectElement;
  if (spec.values) {
    const sel = document.createElement("select");
    if (AUTO_KEYS.has(spec.key)) {
      const o = document.createElement("option");
      o.value = "auto";
      o.textContent = "auto (detect)";
      sel.append(o);
    }
    for (const v of spec.values) {
      const o = document.createElement("option");
      o.value = v;
      o.textContent = v === spec.def ? `${v} (default)` : v;
      sel.append(o);
    }
    input = sel;
  } else {
    const t = document.createElement("input");
    t.type = "text";
    t.placeholder = spec.def === "" ? "(empty)" : spec.def;
    if (AUTO_KEYS.has(spec.key)) t.title = `${spec.help ? `${spec.help}; ` : ""}"auto" detects it`;
    t.spellcheck = false;
    input = t;
  }
  input.name = spec.key;
  input.addEventListener("change", () => {
    const v = input instanceof HTMLInputElement && input.value.trim() === "" ? spec.def : input.value.trim();
    options.set(spec.key, v, spec.def);
    optionsChanged();
  });
  inputs.set(spec.key, input);
  const badge = document.createElement("span");
  badge.className = "badge";
  badge.hidden = true;
  name.append(" ", badge);
  const def = document.createElement("span");
  def.className = "def";
  def.textContent = `default: ${spec.def === "" ? "(empty)" : spec.def}`;
  wrap.append(name, input, def);
  return wrap;
}

function syncForm(): void {
  for (const spec of specs) {
    const input = inputs.get(spec.key);
    if (!input) continue;
    const v = options.get(spec.key, spec.def);
    input.value = input instanceof HTMLInputElement && v === spec.def ? "" : v;
    const wrap = input.closest<HTMLElement>(".opt");
    if (!wrap) continue;
    const auto = options.isAuto(spec.key);
    const detected = !auto && detectedValues.get(spec.key) === v;
    wrap.classList.toggle("changed", options.isSet(spec.key) && !auto && !detected);
    wrap.classList.toggle("auto", auto);
    wrap.classList.toggle("detected", detected);
    if (detected) wrap.dataset.detected = detection?.confidence ?? "";
    else delete wrap.dataset.detected;
    const badge = wrap.querySelector<HTMLElement>(".badge");
    if (badge) {
      badge.hidden = !auto && !detected;
      badge.textContent = auto ? "auto" : detected ? `detected · ${detection?.confidence ?? ""}` : "";
      badge.className = `badge${detected ? ` ${detection?.confidence ?? ""}` : ""}`;
      badge.title = detected ? `Detected from the capture (${detection?.confidence ?? ""} confidence); change it to override` : auto ? "Detected when the capture is decoded" : "";
    }
  }
  const s = options.toString();
  els.optstring.value = s;
  const preset = s === "auto" ? { options: "auto" } : PRESET_STRINGS.find((p) => p.options === s);
  els.preset.value = preset ? preset.options : "\u0000custom";
  const custom = els.groups.querySelector<HTMLDetailsElement>('details[data-group="Custom encoder"]');
  if (custom && options.get("format", "MFM") === "custom") custom.open = true;
  renderDetection();
}

function applyString(text: string): void {
  try {
    options.setString(text.trim());
    showOptError(null);
  } catch (e) {
    showOptError(message(e));
    return;
  }
  optionsChanged();
}

function showOptError(text: string | null): void {
  els.optError.hidden = text === null;
  els.optError.textContent = text ?? "";
}

let debounce: ReturnType<typeof setTimeout> | undefined;

function optionsChanged(): void {
  syncForm();
  writeUrl();
  const problem = options.validate();
  showOptError(problem);
  if (problem || !haveCapture) return;
  clearTimeout(debounce);
  setState("busy");
  els.status.textContent = options.wantsDetection() ? "Detecting options…" : "Decoding…";
  debounce = setTimeout(() => post(diskMode ? { type: "disk", seq: 0, options: options.toString(), backend, ...jobsField() } : { type: "decode", seq: 0, options: options.toString(), backend }), 200);
}

// ---------------------------------------------------------------- worker

function post(req: WorkerRequest, transfer: Transferable[] = []): void {
  req.seq = ++seq;
  lastDetects = req.type !== "demo" && req.type !== "track" && wantsDetection(req.options);
  setState("busy");
  const what = req.type === "open" ? `Reading ${req.name}${lastDetects ? " and detecting its options" : ""}…` :
    req.type === "open-set" ? `Reading ${req.files.length} files${lastDetects ? " and detecting their options" : ""}…` :
    req.type === "disk" ? `Decoding every track of ${currentDisk()?.source ?? "the disk"} again${lastDetects ? ", options detected first" : ""}…` :
    req.type === "track" ? `Decoding ${currentDisk()?.tracks[req.index]?.source ?? "the track"}…` :
    req.type === "demo" ? "Synthesizing the demo track…" : req.type === "compare" ? "Decoding with both backends…" :
    lastDetects ? "Detecting options…" : "Decoding…";
  els.status.textContent = what;
  if (req.type === "disk") diskView.progress(currentDisk()?.source ?? opening, { phase: "decode", done: 0, total: 1, text: "" });
  showProgress(undefined);
  worker.postMessage(req, transfer);
}

/** The progress bar: hidden without a value; indeterminate while detecting. */
function showProgress(p: DiskProgress | undefined): void {
  els.progress.hidden = p === undefined;
  if (!p) return;
  if (p.phase === "decode") {
    els.progress.max = Math.max(1, p.total);
    els.progress.value = p.done;
  } else els.progress.removeAttribute("value");
  const what = p.phase === "read" ? `Reading ${p.text}` : p.phase === "detect" ? `Detecting options over ${p.text}` : `${p.done} of ${p.total} tracks decoded; ${p.text}`;
  els.progress.setAttribute("aria-valuetext", what);
  els.progress.title = what;
}

function onProgress(p: DiskProgress): void {
  diskMode = true;
  diskView.progress(currentDisk()?.source ?? opening, p);
  showProgress(p);
  const text =
    p.phase === "read" ? `Reading ${p.text}…` :
    p.phase === "detect" ? `Detecting options over ${p.text}…` :
    `Decoding ${p.total} track${p.total === 1 ? "" : "s"}: ${p.done} done${p.done > 0 && p.done < p.total ? ` (${p.text})` : ""}…`;
  if (els.status.textContent !== text) els.status.textContent = text;
}

worker.addEventListener("message", (e: MessageEvent<WorkerResponse>) => {
  const m = e.data;
  if (m.type === "ready") {
    if (!m.wasm) {
      const r = document.querySelector<HTMLInputElement>('input[name="backend"][value="wasm"]');
      if (r) r.disabled = true;
      if (backend === "wasm") setBackend("js");
    }
    return;
  }
  if (m.seq !== seq) return; // a newer request is on its way
  if (m.type === "progress") {
    onProgress(m.progress);
    return;
  }
  showProgress(undefined);
  // a disk decode that a newer request replaced leaves no stale grid behind
  if (m.type !== "disk" && m.type !== "error" && diskMode) diskView.setBusy(false);
  if (m.type === "error") {
    haveCapture = m.held; // a capture that could not be read is gone; one that did not decode stays for new options
    if (!m.held) {
      diskMode = false;
      diskView.hide();
    } else if (diskMode) diskView.setBusy(false);
    setState("error");
    els.status.textContent = lastDetects ? "Detection failed: set the options you know (or all of them) and the rest stays on auto." : "Decoding failed.";
    showError(m.message);
    return;
  }
  if (m.type === "compared") {
    setState("done");
    times.wasm = m.ms.wasm;
    times.js = m.ms.js;
    showTimes();
    els.status.textContent = `Both backends: Wasm ${fmtMs(m.ms.wasm)}, TypeScript ${fmtMs(m.ms.js)} — ` +
      (m.identical ? "identical outputs." : `outputs differ in ${m.differences.join(", ")}!`);
    return;
  }
  if (m.type === "disk") {
    showDisk(m.disk);
    return;
  }
  if (!m.track.place && diskMode) {
    diskMode = false;
    diskView.hide();
  }
  showTrack(m.track);
});

worker.addEventListener("error", (e) => {
  setState("error");
  showError(`The decoding worker failed to start (${e.message || "script error"}).`);
});

function setState(s: "idle" | "busy" | "done" | "error"): void {
  document.body.dataset.state = s;
  document.body.setAttribute("aria-busy", s === "busy" ? "true" : "false");
}

function showError(text: string | null): void {
  els.error.hidden = text === null;
  els.error.textContent = text ?? "";
}

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

// ---------------------------------------------------------------- loading

/**
 * The most bytes the page reads from one file: the CLI's limit for a capture
 * read whole (src/readers/file-bytes.ts MAX_FILE_BYTES, not imported: that
 * module reaches Node's file system).
 */
const MAX_PAGE_FILE_BYTES = 2 ** 31 - 1;

/** Opens one capture, or several files at once (a KryoFlux set: every trackNN.S.raw of a disk). */
async function openFiles(files: File[]): Promise<void> {
  if (files.length === 0) return;
  showError(null);
  const problem = options.validate();
  if (problem) {
    showOptError(problem);
    return;
  }
  // A file the page cannot hold, or one the browser cannot read (removed, no permission): a message, not silence.
  const big = files.find((f) => f.size > MAX_PAGE_FILE_BYTES);
  if (big) {
    setState("error");
    showError(`${big.name} is ${big.size} bytes, more than the ${MAX_PAGE_FILE_BYTES} this page reads at once; decode it with the diskflux command line (a .tr file of any size streams there), or split the capture.`);
    return;
  }
  let buffers: ArrayBuffer[];
  try {
    buffers = await Promise.all(files.map((f) => f.arrayBuffer()));
  } catch (e) {
    setState("error");
    showError(`Could not read ${files.length === 1 ? files[0].name : "the files"} (${message(e)}); check that the file is still there and readable, then open it again.`);
    return;
  }
  haveCapture = true;
  forgetDetection();
  times.wasm = times.js = undefined;
  // The previous disk (if any) is gone once the worker reads something else.
  diskMode = false;
  diskView.hide();
  shownTrack = -1;
  pendingSec = undefined;
  opening = files.length === 1 ? files[0].name : `${files.length} files`;
  // Transfer, not copy: after this call the buffers are detached on this side.
  if (files.length === 1) post({ type: "open", seq: 0, name: files[0].name, bytes: buffers[0], options: options.toString(), backend, ...jobsField(), ...(fused ? {} : { fused }) }, buffers);
  else post({ type: "open-set", seq: 0, files: files.map((f, i) => ({ name: f.name, bytes: buffers[i] })), options: options.toString(), backend, ...jobsField() }, buffers);
}

els.file.addEventListener("change", () => {
  const files = [...(els.file.files ?? [])];
  void openFiles(files);
  els.file.value = "";
});

els.demo.addEventListener("click", () => {
  showError(null);
  haveCapture = true;
  diskMode = false;
  diskView.hide();
  forgetDetection();
  times.wasm = times.js = undefined;
  post({ type: "demo", seq: 0, backend });
});

let dragDepth = 0;
document.addEventListener("dragenter", (e) => {
  if (!e.dataTransfer?.types.includes("Files")) return;
  dragDepth++;
  els.overlay.hidden = false;
});
document.addEventListener("dragleave", () => {
  if (--dragDepth <= 0) { dragDepth = 0; els.overlay.hidden = true; }
});
document.addEventListener("dragover", (e) => {
  if (e.dataTransfer?.types.includes("Files")) e.preventDefault();
});
document.addEventListener("drop", (e) => {
  e.preventDefault();
  dragDepth = 0;
  els.overlay.hidden = true;
  const dt = e.dataTransfer;
  if (!dt) return;
  void droppedFiles(dt).then(openFiles, (err: unknown) => showError(`Cannot read the dropped files: ${message(err)}`));
});

/** The files dropped: a dropped folder (a KryoFlux set's directory) gives the files in it, one level deep. */
async function droppedFiles(dt: DataTransfer): Promise<File[]> {
  const files = [...dt.files];
  const entries = [...dt.items].map((i) => (typeof i.webkitGetAsEntry === "function" ? i.webkitGetAsEntry() : null));
  if (!entries.some((en) => en?.isDirectory)) return files;
  const out: File[] = [];
  for (const en of entries) {
    if (!en) continue;
    if (en.isFile) out.push(await new Promise<File>((res, rej) => (en as FileSystemFileEntry).file(res, rej)));
    else if (en.isDirectory) {
      const reader = (en as FileSystemDirectoryEntry).createReader();
      for (;;) {
        const batch = await new Promise<FileSystemEntry[]>((res, rej) => reader.readEntries(res, rej));
        if (batch.length === 0) break;
        for (const f of batch) if (f.isFile) out.push(await new Promise<File>((res, rej) => (f as FileSystemFileEntry).file(res, rej)));
      }
    }
  }
  return out;
}

// ---------------------------------------------------------------- backend

function setBackend(b: Backend): void {
  backend = b;
  const r = document.querySelector<HTMLInputElement>(`input[name="backend"][value="${b}"]`);
  if (r) r.checked = true;
  writeUrl();
}

for (const r of document.querySelectorAll<HTMLInputElement>('input[name="backend"]')) {
  r.addEventListener("change", () => {
    if (!r.checked) return;
    setBackend(r.value as Backend);
    if (haveCapture && !options.validate()) post(diskMode ? { type: "disk", seq: 0, options: options.toString(), backend, ...jobsField() } : { type: "decode", seq: 0, options: options.toString(), backend });
  });
}

els.compare.addEventListener("click", () => {
  if (haveCapture && !options.validate()) post({ type: "compare", seq: 0, options: options.toString() });
});

function fmtMs(ms: number): string {
  return ms >= 100 ? `${ms.toFixed(0)} ms` : `${ms.toFixed(1)} ms`;
}

function showTimes(): void {
  for (const b of ["wasm", "js"] as const) {
    const el = document.querySelector<HTMLElement>(`[data-time="${b}"]`);
    const t = times[b];
    if (el) el.textContent = t === undefined ? "–" : fmtMs(t);
  }
}

// ---------------------------------------------------------------- results

function showTrack(t: DecodedTrack): void {
  track = t;
  if (t.detection) adoptDetection(t.detection, t.options);
  else if (t.demoOptions !== undefined && t.options === t.demoOptions) {
    options.setString(t.options);
    syncForm();
    writeUrl();
  }
  times[t.backend] = t.decodeMs;
  showTimes();
  els.compare.disabled = false;
  showError(null);

  rows = sectorRows({ records: t.records } as Parameters<typeof sectorRows>[0]);
  spans = rows.map((r) => ({
    start: r.id?.markStart ?? r.data?.markStart ?? 0,
    end: r.data?.crc?.end ?? r.data?.end ?? r.id?.crc?.end ?? r.id?.end ?? 0,
    // a data record recovery verified (corrected, recovered) counts as ok too
    ok: !!(r.id?.crc?.ok && (r.data?.crc?.ok || r.data?.status === "corrected" || r.data?.status === "recovered")),
    label: r.id ? `${r.id.cyl}/${r.id.head}/${r.id.sec}` : "data",
  }));
  notes = sectorResets(rows, t.resets ?? []);
  const keep = selected >= 0 && selected < rows.length ? selected : -1;
  renderSummary(t);
  renderTable();
  histogram.set(t.histogram, t.capture.sampleRate);
  timeline.setData(t.rows, t.capture.sampleRate);
  timeline.setSectors(spans, keep);
  selectRow(keep, { scroll: false, jump: false });
  for (const b of document.querySelectorAll<HTMLButtonElement>("#downloads button")) b.disabled = false;

  const ids = rows.filter((r) => r.id).length;
  const good = rows.filter((r) => r.id?.crc?.ok && r.data?.crc?.ok).length;
  const how = t.detection ? `options detected (${t.detection.confidence} confidence) in ${fmtMs(t.detection.detectMs)}, ` : "";
  const hint = good === 0 && !t.detection && t.demoOptions === undefined && !t.place ? " None verify: try Auto-detect." : "";
  const cut = t.capture.sessionSamples !== undefined ? ` Only the session's first ${fmtTime(t.capture.sampleCount / t.capture.sampleRate)}: see Shown.` : "";
  const trackText = `${t.capture.source}: ${ids} ID records, ${good} sectors with good ID and data CRCs — ${how}decoded in ${fmtMs(t.decodeMs)} (${t.backend === "wasm" ? "Wasm" : "TypeScript"}).${hint}${cut}`;
  const d = currentDisk();
  if (t.place && d) {
    shownTrack = t.place.index;
    diskView.setCurrent(shownTrack);
    if (pendingSec !== undefined) selectSector(pendingSec);
    pendingSec = undefined;
    els.status.textContent = `${diskText(d)} Shown: ${trackText}`;
  } else els.status.textContent = trackText;
  setState("done");
}

// ---------------------------------------------------------------- disks

function diskText(d: DecodedDisk): string {
  const n = d.counts;
  const how = d.detection ? `options detected (${d.detection.confidence} confidence) in ${fmtMs(d.detection.detectMs)}, ` : "";
  const none = SECTOR_STATUSES.every((k) => k === "missing" || n[k] === 0) ? " No sector was read: check the options, or try Auto-detect." : "";
  const counts = SECTOR_STATUSES.filter((k) => k === "good" || k === "bad" || k === "missing" || k === "conflict" || n[k] > 0).map((k) => `${n[k]} ${k}`).join(", ");
  return `${d.source}: ${d.tracks.length} track${d.tracks.length === 1 ? "" : "s"}, ${counts} sectors — ` +
    `${how}every track decoded in ${fmtMs(d.decodeMs)} (${d.backend === "wasm" ? "Wasm" : "TypeScript"}${d.workers.used > 1 ? `, ${d.workers.used} workers` : ""}).${none}`;
}

function showDisk(d: DecodedDisk): void {
  diskMode = true;
  if (d.detection) adoptDetection(d.detection, d.options);
  diskView.show(d);
  els.downloadImg.disabled = false;
  els.downloadImg.textContent = `Disk image (.img, ${d.image.length.toLocaleString("en-US")} bytes)`;
  els.downloadMap.disabled = false;
  els.downloadImd.disabled = !d.imd;
  els.downloadImd.textContent = d.imd ? `ImageDisk (.imd, ${d.imd.length.toLocaleString("en-US")} bytes)` : "ImageDisk (.imd)";
  els.downloadImd.title = d.imd ? "ImageDisk: every track with its mode, sector numbering and each sector's status" : `No ImageDisk file for this disk: ${d.imdError ?? "not available"}`;
  els.status.textContent = diskText(d);
  // The track views show the track shown before (new options) or the first one.
  const keep = shownTrack >= 0 && shownTrack < d.tracks.length ? shownTrack : d.rows.find((r) => r.track >= 0)?.track ?? d.tracks.findIndex((t) => t.error === undefined);
  if (keep >= 0) openTrack(keep, pendingSec);
  else setState("done");
}

/** Decodes one track of the held disk for the track views (nothing to do when it is the one shown). */
function openTrack(index: number, sec?: { cyl: number; head: number; sec: number }): void {
  const d = currentDisk();
  if (!d) return;
  if (index === shownTrack && track?.place?.index === index && document.body.dataset.state !== "busy") {
    if (sec !== undefined) selectSector(sec);
    return;
  }
  pendingSec = sec;
  post({ type: "track", seq: 0, index, options: d.options, backend });
}

diskView.onOpen = (row: DiskRow, cell: DiskCell | undefined) => {
  const index = cell && cell.track >= 0 ? cell.track : row.track;
  if (index < 0) {
    els.status.textContent = `cyl ${row.cyl} head ${row.head} is not in the file.`;
    return;
  }
  openTrack(index, cell ? { cyl: row.cyl, head: row.head, sec: cell.sec } : undefined);
};

/** Selects a sector in the track shown: its (cyl, head, sec) header, else its number alone; a good copy first. */
function selectSector(want: { cyl: number; head: number; sec: number }): void {
  const exact = (r: SectorRow) => r.id?.sec === want.sec && r.id.cyl === want.cyl && r.id.head === want.head;
  const bySec = (r: SectorRow) => r.id?.sec === want.sec;
  for (const match of [exact, bySec]) {
    let i = rows.findIndex((r) => match(r) && r.id?.crc?.ok && r.data?.crc?.ok);
    if (i < 0) i = rows.findIndex((r) => match(r) && r.id?.crc?.ok);
    if (i < 0) i = rows.findIndex(match);
    if (i >= 0) {
      selectRow(i, { scroll: false, jump: true });
      return;
    }
  }
}

// ---------------------------------------------------------------- detection

/**
 * The worker detected options: the form takes the option string it decoded
 * with, the fields detection set are marked, and the URL carries the string.
 */
function adoptDetection(d: TrackDetection, decoded: string): void {
  const asked = new OptionState();
  try {
    asked.setString(d.requested);
  } catch {
    // the page sent it, so it parses; a failure only means nothing counts as given
  }
  const given = asked.fixedKeys();
  options.setString(decoded);
  detection = d;
  // Keys detected now get their new value; marks from an earlier detection of
  // this capture stay on the fields that still hold what it found.
  for (const [k, v] of Object.entries(parseOptionString(decoded)) as [OptionKey, string | number][]) {
    if (DETECTED_KEYS.has(k) && !given.has(k)) detectedValues.set(k, String(v));
  }
  showOptError(null);
  syncForm();
  writeUrl();
  renderDetection();
}

function forgetDetection(): void {
  detection = undefined;
  detectedValues.clear();
  syncForm();
  renderDetection();
}

function renderDetection(): void {
  const d = detection;
  els.detection.hidden = !d;
  if (!d) return;
  els.detection.dataset.confidence = d.confidence;
  const n = [...detectedValues].filter(([k, v]) => options.get(k, specs.find((x) => x.key === k)?.def ?? "") === v).length;
  els.detectSummary.textContent = `Detected ${n} option${n === 1 ? "" : "s"} in ${fmtMs(d.detectMs)}:`;
  els.confidence.textContent = `${d.confidence} confidence`;
  els.confidence.className = `confidence ${d.confidence}`;
  const crc = (what: string, c: TrackDetection["headerCrc"]) =>
    c ? `${what} check ${c.width}-bit, poly ${c.poly}, init ${c.init} (${c.source}; ${c.matches}/${c.total} records verify)` : `${what} check: not found`;
  els.detectCrc.textContent = `${crc("ID", d.headerCrc)}. ${crc("Data", d.dataCrc)}.`;
  // Evidence text is shown as text, never parsed as HTML.
  els.detectMissing.replaceChildren(...(d.confidence === "high" ? [] : d.missing).map((m) => {
    const li = document.createElement("li");
    li.textContent = m;
    return li;
  }));
  if (d.confidence !== "high" && d.missing.length === 0) {
    const li = document.createElement("li");
    li.textContent = "Not certain; check the sectors, or set the options you know.";
    els.detectMissing.append(li);
  }
  els.detectMissing.hidden = els.detectMissing.childElementCount === 0;
}

function renderSummary(t: DecodedTrack): void {
  const c = t.capture, s = t.stats;
  const dur = c.sampleCount / c.sampleRate;
  const items: [string, string][] = [
    ["Capture", c.source],
    ...(c.description ? [["About", c.description] as [string, string]] : []),
    ["Samples", `${c.sampleCount.toLocaleString("en-US")} at ${fmtRate(c.sampleRate)} (${fmtTime(dur)})`],
    ...(c.sessionSamples !== undefined
      ? [["Shown", `the first ${fmtTime(dur)} of a ${fmtTime(c.sessionSamples / c.sampleRate)} session (${c.sessionSamples.toLocaleString("en-US")} samples): the page decodes up to 64 MiB of samples; the diskflux command line decodes all of it, streamed`] as [string, string]]
      : []),
    ...(c.revolutions ? [["Revolutions", c.revolutions > 1 ? `${c.revolutions}, back to back: a sector read in each is a row in each` : "1"] as [string, string]] : []),
    ["Channels", c.channels.map((name, i) => `${name}${["data", "index", "suppress"][i] ? ` (${["data", "index", "suppress"][i]})` : ""}`).join(", ")],
    ...(c.fileBytes ? [["File", `${c.fileBytes.toLocaleString("en-US")} bytes, read in ${fmtMs(c.readMs)}${c.fused ? " (straight to edges)" : ""}`] as [string, string]] : []),
    ...(t.detection ? [["Detected", `${t.detection.confidence} confidence, in ${fmtMs(t.detection.detectMs)}`] as [string, string]] : []),
    ["Decoded", `${fmtMs(t.decodeMs)} with ${t.backend === "wasm" ? "Wasm" : "TypeScript"} (incl. the byte log for the timeline)`],
    ["Marks", `IDAM ${s.IDAM} · DAM ${s.DAM} · DDAM ${s.DDAM} · IAM ${s.IAM}`],
    ["CRC", `${s.CRC_OK} OK · ${s.CRC_err} error`],
    ["Pulses", `${s.Intrvls.toLocaleString("en-US")} · out of tolerance ${s.OoTI} · clock errors ${s.CkEr}`],
  ];
  els.summary.replaceChildren(...items.flatMap(([k, v]) => {
    const dt = document.createElement("dt");
    dt.textContent = k;
    const dd = document.createElement("dd");
    dd.textContent = v;
    if (k === "CRC" && s.CRC_err > 0) dd.className = "crc bad";
    return [dt, dd];
  }));
}

function fmtRate(hz: number): string {
  return hz >= 1e6 ? `${+(hz / 1e6).toPrecision(4)} MHz` : `${+(hz / 1e3).toPrecision(4)} kHz`;
}

function fmtTime(s: number): string {
  return s >= 1 ? `${s.toFixed(3)} s` : s >= 1e-3 ? `${+(s * 1e3).toPrecision(5)} ms` : `${+(s * 1e6).toPrecision(5)} µs`;
}

type Crc = { ok: boolean; read: string; computed: string } | undefined;

function crcCell(c: Crc, present: boolean): HTMLTableCellElement {
  const td = document.createElement("td");
  if (!present || !c) {
    td.className = "crc none";
    td.textContent = present ? "incomplete" : "no data";
    return td;
  }
  td.className = c.ok ? "crc ok" : "crc bad";
  td.textContent = c.ok ? "OK" : "BAD";
  td.title = c.ok ? `CRC OK ${c.read}` : `CRC error: read ${c.read}, computed ${c.computed}`;
  return td;
}

/** The data record's status (src/recover/status.ts; the worker decodes with recovery), coloured as on the disk grid. */
function statusCell(r: SectorRow, why: ResetNote | undefined): HTMLTableCellElement {
  const td = document.createElement("td");
  const d = r.data;
  const status = d?.status ?? (d ? (d.crc?.ok ? "good" : "bad") : "missing");
  td.className = `status s-${status}`;
  td.dataset.status = status;
  td.textContent = status;
  const how = d?.recovery;
  if (how?.how === "ecc") td.title = `ECC corrected a ${how.bits}-bit burst at bit ${how.startBit}`;
  else if (how?.how === "pll") td.title = `read again with pll_kp=${how.kp} pll_ki=${how.ki} tolerance ${how.syncTolerance}; ${how.agreeing} agree`;
  // the sector over all its copies (revolutions), when that differs from this copy: "bad · sector voted"
  const id = r.id;
  const merged = id?.crc?.ok ? track?.sectors?.find((m) => m.cyl === id.cyl && m.head === id.head && m.sec === id.sec) : undefined;
  if (merged && merged.copies > 1 && merged.status !== status) {
    td.textContent = `${status} · sector ${merged.status}`;
    td.dataset.sectorStatus = merged.status;
    td.title = [td.title, `the sector over its ${merged.copies} copies: ${merged.status}${merged.how ? ` (${merged.how})` : ""}`].filter((x) => x).join("; ");
  }
  // diskflux-only: why a record was cut short or is missing, as a note (a circled "i", drawn by the style
  // sheet: the cell's text stays the status) with its text as the tooltip
  if (why) {
    const note = document.createElement("span");
    note.className = "reset-note";
    note.setAttribute("role", "note");
    note.setAttribute("aria-label", resetText(why));
    td.append(note);
    td.title = [td.title, resetText(why)].filter((x) => x).join("; ");
  }
  return td;
}

function renderTable(): void {
  // the status column (the page's HTML has eight)
  const head = document.querySelector<HTMLTableRowElement>("#sectors thead tr");
  if (head && !head.querySelector("th[data-col=status]")) {
    const th = document.createElement("th");
    th.dataset.col = "status";
    th.textContent = "status";
    head.append(th);
  }
  const sr = track?.capture.sampleRate ?? 1;
  const out: HTMLTableRowElement[] = rows.map((r, i) => {
    const tr = document.createElement("tr");
    tr.tabIndex = -1;
    tr.dataset.index = String(i);
    tr.setAttribute("aria-selected", "false");
    const td = (text: string) => {
      const d = document.createElement("td");
      d.textContent = text;
      return d;
    };
    const why = notes[i];
    if (why) tr.dataset.reset = why.reason;
    if (r.id) {
      tr.setAttribute("data-testid", "sector");
      tr.dataset.cyl = String(r.id.cyl);
      tr.dataset.head = String(r.id.head);
      tr.dataset.sec = String(r.id.sec);
      tr.dataset.len = String(r.id.len);
      tr.dataset.idCrc = r.id.crc ? (r.id.crc.ok ? "ok" : "bad") : "none";
      tr.dataset.dataCrc = r.data?.crc ? (r.data.crc.ok ? "ok" : "bad") : "none";
      tr.append(td(String(i + 1)), td(String(r.id.cyl)), td(String(r.id.head)), td(String(r.id.sec)), td(String(r.id.len)),
        crcCell(r.id.crc, true), crcCell(r.data?.crc, !!r.data));
    } else {
      tr.className = "orphan";
      tr.setAttribute("data-testid", "orphan-data");
      tr.append(td(String(i + 1)), td("–"), td("–"), td("–"), td(String(r.data?.bytes.length ?? 0)), crcCell(undefined, false), crcCell(r.data?.crc, true));
      tr.cells[5].textContent = "no ID";
    }
    tr.append(td(fmtTime(spans[i].start / sr)), statusCell(r, why));
    tr.addEventListener("click", () => selectRow(i, { scroll: false, jump: true }));
    return tr;
  });
  if (out.length === 0) {
    const tr = document.createElement("tr");
    const d = document.createElement("td");
    d.colSpan = 9;
    d.textContent = "No ID or data records found. Check the format, data rate and CRC options.";
    d.style.textAlign = "left";
    tr.append(d);
    out.push(tr);
  }
  els.tbody.replaceChildren(...out);
  const first = els.tbody.querySelector<HTMLTableRowElement>("tr[data-index]");
  if (first) first.tabIndex = 0;
}

// Arrow keys move through the table; Enter/Space select.
els.tbody.addEventListener("keydown", (e) => {
  const tr = (e.target as HTMLElement).closest<HTMLTableRowElement>("tr[data-index]");
  if (!tr) return;
  const i = Number(tr.dataset.index);
  let next = i;
  if (e.key === "ArrowDown") next = Math.min(rows.length - 1, i + 1);
  else if (e.key === "ArrowUp") next = Math.max(0, i - 1);
  else if (e.key === "Home") next = 0;
  else if (e.key === "End") next = rows.length - 1;
  else if (e.key === "Enter" || e.key === " ") {
    selectRow(i, { scroll: false, jump: true });
    e.preventDefault();
    return;
  } else return;
  e.preventDefault();
  selectRow(next, { scroll: true, jump: true, focus: true });
});

function selectRow(i: number, how: { scroll: boolean; jump: boolean; focus?: boolean }): void {
  selected = i;
  for (const tr of els.tbody.querySelectorAll<HTMLTableRowElement>("tr[data-index]")) {
    const on = Number(tr.dataset.index) === i;
    tr.setAttribute("aria-selected", on ? "true" : "false");
    tr.tabIndex = on || (i < 0 && tr.dataset.index === "0") ? 0 : -1;
    if (on && how.focus) tr.focus();
    if (on && how.scroll) tr.scrollIntoView({ block: "nearest" });
  }
  timeline.select(i);
  const r = rows[i];
  if (!r) {
    els.hexHeading.textContent = "Sector data";
    els.hex.textContent = "Select a sector to see its bytes.";
    els.downloadSector.disabled = true;
    return;
  }
  if (how.jump) timeline.show(spans[i].start, spans[i].end);
  const name = r.id ? `cyl ${r.id.cyl} head ${r.id.head} sec ${r.id.sec}` : `data record ${i + 1}`;
  const data = r.data?.bytes;
  els.hexHeading.textContent = `Sector data — ${name}`;
  if (data?.length) {
    renderHex(els.hex, data, `${data.length} bytes · ID ${crcText(r.id?.crc)} · data ${crcText(r.data?.crc)}${notes[i] ? ` · ${resetText(notes[i]!)}` : ""}`);
    els.downloadSector.disabled = false;
    els.downloadSector.textContent = `Download sector (${data.length} bytes)`;
  } else {
    els.hex.textContent = r.data ? "The data record is empty (the capture ends inside it)." : "This sector has no data record in the capture.";
    if (notes[i]) els.hex.textContent += ` ${resetText(notes[i]!)}.`;
    els.downloadSector.disabled = true;
    els.downloadSector.textContent = "Download sector";
  }
}

function crcText(c: Crc): string {
  if (!c) return "CRC missing";
  return c.ok ? `CRC OK ${c.read}` : `CRC BAD read ${c.read}, computed ${c.computed}`;
}

function renderHex(pre: HTMLElement, data: Uint8Array, caption: string): void {
  const lines: string[] = [`; ${caption}`];
  for (let o = 0; o < data.length; o += 16) {
    let hex = "", asc = "";
    for (let j = 0; j < 16; j++) {
      if (o + j < data.length) {
        const b = data[o + j];
        hex += b.toString(16).padStart(2, "0") + (j === 7 ? "  " : " ");
        asc += b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : ".";
      } else hex += j === 7 ? "    " : "   ";
    }
    lines.push(`${o.toString(16).padStart(4, "0")}  ${hex} |${asc}|`);
  }
  pre.textContent = lines.join("\n");
}

timeline.onPick = (sample) => {
  const i = spans.findIndex((s) => sample >= s.start && sample <= s.end);
  if (i >= 0) selectRow(i, { scroll: true, jump: false });
};

timeline.onView = (start, span) => {
  if (!track) { els.readout.textContent = ""; return; }
  const sr = track.capture.sampleRate;
  els.readout.textContent = `${fmtTime(start / sr)} – ${fmtTime((start + span) / sr)} of ${fmtTime(track.capture.sampleCount / sr)}`;
};

$("#zoom-in").addEventListener("click", () => timeline.zoom(0.5));
$("#zoom-out").addEventListener("click", () => timeline.zoom(2));
$("#zoom-fit").addEventListener("click", () => timeline.fit());

// ---------------------------------------------------------------- downloads

function stem(): string {
  const d = currentDisk();
  if (d && track?.place && track.place.cyl >= 0) return `${d.stem}.c${track.place.cyl}h${track.place.head}`;
  return (track?.capture.source ?? "capture").replace(/\.(sr|dsl)$/i, "");
}

function download(name: string, data: Uint8Array | string, type: string): void {
  const blob = new Blob([data as BlobPart], { type });
  const url = URL.createObjectURL(blob);
  const a = document.createElement("a");
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 30_000);
}

for (const b of document.querySelectorAll<HTMLButtonElement>("#downloads button[data-bin]")) {
  const name = b.dataset.bin as keyof DecodedTrack["binary"];
  b.title = `Download the ${name} stream as <capture>.${name}.bin`;
  b.addEventListener("click", () => {
    if (track) download(`${stem()}.${name}.bin`, track.binary[name], "application/octet-stream");
  });
}

const hexOf = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");

els.downloadJson.addEventListener("click", () => {
  if (!track) return;
  const t = track;
  const json = JSON.stringify({
    source: t.capture.source,
    options: t.options,
    backend: t.backend,
    sampleRate: t.capture.sampleRate,
    sampleCount: t.capture.sampleCount,
    stats: t.stats,
    records: t.records.map((r) => ({ ...r, bytes: hexOf(r.bytes) })),
  }, null, 1);
  download(`${stem()}.records.json`, json, "application/json");
});

els.downloadImg.addEventListener("click", () => {
  const d = currentDisk();
  if (d) download(`${d.stem}.img`, d.image, "application/octet-stream");
});

els.downloadImd.addEventListener("click", () => {
  const d = currentDisk();
  if (d?.imd) download(`${d.stem}.imd`, d.imd, "application/octet-stream");
});

els.downloadMap.addEventListener("click", () => {
  const d = currentDisk();
  if (d) download(`${d.stem}.map.txt`, d.map, "text/plain");
});

els.downloadSector.addEventListener("click", () => {
  const r = rows[selected];
  const data = r?.data?.bytes;
  if (!data) return;
  const id = r.id ? `c${r.id.cyl}h${r.id.head}s${r.id.sec}` : `record${selected + 1}`;
  download(`${stem()}.${id}.bin`, data, "application/octet-stream");
});

// ---------------------------------------------------------------- start

buildForm();
syncForm();
setBackend(backend);
writeUrl();
timeline.onView(0, 0);
histogram.set(undefined);

/** Hooks for the end-to-end test and for tuning in the console. */
(window as unknown as { __diskflux: unknown }).__diskflux = {
  timeline,
  get track() { return track; },
  get detection() { return detection; },
  get disk() { return currentDisk(); },
  /** ms per timeline draw: whole track, a quarter, and a 2000-sample window in the middle. */
  benchTimeline(n = 10): number {
    const total = track?.capture.sampleCount ?? 1;
    const v = timeline.view;
    const ms = timeline.benchmark([{ start: 0, span: total }, { start: total / 4, span: total / 4 }, { start: total / 2, span: 2000 }], n);
    timeline.setView(v.start, v.span);
    return ms;
  },
};
