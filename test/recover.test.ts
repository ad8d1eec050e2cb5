// Recovery (decode with `recover`): statuses on data records, ECC corrections,
// retries with other PLL gains, tolerant separators and soft decisions — and
// never a wrong sector: on damaged copies of every shared capture (jitter
// 0.05–0.15, dropouts, spikes), on both backends, each record called good,
// corrected or recovered carries the clean capture's bytes for that sector.
// Single-pulse defects and the separators themselves: test/soft.test.ts.
import { describe, it, expect, beforeAll } from "vitest";
import { readCaptureFile } from "../src/readers/index.js";
import { decode, type DecodeResult } from "../src/decode.js";
import { addNoise } from "../src/encode/noise.js";
import { ownDataRows, looksIncomplete } from "../src/recover/recover.js";
import { main } from "../src/cli/main.js";
import type { EdgeCapture, LogicCapture } from "../src/capture.js";
import type { DecodeRequest } from "../src/types.js";
import { SAMPLES_DIR, haveShared, oracleCaptures, warnMissing } from "./support/shared.js";

const captures = oracleCaptures().filter((c) => !c.stem.includes("DTC7287"));
const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");
const DAMAGE = [
  { name: "jitter 0.05 + spikes 1e-3", jitter: 0.05, dropout: 0, extra: 1e-3 },
  { name: "jitter 0.05 + dropouts 1e-3", jitter: 0.05, dropout: 1e-3, extra: 0 },
  { name: "jitter 0.10", jitter: 0.1, dropout: 0, extra: 0 },
  { name: "jitter 0.15", jitter: 0.15, dropout: 0, extra: 0 },
  { name: "jitter 0.10 + spikes 3e-4 + dropouts 3e-4", jitter: 0.1, dropout: 3e-4, extra: 3e-4 },
];

function sink(): NodeJS.WritableStream & { text: () => string } {
  let s = "";
  return { write(c: string | Uint8Array) { s += typeof c === "string" ? c : Buffer.from(c).toString("latin1"); return true; }, text: () => s } as never;
}

interface Track { capture: LogicCapture; options: string; clean: DecodeResult; edges: EdgeCapture; cell: number }

async function track(file: string, options: string): Promise<Track> {
  const capture = await readCaptureFile(`${SAMPLES_DIR}/${file}`);
  const clean = await decode(capture, options, { keepEvents: true });
  const edges: EdgeCapture = { kind: "edges", sampleRate: capture.sampleRate, edges: clean.edges!.positions, index: clean.edges!.index };
  return { capture, options, clean, edges, cell: capture.sampleRate / clean.options.dataRate / 2 };
}

if (!haveShared) {
  warnMissing("recovery tests");
  it.skip("recovery tests (shared samples/oracle missing)", () => {});
}

describe.skipIf(!haveShared)("recover on clean captures", () => {
  for (const c of captures.slice(0, 6)) {
    it(`${c.stem}: every data record good, no retry decode, binary streams unchanged`, async () => {
      const capture = await readCaptureFile(`${SAMPLES_DIR}/${c.file}`);
      const plain = await decode(capture, c.options);
      const rec = await decode(capture, c.options, { recover: true });
      const data = rec.records.filter((r) => r.kind === "data");
      const bad = plain.records.filter((r) => r.kind === "data" && !r.crc?.ok).length;
      expect(rec.recovery).toMatchObject({ bad, corrected: 0, recovered: 0 });
      // a clean track costs nothing (AMS1100M4 has a data record cut short in the capture itself: recovery tries it)
      if (bad === 0 && !looksIncomplete(plain)) expect(rec.recovery!.retryDecodes).toBe(0);
      expect(data.filter((r) => r.kind === "data" && r.crc?.ok).every((r) => r.kind === "data" && r.status === "good")).toBe(true);
      for (const name of ["id", "idcrc", "data", "datacrc", "iddata"] as const) {
        expect(Buffer.compare(Buffer.from(rec.binary[name]), Buffer.from(plain.binary[name])), name).toBe(0);
      }
      expect(rec.records.every((r) => r.crcInput === undefined)).toBe(true);
    });
  }
});

describe.skipIf(!haveShared)("never a wrong sector: damaged copies of every shared capture", () => {
  for (const c of captures) {
    it(c.stem, async () => {
      const t = await track(c.file, c.options);
      const truth = new Map(ownDataRows(t.clean).filter((r) => r.key !== undefined && r.data?.crc?.ok).map((r) => [r.key!, hex(r.data!.bytes)]));
      const anywhere = new Set(t.clean.records.filter((r) => r.kind === "data" && r.crc?.ok).map((r) => hex(r.bytes)));
      const hw = t.clean.options.headerCrc.bits, dw = t.clean.options.dataCrc.bits;
      for (const d of DAMAGE) {
        const noisy = addNoise(t.edges, { cell: t.cell, jitter: d.jitter, dropout: d.dropout, extra: d.extra, seed: 11 });
        for (const backend of ["wasm", "js"] as const) {
          const r = await decode(noisy, c.options, { recover: true, backend });
          for (const row of ownDataRows(r)) {
            const data = row.data;
            if (!data || data.status === "bad") continue;
            const bytes = hex(data.bytes);
            const expected = row.key !== undefined ? truth.get(row.key) : undefined;
            const ok = expected !== undefined ? bytes === expected : anywhere.has(bytes);
            expect(ok, `${d.name} (${backend}): a ${data.status} record (${row.key ?? "no ID"}, ${JSON.stringify(data.recovery)}) differs from the clean capture`).toBe(true);
            const ev = data.recovery;
            if (data.status === "recovered" && ev && ev.how !== "ecc" && dw < 32) {
              expect(ev.agreeing, "a 16-bit check needs two separators that agree").toBeGreaterThanOrEqual(2);
            }
          }
          // an ID the plain decode did not read, behind a 16-bit check: two separators agreed on it
          for (const rec of r.records) {
            const ev = rec.kind === "id" ? rec.recovery : undefined;
            if (ev && hw < 32 && (ev.how === "separator" || ev.how === "soft")) expect(ev.idAgreeing, "a new ID behind a 16-bit check").toBeGreaterThanOrEqual(2);
          }
        }
      }
    }, 300_000);
  }
});

describe.skipIf(!haveShared)("recovery at work", () => {
  const ACB = "hdd_rll_ACB2370A.sr";
  let t: Track;
  beforeAll(async () => {
    t = await track(ACB, captures.find((c) => c.file === ACB)!.options);
  });

  it("spikes inside data fields of a 48-bit ECC capture are corrected, to the clean bytes, on both backends alike", async () => {
    const noisy = addNoise(t.edges, { cell: t.cell, jitter: 0.05, extra: 1e-3, seed: 7 });
    const plain = await decode(noisy, t.options);
    const w = await decode(noisy, t.options, { recover: true, backend: "wasm" });
    const j = await decode(noisy, t.options, { recover: true, backend: "js" });
    const plainGood = plain.records.filter((r) => r.kind === "data" && r.crc?.ok).length;
    expect(w.recovery!.corrected).toBeGreaterThan(0);
    expect(w.recovery!.good + w.recovery!.corrected + w.recovery!.recovered).toBeGreaterThan(plainGood);
    const view = (r: DecodeResult) => r.records.filter((x) => x.kind === "data").map((x) => x.kind === "data" && [x.status, hex(x.bytes), JSON.stringify(x.recovery)]);
    expect(view(j)).toEqual(view(w));
    for (const r of w.records) {
      if (r.kind === "data" && r.status === "corrected") {
        expect(r.recovery).toMatchObject({ how: "ecc" });
        expect(r.recovery!.how === "ecc" && r.recovery!.bits).toBeLessThanOrEqual(11);
      }
    }
  });

  it("--no-ecc leaves what ECC would correct bad", async () => {
    const noisy = addNoise(t.edges, { cell: t.cell, jitter: 0.05, extra: 1e-3, seed: 7 });
    const r = await decode(noisy, t.options, { recover: { ecc: false, retries: false, separator: false } });
    expect(r.recovery!.corrected).toBe(0);
    expect(r.recovery!.retryDecodes).toBe(0);
    // the tolerant separators (and soft decisions) run without ECC, and never use it
    const s = await decode(noisy, t.options, { recover: { ecc: false, retries: false } });
    expect(s.recovery!.corrected).toBe(0);
    expect(s.recovery!.separatorDecodes).toBeGreaterThan(0);
    for (const x of s.records) if (x.kind === "data" && x.recovery?.how === "separator") expect(x.recovery.ecc).toBeUndefined();
  });

  it("CLI: --recover adds a status column and a summary; --no-ecc without --recover is a usage error", async () => {
    const out = sink(), err = sink();
    expect(await main(["decode", `${SAMPLES_DIR}/${ACB}`, "-P", `mfm:${t.options}`, "--recover"], out, err)).toBe(0);
    expect(out.text()).toMatch(/ status\n/);
    expect(out.text()).toMatch(/recovery: 26 good, 0 corrected, 0 recovered, 0 bad data records \(0 retry decodes\)/);
    const e = sink();
    expect(await main(["decode", `${SAMPLES_DIR}/${ACB}`, "-P", `mfm:${t.options}`, "--no-ecc"], sink(), e)).toBe(2);
    expect(e.text()).toMatch(/--no-ecc and --max-burst go with --recover/);
  });

  it("CLI: --recover --json --records gives each data record its status", async () => {
    const out = sink();
    expect(await main(["decode", `${SAMPLES_DIR}/${ACB}`, "-P", `mfm:${t.options}`, "--recover", "--json", "--records"], out, sink())).toBe(0);
    const lines = out.text().trim().split("\n").map((l) => JSON.parse(l) as { kind: string; status?: string; crcInput?: unknown });
    expect(lines.filter((l) => l.kind === "data").every((l) => l.status === "good")).toBe(true);
    expect(lines.some((l) => "crcInput" in l)).toBe(false);
  });
});

describe("recovery on a capture of several revolutions", () => {
  it("a read destroyed in one revolution is never labelled recovered with the other revolution's bytes", async () => {
    const { synthTrack } = await import("../src/encode/synth.js");
    const t = synthTrack({ format: "MFM_floppy", seed: 3 });
    const one = t.edges.edges;
    const rev = one[one.length - 1] + 2000;
    // two revolutions; in the first, three transitions of sector 3's data field lost where the
    // two intervals around them are 2 cells each (a legal 4-cell interval: no separator sees it)
    const sec = t.expected.find((s) => s.sec === 3)!;
    const plain1 = await decode(t.edges, t.options);
    const data3 = ownDataRows(plain1).find((r) => r.key === `${sec.cyl}/${sec.head}/3`)!.data!;
    const h0 = t.edges.sampleRate / plain1.options.dataRate / 2;
    const lost = new Set<number>();
    for (let i = 1; i + 1 < one.length && lost.size < 3; i++) {
      if (one[i] < data3.start + 200 * h0 || one[i] > data3.end - 200 * h0 || (lost.size > 0 && one[i] < Math.max(...lost) + 400 * h0)) continue;
      if (Math.round((one[i] - one[i - 1]) / h0) === 2 && Math.round((one[i + 1] - one[i]) / h0) === 2) lost.add(one[i]);
    }
    expect(lost.size).toBe(3);
    const edges = Float64Array.from([...[...one].filter((x) => !lost.has(x)), ...[...one].map((x) => x + rev)]);
    const cap: EdgeCapture = { kind: "edges", sampleRate: t.edges.sampleRate, edges };
    const r = await decode(cap, t.options, { recover: true });
    const rows = ownDataRows(r).filter((x) => x.key === `${sec.cyl}/${sec.head}/3` && x.data);
    expect(rows.length).toBe(2);
    const [first, second] = rows.map((x) => x.data!);
    expect(second.status).toBe("good");
    // the first read's damage is invisible to every separator: it stays bad (it was "recovered"
    // with the second revolution's bytes when PLL retries matched copies by key alone)
    expect(first.status).toBe("bad");
    expect(first.recovery).toBeUndefined();
  });
});

describe("recovery on a track whose data fields were never written", () => {
  it("no soft-decision trials on a sector no decode read data for: it stays missing, and the track costs a few decodes, not thousands", async () => {
    const { synthTrack, defaultSectors } = await import("../src/encode/synth.js");
    const fmt = (await import("../src/encode/track.js")).SYNTH_FORMATS.MFM;
    // a 32-bit data check (soft decisions run there), sectors 2..16 without a data field
    const sectors = defaultSectors(fmt, { cyl: 3, head: 1, seed: 5 }).map((s) => (s.sec >= 2 ? { ...s, missingData: true } : s));
    const t = synthTrack({ format: "MFM", sectors, seed: 5 });
    const plain = await decode(t.edges, t.options);
    expect(plain.options.dataCrc.bits).toBe(32);
    const r = await decode(t.edges, t.options, { recover: true });
    const rows = ownDataRows(r);
    expect(rows.filter((x) => x.data).map((x) => x.data!.status)).toStrictEqual(["good", "good"]);
    expect(rows.filter((x) => !x.data).length).toBe(sectors.length - 2);
    expect(r.recovery!.softTrials ?? 0).toBe(0);
    expect(r.recovery!.retryDecodes).toBeLessThanOrEqual(8);
  });
});

describe("CRC inputs for recovery", () => {
  it("FAILING_CRC_INPUTS keeps a record's CRC input exactly when its check fails, the same bytes keepCrcInputs gives", async () => {
    const { synthTrack } = await import("../src/encode/synth.js");
    const { FAILING_CRC_INPUTS } = await import("../src/stream.js");
    const t = synthTrack({ format: "MFM", seed: 11, badSectors: [2, 9] });
    const all = await decode(t.edges, t.options, { keepCrcInputs: true });
    const failing = await decode(t.edges, t.options, { [FAILING_CRC_INPUTS]: true } as DecodeRequest);
    expect(failing.records.length).toBe(all.records.length);
    const bad = all.records.filter((r) => r.crc && !r.crc.ok);
    expect(bad.length).toBe(2);
    for (let i = 0; i < all.records.length; i++) {
      const a = all.records[i], f = failing.records[i];
      if (a.crc && !a.crc.ok) expect(f.crcInput).toStrictEqual(a.crcInput);
      else expect("crcInput" in f).toBe(false);
    }
    // recovery asks for them this way (decode() never deletes what it did not add)
    const r = await decode(t.edges, t.options, { recover: true });
    expect(r.records.some((x) => "crcInput" in x)).toBe(false);
  });
});
