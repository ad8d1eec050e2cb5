// A zoomable, scrollable canvas timeline of the annotation rows, with an
// overview strip (the whole track, sector positions, the visible window) that
// works as its scrollbar.
//
// Drawing cost is bounded by what is visible: each row is sorted by start, so a
// binary search finds the first visible item and the loop stops at the right
// edge. When items are narrower than two pixels (zoomed out), they are merged
// per pixel column — one 1-px bar per column, an error colour winning over a
// normal one — instead of drawing tens of items on the same pixel, and no labels
// are laid out. Redraws happen at most once per animation frame.
import { C, type Row, type TimelineRows } from "./rows.js";

export interface SectorSpan {
  start: number;
  end: number;
  ok: boolean;
  label: string;
}

const ROW_H = 22;
const AXIS_H = 20;
const LABEL_W = 64;
const FONT = "11px ui-monospace, SFMono-Regular, Menlo, Consolas, monospace";
const CHAR_W = 6.7;

/** fill, stroke/text per class. */
const COLORS: Record<number, [string, string]> = {
  [C.PULSE]: ["#cfe3ff", "#1f5fbf"],
  [C.PULSE_BAD]: ["#ffd0cc", "#b3261e"],
  [C.WINDOW]: ["#eceff3", "#6b7280"],
  [C.WINDOW_PULSE]: ["#d7e8d0", "#2e6b1f"],
  [C.BIT]: ["#f1ecff", "#5b3fa6"],
  [C.BYTE]: ["#fff3c4", "#7a5b00"],
  [C.BYTE_MARK]: ["#ffe0b3", "#8a4500"],
  [C.BYTE_CLKERR]: ["#ffd0cc", "#b3261e"],
  [C.SYNC]: ["#e0f2f1", "#00695c"],
  [C.MARK]: ["#ffe0b3", "#8a4500"],
  [C.IDREC]: ["#dbeafe", "#1e40af"],
  [C.DATAREC]: ["#e0e7ff", "#3730a3"],
  [C.CRC_OK]: ["#c8f0c8", "#17631a"],
  [C.CRC_BAD]: ["#ffd0cc", "#b3261e"],
  [C.ERROR]: ["#ffb4ab", "#8c1d18"],
  [C.REPORT]: ["#e8eaed", "#3c4043"],
  [C.PREFIX]: ["#efe6dd", "#6d4c41"],
};
/** Colour of merged pixel columns (zoomed out): calmer than the ink, errors stay loud. */
const LOD: Record<number, string> = {
  [C.PULSE]: "#7fa7e0",
  [C.PULSE_BAD]: "#b3261e",
  [C.WINDOW]: "#c3c9d2",
  [C.WINDOW_PULSE]: "#c3c9d2",
  [C.BIT]: "#b3a3e0",
  [C.BYTE]: "#dcc15a",
  [C.BYTE_MARK]: "#e39a4c",
  [C.BYTE_CLKERR]: "#b3261e",
  [C.SYNC]: "#4db6ac",
  [C.MARK]: "#e39a4c",
  [C.IDREC]: "#6b93e6",
  [C.DATAREC]: "#8b8fe0",
  [C.CRC_OK]: "#34a853",
  [C.CRC_BAD]: "#b3261e",
  [C.ERROR]: "#b3261e",
  [C.REPORT]: "#9aa0a6",
  [C.PREFIX]: "#a1887f",
};
/** Drawn over others in a merged pixel column. */
const PRIORITY = (cls: number) => (cls === C.PULSE_BAD || cls === C.BYTE_CLKERR || cls === C.CRC_BAD || cls === C.ERROR ? 2 : 1);

function lowerBound(a: Float64Array, x: number): number {
  let lo = 0, hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid] < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export class Timeline {
  private rows: Row[] = [];
  private sampleCount = 0;
  private sampleRate = 1;
  private sectors: SectorSpan[] = [];
  private selected = -1;
  /** Visible range in samples. */
  private viewStart = 0;
  private viewSpan = 1;
  private frame = 0;
  private width = 0;
  private dpr = 1;
  private drag: { x: number; start: number; moved: boolean } | undefined;
  private overviewDrag = false;
  /** Called with a sample number when the user clicks (not drags) on the timeline. */
  onPick: (sample: number) => void = () => {};
  /** Called after the view changes (for the position readout). */
  onView: (start: number, span: number) => void = () => {};

  constructor(private readonly canvas: HTMLCanvasElement, private readonly overview: HTMLCanvasElement) {
    canvas.addEventListener("wheel", (e) => this.wheel(e), { passive: false });
    canvas.addEventListener("pointerdown", (e) => this.pointerDown(e));
    canvas.addEventListener("pointermove", (e) => this.pointerMove(e));
    canvas.addEventListener("pointerup", (e) => this.pointerUp(e));
    canvas.addEventListener("keydown", (e) => this.key(e));
    overview.addEventListener("pointerdown", (e) => { this.overviewDrag = true; overview.setPointerCapture(e.pointerId); this.overviewTo(e); });
    overview.addEventListener("pointermove", (e) => { if (this.overviewDrag) this.overviewTo(e); });
    overview.addEventListener("pointerup", () => { this.overviewDrag = false; });
    overview.addEventListener("keydown", (e) => this.key(e));
    new ResizeObserver(() => this.resize()).observe(canvas);
    this.resize();
  }

  setData(t: TimelineRows, sampleRate: number): void {
    this.rows = t.rows;
    this.sampleCount = Math.max(1, t.sampleCount);
    this.sampleRate = sampleRate;
    this.sizeCanvas();
    this.fit();
  }

  clear(): void {
    this.rows = [];
    this.sectors = [];
    this.sampleCount = 0;
    this.request();
  }

  setSectors(sectors: SectorSpan[], selected = -1): void {
    this.sectors = sectors;
    this.selected = selected;
    this.request();
  }

  select(i: number): void {
    this.selected = i;
    this.request();
  }

  /** Shows [start, end] with a margin. */
  show(start: number, end: number): void {
    const span = Math.max(end - start, 32);
    this.setView(start - span * 0.05, span * 1.1);
  }

  fit(): void {
    this.setView(0, this.sampleCount);
  }

  zoom(factor: number, anchorFraction = 0.5): void {
    const anchor = this.viewStart + this.viewSpan * anchorFraction;
    const span = this.viewSpan * factor;
    this.setView(anchor - span * anchorFraction, span);
  }

  pan(fraction: number): void {
    this.setView(this.viewStart + this.viewSpan * fraction, this.viewSpan);
  }

  get view(): { start: number; span: number } {
    return { start: this.viewStart, span: this.viewSpan };
  }

  setView(start: number, span: number): void {
    const total = this.sampleCount || 1;
    const s = Math.min(total, Math.max(16, span));
    this.viewSpan = s;
    this.viewStart = Math.min(Math.max(0, start), Math.max(0, total - s));
    this.onView(this.viewStart, this.viewSpan);
    this.request();
  }

  /** Draws synchronously n times over the given views; returns ms per draw (for tests and tuning). */
  benchmark(views: { start: number; span: number }[], n = 10): number {
    const t0 = performance.now();
    for (let k = 0; k < n; k++) for (const v of views) { this.viewStart = v.start; this.viewSpan = v.span; this.draw(); }
    return (performance.now() - t0) / (n * views.length);
  }

  private request(): void {
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.draw();
    });
  }

  private resize(): void {
    this.sizeCanvas();
  }

  private sizeCanvas(): void {
    this.dpr = window.devicePixelRatio || 1;
    this.width = Math.max(100, this.canvas.clientWidth);
    const h = AXIS_H + Math.max(6, this.rows.length) * ROW_H + 4;
    this.canvas.style.height = `${h}px`;
    this.canvas.width = Math.round(this.width * this.dpr);
    this.canvas.height = Math.round(h * this.dpr);
    this.overview.width = Math.round(Math.max(100, this.overview.clientWidth) * this.dpr);
    this.overview.height = Math.round(Math.max(10, this.overview.clientHeight) * this.dpr);
    this.request();
  }

  private draw(): void {
    this.drawMain();
    this.drawOverview();
  }

  private drawMain(): void {
    const ctx = this.canvas.getContext("2d");
    if (!ctx) return;
    const W = this.width, H = this.canvas.height / this.dpr;
    ctx.setTransform(this.dpr, 0, 0, this.dpr, 0, 0);
    ctx.fillStyle = "#ffffff";
    ctx.fillRect(0, 0, W, H);
    ctx.font = FONT;
    ctx.textBaseline = "middle";
    if (this.rows.length === 0) {
      ctx.fillStyle = "#5f6368";
      ctx.fillText("No capture yet: open a .sr / .dsl file or load the demo.", 12, H / 2);
      return;
    }
    const plotW = W - LABEL_W;
    const v0 = this.viewStart, span = this.viewSpan, v1 = v0 + span;
    const k = plotW / span; // px per sample

    // selected sector band
    const sel = this.sectors[this.selected];
    if (sel && sel.end >= v0 && sel.start <= v1) {
      ctx.fillStyle = "rgba(255, 214, 0, 0.18)";
      const x0 = LABEL_W + Math.max(0, (sel.start - v0) * k), x1 = LABEL_W + Math.min(plotW, (sel.end - v0) * k);
      ctx.fillRect(x0, AXIS_H, Math.max(1, x1 - x0), H - AXIS_H);
    }

    this.drawAxis(ctx, plotW, k);

    ctx.save();
    ctx.beginPath();
    ctx.rect(LABEL_W, AXIS_H, plotW, H - AXIS_H);
    ctx.clip();
    for (let r = 0; r < this.rows.length; r++) this.drawRow(ctx, this.rows[r], AXIS_H + r * ROW_H, k, v0, v1, plotW);
    ctx.restore();

    // row names
    ctx.fillStyle = "#f6f7f9";
    ctx.fillRect(0, AXIS_H, LABEL_W - 2, H - AXIS_H);
    ctx.fillStyle = "#202124";
    for (let r = 0; r < this.rows.length; r++) ctx.fillText(this.rows[r].name, 6, AXIS_H + r * ROW_H + ROW_H / 2);
    ctx.strokeStyle = "#dadce0";
    ctx.beginPath();
    for (let r = 0; r <= this.rows.length; r++) {
      const y = AXIS_H + r * ROW_H + 0.5;
      ctx.moveTo(0, y);
      ctx.lineTo(W, y);
    }
    ctx.stroke();
  }

  private drawAxis(ctx: CanvasRenderingContext2D, plotW: number, k: number): void {
    const v0 = this.viewStart, span = this.viewSpan;
    ctx.fillStyle = "#f6f7f9";
    ctx.fillRect(0, 0, LABEL_W + plotW, AXIS_H);
    // tick step: 1, 2, 5 × 10^n seconds, about every 110 px
    const secPerPx = 1 / (k * this.sampleRate);
    const raw = secPerPx * 110;
    const p = 10 ** Math.floor(Math.log10(raw));
    const step = [1, 2, 5, 10].map((m) => m * p).find((s) => s >= raw) ?? raw;
    const unit = step >= 1e-3 ? ["ms", 1e3] : step >= 1e-6 ? ["µs", 1e6] : ["ns", 1e9];
    const t0 = v0 / this.sampleRate, t1 = (v0 + span) / this.sampleRate;
    ctx.fillStyle = "#3c4043";
    ctx.strokeStyle = "#c4c7c5";
    ctx.beginPath();
    for (let t = Math.ceil(t0 / step) * step; t <= t1; t += step) {
      const x = LABEL_W + (t * this.sampleRate - v0) * k;
      ctx.moveTo(Math.round(x) + 0.5, AXIS_H - 6);
      ctx.lineTo(Math.round(x) + 0.5, AXIS_H);
      const val = t * (unit[1] as number);
      ctx.fillText(`${Number(val.toPrecision(6))} ${unit[0]}`, x + 3, AXIS_H / 2 - 1);
    }
    ctx.stroke();
    ctx.fillStyle = "#f6f7f9";
    ctx.fillRect(0, 0, LABEL_W - 2, AXIS_H);
    ctx.fillStyle = "#5f6368";
    ctx.fillText("time", 6, AXIS_H / 2);
  }

  private drawRow(ctx: CanvasRenderingContext2D, row: Row, y: number, k: number, v0: number, v1: number, plotW: number): void {
    const n = row.start.length;
    const { start, end, cls } = row;
    let i = lowerBound(start, v0 - row.maxLen);
    let lastCol = -1, lastPri = 0;
    const top = y + 3, h = ROW_H - 6;
    for (; i < n; i++) {
      const s = start[i];
      if (s > v1) break;
      const e = end[i];
      if (e < v0) continue;
      const x0 = LABEL_W + (s - v0) * k, x1 = LABEL_W + (e - v0) * k;
      const c = cls[i];
      if (x1 - x0 < 2) {
        // level of detail: one bar per pixel column
        const col = Math.floor(x0);
        const pri = PRIORITY(c);
        if (col === lastCol && pri <= lastPri) continue;
        lastCol = col;
        lastPri = pri;
        ctx.fillStyle = LOD[c];
        ctx.fillRect(col, top, Math.max(1, Math.ceil(x1) - col), h);
        continue;
      }
      lastCol = -1;
      const [fill, ink] = COLORS[c];
      const bx0 = Math.max(x0, LABEL_W - 2), bx1 = Math.min(x1, LABEL_W + plotW + 2);
      ctx.fillStyle = fill;
      ctx.fillRect(bx0, top, bx1 - bx0, h);
      ctx.strokeStyle = ink;
      ctx.strokeRect(Math.round(bx0) + 0.5, top + 0.5, Math.max(1, Math.round(bx1 - bx0) - 1), h - 1);
      const w = bx1 - bx0;
      if (w > 3 * CHAR_W) {
        let text = row.text[row.value[i]] ?? "";
        const fit = Math.floor((w - 6) / CHAR_W);
        if (text.length > fit) text = fit >= 3 ? text.slice(0, fit - 1) + "…" : "";
        if (text) {
          ctx.fillStyle = ink;
          ctx.fillText(text, bx0 + 3, y + ROW_H / 2);
        }
      }
    }
  }

  private drawOverview(): void {
    const ctx = this.overview.getContext("2d");
    if (!ctx) return;
    const W = this.overview.width / this.dpr, H = this.overview.height / this.dpr;
    ctx.setTransform(this.dpr, 0, 0, this.dpr, 0, 0);
    ctx.fillStyle = "#eef0f3";
    ctx.fillRect(0, 0, W, H);
    if (!this.sampleCount || this.rows.length === 0) return;
    const k = W / this.sampleCount;
    // pulse density as a faint background (LOD over the whole track)
    const pulses = this.rows[0];
    ctx.fillStyle = "#c9d3e0";
    let last = -1;
    for (let i = 0; i < pulses.start.length; i++) {
      const col = Math.floor(pulses.end[i] * k);
      if (col === last) continue;
      last = col;
      ctx.fillRect(col, H - 6, 1, 4);
    }
    this.sectors.forEach((s, i) => {
      ctx.fillStyle = i === this.selected ? "#f9ab00" : s.ok ? "#34a853" : "#d93025";
      const x0 = s.start * k;
      ctx.fillRect(x0, 4, Math.max(2, (s.end - s.start) * k), H - 12);
    });
    // the visible window: everything outside it dimmed, a frame around it
    const vx = this.viewStart * k, vw = Math.max(3, this.viewSpan * k);
    ctx.fillStyle = "rgba(32, 33, 36, 0.28)";
    ctx.fillRect(0, 0, vx, H);
    ctx.fillRect(vx + vw, 0, W - vx - vw, H);
    ctx.strokeStyle = "#1a73e8";
    ctx.lineWidth = 2;
    ctx.strokeRect(vx + 1, 1, vw - 2, H - 2);
    ctx.lineWidth = 1;
  }

  /** Viewport x of a sample number (for tests and tooltips). */
  clientXOf(sample: number): number {
    const rect = this.canvas.getBoundingClientRect();
    return rect.left + LABEL_W + ((sample - this.viewStart) / this.viewSpan) * (this.width - LABEL_W);
  }

  private sampleAt(clientX: number): number {
    const rect = this.canvas.getBoundingClientRect();
    const x = clientX - rect.left - LABEL_W;
    return this.viewStart + (x / (this.width - LABEL_W)) * this.viewSpan;
  }

  private wheel(e: WheelEvent): void {
    if (this.rows.length === 0) return;
    e.preventDefault();
    const rect = this.canvas.getBoundingClientRect();
    const frac = Math.min(1, Math.max(0, (e.clientX - rect.left - LABEL_W) / (this.width - LABEL_W)));
    // Shift+wheel (some platforms turn it into deltaX) and horizontal trackpad swipes scroll; the wheel zooms.
    const dx = e.shiftKey ? e.deltaY || e.deltaX : e.deltaX;
    const dz = e.shiftKey ? 0 : e.deltaY;
    if (Math.abs(dx) > Math.abs(dz)) {
      this.pan(dx / (this.width - LABEL_W));
    } else if (dz !== 0) {
      this.zoom(Math.exp(dz * 0.0015), frac);
    }
  }

  private pointerDown(e: PointerEvent): void {
    if (this.rows.length === 0) return;
    this.canvas.setPointerCapture(e.pointerId);
    this.drag = { x: e.clientX, start: this.viewStart, moved: false };
  }

  private pointerMove(e: PointerEvent): void {
    if (!this.drag) return;
    const dx = e.clientX - this.drag.x;
    if (Math.abs(dx) > 3) this.drag.moved = true;
    if (this.drag.moved) this.setView(this.drag.start - (dx / (this.width - LABEL_W)) * this.viewSpan, this.viewSpan);
  }

  private pointerUp(e: PointerEvent): void {
    const d = this.drag;
    this.drag = undefined;
    if (d && !d.moved) this.onPick(this.sampleAt(e.clientX));
  }

  private overviewTo(e: PointerEvent): void {
    const rect = this.overview.getBoundingClientRect();
    const frac = (e.clientX - rect.left) / rect.width;
    this.setView(frac * this.sampleCount - this.viewSpan / 2, this.viewSpan);
  }

  private key(e: KeyboardEvent): void {
    if (this.rows.length === 0) return;
    const big = e.shiftKey ? 0.5 : 0.1;
    switch (e.key) {
      case "ArrowLeft": this.pan(-big); break;
      case "ArrowRight": this.pan(big); break;
      case "+": case "=": this.zoom(0.5); break;
      case "-": case "_": this.zoom(2); break;
      case "0": this.fit(); break;
      case "Home": this.setView(0, this.viewSpan); break;
      case "End": this.setView(this.sampleCount, this.viewSpan); break;
      default: return;
    }
    e.preventDefault();
  }
}
