// Pulse-width histogram on a canvas: x in cells (nominal bit-cell widths, so
// MFM peaks sit at 2, 3 and 4 and RLL(2,7) at 3..8), y in pulse counts on a log
// scale (a preamble's tens of thousands of pulses and a handful of stray ones
// both stay visible). The allowed widths of the format are shaded; the axis
// label gives the cell time.
import type { Histogram } from "./protocol.js";

const PAD_L = 48, PAD_R = 12, PAD_T = 12, PAD_B = 34;
const FONT = "11px system-ui, sans-serif";

export class HistogramView {
  private data: { h: Histogram; sampleRate: number } | undefined;
  private dpr = 1;

  constructor(private readonly canvas: HTMLCanvasElement) {
    new ResizeObserver(() => this.draw()).observe(canvas);
  }

  set(h: Histogram | undefined, sampleRate = 1): void {
    this.data = h ? { h, sampleRate } : undefined;
    this.draw();
  }

  draw(): void {
    const canvas = this.canvas;
    this.dpr = window.devicePixelRatio || 1;
    const W = Math.max(200, canvas.clientWidth), H = Math.max(100, canvas.clientHeight);
    canvas.width = Math.round(W * this.dpr);
    canvas.height = Math.round(H * this.dpr);
    const ctx = canvas.getContext("2d");
    if (!ctx) return;
    ctx.setTransform(this.dpr, 0, 0, this.dpr, 0, 0);
    ctx.fillStyle = "#ffffff";
    ctx.fillRect(0, 0, W, H);
    ctx.font = FONT;
    if (!this.data) {
      ctx.fillStyle = "#5f6368";
      ctx.textBaseline = "middle";
      ctx.fillText("Pulse widths appear here after a decode.", 12, H / 2);
      return;
    }
    const { h, sampleRate } = this.data;
    const bins = h.counts.length;
    const maxCells = bins / h.binsPerCell;
    let max = 1;
    for (let i = 0; i < bins; i++) if (h.counts[i] > max) max = h.counts[i];
    const pw = W - PAD_L - PAD_R, ph = H - PAD_T - PAD_B;
    const xOf = (cells: number) => PAD_L + (cells / maxCells) * pw;
    const top = Math.log10(max + 1);
    const yOf = (n: number) => PAD_T + ph - (Math.log10(n + 1) / top) * ph;

    // allowed widths (±0.5 cell), shaded
    ctx.fillStyle = "#e6f4ea";
    for (const c of h.limits) ctx.fillRect(xOf(c - 0.5), PAD_T, xOf(c + 0.5) - xOf(c - 0.5) - 1, ph);

    // log grid: 10, 100, 1k, ...
    ctx.textAlign = "right";
    ctx.textBaseline = "middle";
    ctx.strokeStyle = "#e3e6ea";
    ctx.fillStyle = "#5f6368";
    for (let p = 10; p <= max; p *= 10) {
      const y = Math.round(yOf(p)) + 0.5;
      ctx.fillText(p >= 1000 ? `${p / 1000}k` : String(p), PAD_L - 4, y);
      ctx.beginPath();
      ctx.moveTo(PAD_L + 1, y);
      ctx.lineTo(PAD_L + pw, y);
      ctx.stroke();
    }

    // bars
    ctx.fillStyle = "#1a73e8";
    const bw = pw / bins;
    for (let i = 0; i < bins; i++) {
      const n = h.counts[i];
      if (!n) continue;
      const y = Math.min(PAD_T + ph - 1, yOf(n));
      ctx.fillRect(PAD_L + i * bw, y, Math.max(1, bw - 0.5), PAD_T + ph - y);
    }

    // axes
    ctx.strokeStyle = "#5f6368";
    ctx.beginPath();
    ctx.moveTo(PAD_L + 0.5, PAD_T);
    ctx.lineTo(PAD_L + 0.5, PAD_T + ph + 0.5);
    ctx.lineTo(PAD_L + pw, PAD_T + ph + 0.5);
    ctx.stroke();
    ctx.fillStyle = "#202124";
    ctx.textAlign = "center";
    ctx.textBaseline = "top";
    const cellNs = (h.h0 / sampleRate) * 1e9;
    for (let c = 0; c <= maxCells; c++) {
      const x = xOf(c);
      ctx.beginPath();
      ctx.moveTo(x + 0.5, PAD_T + ph);
      ctx.lineTo(x + 0.5, PAD_T + ph + 4);
      ctx.stroke();
      ctx.fillStyle = h.limits.includes(c) ? "#137333" : "#202124";
      ctx.fillText(String(c), x, PAD_T + ph + 5);
    }
    ctx.fillStyle = "#5f6368";
    const time = cellNs >= 1000 ? `${+(cellNs / 1000).toPrecision(3)} µs` : `${+cellNs.toPrecision(3)} ns`;
    ctx.fillText(`pulse width in cells (1 cell = ${time})`, PAD_L + pw / 2, PAD_T + ph + 19);
    ctx.fillStyle = "#5f6368";
    ctx.textAlign = "right";
    ctx.textBaseline = "middle";
    ctx.fillText("0", PAD_L - 4, PAD_T + ph);
    ctx.save();
    ctx.translate(12, PAD_T + ph / 2);
    ctx.rotate(-Math.PI / 2);
    ctx.textAlign = "center";
    ctx.fillText("pulses (log)", 0, 0);
    ctx.restore();
    if (h.overflow) {
      ctx.textAlign = "right";
      ctx.textBaseline = "top";
      ctx.fillText(`${h.overflow} longer pulses not shown`, W - PAD_R, PAD_T);
    }
    ctx.textAlign = "left";
  }
}
