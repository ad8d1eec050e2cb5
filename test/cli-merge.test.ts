// `diskflux decode <captures>... --recover --merge` (src/cli/merge-out.ts): the
// copies of one track from several captures (written as files by the project's
// own writers) merged into one sector table per track: three reads each with
// bad sectors give every sector back, equal to the written bytes (a vote where
// no read verifies); copies that verify but differ are a conflict; the
// revolutions of one flux file merge the same way; a file that fails prints
// its error and the others still merge; --merge without --recover is refused.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { beforeAll, describe, expect, it } from "vitest";
import { main } from "../src/cli/main.js";
import { decode } from "../src/decode.js";
import { edgesToLogic } from "../src/encode/flux.js";
import { addNoise } from "../src/encode/noise.js";
import { encodeTrackDetailed } from "../src/encode/track.js";
import { writeSigrok } from "../src/writers/sigrok.js";
import { readCapture } from "../src/readers/index.js";
import { FORMAT, OPTIONS, edgesOf, scpOf, sectorList, trackCells } from "./support/damaged-track.js";
import type { EdgeCapture } from "../src/capture.js";

const RATE = 8_000_000; // 16 samples a cell at 250 kbit/s
const dir = mkdtempSync(join(tmpdir(), "diskflux-merge-"));
const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");

/** A .sr file of the cells, with its own noise. */
function srFile(name: string, cells: Uint8Array, seed: number): string {
  const clean: EdgeCapture = { kind: "edges", sampleRate: RATE, edges: edgesOf(cells, RATE, seed) };
  const noisy = addNoise(clean, { cell: RATE / 500_000, jitter: 0.03, seed });
  const logic = edgesToLogic(noisy, { sampleRate: RATE });
  const path = join(dir, name);
  writeFileSync(path, writeSigrok(logic, { level: 1 }));
  return path;
}

async function run(args: string[]) {
  let out = "", err = "";
  const o = new Writable({ write(c, _e, cb) { out += String(c); cb(); } });
  const e = new Writable({ write(c, _e, cb) { err += String(c); cb(); } });
  const code = await main(["decode", ...args], o, e);
  return { code, out, err };
}

interface SectorLine { cyl: number; head: number; sec: number; status: string; copies: number; captures: string[]; from?: string; reads: { capture: string; status: string }[]; bytes: string | null; evidence: { vote?: unknown; variants: number } }

describe("decode --recover --merge", () => {
  // three reads of one track (sectors 1–4): each has a weak bit in sector 4 (a different one),
  // and a read-specific one in sector 1, 2 or 3: alone, each read has two bad sectors
  let files: string[];
  beforeAll(() => {
    files = [
      srFile("read1.sr", trackCells([{ sec: 1, byte: 10, bit: 3 }, { sec: 4, byte: 20, bit: 2 }]), 3),
      srFile("read2.sr", trackCells([{ sec: 2, byte: 30, bit: 5 }, { sec: 4, byte: 90, bit: 4 }]), 4),
      srFile("read3.sr", trackCells([{ sec: 3, byte: 50, bit: 1 }, { sec: 4, byte: 150, bit: 6 }]), 5),
    ];
  });

  it("each read alone has bad sectors; merged, every sector is back with the written bytes", async () => {
    const { readFileSync } = await import("node:fs");
    for (const [i, f] of files.entries()) {
      const r = await decode(await readCapture(readFileSync(f), f), OPTIONS, { recover: true });
      const bad = r.records.filter((x) => x.kind === "data" && x.status === "bad").length;
      expect(bad, `read ${i + 1}`).toBe(2);
    }
    const res = await run([...files, "-P", `mfm:${OPTIONS}`, "--recover", "--merge", "--json", "--records", "--jobs", "1"]);
    expect(res.err).toBe("");
    expect(res.code).toBe(0);
    const lines = res.out.trim().split("\n").map((l) => JSON.parse(l) as SectorLine);
    expect(lines.map((l) => [l.sec, l.status])).toEqual([[1, "good"], [2, "good"], [3, "good"], [4, "voted"]]);
    const written = new Map(sectorList().map((s) => [s.sec, hex(s.data)]));
    for (const l of lines) {
      expect(l.bytes, `sector ${l.sec}`).toBe(written.get(l.sec));
      expect(l.captures).toEqual(files);
      expect(l.copies).toBe(3);
      expect(l.reads.map((x) => x.capture)).toEqual(files);
    }
    expect(lines[0].from).toBe(files[1]); // read 1's sector 1 is bad: the first good copy is read 2's
    expect(lines[0].reads.map((x) => x.status)).toEqual(["bad", "good", "good"]);
    expect(lines[3].evidence.vote).toMatchObject({ copies: 3 });
    expect(lines[3].from).toBeUndefined();
  }, 60_000);

  it("--json: one object per track with its captures and counts; the table says which files went in", async () => {
    const json = await run([...files, "-P", `mfm:${OPTIONS}`, "--recover", "--merge", "--json", "--jobs", "1"]);
    expect(json.code).toBe(0);
    const tracks = JSON.parse(json.out) as { cyl: number; head: number; captures: string[]; counts: Record<string, number>; sectors: SectorLine[] }[];
    expect(tracks).toHaveLength(1);
    expect(tracks[0]).toMatchObject({ cyl: 0, head: 0, captures: files, counts: { good: 3, voted: 1, bad: 0, conflict: 0 } });
    expect(tracks[0].sectors.map((s) => s.sec)).toEqual([1, 2, 3, 4]);
    const text = await run([...files, "-P", `mfm:${OPTIONS}`, "--recover", "--merge", "--jobs", "1"]);
    expect(text.code).toBe(0);
    expect(text.out).toContain(`cyl 0 head 0: merged from ${files.join(", ")}: 4 sectors`);
    expect(text.out).toMatch(/sec {3}4 {2}voted/);
  }, 60_000);

  it("copies that verify but differ: conflict, with both payloads counted", async () => {
    const other = sectorList().map((s) => (s.sec === 2 ? { ...s, data: s.data.map((x) => x ^ 0x5a) } : s));
    const a = srFile("conflict-a.sr", encodeTrackDetailed({ format: FORMAT, sectors: sectorList() }).cells, 6);
    const b = srFile("conflict-b.sr", encodeTrackDetailed({ format: FORMAT, sectors: other }).cells, 7);
    const res = await run([a, b, "-P", `mfm:${OPTIONS}`, "--recover", "--merge", "--json", "--records", "--jobs", "1"]);
    expect(res.code).toBe(0);
    const lines = res.out.trim().split("\n").map((l) => JSON.parse(l) as SectorLine);
    expect(lines.map((l) => l.status)).toEqual(["good", "conflict", "good", "good"]);
    expect(lines[1].evidence.variants).toBe(2);
    expect(lines[1].bytes).toBe(hex(sectorList()[1].data)); // a tie: the earliest copy's
  }, 60_000);

  it("the revolutions of one flux file merge like separate captures", async () => {
    const scp = join(dir, "revs.scp");
    writeFileSync(scp, scpOf([
      trackCells([{ sec: 1, byte: 10, bit: 3 }, { sec: 4, byte: 20, bit: 2 }]),
      trackCells([{ sec: 2, byte: 30, bit: 5 }, { sec: 4, byte: 90, bit: 4 }]),
      trackCells([{ sec: 3, byte: 50, bit: 1 }, { sec: 4, byte: 150, bit: 6 }]),
    ]));
    const res = await run([scp, "-P", `mfm:${OPTIONS}`, "--recover", "--merge", "--json", "--records", "--jobs", "1"]);
    expect(res.code).toBe(0);
    const lines = res.out.trim().split("\n").map((l) => JSON.parse(l) as SectorLine);
    expect(lines.map((l) => [l.sec, l.status, l.copies])).toEqual([[1, "good", 3], [2, "good", 3], [3, "good", 3], [4, "voted", 3]]);
    const written = new Map(sectorList().map((s) => [s.sec, hex(s.data)]));
    for (const l of lines) expect(l.bytes).toBe(written.get(l.sec));
  }, 60_000);

  it("a file that fails prints its one-line error; the others still merge; exit 1", async () => {
    const missing = join(dir, "no-such.sr");
    const res = await run([files[0], missing, files[1], files[2], "-P", `mfm:${OPTIONS}`, "--recover", "--merge", "--json", "--records", "--jobs", "1"]);
    expect(res.code).toBe(1);
    expect(res.err.trim().split("\n")).toHaveLength(1);
    expect(res.err).toMatch(/^diskflux: .*no-such\.sr/);
    const lines = res.out.trim().split("\n").map((l) => JSON.parse(l) as SectorLine);
    expect(lines.map((l) => l.status)).toEqual(["good", "good", "good", "voted"]);
    expect(lines[0].captures).toEqual(files);
  }, 60_000);

  it("--merge without --recover (or with -A/-B) is a usage error", async () => {
    const a = await run([files[0], "-P", `mfm:${OPTIONS}`, "--merge"]);
    expect(a.code).toBe(2);
    expect(a.err).toMatch(/^diskflux: --merge goes with --recover .*add --recover\n$/);
    expect(a.out).toBe("");
    const b = await run([files[0], "-P", `mfm:${OPTIONS}`, "--recover", "--merge", "-B", "mfm=data"]);
    expect(b.code).toBe(2);
    expect(b.err).toMatch(/--merge prints merged sectors/);
  });

  it("decode --help documents --merge and streamed --recover", async () => {
    const h = await run(["--help"]);
    expect(h.code).toBe(0);
    expect(h.out).toMatch(/--merge/);
    expect(h.out).toMatch(/stream/i);
  });
});
