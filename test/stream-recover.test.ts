// --recover on streamed captures (src/recover/stream.ts): a long capture (several
// noisy synthesized tracks back to back, as a capture across a seek would hold
// them) streamed in pieces gives the data records the same statuses and bytes
// as decode(…, { recover }) of the whole, with the ring of recent edges a small
// fraction of the capture's edges; and `diskflux decode --recover` does so on a
// session over the streaming threshold (lowered here by DISKFLUX_STREAM_BYTES).
import { describe, it, expect } from "vitest";
import { Writable } from "node:stream";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { createHash } from "node:crypto";
import { decode, type DecodeResult } from "../src/decode.js";
import { synthTrack } from "../src/encode/synth.js";
import { addNoise } from "../src/encode/noise.js";
import { edgesToLogic } from "../src/encode/flux.js";
import { writeSigrok } from "../src/writers/sigrok.js";
import { readCapture } from "../src/readers/index.js";
import { EdgeRing, openRecoveringStream } from "../src/recover/stream.js";
import { main } from "../src/cli/main.js";
import type { EdgeCapture } from "../src/capture.js";

type Fmt = Parameters<typeof synthTrack>[0]["format"];

/** `tracks` synthesized tracks (cylinders 0, 1, …) back to back, with noise over the whole. */
function longCapture(format: Fmt, tracks: number, noise: { jitter: number; extra: number }) {
  const parts = Array.from({ length: tracks }, (_, i) => synthTrack({ format, seed: 1 + i, cyl: i }));
  const n = parts.reduce((a, t) => a + t.edges.edges.length, 0);
  const edges = new Float64Array(n);
  let at = 0, off = 0;
  for (const t of parts) {
    for (const e of t.edges.edges) edges[at++] = e + off;
    off += t.edges.sampleCount ?? t.edges.edges[t.edges.edges.length - 1] + 1;
  }
  const t0 = parts[0];
  const cell = t0.edges.sampleRate / (2 * t0.format.dataRate);
  const clean: EdgeCapture = { kind: "edges", sampleRate: t0.edges.sampleRate, edges, sampleCount: off };
  return { capture: addNoise(clean, { cell, ...noise, seed: 7 }), options: t0.options, truth: parts.flatMap((t) => t.expected) };
}

const sha = (hex: string) => createHash("sha1").update(hex).digest("hex").slice(0, 12);
const line = (markStart: number, status: string | undefined, hex: string) => `${markStart} ${status} ${sha(hex)}`;
const view = (r: DecodeResult) => r.records.filter((x) => x.kind === "data").map((x) => line(x.markStart, x.kind === "data" ? x.status : "", Buffer.from(x.bytes).toString("hex")));

describe("streamed recovery equals whole-capture recovery", () => {
  for (const format of ["MFM_floppy", "MFM_WD"] as Fmt[]) {
    it(`${format}: four noisy tracks, pushed in pieces: the same statuses and bytes, a bounded ring`, async () => {
      const { capture, options } = longCapture(format, 4, { jitter: 0.05, extra: 2e-4 });
      const whole = await decode(capture, options, { recover: true });
      // recovery has work to do here: failing records and sectors the plain decode lost
      const plain = await decode(capture, options);
      expect(whole.recovery!.recovered + whole.recovery!.corrected).toBeGreaterThan(5);
      expect(whole.records.filter((r) => r.kind === "data").length).toBeGreaterThan(plain.records.filter((r) => r.kind === "data").length);

      const s = await openRecoveringStream({ sampleRate: capture.sampleRate }, options);
      const e = capture.edges;
      for (let at = 0, k = 0; at < e.length; k++) {
        const n = [1, 977, 40_000, 3][k % 4];
        await s.pushEdges(e.subarray(at, Math.min(e.length, at + n)));
        at += n;
      }
      const streamed = await s.finish(capture.sampleCount);
      expect(view(streamed)).toEqual(view(whole));
      for (const k of ["good", "corrected", "recovered", "bad"] as const) expect(streamed.recovery![k], k).toBe(whole.recovery![k]);
      expect(s.windowCount).toBeGreaterThan(0);
    }, 120_000);
  }

  it("memory: the ring holds about a track's edges, however long the capture", async () => {
    const peak = async (tracks: number) => {
      const { capture, options } = longCapture("MFM_WD", tracks, { jitter: 0.05, extra: 2e-4 });
      const s = await openRecoveringStream({ sampleRate: capture.sampleRate }, options);
      for (let at = 0; at < capture.edges.length; at += 5000) await s.pushEdges(capture.edges.subarray(at, at + 5000));
      const r = await s.finish(capture.sampleCount);
      expect(r.recovery!.recovered).toBeGreaterThan(tracks);
      return { peak: s.peakEdges, edges: capture.edges.length };
    };
    const short = await peak(3), long = await peak(12);
    expect(long.peak).toBeLessThanOrEqual(short.peak * 1.25);
    expect(long.peak).toBeLessThan(long.edges / 6);
  }, 120_000);

  it("a clean capture: every record good, no window, no retry", async () => {
    const { capture, options } = longCapture("MFM_floppy", 2, { jitter: 0, extra: 0 });
    const s = await openRecoveringStream({ sampleRate: capture.sampleRate }, options);
    await s.pushEdges(capture.edges);
    const r = await s.finish(capture.sampleCount);
    expect(s.windowCount).toBe(0);
    expect(r.recovery).toMatchObject({ bad: 0, corrected: 0, recovered: 0, retryDecodes: 0 });
    expect(r.records.filter((x) => x.kind === "data").every((x) => x.kind === "data" && x.status === "good")).toBe(true);
  });

  it("a window the ring cannot hold stays bad, with a warning (never silently)", async () => {
    const { capture, options } = longCapture("MFM_WD", 1, { jitter: 0.05, extra: 2e-4 });
    const warnings: string[] = [];
    const s = await openRecoveringStream({ sampleRate: capture.sampleRate, source: "tiny.sr" }, options, { maxEdges: 1024, onWarning: (m) => warnings.push(m) });
    await s.pushEdges(capture.edges);
    const r = await s.finish(capture.sampleCount);
    expect(s.peakEdges).toBeLessThanOrEqual(1024);
    expect(warnings.length).toBeGreaterThan(0);
    expect(warnings[0]).toMatch(/^tiny\.sr: .* was not recovered: its window held more than 1024 edges/);
    const whole = await decode(capture, options, { recover: true });
    expect(r.recovery!.good).toBe(whole.recovery!.good);
    expect(r.records.filter((x) => x.kind === "data" && x.status === "bad").length).toBeGreaterThan(0);
  });

  it("EdgeRing: keeps what is needed, drops the oldest when full, refuses a cut from dropped edges", () => {
    const ring = new EdgeRing(1024);
    const run = (from: number, n: number) => Float64Array.from({ length: n }, (_, i) => from + 10 * i);
    ring.append(run(10, 600), undefined, 0);
    ring.append(run(6010, 600), undefined, 0); // over 1024: the oldest go
    expect(ring.length).toBe(1024);
    expect(ring.cut(10, 100, 1e6)).toBeUndefined();
    const c = ring.cut(6010, 6100, 1e6)!;
    expect([...c.edges]).toEqual([6010, 6020, 6030, 6040, 6050, 6060, 6070, 6080, 6090, 6100]);
    expect(c.index).toBeUndefined();
    expect(() => new EdgeRing(10)).toThrow(/maxEdges/);
  });
});

describe("CLI: decode --recover on a session over the streaming threshold", () => {
  it("--json --records: one line per record in track order, statuses and bytes as the whole decode's", async () => {
    const { capture, options } = longCapture("MFM_WD", 3, { jitter: 0.05, extra: 2e-4 });
    // a logic capture needs edges ≥ 2 samples apart
    const kept: number[] = [];
    for (const x of capture.edges) if (kept.length === 0 || x >= kept[kept.length - 1] + 2) kept.push(x);
    const logic = edgesToLogic(Float64Array.from(kept), { sampleRate: capture.sampleRate });
    const sr = writeSigrok(logic, { level: 1 });
    const path = `${mkdtempSync(`${tmpdir()}/diskflux-srec-`)}/long.sr`;
    writeFileSync(path, sr);
    const whole = await decode(await readCapture(sr, "long.sr"), options, { recover: true });
    const run = async (args: string[], stream: boolean) => {
      let out = "", err = "";
      const o = new Writable({ write(c, _e, cb) { out += String(c); cb(); } });
      const e = new Writable({ write(c, _e, cb) { err += String(c); cb(); } });
      const before = process.env.DISKFLUX_STREAM_BYTES;
      if (stream) process.env.DISKFLUX_STREAM_BYTES = "4096";
      try {
        const code = await main(["decode", path, "-P", `mfm:${options}`, "--jobs", "1", ...args], o, e);
        return { code, out, err };
      } finally {
        if (before === undefined) delete process.env.DISKFLUX_STREAM_BYTES;
        else process.env.DISKFLUX_STREAM_BYTES = before;
      }
    };
    const s = await run(["--recover", "--json", "--records"], true);
    expect(s.err).toBe("");
    expect(s.code).toBe(0);
    const lines = s.out.trim().split("\n").map((l) => JSON.parse(l) as { kind: string; markStart: number; status?: string; bytes: string });
    const data = lines.filter((l) => l.kind === "data");
    expect(data.map((l) => line(l.markStart, l.status, l.bytes))).toEqual(view(whole));
    expect(lines.map((l) => l.markStart)).toEqual([...lines.map((l) => l.markStart)].sort((a, b) => a - b));
    expect(data.some((l) => l.status === "recovered" || l.status === "corrected")).toBe(true);
    // not streamed: the same statuses and bytes
    const w = await run(["--recover", "--json", "--records"], false);
    expect(w.out.trim().split("\n").map((l) => JSON.parse(l)).filter((l) => l.kind === "data").map((l) => line(l.markStart, l.status, l.bytes))).toEqual(view(whole));
    // --merge on a streamed capture: one table per track its IDs name (this capture holds three)
    const m = await run(["--recover", "--merge", "--json"], true);
    expect(m.code).toBe(0);
    const tracks = JSON.parse(m.out) as { cyl: number; head: number; captures: string[]; sectors: { status: string }[] }[];
    expect(tracks.map((t) => [t.cyl, t.head])).toEqual([[0, 0], [1, 0], [2, 0]]);
    for (const t of tracks) expect(t.captures).toEqual([path]);
    expect(tracks.flatMap((t) => t.sectors).length).toBe(data.length);
    // without --recover, streamed and whole print the same
    const plainS = await run(["--json", "--records"], true);
    const plainW = await run(["--json", "--records"], false);
    expect(plainS.out).toBe(plainW.out);
    expect(plainS.out).not.toMatch(/"status"/);
  }, 180_000);
});
